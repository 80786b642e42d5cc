/**
 * The workflows' steps, run in order as GitHub would run them (__tests__/helpers/actions-runner.ts), each
 * job in a fresh copy of the repository with the installed node_modules, the GitHub REST API served by a
 * local stub (__tests__/helpers/github-stub.ts) and Terraform offline (the provider mirror through
 * TF_CLI_CONFIG_FILE, as the offline plan tier). The plan, apply and drift scenarios plan small stacks of
 * Terraform's built-in `terraform_data` resource with local state, so apply really applies (no AWS call
 * can succeed offline). The last test fails when a workflow has a `run:` step no scenario ran and none is
 * listed as not runnable here, with the reason.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { matrixOf, parseOutputFile, runJob, type JobRun, type NeedResult, type StepRecord, type Value, type Workflow } from "../helpers/actions-runner";
import { githubOutputLines } from "../../scripts/pull-requests/ci-stacks";
import { startGitHubStub, type GitHubStub } from "../helpers/github-stub";
import { findProviderMirror, findTerraform, terraformEnvironment, terraformTier, writeCliConfig } from "../../stacks/terraform-env";

const ROOT = join(__dirname, "../..");
const WORKFLOWS = join(ROOT, ".github/workflows");
const FILES = readdirSync(WORKFLOWS)
  .filter((file) => file.endsWith(".yml"))
  .sort();
const load = (file: string): Workflow => parse(readFileSync(join(WORKFLOWS, file), "utf8")) as Workflow;

/** `run:` steps this test does not run, with why. Everything else must be run by a scenario below. */
const NOT_RUNNABLE: Readonly<Record<string, string>> = {
  "plan.yml test npm test": "the test suite itself (this test is part of it): running it here would recurse",
  'plan.yml plan terraform -chdir="$STACK_DIR" plan -input=false -no-color 2>&1 | tee plan.log':
    "the HCP Terraform speculative run (backend cloud): a remote run made by HCP Terraform's workers; hcp-cloud-steps.test.ts runs it against a stand-in up to where it stops (docs/plan-review.md, HCP Terraform)",
  'plan.yml plan npm run --silent ci:plan-record -- --stack "${{ matrix.stack }}" --head "$HEAD_SHA" --out "$REVIEW_FILE" --lock-file "$STACK_DIR/.terraform.lock.hcl" --hcp-log plan.log':
    "reads the HCP Terraform run's JSON plan from https://<host of the run URL>, with no local API to point it at (docs/plan-review.md, HCP Terraform)",
};

/** Substitutes for `npm ci`: the installed node_modules (below). */
const NPM_CI = "npm ci --ignore-scripts --no-audit --no-fund";

const REPOSITORY = "example/app";
const APP_ID = 4242;
const APP_SLUG = "plan-review";
const TOKENS = { app: "app-installation-token", actions: "actions-job-token" };
const VARS = { PLAN_REVIEW_APP_ID: String(APP_ID), PLAN_REVIEW_APP_SLUG: APP_SLUG, AWS_REGION: "us-east-1" };
const SECRETS = { TF_PLAN_TOKEN: "fake-plan-token-0123456789", TF_API_TOKEN: "fake-apply-token-0123456789", PLAN_REVIEW_APP_KEY: "fake-key" };

const terraform = findTerraform();
const describeTier = terraformTier(terraform) === "run" ? describe : describe.skip;

describeTier("the workflows' steps, run offline in a fresh copy of the repository", () => {
  let work: string;
  let source: string;
  let sha: string;
  let stub: GitHubStub;
  let runnerEnv: Record<string, string>;
  let jobs = 0;
  const ran: StepRecord[] = [];
  const ranIn = new Map<string, string>();
  const ranCommands = new Set<string>();
  const timings: string[] = [];

  /** A fresh workspace: a clone of the snapshot (what actions/checkout gives). */
  function checkout(): string {
    const workspace = join(work, `job-${++jobs}`);
    execFileSync("git", ["clone", "-q", source, workspace]);
    return workspace;
  }

  /**
   * What `npm ci` leaves: node_modules. Each package is a symlink to the installed one, except those holding
   * .tf files, which are real folders (hard links), so a step that walks node_modules meets them as after npm ci.
   */
  let packagesWithTf: Set<string> | undefined;
  function installNodeModules(workspace: string): string {
    const installed = join(ROOT, "node_modules");
    packagesWithTf ??= new Set(
      execFileSync("find", [installed, "-name", "*.tf", "-type", "f"], { encoding: "utf8" })
        .split("\n")
        .filter((line) => line !== "")
        .map((file) => {
          const parts = file.slice(installed.length + 1).split("/");
          return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? "");
        }),
    );
    const withTf = packagesWithTf;
    const target = join(workspace, "node_modules");
    mkdirSync(target);
    for (const entry of readdirSync(installed)) {
      const scoped = entry.startsWith("@") ? readdirSync(join(installed, entry)).map((name) => `${entry}/${name}`) : [entry];
      for (const name of scoped) {
        mkdirSync(dirname(join(target, name)), { recursive: true });
        if (withTf.has(name)) execFileSync("cp", ["-al", join(installed, name), join(target, name)]);
        else symlinkSync(join(installed, name), join(target, name));
      }
    }
    // The synth bundle cache (scripts/synth.cjs, keyed by content), as a restored CI cache would give it.
    const cache = join(ROOT, ".build", "synth");
    if (existsSync(cache)) cpSync(cache, join(workspace, ".build", "synth"), { recursive: true });
    return `npm ci: the installed node_modules (${withTf.size} package(s) with .tf files as real folders)`;
  }

  async function run(
    file: string,
    job: string,
    context: { artifacts: string; needs?: Record<string, NeedResult>; matrix?: Record<string, Value>; github?: Record<string, Value> },
  ): Promise<JobRun> {
    const workflow = load(file);
    const started = Date.now();
    const result = await runJob(workflow, job, {
      workspace: checkout(),
      artifacts: context.artifacts,
      github: { repository: REPOSITORY, sha, run_id: "1", token: TOKENS.actions, event: {}, ...context.github },
      vars: VARS,
      secrets: SECRETS,
      ...(context.needs ? { needs: context.needs } : {}),
      ...(context.matrix ? { matrix: context.matrix } : {}),
      env: runnerEnv,
      appToken: TOKENS.app,
      substitute: (command, workspace) => (command === NPM_CI ? installNodeModules(workspace) : undefined),
      record: (record) => {
        ran.push(record);
        if (record.outcome !== "skipped" && record.step.run !== undefined) {
          ranIn.set(`${file} ${job} ${record.step.run}`, record.did);
          ranCommands.add(`${record.step.run} ${JSON.stringify(record.step.env ?? {})}`);
        }
      },
    });
    timings.push(
      `${file} ${job}${context.matrix ? ` ${JSON.stringify(context.matrix)}` : ""}: ${((Date.now() - started) / 1000).toFixed(1)} s ${result.result}`,
    );
    return result;
  }

  /** A cdktf.out artifact of terraform_data stacks with local state in `state/`. */
  function cdktfOut(artifacts: string, stacks: Record<string, string | Record<string, unknown>>): void {
    const out = join(artifacts, "cdktf-out");
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "manifest.json"), JSON.stringify({ version: "0.21.0", stacks: Object.fromEntries(Object.keys(stacks).map((name) => [name, {}])) }));
    for (const [name, input] of Object.entries(stacks)) {
      mkdirSync(join(out, "stacks", name), { recursive: true });
      const resource = typeof input === "string" ? { terraform_data: { release: { input } } } : input;
      // A ci-access stand-in names GitHub's OIDC subject as its plan role's trust does: ci:stacks plans ci-access only then.
      const trust = name === "ci-access" ? { locals: { plan_trust_subject: "token.actions.githubusercontent.com:sub" } } : {};
      const stack = { terraform: { backend: { local: { path: join(work, "state", `${name}.tfstate`) } } }, resource, ...trust };
      writeFileSync(join(out, "stacks", name, "cdk.tf.json"), JSON.stringify(stack, null, 2));
    }
  }

  /** The synth job's outputs for the cdktf.out artifact, as ci:stacks --github-output writes them. */
  const synthDone = (artifacts: string): Record<string, NeedResult> => ({
    synth: { result: "success", outputs: parseOutputFile(githubOutputLines(join(artifacts, "cdktf-out"))) },
  });
  const artifactsFolder = (name: string): string => {
    const folder = join(work, "artifacts", name);
    mkdirSync(folder, { recursive: true });
    return folder;
  };
  const stepOf = (job: JobRun, pattern: RegExp): StepRecord => {
    const found = job.steps.find((step) => pattern.test(step.step.run ?? step.step.uses ?? ""));
    if (found === undefined) throw new Error(`no step matching ${pattern}`);
    return found;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "workflow-steps-"));
    mkdirSync(join(work, "state"));
    // The working tree as a commit (tracked and new files, not ignored ones): what a pushed branch holds.
    source = join(work, "source");
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" })
      .split("\0")
      .filter((file) => file !== "" && existsSync(join(ROOT, file)));
    for (const file of files) cpSync(join(ROOT, file), join(source, file), { recursive: true });
    const git = (...args: string[]): string =>
      execFileSync("git", ["-c", "user.name=ci", "-c", "user.email=ci@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: source, encoding: "utf8" });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "snapshot");
    sha = git("rev-parse", "HEAD").trim();

    stub = await startGitHubStub(REPOSITORY, {
      [TOKENS.app]: { login: `${APP_SLUG}[bot]`, type: "Bot", appId: APP_ID },
      [TOKENS.actions]: { login: "github-actions[bot]", type: "Bot" },
    });
    const runnerTemp = join(work, "runner-temp");
    mkdirSync(runnerTemp);
    const cliConfig = writeCliConfig(join(work, "terraformrc"), findProviderMirror());
    const base: NodeJS.ProcessEnv = { PATH: process.env["PATH"], HOME: process.env["HOME"], LANG: "C.UTF-8" };
    runnerEnv = {
      ...(Object.fromEntries(Object.entries(terraformEnvironment(cliConfig, base)).filter(([, value]) => value !== undefined)) as Record<string, string>),
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_API_URL: stub.url,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_SHA: "",
      GITHUB_RUN_ID: "1",
      RUNNER_TEMP: runnerTemp,
    };
    runnerEnv["GITHUB_SHA"] = sha;
  }, 120_000);

  afterAll(async () => {
    await stub?.close();
    process.stdout.write(`[workflow-steps] ${jobs} jobs:\n  ${timings.join("\n  ")}\n`);
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test("plan.yml validate passes on a clean tree (fmt of the project's own Terraform, never node_modules)", async () => {
    const job = await run("plan.yml", "validate", { artifacts: artifactsFolder("validate") });
    // Put back `terraform fmt -check -recursive` at the root and this fails on node_modules' .tf files.
    expect(job.log).not.toMatch(/node_modules\/\S*\.tf/);
    expect(job.log).toMatch(/\[ci-fmt\] terraform fmt -check on \d+ file/);
    expect(job.result).toBe("success");
  }, 180_000);

  test("the old fmt step (-recursive at the root) fails here: it walks node_modules' .tf files", async () => {
    const workflow = load("plan.yml");
    const validate = workflow.jobs["validate"];
    if (validate === undefined) throw new Error("no validate job");
    const broken: Workflow = {
      ...workflow,
      jobs: {
        validate: {
          ...validate,
          steps: validate.steps.map((step) => (/ci:fmt/.test(step.run ?? "") ? { ...step, run: "terraform fmt -check -recursive -diff" } : step)),
        },
      },
    };
    const result = await runJob(broken, "validate", {
      workspace: checkout(),
      artifacts: artifactsFolder("validate-broken"),
      github: { repository: REPOSITORY, sha },
      vars: VARS,
      secrets: {},
      env: runnerEnv,
      appToken: TOKENS.app,
      substitute: (command, workspace) => (command === NPM_CI ? installNodeModules(workspace) : undefined),
    });
    expect(result.result).toBe("failure");
    expect(result.log).toMatch(/node_modules\/@cdktf\/provider-(generator|schema)\/.*\.tf/);
  }, 180_000);

  test("synth: the stacks to plan and to apply and how each is planned as job outputs, cdktf.out as the artifact (the same job in apply.yml and drift.yml)", async () => {
    const artifacts = artifactsFolder("synth");
    const job = await run("plan.yml", "synth", { artifacts });
    expect(job.result).toBe("success");
    // config/environments/default.json: no backend configured, so local state, and no CI access (no ci-access stack).
    expect(job.outputs).toEqual({
      stacks: JSON.stringify(["ami-tracker", "storage-first-api"]),
      apply_stacks: JSON.stringify(["ami-tracker", "storage-first-api"]),
      backends: JSON.stringify({ "ami-tracker": "local", "storage-first-api": "local" }),
    });
    expect(existsSync(join(artifacts, "cdktf-out", "stacks", "ami-tracker", "cdk.tf.json"))).toBe(true);
    for (const file of ["apply.yml", "drift.yml"]) expect(load(file).jobs["synth"]).toEqual(load("plan.yml").jobs["synth"]);
  }, 180_000);

  describe("plan.yml plan, then plan-attest.yml", () => {
    const head = (): Record<string, Value> => ({ event: { pull_request: { number: 7, head: { sha } } } });

    test("a passing plan uploads the review file; attest posts a successful check run with the digest and the comment", async () => {
      const artifacts = artifactsFolder("plan-pass");
      cdktfOut(artifacts, { app: "v1", "ci-access": "roles-v1", "state-bootstrap": "bucket" });
      // ci-access is planned on pull requests (read-only); state-bootstrap never is.
      const matrices = matrixOf(load("plan.yml"), "plan", { github: {}, vars: VARS, secrets: SECRETS, needs: synthDone(artifacts) });
      expect(matrices).toEqual([{ stack: "app" }, { stack: "ci-access" }]);
      for (const stack of ["app", "ci-access"]) {
        const plan = await run("plan.yml", "plan", { artifacts, needs: synthDone(artifacts), matrix: { stack }, github: head() });
        expect(plan.result).toBe("success");
        expect(existsSync(join(artifacts, `plan-review-${stack}`, `${stack}.json`))).toBe(true);
        expect(stepOf(plan, /--failed plan/).outcome).toBe("skipped");
        // The job summary: the changed resource and Terraform's whole plan text.
        expect(plan.summary).toContain("terraform_data.release");
        expect(plan.summary).toMatch(/will be created/);
      }

      const attest = await run("plan-attest.yml", "attest", {
        artifacts,
        github: {
          event: {
            workflow_run: {
              event: "pull_request",
              conclusion: "success",
              head_sha: sha,
              id: 1,
              html_url: "https://github.com/run/1",
              pull_requests: [{ number: 7 }],
            },
          },
        },
      });
      expect(attest.result).toBe("success");
      const check = stub.checkRuns.find((run) => run.name === "plan-review/app" && run.head_sha === sha);
      expect(check?.conclusion).toBe("success");
      expect(check?.external_id).toMatch(/app/);
      const comments = stub.comments.filter((comment) => comment.issue === 7 && comment.user.login === `${APP_SLUG}[bot]`);
      expect(comments).toHaveLength(2);
      // ci-access's comment says who applies it: an administrator, by hand; the merge applies only app.
      expect(comments.find((comment) => comment.body.startsWith("<!-- plan:ci-access -->"))?.body).toContain("An administrator applies `ci-access` by hand");
      expect(comments.find((comment) => comment.body.startsWith("<!-- plan:app -->"))?.body).toContain("the merge applies this plan");
    }, 240_000);

    test("a failing plan records the failure, attest posts it (failed check run, comment with the error), and the plan job fails", async () => {
      const artifacts = artifactsFolder("plan-fail");
      cdktfOut(artifacts, { broken: { terraform_data: { release: { input: '${tonumber("not-a-number")}' } } } });
      const plan = await run("plan.yml", "plan", { artifacts, needs: synthDone(artifacts), matrix: { stack: "broken" }, github: head() });
      expect(plan.result).toBe("failure");
      expect(stepOf(plan, /plan -input=false -lock=false/).outcome).toBe("failure");
      expect(stepOf(plan, /--failed plan/).outcome).toBe("success");
      expect(JSON.parse(readFileSync(join(artifacts, "plan-review-broken", "broken.json"), "utf8"))).toMatchObject({ kind: "failed", phase: "plan" });

      const attest = await run("plan-attest.yml", "attest", {
        artifacts,
        github: { event: { workflow_run: { event: "pull_request", conclusion: "failure", head_sha: sha, id: 2, pull_requests: [{ number: 8 }] } } },
      });
      expect(attest.result).toBe("success");
      expect(stub.checkRuns.find((run) => run.name === "plan-review/broken")?.conclusion).toBe("failure");
      const comment = stub.comments.find((candidate) => candidate.issue === 8);
      expect(comment?.body).toMatch(/not-a-number|tonumber/);
      expect(comment?.body).not.toContain("plan-meta");
    }, 240_000);

    test("a failing init records the init failure and fails", async () => {
      const artifacts = artifactsFolder("init-fail");
      cdktfOut(artifacts, { orphan: { terraform_data: { release: { input: "x" } } } });
      const stackFile = join(artifacts, "cdktf-out", "stacks", "orphan", "cdk.tf.json");
      const stack = JSON.parse(readFileSync(stackFile, "utf8")) as Record<string, unknown>;
      writeFileSync(stackFile, JSON.stringify({ ...stack, module: { missing: { source: "./no-such-module" } } }));
      const plan = await run("plan.yml", "plan", { artifacts, needs: synthDone(artifacts), matrix: { stack: "orphan" }, github: head() });
      expect(plan.result).toBe("failure");
      expect(stepOf(plan, /init -input=false/).outcome).toBe("failure");
      expect(stepOf(plan, /--failed init/).outcome).toBe("success");
      expect(JSON.parse(readFileSync(join(artifacts, "plan-review-orphan", "orphan.json"), "utf8"))).toMatchObject({ kind: "failed", phase: "init" });
    }, 240_000);
  });

  describe("apply.yml", () => {
    test("applies the reviewed plan's saved file, and holds a plan that differs from the reviewed one", async () => {
      const artifacts = artifactsFolder("apply");
      // Reviewed on pull request 9: plan, attest, then an approval by someone other than the author.
      cdktfOut(artifacts, { site: "v1", "ci-access": "roles-v1" });
      const github = { event: { pull_request: { number: 9, head: { sha } } } };
      expect((await run("plan.yml", "plan", { artifacts, needs: synthDone(artifacts), matrix: { stack: "site" }, github })).result).toBe("success");
      const attest = await run("plan-attest.yml", "attest", {
        artifacts,
        github: { event: { workflow_run: { event: "pull_request", conclusion: "success", head_sha: sha, id: 3, pull_requests: [{ number: 9 }] } } },
      });
      expect(attest.result).toBe("success");
      stub.commitPulls.set(sha, [{ number: 9, merge_commit_sha: sha, merged_at: new Date().toISOString(), head: { sha }, user: { login: "author" } }]);
      stub.reviews.set(9, () => [
        { user: { login: "reviewer", type: "User" }, state: "APPROVED", commit_id: sha, submitted_at: new Date().toISOString(), author_association: "MEMBER" },
      ]);
      stub.environments.set("default", {
        name: "default",
        protection_rules: [{ type: "required_reviewers", reviewers: [{ type: "User" }], prevent_self_review: true }],
      });

      const check = await run("apply.yml", "environment-check", { artifacts });
      expect(check.result).toBe("success");
      const approve = await run("apply.yml", "approve", {
        artifacts,
        needs: { ...synthDone(artifacts), "environment-check": { result: "success", outputs: {} } },
      });
      expect(approve.result).toBe("success");
      expect(approve.log).toContain("deploying [site] of default");

      const needs = { ...synthDone(artifacts), approve: { result: "success" as const, outputs: {} } };
      // apply.yml applies the workload stacks only: ci-access is applied by an administrator, by hand.
      expect(matrixOf(load("apply.yml"), "apply", { github: {}, vars: VARS, secrets: SECRETS, needs })).toEqual([{ stack: "site" }]);
      const applied = await run("apply.yml", "apply", { artifacts, needs, matrix: { stack: "site" } });
      expect(stepOf(applied, /apply:gate/).output).toMatch(/site: apply:/);
      const applyStep = stepOf(applied, /apply -input=false -no-color plan.tfplan/);
      expect(applyStep.outcome).toBe("success");
      expect(applyStep.output).toMatch(/Apply complete! Resources: 1 added/);
      expect(applied.result).toBe("success");
      const state = (): unknown => JSON.parse(readFileSync(join(work, "state", "site.tfstate"), "utf8"));
      expect(JSON.stringify(state())).toContain('"value":"v1"');

      // The next merge plans something else than what was reviewed: held, nothing applied, the reason posted.
      cdktfOut(artifacts, { site: "v2", "ci-access": "roles-v1" });
      const held = await run("apply.yml", "apply", { artifacts, needs, matrix: { stack: "site" } });
      expect(held.result).toBe("failure");
      expect(stepOf(held, /apply:gate/).outcome).toBe("failure");
      expect(stepOf(held, /apply -input=false -no-color plan.tfplan/).outcome).toBe("skipped");
      expect(held.summary).toContain("Apply held");
      expect(stub.comments.find((comment) => comment.issue === 9 && comment.body.includes("Apply held"))).toBeDefined();
      expect(JSON.stringify(state())).toContain('"value":"v1"');
    }, 300_000);

    test("environment-check fails when the environment does not exist", async () => {
      stub.environments.delete("default");
      const check = await run("apply.yml", "environment-check", { artifacts: artifactsFolder("env-missing") });
      expect(check.result).toBe("failure");
      expect(check.log).toContain('the GitHub environment "default" does not exist');
    }, 120_000);
  });

  describe("drift.yml", () => {
    test("opens one issue per drifted stack (ci-access is checked too), keeps it while it drifts, closes it when clean", async () => {
      const artifacts = artifactsFolder("drift");
      // Deployed: both stacks at v1 (the state a previous apply left).
      cdktfOut(artifacts, { blue: "v1", "ci-access": "v1" });
      expect(matrixOf(load("drift.yml"), "drift", { github: {}, vars: VARS, secrets: SECRETS, needs: synthDone(artifacts) })).toEqual([
        { stack: "blue" },
        { stack: "ci-access" },
      ]);
      for (const stack of ["blue", "ci-access"]) {
        const dir = join(artifacts, "cdktf-out", "stacks", stack);
        const env = { ...runnerEnv };
        execFileSync("terraform", [`-chdir=${dir}`, "init", "-input=false", "-no-color"], { env, stdio: "ignore" });
        execFileSync("terraform", [`-chdir=${dir}`, "apply", "-auto-approve", "-input=false", "-no-color"], { env, stdio: "ignore" });
        rmSync(join(dir, ".terraform"), { recursive: true, force: true });
        rmSync(join(dir, ".terraform.lock.hcl"), { force: true });
      }
      const round = async (stacks: Record<string, string>): Promise<Record<string, JobRun>> => {
        cdktfOut(artifacts, stacks);
        const reports: Record<string, JobRun> = {};
        for (const stack of Object.keys(stacks)) {
          rmSync(join(artifacts, `drift-${stack}`), { recursive: true, force: true });
          const drift = await run("drift.yml", "drift", { artifacts, needs: synthDone(artifacts), matrix: { stack } });
          expect(drift.result).toBe("success");
          reports[stack] = await run("drift.yml", "report", {
            artifacts,
            needs: { ...synthDone(artifacts), drift: { result: "success", outputs: {} } },
            matrix: { stack },
          });
        }
        return reports;
      };
      const open = (): string[] =>
        stub.issues.filter((issue) => issue.state === "open" && issue.labels.some((label) => label.name === "drift")).map((issue) => issue.title);

      // main now says v2 for blue: blue drifted, ci-access did not.
      let reports = await round({ blue: "v2", "ci-access": "v1" });
      expect(reports["blue"]?.result).toBe("success");
      expect(open()).toEqual([expect.stringContaining("blue")]);
      await round({ blue: "v2", "ci-access": "v1" });
      expect(stub.issues.filter((issue) => issue.title.includes("blue"))).toHaveLength(1);
      expect(open()).toHaveLength(1);

      // Back in line: the issue is closed with a comment.
      reports = await round({ blue: "v1", "ci-access": "v1" });
      expect(open()).toEqual([]);
      expect(stub.issues.find((issue) => issue.title.includes("blue"))?.state).toBe("closed");
      expect(stub.comments.some((comment) => /Clean at/.test(comment.body))).toBe(true);
    }, 400_000);
  });

  test("every run: step of every workflow was run by a scenario above, or is listed as not runnable here with why", () => {
    const missing: string[] = [];
    for (const file of FILES) {
      for (const [jobName, job] of Object.entries(load(file).jobs)) {
        for (const step of job.steps) {
          if (step.run === undefined) continue;
          const key = `${file} ${jobName} ${step.run}`;
          if (NOT_RUNNABLE[key] !== undefined) continue;
          // The same command with the same env in another job (npm ci, the shared synth job) is the same behaviour.
          if (!ranIn.has(key) && !ranCommands.has(`${step.run} ${JSON.stringify(step.env ?? {})}`)) missing.push(key);
        }
      }
    }
    expect(missing).toEqual([]);
    // And nothing listed as not runnable has been renamed away.
    const present = new Set(
      FILES.flatMap((file) => Object.entries(load(file).jobs).flatMap(([name, job]) => job.steps.map((step) => `${file} ${name} ${step.run}`))),
    );
    expect(Object.keys(NOT_RUNNABLE).filter((key) => !present.has(key))).toEqual([]);
    expect(ran.length).toBeGreaterThan(0);
  });
});
