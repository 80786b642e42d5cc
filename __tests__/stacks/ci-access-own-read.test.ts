/**
 * Pull requests and drift.yml plan ci-access with the plan role, so the plan role reads ci-access itself:
 * every resource type and data source the synthesized ci-access stack holds has its table read calls
 * (stacks/ci-access/permissions/) granted on that stack's own resources by ARN, never on a pattern or "*".
 * A type added to ci-access without a row, or without its ARN here and in the stack's own-read resources,
 * fails these tests.
 */
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { TerraformStack, Testing } from "cdktf";
import { loadConfig, parseConfig, type AppConfig } from "../../config";
import { trustsGitHub } from "../../scripts/pull-requests/ci-stacks";
import { buildApp, ciAccessStackProps } from "../../stacks/app";
import { CI_ACCESS_STACK, CiAccessStack, ciRoleName } from "../../stacks/ci-access-stack";
import { exactStatements } from "../../stacks/ci-access/engine";
import { DATA_SOURCE_PERMISSIONS, RESOURCE_PERMISSIONS } from "../../stacks/ci-access/permissions";
import { src } from "../../stacks/ci-access/table";
import { policyBehind, resourcesOf, synthesize, type PolicyStatementJson, type SynthesizedStack } from "../helpers/synth";

/** S3 backend and a GitHub provider created here; the HCP Terraform backend with both providers created; an existing GitHub provider by ARN. */
const CONFIGURATIONS: ReadonlyArray<readonly [string, () => AppConfig]> = [
  [
    "s3, GitHub provider created",
    () => parseConfig({ backend: { bucket: "acme-tf-state", useLockfile: true }, ciAccess: { github: { repository: "acme/app" } } }, "prod"),
  ],
  ["hcp-example (cloud, GitHub and HCP providers created)", () => loadConfig("hcp-example")],
  ["everything-on (existing GitHub provider by ARN)", () => loadConfig("everything-on")],
];

function ciAccessOf(config: AppConfig): SynthesizedStack {
  const app = buildApp(config, { outdir: Testing.app().outdir });
  const ci = app.node.children.find((child): child is CiAccessStack => child instanceof CiAccessStack);
  if (ci === undefined) throw new Error(`${config.environment}: no ci-access stack`);
  return synthesize(ci);
}

/** A Terraform reference `${aws_iam_role.<id>.name}` to the role's name in the stack. */
function roleNameOf(stack: SynthesizedStack, reference: unknown): string {
  const id = /^\$\{aws_iam_role\.([^.]+)\.name\}$/.exec(String(reference))?.[1];
  const name = id === undefined ? undefined : stack.resource["aws_iam_role"]?.[id]?.["name"];
  if (typeof name !== "string") throw new Error(`not a reference to a role of the stack: ${String(reference)}`);
  return name;
}

/**
 * The ARN (after `arn:<partition>:iam::<account>:`) the provider's read of a block calls on: a role by its
 * name, a policy by its name, an OIDC provider by its host, an attachment on its role. A type not listed
 * throws: name its ARN here and in CiAccessStack's own-read resources.
 */
function readTargets(stack: SynthesizedStack, type: string, block: Record<string, unknown>): string[] {
  switch (type) {
    case "aws_iam_role":
      return [`role/${String(block["name"])}`];
    case "aws_iam_policy":
      return [`policy/${String(block["name"])}`];
    case "aws_iam_openid_connect_provider":
      return [`oidc-provider/${String(block["url"]).replace(/^https:\/\//, "")}`];
    case "aws_iam_role_policy_attachment":
      return [`role/${roleNameOf(stack, block["role"])}`];
    default:
      throw new Error(`ci-access holds ${type}: add the ARN its read calls on to readTargets and to the stack's own-read resources`);
  }
}

describe.each(CONFIGURATIONS)("%s: the plan role can refresh every block of ci-access", (_name, load) => {
  const config = load();
  const stack = ciAccessOf(config);
  const planPolicyPrefix = `${ciRoleName(config, "plan")}-`;
  const planStatements: PolicyStatementJson[] = resourcesOf(stack, "aws_iam_policy")
    .filter((policy) => String(policy["name"]).startsWith(planPolicyPrefix))
    .flatMap((policy) => policyBehind(stack, policy["policy"]).statement);
  const ownStatements = planStatements.filter((statement) => statement.sid?.startsWith("CiAccess"));

  test("every resource type's read calls, on each of its blocks' ARNs", () => {
    const gaps: string[] = [];
    for (const [type, blocks] of Object.entries(stack.resource)) {
      const row = RESOURCE_PERMISSIONS[type];
      if (row === undefined) {
        gaps.push(`${type}: no row in the permission table`);
        continue;
      }
      const actions = (row.read ?? []).flatMap((grant) => grant.actions);
      for (const block of Object.values(blocks)) {
        for (const target of readTargets(stack, type, block)) {
          for (const action of actions) {
            const granted = planStatements.some(
              (statement) =>
                statement.effect === "Allow" && statement.actions.includes(action) && (statement.resources ?? []).some((arn) => arn.endsWith(`:${target}`)),
            );
            if (!granted) gaps.push(`${type}: ${action} on ${target}`);
          }
        }
      }
    }
    expect(gaps).toEqual([]);
  });

  test("every data source needs no call (all are computed on the runner)", () => {
    for (const type of Object.keys(stack.data)) expect({ type, read: DATA_SOURCE_PERMISSIONS[type]?.read }).toEqual({ type, read: [] });
  });

  test("the own-read statements name ci-access's resources exactly: no pattern, no other resource", () => {
    expect(ownStatements.length).toBeGreaterThan(0);
    const targets = new Set(
      Object.entries(stack.resource).flatMap(([type, blocks]) => Object.values(blocks).flatMap((block) => readTargets(stack, type, block))),
    );
    for (const statement of ownStatements) {
      for (const arn of statement.resources ?? []) {
        expect(arn).not.toContain("*");
        expect({ arn, ours: [...targets].some((target) => arn.endsWith(`:${target}`)) }).toEqual({ arn, ours: true });
      }
    }
    // Only IAM reads: ci-access's own-read grants nothing that writes.
    expect(ownStatements.flatMap((statement) => statement.actions).filter((action) => !/^iam:(Get|List)/.test(action))).toEqual([]);
  });

  test("an existing OIDC provider (named by ARN) is no block here, so nothing reads it; a created one is read by its ARN", () => {
    const providers = resourcesOf(stack, "aws_iam_openid_connect_provider").map((provider) => String(provider["url"]).replace(/^https:\/\//, ""));
    const read = ownStatements.find((statement) => statement.sid === "CiAccessOidcProvidersRead");
    if (providers.length === 0) expect(read).toBeUndefined();
    else expect(read?.resources?.map((arn) => arn.replace(/^.*:oidc-provider\//, ""))).toEqual(providers);
  });
});

test("ci:stacks plans ci-access only when its plan role trusts GitHub: with ciAccess.github, not with ciAccess.hcp alone", () => {
  const cloud = { type: "cloud", organization: "acme", project: "infra", workspacePrefix: "app-prod-" };
  const text = (config: AppConfig): string => JSON.stringify(ciAccessOf(config));
  expect(trustsGitHub(text(loadConfig("hcp-example")))).toBe(true);
  expect(trustsGitHub(text(parseConfig({ backend: cloud, ciAccess: { hcp: {} } }, "prod")))).toBe(false);
});

describe("the permission table's rows for ci-access's types", () => {
  test("aws_iam_policy reads GetPolicy and GetPolicyVersion on the policy (policy.go: findPolicyByARN, findPolicyVersion; tags from GetPolicy)", () => {
    expect(RESOURCE_PERMISSIONS["aws_iam_policy"]).toMatchObject({
      source: src("iam/policy.go"),
      read: [{ scope: "iamPolicies", actions: ["iam:GetPolicy", "iam:GetPolicyVersion"] }],
    });
  });

  test("aws_iam_openid_connect_provider reads GetOpenIDConnectProvider only (openid_connect_provider.go: tags from its output)", () => {
    expect(RESOURCE_PERMISSIONS["aws_iam_openid_connect_provider"]).toMatchObject({
      source: src("iam/openid_connect_provider.go"),
      read: [{ scope: "oidcProviders", actions: ["iam:GetOpenIDConnectProvider"] }],
    });
  });

  test("roles and attachments: GetRole, ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies (role.go, role_policy_attachment.go)", () => {
    expect(RESOURCE_PERMISSIONS["aws_iam_role"]?.read).toEqual([
      { scope: "iamRoles", actions: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"] },
    ]);
    expect(RESOURCE_PERMISSIONS["aws_iam_role_policy_attachment"]?.read).toEqual([{ scope: "iamRoles", actions: ["iam:ListAttachedRolePolicies"] }]);
  });
});

describe("exactStatements", () => {
  const required = new Map([
    ["iamRoles" as const, new Set(["iam:ListRolePolicies", "iam:GetRole"])],
    ["oidcProviders" as const, new Set(["iam:GetOpenIDConnectProvider"])],
  ]);

  test("one statement per scope, actions sorted, on exactly the named resources", () => {
    expect(exactStatements("CiAccess", required, { iamRoles: ["arn:aws:iam::1:role/a"], oidcProviders: ["arn:aws:iam::1:oidc-provider/h"] })).toEqual([
      { sid: "CiAccessIamRolesRead", actions: ["iam:GetRole", "iam:ListRolePolicies"], resources: ["arn:aws:iam::1:role/a"] },
      { sid: "CiAccessOidcProvidersRead", actions: ["iam:GetOpenIDConnectProvider"], resources: ["arn:aws:iam::1:oidc-provider/h"] },
    ]);
  });

  test("a scope with no named resource throws, naming the scope, its actions and where to name them", () => {
    expect(() => exactStatements("CiAccess", required, { iamRoles: ["arn:aws:iam::1:role/a"] })).toThrow(
      'ciAccess: CiAccess needs iam:GetOpenIDConnectProvider (scope "oidcProviders") but names no resource for that scope; ' +
        "add the exact ARNs of the stack's own resources of that scope to its own-read resources (stacks/ci-access-stack.ts)",
    );
    expect(() => exactStatements("CiAccess", required, { iamRoles: [], oidcProviders: ["x"] })).toThrow(/scope "iamRoles"/);
  });
});

test("the own-read policy is named after the plan role and the stack", () => {
  const config = parseConfig({ backend: { bucket: "acme-tf-state" }, ciAccess: { github: { repository: "acme/app" } } }, "prod");
  const names = resourcesOf(ciAccessOf(config), "aws_iam_policy").map((policy) => String(policy["name"]));
  expect(names).toContain(`${ciRoleName(config, "plan")}-${CI_ACCESS_STACK}`);
});

describe("a workload stack that declares a managed policy or an OIDC provider (none does today)", () => {
  const config = parseConfig({ backend: { bucket: "acme-tf-state" }, ciAccess: { github: { repository: "acme/app" } } }, "prod");
  const denies = (withExtra: boolean): PolicyStatementJson[] => {
    const app = Testing.app();
    const workload = new TerraformStack(app, "extra");
    if (withExtra) {
      new IamPolicy(workload, "policy", { name: "prod-extra", policy: "{}" });
      new IamOpenidConnectProvider(workload, "oidc", { url: "https://issuer.example", clientIdList: ["sts.amazonaws.com"] });
    }
    const stack = synthesize(new CiAccessStack(app, ciAccessStackProps(config), [workload]));
    return resourcesOf(stack, "aws_iam_policy")
      .filter((policy) => String(policy["name"]).startsWith(`${ciRoleName(config, "apply")}-`))
      .flatMap((policy) => policyBehind(stack, policy["policy"]).statement)
      .filter((statement) => statement.effect === "Deny");
  };

  test("the apply role may then change policies and providers, but never the CI roles' policies or ci-access's providers", () => {
    const statements = denies(true);
    expect(statements.find((statement) => statement.sid === "DenyChangesToCiPolicies")).toMatchObject({
      actions: expect.arrayContaining(["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"]),
      resources: [expect.stringMatching(/:policy\/ssm-patterns-prod-ci-\*$/)],
    });
    expect(statements.find((statement) => statement.sid === "DenyChangesToCiOidcProviders")).toMatchObject({
      actions: expect.arrayContaining(["iam:AddClientIDToOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider"]),
      resources: ["${aws_iam_openid_connect_provider.github-oidc.arn}"],
    });
  });

  test("without such a block the apply role has no such call, and no such deny", () => {
    expect(denies(false).map((statement) => statement.sid)).toEqual(["DenyChangesToCiAccess", "DenyChangesToStateBucket"]);
  });
});
