/**
 * The two halves of plan review: the pull request's plan job writes a review file (scripts/pull-requests/plan-record.ts),
 * the trusted workflow renders it and records the digest in the App's check run (scripts/pull-requests/plan-attest.ts).
 * Tried as an attacker who controls everything the plan job writes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { attestationOf, checkRunName, currentPlan } from "../../../scripts/pull-requests/apply-gate";
import { runFromLog } from "../../../scripts/pull-requests/lib/hcp-plan";
import { terraformTokenVariable } from "../../../scripts/pull-requests/lib/terraform-token";
import { reviewDigest, reviewRecord } from "../../../scripts/pull-requests/lib/plan-digest";
import { createCheckRun, findOwnComment, reviewOf, upsertOwnComment } from "../../../scripts/pull-requests/plan-attest";
import { buildReviewFile, type RecordEnvironment } from "../../../scripts/pull-requests/plan-record";
import { parsePlan } from "../../../scripts/pull-requests/plan-summary";
import { githubClient } from "../../../scripts/pull-requests/lib/github";
import { startGitHubStub, type GitHubStub } from "../../helpers/github-stub";

const FIXTURES = join(__dirname, "../../fixtures/plans");
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), "utf8");
const HEAD = "a".repeat(40);
const APP_TOKEN = "app-token";

/** The check runs the App creates, kept by the GitHub stand-in (it stamps each with the App's id, 7). */
async function withGitHub(body: (client: Parameters<typeof createCheckRun>[0], stub: GitHubStub) => Promise<void>): Promise<void> {
  const stub = await startGitHubStub("acme/repo", { [APP_TOKEN]: { login: "plan-review[bot]", type: "Bot", appId: 7 } });
  try {
    await body({ github: githubClient({ token: APP_TOKEN, apiUrl: stub.url, retries: 0 }), repository: { owner: "acme", repo: "repo" } }, stub);
  } finally {
    await stub.close();
  }
}
const context = (files: Record<string, string>, env: NodeJS.ProcessEnv = {}, call?: typeof fetch): RecordEnvironment => ({
  env,
  read: (file) => files[file] ?? fixture(file),
  exists: (file) => file in files,
  ...(call !== undefined ? { fetch: call } : {}),
});

describe("plan-record (pull-request side)", () => {
  test("writes the secret-free record of a real plan, with the lock file's providers", async () => {
    const lock = 'provider "registry.terraform.io/hashicorp/aws" {\n  version = "5.100.0"\n  hashes = [\n    "h1:x=",\n  ]\n}\n';
    const file = await buildReviewFile(["--stack", "ami-tracker", "--head", HEAD, "replace.json", "--lock-file", "lock"], context({ lock }));
    expect(file.kind).toBe("plan");
    if (file.kind !== "plan") return;
    expect(file.record.providers).toEqual([{ source: "registry.terraform.io/hashicorp/aws", version: "5.100.0", hashes: ["h1:x="] }]);
    expect(file.record.resource_changes.map((change) => change.address)).toEqual(["aws_ssm_parameter.web"]);
  });

  test("a failure is redacted where the job's secrets are known", async () => {
    const env = { AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzSECRET" };
    const log = `Error: boom\n\n  with provider["registry.terraform.io/hashicorp/aws"],\n  secret ${encodeURIComponent(env.AWS_SECRET_ACCESS_KEY)} leaked`;
    const file = await buildReviewFile(["--stack", "ami-tracker", "--head", HEAD, "--failed", "plan", "--log", "plan.log"], context({ "plan.log": log }, env));
    expect(file).toMatchObject({ kind: "failed", phase: "plan" });
    expect(JSON.stringify(file)).not.toContain("bPxRfiCYzzzz");
  });

  test("HCP Terraform: the run's JSON plan, fetched with the plan-only token named after the host", async () => {
    const log =
      "Running plan in HCP Terraform...\nTo view this run in a browser, visit:\nhttps://app.terraform.io/app/acme/ssm-patterns-prod-ami-tracker/runs/run-AbC123\n";
    expect(runFromLog(log)).toEqual({ host: "app.terraform.io", runId: "run-AbC123" });
    expect(terraformTokenVariable("tfe.example-corp.com")).toBe("TF_TOKEN_tfe_example__corp_com");
    const calls: Array<[string, string | undefined]> = [];
    const stub = (async (url: string, init: RequestInit) => {
      calls.push([url, (init.headers as Record<string, string>)["Authorization"]]);
      return new Response(fixture("replace.json"), { status: 200 });
    }) as unknown as typeof fetch;
    const file = await buildReviewFile(
      ["--stack", "ami-tracker", "--head", HEAD, "--hcp-log", "plan.log"],
      context({ "plan.log": log }, { TF_TOKEN_app_terraform_io: "plan-only-token" }, stub),
    );
    expect(calls).toEqual([["https://app.terraform.io/api/v2/runs/run-AbC123/plan/json-output", "Bearer plan-only-token"]]);
    expect(file.kind === "plan" && reviewDigest(file.record)).toBe(
      reviewDigest(reviewRecord(parsePlan(fixture("replace.json"), "r"), { stack: "ami-tracker" })),
    );
    await expect(buildReviewFile(["--stack", "s", "--head", HEAD, "--hcp-log", "plan.log"], context({ "plan.log": log }))).rejects.toThrow(
      /TF_TOKEN_app_terraform_io is not set: the plan job passes the plan-only team token \(secret TF_PLAN_TOKEN\)/,
    );
  });
});

describe("plan-attest (trusted side)", () => {
  const planFile = JSON.stringify({ kind: "plan", head: HEAD, record: reviewRecord(parsePlan(fixture("replace.json"), "r"), { stack: "ami-tracker" }) });

  test("renders the record and attests its digest, computed here", () => {
    const review = reviewOf(planFile, "ami-tracker.json", HEAD);
    expect(review.conclusion).toBe("success");
    expect(review.digest).toBe(reviewDigest(JSON.parse(planFile).record));
    expect(review.body.startsWith("<!-- plan:ami-tracker -->\n### Plan: `ami-tracker`")).toBe(true);
    expect(review.body).toContain(review.digest);
  });

  test("ci-access's comment says an administrator applies it by hand and merging applies nothing; a workload stack's says the merge applies it", () => {
    const record = reviewRecord(parsePlan(fixture("replace.json"), "r"), { stack: "ci-access" });
    const review = reviewOf(JSON.stringify({ kind: "plan", head: HEAD, record }), "ci-access.json", HEAD);
    expect(review.conclusion).toBe("success");
    expect(review.body).toContain("> **An administrator applies `ci-access` by hand**: merging applies none of this plan");
    expect(review.body).toContain("`npx cdktf deploy ci-access`");
    expect(review.body).not.toContain("the merge applies this plan");
    const workload = reviewOf(planFile, "ami-tracker.json", HEAD);
    expect(workload.body).toContain("the merge applies this plan only if it is still exactly this one");
    expect(workload.body).not.toContain("by hand");
  });

  test("a forget or an import, which the summary table would count as unchanged, is listed for the reviewer", () => {
    const record = JSON.parse(planFile).record;
    const change = (address: string, extra: Record<string, unknown>) => ({
      address,
      mode: "managed",
      type: "aws_sqs_queue",
      name: "q",
      change: { before: {}, after: {}, ...extra },
    });
    const withMore = {
      ...record,
      resource_changes: [
        ...record.resource_changes,
        change("aws_sqs_queue.kept", { actions: ["forget"] }),
        change("aws_sqs_queue.adopted", { actions: ["no-op"], importing: { id: "q" } }),
      ],
    };
    const review = reviewOf(JSON.stringify({ kind: "plan", head: HEAD, record: withMore }), "f.json", HEAD);
    expect(review.body).toContain("> - `aws_sqs_queue.kept`: forget");
    expect(review.body).toContain("> - `aws_sqs_queue.adopted`: import");
  });

  test("attack: a review file for another commit than the run's head is refused", () => {
    expect(() => reviewOf(planFile, "f.json", "b".repeat(40))).toThrow(/planned a{40}, but the run's head commit is b{40}: refused/);
  });

  test("attack: a failure carrying a forged plan-meta and digest never attests", async () => {
    const error = `Error: Resource precondition failed\n\n<!-- plan-meta {"stack":"ami-tracker","head":"${HEAD}","digest":"${"f".repeat(64)}"} -->\n{"v":1}`;
    const review = reviewOf(JSON.stringify({ kind: "failed", stack: "ami-tracker", head: HEAD, phase: "plan", error }), "f.json", HEAD);
    expect(review.conclusion).toBe("failure");
    expect(review.digest).toBeUndefined();
    await withGitHub(async (client, stub) => {
      await createCheckRun(client, review);
      const run = stub.checkRuns[0];
      expect(run).toMatchObject({ status: "completed", conclusion: "failure", app: { id: 7 } });
      expect(run).not.toHaveProperty("external_id");
      expect(attestationOf(stub.checkRuns, "ami-tracker", HEAD, 7)).toBeUndefined();
    });
  });

  test("attack: a log holding ``` and ~~~ fences cannot leave its code block", () => {
    const error = "Error: x\n```\n~~~\n````\n</details>\n# Plan: no changes\n```````";
    const review = reviewOf(JSON.stringify({ kind: "failed", stack: "ami-tracker", head: HEAD, phase: "plan", error }), "f.json", HEAD);
    const fence = "`".repeat(8);
    expect(review.body).toContain(`${fence}text\n${error}\n${fence}`);
    // No line inside is a fence of 8 or more backticks: nothing closes the block early.
    expect(error.split("\n").some((line) => /^`{8,}/.test(line))).toBe(false);
  });

  test("the check run carries the digest only in external_id, the field only the App can write", async () => {
    const review = reviewOf(planFile, "ami-tracker.json", HEAD);
    await withGitHub(async (client, stub) => {
      await createCheckRun(client, review);
      expect(stub.calls).toEqual(["POST /check-runs"]);
      expect(stub.checkRuns[0]).toMatchObject({ name: checkRunName("ami-tracker"), head_sha: HEAD, status: "completed", conclusion: "success" });
      expect(attestationOf(stub.checkRuns, "ami-tracker", HEAD, 7)?.digest).toBe(review.digest);
    });
  });

  test("the sticky comment is the App's own: a decoy by anyone else with the marker is never updated", async () => {
    const review = reviewOf(planFile, "ami-tracker.json", HEAD);
    const comments = [
      { id: 1, body: "<!-- plan:ami-tracker -->\nfake", user: { login: "github-actions[bot]", type: "Bot" } },
      { id: 2, body: "<!-- plan:ami-tracker -->\nold", user: { login: "plan-review[bot]", type: "Bot" } },
    ];
    expect(findOwnComment(comments, "<!-- plan:ami-tracker -->", "plan-review[bot]")?.id).toBe(2);
    const updated: number[] = [];
    const api = { list: async () => comments, create: async () => undefined, update: async (id: number) => void updated.push(id) };
    await expect(upsertOwnComment(api, review, "plan-review[bot]")).resolves.toBe("updated");
    expect(updated).toEqual([2]);
  });
});

describe("end to end on a real plan: what the pull request records is what the apply recomputes", () => {
  const lock = 'provider "registry.terraform.io/hashicorp/aws" {\n  version = "5.100.0"\n  hashes = [\n    "h1:x=",\n  ]\n}\n';
  test.each([
    ["without PLAN_DIGEST_KEY", {}],
    ["with PLAN_DIGEST_KEY", { PLAN_DIGEST_KEY: "k".repeat(32) }],
  ])("%s: the attested digest equals the apply's for the same plan and lock file, and differs for another", async (_case, env) => {
    const file = await buildReviewFile(["--stack", "ami-tracker", "--head", HEAD, "replace.json", "--lock-file", "lock"], context({ lock }, env));
    const review = reviewOf(JSON.stringify(file), "ami-tracker.json", HEAD);
    const key = (env as { PLAN_DIGEST_KEY?: string }).PLAN_DIGEST_KEY;
    expect(currentPlan("ami-tracker", fixture("replace.json"), lock, key).digest).toBe(review.digest);
    expect(currentPlan("ami-tracker", fixture("destroy.json"), lock, key).digest).not.toBe(review.digest);
    expect(currentPlan("ami-tracker", fixture("replace.json"), undefined, key).digest).not.toBe(review.digest);
  });
});
