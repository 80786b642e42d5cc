/**
 * The CI roles are complete by construction: every resource type, argument and data source that any
 * workload stack declares, in every shipped environment (config/environments/*.json, everything-on
 * included), is in the permission table, and the synthesized plan role holds its read calls and the
 * apply role all its calls, on the table's scope. Plus one test per apply-time row of issue 11 that the
 * CI roles own (3, 4, 5, 8, 9).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { TerraformStack, Testing } from "cdktf";
import { CONFIG_DIRECTORY, loadConfig, parseConfig, type AppConfig } from "../../config";
import { STAR_ONLY_ACTIONS } from "../../aws/iam-star-only";
import { ADMIN_STACKS } from "../../scripts/pull-requests/ci-stacks";
import { buildApp } from "../../stacks/app";
import { CiAccessStack, ciRoleName } from "../../stacks/ci-access-stack";
import { coverageProblems, requiredPermissions, type DeclaredBlock, type RequiredPermissions } from "../../stacks/ci-access/engine";
import { DATA_SOURCE_PERMISSIONS, RESOURCE_PERMISSIONS } from "../../stacks/ci-access/permissions";
import { ALARMS_SSM_SERVICE, AUTOSCALING_SERVICE, SCOPES, scopeResources, type Scope, type ScopeName } from "../../stacks/ci-access/scopes";
import type { Grant } from "../../stacks/ci-access/table";
import { policyBehind, resourcesOf, synthesize, withCiAccess, type PolicyStatementJson, type SynthesizedStack } from "../helpers/synth";

const ENVIRONMENTS = readdirSync(CONFIG_DIRECTORY)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.slice(0, -".json".length))
  .sort();

/** The synthesized workload stacks and ci-access stack of a configuration. */
function synthesizeApp(config: AppConfig): { workloads: SynthesizedStack[]; ci: SynthesizedStack } {
  const app = buildApp(config, { outdir: Testing.app().outdir });
  const stacks = app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack);
  const ci = stacks.find((stack): stack is CiAccessStack => stack instanceof CiAccessStack);
  if (ci === undefined) throw new Error(`${config.environment}: no ci-access stack`);
  return { workloads: stacks.filter((stack) => !ADMIN_STACKS.includes(stack.node.id)).map((stack) => synthesize(stack)), ci: synthesize(ci) };
}

/**
 * Resources and data sources as they are in the synthesized JSON (not through the constructs, as synth
 * reads them), each with the region of its aliased aws provider, read from the stack's provider blocks.
 */
function blocksOf(stack: SynthesizedStack, name: string): DeclaredBlock[] {
  const regionOfAlias = new Map<string, string>(
    ((stack.provider?.["aws"] ?? []) as Array<Record<string, unknown>>).flatMap((provider) =>
      typeof provider["alias"] === "string" ? [[`aws.${provider["alias"]}`, String(provider["region"])] as const] : [],
    ),
  );
  const blocks: DeclaredBlock[] = [];
  for (const kind of ["resource", "data"] as const) {
    for (const [type, byId] of Object.entries(stack[kind] ?? {})) {
      for (const [id, args] of Object.entries(byId)) {
        const region = regionOfAlias.get(String(args["provider"]));
        blocks.push({ kind, type, address: `${name}/${type}.${id}`, arguments: args, ...(region !== undefined ? { region } : {}) });
      }
    }
  }
  return blocks;
}

const PARTITION = /\$\{data\.aws_partition\.partition\.partition\}/g;
const ACCOUNT = /\$\{element\(split\(":", [^)]*\), 4\)\}/g;
const normalize = (value: unknown): unknown =>
  typeof value === "string"
    ? value.replace(PARTITION, "PARTITION").replace(ACCOUNT, "ACCOUNT")
    : Array.isArray(value)
      ? value.map(normalize)
      : typeof value === "object" && value !== null
        ? Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, normalize(entry)]))
        : value;

/** The Allow statements of the managed policies attached to a CI role, with partition and account tokens normalized. */
function roleStatements(ci: SynthesizedStack, config: AppConfig, phase: "plan" | "apply"): PolicyStatementJson[] {
  const prefix = `${ciRoleName(config, phase)}-`;
  return resourcesOf(ci, "aws_iam_policy")
    .filter((policy) => String(policy["name"]).startsWith(prefix))
    .flatMap((policy) => policyBehind(ci, policy["policy"]).statement)
    .map((statement) => normalize(statement) as PolicyStatementJson);
}

/** A scope's resources in the app's region and in every other region where blocks of that scope are declared. */
function expectedResources(scope: ScopeName, config: AppConfig, otherRegions: Iterable<string> = []): string[] {
  return scopeResources(
    SCOPES[scope],
    { partition: "PARTITION", account: "ACCOUNT", region: config.region },
    `${config.project}-${config.environment}`,
    otherRegions,
  );
}

/** The (scope, action) pairs a role lacks: no Allow statement with the action on exactly the scope's resources (and conditions). */
function missing(
  statements: PolicyStatementJson[],
  required: ReadonlyMap<ScopeName, ReadonlySet<string>>,
  config: AppConfig,
  otherRegions: RequiredPermissions["otherRegions"] = new Map(),
): string[] {
  const gaps: string[] = [];
  for (const [scope, actions] of required) {
    const resources = expectedResources(scope, config, otherRegions.get(scope));
    const definition: Scope = SCOPES[scope];
    const conditions = (definition.conditions ?? []).map((condition) => ({ ...condition, values: [...condition.values] }));
    for (const action of actions) {
      const granted = statements.some(
        (statement) =>
          statement.effect === "Allow" &&
          statement.actions.includes(action) &&
          isDeepStrictEqual(statement.resources, resources) &&
          isDeepStrictEqual(statement.condition ?? [], conditions),
      );
      if (!granted) gaps.push(`${action} on ${resources.join(", ")}`);
    }
  }
  return gaps.sort();
}

describe.each(ENVIRONMENTS)("environment %s: the CI roles cover every resource, argument and data source of the workload stacks", (environment) => {
  const config = withCiAccess(environment);
  const { workloads, ci } = synthesizeApp(config);
  const blocks = workloads.flatMap((stack, index) => blocksOf(stack, `${environment}/${index}`));

  test("the table has every resource type, argument and data source (the message says what to add, and where)", () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(coverageProblems(blocks)).toEqual([]);
  });

  test("the plan role holds every read call, on the table's scope", () => {
    expect(missing(roleStatements(ci, config, "plan"), requiredPermissions(blocks).plan, config, requiredPermissions(blocks).otherRegions)).toEqual([]);
  });

  test("the apply role holds every create, read, update and delete call, on the table's scope", () => {
    expect(missing(roleStatements(ci, config, "apply"), requiredPermissions(blocks).apply, config, requiredPermissions(blocks).otherRegions)).toEqual([]);
  });
});

describe("the everything-on environment turns everything on", () => {
  const config = loadConfig("everything-on");

  test("its example fleet in eu-west-1: the CI roles get that region's ARNs for exactly the scopes declared there", () => {
    const { workloads, ci } = synthesizeApp(config);
    const blocks = workloads.flatMap((stack, index) => blocksOf(stack, `everything-on/${index}`));
    const { apply, otherRegions } = requiredPermissions(blocks);
    expect([...(otherRegions.get("autoScalingGroups") ?? [])]).toEqual(["eu-west-1"]);
    expect(otherRegions.has("lambdaFunctions")).toBe(false);
    const statements = roleStatements(ci, config, "apply");
    const groups = statements.find((statement) => statement.sid === "AutoScalingGroupsDeploy");
    expect(groups?.resources).toEqual([
      "arn:PARTITION:autoscaling:us-east-1:ACCOUNT:autoScalingGroup:*:autoScalingGroupName/ssm-patterns-everything-on-*",
      "arn:PARTITION:autoscaling:eu-west-1:ACCOUNT:autoScalingGroup:*:autoScalingGroupName/ssm-patterns-everything-on-*",
    ]);
    // Checked against the app's region alone, the roles' scopes are wider: the check sees the difference.
    expect(missing(statements, apply, config)).not.toEqual([]);
    expect(missing(statements, apply, config, otherRegions)).toEqual([]);
  });

  test("ciAccess, the S3 backend with a KMS key, every stack, tracker-mode and native-mode pipelines with launch templates", () => {
    expect(config.ciAccess.enabled).toBe(true);
    expect(config.backend).toMatchObject({ type: "s3", kmsKeyId: expect.any(String), dynamodbTable: expect.any(String) });
    expect([config.amiTracker.enabled, config.storageFirstApi.enabled, config.stateBootstrap.enabled]).toEqual([true, true, true]);
    expect(new Set(config.imageBuilder.pipelines.map((pipeline) => pipeline.mode))).toEqual(new Set(["tracker", "native"]));
    expect(config.imageBuilder.pipelines.every((pipeline) => pipeline.exampleLaunchTemplate)).toBe(true);
  });
});

describe("a type, argument or data source the table lacks fails, naming it and where to add it", () => {
  const block = (type: string, args: Record<string, unknown>, kind: "resource" | "data" = "resource"): DeclaredBlock => ({
    kind,
    type,
    address: `x/${type}.a`,
    arguments: args,
  });

  test.each([
    [
      "a new resource type",
      block("aws_ecr_repository", { name: "x" }),
      /resource type aws_ecr_repository \(x\/aws_ecr_repository\.a\): add its create\/read\/update\/delete calls to the resources of stacks\/ci-access\/permissions\/<service>\.ts \(a new file is listed in stacks\/ci-access\/permissions\/index\.ts\)/,
    ],
    [
      "a new argument",
      block("aws_sqs_queue", { name: "x", policy: "{}" }),
      /argument aws_sqs_queue\.policy \(x\/aws_sqs_queue\.a\): add arguments\["policy"\] to aws_sqs_queue in stacks\/ci-access\/permissions\/sqs\.ts/,
    ],
    [
      "a new data source",
      block("aws_vpc", {}, "data"),
      /data source aws_vpc \(x\/aws_vpc\.a\): add its read calls to the dataSources of stacks\/ci-access\/permissions\/<service>\.ts/,
    ],
    [
      "a value the table does not cover",
      block("aws_kinesis_stream", { name: "x", kms_key_id: "alias/mine" }),
      /aws_kinesis_stream\.kms_key_id .*"alias\/mine": add the grant on that customer managed key, in stacks\/ci-access\/permissions\/kinesis\.ts/,
    ],
  ])("%s", (_what, declared, message) => {
    expect(coverageProblems([declared]).join("\n")).toMatch(message);
    expect(() => requiredPermissions([declared])).toThrow(message);
  });

  test("meta-arguments need no entry", () => {
    expect(coverageProblems([block("aws_sqs_queue", { name: "x", depends_on: ["y"], lifecycle: { prevent_destroy: true } })])).toEqual([]);
  });

  test("every entry cites the provider source file, and every argument-level AWS page is a URL", () => {
    for (const [type, entry] of Object.entries(RESOURCE_PERMISSIONS)) {
      expect({ type, source: entry.source }).toEqual({
        type,
        source: expect.stringMatching(/^hashicorp\/terraform-provider-aws internal\/service\/[a-z0-9]+\/[a-z0-9_]+\.go$/),
      });
      for (const [name, argument] of Object.entries(entry.arguments)) {
        if (argument.source !== undefined)
          expect({ type, name, source: argument.source }).toEqual({ type, name, source: expect.stringMatching(/^https:\/\/docs\.aws\.amazon\.com\//) });
      }
    }
    for (const entry of Object.values(DATA_SOURCE_PERMISSIONS)) expect(entry.source).toMatch(/^hashicorp\/terraform-provider-[a-z]+ internal\//);
  });

  test('actions IAM accepts only on "*" are granted on "*" whatever scope an entry names', () => {
    const grants: Grant[] = Object.values(RESOURCE_PERMISSIONS).flatMap((entry) =>
      [entry.create, entry.read, entry.update, entry.delete].flatMap((grants) => grants ?? []),
    );
    const starOnly = grants.flatMap((grant) => grant.actions).filter((action) => STAR_ONLY_ACTIONS.has(action));
    expect(starOnly.length).toBeGreaterThan(5);
    const { apply } = requiredPermissions([block("aws_launch_template", { name: "x" })]);
    expect([...(apply.get("any") ?? [])].sort()).toEqual(["ec2:DescribeLaunchTemplateVersions", "ec2:DescribeLaunchTemplates"]);
  });

  test("the entries other branches are adding exist: SSM parameter, lifecycle policy, RAM, Auto Scaling, EventBridge, Step Functions, Lambda tracing", () => {
    for (const type of [
      "aws_ssm_parameter",
      "aws_imagebuilder_lifecycle_policy",
      "aws_ram_resource_share",
      "aws_ram_resource_association",
      "aws_ram_principal_association",
      "aws_autoscaling_group",
      "aws_cloudwatch_event_rule",
      "aws_cloudwatch_event_target",
      "aws_sfn_state_machine",
    ]) {
      expect({ type, covered: RESOURCE_PERMISSIONS[type] !== undefined }).toEqual({ type, covered: true });
    }
    const { apply } = requiredPermissions([
      block("aws_lambda_function", { function_name: "x", tracing_config: { mode: "Active" }, logging_config: { log_format: "JSON" } }),
    ]);
    expect([...apply.values()].flatMap((actions) => [...actions]).filter((action) => action.startsWith("xray:"))).toEqual([]);
    expect(
      requiredPermissions([block("aws_ssm_parameter", { name: "/x", type: "String", data_type: "aws:ec2:image", insecure_value: "ami-0123" })]).apply.get(
        "any",
      ),
    ).toContain("ec2:DescribeImages");
    expect(coverageProblems([block("aws_imagebuilder_image_pipeline", { name: "x", execution_role: "arn" })])).toEqual([]);
  });

  test("an Auto Scaling group with a launch template: the apply role may launch with it (RunInstances, tags in RunInstances, resolve:ssm:)", () => {
    const group = block("aws_autoscaling_group", { name: "x", min_size: 0, max_size: 1, desired_capacity: 0, launch_template: { id: "lt-1", version: "1" } });
    expect(coverageProblems([group])).toEqual([]);
    const { apply } = requiredPermissions([group]);
    expect([...(apply.get("ec2Launch") ?? [])]).toEqual(["ec2:RunInstances"]);
    expect([...(apply.get("ec2LaunchTags") ?? [])]).toEqual(["ec2:CreateTags"]);
    expect([...(apply.get("ssmParameters") ?? [])]).toContain("ssm:GetParameters");
  });
});

describe("issue 11 rows owned by the CI roles", () => {
  const everything = loadConfig("everything-on");
  const { ci } = synthesizeApp(everything);
  const apply = roleStatements(ci, everything, "apply");
  const plan = roleStatements(ci, everything, "plan");
  const grantedOn = (statements: PolicyStatementJson[], action: string): PolicyStatementJson[] =>
    statements.filter((statement) => statement.effect === "Allow" && statement.actions.includes(action));

  test('row 3: tags sent in CreateKey: kms:TagResource on every key of the account and region, kms:CreateKey on "*"', () => {
    expect(grantedOn(apply, "kms:TagResource").map((statement) => statement.resources)).toContainEqual([
      "arn:PARTITION:kms:us-east-1:ACCOUNT:key/*",
      // everything-on's example fleet in eu-west-1 has a logs key there.
      "arn:PARTITION:kms:eu-west-1:ACCOUNT:key/*",
    ]);
    expect(grantedOn(apply, "kms:CreateKey").map((statement) => statement.resources)).toEqual([["*"]]);
  });

  test("row 4: alarms with OpsItem actions: iam:CreateServiceLinkedRole for AWSServiceRoleForCloudWatchAlarms_ActionSSM only, by iam:AWSServiceName", () => {
    expect(grantedOn(apply, "iam:CreateServiceLinkedRole").filter((statement) => statement.sid !== "AutoscalingServiceLinkedRoleDeploy")).toEqual([
      {
        sid: "AlarmsSsmServiceLinkedRoleDeploy",
        effect: "Allow",
        actions: ["iam:CreateServiceLinkedRole"],
        resources: [`arn:PARTITION:iam::ACCOUNT:role/aws-service-role/${ALARMS_SSM_SERVICE}/AWSServiceRoleForCloudWatchAlarms_ActionSSM`],
        condition: [{ test: "StringEquals", variable: "iam:AWSServiceName", values: [ALARMS_SSM_SERVICE] }],
      },
    ]);
    expect(grantedOn(plan, "iam:CreateServiceLinkedRole")).toEqual([]);
    // Without OpsItem actions (alarms off), no service-linked role.
    const quiet = parseConfig(
      {
        alarms: { enabled: false },
        storageFirstApi: { enabled: false },
        backend: { bucket: "acme-tf-state" },
        ciAccess: { github: { repository: "acme/app" } },
      },
      "quiet",
    );
    expect(grantedOn(roleStatements(synthesizeApp(quiet).ci, quiet, "apply"), "iam:CreateServiceLinkedRole")).toEqual([]);
  });

  test("issue 25: a fleet (Auto Scaling group): iam:CreateServiceLinkedRole for AWSServiceRoleForAutoScaling only, by iam:AWSServiceName", () => {
    expect(grantedOn(apply, "iam:CreateServiceLinkedRole").filter((statement) => statement.sid === "AutoscalingServiceLinkedRoleDeploy")).toEqual([
      {
        sid: "AutoscalingServiceLinkedRoleDeploy",
        effect: "Allow",
        actions: ["iam:CreateServiceLinkedRole"],
        resources: [`arn:PARTITION:iam::ACCOUNT:role/aws-service-role/${AUTOSCALING_SERVICE}/AWSServiceRoleForAutoScaling`],
        condition: [{ test: "StringEquals", variable: "iam:AWSServiceName", values: [AUTOSCALING_SERVICE] }],
      },
    ]);
    // Without a group (the default environment has no fleet), no grant for it.
    const defaults = withCiAccess("default");
    const defaultApply = roleStatements(synthesizeApp(defaults).ci, defaults, "apply");
    expect(defaultApply.filter((statement) => statement.sid === "AutoscalingServiceLinkedRoleDeploy")).toEqual([]);
  });

  test('issue 22: actions the reference gives no resource type are granted on "*" only; StartStreamEncryption on the stream and the KMS key', () => {
    for (const action of ["appconfig:CreateApplication", "kinesis:UpdateShardCount", "kinesis:UpdateStreamMode"]) {
      expect([action, grantedOn(apply, action).map((statement) => statement.resources)]).toEqual([action, [["*"]]]);
    }
    expect(grantedOn(apply, "kinesis:StartStreamEncryption").map((statement) => statement.resources)).toEqual([
      ["arn:PARTITION:kinesis:us-east-1:ACCOUNT:stream/ssm-patterns-everything-on-*", "arn:PARTITION:kms:us-east-1:ACCOUNT:key/*"],
    ]);
  });

  test('row 5: states:ValidateStateMachineDefinition for plan and apply; log delivery on "*" for access logs; ssm:GetParameters for resolve:ssm:', () => {
    for (const statements of [plan, apply])
      expect(grantedOn(statements, "states:ValidateStateMachineDefinition").map((statement) => statement.resources)).toEqual([["*"]]);
    for (const action of ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries"]) {
      expect(grantedOn(apply, action).map((statement) => statement.resources)).toEqual([["*"]]);
    }
    // The example fleet's launch template in eu-west-1 resolves its parameter there.
    expect(grantedOn(apply, "ssm:GetParameters").map((statement) => statement.resources)).toEqual([
      ["arn:PARTITION:ssm:us-east-1:ACCOUNT:parameter/*", "arn:PARTITION:ssm:eu-west-1:ACCOUNT:parameter/*"],
    ]);
  });

  describe("row 8: backend.kmsKeyId in every form KMS accepts reaches the state key grant", () => {
    const stateStatements = (kmsKeyId: string, phase: "plan" | "apply"): PolicyStatementJson[] => {
      const config = parseConfig({ backend: { bucket: "acme-tf-state", kmsKeyId }, ciAccess: { github: { repository: "acme/app" } } }, "kms");
      return roleStatements(synthesizeApp(config).ci, config, phase).filter(
        (statement) => statement.sid === (phase === "plan" ? "StateDecrypt" : "StateEncrypt"),
      );
    };
    const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const aliasCondition = (alias: string): PolicyStatementJson["condition"] => [
      { test: "ForAnyValue:StringEquals", variable: "kms:ResourceAliases", values: [alias] },
    ];

    test.each([
      ["a key ID", KEY_ID, [`arn:PARTITION:kms:us-east-1:ACCOUNT:key/${KEY_ID}`], undefined],
      ["a multi-Region key ID", `mrk-${"0".repeat(32)}`, [`arn:PARTITION:kms:us-east-1:ACCOUNT:key/mrk-${"0".repeat(32)}`], undefined],
      ["a key ARN", `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`, [`arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`], undefined],
      ["an alias", "alias/state", ["arn:PARTITION:kms:us-east-1:ACCOUNT:key/*"], aliasCondition("alias/state")],
      ["an alias ARN", "arn:aws:kms:us-east-1:444455556666:alias/state", ["arn:PARTITION:kms:us-east-1:444455556666:key/*"], aliasCondition("alias/state")],
    ])("%s", (_what, kmsKeyId, resources, condition) => {
      for (const phase of ["plan", "apply"] as const) {
        const [statement, ...others] = stateStatements(kmsKeyId, phase);
        expect(others).toEqual([]);
        expect(statement?.resources).toEqual(resources);
        expect(statement?.condition).toEqual(condition);
        expect(statement?.actions).toEqual(phase === "plan" ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]);
      }
    });

    test.each([
      [
        "a name without alias/",
        "state-key",
        /backend\.kmsKeyId: "state-key" is not a KMS key reference; use a key ID .*, key ARN, alias \("alias\/state"\) or alias ARN/,
      ],
      ["an ARN of something else", "arn:aws:s3:::bucket", /backend\.kmsKeyId: "arn:aws:s3:::bucket" is not a KMS key reference/],
      [
        "a key in another region",
        `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`,
        /backend\.kmsKeyId: .* is in eu-west-1 but the state bucket is in us-east-1/,
      ],
    ])("%s is a configuration error naming the field", (_what, kmsKeyId, message) => {
      expect(() => parseConfig({ backend: { bucket: "acme-tf-state", kmsKeyId } }, "kms")).toThrow(message);
    });
  });

  describe("row 9: the ci-access stack's IAM names", () => {
    const iamNames = (region: string): string[] => {
      const config = parseConfig(
        { region, backend: { bucket: "acme-tf-state" }, amiTracker: { trackedRegions: [region] }, ciAccess: { github: { repository: "acme/app" } } },
        "prod",
      );
      const { ci } = synthesizeApp(config);
      return [...resourcesOf(ci, "aws_iam_role"), ...resourcesOf(ci, "aws_iam_policy")].map((resource) => String(resource["name"]));
    };

    test("one environment in two regions: no role or policy name in common", () => {
      const east = iamNames("us-east-1");
      const west = iamNames("eu-west-1");
      expect(east).toContain("ssm-patterns-prod-ci-plan-us-east-1");
      expect(east.filter((name) => west.includes(name))).toEqual([]);
    });

    test("a role name longer than IAM's 64 characters is a configuration error", () => {
      expect(() =>
        parseConfig(
          {
            project: "a-very-long-project-name",
            region: "ap-southeast-2",
            backend: { bucket: "acme-tf-state" },
            ciAccess: { github: { repository: "acme/app" } },
          },
          "staging-eu-centr",
        ),
      ).toThrow(/ciAccess: the CI role name "a-very-long-project-name-staging-eu-centr-ci-apply-ap-southeast-2" is 65 characters, over IAM's 64/);
    });

    describe("two environments in one account: one OIDC provider per host", () => {
      let directory: string;
      const write = (name: string, ciAccess: Record<string, unknown>): void =>
        writeFileSync(join(directory, `${name}.json`), JSON.stringify({ backend: { bucket: `acme-${name}-state` }, ciAccess }));
      beforeEach(() => {
        directory = mkdtempSync(join(tmpdir(), "oidc-"));
      });
      afterEach(() => rmSync(directory, { recursive: true, force: true }));

      test("both creating the GitHub provider fails, naming the other environment and the fix", () => {
        write("dev", { github: { repository: "acme/app" } });
        write("prod", { github: { repository: "acme/app" } });
        expect(() => loadConfig("prod", directory)).toThrow(
          /ciAccess\.github: creates the OIDC provider for token\.actions\.githubusercontent\.com, and so does environment "dev"; IAM holds one per account: set ciAccess\.github\.oidcProviderArn in all but one/,
        );
      });

      test("the second one naming the first one's provider, or both declaring separate accounts, passes", () => {
        write("dev", { github: { repository: "acme/app" } });
        write("prod", { github: { repository: "acme/app", oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" } });
        expect(loadConfig("prod", directory).ciAccess.github?.createOidcProvider).toBe(false);
        expect(loadConfig("dev", directory).ciAccess.github?.createOidcProvider).toBe(true);
        write("dev", { github: { repository: "acme/app", createOidcProvider: true } });
        write("prod", { github: { repository: "acme/app", createOidcProvider: true } });
        expect(loadConfig("prod", directory).ciAccess.github?.createOidcProvider).toBe(true);
      });

      test("createOidcProvider contradicting oidcProviderArn is a configuration error", () => {
        expect(() =>
          parseConfig({ backend: { bucket: "acme-tf-state" }, ciAccess: { github: { repository: "acme/app", createOidcProvider: false } } }, "x"),
        ).toThrow(/ciAccess\.github\.createOidcProvider: is false but no oidcProviderArn is given/);
      });

      test("the shipped environments do not collide", () => {
        for (const environment of ENVIRONMENTS) expect(() => loadConfig(environment)).not.toThrow();
      });
    });
  });
});
