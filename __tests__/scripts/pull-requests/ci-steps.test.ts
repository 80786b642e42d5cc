/**
 * The scripts the workflows' one-line steps call: ci:fmt (the project's own Terraform, never node_modules)
 * and ci:stacks --github-output (the synth job's outputs: what plan.yml/drift.yml plan, what apply.yml applies,
 * how each stack is planned, and the token variable backend.hostname needs).
 * The workflow-steps integration test runs them inside the jobs; these pin their edges.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { fmtArguments, terraformFilesUnder, trackedTerraformFiles } from "../../../scripts/pull-requests/ci-fmt";
import {
  cloudHostname,
  githubOutputLines,
  planBackend,
  trustsGitHub,
  WORKFLOW_TOKEN_VARIABLE,
  workloadTokenVariable,
} from "../../../scripts/pull-requests/ci-stacks";
import { CI_ACCESS_STACK } from "../../../stacks/ci-access-stack";
import { terraformTokenVariable } from "../../../scripts/pull-requests/lib/terraform-token";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ci-steps-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("ci:fmt", () => {
  test("checks the tracked .tf files and the named folders, never node_modules", () => {
    const git = (...args: string[]): string => execFileSync("git", args, { cwd: dir, encoding: "utf8" });
    git("init", "-q");
    mkdirSync(join(dir, "modules", "net"), { recursive: true });
    mkdirSync(join(dir, "node_modules", "@cdktf", "provider-generator"), { recursive: true });
    mkdirSync(join(dir, "out", "stacks", "app", "node_modules"), { recursive: true });
    writeFileSync(join(dir, "modules", "net", "main.tf"), "x = 1\n");
    writeFileSync(join(dir, "node_modules", "@cdktf", "provider-generator", "fixture.tf"), "y   =  1\n");
    writeFileSync(join(dir, "out", "stacks", "app", "cdk.tf"), "z = 1\n");
    writeFileSync(join(dir, "out", "stacks", "app", "node_modules", "n.tf"), "n = 1\n");
    git("add", "modules");
    expect(trackedTerraformFiles(dir)).toEqual(["modules/net/main.tf"]);
    expect(terraformFilesUnder(dir, "out/stacks")).toEqual(["out/stacks/app/cdk.tf"]);
    expect(fmtArguments(["modules/net/main.tf"])).toEqual(["fmt", "-check", "-diff", "-no-color", "modules/net/main.tf"]);
    expect(fmtArguments([])).toBeUndefined();
  });

  test("a folder that does not exist is an error naming it and the fix", () => {
    expect(() => terraformFilesUnder(dir, "cdktf.out/stacks")).toThrow(/"cdktf.out\/stacks" does not exist; synthesize first \(npm run synth:hcl\)/);
  });
});

describe("ci:stacks --github-output", () => {
  /** A plan role trust as ci-access synthesizes it with ciAccess.github (the condition on GitHub's subject). */
  const GITHUB_TRUST = { aws_iam_policy_document: { "plan-trust": { statement: [{ condition: [{ variable: "token.actions.githubusercontent.com:sub" }] }] } } };

  function out(stacks: Record<string, Record<string, unknown>>, data: Record<string, unknown> = {}): string {
    writeFileSync(join(dir, "manifest.json"), JSON.stringify({ stacks: Object.fromEntries(Object.keys(stacks).map((name) => [name, {}])) }));
    for (const [name, terraform] of Object.entries(stacks)) {
      mkdirSync(join(dir, "stacks", name), { recursive: true });
      writeFileSync(join(dir, "stacks", name, "cdk.tf.json"), JSON.stringify({ terraform, ...(name === "ci-access" ? { data } : {}) }));
    }
    return dir;
  }

  test("stacks to plan (ci-access too, never state-bootstrap), stacks to apply (the workload stacks only), how each is planned, the token variable", () => {
    const s3 = { backend: { s3: { bucket: "b", key: "k" } } };
    const local = { backend: { local: { path: "../../../terraform.state-bootstrap.tfstate" } } };
    expect(githubOutputLines(out({ "state-bootstrap": local, "ci-access": s3, "ami-tracker": s3, "storage-first-api": s3 }, GITHUB_TRUST))).toBe(
      'stacks=["ami-tracker","ci-access","storage-first-api"]\n' +
        'apply_stacks=["ami-tracker","storage-first-api"]\n' +
        'backends={"ami-tracker":"s3","ci-access":"s3","storage-first-api":"s3"}\n' +
        "token_variable=TF_TOKEN_app_terraform_io\n",
    );
  });

  test("HCP Terraform: the workload stacks run in their workspaces (cloud), ci-access's workspace runs locally (cloud-local) with the plan role", () => {
    const cloud = (name: string): Record<string, unknown> => ({ cloud: { organization: "o", workspaces: { name } } });
    const lines = githubOutputLines(out({ "ci-access": cloud("ci-access"), "ami-tracker": cloud("ami-tracker"), "state-bootstrap": {} }, GITHUB_TRUST));
    expect(lines).toBe(
      'stacks=["ami-tracker","ci-access"]\napply_stacks=["ami-tracker"]\nbackends={"ami-tracker":"cloud","ci-access":"cloud-local"}\ntoken_variable=TF_TOKEN_app_terraform_io\n',
    );
    expect(planBackend("ami-tracker", "cloud")).toBe("cloud");
    expect(planBackend(CI_ACCESS_STACK, "cloud")).toBe("cloud-local");
    expect(planBackend(CI_ACCESS_STACK, "s3")).toBe("s3");
  });

  test("ci-access whose plan role does not trust GitHub (ciAccess.hcp alone): the workflows cannot plan it, so it is left out", () => {
    const cloud = (name: string): Record<string, unknown> => ({ cloud: { organization: "o", workspaces: { name } } });
    expect(githubOutputLines(out({ "ci-access": cloud("ci-access"), "ami-tracker": cloud("ami-tracker") }))).toContain(
      'stacks=["ami-tracker"]\napply_stacks=["ami-tracker"]\nbackends={"ami-tracker":"cloud"}\n',
    );
  });

  test("trustsGitHub: a condition on GitHub's subject, not on HCP Terraform's", () => {
    expect(trustsGitHub(JSON.stringify(GITHUB_TRUST))).toBe(true);
    expect(
      trustsGitHub(JSON.stringify({ data: { aws_iam_policy_document: { t: { statement: [{ condition: [{ variable: "app.terraform.io:sub" }] }] } } } })),
    ).toBe(false);
  });

  test("without CI access (no ci-access stack): the workload stacks alone, planned and applied", () => {
    expect(githubOutputLines(out({ "state-bootstrap": {}, app: {} }))).toBe(
      'stacks=["app"]\napply_stacks=["app"]\nbackends={"app":"local"}\ntoken_variable=TF_TOKEN_app_terraform_io\n',
    );
  });

  test("HCP Terraform on app.terraform.io (named or Terraform's default): the variable the workflows pass", () => {
    expect(githubOutputLines(out({ app: { cloud: { organization: "o", workspaces: { name: "w" } } } }))).toContain(
      'backends={"app":"cloud"}\ntoken_variable=TF_TOKEN_app_terraform_io\n',
    );
    expect(cloudHostname(JSON.stringify({ terraform: { cloud: { hostname: "app.terraform.io" } } }))).toBe("app.terraform.io");
    expect(cloudHostname(JSON.stringify({ terraform: {} }))).toBeUndefined();
  });

  test("another backend.hostname fails the synth job, naming the variable Terraform reads and where to rename it", () => {
    const stacks = out({ app: { cloud: { hostname: "tfe.my-company.example", organization: "o" } } });
    expect(() => workloadTokenVariable(stacks, ["app"])).toThrow(
      'backend.hostname is "tfe.my-company.example": Terraform reads its token from TF_TOKEN_tfe_my__company_example, but the workflows pass TF_PLAN_TOKEN and TF_API_TOKEN as TF_TOKEN_app_terraform_io; rename TF_TOKEN_app_terraform_io to TF_TOKEN_tfe_my__company_example in .github/workflows/plan.yml, apply.yml and drift.yml and in WORKFLOW_TOKEN_VARIABLE (scripts/pull-requests/ci-stacks.ts)',
    );
    // Renamed in both places, it passes.
    expect(workloadTokenVariable(stacks, ["app"], "TF_TOKEN_tfe_my__company_example")).toBe("TF_TOKEN_tfe_my__company_example");
  });

  test("every TF_TOKEN_ variable in the workflows is WORKFLOW_TOKEN_VARIABLE, the one for Terraform's default host", () => {
    const workflows = join(__dirname, "../../../.github/workflows");
    const names = readdirSync(workflows)
      .filter((file) => file.endsWith(".yml"))
      .flatMap((file) =>
        [...JSON.stringify(parse(readFileSync(join(workflows, file), "utf8"))).matchAll(/"(TF_TOKEN_[A-Za-z0-9_]+)":/g)].map((match) => match[1]),
      );
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names)).toEqual(new Set([WORKFLOW_TOKEN_VARIABLE]));
    expect(WORKFLOW_TOKEN_VARIABLE).toBe(terraformTokenVariable());
  });
});
