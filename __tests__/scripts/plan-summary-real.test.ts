/**
 * The pull-request comment on real `terraform show -json` output and real Terraform failures, saved in
 * __tests__/fixtures/plans/ by `npm run plan:fixtures` (terraform 1.11 with hashicorp/aws 5.100.0,
 * offline): a create, no changes, a destroy, a replace, a failing plan, and the human output HCP
 * Terraform streams back.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  USAGE,
  changeMap,
  failureComment,
  parseMeta,
  parsePlan,
  planDigest,
  planFromText,
  run,
  stackNameOfPlan,
  summarize,
  type PlanDocument,
} from "../../scripts/plan-summary";

const FIXTURES = join(__dirname, "../fixtures/plans");
const text = (name: string): string => readFileSync(join(FIXTURES, name), "utf8");
const plan = (name: string): PlanDocument => parsePlan(text(name), name);
const read = (file: string): string => text(file);
const RUN = "https://github.com/acme/ssm-patterns/actions/runs/123";

describe("the plan comment on real plans", () => {
  test("a plan names its stack through the Stack default tag, not the file name", () => {
    expect(stackNameOfPlan(plan("create.json"))).toBe("state-bootstrap");
    expect(stackNameOfPlan(plan("tracker-owned.json"))).toBe("ami-tracker");
    expect(run(["create.json"], read)).toContain("### Plan: `state-bootstrap`");
    expect(run(["--stack", "other", "create.json"], read)).toContain("### Plan: `other`");
  });

  test("no changes: one line, with the unchanged count and Terraform's version", () => {
    const document = plan("no-changes.json");
    expect(Object.keys(changeMap(document))).toEqual([]);
    const comment = run(["--marker", "<!-- plan:state-bootstrap -->", "no-changes.json"], read);
    expect(comment).toBe(
      `<!-- plan:state-bootstrap -->\n### Plan: \`state-bootstrap\`: no changes (7 unchanged, Terraform ${document.terraform_version ?? ""})\n`,
    );
  });

  test("a destroy of stateful resources is labelled CAUTION, each resource marked STATEFUL", () => {
    const comment = run(["destroy.json"], read);
    expect(comment).toContain("> [!CAUTION]\n> **2 stateful resource(s) will be destroyed or replaced");
    expect(comment).toContain("> - **STATEFUL** `aws_ssm_parameter.latest`: destroyed");
    expect(comment).toContain("> - **STATEFUL** `aws_ssm_parameter.web`: destroyed");
    expect(comment).toContain("**0 to create, 0 to update, 0 to replace, 2 to delete**");
  });

  test("a forced replacement names Terraform's reason", () => {
    const comment = run(["replace.json"], read);
    expect(comment).toContain("> - **STATEFUL** `aws_ssm_parameter.web`: replaced (an argument that cannot change in place)");
    expect(comment).toContain("1 to replace");
  });

  test("with a head commit the comment records the digest and changes for the apply gate, and links the run", () => {
    const comment = run(["--marker", "<!-- plan:ami-tracker -->", "--head", "a".repeat(40), "--run-url", RUN, "replace.json"], read);
    expect(comment.startsWith("<!-- plan:ami-tracker -->\n<!-- plan-meta ")).toBe(true);
    expect(parseMeta(comment)).toEqual({
      stack: "ami-tracker",
      head: "a".repeat(40),
      digest: planDigest(plan("replace.json")),
      changes: { "aws_ssm_parameter.web": "replace" },
    });
    expect(comment).toContain(`<sub>planned at \`aaaaaaaaaaaa\` · [the run](${RUN}) · plan digest \`${planDigest(plan("replace.json"))}\`</sub>`);
  });

  test("the digest is the changes: the same plan gives the same digest, a timestamp does not count, another plan differs", () => {
    const replace = plan("replace.json");
    expect(planDigest(replace)).toMatch(/^[0-9a-f]{16}$/);
    expect(planDigest({ ...replace, timestamp: "1999-01-01T00:00:00Z", terraform_version: "9.9.9" } as PlanDocument)).toBe(planDigest(replace));
    const digests = ["create.json", "no-changes.json", "destroy.json", "replace.json", "drift.json"].map((name) => planDigest(plan(name)));
    expect(new Set(digests).size).toBe(digests.length);
  });

  test("a failed plan: the comment says which phase failed, shows the error without the token, and links the run", () => {
    const comment = run(
      [
        "--failed",
        "plan",
        "--log",
        "plan-failure.log",
        "--stack",
        "ami-tracker",
        "--marker",
        "<!-- plan:ami-tracker -->",
        "--run-url",
        RUN,
        "--head",
        "b".repeat(40),
      ],
      read,
    );
    expect(comment.startsWith("<!-- plan:ami-tracker -->\n### Plan: `ami-tracker`: `terraform plan` failed")).toBe(true);
    expect(comment).toContain("> **No plan for this stack at `bbbbbbbbbbbb`");
    expect(comment).toContain("```text\nError: Invalid function argument");
    expect(comment).not.toContain("ghp_");
    expect(comment).toContain(`The whole log: [the run](${RUN}).`);
    // A failure records no plan metadata: the apply gate can never take it for a reviewed plan.
    expect(parseMeta(comment)).toBeUndefined();
  });

  test("a refused destroy (prevent_destroy) reaches the comment in Terraform's words", () => {
    const comment = failureComment("state-bootstrap", "plan", text("destroy-refused.log"));
    expect(comment).toContain("Error: Instance cannot be destroyed");
    expect(comment).toContain("lifecycle.prevent_destroy");
  });

  test("HCP Terraform's human output gives the same changes as the JSON, and its run URL", () => {
    const streamed =
      "Running plan in HCP Terraform. Output will stream here. Pressing Ctrl-C\nwill stop streaming the logs, but will not stop the plan running remotely.\n\n" +
      "Preparing the remote plan...\n\nTo view this run in a browser, visit:\nhttps://app.terraform.io/app/example-org/ssm-patterns-hcp-example-ami-tracker/runs/run-AbCdEf123456\n\n" +
      text("replace.txt");
    const parsed = planFromText(streamed);
    expect(changeMap(parsed.plan)).toEqual(changeMap(plan("replace.json")));
    expect(parsed.runUrl).toBe("https://app.terraform.io/app/example-org/ssm-patterns-hcp-example-ami-tracker/runs/run-AbCdEf123456");
    // The digest of the text ignores the header lines, so a speculative run and a saved run agree.
    expect(parsed.digest).toBe(planFromText(text("replace.txt")).digest);
    const comment = summarize([{ stack: "ami-tracker", plan: parsed.plan, digest: parsed.digest, runUrl: parsed.runUrl ?? "", head: "c".repeat(40) }]);
    expect(comment).toContain("**STATEFUL** `aws_ssm_parameter.web`: replaced");
    expect(comment).toContain("[the run](https://app.terraform.io/app/example-org/");
    expect(planFromText(text("no-changes.txt")).plan.resource_changes).toEqual([]);
  });

  test("--help prints the usage, and an unknown option says what is known", () => {
    const script = join(__dirname, "../../scripts/plan-summary.ts");
    const output = execFileSync(process.execPath, ["--import", "tsx", script, "--help"], { encoding: "utf8" });
    expect(output).toBe(`${USAGE}\n`);
    expect(() => run(["--bogus"], read)).toThrow(/unknown option --bogus\nusage: npm run plan:summary/);
  });
});
