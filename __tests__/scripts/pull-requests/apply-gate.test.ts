/**
 * The apply gate (scripts/pull-requests/apply-gate.ts, docs/plan-review.md#what-is-applied) tried as an attacker with
 * write access to a branch: each attack below must end in "hold". Real plans from __tests__/fixtures/plans.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  approversOf,
  attestationId,
  attestationOf,
  checkRunName,
  currentPlan,
  decide,
  gatherEvidence,
  holdComment,
  mergedPullRequest,
  type GateInput,
  type PullRequest,
  type Review,
} from "../../../scripts/pull-requests/apply-gate";
import { backendOf } from "../../../scripts/pull-requests/ci-stacks";
import { startGitHubStub } from "../../helpers/github-stub";
import { githubClient } from "../../../scripts/pull-requests/lib/github";
import { reviewDigest, reviewRecord } from "../../../scripts/pull-requests/lib/plan-digest";
import { parsePlan } from "../../../scripts/pull-requests/plan-summary";

const fixture = (name: string): string => readFileSync(join(__dirname, "../../fixtures/plans", name), "utf8");
const STACK = "ami-tracker";
const HEAD = "1".repeat(40);
const APP_ID = 4242;
const ACTIONS_APP_ID = 15368; // GitHub Actions' own app: what any workflow's GITHUB_TOKEN writes as
const current = (name: string) => currentPlan(STACK, fixture(name), undefined, undefined);
const digestOf = (name: string): string => reviewDigest(reviewRecord(parsePlan(fixture(name), name), { stack: STACK }));
const pullRequest: PullRequest = { number: 42, head: HEAD, author: "mallory" };
const PLANNED_AT = "2026-12-01T10:00:00Z";

const checkRun = (overrides: Record<string, unknown> = {}) => ({
  name: checkRunName(STACK),
  head_sha: HEAD,
  status: "completed",
  conclusion: "success",
  completed_at: PLANNED_AT,
  external_id: attestationId(STACK, HEAD, digestOf("replace.json")),
  app: { id: APP_ID, slug: "plan-review" },
  ...overrides,
});
const approval = (overrides: Partial<Review> = {}): Review => ({
  user: { login: "alice", type: "User" },
  state: "APPROVED",
  commit_id: HEAD,
  submitted_at: "2026-12-01T11:00:00Z",
  author_association: "MEMBER",
  ...overrides,
});

/** A full, honest input: the reviewed plan is replace.json, approved by alice after it was posted. */
const honest = (name = "replace.json"): GateInput => ({
  stack: STACK,
  current: current(name),
  pullRequest,
  attestation: attestationOf([checkRun()], STACK, HEAD, APP_ID),
  approvers: approversOf([approval()], pullRequest, PLANNED_AT),
});

describe("the apply gate", () => {
  test("applies the attested plan that someone else approved after it was posted", () => {
    expect(decide(honest())).toEqual({
      outcome: "apply",
      reason: `the plan is the one alice approved on pull request #42 (digest ${digestOf("replace.json").slice(0, 16)})`,
    });
  });

  test("skips an empty plan", () => {
    expect(decide({ stack: STACK, current: current("no-changes.json") }).outcome).toBe("skip");
  });

  test("attack: a plan that only forgets or only imports is not taken for an empty one (skipped unreviewed)", () => {
    const empty = JSON.parse(fixture("no-changes.json")) as { resource_changes: unknown[] };
    const withChange = (change: Record<string, unknown>) =>
      JSON.stringify({
        ...empty,
        resource_changes: [...empty.resource_changes, { address: "aws_sqs_queue.q", mode: "managed", type: "aws_sqs_queue", name: "q", change }],
      });
    const forget = currentPlan(STACK, withChange({ actions: ["forget"], before: {}, after: null }), undefined, undefined);
    const imported = currentPlan(STACK, withChange({ actions: ["no-op"], before: {}, after: {}, importing: { id: "q" } }), undefined, undefined);
    expect(forget.changes).toEqual({ "aws_sqs_queue.q": "forget" });
    expect(imported.changes).toEqual({ "aws_sqs_queue.q": "import" });
    expect(decide({ stack: STACK, current: forget }).outcome).toBe("hold");
    expect(decide({ stack: STACK, current: imported }).outcome).toBe("hold");
  });

  test.each([
    ["the same tree: the state changed since the review", { merge: "t1", reviewedHead: "t1" }, /state changed since the review/],
    ["another tree: the main branch moved", { merge: "t2", reviewedHead: "t1" }, /main branch moved since the review/],
  ])("holds a plan that differs from the reviewed one (%s)", (_case, trees, reason) => {
    const decision = decide({ ...honest("destroy.json"), trees });
    expect(decision.outcome).toBe("hold");
    expect(decision.reason).toMatch(reason);
  });

  describe("attack: a forged or edited review", () => {
    test.each([
      ["a check run written by GitHub Actions' app (a workflow in the branch, its GITHUB_TOKEN)", { app: { id: ACTIONS_APP_ID, slug: "github-actions" } }],
      ["a check run with no app", { app: null }],
      ["the App's check run for another commit", { head_sha: "2".repeat(40) }],
      ["the App's check run for another stack", { name: checkRunName("storage-first-api") }],
      ["a failed plan (failure comment) even if it carried a digest", { conclusion: "failure" }],
      ["a run still in progress", { status: "in_progress", completed_at: null }],
      ["an external_id naming another stack", { external_id: attestationId("storage-first-api", HEAD, digestOf("replace.json")) }],
      ["an external_id naming another head", { external_id: attestationId(STACK, "2".repeat(40), digestOf("replace.json")) }],
      ["an external_id with the digest inside other text", { external_id: `x ${attestationId(STACK, HEAD, digestOf("replace.json"))}` }],
      ["an external_id with extra keys", { external_id: JSON.stringify({ v: 1, stack: STACK, head: HEAD, digest: digestOf("replace.json"), ok: true }) }],
      ["a 16-digit digest (the old truncated form)", { external_id: attestationId(STACK, HEAD, digestOf("replace.json").slice(0, 16)) }],
    ])("is not an attestation: %s", (_case, overrides) => {
      const attestation = attestationOf([checkRun(overrides)], STACK, HEAD, APP_ID);
      expect(attestation).toBeUndefined();
      const decision = decide({ ...honest(), attestation });
      expect(decision.outcome).toBe("hold");
      expect(decision.reason).toMatch(/no successful plan-review\/ami-tracker check run by the plan-review App/);
    });

    test("a newer failed plan withdraws an older success", () => {
      const older = checkRun();
      const newer = checkRun({ conclusion: "failure", completed_at: "2026-12-01T10:30:00Z", external_id: null });
      expect(attestationOf([older, newer], STACK, HEAD, APP_ID)).toBeUndefined();
      expect(attestationOf([older], STACK, HEAD, APP_ID)?.digest).toBe(digestOf("replace.json"));
    });
  });

  describe("attack: nobody else approved the head commit after the plan", () => {
    test.each([
      ["no review at all", []],
      ["the author approving their own pull request", [approval({ user: { login: "Mallory", type: "User" } })]],
      ["an approval of an earlier commit", [approval({ commit_id: "0".repeat(40) })]],
      ["an approval given before the plan was posted", [approval({ submitted_at: "2026-12-01T09:59:59Z" })]],
      ["an approval by a bot", [approval({ user: { login: "helper[bot]", type: "Bot" } })]],
      ["an approval by someone without write access", [approval({ author_association: "CONTRIBUTOR" })]],
      [
        "an approval withdrawn by the same reviewer's later 'changes requested'",
        [approval(), approval({ state: "CHANGES_REQUESTED", submitted_at: "2026-12-01T12:00:00Z" })],
      ],
      ["a dismissed approval", [approval({ state: "DISMISSED" })]],
    ])("%s: hold", (_case, reviews) => {
      const approvers = approversOf(reviews, pullRequest, PLANNED_AT);
      expect(approvers).toEqual([]);
      const decision = decide({ ...honest(), approvers });
      expect(decision.outcome).toBe("hold");
      expect(decision.reason).toMatch(/nobody but the author \(mallory\) approved commit 111111111111/);
    });

    test("a later comment-only review does not withdraw an approval", () => {
      expect(approversOf([approval(), approval({ state: "COMMENTED", submitted_at: "2026-12-01T12:00:00Z" })], pullRequest, PLANNED_AT)).toEqual(["alice"]);
    });
  });

  test("a direct push to main (no merged pull request) is held", () => {
    expect(decide({ stack: STACK, current: current("destroy.json") }).reason).toMatch(/without a pull request/);
  });

  test("the held comment escapes addresses and offers no override, only a new review", () => {
    const input: GateInput = {
      ...honest(),
      current: { digest: "f".repeat(64), changes: { 'aws_s3_bucket.b["x` | destroyed | <details>"]': "delete" } },
    };
    const body = holdComment(input, decide(input), "https://github.com/acme/repo/actions/runs/9");
    expect(body.startsWith("<!-- apply:ami-tracker -->\n### Apply held: `ami-tracker`")).toBe(true);
    // One table row: the address's `|`, backtick and <details> are character references, never syntax.
    expect(body).toContain("| <code>aws&#95;s3&#95;bucket.b&#91;&quot;x&#96; &#124; destroyed &#124; &lt;details&gt;&quot;&#93;</code> | delete |");
    expect(body).not.toContain("<details>");
    expect(body).not.toMatch(/confirm_digest|workflow_dispatch|Run workflow/);
    expect(body).toContain("open a pull request");
  });

  test("reads the evidence from GitHub: commit -> pull request, the App's check runs on its head, the reviews", async () => {
    const stub = await startGitHubStub("acme/repo", { t0ken: { login: "gate", type: "Bot" } });
    try {
      stub.commitPulls.set("abc", [
        { number: 40, merged_at: null, merge_commit_sha: "x", head: { sha: "0".repeat(40) }, user: { login: "bob" } },
        { number: 42, merged_at: "2026-12-01T12:00:00Z", merge_commit_sha: "abc", head: { sha: HEAD }, user: { login: "mallory" } },
      ]);
      // A pull request whose merge commit is another commit (the commit was only in its branch) is not the merged one.
      stub.commitPulls.set("abd", [{ number: 9, merged_at: "2026-12-01T12:00:00Z", merge_commit_sha: "other", head: { sha: HEAD } }]);
      const html_url = "https://github.com/acme/repo/runs/1";
      stub.checkRuns.push({ id: 1, ...checkRun(), html_url, app: { id: APP_ID } });
      stub.checkRuns.push({ id: 2, ...checkRun({ completed_at: "2026-12-01T10:30:00Z" }), html_url, app: { id: ACTIONS_APP_ID } });
      stub.reviews.set(42, () => [approval()]);
      const client = { github: githubClient({ token: "t0ken", apiUrl: stub.url, retries: 0 }), repository: { owner: "acme", repo: "repo" } };
      const evidence = await gatherEvidence(client, "abc", STACK, APP_ID);
      expect(evidence).toEqual({
        pullRequest,
        attestation: { stack: STACK, head: HEAD, digest: digestOf("replace.json"), completedAt: PLANNED_AT, url: html_url },
        approvers: ["alice"],
      });
      expect(stub.calls).toEqual(["GET /commits/abc/pulls", `GET /commits/${HEAD}/check-runs`, "GET /pulls/42/reviews"]);
      await expect(mergedPullRequest(client, "fff")).resolves.toBeUndefined();
      await expect(mergedPullRequest(client, "abd")).resolves.toBeUndefined();
    } finally {
      await stub.close();
    }
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
