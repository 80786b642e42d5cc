/**
 * The apply gate's rule (scripts/apply-gate.ts, docs/plan-review.md#what-is-applied) on real plans:
 * a plan is applied only when it is the one reviewed on the merged pull request's last commit, or when
 * a person confirmed its digest; empty plans are skipped; everything else is held with the difference.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decide, holdComment, mergedPullRequest, planDifference, reviewedPlan, type CurrentPlan, type GateInput } from "../../scripts/apply-gate";
import { backendOf } from "../../scripts/ci-stacks";
import type { GitHubRequest } from "../../scripts/lib/github";
import { changeMap, parsePlan, planDigest, summarize, type PlanDocument } from "../../scripts/plan-summary";

const plan = (name: string): PlanDocument => parsePlan(readFileSync(join(__dirname, "../fixtures/plans", name), "utf8"), name);
const current = (name: string): CurrentPlan => ({ digest: planDigest(plan(name)), changes: changeMap(plan(name)) });

const HEAD = "1".repeat(40);
const STACK = "ami-tracker";
/** The sticky comment the plan workflow posted for HEAD, as a bot. */
const stickyFor = (name: string, head = HEAD): { id: number; body: string; user: { type: string } } => ({
  id: 7,
  body: summarize([{ stack: STACK, plan: plan(name), head }], { marker: `<!-- plan:${STACK} -->` }),
  user: { type: "Bot" },
});
const reviewedFrom = (name: string, head = HEAD): GateInput["reviewed"] => reviewedPlan([stickyFor(name, head)], STACK);

describe("the apply gate", () => {
  const pullRequest = { number: 42, head: HEAD };

  test("applies the plan reviewed on the pull request's last commit (same digest), whatever the tree", () => {
    const input: GateInput = {
      stack: STACK,
      current: current("replace.json"),
      pullRequest,
      reviewed: reviewedFrom("replace.json"),
      trees: { merge: "t1", reviewedHead: "t1" },
    };
    expect(decide(input)).toEqual({
      outcome: "apply",
      reason: `the plan is the one reviewed on pull request #42 (digest ${planDigest(plan("replace.json"))}, same tree)`,
    });
    // The main branch moved (another stack's change merged first), but this stack's plan is unchanged: apply.
    expect(decide({ ...input, trees: { merge: "t2", reviewedHead: "t1" } }).outcome).toBe("apply");
  });

  test("skips an empty plan, reviewed or not", () => {
    expect(decide({ stack: STACK, current: current("no-changes.json") })).toEqual({ outcome: "skip", reason: "the plan has no changes: nothing to apply" });
  });

  test.each([
    ["the same tree: the state changed since the review", { merge: "t1", reviewedHead: "t1" }, /state changed since the review/],
    ["another tree: the main branch moved", { merge: "t2", reviewedHead: "t1" }, /main branch moved since the review/],
  ])("holds a plan that differs from the reviewed one, saying why (%s)", (_case, trees, reason) => {
    // Reviewed: the parameter replaced. Now: both parameters destroyed.
    const decision = decide({ stack: STACK, current: current("destroy.json"), pullRequest, reviewed: reviewedFrom("replace.json"), trees });
    expect(decision.outcome).toBe("hold");
    expect(decision.reason).toMatch(reason);
    expect(decision.reason).toContain(`reviewed ${planDigest(plan("replace.json"))}, now ${planDigest(plan("destroy.json"))}`);
  });

  test.each([
    ["a direct push (no pull request)", {}, /without a pull request/],
    ["a pull request without a plan comment", { pullRequest }, /has no plan comment for this stack/],
    [
      "a plan made for an earlier commit of the pull request",
      { pullRequest, reviewed: reviewedFrom("destroy.json", "0".repeat(40)) },
      /made for 000000000000, not for its last commit 111111111111/,
    ],
  ])("holds %s", (_case, extra, reason) => {
    const decision = decide({ stack: STACK, current: current("destroy.json"), ...extra });
    expect(decision.outcome).toBe("hold");
    expect(decision.reason).toMatch(reason);
  });

  test("a person's confirmation applies exactly the digest they read, not a plan that changed again", () => {
    const now = current("destroy.json");
    expect(decide({ stack: STACK, current: now, confirmedDigest: now.digest }).outcome).toBe("apply");
    const stale = decide({ stack: STACK, current: now, confirmedDigest: planDigest(plan("replace.json")) });
    expect(stale.outcome).toBe("hold");
    expect(stale.reason).toMatch(/is not this plan's/);
  });

  test("a failure comment, or a person's comment quoting the marker, is never taken for a reviewed plan", () => {
    const failure = { id: 1, body: `<!-- plan:${STACK} -->\n### Plan: \`${STACK}\`: \`terraform plan\` failed`, user: { type: "Bot" } };
    expect(reviewedPlan([failure], STACK)).toBeUndefined();
    expect(reviewedPlan([{ ...stickyFor("replace.json"), user: { type: "User" } }], STACK)).toBeUndefined();
    expect(reviewedPlan([stickyFor("replace.json")], "storage-first-api")).toBeUndefined();
  });

  test("the held comment shows the difference and the digest to confirm", () => {
    const input: GateInput = { stack: STACK, current: current("destroy.json"), pullRequest, reviewed: reviewedFrom("replace.json") };
    const body = holdComment(input, decide(input), "https://github.com/acme/repo/actions/runs/9");
    expect(body.startsWith("<!-- apply:ami-tracker -->\n### Apply held: `ami-tracker`")).toBe(true);
    expect(body).toContain("| `aws_ssm_parameter.latest` | no change | delete |");
    expect(body).toContain("| `aws_ssm_parameter.web` | replace | delete |");
    expect(body).toContain(`\`confirm_digest\` = \`${current("destroy.json").digest}\``);
    expect(planDifference(changeMap(plan("replace.json")), changeMap(plan("replace.json")))).toMatch(/same resources change in the same way/);
  });

  test("the merged pull request of a merge commit comes from GitHub's commit -> pulls list", async () => {
    const calls: string[] = [];
    const request: GitHubRequest = async (method, path) => {
      calls.push(`${method} ${path}`);
      return [
        { number: 40, merged_at: null, merge_commit_sha: "x", head: { sha: "0".repeat(40) } },
        { number: 42, merged_at: "2026-11-30T08:00:00Z", merge_commit_sha: "abc", head: { sha: HEAD } },
      ];
    };
    await expect(mergedPullRequest(request, "abc")).resolves.toEqual({ number: 42, head: HEAD });
    expect(calls).toEqual(["GET /commits/abc/pulls"]);
    await expect(mergedPullRequest(async () => [], "abc")).resolves.toBeUndefined();
  });
});

// `npm run --silent ci:stacks -- --backend` prints it for the workflows' `if:` conditions.
describe("which path the workflows take: the backend of the synthesized workload stacks", () => {
  test.each([
    [{ terraform: { cloud: { organization: "acme", workspaces: { name: "w" } } } }, "cloud"],
    [{ terraform: { backend: { s3: { bucket: "b", key: "k" } } } }, "s3"],
    [{ terraform: { backend: { local: { path: "x" } } } }, "local"],
    [{ terraform: {} }, "local"],
    [{ terraform: { backend: { gcs: {} } } }, "other"],
  ])("%j -> %s", (stack, kind) => {
    expect(backendOf(JSON.stringify(stack))).toBe(kind);
  });
});
