/**
 * The workflows' trust boundaries, read from the YAML (docs/plan-review.md#the-trust-model): which job can
 * see which secret and credential, what runs before a credential arrives, what a pull request can reach.
 * Each rule is also tried on a broken copy, to show the check catches what it names.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const WORKFLOWS = join(__dirname, "../../.github/workflows");
const FILES = readdirSync(WORKFLOWS).filter((file) => file.endsWith(".yml"));

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly if?: string;
}
interface Job {
  readonly permissions?: Record<string, string> | string;
  readonly env?: Record<string, string>;
  readonly environment?: string | { name: string };
  readonly needs?: string | string[];
  readonly steps: Step[];
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const load = (file: string): Workflow => parse(readFileSync(join(WORKFLOWS, file), "utf8")) as Workflow;
const WORKFLOW = Object.fromEntries(FILES.map((file) => [file, load(file)]));

/** Secrets and credentials a job can write or change anything with. */
const APPLY_CAPABLE = ["secrets.TF_API_TOKEN", "vars.AWS_APPLY_ROLE_ARN", "secrets.PLAN_REVIEW_APP_KEY"];

const secretsIn = (value: unknown): string[] =>
  [...JSON.stringify(value ?? {}).matchAll(/(secrets\.[A-Za-z0-9_]+|vars\.AWS_[A-Z_]*ROLE_ARN)/g)].map((m) => m[1] ?? "");

/** A step that brings a credential into the job: an assumed role, an App token, or a secret in its env/with. */
const bringsCredential = (step: Step): boolean =>
  /aws-actions\/configure-aws-credentials|actions\/create-github-app-token/.test(step.uses ?? "") || secretsIn(step.env).length > 0;

/** Every credential a job's steps can see, with the step that sees it. */
function credentialsOf(job: Job): Array<{ secret: string; step: Step }> {
  const seen = secretsIn(job.env).flatMap((secret) => job.steps.map((step) => ({ secret, step })));
  for (const step of job.steps) for (const secret of secretsIn({ env: step.env, with: step.with })) seen.push({ secret, step });
  return seen;
}

/** Problems with the rules below, for one workflow: empty when it holds. */
function violations(file: string, workflow: Workflow): string[] {
  const problems: string[] = [];
  const triggers = Object.keys(workflow.on);
  const runsPullRequestCode = triggers.includes("pull_request") || triggers.includes("pull_request_target");
  if (triggers.includes("pull_request_target")) problems.push(`${file}: pull_request_target runs with secrets on a pull request's event`);
  if (secretsIn(workflow.env).length > 0) problems.push(`${file}: a secret in the workflow-level env reaches every step`);
  for (const [name, job] of Object.entries(workflow.jobs)) {
    const where = `${file} ${name}`;
    if (secretsIn(job.env).length > 0) problems.push(`${where}: a secret in the job-level env reaches every step, npm ci included`);
    for (const step of job.steps) {
      if (step.uses?.startsWith("actions/checkout") && step.with?.["persist-credentials"] !== false)
        problems.push(`${where}: checkout without persist-credentials: false`);
      if (/\bnpm (ci|install)\b/.test(step.run ?? "") && !/--ignore-scripts/.test(step.run ?? "")) problems.push(`${where}: npm ci without --ignore-scripts`);
    }
    const install = job.steps.findIndex((step) => /\bnpm ci\b/.test(step.run ?? ""));
    const firstCredential = job.steps.findIndex(bringsCredential);
    if (install >= 0 && firstCredential >= 0 && firstCredential < install) problems.push(`${where}: a credential is in the job before npm ci`);
    for (const { secret, step } of credentialsOf(job)) {
      if (runsPullRequestCode && APPLY_CAPABLE.includes(secret)) problems.push(`${where}: ${secret} in a job that runs the pull request's code`);
      if (secret === "secrets.TF_API_TOKEN" && !/^terraform /.test(step.run ?? ""))
        problems.push(`${where}: TF_API_TOKEN seen by a step other than a plain terraform call`);
      if (secret === "secrets.PLAN_REVIEW_APP_KEY") {
        const environment = typeof job.environment === "string" ? job.environment : job.environment?.name;
        if (environment !== "plan-review" || runsPullRequestCode) problems.push(`${where}: the App key outside the main-only plan-review environment`);
        if (!step.uses?.startsWith("actions/create-github-app-token"))
          problems.push(`${where}: the App key given to a step other than create-github-app-token`);
      }
    }
    const permissions = job.permissions ?? workflow.permissions ?? {};
    const writes =
      typeof permissions === "string"
        ? [permissions]
        : Object.entries(permissions)
            .filter(([, level]) => level === "write")
            .map(([scope]) => scope);
    const holdsAws = job.steps.some((step) => /configure-aws-credentials/.test(step.uses ?? ""));
    const writableToken = writes.some((scope) => scope !== "id-token") && job.steps.some((step) => /github\.token|GITHUB_TOKEN/.test(JSON.stringify(step)));
    if (holdsAws && file === "drift.yml" && (writableToken || writes.some((scope) => scope !== "id-token")))
      problems.push(`${where}: a writable GITHUB_TOKEN beside the plan credential`);
  }
  return problems;
}

describe("trust boundaries of the workflows", () => {
  test.each(FILES)("%s holds every rule", (file) => {
    expect(violations(file, WORKFLOW[file] as Workflow)).toEqual([]);
  });

  test("plan.yml (the pull request's code) sees only plan-only credentials: the plan role, TF_PLAN_TOKEN, PLAN_DIGEST_KEY", () => {
    const plan = WORKFLOW["plan.yml"] as Workflow;
    const seen = new Set(Object.values(plan.jobs).flatMap((job) => credentialsOf(job).map(({ secret }) => secret)));
    expect([...seen].sort()).toEqual(["secrets.PLAN_DIGEST_KEY", "secrets.TF_PLAN_TOKEN", "vars.AWS_PLAN_ROLE_ARN"]);
    // test, validate and synth hold nothing at all.
    for (const name of ["test", "validate", "synth"]) expect(credentialsOf(plan.jobs[name] as Job)).toEqual([]);
    expect(JSON.stringify(plan)).not.toMatch(/pull-requests: write|"pull-requests":"write"|issues|checks/);
  });

  test("TF_API_TOKEN is seen only by apply.yml's apply job, and only by its terraform steps", () => {
    const holders = FILES.flatMap((file) =>
      Object.entries((WORKFLOW[file] as Workflow).jobs).flatMap(([name, job]) =>
        credentialsOf(job)
          .filter(({ secret }) => secret === "secrets.TF_API_TOKEN")
          .map(({ step }) => `${file} ${name}: ${step.run?.split(" ")[0]}`),
      ),
    );
    expect(new Set(holders)).toEqual(new Set(["apply.yml apply: terraform"]));
  });

  test("the apply role only in apply.yml, after npm ci, in a job that runs the main branch's code", () => {
    const apply = WORKFLOW["apply.yml"] as Workflow;
    expect(Object.keys(apply.on)).toEqual(["push"]); // no workflow_dispatch: no manual override of the gate
    expect(apply.on["push"]).toEqual({ branches: ["main"] });
    const job = apply.jobs["apply"] as Job;
    const install = job.steps.findIndex((step) => /npm ci/.test(step.run ?? ""));
    const role = job.steps.findIndex((step) => step.with?.["role-to-assume"] === "${{ vars.AWS_APPLY_ROLE_ARN }}");
    expect(install).toBeGreaterThanOrEqual(0);
    expect(role).toBeGreaterThan(install);
  });

  test("the environment is checked by a job that names none, before the job that names it", () => {
    const apply = WORKFLOW["apply.yml"] as Workflow;
    const check = apply.jobs["environment-check"] as Job;
    expect(check.environment).toBeUndefined();
    expect(check.steps.map((step) => step.run).filter(Boolean)).toContain('npm run --silent ci:env-check -- "$APP_ENV"');
    expect(apply.jobs["approve"]?.needs).toContain("environment-check");
  });

  test("plan-attest.yml runs the main branch's code on workflow_run, in the plan-review environment, with the App's token", () => {
    const attest = WORKFLOW["plan-attest.yml"] as Workflow;
    expect(attest.on).toEqual({ workflow_run: { workflows: ["plan"], types: ["completed"] } });
    const job = attest.jobs["attest"] as Job;
    expect(job.environment).toBe("plan-review");
    const checkout = job.steps.find((step) => step.uses?.startsWith("actions/checkout"));
    expect(checkout?.with).toEqual({ "persist-credentials": false }); // no ref: the default branch, never the pull request's head
    expect(job.steps.at(-1)?.env?.["GITHUB_TOKEN"]).toBe("${{ steps.app.outputs.token }}");
    expect(job.steps.at(-1)?.env?.["HEAD_SHA"]).toBe("${{ github.event.workflow_run.head_sha }}");
  });

  test("drift.yml: the plan job has the plan role and no writable token; the report job has the App's token and no AWS or terraform", () => {
    const drift = WORKFLOW["drift.yml"] as Workflow;
    const plan = drift.jobs["drift"] as Job;
    expect(plan.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(JSON.stringify(plan)).not.toMatch(/GITHUB_TOKEN|github\.token|npm ci/);
    const report = drift.jobs["report"] as Job;
    expect(report.permissions).toEqual({ contents: "read" });
    expect(report.environment).toBe("plan-review");
    expect(JSON.stringify(report)).not.toMatch(/configure-aws-credentials|terraform |id-token/);
    expect(report.steps.at(-1)?.env?.["DRIFT_ISSUE_AUTHOR"]).toBe("${{ vars.PLAN_REVIEW_APP_SLUG }}[bot]");
  });

  describe("the checks are real: each catches its attack on a broken copy", () => {
    const copy = (file: string): Workflow => structuredClone(WORKFLOW[file]) as Workflow;
    test.each([
      [
        "the apply token in the pull request's plan job",
        (w: Workflow) => ((w.jobs["plan"] as { env: Record<string, string> }).env["TF_TOKEN_app_terraform_io"] = "${{ secrets.TF_API_TOKEN }}"),
        /job-level env|TF_API_TOKEN in a job that runs the pull request's code/,
      ],
      [
        "npm ci with install scripts",
        (w: Workflow) => ((w.jobs["plan"]?.steps.find((s) => /npm ci/.test(s.run ?? "")) as { run: string }).run = "npm ci"),
        /without --ignore-scripts/,
      ],
      ["a checkout that keeps the token in .git/config", (w: Workflow) => ((w.jobs["plan"]?.steps[0] as { with: unknown }).with = {}), /persist-credentials/],
      [
        "the role assumed before npm ci",
        (w: Workflow) => {
          const steps = w.jobs["plan"]?.steps ?? [];
          const role = steps.findIndex((s) => /configure-aws-credentials/.test(s.uses ?? ""));
          steps.splice(0, 0, ...steps.splice(role, 1));
        },
        /a credential is in the job before npm ci/,
      ],
      ["pull_request_target", (w: Workflow) => ((w.on as Record<string, unknown>)["pull_request_target"] = {}), /pull_request_target/],
    ])("plan.yml with %s fails", (_case, breakIt, problem) => {
      const broken = copy("plan.yml");
      breakIt(broken);
      expect(violations("plan.yml", broken).join("\n")).toMatch(problem);
    });

    test("drift.yml with a writable token beside the plan role fails", () => {
      const broken = copy("drift.yml");
      (broken.jobs["drift"] as { permissions: Record<string, string> }).permissions["issues"] = "write";
      expect(violations("drift.yml", broken).join("\n")).toMatch(/writable GITHUB_TOKEN beside the plan credential/);
    });

    test("the App key outside its environment fails", () => {
      const broken = copy("plan-attest.yml");
      (broken.jobs["attest"] as { environment?: string }).environment = undefined;
      expect(violations("plan-attest.yml", broken).join("\n")).toMatch(/outside the main-only plan-review environment/);
    });
  });
});
