/**
 * `npm run ci:doctor` against stubbed APIs: GitHub's REST API served by a local HTTP server on
 * 127.0.0.1 (reached through Octokit's baseUrl, as GitHub Enterprise would be), IAM and S3 through
 * aws-sdk-client-mock. A complete setup, an incomplete one, and credentials that cannot tell.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { GetRoleCommand, IAMClient, ListOpenIDConnectProvidersCommand, NoSuchEntityException } from "@aws-sdk/client-iam";
import { GetBucketVersioningCommand, HeadBucketCommand, NotFound, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { COMMAND, main } from "../../../scripts/pull-requests/ci-doctor";
import { hostOfTokenVariable, terraformTokenVariable } from "../../../scripts/pull-requests/lib/terraform-token";
import { formatHelp, parseCommandLine } from "../../../scripts/shared/cli-args.cjs";
import { type Routes, type RoutesStub, startRoutesStub } from "../../helpers/github-routes-stub";

const REPO = "example-org/ssm-patterns";
const ACCOUNT = "111122223333";
const PLAN_ROLE = "ssm-patterns-everything-on-ci-plan-us-east-1";
const APPLY_ROLE = "ssm-patterns-everything-on-ci-apply-us-east-1";
const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;

const trust = (subjects: readonly string[]): string =>
  encodeURIComponent(
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "token.actions.githubusercontent.com:sub": subjects } } },
      ],
    }),
  );

const COMPLETE_GITHUB: Routes = {
  "/actions/variables/APP_ENV": { name: "APP_ENV", value: "everything-on" },
  "/actions/variables/AWS_REGION": { name: "AWS_REGION", value: "us-east-1" },
  "/actions/variables/AWS_PLAN_ROLE_ARN": { name: "AWS_PLAN_ROLE_ARN", value: roleArn(PLAN_ROLE) },
  "/actions/variables/AWS_APPLY_ROLE_ARN": { name: "AWS_APPLY_ROLE_ARN", value: roleArn(APPLY_ROLE) },
  "/environments/everything-on": {
    name: "everything-on",
    protection_rules: [{ id: 1, type: "required_reviewers", reviewers: [{ type: "Team", reviewer: { id: 7, slug: "platform" } }] }],
  },
};

const iam = mockClient(IAMClient);
const s3 = mockClient(S3Client);
let github: RoutesStub;

beforeAll(async () => {
  github = await startRoutesStub(REPO);
});
afterAll(async () => {
  await github.close();
});
beforeEach(() => {
  iam.reset();
  s3.reset();
  github.requests.length = 0;
  github.status = undefined;
});

function completeAws(): void {
  s3.on(HeadBucketCommand, { Bucket: "ssm-patterns-everything-on-tfstate-example" }).resolves({});
  s3.on(GetBucketVersioningCommand).resolves({ Status: "Enabled" });
  iam
    .on(ListOpenIDConnectProvidersCommand)
    .resolves({ OpenIDConnectProviderList: [{ Arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` }] });
  iam
    .on(GetRoleCommand, { RoleName: PLAN_ROLE })
    .resolves({
      Role: {
        RoleName: PLAN_ROLE,
        Arn: roleArn(PLAN_ROLE),
        Path: "/",
        RoleId: "AROAPLAN",
        CreateDate: new Date(0),
        AssumeRolePolicyDocument: trust([`repo:${REPO}:pull_request`, `repo:${REPO}:ref:refs/heads/main`]),
      },
    })
    .on(GetRoleCommand, { RoleName: APPLY_ROLE })
    .resolves({
      Role: {
        RoleName: APPLY_ROLE,
        Arn: roleArn(APPLY_ROLE),
        Path: "/",
        RoleId: "AROAAPPLY",
        CreateDate: new Date(0),
        AssumeRolePolicyDocument: trust([`repo:${REPO}:ref:refs/heads/main`]),
      },
    });
}

async function doctor(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    env: { GITHUB_TOKEN: "ghs_stubtoken", GITHUB_REPOSITORY: REPO, ...env },
    // As processIo writes them: one block of text per call, a newline after each.
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

/** The report's line for one check. */
const line = (out: string, what: string): string => out.split("\n").find((entry) => entry.includes(what)) ?? "";
const fixAfter = (out: string, what: string): string => {
  const lines = out.split("\n");
  return lines[lines.findIndex((entry) => entry.includes(what)) + 1] ?? "";
};

describe("ci:doctor", () => {
  test("a complete S3 setup: every step ok, exit 0, GitHub read with the token through Octokit", async () => {
    completeAws();
    github.routes = COMPLETE_GITHUB;
    const { code, out } = await doctor(["--env", "everything-on", "--api-url", github.url]);
    expect(out).toContain('CI setup of environment "everything-on"');
    expect(out).not.toMatch(/MISSING|\? {2}/);
    expect(line(out, "state bucket")).toMatch(/ok +step 1: state bucket ssm-patterns-everything-on-tfstate-example: exists, versioning enabled/);
    expect(line(out, "OIDC provider")).toContain("ok");
    expect(line(out, PLAN_ROLE)).toContain(`ok      step 3: plan role ${PLAN_ROLE}: ${roleArn(PLAN_ROLE)}`);
    expect(line(out, "GitHub environment")).toContain("1 required reviewer(s)");
    expect(out).toContain("9 step(s) checked, all in place.");
    expect(code).toBe(0);
    expect(github.requests.map((request) => request.path).sort()).toEqual(Object.keys(COMPLETE_GITHUB).sort());
    expect(github.requests.every((request) => request.authorization === "token ghs_stubtoken")).toBe(true);
  });

  test("an incomplete setup: each missing step named with its fix, exit 1", async () => {
    s3.on(HeadBucketCommand).rejects(new NotFound({ message: "Not Found", $metadata: { httpStatusCode: 404 } }));
    iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: "The role cannot be found.", $metadata: { httpStatusCode: 404 } }));
    github.routes = {
      "/actions/variables/APP_ENV": { name: "APP_ENV", value: "everything-on" },
      "/actions/variables/AWS_REGION": { name: "AWS_REGION", value: "eu-west-1" },
      // The environment exists, unprotected: GitHub made it on a first run.
      "/environments/everything-on": { name: "everything-on", protection_rules: [] },
    };
    const { code, out } = await doctor(["--env", "everything-on", "--api-url", github.url]);
    expect(code).toBe(1);
    expect(line(out, "state bucket")).toContain("MISSING step 1: state bucket ssm-patterns-everything-on-tfstate-example: not found in the account");
    expect(fixAfter(out, "state bucket")).toContain("fix: create it with administrator credentials: APP_ENV=everything-on npx cdktf deploy state-bootstrap");
    // The configuration names an existing provider ARN: that one must be in the account.
    expect(line(out, "OIDC provider")).toContain(
      `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com (oidcProviderArn) is not in the account`,
    );
    expect(fixAfter(out, "OIDC provider")).toContain("APP_ENV=everything-on npx cdktf deploy ci-access");
    expect(line(out, `plan role ${PLAN_ROLE}`)).toContain("MISSING");
    expect(line(out, "AWS_REGION")).toContain('is "eu-west-1", expected "us-east-1"');
    expect(fixAfter(out, "AWS_REGION")).toContain(`fix: gh variable set AWS_REGION --repo ${REPO} --body "us-east-1"`);
    expect(line(out, "AWS_PLAN_ROLE_ARN")).toContain(`not found in ${REPO}`);
    expect(fixAfter(out, "AWS_PLAN_ROLE_ARN")).toContain('--body "<output plan_role_arn of ci-access>"');
    expect(line(out, "GitHub environment")).toContain("exists without required reviewers or a wait timer: applies would run unapproved");
    expect(fixAfter(out, "GitHub environment")).toContain("before anything merges");
    expect(line(out, "repository variable APP_ENV")).toContain("ok");
    expect(out).toContain("8 of 9 checked step(s) missing.");
  });

  test("HCP Terraform: the two token secrets; of the role variables only ci-access's plan role and region (the workspaces: ci-doctor-hcp.test.ts)", async () => {
    const workspaces = "organization:example-org:project:ssm-patterns:workspace:ssm-patterns-hcp-example-";
    iam.on(ListOpenIDConnectProvidersCommand).resolves({
      OpenIDConnectProviderList: [
        { Arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
        { Arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/app.terraform.io` },
      ],
    });
    for (const [phase, github] of [
      ["plan", `repo:${REPO}:pull_request`],
      ["apply", `repo:${REPO}:ref:refs/heads/main`],
    ] as const) {
      const name = `ssm-patterns-hcp-example-ci-${phase}-us-east-1`;
      iam.on(GetRoleCommand, { RoleName: name }).resolves({
        Role: {
          RoleName: name,
          Arn: roleArn(name),
          Path: "/",
          RoleId: "AROA",
          CreateDate: new Date(0),
          AssumeRolePolicyDocument: trust([github, `${workspaces}ami-tracker:run_phase:${phase}`]),
        },
      });
    }
    github.routes = {
      "/actions/variables/APP_ENV": { name: "APP_ENV", value: "hcp-example" },
      "/actions/secrets/TF_PLAN_TOKEN": { name: "TF_PLAN_TOKEN", created_at: "2026-12-01T00:00:00Z", updated_at: "2026-12-01T00:00:00Z" },
      "/environments/hcp-example": { name: "hcp-example", protection_rules: [{ type: "wait_timer", wait_timer: 30 }] },
    };
    const { code, out } = await doctor(["--env", "hcp-example", "--api-url", github.url, "--skip-hcp"]);
    // With HCP Terraform the workspaces hold the AWS credentials, but ci-access plans on the runner with the plan role.
    expect(line(out, "repository variable AWS_PLAN_ROLE_ARN")).toContain("MISSING");
    expect(line(out, "repository variable AWS_REGION")).toContain("MISSING");
    expect(out).not.toContain("repository variable AWS_APPLY_ROLE_ARN");
    expect(out).not.toContain("state bucket");
    expect(line(out, "plan role ssm-patterns-hcp-example-ci-plan-us-east-1")).toContain("ok");
    expect(line(out, "OIDC provider app.terraform.io")).toContain("ok");
    expect(line(out, "repository secret TF_API_TOKEN")).toContain("MISSING");
    expect(fixAfter(out, "repository secret TF_API_TOKEN")).toContain("Terraform reads it as TF_TOKEN_app_terraform_io");
    expect(line(out, "repository secret TF_PLAN_TOKEN")).toContain("ok      step 5: repository secret TF_PLAN_TOKEN: set (its value cannot be read back)");
    expect(line(out, "HCP Terraform workspaces")).toContain("? ");
    expect(line(out, "HCP Terraform workspaces")).toContain("HCP Terraform not checked (--skip-hcp)");
    expect(line(out, "GitHub environment")).toContain("wait timer 30 min");
    expect(code).toBe(1);
  });

  test("credentials that cannot tell: the steps are marked not checked, not missing", async () => {
    s3.on(HeadBucketCommand).rejects(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
    iam.rejects(Object.assign(new Error("User is not authorized to perform iam:GetRole"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));
    github.status = 403;
    const { code, out } = await doctor(["--env", "everything-on", "--api-url", github.url]);
    expect(line(out, "state bucket")).toContain("?       step 1: state bucket ssm-patterns-everything-on-tfstate-example: no AWS credentials");
    expect(line(out, PLAN_ROLE)).toContain("access denied (AccessDenied)");
    expect(line(out, "AWS_REGION")).toContain("GitHub answered 403: the token cannot read this");
    expect(out).toContain("0 step(s) checked, all in place; 9 not checked (marked ?).");
    expect(code).toBe(0);
    const tokenless = await doctor(["--env", "everything-on", "--skip-aws"], { GITHUB_TOKEN: "", GH_TOKEN: "" });
    expect(line(tokenless.out, "AWS_REGION")).toContain("no GITHUB_TOKEN or GH_TOKEN");
    expect(line(tokenless.out, "state bucket")).toContain("AWS not checked (--skip-aws)");
  });

  test("--help prints the usage and exits 0 without calling anything", async () => {
    const help = await doctor(["--env", "everything-on", "--api-url", github.url, "--help"]);
    expect(help).toEqual({ code: 0, out: `${formatHelp(COMMAND)}\n`, err: "" });
    expect(help.out).toContain("--skip-hcp");
    expect(github.requests).toEqual([]);
    expect(iam.calls()).toEqual([]);
  });

  test.each([
    [["--bogus"], "ci:doctor: unknown option --bogus; the options are"],
    [["--skip-hpc"], "ci:doctor: unknown option --skip-hpc (did you mean --skip-hcp?)"],
    [["--env", "hcp-exampel"], 'ci:doctor: --env "hcp-exampel": expected one of'],
    [["--env", "hcp-exampel"], "(did you mean hcp-example?)"],
    [["--env"], "ci:doctor: --env needs a value: --env NAME"],
    [["--repo", "no-slash"], 'ci:doctor: --repo "no-slash": expected OWNER/REPO, e.g. acme/ssm-patterns'],
    [["--hcp-url", "app.terraform.io"], 'ci:doctor: --hcp-url "app.terraform.io": expected a URL'],
    [["--skip-aws=yes"], "ci:doctor: --skip-aws takes no value"],
  ])("%j exits 2: %s", async (argv, message) => {
    const result = await doctor([...argv, "--api-url", github.url]);
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    expect(result.err).toContain(message);
    expect(result.err).toContain("(npm run ci:doctor -- --help lists the options)");
    expect(github.requests).toEqual([]);
  });

  test("options parse with = as well; the real process exits 2 on an unknown option", () => {
    expect(parseCommandLine(COMMAND, ["--env=hcp-example", "--skip-aws"])).toMatchObject({ values: { env: "hcp-example", "skip-aws": true } });
    const script = join(__dirname, "../../../scripts/pull-requests/ci-doctor.ts");
    let status = 0;
    let stderr = "";
    try {
      execFileSync(process.execPath, ["--import", "tsx", script, "--bogus"], { encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = (error as { stderr: string }).stderr;
    }
    expect(status).toBe(2);
    expect(stderr).toContain("ci:doctor: unknown option --bogus");
  });

  test("--token-variable prints the variable for backend.hostname", async () => {
    expect(await doctor(["--env", "hcp-example", "--token-variable"])).toEqual({ code: 0, out: "TF_TOKEN_app_terraform_io\n", err: "" });
  });
});

describe("the token variable follows backend.hostname, as Terraform reads it back", () => {
  test.each([
    ["app.terraform.io", "TF_TOKEN_app_terraform_io"],
    ["tfe.my-company.example", "TF_TOKEN_tfe_my__company_example"],
    ["TFE.Example.COM", "TF_TOKEN_tfe_example_com"],
    ["café.example", "TF_TOKEN_xn____caf__dma_example"],
  ])("%s -> %s", (host, variable) => {
    expect(terraformTokenVariable(host)).toBe(variable);
    expect(hostOfTokenVariable(variable)).toBe(new URL(`https://${host}`).hostname);
  });

  test.each(["https://app.terraform.io", "tfe.example.com:8443", ""])("%j is refused, naming backend.hostname", (host) => {
    expect(() => terraformTokenVariable(host)).toThrow(/^backend.hostname: .* is not a host name/);
  });
});
