import { App, TerraformStack, Testing } from "cdktf";
import { buildApp, stateBootstrapStackProps } from "../../stacks/app";
import { CiAccessStack, GITHUB_AUDIENCE, GITHUB_OIDC_HOST } from "../../stacks/ci-access-stack";
import { checkStack } from "../../stacks/rules/rule-pack";
import { StateBootstrapStack, backendSettings } from "../../stacks/state-bootstrap-stack";
import { MAX_BUCKET_PREFIX } from "../../config/sections/state-bootstrap";
import { loadConfig } from "../../config";
import { plannedStacks, workloadStacks } from "../../scripts/pull-requests/ci-stacks";
import { dataOf, onlyResource, policyBehind, resourcesOf, synthesize, testConfig, type PolicyStatementJson, type SynthesizedStack } from "../helpers/synth";

const S3_BACKEND = { bucket: "acme-tf-state", keyPrefix: "team/app" };
const GITHUB = { repository: "acme/ssm-patterns" };

function bootstrap(raw: Record<string, unknown> = {}): SynthesizedStack {
  return synthesize(new StateBootstrapStack(Testing.app(), stateBootstrapStackProps(testConfig(raw))));
}

/** The ci-access stack of a whole app (so its workload stacks are the app's). */
function ciAccess(raw: Record<string, unknown>): { stack: SynthesizedStack; construct: CiAccessStack } {
  const app = buildApp(testConfig(raw), { outdir: Testing.app().outdir });
  const construct = app.node.children.find((child): child is CiAccessStack => child instanceof CiAccessStack);
  if (construct === undefined) throw new Error("no ci-access stack");
  return { stack: synthesize(construct), construct };
}

function roleTrust(stack: SynthesizedStack, name: string): PolicyStatementJson[] {
  const role = resourcesOf(stack, "aws_iam_role").find((candidate) => candidate["name"] === name);
  if (role === undefined) throw new Error(`no role ${name}`);
  return policyBehind(stack, role["assume_role_policy"]).statement;
}

/** Every statement of the managed policies attached to a role. */
function rolePolicies(stack: SynthesizedStack, phase: "plan" | "apply"): PolicyStatementJson[] {
  return resourcesOf(stack, "aws_iam_policy")
    .filter((policy) => String(policy["name"]).startsWith(`ssm-patterns-test-ci-${phase}-`))
    .flatMap((policy) => policyBehind(stack, policy["policy"]).statement);
}

const condition = (statement: PolicyStatementJson | undefined, variable: string): string[] | undefined =>
  statement?.condition?.find((entry) => entry.variable === variable && entry.test === "StringEquals")?.values;

describe("StateBootstrapStack", () => {
  const stack = bootstrap({ backend: S3_BACKEND });

  test("always keeps its own state locally, at a relative path, whatever the configured backend", () => {
    expect(stack.terraform["backend"]).toEqual({ local: { path: "../../../terraform.state-bootstrap.tfstate" } });
  });

  test("creates the backend's bucket, protected from destroy", () => {
    expect(onlyResource(stack, "aws_s3_bucket")).toMatchObject({ bucket: "acme-tf-state", force_destroy: false, lifecycle: { prevent_destroy: true } });
  });

  test("versioning, public access blocked, ACLs disabled", () => {
    expect(onlyResource(stack, "aws_s3_bucket_versioning")).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    expect(onlyResource(stack, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(stack, "aws_s3_bucket_ownership_controls")).toMatchObject({ rule: { object_ownership: "BucketOwnerEnforced" } });
  });

  test("denies every request without TLS", () => {
    const [statement] = policyBehind(stack, onlyResource(stack, "aws_s3_bucket_policy")["policy"]).statement;
    expect(statement).toMatchObject({
      effect: "Deny",
      actions: ["s3:*"],
      principals: [{ type: "*", identifiers: ["*"] }],
      condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    });
    expect(statement?.resources).toHaveLength(2);
  });

  test.each([
    ["SSE-S3 by default", {}, { sse_algorithm: "AES256" }],
    [
      "SSE-KMS with a key",
      { kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
      { sse_algorithm: "aws:kms", kms_master_key_id: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
    ],
  ])("encryption: %s", (_what, stateBootstrap, expected) => {
    const encryption = onlyResource(bootstrap({ stateBootstrap }), "aws_s3_bucket_server_side_encryption_configuration");
    expect(encryption).toMatchObject({ rule: [{ apply_server_side_encryption_by_default: expected }] });
  });

  test("expires noncurrent versions after the configured days, keeping the newest ones", () => {
    const lifecycle = onlyResource(
      bootstrap({ stateBootstrap: { noncurrentVersionDays: 30, noncurrentVersionsToKeep: 5 } }),
      "aws_s3_bucket_lifecycle_configuration",
    );
    expect(lifecycle).toMatchObject({
      rule: [{ status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 30, newer_noncurrent_versions: 5 }] }],
    });
  });

  test("outputs the backend section to paste into the configuration, and it parses as one", () => {
    // Prepare: Terraform's jsonencode of an HCL object whose values are all literals here.
    const output = String(stack.output["backend_config"]?.value);
    const hcl = /^\$\{jsonencode\((.*)\)\}$/.exec(output)?.[1] ?? "";

    // Act
    const parsed = JSON.parse(hcl.replace(/ = /g, ": ")) as { backend: Record<string, unknown> };

    // Assess
    expect(parsed.backend).toEqual({ type: "s3", bucket: "acme-tf-state", region: "us-east-1", keyPrefix: "team/app", useLockfile: true });
    expect(testConfig({ backend: parsed.backend }).backend).toMatchObject({ type: "s3", bucket: "acme-tf-state", keyPrefix: "team/app" });
  });

  test("with local state, the bucket gets a unique name from a prefix (S3 names are global), and the output names the created bucket", () => {
    // Act
    const local = bootstrap();

    // Assess
    const bucket = onlyResource(local, "aws_s3_bucket");
    expect(bucket["bucket"]).toBeUndefined();
    expect(bucket["bucket_prefix"]).toBe("ssm-patterns-test-tfstate-");
    expect(String(local.output["backend_config"]?.value)).toContain('"bucket" = aws_s3_bucket.state-bucket.bucket');
    expect(backendSettings(stateBootstrapStackProps(testConfig()))).toMatchObject({ keyPrefix: "ssm-patterns/test" });
  });

  test.each([
    ["the longest project and environment", "abcdefghijklmnopqrstuvwx", "abcdefghijklmnop"],
    ["a cut that would end in a dash", "abcdefghijklmnopqrstuvwx", "ab-cd"],
  ])("the default prefix fits bucket_prefix's 37 characters: %s", (_what, project, environment) => {
    const prefix = testConfig({ project }, environment).stateBootstrap.bucketPrefix;
    expect(prefix.length).toBeLessThanOrEqual(MAX_BUCKET_PREFIX);
    expect(prefix).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]-tfstate-$/);
  });

  test("a configured bucketName is used as is; bucketPrefix with it, or one S3 refuses, fails the config naming the field", () => {
    expect(onlyResource(bootstrap({ stateBootstrap: { bucketName: "acme-state-2026" } }), "aws_s3_bucket")["bucket"]).toBe("acme-state-2026");
    expect(() => testConfig({ stateBootstrap: { bucketName: "acme-state-2026", bucketPrefix: "acme-" } })).toThrow(
      /stateBootstrap\.bucketPrefix: is set together with a bucket name/,
    );
    expect(() => testConfig({ stateBootstrap: { bucketPrefix: "Acme_" } })).toThrow(/stateBootstrap\.bucketPrefix: "Acme_" must be at most 37/);
  });

  test("passes the rule pack", () => {
    const report = checkStack(new StateBootstrapStack(Testing.app(), stateBootstrapStackProps(testConfig())));
    expect(report.findings.filter((finding) => finding.rule.level === "error" && finding.acknowledged === undefined)).toEqual([]);
  });

  test("the default environment synthesizes it; HCP Terraform environments do not need it", () => {
    expect(loadConfig("default").stateBootstrap.enabled).toBe(true);
    expect(testConfig({ backend: { type: "cloud", organization: "acme" } }).stateBootstrap.enabled).toBe(false);
  });
});

describe("CiAccessStack", () => {
  const { stack, construct } = ciAccess({ backend: S3_BACKEND, ciAccess: { github: GITHUB } });

  test("creates the GitHub OIDC provider with the STS audience and no thumbprint", () => {
    const provider = onlyResource(stack, "aws_iam_openid_connect_provider");
    expect(provider).toEqual(expect.objectContaining({ url: `https://${GITHUB_OIDC_HOST}`, client_id_list: [GITHUB_AUDIENCE] }));
    expect(provider["thumbprint_list"]).toBeUndefined();
  });

  test("the plan role trusts only this repository's pull requests and its main branch (drift), with the STS audience", () => {
    const [statement, ...others] = roleTrust(stack, "ssm-patterns-test-ci-plan-us-east-1");
    expect(others).toEqual([]);
    expect(statement?.actions).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    expect(statement?.principals?.[0]?.type).toBe("Federated");
    expect(condition(statement, `${GITHUB_OIDC_HOST}:aud`)).toEqual(["sts.amazonaws.com"]);
    // Pull requests plan; drift.yml plans on the main branch with the same read-only role.
    expect(condition(statement, `${GITHUB_OIDC_HOST}:sub`)).toEqual(["repo:acme/ssm-patterns:pull_request", "repo:acme/ssm-patterns:ref:refs/heads/main"]);
  });

  test("the apply role trusts only pushes to the main branch", () => {
    const [statement] = roleTrust(stack, "ssm-patterns-test-ci-apply-us-east-1");
    expect(condition(statement, `${GITHUB_OIDC_HOST}:aud`)).toEqual(["sts.amazonaws.com"]);
    expect(condition(statement, `${GITHUB_OIDC_HOST}:sub`)).toEqual(["repo:acme/ssm-patterns:ref:refs/heads/main"]);
    const other = ciAccess({ backend: S3_BACKEND, ciAccess: { github: { ...GITHUB, mainBranch: "release" } } }).stack;
    expect(condition(roleTrust(other, "ssm-patterns-test-ci-apply-us-east-1")[0], `${GITHUB_OIDC_HOST}:sub`)).toEqual([
      "repo:acme/ssm-patterns:ref:refs/heads/release",
    ]);
  });

  test("no trust statement uses a wildcard subject (StringLike)", () => {
    for (const name of ["ssm-patterns-test-ci-plan-us-east-1", "ssm-patterns-test-ci-apply-us-east-1"]) {
      for (const statement of roleTrust(stack, name)) expect(statement.condition?.map((entry) => entry.test)).toEqual(["StringEquals", "StringEquals"]);
    }
  });

  test("the plan role reads the workload stacks' and ci-access's state objects and nothing else in the bucket; the apply role writes the workload stacks' and their lock files", () => {
    const plan = rolePolicies(stack, "plan");
    expect(plan.find((statement) => statement.sid === "StateRead")?.resources).toEqual([
      "arn:${data.aws_partition.partition.partition}:s3:::acme-tf-state/team/app/ami-tracker.tfstate",
      "arn:${data.aws_partition.partition.partition}:s3:::acme-tf-state/team/app/ci-access.tfstate",
    ]);
    // Plans run with -lock=false: no lock file for the plan role, ci-access's included.
    expect(plan.flatMap((statement) => statement.resources ?? []).filter((resource) => resource.endsWith(".tflock"))).toEqual([]);
    expect(plan.find((statement) => statement.sid === "StateList")).toMatchObject({
      actions: ["s3:ListBucket"],
      resources: ["arn:${data.aws_partition.partition.partition}:s3:::acme-tf-state"],
    });
    expect(plan.flatMap((statement) => statement.actions)).not.toContain("s3:PutObject");
    const apply = rolePolicies(stack, "apply");
    // An administrator applies ci-access: the apply role never touches its state.
    expect(apply.flatMap((statement) => statement.resources ?? []).filter((resource) => resource.includes("ci-access.tfstate"))).toEqual([]);
    expect(apply.find((statement) => statement.sid === "StateLockFile")).toMatchObject({
      actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      resources: ["arn:${data.aws_partition.partition.partition}:s3:::acme-tf-state/team/app/ami-tracker.tfstate.tflock"],
    });
  });

  test("the plan role only reads: no action that creates, changes, deletes, tags or reads data", () => {
    const actions = rolePolicies(stack, "plan").flatMap((statement) => statement.actions);
    expect(actions.length).toBeGreaterThan(10);
    expect(
      actions.filter((action) =>
        /:(Create|Delete|Put|Update|Set|Tag|Untag|Add|Remove|Attach|Detach|Pass|Schedule|Enable|Disable|Start|Stop|Subscribe|Unsubscribe|Publish|ReceiveMessage|GetRecords)/.test(
          action,
        ),
      ),
    ).toEqual([]);
  });

  test("the apply role cannot change the CI roles or the state bucket", () => {
    const denies = rolePolicies(stack, "apply").filter((statement) => statement.effect === "Deny");
    expect(denies.find((statement) => statement.sid === "DenyChangesToCiAccess")).toMatchObject({
      resources: [
        'arn:${data.aws_partition.partition.partition}:iam::${element(split(":", aws_iam_openid_connect_provider.github-oidc.arn), 4)}:role/ssm-patterns-test-ci-*',
      ],
    });
    expect(denies.find((statement) => statement.sid === "DenyChangesToStateBucket")?.actions).toContain("s3:PutBucketPolicy");
  });

  test("grants exactly the scopes the workload stacks' resources need, no account-wide data source", () => {
    expect(construct.workloadStacks).toEqual(["ami-tracker"]);
    expect([...construct.permissions.apply.keys()].sort()).toEqual([
      "alarms",
      "alarmsSsmServiceLinkedRole",
      "any",
      "iamInstanceProfiles",
      "iamRoles",
      "kmsAliases",
      "kmsKeys",
      "lambdaFunctions",
      "logGroups",
      "snsTopics",
      "sqsQueues",
    ]);
    expect(dataOf(stack, "aws_caller_identity")).toEqual([]);
  });

  test("HCP Terraform: trust limited to each workspace's plan or apply phase, with the workload identity audience", () => {
    const hcp = ciAccess({ backend: { type: "cloud", organization: "acme", project: "infra" }, ciAccess: { hcp: {} } }).stack;
    const [plan] = roleTrust(hcp, "ssm-patterns-test-ci-plan-us-east-1");
    expect(condition(plan, "app.terraform.io:aud")).toEqual(["aws.workload.identity"]);
    expect(condition(plan, "app.terraform.io:sub")).toEqual(["organization:acme:project:infra:workspace:ssm-patterns-test-ami-tracker:run_phase:plan"]);
    const [apply] = roleTrust(hcp, "ssm-patterns-test-ci-apply-us-east-1");
    expect(condition(apply, "app.terraform.io:sub")).toEqual(["organization:acme:project:infra:workspace:ssm-patterns-test-ami-tracker:run_phase:apply"]);
    expect(onlyResource(hcp, "aws_iam_openid_connect_provider")).toMatchObject({ url: "https://app.terraform.io", client_id_list: ["aws.workload.identity"] });
  });

  test("an existing provider is used by ARN instead of creating one", () => {
    const arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
    const existing = ciAccess({ backend: S3_BACKEND, ciAccess: { github: { ...GITHUB, oidcProviderArn: arn } } }).stack;
    expect(resourcesOf(existing, "aws_iam_openid_connect_provider")).toEqual([]);
    expect(roleTrust(existing, "ssm-patterns-test-ci-plan-us-east-1")[0]?.principals).toEqual([{ type: "Federated", identifiers: [arn] }]);
  });

  test("passes the rule pack (unscoped actions acknowledged only where IAM has no resource-level permissions)", () => {
    const app = buildApp(testConfig({ backend: S3_BACKEND, ciAccess: { github: GITHUB } }), { outdir: Testing.app().outdir });
    const ci = app.node.children.find((child): child is CiAccessStack => child instanceof CiAccessStack);
    if (ci === undefined) throw new Error("no ci-access stack");
    const report = checkStack(ci);
    expect(report.findings.filter((finding) => finding.rule.level === "error" && finding.acknowledged === undefined)).toEqual([]);
    expect(report.acknowledgementProblems).toEqual([]);
  });

  test("CI applies the workload stacks only, and plans ci-access too (never state-bootstrap)", () => {
    const manifest = JSON.stringify({ stacks: { "ami-tracker": {}, "ci-access": {}, "state-bootstrap": {}, "storage-first-api": {} } });
    expect(workloadStacks(manifest)).toEqual(["ami-tracker", "storage-first-api"]);
    expect(plannedStacks(manifest)).toEqual(["ami-tracker", "ci-access", "storage-first-api"]);
  });
});

describe("cloud backend and CI configuration", () => {
  test("backend.type cloud gives each stack its named workspace in the project", () => {
    const app = new App({ outdir: Testing.app().outdir });
    const config = testConfig({ backend: { type: "cloud", organization: "acme", project: "infra", workspacePrefix: "app-prod-" } });
    const stack = synthesize(new StateBootstrapStack(app, stateBootstrapStackProps(config)));
    // The bootstrap stack is local even here; a workload stack gets the cloud block.
    expect(stack.terraform["cloud"]).toBeUndefined();
    const tracker = buildApp(config, { outdir: Testing.app().outdir }).node.children.find((child) => child.node.id === "ami-tracker");
    if (!(tracker instanceof TerraformStack)) throw new Error("no ami-tracker stack");
    expect(synthesize(tracker).terraform["cloud"]).toEqual({
      hostname: "app.terraform.io",
      organization: "acme",
      workspaces: { name: "app-prod-ami-tracker", project: "infra" },
    });
  });

  test.each([
    [
      "a cloud backend without organization",
      { backend: { type: "cloud" } },
      /backend\.organization: "" is not an HCP Terraform organization name; set it to yours/,
    ],
    [
      "S3 settings on a cloud backend",
      { backend: { type: "cloud", organization: "acme", bucket: "x-state" } },
      /backend\.bucket: does not apply to backend\.type "cloud"/,
    ],
    [
      "a hostname with a scheme",
      { backend: { type: "cloud", organization: "acme", hostname: "https://tfe.example.com" } },
      /backend\.hostname: "https:\/\/tfe\.example\.com" is not a host name; write it without https:\/\//,
    ],
    ["CI with local state", { ciAccess: { github: GITHUB } }, /ciAccess: is enabled but backend\.type is "local": CI cannot read state on this machine/],
    [
      "a repository without owner",
      { backend: S3_BACKEND, ciAccess: { github: { repository: "ssm-patterns" } } },
      /ciAccess\.github\.repository: "ssm-patterns" is not a GitHub repository; write it as "<owner>\/<repo>"/,
    ],
    [
      "a full ref as branch",
      { backend: S3_BACKEND, ciAccess: { github: { ...GITHUB, mainBranch: "refs/heads/main" } } },
      /ciAccess\.github\.mainBranch: "refs\/heads\/main" is not a branch name; write the short name/,
    ],
    ["HCP trust without the cloud backend", { backend: S3_BACKEND, ciAccess: { hcp: {} } }, /ciAccess\.hcp: needs backend\.type "cloud"/],
    ["CI enabled with nothing to trust", { backend: S3_BACKEND, ciAccess: { enabled: true } }, /ciAccess: is enabled but names no CI/],
    [
      "a bootstrap bucket that is not the backend's",
      { backend: S3_BACKEND, stateBootstrap: { bucketName: "other-bucket" } },
      /stateBootstrap\.bucketName: "other-bucket" differs from backend\.bucket "acme-tf-state"/,
    ],
    ["a KMS alias instead of a key ARN", { stateBootstrap: { kmsKeyArn: "alias/state" } }, /stateBootstrap\.kmsKeyArn: "alias\/state" is not a KMS key ARN/],
    [
      "a provider ARN for another host",
      { backend: S3_BACKEND, ciAccess: { github: { ...GITHUB, oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/app.terraform.io" } } },
      /ciAccess\.github\.oidcProviderArn: .* is not the ARN of an OIDC provider for token\.actions\.githubusercontent\.com/,
    ],
  ])("%s fails with the setting, the value and the fix", (_what, raw, message) => {
    expect(() => testConfig(raw)).toThrow(message);
  });
});
