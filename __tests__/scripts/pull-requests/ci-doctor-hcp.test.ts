/**
 * `npm run ci:doctor` with the HCP Terraform backend (config/environments/hcp-example.json): each
 * stack's workspace read from a stand-in of HCP Terraform's API on 127.0.0.1 (__tests__/helpers/hcp-stub.ts),
 * GitHub's REST API from another (github-routes-stub.ts), IAM through aws-sdk-client-mock. The
 * workspaces are named by the synthesized `cloud` blocks, made here by the project's own mapping
 * (stacks/backend.ts) into a folder laid out as cdktf.out.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetRoleCommand, IAMClient, ListOpenIDConnectProvidersCommand } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { App, TerraformStack, Testing } from "cdktf";
import { loadConfig } from "../../../config";
import { main } from "../../../scripts/pull-requests/ci-doctor";
import { variableProblems } from "../../../scripts/pull-requests/doctor/hcp";
import type { WorkspaceVariable } from "../../../scripts/pull-requests/doctor/hcp-api";
import { configureBackend } from "../../../stacks/backend";
import { type RoutesStub, startRoutesStub } from "../../helpers/github-routes-stub";
import { type HcpStub, type StubVariable, startHcpStub, stubWorkspaceId } from "../../helpers/hcp-stub";

const REPO = "example-org/ssm-patterns";
const ORG = "example-org";
const ACCOUNT = "111122223333";
const PREFIX = "ssm-patterns-hcp-example-";
const PROJECT_ID = "prj-ssmpatterns";
const TOKEN = "stub.atlasv1.token";
const PLAN_ROLE = "ssm-patterns-hcp-example-ci-plan-us-east-1";
const APPLY_ROLE = "ssm-patterns-hcp-example-ci-apply-us-east-1";
const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;

const iam = mockClient(IAMClient);
let hcp: HcpStub;
let github: RoutesStub;
const folders: string[] = [];

/** A folder laid out as cdktf.out, each stack holding the cloud block stacks/backend.ts gives it for hcp-example. */
function synthesizedFolder(stacks: readonly string[]): string {
  const outdir = mkdtempSync(join(tmpdir(), "ci-doctor-hcp-"));
  folders.push(outdir);
  const backend = loadConfig("hcp-example").backend;
  const manifest: Record<string, unknown> = {};
  for (const name of stacks) {
    const stack = new TerraformStack(new App(), name);
    configureBackend(stack, name, backend);
    mkdirSync(join(outdir, "stacks", name), { recursive: true });
    writeFileSync(join(outdir, "stacks", name, "cdk.tf.json"), Testing.synth(stack));
    manifest[name] = { name, synthesizedStackPath: `stacks/${name}/cdk.tf.json` };
  }
  writeFileSync(join(outdir, "manifest.json"), JSON.stringify({ version: "0.21.0", stacks: manifest }));
  return outdir;
}

const DYNAMIC_CREDENTIALS: StubVariable[] = [
  { key: "TFC_AWS_PROVIDER_AUTH", value: "true", category: "env" },
  { key: "TFC_AWS_PLAN_ROLE_ARN", value: roleArn(PLAN_ROLE), category: "env" },
  { key: "TFC_AWS_APPLY_ROLE_ARN", value: roleArn(APPLY_ROLE), category: "env" },
];

function workspace(stack: string, executionMode: string | null, variables: StubVariable[] = []): void {
  hcp.workspaces.set(`${PREFIX}${stack}`, { name: `${PREFIX}${stack}`, executionMode, projectId: PROJECT_ID });
  hcp.variables.set(`${PREFIX}${stack}`, variables);
}

function completeAws(): void {
  iam.on(ListOpenIDConnectProvidersCommand).resolves({
    OpenIDConnectProviderList: [
      { Arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
      { Arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/app.terraform.io` },
    ],
  });
  for (const [phase, name, subject] of [
    ["plan", PLAN_ROLE, `repo:${REPO}:pull_request`],
    ["apply", APPLY_ROLE, `repo:${REPO}:ref:refs/heads/main`],
  ] as const) {
    const trust = {
      Statement: [
        { Condition: { StringEquals: { sub: [subject, `organization:${ORG}:project:ssm-patterns:workspace:${PREFIX}ami-tracker:run_phase:${phase}`] } } },
      ],
    };
    iam.on(GetRoleCommand, { RoleName: name }).resolves({
      Role: {
        RoleName: name,
        Arn: roleArn(name),
        Path: "/",
        RoleId: "AROA",
        CreateDate: new Date(0),
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
      },
    });
  }
}

const COMPLETE_GITHUB = {
  "/actions/variables/APP_ENV": { name: "APP_ENV", value: "hcp-example" },
  // ci-access runs locally: its plan on pull requests and drift takes the plan role (hcp-example sets ciAccess.github).
  "/actions/variables/AWS_REGION": { name: "AWS_REGION", value: "us-east-1" },
  "/actions/variables/AWS_PLAN_ROLE_ARN": { name: "AWS_PLAN_ROLE_ARN", value: `arn:aws:iam::111122223333:role/${PLAN_ROLE}` },
  "/actions/secrets/TF_PLAN_TOKEN": { name: "TF_PLAN_TOKEN", created_at: "2026-12-01T00:00:00Z", updated_at: "2026-12-01T00:00:00Z" },
  "/actions/secrets/TF_API_TOKEN": { name: "TF_API_TOKEN", created_at: "2026-12-01T00:00:00Z", updated_at: "2026-12-01T00:00:00Z" },
  "/environments/hcp-example": { name: "hcp-example", protection_rules: [{ type: "required_reviewers", reviewers: [{ type: "Team" }] }] },
};

beforeAll(async () => {
  hcp = await startHcpStub(ORG, [TOKEN]);
  github = await startRoutesStub(REPO);
});
afterAll(async () => {
  await hcp.close();
  await github.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
beforeEach(() => {
  iam.reset();
  hcp.workspaces.clear();
  hcp.variables.clear();
  hcp.projects.clear();
  hcp.projects.set(PROJECT_ID, "ssm-patterns");
  hcp.calls.length = 0;
  hcp.allVars = true;
  github.routes = {};
  github.requests.length = 0;
});

async function doctor(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = { TF_TOKEN_app_terraform_io: TOKEN },
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["--env", "hcp-example", "--hcp-url", hcp.url, "--api-url", github.url, ...argv], {
    env: { GITHUB_TOKEN: "ghs_stubtoken", GITHUB_REPOSITORY: REPO, ...env },
    out: (text) => {
      out += `${text}\n`;
    },
    err: (text) => {
      err += `${text}\n`;
    },
    iam: new IAMClient({ region: "us-east-1", credentials: { accessKeyId: "AKIDSTUB", secretAccessKey: "stub" } }),
    s3: new S3Client({ region: "us-east-1", credentials: { accessKeyId: "AKIDSTUB", secretAccessKey: "stub" } }),
  });
  return { code, out, err };
}

/** The report's line for one check, and the fix under it. */
const line = (out: string, what: string): string => out.split("\n").find((entry) => entry.includes(what)) ?? "";
const fixAfter = (out: string, what: string): string => {
  const lines = out.split("\n");
  return lines[lines.findIndex((entry) => entry.includes(what)) + 1] ?? "";
};

describe("ci:doctor with HCP Terraform", () => {
  test("a complete setup: every step ok, exit 0; the workspaces read with the token Terraform reads for the host", async () => {
    completeAws();
    github.routes = COMPLETE_GITHUB;
    workspace("ami-tracker", "remote", DYNAMIC_CREDENTIALS);
    workspace("ci-access", "local");
    const { code, out } = await doctor(["--from", synthesizedFolder(["ami-tracker", "ci-access"])]);
    expect(out).not.toMatch(/MISSING|\? {6}/);
    expect(line(out, `HCP Terraform workspace ${PREFIX}ami-tracker`)).toBe(
      `  ok      step 4: HCP Terraform workspace ${PREFIX}ami-tracker: exists, execution mode remote`,
    );
    expect(line(out, `variables of workspace ${PREFIX}ami-tracker`)).toBe(
      `  ok      step 4: variables of workspace ${PREFIX}ami-tracker: dynamic AWS credentials set`,
    );
    expect(line(out, `HCP Terraform workspace ${PREFIX}ci-access`)).toBe(
      `  ok      step 4: HCP Terraform workspace ${PREFIX}ci-access: exists, execution mode local`,
    );
    // ci-access runs locally with administrator credentials: its variables are not read.
    expect(out).not.toContain(`variables of workspace ${PREFIX}ci-access`);
    expect(out).toContain("13 step(s) checked, all in place.");
    expect(code).toBe(0);
    expect(hcp.calls.map((call) => call.path)).toEqual([
      `/organizations/${ORG}/workspaces/${PREFIX}ami-tracker`,
      `/projects/${PROJECT_ID}`,
      `/workspaces/${stubWorkspaceId(`${PREFIX}ami-tracker`)}/all-vars`,
      `/organizations/${ORG}/workspaces/${PREFIX}ci-access`,
    ]);
    expect(hcp.calls.every((call) => call.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  test("variables from a project variable set count (all-vars); the token may come from TF_API_TOKEN; agent execution is remote enough", async () => {
    workspace(
      "ami-tracker",
      "agent",
      DYNAMIC_CREDENTIALS.map((variable) => ({ ...variable, varset: "varset-project" })),
    );
    workspace("ci-access", "local");
    const { code, out } = await doctor(["--from", synthesizedFolder(["ami-tracker", "ci-access"]), "--skip-aws", "--skip-github"], { TF_API_TOKEN: TOKEN });
    // Without AWS the role ARNs are matched by the role names the configuration gives.
    expect(line(out, `variables of workspace ${PREFIX}ami-tracker`)).toContain("ok      step 4");
    expect(line(out, `HCP Terraform workspace ${PREFIX}ami-tracker`)).toContain("exists, execution mode agent");
    expect(code).toBe(0);
  });

  test("an incomplete setup: a missing workspace, wrong execution modes, missing and false variables, each with its fix; exit 1", async () => {
    completeAws();
    github.routes = COMPLETE_GITHUB;
    // ami-consumer's workspace was never created.
    workspace("ami-tracker", "local", [
      { key: "TFC_AWS_PROVIDER_AUTH", value: "false", category: "env" },
      { key: "TFC_AWS_PLAN_ROLE_ARN", value: roleArn(PLAN_ROLE), category: "env" },
    ]);
    workspace("storage-first-api", "remote", [
      { key: "TFC_AWS_PROVIDER_AUTH", value: "true", category: "terraform" },
      { key: "TFC_AWS_RUN_ROLE_ARN", value: roleArn(PLAN_ROLE), category: "env" },
      { key: "TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE", value: "sts.amazonaws.com", category: "env" },
    ]);
    workspace("ci-access", "remote");
    const { code, out } = await doctor(["--from", synthesizedFolder(["ami-consumer", "ami-tracker", "ci-access", "storage-first-api"])]);
    expect(code).toBe(1);

    expect(line(out, `HCP Terraform workspace ${PREFIX}ami-consumer`)).toBe(
      `  MISSING step 4: HCP Terraform workspace ${PREFIX}ami-consumer: not found in organization ${ORG} (HCP Terraform answers 404 also when the token's team may not read it)`,
    );
    expect(fixAfter(out, `HCP Terraform workspace ${PREFIX}ami-consumer`)).toContain(
      `fix: create it in ${ORG}, project "ssm-patterns": a CLI-driven workspace named ${PREFIX}ami-consumer`,
    );
    expect(fixAfter(out, `HCP Terraform workspace ${PREFIX}ami-consumer`)).toContain('set Execution Mode "Remote (or Agent)"');
    expect(out).not.toContain(`variables of workspace ${PREFIX}ami-consumer`);

    expect(line(out, `HCP Terraform workspace ${PREFIX}ami-tracker`)).toContain(
      "MISSING step 4: HCP Terraform workspace ssm-patterns-hcp-example-ami-tracker: exists, but execution mode is local, must be remote (or agent)",
    );
    const tracker = line(out, `variables of workspace ${PREFIX}ami-tracker`);
    expect(tracker).toContain("MISSING");
    expect(tracker).toContain('TFC_AWS_PROVIDER_AUTH is "false", must be "true": runs get no AWS credentials');
    expect(tracker).toContain("TFC_AWS_APPLY_ROLE_ARN is not set (nor TFC_AWS_RUN_ROLE_ARN): the apply phase has no role");
    expect(tracker).not.toContain("the plan phase");
    expect(fixAfter(out, `variables of workspace ${PREFIX}ami-tracker`)).toBe(
      `          fix: on https://app.terraform.io/app/${ORG}/workspaces/${PREFIX}ami-tracker/variables (or a variable set on project "ssm-patterns") ` +
        `set the environment variables TFC_AWS_PROVIDER_AUTH=true, TFC_AWS_PLAN_ROLE_ARN=${roleArn(PLAN_ROLE)}, TFC_AWS_APPLY_ROLE_ARN=${roleArn(APPLY_ROLE)}`,
    );

    const api = line(out, `variables of workspace ${PREFIX}storage-first-api`);
    expect(api).toContain("TFC_AWS_PROVIDER_AUTH is a terraform variable, not an environment variable (category env), so runs do not see it");
    expect(api).toContain("TFC_AWS_PROVIDER_AUTH is not set: runs get no AWS credentials");
    // One role for both phases: right for plan, wrong for apply (each role trusts one phase).
    expect(api).not.toContain("the plan phase gets");
    expect(api).toContain(
      `the apply phase gets TFC_AWS_RUN_ROLE_ARN "${roleArn(PLAN_ROLE)}", expected ${roleArn(APPLY_ROLE)}; set TFC_AWS_APPLY_ROLE_ARN: the apply role trusts only run_phase:apply`,
    );
    expect(api).toContain(
      'the token\'s audience is "sts.amazonaws.com" (TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE), the OIDC provider expects "aws.workload.identity"',
    );

    expect(line(out, `HCP Terraform workspace ${PREFIX}ci-access`)).toContain(
      "exists, but execution mode is remote, must be local: its roles do not trust its own runs, so it is applied from a laptop with administrator credentials",
    );
    expect(fixAfter(out, `HCP Terraform workspace ${PREFIX}ci-access`)).toBe(
      `          fix: on https://app.terraform.io/app/${ORG}/workspaces/${PREFIX}ci-access/settings/general set Execution Mode "Local"`,
    );
    expect(out).toContain("5 of 16 checked step(s) missing.");
  });

  test("a workspace in another project than the cloud block names is missing: the roles trust that project only", async () => {
    hcp.projects.set("prj-default", "Default Project");
    hcp.workspaces.set(`${PREFIX}ami-tracker`, { name: `${PREFIX}ami-tracker`, executionMode: "remote", projectId: "prj-default" });
    hcp.variables.set(`${PREFIX}ami-tracker`, DYNAMIC_CREDENTIALS);
    const { code, out } = await doctor(["--from", synthesizedFolder(["ami-tracker"]), "--skip-aws", "--skip-github"]);
    expect(line(out, `HCP Terraform workspace ${PREFIX}ami-tracker`)).toContain(
      'exists, but is in project "Default Project", the cloud block names "ssm-patterns": the CI roles trust the workspaces of project "ssm-patterns" only',
    );
    expect(fixAfter(out, `HCP Terraform workspace ${PREFIX}ami-tracker`)).toContain('and move it to project "ssm-patterns"');
    expect(code).toBe(1);
  });

  test("a bad token: one line saying what to do, no further calls; a refused token is a step done wrong (exit 1)", async () => {
    workspace("ami-tracker", "remote", DYNAMIC_CREDENTIALS);
    const { code, out } = await doctor(["--from", synthesizedFolder(["ami-tracker", "ci-access"]), "--skip-aws", "--skip-github"], {
      TF_TOKEN_app_terraform_io: "revoked.atlasv1.token",
    });
    expect(line(out, "HCP Terraform API")).toBe(
      "  MISSING step 4: HCP Terraform API: app.terraform.io answered 401 Unauthorized to the token in TF_TOKEN_app_terraform_io: it is expired, revoked or not a token of this host",
    );
    expect(fixAfter(out, "HCP Terraform API")).toBe(
      `          fix: create a token that may read the workspaces and their variables (a team token of ${ORG}, or a user token: terraform login app.terraform.io) and set it in TF_TOKEN_app_terraform_io`,
    );
    expect(hcp.calls).toHaveLength(1);
    expect(out).not.toContain(`HCP Terraform workspace ${PREFIX}`);
    expect(code).toBe(1);
  });

  test("no token: one line naming the variable Terraform reads for the host; HCP Terraform is not called", async () => {
    const { code, out } = await doctor(["--from", synthesizedFolder(["ami-tracker", "ci-access"]), "--skip-aws", "--skip-github"], {});
    expect(line(out, "HCP Terraform workspaces")).toBe(
      `  ?       step 4: HCP Terraform workspaces ${PREFIX}ami-tracker, ${PREFIX}ci-access: no HCP Terraform token: neither TF_TOKEN_app_terraform_io nor TF_API_TOKEN is set`,
    );
    expect(fixAfter(out, "HCP Terraform workspaces")).toContain("fix: set TF_TOKEN_app_terraform_io (the variable Terraform reads for app.terraform.io)");
    expect(hcp.calls).toEqual([]);
    expect(code).toBe(0);
  });

  test("nothing synthesized, or another environment synthesized: says to synthesize this one", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ci-doctor-hcp-"));
    folders.push(empty);
    const none = await doctor(["--from", empty, "--skip-aws", "--skip-github"]);
    expect(line(none.out, "HCP Terraform workspaces")).toContain(`${join(empty, "manifest.json")} not found`);
    expect(fixAfter(none.out, "HCP Terraform workspaces")).toContain("fix: synthesize this environment first: APP_ENV=hcp-example npm run synth");
    const other = synthesizedFolder(["ami-tracker"]);
    const file = join(other, "stacks", "ami-tracker", "cdk.tf.json");
    writeFileSync(file, JSON.stringify({ terraform: { cloud: { organization: "another-org", workspaces: { name: "prod-ami-tracker" } } } }));
    const stale = await doctor(["--from", other, "--skip-aws", "--skip-github"]);
    expect(line(stale.out, "HCP Terraform workspaces")).toContain(
      `holds another configuration: stack ami-tracker names workspace prod-ami-tracker of another-org on app.terraform.io`,
    );
    expect(hcp.calls).toEqual([]);
  });

  test("a Terraform Enterprise without all-vars: the workspace's own variables, said so; a variable set is then not seen", async () => {
    hcp.allVars = false;
    workspace(
      "ami-tracker",
      null,
      DYNAMIC_CREDENTIALS.map((variable) => ({ ...variable, varset: "varset-project" })),
    );
    const { out } = await doctor(["--from", synthesizedFolder(["ami-tracker"]), "--skip-aws", "--skip-github"]);
    // No execution-mode attribute: the deprecated operations flag (true) says remote.
    expect(line(out, `HCP Terraform workspace ${PREFIX}ami-tracker`)).toContain("exists, execution mode remote");
    expect(line(out, `variables of workspace ${PREFIX}ami-tracker`)).toContain(
      "TFC_AWS_PROVIDER_AUTH is not set: runs get no AWS credentials; TFC_AWS_PLAN_ROLE_ARN is not set",
    );
    expect(line(out, `variables of workspace ${PREFIX}ami-tracker`)).toContain("(this host has no all-vars endpoint: variable sets not read)");
    expect(hcp.calls.map((call) => call.path.replace(/ws-[0-9a-f]+/, "ws-ID"))).toContain("/workspaces/ws-ID/vars");
  });
});

describe("variableProblems: the dynamic-credentials variables against the roles", () => {
  const roles = { plan: { phase: "plan" as const, name: PLAN_ROLE }, apply: { phase: "apply" as const, name: APPLY_ROLE } };
  const variable = (key: string, value: string | null, extra: Partial<WorkspaceVariable["attributes"]> = {}): WorkspaceVariable => ({
    id: `var-${key}`,
    type: "vars",
    attributes: { key, value, category: "env", sensitive: false, ...extra },
  });

  test.each([
    ["the role by name, in a path", true, `arn:aws:iam::${ACCOUNT}:role/ci/${PLAN_ROLE}`],
    ["another partition", true, `arn:aws-us-gov:iam::${ACCOUNT}:role/${PLAN_ROLE}`],
    ["another role", false, `arn:aws:iam::${ACCOUNT}:role/${PLAN_ROLE}-old`],
    ["not an ARN", false, PLAN_ROLE],
  ])("without AWS, a plan role ARN of %s: accepted %s", (_what, accepted, arn) => {
    const { problems } = variableProblems(
      [variable("TFC_AWS_PROVIDER_AUTH", "true"), variable("TFC_AWS_PLAN_ROLE_ARN", arn), variable("TFC_AWS_APPLY_ROLE_ARN", roleArn(APPLY_ROLE))],
      roles,
      "aws.workload.identity",
    );
    expect(problems.some((problem) => problem.startsWith("the plan phase gets"))).toBe(!accepted);
  });

  test("sensitive values cannot be read back: noted, not compared", () => {
    const { problems, notes } = variableProblems(
      [
        variable("TFC_AWS_PROVIDER_AUTH", null, { sensitive: true }),
        variable("TFC_AWS_PLAN_ROLE_ARN", null, { sensitive: true }),
        variable("TFC_AWS_APPLY_ROLE_ARN", roleArn(APPLY_ROLE)),
      ],
      roles,
      "aws.workload.identity",
    );
    expect(problems).toEqual([]);
    expect(notes).toEqual(["TFC_AWS_PROVIDER_AUTH is sensitive, its value not compared", "TFC_AWS_PLAN_ROLE_ARN is sensitive, its value not compared"]);
  });

  test("a non-default audience (ciAccess.hcp.audience) must be sent: TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE", () => {
    const base = [variable("TFC_AWS_PROVIDER_AUTH", "TRUE"), variable("TFC_AWS_RUN_ROLE_ARN", roleArn(PLAN_ROLE))];
    const { problems } = variableProblems(base, { ...roles, apply: { ...roles.apply, name: PLAN_ROLE } }, "sts.example");
    expect(problems).toEqual([
      'the token\'s audience is "aws.workload.identity" (TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE), the OIDC provider expects "sts.example" (ciAccess.hcp.audience)',
    ]);
  });
});
