/**
 * The apply gate: on a push to the main branch, may this stack's fresh plan be applied?
 *
 * The rule (docs/plan-review.md#what-is-applied): apply only a plan that a person reviewed.
 * - an empty plan: skip;
 * - the fresh plan's digest equals the digest recorded in the stack's sticky comment on the merged pull
 *   request, and that comment was written for the pull request's last head commit: apply;
 * - a digest typed into a manual run (`workflow_dispatch`, input `confirm_digest`) equals the fresh
 *   plan's digest: apply (a person reviewed the difference this gate posted);
 * - anything else: hold. Nothing is applied, the difference with the reviewed plan is posted on the
 *   pull request (or the job summary), and the job fails.
 *
 * The merge commit's tree is compared with the reviewed head's tree only to say WHY a plan differs:
 * same tree means the state changed since the review (drift, another apply); a different tree means
 * the main branch moved. The digest covers both, and also passes a pull request that was not rebased
 * when its plan is still exactly what was reviewed.
 *
 *   npm run --silent apply:gate -- --stack ami-tracker plan.json          # JSON plan (S3 backend)
 *   npm run --silent apply:gate -- --stack ami-tracker --text plan.txt    # HCP Terraform's plan output
 *   env: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_OUTPUT, CONFIRM_DIGEST (optional)
 * Writes `decision=apply|skip` to GITHUB_OUTPUT; exits 1 on hold.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { findStickyComment, githubComments, upsertStickyComment, type IssueComment } from "./plan-comment";
import { changeMap, parseMeta, parsePlan, planDigest, planFromText, type Action, type PlanMeta } from "./plan-summary";
import { githubRequest, listAll, requiredEnv, runUrlFromEnv, type GitHubRequest } from "./lib/github";

export interface CurrentPlan {
  readonly digest: string;
  readonly changes: Readonly<Record<string, Action>>;
}

export interface GateInput {
  readonly stack: string;
  readonly current: CurrentPlan;
  /** The merged pull request of the pushed commit. @default - none: a direct push */
  readonly pullRequest?: { readonly number: number; readonly head: string };
  /** What the stack's sticky comment on that pull request recorded. @default - no plan comment */
  readonly reviewed?: PlanMeta;
  /** Git trees of the merge commit and of the reviewed head, where known. */
  readonly trees?: { readonly merge?: string; readonly reviewedHead?: string };
  /** A digest a person typed into a manual run. */
  readonly confirmedDigest?: string;
}

export type Outcome = "apply" | "skip" | "hold";

export interface GateDecision {
  readonly outcome: Outcome;
  readonly reason: string;
}

export function decide(input: GateInput): GateDecision {
  const { current, reviewed, pullRequest } = input;
  if (Object.keys(current.changes).length === 0) return { outcome: "skip", reason: "the plan has no changes: nothing to apply" };
  if (input.confirmedDigest !== undefined && input.confirmedDigest !== "") {
    return input.confirmedDigest === current.digest
      ? { outcome: "apply", reason: `a person confirmed plan ${current.digest} in a manual run` }
      : {
          outcome: "hold",
          reason: `the confirmed digest ${input.confirmedDigest} is not this plan's (${current.digest}): the plan changed again since it was posted`,
        };
  }
  if (pullRequest === undefined) return { outcome: "hold", reason: "the commit reached the main branch without a pull request: no plan was reviewed" };
  if (reviewed === undefined)
    return { outcome: "hold", reason: `pull request #${pullRequest.number} has no plan comment for this stack: no plan was reviewed` };
  if (reviewed.head !== pullRequest.head) {
    return {
      outcome: "hold",
      reason: `the plan on pull request #${pullRequest.number} was made for ${reviewed.head.slice(0, 12)}, not for its last commit ${pullRequest.head.slice(0, 12)}: the final change was never reviewed`,
    };
  }
  if (reviewed.digest === current.digest) {
    const trees = input.trees;
    const sameTree = trees?.merge !== undefined && trees.merge === trees.reviewedHead;
    return {
      outcome: "apply",
      reason: `the plan is the one reviewed on pull request #${pullRequest.number} (digest ${current.digest}${sameTree ? ", same tree" : ""})`,
    };
  }
  const trees = input.trees;
  const why =
    trees?.merge === undefined || trees.reviewedHead === undefined
      ? "the plan differs from the reviewed one"
      : trees.merge === trees.reviewedHead
        ? "the code is the reviewed code, but the state changed since the review (drift, or another apply)"
        : "the main branch moved since the review (the merge commit holds changes the pull request's plan did not see)";
  return { outcome: "hold", reason: `${why}: reviewed ${reviewed.digest}, now ${current.digest}` };
}

/** A table of what differs between the reviewed changes and the fresh ones. */
export function planDifference(reviewed: Readonly<Record<string, Action>> | undefined, current: Readonly<Record<string, Action>>): string {
  if (reviewed === undefined) {
    const rows = Object.entries(current)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([address, action]) => `| \`${address}\` | | ${action} |`);
    return ["| resource | reviewed | now |", "| --- | --- | --- |", ...rows].join("\n");
  }
  const addresses = [...new Set([...Object.keys(reviewed), ...Object.keys(current)])].sort();
  const rows = addresses
    .filter((address) => reviewed[address] !== current[address])
    .map((address) => `| \`${address}\` | ${reviewed[address] ?? "no change"} | ${current[address] ?? "no change"} |`);
  if (rows.length === 0) return "The same resources change in the same way; their values differ (see the run's plan).";
  return ["| resource | reviewed | now |", "| --- | --- | --- |", ...rows].join("\n");
}

export function applyMarker(stack: string): string {
  return `<!-- apply:${stack} -->`;
}

/** What a held apply posts: why, the difference, and how to apply the new plan after reading it. */
export function holdComment(input: GateInput, decision: GateDecision, runUrl: string | undefined): string {
  return [
    applyMarker(input.stack),
    `### Apply held: \`${input.stack}\``,
    "",
    `> [!WARNING]\n> **Nothing was applied.** ${decision.reason}.`,
    "",
    planDifference(input.reviewed?.changes, input.current.changes),
    "",
    `Read the new plan in ${runUrl !== undefined ? `[the run](${runUrl})` : "the apply run"}; to apply it, run the **apply** workflow by hand ` +
      `(Actions -> apply -> Run workflow) with \`confirm_digest\` = \`${input.current.digest}\`. A plan that changed again is held again.`,
    "",
  ].join("\n");
}

/** The merged pull request of a commit on the main branch, from GitHub's commit -> pulls list. */
export async function mergedPullRequest(request: GitHubRequest, sha: string): Promise<{ number: number; head: string } | undefined> {
  const pulls = (await request("GET", `/commits/${sha}/pulls`)) as Array<{
    number: number;
    merge_commit_sha?: string | null;
    merged_at?: string | null;
    head: { sha: string };
  }>;
  const merged = pulls.find((pull) => pull.merged_at && pull.merge_commit_sha === sha) ?? pulls.find((pull) => pull.merged_at);
  return merged === undefined ? undefined : { number: merged.number, head: merged.head.sha };
}

/** The reviewed plan's metadata in the stack's sticky comment, or undefined. */
export function reviewedPlan(comments: readonly IssueComment[], stack: string): PlanMeta | undefined {
  const comment = findStickyComment(comments, `<!-- plan:${stack} -->`);
  const meta = comment?.body ? parseMeta(comment.body) : undefined;
  return meta?.stack === stack ? meta : undefined;
}

function gitTree(commit: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", `${commit}^{tree}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    try {
      execFileSync("git", ["fetch", "--no-tags", "--depth=1", "origin", commit], { stdio: "ignore" });
      return execFileSync("git", ["rev-parse", `${commit}^{tree}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return undefined;
    }
  }
}

function readCurrent(argv: readonly string[]): { stack: string; current: CurrentPlan } {
  const stackIndex = argv.indexOf("--stack");
  const stack = stackIndex >= 0 ? argv[stackIndex + 1] : undefined;
  if (stack === undefined) throw new Error("usage: apply-gate --stack NAME (plan.json | --text plan.txt)");
  const textIndex = argv.indexOf("--text");
  if (textIndex >= 0) {
    const file = argv[textIndex + 1];
    if (file === undefined) throw new Error("--text needs a file");
    const parsed = planFromText(readFileSync(file, "utf8"));
    return { stack, current: { digest: parsed.digest, changes: changeMap(parsed.plan) } };
  }
  const file = argv.filter((argument, index) => !argument.startsWith("--") && argv[index - 1] !== "--stack").at(-1);
  if (file === undefined) throw new Error("no plan file: pass plan.json (terraform show -json) or --text plan.txt");
  const plan = parsePlan(readFileSync(file, "utf8"), file);
  return { stack, current: { digest: planDigest(plan), changes: changeMap(plan) } };
}

async function main(argv: readonly string[]): Promise<number> {
  const { stack, current } = readCurrent(argv);
  const token = requiredEnv("GITHUB_TOKEN");
  const repository = requiredEnv("GITHUB_REPOSITORY");
  const sha = requiredEnv("GITHUB_SHA");
  const apiUrl = process.env["GITHUB_API_URL"];
  const request = githubRequest({ token, repository, ...(apiUrl ? { apiUrl } : {}) });
  const pullRequest = await mergedPullRequest(request, sha);
  const comments = pullRequest === undefined ? [] : await listAll<IssueComment>(request, `/issues/${pullRequest.number}/comments`);
  const reviewed = reviewedPlan(comments, stack);
  const merge = gitTree(sha);
  const reviewedHead = reviewed === undefined ? undefined : gitTree(reviewed.head);
  const confirmedDigest = process.env["CONFIRM_DIGEST"];
  const input: GateInput = {
    stack,
    current,
    ...(pullRequest !== undefined ? { pullRequest } : {}),
    ...(reviewed !== undefined ? { reviewed } : {}),
    trees: { ...(merge !== undefined ? { merge } : {}), ...(reviewedHead !== undefined ? { reviewedHead } : {}) },
    ...(confirmedDigest ? { confirmedDigest } : {}),
  };
  const decision = decide(input);
  process.stdout.write(`[apply-gate] ${stack}: ${decision.outcome}: ${decision.reason}\n`);
  const output = process.env["GITHUB_OUTPUT"];
  if (output) appendFileSync(output, `decision=${decision.outcome}\ndigest=${current.digest}\n`);
  if (decision.outcome !== "hold") return 0;
  const body = holdComment(input, decision, runUrlFromEnv());
  const summary = process.env["GITHUB_STEP_SUMMARY"];
  if (summary) appendFileSync(summary, body);
  if (pullRequest !== undefined) {
    const api = githubComments({ token, repository, pullRequest: pullRequest.number, ...(apiUrl ? { apiUrl } : {}) });
    await upsertStickyComment(api, applyMarker(stack), body);
  }
  return 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`[apply-gate] ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
