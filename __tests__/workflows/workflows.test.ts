/**
 * Every workflow under .github/workflows/ checked by action-validator (the SchemaStore workflow
 * schema plus glob checks, compiled to WebAssembly: no network), and the plan workflow's contract
 * with the project's scripts.
 */
import { validateWorkflow } from "@action-validator/core";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const WORKFLOWS = join(__dirname, "../../.github/workflows");
const files = readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file)).sort();
const packageJson = JSON.parse(readFileSync(join(__dirname, "../../package.json"), "utf8")) as { scripts: Record<string, string> };

describe("GitHub Actions workflows", () => {
  test("there is a plan workflow", () => {
    expect(files).toContain("plan.yml");
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

    test("one plan job per stack from the synth job, one sticky comment per stack", () => {
      expect(text).toContain("stack: ${{ fromJSON(needs.synth.outputs.stacks) }}");
      expect(text).toContain('MARKER: "<!-- plan:${{ matrix.stack }} -->"');
      expect(text).toContain('--marker "$MARKER" plan.json > comment.md');
      // The upsert itself is scripts/plan-comment.ts, tested in __tests__/scripts/plan-comment.test.ts.
      expect(text).toContain("npm run --silent plan:comment -- comment.md");
      expect(text).toContain("pull-requests: write");
    });

    test("plans without taking the lock (the plan role cannot write the lock file)", () => {
      expect(text).toMatch(/plan -input=false -lock=false/);
    });

    test.each(["synth", "ci:stacks", "plan:summary", "plan:offline", "test"])("calls the project's own script %s, which package.json defines", (script) => {
      expect(text).toMatch(new RegExp(`npm (run (--silent )?)?${script.replace(":", "\\:")}\\b`));
      expect(packageJson.scripts[script]).toBeDefined();
    });
  });
});
