/**
 * Drift detection (scripts/pull-requests/drift.ts) on real plans: a state changed in the console is drift; the value
 * and tags the tracker writes on its parameter never are; one issue per stack, opened, updated, closed.
 */
import { pointerParameterName, WRITER_TAG_KEYS } from "../../../ami-pointers/channels";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../../config";
import {
  classifyDrift,
  driftFailureBody,
  driftIssueBody,
  driftMarker,
  resolveArguments,
  reconcileDriftIssue,
  trackerParameterPatterns,
  type DriftIssues,
  type DriftReport,
  type Issue,
} from "../../../scripts/pull-requests/drift";
import { parsePlan, type PlanDocument } from "../../../scripts/pull-requests/plan-summary";

const plan = (name: string): PlanDocument => parsePlan(readFileSync(join(__dirname, "../../fixtures/plans", name), "utf8"), name);
const patterns = trackerParameterPatterns(loadConfig("default"));
/** The plan-review App's bot login: the only author whose drift issues count. */
const BOT = "plan-review[bot]";
const report: DriftReport = {
  stack: "state-bootstrap",
  environment: "default",
  checkedAt: "2026-11-30T05:23:00.000Z",
  runUrl: "https://github.com/acme/repo/actions/runs/5",
};

/** An in-memory issue tracker with GitHub's behaviour for what the drift check calls. */
function fakeIssues(initial: Issue[] = []): DriftIssues & { issues: Issue[]; comments: string[] } {
  const issues = [...initial];
  const comments: string[] = [];
  return {
    issues,
    comments,
    listOpen: async () => issues.filter((issue) => issue.state === "open"),
    async create(_title, body) {
      issues.push({ number: 100 + issues.length, body, state: "open", user: { login: BOT } });
    },
    async update(number, body) {
      const index = issues.findIndex((issue) => issue.number === number);
      issues[index] = { ...issues[index], number, body, state: "open" };
    },
    async close(number, comment) {
      comments.push(comment);
      const index = issues.findIndex((issue) => issue.number === number);
      issues[index] = { ...issues[index], number, state: "closed" };
    },
  };
}

describe("drift detection", () => {
  test("the parameters the tracker writes: amiTracker.parameterName and each pipeline's, placeholders as wildcards", () => {
    expect(patterns.some((pattern) => pattern.test("/ec2-imagebuilder/latest"))).toBe(true);
    const multi = trackerParameterPatterns(loadConfig("multi-pipeline"));
    const names = loadConfig("multi-pipeline").imageBuilder.pipelines.map((pipeline) => pipeline.parameterName);
    for (const name of names) expect(multi.some((pattern) => pattern.test(name))).toBe(true);
    expect(patterns.some((pattern) => pattern.test("/other/parameter"))).toBe(false);
  });

  test("a console change (versioning suspended, a public-access setting reopened) is drift", () => {
    const result = classifyDrift(plan("drift.json"), patterns);
    expect(result.drifted).toEqual(["aws_s3_bucket_public_access_block.public-access", "aws_s3_bucket_versioning.versioning"]);
    expect(result.ignored).toEqual([]);
  });

  test("the value, version and tags the tracker wrote are never drift, with or without ignore_changes", () => {
    const document = plan("tracker-owned.json");
    // Terraform itself would revert the unguarded parameter: the plan really holds that update.
    expect((document.resource_changes ?? []).map((change) => [change.address, change.change.actions.join()])).toEqual([
      ["aws_ssm_parameter.latest", "no-op"],
      ["aws_ssm_parameter.web", "update"],
    ]);
    // The tracker writes one parameter per pipeline: "{pipeline}" matches "web".
    const config = loadConfig("default");
    const result = classifyDrift(
      document,
      trackerParameterPatterns({ ...config, amiTracker: { ...config.amiTracker, parameterName: "/ec2-imagebuilder/{pipeline}/latest" } }),
    );
    expect(result.drifted).toEqual([]);
    expect(result.ignored).toEqual(["aws_ssm_parameter.web"]);
  });

  test("a change to anything else on a tracker parameter is drift (its tier, or a tag someone else set)", () => {
    const document = plan("tracker-owned.json");
    const edited: PlanDocument = {
      ...document,
      resource_changes: (document.resource_changes ?? []).map((change) =>
        change.address !== "aws_ssm_parameter.web"
          ? change
          : { ...change, change: { ...change.change, before: { ...(change.change.before as object), tier: "Advanced", tags: { Owner: "someone" } } } },
      ),
    };
    expect(classifyDrift(edited, [/^\/ec2-imagebuilder\/web\/latest$/]).drifted).toEqual(["aws_ssm_parameter.web"]);
  });

  test("the issue body: marker first, the summary of what would change back, the ignored tracker values, what to do", () => {
    const body = driftIssueBody(report, classifyDrift(plan("drift.json"), patterns));
    expect(body.startsWith(`${driftMarker("state-bootstrap")}\n**2 resource(s) of \`state-bootstrap\` (default) differ`)).toBe(true);
    expect(body).toContain("**0 to create, 2 to update, 0 to replace, 0 to delete**");
    expect(body).toContain("<code>aws_s3_bucket_versioning.versioning</code>");
    expect(body).toContain("([the run](https://github.com/acme/repo/actions/runs/5))");
    expect(body).toContain("closed by the first clean one");
    const tracker = driftIssueBody({ ...report, stack: "ami-tracker" }, { ...classifyDrift(plan("drift.json"), patterns), ignored: ["aws_ssm_parameter.web"] });
    expect(tracker).toContain("Not drift, left out above: the value and tags the tracker writes on `aws_ssm_parameter.web`.");
  });

  test("ci-access's issue says an administrator applies it, never the apply workflow", () => {
    const body = driftIssueBody({ ...report, stack: "ci-access" }, classifyDrift(plan("drift.json"), patterns));
    expect(body).toContain("reverted when an administrator applies `ci-access`");
    expect(body).not.toContain("run the apply workflow");
    expect(driftIssueBody(report, classifyDrift(plan("drift.json"), patterns))).toContain("run the apply workflow");
  });

  test("a failed check says so in the issue, with the error redacted", () => {
    const body = driftFailureBody(report, readFileSync(join(__dirname, "../../fixtures/plans/plan-failure.log"), "utf8"), []);
    expect(body).toContain("drift is unknown until it plans again");
    expect(body).toContain("Error: Invalid function argument");
    expect(body).not.toContain("ghp_");
  });

  test("one issue per stack: opened when drifted, updated while it drifts, closed with a comment when clean", async () => {
    const api = fakeIssues([{ number: 1, body: `${driftMarker("ami-tracker")}\nother stack`, state: "open", user: { login: BOT } }]);
    await expect(reconcileDriftIssue(api, report, "no marker", BOT)).rejects.toThrow(/must start with <!-- drift:state-bootstrap -->/);
    await expect(reconcileDriftIssue(api, report, `${driftMarker("state-bootstrap")}\nfirst`, BOT)).resolves.toBe("opened");
    const opened = api.issues.find((issue) => issue.number !== 1);
    await expect(reconcileDriftIssue(api, report, `${driftMarker("state-bootstrap")}\nsecond`, BOT)).resolves.toBe("updated");
    expect(api.issues).toHaveLength(2);
    expect(opened).toBeDefined();
    await expect(reconcileDriftIssue(api, report, undefined, BOT)).resolves.toBe("closed");
    expect(api.comments[0]).toContain("Clean at 2026-11-30T05:23:00.000Z");
    await expect(reconcileDriftIssue(api, report, undefined, BOT)).resolves.toBe("clean");
    // The other stack's issue is untouched.
    expect(api.issues.find((issue) => issue.number === 1)?.state).toBe("open");
  });

  test.each([
    ["a person", { login: "mallory" }],
    ["GitHub Actions' bot (any workflow's GITHUB_TOKEN, a pull request's too)", { login: "github-actions[bot]" }],
    ["nobody known", null],
  ])("attack: a decoy issue with the marker by %s is never updated or closed; the real drift gets its own issue", async (_who, user) => {
    const decoy = { number: 7, body: `${driftMarker("state-bootstrap")}\nall clean here`, state: "open", user };
    const api = fakeIssues([decoy]);
    await expect(reconcileDriftIssue(api, report, `${driftMarker("state-bootstrap")}\nreal drift`, BOT)).resolves.toBe("opened");
    expect(api.issues.find((issue) => issue.number === 7)).toEqual(decoy);
    await expect(reconcileDriftIssue(api, report, undefined, BOT)).resolves.toBe("closed");
    expect(api.issues.find((issue) => issue.number === 7)?.state).toBe("open");
    await expect(reconcileDriftIssue(api, report, undefined, "")).rejects.toThrow(/set DRIFT_ISSUE_AUTHOR/);
  });

  test("attack: a failing check's log holding ``` and ~~~ fences stays inside its code block", () => {
    const body = driftFailureBody(report, "Error: x\n```\n~~~\n# Drift: none\n```", []);
    expect(body).toContain("````text\nError: x\n```\n~~~\n# Drift: none\n```\n````");
  });
});

test("a pipeline's channels are writer-owned too, with the operator's tags", () => {
  // Prepare: the ami-loop environment declares channels, which Terraform seeds and the CLI writes.
  const loop = loadConfig("ami-loop");
  const channels = loop.imageBuilder.pipelines.flatMap((pipeline) => pipeline.channels.map((channel) => pointerParameterName(pipeline.parameterName, channel)));
  // Act
  const owned = trackerParameterPatterns(loop);
  // Assess
  expect(channels.length).toBeGreaterThan(0);
  for (const name of channels) expect(owned.some((pattern) => pattern.test(name))).toBe(true);
});

test("every tag a pointer writer owns (WRITER_TAG_KEYS) is left out of drift; a tag beside them is not", () => {
  // Prepare: the tracker-owned plan, with every writer tag on the parameter before the update.
  const document = plan("tracker-owned.json");
  const writerTags = Object.fromEntries(WRITER_TAG_KEYS.map((key) => [key, "set-by-a-writer"]));
  const withBefore = (extra: Record<string, string>): PlanDocument => ({
    ...document,
    resource_changes: (document.resource_changes ?? []).map((change) => {
      if (change.address !== "aws_ssm_parameter.web") return change;
      const before = change.change.before as Record<string, Record<string, string>>;
      return {
        ...change,
        change: { ...change.change, before: { ...before, tags: { ...before["tags"], ...extra }, tags_all: { ...before["tags_all"], ...extra } } },
      };
    }),
  });
  const web = [/^\/ec2-imagebuilder\/web\/latest$/];
  // Act
  const writersOnly = classifyDrift(withBefore(writerTags), web);
  const withOwner = classifyDrift(withBefore({ ...writerTags, Owner: "someone" }), web);
  // Assess
  expect(WRITER_TAG_KEYS.length).toBeGreaterThan(0);
  expect(writersOnly.drifted).toEqual([]);
  expect(withOwner.drifted).toEqual(["aws_ssm_parameter.web"]);
});

describe("drift.yml's report job reads what the plan job left (--from DIR)", () => {
  const folder = (files: Record<string, string>) => ({
    read: (file: string) => files[file] ?? "",
    exists: (file: string) => file in files,
  });
  test.each([
    [
      "changes, S3 backend: the JSON plan",
      { "d/exit-code": "2\n", "d/plan.json": "{}", "d/plan.log": "" },
      {},
      { exitCode: 2, plan: "d/plan.json", log: "d/plan.log" },
    ],
    ["clean, S3 backend", { "d/exit-code": "0", "d/plan.json": "{}" }, {}, { exitCode: 0, plan: "d/plan.json", log: "d/plan.log" }],
    [
      "changes, HCP Terraform: the log's text",
      { "d/exit-code": "2", "d/plan.log": "" },
      { BACKEND: "cloud" },
      { exitCode: 2, text: "d/plan.log", log: "d/plan.log" },
    ],
    ["an error: the log only", { "d/exit-code": "1", "d/plan.log": "Error: x" }, {}, { exitCode: 1, log: "d/plan.log" }],
    ["no exit code at all (the plan job died): an error", {}, {}, { exitCode: 1, log: "d/plan.log" }],
  ])("%s", (_case, files, env, expected) => {
    const { read, exists } = folder(files);
    expect(resolveArguments({ stack: "ami-tracker", from: "d" }, [], env, read, exists)).toEqual({ stack: "ami-tracker", ...expected });
  });
});
