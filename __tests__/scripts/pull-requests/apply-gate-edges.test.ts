// Edges of the apply gate's decision (scripts/pull-requests/apply-gate.ts: decide, attestationOf and its
// external_id reader, approversOf): each message word for word, the digest's exact form, the order of
// check runs and reviews, ties in time, names in other cases. The attacks are in apply-gate.test.ts;
// docs/mutation.md has the scores.
import fc from "fast-check";
import { approversOf, attestationId, attestationOf, checkRunName, decide, type GateInput, type Review } from "../../../scripts/pull-requests/apply-gate";

const STACK = "ami-tracker";
const HEAD = "abcdef0123456789".repeat(2) + "01234567";
const APP_ID = 4242;
const DIGEST = "0123456789abcdef".repeat(4);
const FRESH = "fedcba9876543210".repeat(4);
const PLANNED_AT = "2026-12-01T10:00:00Z";
const pullRequest = { number: 7, head: HEAD, author: "mallory" };

const checkRun = (overrides: Record<string, unknown> = {}) => ({
  name: checkRunName(STACK),
  head_sha: HEAD,
  status: "completed",
  conclusion: "success",
  completed_at: PLANNED_AT,
  external_id: attestationId(STACK, HEAD, DIGEST),
  html_url: "https://github.com/o/r/runs/1",
  app: { id: APP_ID },
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

const input = (overrides: Partial<GateInput> = {}): GateInput => ({
  stack: STACK,
  current: { digest: DIGEST, changes: { "aws_sqs_queue.q": "create" } },
  pullRequest,
  attestation: { stack: STACK, head: HEAD, digest: DIGEST, completedAt: PLANNED_AT },
  approvers: ["alice"],
  ...overrides,
});

describe("checkRunName", () => {
  test("is plan-review/<stack>", () => {
    expect(checkRunName("storage-first-api")).toBe("plan-review/storage-first-api");
  });
});

describe("decide: each outcome's reason, word for word", () => {
  test("no changes: skip, whatever else is missing", () => {
    expect(decide({ stack: STACK, current: { digest: DIGEST, changes: {} } })).toEqual({
      outcome: "skip",
      reason: "the plan has no changes: nothing to apply",
    });
  });

  test("no pull request", () => {
    expect(decide(input({ pullRequest: undefined }))).toEqual({
      outcome: "hold",
      reason: "the commit reached the main branch without a pull request: no plan was reviewed",
    });
  });

  test("no attestation: the check run's name and the head's first 12 characters", () => {
    expect(decide(input({ attestation: undefined }))).toEqual({
      outcome: "hold",
      reason: `pull request #7 has no successful plan-review/ami-tracker check run by the plan-review App on its last commit abcdef012345: no plan was reviewed`,
    });
  });

  test.each([
    ["no approvers given", undefined],
    ["an empty list", []],
  ])("nobody approved (%s)", (_case, approvers) => {
    expect(decide(input({ approvers }))).toEqual({
      outcome: "hold",
      reason: `nobody but the author (mallory) approved commit abcdef012345 of pull request #7 after its plan was posted (${PLANNED_AT})`,
    });
  });

  test("apply: every approver, the digest's first 16 characters, no tree named when the trees are unknown", () => {
    expect(decide(input({ approvers: ["alice", "bob"] }))).toEqual({
      outcome: "apply",
      reason: "the plan is the one alice, bob approved on pull request #7 (digest 0123456789abcdef)",
    });
  });

  test.each([
    ["the merge's tree is the reviewed head's", { merge: "t1", reviewedHead: "t1" }, ", same tree"],
    ["the trees differ", { merge: "t2", reviewedHead: "t1" }, ""],
    ["only the merge's tree is known", { merge: "t1" }, ""],
    ["only the reviewed head's tree is known", { reviewedHead: "t1" }, ""],
    ["no tree is known", {}, ""],
  ])("apply, %s", (_case, trees, same) => {
    expect(decide(input({ trees })).reason).toBe(`the plan is the one alice approved on pull request #7 (digest 0123456789abcdef${same})`);
  });

  test.each([
    ["no trees", undefined, "the plan differs from the reviewed one"],
    ["only the merge's tree", { merge: "t1" }, "the plan differs from the reviewed one"],
    ["only the reviewed head's tree", { reviewedHead: "t1" }, "the plan differs from the reviewed one"],
    ["the same tree", { merge: "t1", reviewedHead: "t1" }, "the code is the reviewed code, but the state changed since the review (drift, or another apply)"],
    [
      "another tree",
      { merge: "t2", reviewedHead: "t1" },
      "the main branch moved since the review (the merge commit holds changes the pull request's plan did not see)",
    ],
  ])("a different digest holds, saying why (%s)", (_case, trees, why) => {
    const decision = decide(input({ current: { digest: FRESH, changes: { "aws_sqs_queue.q": "delete" } }, trees }));

    expect(decision).toEqual({ outcome: "hold", reason: `${why}: reviewed 0123456789abcdef, now fedcba9876543210` });
  });

  test("property: apply exactly when there are changes, a pull request, an attestation, an approver and the same digest", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), (changes, pull, attested, approved, same) => {
        const decision = decide(
          input({
            current: { digest: same ? DIGEST : FRESH, changes: changes ? { "aws_sqs_queue.q": "create" } : {} },
            ...(pull ? {} : { pullRequest: undefined }),
            ...(attested ? {} : { attestation: undefined }),
            approvers: approved ? ["alice"] : [],
          }),
        );

        expect(decision.outcome).toBe(!changes ? "skip" : pull && attested && approved && same ? "apply" : "hold");
      }),
    );
  });
});

describe("attestationOf: which check run counts", () => {
  test("the App's completed, successful run: its digest, completion time and URL", () => {
    expect(attestationOf([checkRun()], STACK, HEAD, APP_ID)).toEqual({
      stack: STACK,
      head: HEAD,
      digest: DIGEST,
      completedAt: PLANNED_AT,
      url: "https://github.com/o/r/runs/1",
    });
  });

  test("a run without a URL gives an attestation without one", () => {
    const attestation = attestationOf([checkRun({ html_url: undefined })], STACK, HEAD, APP_ID);

    expect(attestation).toEqual({ stack: STACK, head: HEAD, digest: DIGEST, completedAt: PLANNED_AT });
    expect(attestation).not.toHaveProperty("url");
    expect(attestationOf([checkRun({ html_url: null })], STACK, HEAD, APP_ID)).toEqual({ stack: STACK, head: HEAD, digest: DIGEST, completedAt: PLANNED_AT });
  });

  test("the newest run decides, in whatever order the runs are listed", () => {
    const older = checkRun({ completed_at: "2026-12-01T09:00:00Z", conclusion: "failure" });
    const newer = checkRun();
    const newest = checkRun({ completed_at: "2026-12-01T10:30:00Z", external_id: attestationId(STACK, HEAD, FRESH) });

    expect(attestationOf([older, newer], STACK, HEAD, APP_ID)?.digest).toBe(DIGEST);
    expect(attestationOf([newer, older], STACK, HEAD, APP_ID)?.digest).toBe(DIGEST);
    expect(attestationOf([newer, newest, older], STACK, HEAD, APP_ID)?.digest).toBe(FRESH);
    expect(attestationOf([newest, newer], STACK, HEAD, APP_ID)?.completedAt).toBe("2026-12-01T10:30:00Z");
  });

  test("a run of another app, or still queued, is not the newest run: an older success stands", () => {
    const later = "2026-12-01T10:30:00Z";
    const failedElsewhere = checkRun({ app: { id: APP_ID + 1 }, conclusion: "failure", completed_at: later });
    const notCompleted = checkRun({ status: "queued", conclusion: "failure", completed_at: later });
    const noTime = checkRun({ conclusion: "failure", completed_at: null });

    expect(attestationOf([failedElsewhere, checkRun()], STACK, HEAD, APP_ID)?.digest).toBe(DIGEST);
    expect(attestationOf([notCompleted, checkRun()], STACK, HEAD, APP_ID)?.digest).toBe(DIGEST);
    expect(attestationOf([noTime, checkRun()], STACK, HEAD, APP_ID)?.digest).toBe(DIGEST);
  });

  test("no runs, or a run of another app id, gives none", () => {
    expect(attestationOf([], STACK, HEAD, APP_ID)).toBeUndefined();
    expect(attestationOf([checkRun()], STACK, HEAD, APP_ID + 1)).toBeUndefined();
  });

  test.each([
    ["null", null],
    ["missing", undefined],
    ["not JSON", "{digest"],
    ["JSON but not an object", "1"],
    ["version 2", JSON.stringify({ v: 2, stack: STACK, head: HEAD, digest: DIGEST })],
    ["the version as a string", JSON.stringify({ v: "1", stack: STACK, head: HEAD, digest: DIGEST })],
    ["a key missing", JSON.stringify({ v: 1, stack: STACK, head: HEAD })],
    ["a stack that is not a string", JSON.stringify({ v: 1, stack: 1, head: HEAD, digest: DIGEST })],
    ["a head that is not a string", JSON.stringify({ v: 1, stack: STACK, head: null, digest: DIGEST })],
    ["a digest that is not a string", JSON.stringify({ v: 1, stack: STACK, head: HEAD, digest: 1 })],
    ["a digest in upper case", attestationId(STACK, HEAD, DIGEST.toUpperCase())],
    ["a digest one character short", attestationId(STACK, HEAD, DIGEST.slice(1))],
    ["a digest one character long", attestationId(STACK, HEAD, `${DIGEST}0`)],
    ["a digest with text before it", attestationId(STACK, HEAD, `x${DIGEST}`)],
    ["a digest with text after it", attestationId(STACK, HEAD, `${DIGEST}x`)],
    ["a digest with a non-hex letter", attestationId(STACK, HEAD, `g${DIGEST.slice(1)}`)],
    // An array of one string reads as that string to RegExp.prototype.test: only the type check refuses it.
    ["a digest in an array", JSON.stringify({ v: 1, stack: STACK, head: HEAD, digest: [DIGEST] })],
  ])("an external_id that is %s is not an attestation", (_case, externalId) => {
    expect(attestationOf([checkRun({ external_id: externalId })], STACK, HEAD, APP_ID)).toBeUndefined();
  });

  test("the external_id's keys may come in any order", () => {
    const reordered = JSON.stringify({ digest: DIGEST, head: HEAD, stack: STACK, v: 1 });

    expect(attestationOf([checkRun({ external_id: reordered })], STACK, HEAD, APP_ID)?.digest).toBe(DIGEST);
  });
});

describe("approversOf: who counts", () => {
  const approvers = (reviews: Review[]) => approversOf(reviews, pullRequest, PLANNED_AT);

  test("each approver once, sorted by login", () => {
    expect(
      approvers([approval({ user: { login: "carol", type: "User" } }), approval(), approval({ user: { login: "bob", type: "User" } }), approval()]),
    ).toEqual(["alice", "bob", "carol"]);
  });

  test.each(["OWNER", "MEMBER", "COLLABORATOR"])("write access: %s counts", (association) => {
    expect(approvers([approval({ author_association: association })])).toEqual(["alice"]);
  });

  test.each(["CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "NONE", "member", ""])("%p does not count", (association) => {
    expect(approvers([approval({ author_association: association })])).toEqual([]);
  });

  test("a review with no association, no user, no login or no time does not count", () => {
    const { author_association: _, ...noAssociation } = approval();

    expect(approvers([noAssociation])).toEqual([]);
    expect(approvers([approval({ user: null })])).toEqual([]);
    expect(approvers([approval({ user: { type: "User" } })])).toEqual([]);
    expect(approvers([approval({ submitted_at: null })])).toEqual([]);
  });

  test("a submission time that is not text does not count, even one Date.parse would read as a later year", () => {
    expect(approvers([approval({ submitted_at: 2027 as unknown as string })])).toEqual([]);
  });

  test("an approval at the very second the plan completed is not after it", () => {
    expect(approvers([approval({ submitted_at: PLANNED_AT })])).toEqual([]);
    expect(approvers([approval({ submitted_at: "2026-12-01T10:00:01Z" })])).toEqual(["alice"]);
  });

  test("the author in another case is still the author", () => {
    expect(approvers([approval({ user: { login: "MALLORY", type: "User" } })])).toEqual([]);
    expect(approversOf([approval()], { ...pullRequest, author: "ALICE" }, PLANNED_AT)).toEqual([]);
  });

  test("the latest review decides, in whatever order they are listed; pending and comments are not reviews", () => {
    const withdrawn = approval({ state: "CHANGES_REQUESTED", submitted_at: "2026-12-01T12:00:00Z" });
    const again = approval({ submitted_at: "2026-12-01T13:00:00Z" });

    expect(approvers([withdrawn, approval()])).toEqual([]);
    expect(approvers([again, withdrawn, approval()])).toEqual(["alice"]);
    expect(approvers([approval(), approval({ state: "PENDING", submitted_at: "2026-12-01T12:00:00Z" })])).toEqual(["alice"]);
    expect(approvers([approval(), approval({ state: "COMMENTED", submitted_at: "2026-12-01T12:00:00Z" })])).toEqual(["alice"]);
  });

  test("one reviewer's later review does not withdraw another's approval", () => {
    const bobWithdraws = approval({ user: { login: "bob", type: "User" }, state: "CHANGES_REQUESTED", submitted_at: "2026-12-01T12:00:00Z" });

    expect(approvers([approval(), bobWithdraws])).toEqual(["alice"]);
  });
});
