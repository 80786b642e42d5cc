/**
 * Every workflow under .github/workflows/ checked by action-validator (the SchemaStore workflow
 * schema plus glob checks, compiled to WebAssembly: no network), and the plan workflow's contract
 * with the project's scripts.
 */
import { validateWorkflow } from "@action-validator/core";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const WORKFLOWS = join(__dirname, "../../.github/workflows");
const files = readdirSync(WORKFLOWS)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const packageJson = JSON.parse(readFileSync(join(__dirname, "../../package.json"), "utf8")) as { scripts: Record<string, string> };

describe("GitHub Actions workflows", () => {
  test("there are the plan, apply and drift workflows", () => {
    expect(files).toEqual(expect.arrayContaining(["apply.yml", "drift.yml", "plan.yml"]));
  });

  test.each(files)("%s turns off HashiCorp's version check (CHECKPOINT_DISABLE) and runs bash with pipefail", (file) => {
    const text = readFileSync(join(WORKFLOWS, file), "utf8");
    expect(text).toMatch(/^env:\n(?: {2}.*\n)*? {2}CHECKPOINT_DISABLE: "1"$/m);
    expect(text).toMatch(/^defaults:\n {2}run:\n {4}shell: bash/m);
  });

  test("npm run lint:workflows checks every workflow file (the CLI takes one file at a time)", () => {
    expect(packageJson.scripts["lint:workflows"]).toBe('for file in .github/workflows/*.yml; do action-validator "$file" || exit 1; done');
  });

  test.each(files)("%s is valid for action-validator", (file) => {
    const state = validateWorkflow(readFileSync(join(WORKFLOWS, file), "utf8"));
    expect(state.actionType).toBe("workflow");
    expect(state.errors).toEqual([]);
  });

  test("the validator is real: a misspelled key and a bad trigger fail", () => {
    const broken = "name: x\non: pull_requestt\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n";
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  describe("plan.yml", () => {
    const text = readFileSync(join(WORKFLOWS, "plan.yml"), "utf8");

    test("runs on pull requests and asks for an OIDC token only in the plan job", () => {
      expect(text).toMatch(/^on:\n {2}pull_request:/m);
      expect(text).toMatch(/^permissions:\n {2}contents: read$/m);
      expect(text.match(/id-token: write/g)).toHaveLength(1);
      expect(text).toContain("role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}");
    });

    test("one plan job per stack from the synth job, each uploading its review file (posted by plan-attest.yml)", () => {
      // stacks: the workload stacks and ci-access (npm run ci:stacks), each planned read-only.
      expect(text).toContain("stack: ${{ fromJSON(needs.synth.outputs.stacks) }}");
      expect(text).toContain('npm run --silent ci:plan-record -- --stack "${{ matrix.stack }}" --head "$HEAD_SHA" --out "$REVIEW_FILE"');
      expect(text).toContain("name: plan-review-${{ matrix.stack }}");
      // The pull request's code posts nothing: the comment and the check run come from the trusted workflow.
      expect(text).not.toContain("pull-requests: write");
    });

    test("plans without taking the lock (the plan role cannot write the lock file)", () => {
      expect(text).toMatch(/plan -input=false -lock=false/);
    });

    test("a failed init or plan still reaches the review file (then the comment), and the job still fails", () => {
      expect(text).toContain("if: failure() && steps.init.outcome == 'failure'");
      expect(text).toContain("if: failure() && (steps.plan.outcome == 'failure' || steps.plan-cloud.outcome == 'failure')");
      expect(text).toContain("--failed init --log init.log");
      expect(text).toContain("--failed plan --log plan.log");
      // No continue-on-error: the failed step fails the job.
      expect(text).not.toContain("continue-on-error");
    });

    test("with the cloud backend: a speculative plan with the plan-only token, then the run's JSON plan", () => {
      expect(text).toContain("PLAN_BACKEND: ${{ fromJSON(needs.synth.outputs.backends)[matrix.stack] }}");
      expect(text).toContain("if: env.PLAN_BACKEND == 'cloud'");
      expect(text).toContain("--hcp-log plan.log");
      expect(text).toContain("TF_TOKEN_app_terraform_io: ${{ secrets.TF_PLAN_TOKEN }}");
      expect(text).not.toContain("TF_API_TOKEN");
    });

    test.each(["synth", "synth:hcl", "ci:stacks", "ci:fmt", "ci:plan-record", "test"])(
      "calls the project's own script %s, which package.json defines",
      (script) => {
        expect(text).toMatch(new RegExp(`npm (run (--silent )?)?${script.replace(":", "\\:")}\\b`));
        expect(packageJson.scripts[script]).toBeDefined();
      },
    );
  });

  test.each(files)("%s: every run: step is one command (logic lives in scripts the workflow-steps test runs)", (file) => {
    const multiLine = [...readFileSync(join(WORKFLOWS, file), "utf8").matchAll(/^ +run: [|>]/gm)].map((match) => match[0]);
    expect(multiLine).toEqual([]);
  });

  test("plan.yml's validate job checks formatting of the project's own Terraform only, never a walk of the checkout", () => {
    const text = readFileSync(join(WORKFLOWS, "plan.yml"), "utf8");
    expect(text).toContain("run: npm run --silent ci:fmt -- cdktf.out/stacks");
    expect(text).not.toMatch(/run: terraform fmt/);
    // Each stack is planned once per pull request: by npm test's terraform tier, not again here.
    expect(text).not.toContain("plan:offline");
  });

  describe("apply.yml", () => {
    const text = readFileSync(join(WORKFLOWS, "apply.yml"), "utf8");

    test("runs on pushes to main only: no manual run that could stand in for a review", () => {
      expect(text).toMatch(/^on:\n {2}push:\n {4}branches: \[main\]\n\n/m);
      expect(text).not.toMatch(/workflow_dispatch|confirm_digest/);
    });

    test("a GitHub environment per target environment, on a job that does not assume the apply role", () => {
      expect(text).toMatch(/ {2}approve:\n(?: {4}.*\n)*? {4}environment:\n {6}name: \$\{\{ vars.APP_ENV \|\| 'default' \}\}/);
      const applyJob = text.slice(text.indexOf("\n  apply:"));
      expect(applyJob).not.toMatch(/^ {4}environment:/m);
      expect(applyJob).toContain("role-to-assume: ${{ vars.AWS_APPLY_ROLE_ARN }}");
    });

    test("applies apply_stacks, the workload stacks: never ci-access or state-bootstrap, which an administrator applies", () => {
      expect(text).toContain("stack: ${{ fromJSON(needs.synth.outputs.apply_stacks) }}");
      expect(text).toContain("if: needs.synth.outputs.apply_stacks != '[]'");
      expect(text).not.toContain("fromJSON(needs.synth.outputs.stacks)");
    });

    test("one run per stack at a time, never cancelled halfway", () => {
      expect(text).toContain("group: apply-${{ vars.APP_ENV || 'default' }}-${{ matrix.stack }}");
      expect(text).toContain("cancel-in-progress: false");
    });

    test("applies exactly the saved plan file, and only when the gate says apply", () => {
      expect(text).toContain("plan -input=false -no-color -out=plan.tfplan");
      expect(text).toContain('npm run --silent apply:gate -- --stack "${{ matrix.stack }}" --lock-file "$STACK_DIR/.terraform.lock.hcl" plan.json');
      expect(text).toMatch(
        /if: steps.gate.outputs.decision == 'apply'\n(?: {8}.*\n)*? {8}run: terraform -chdir="\$STACK_DIR" apply -input=false -no-color plan.tfplan$/m,
      );
      expect(text).not.toMatch(/-auto-approve|apply -input=false -no-color\s*$/m);
      expect(packageJson.scripts["apply:gate"]).toBe("tsx scripts/pull-requests/apply-gate.ts");
    });
  });

  describe("drift.yml", () => {
    const text = readFileSync(join(WORKFLOWS, "drift.yml"), "utf8");

    test("on a schedule and on demand, with the read-only plan role and plan -detailed-exitcode", () => {
      expect(text).toMatch(/^on:\n {2}schedule:\n {4}- cron: "[^"]+"\n {2}workflow_dispatch:/m);
      expect(text).toContain("role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}");
      expect(text).not.toContain("AWS_APPLY_ROLE_ARN");
      expect(text).toContain("run: npm run --silent ci:drift-plan");
      const script = readFileSync(join(__dirname, "../../scripts/pull-requests/drift-plan.cjs"), "utf8");
      expect(script).toContain('"plan", "-detailed-exitcode"');
      expect(script).toContain('"-lock=false"');
      expect(packageJson.scripts["ci:drift-plan"]).toBe("node scripts/pull-requests/drift-plan.cjs");
    });

    test("checks every stack CI plans (ci-access too), each the way ci:stacks says it is planned", () => {
      expect(text.match(/stack: \$\{\{ fromJSON\(needs.synth.outputs.stacks\) \}\}/g)).toHaveLength(2);
      expect(text).toContain("BACKEND: ${{ fromJSON(needs.synth.outputs.backends)[matrix.stack] }}");
      expect(text).toContain("if: env.BACKEND != 'cloud'");
    });

    test("hands the exit code and the plan to the drift script, which owns the issue", () => {
      expect(text).toContain('npm run --silent drift -- --stack "${{ matrix.stack }}" --from drift');
      expect(packageJson.scripts["drift"]).toBe("tsx scripts/pull-requests/drift.ts");
    });
  });
});
