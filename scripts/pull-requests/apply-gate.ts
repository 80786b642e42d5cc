/**
 * The apply gate: on a push to the main branch, may this stack's fresh plan be applied?
 *
 * The rule (docs/plan-review.md#what-is-applied): apply only the plan a person other than its author
 * approved. All of these, else hold:
 * - the pushed commit is the merge of a pull request (GitHub's commit -> pulls list);
 * - on that pull request's last head commit there is a completed, successful `plan-review/<stack>` check
 *   run created by the plan-review GitHub App (its app id, PLAN_REVIEW_APP_ID). Only that App can create
 *   or edit its check runs, and its key lives in an environment only the main branch's workflows reach,
 *   so no pull request can write one. Its `external_id` is the only place the digest is read from: one
 *   JSON object, the whole field, written by scripts/pull-requests/plan-attest.ts (no comment, no Markdown);
 * - an approving review of that same head commit, submitted after that check run completed, by a person
 *   (not a bot) with write access (author_association OWNER, MEMBER or COLLABORATOR) who is not the pull
 *   request's author, and whose latest review is still the approval;
 * - the fresh plan's review digest (scripts/pull-requests/lib/plan-digest.ts) equals the attested one.
 * An empty plan is skipped. On hold nothing is applied, the reason and the fresh changes are posted on the
 * pull request and in the job summary, and the job fails. There is no manual override: a held plan is
 * planned and reviewed again on a new pull request.
 *
 *   npm run --silent apply:gate -- --stack ami-tracker plan.json [--lock-file .terraform.lock.hcl]
 *   env: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_SHA, PLAN_REVIEW_APP_ID, PLAN_DIGEST_KEY (optional), GITHUB_OUTPUT
 * Writes `decision=apply|skip` to GITHUB_OUTPUT; exits 1 on hold.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { defineCommand, exitWith, processIo, runCommand, UsageError, type CliIo } from "../shared/cli-args.cjs";
import { githubComments, upsertStickyComment } from "./plan-comment";
import { actionOf, parsePlan } from "./lib/plan-document";
import { githubFromEnv, requiredEnv, runUrlFromEnv, type GitHubRepository } from "./lib/github";
import { stackProblem } from "./lib/options";
import { code } from "./lib/markdown";
import { reviewDigest, reviewRecord, type ReviewRecord } from "./lib/plan-digest";

export interface CurrentPlan {
  readonly digest: string;
  /** address -> what the apply does to it: create, update, replace, delete, forget, import. */
  readonly changes: Readonly<Record<string, string>>;
}

export interface PullRequest {
  readonly number: number;
  readonly head: string;
  /** The login of the pull request's author. */
  readonly author: string;
}

/** What the plan-review App attested on a head commit. */
export interface Attestation {
  readonly stack: string;
  readonly head: string;
  readonly digest: string;
  /** When the check run completed (ISO 8601): approvals must come after. */
  readonly completedAt: string;
  readonly url?: string;
}

export interface GateInput {
  readonly stack: string;
  readonly current: CurrentPlan;
  /** The merged pull request of the pushed commit. @default - none: a direct push */
  readonly pullRequest?: PullRequest;
  /** The App's attestation on the pull request's head. @default - none */
  readonly attestation?: Attestation;
  /** Logins that approved the head after the attestation (see approversOf). @default - none */
  readonly approvers?: readonly string[];
  /** Git trees of the merge commit and of the reviewed head, where known. */
  readonly trees?: { readonly merge?: string; readonly reviewedHead?: string };
}

export type Outcome = "apply" | "skip" | "hold";

export interface GateDecision {
  readonly outcome: Outcome;
  readonly reason: string;
}

export function checkRunName(stack: string): string {
  return `plan-review/${stack}`;
}

export function decide(input: GateInput): GateDecision {
  const { current, attestation, pullRequest } = input;
  if (Object.keys(current.changes).length === 0) return { outcome: "skip", reason: "the plan has no changes: nothing to apply" };
  if (pullRequest === undefined) return { outcome: "hold", reason: "the commit reached the main branch without a pull request: no plan was reviewed" };
  const head = pullRequest.head.slice(0, 12);
  if (attestation === undefined) {
    return {
      outcome: "hold",
      reason: `pull request #${pullRequest.number} has no successful ${checkRunName(input.stack)} check run by the plan-review App on its last commit ${head}: no plan was reviewed`,
    };
  }
  const approvers = input.approvers ?? [];
  if (approvers.length === 0) {
    return {
      outcome: "hold",
      reason: `nobody but the author (${pullRequest.author}) approved commit ${head} of pull request #${pullRequest.number} after its plan was posted (${attestation.completedAt})`,
    };
  }
  if (attestation.digest === current.digest) {
    const trees = input.trees;
    const sameTree = trees?.merge !== undefined && trees.merge === trees.reviewedHead;
    return {
      outcome: "apply",
      reason: `the plan is the one ${approvers.join(", ")} approved on pull request #${pullRequest.number} (digest ${current.digest.slice(0, 16)}${sameTree ? ", same tree" : ""})`,
    };
  }
  const trees = input.trees;
  const why =
    trees?.merge === undefined || trees.reviewedHead === undefined
      ? "the plan differs from the reviewed one"
      : trees.merge === trees.reviewedHead
        ? "the code is the reviewed code, but the state changed since the review (drift, or another apply)"
        : "the main branch moved since the review (the merge commit holds changes the pull request's plan did not see)";
  return { outcome: "hold", reason: `${why}: reviewed ${attestation.digest.slice(0, 16)}, now ${current.digest.slice(0, 16)}` };
}

interface CheckRun {
  readonly name?: string;
  readonly head_sha?: string;
  readonly status?: string;
  readonly conclusion?: string | null;
  readonly completed_at?: string | null;
  readonly external_id?: string | null;
  readonly html_url?: string | null;
  readonly app?: { readonly id?: number; readonly slug?: string } | null;
}

/** The external_id the attest step writes: exactly this JSON object, nothing around it. */
export function attestationId(stack: string, head: string, digest: string): string {
  return JSON.stringify({ v: 1, stack, head, digest });
}

function parseAttestationId(text: string | null | undefined): { stack: string; head: string; digest: string } | undefined {
  if (typeof text !== "string") return undefined;
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const keys = Object.keys(parsed).sort().join();
    if (keys !== "digest,head,stack,v" || parsed["v"] !== 1) return undefined;
    const { stack, head, digest } = parsed;
    if (typeof stack !== "string" || typeof head !== "string" || typeof digest !== "string" || !/^[0-9a-f]{64}$/.test(digest)) return undefined;
    return { stack, head, digest };
  } catch {
    return undefined;
  }
}

/**
 * The newest successful check run named plan-review/<stack> on `head` that the App `appId` created,
 * whose external_id names the same stack and head. Anything else (another app, GitHub Actions' own
 * app, a failure, a mismatched id) is not an attestation.
 */
export function attestationOf(checkRuns: readonly CheckRun[], stack: string, head: string, appId: number): Attestation | undefined {
  const found = checkRuns
    .filter((run) => run.app?.id === appId && run.name === checkRunName(stack) && run.head_sha === head)
    .filter((run) => run.status === "completed" && typeof run.completed_at === "string")
    .sort((a, b) => String(b.completed_at).localeCompare(String(a.completed_at)));
  // The newest run decides: a later failed plan withdraws an earlier success.
  const newest = found[0];
  if (newest === undefined || newest.conclusion !== "success") return undefined;
  const id = parseAttestationId(newest.external_id);
  if (id === undefined || id.stack !== stack || id.head !== head) return undefined;
  return { ...id, completedAt: String(newest.completed_at), ...(typeof newest.html_url === "string" ? { url: newest.html_url } : {}) };
}

export interface Review {
  readonly user?: { readonly login?: string; readonly type?: string } | null;
  readonly state?: string;
  readonly commit_id?: string | null;
  readonly submitted_at?: string | null;
  readonly author_association?: string;
}

const WRITERS = new Set(["OWNER", "MEMBER", "COLLABORATOR"]);

/**
 * Who approved `head` after `after`: each reviewer's latest review (a later "changes requested" or a
 * dismissal withdraws an approval) must be APPROVED, on that commit, later than the plan, by a person
 * with write access who is not the author.
 */
export function approversOf(reviews: readonly Review[], pullRequest: PullRequest, after: string): string[] {
  const latest = new Map<string, Review>();
  const ordered = [...reviews].filter((review) => review.state !== "COMMENTED" && review.state !== "PENDING");
  ordered.sort((a, b) => String(a.submitted_at).localeCompare(String(b.submitted_at)));
  for (const review of ordered) if (review.user?.login) latest.set(review.user.login, review);
  return [...latest.entries()]
    .filter(
      ([login, review]) =>
        review.state === "APPROVED" &&
        review.commit_id === pullRequest.head &&
        typeof review.submitted_at === "string" &&
        Date.parse(review.submitted_at) > Date.parse(after) &&
        review.user?.type === "User" &&
        WRITERS.has(review.author_association ?? "") &&
        login.toLowerCase() !== pullRequest.author.toLowerCase(),
    )
    .map(([login]) => login)
    .sort();
}

/** The fresh changes, each address escaped. */
export function changeTable(changes: Readonly<Record<string, string>>): string {
  const rows = Object.entries(changes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([address, action]) => `| ${code(address)} | ${action} |`);
  return ["| resource | now |", "| --- | --- |", ...rows].join("\n");
}

export function applyMarker(stack: string): string {
  return `<!-- apply:${stack} -->`;
}

/** What a held apply posts: why, the fresh changes, and how to get the plan reviewed. */
export function holdComment(input: GateInput, decision: GateDecision, runUrl: string | undefined): string {
  return [
    applyMarker(input.stack),
    `### Apply held: ${code(input.stack)}`,
    "",
    `> [!WARNING]\n> **Nothing was applied.** ${decision.reason}.`,
    "",
    changeTable(input.current.changes),
    "",
    `Read the new plan in ${runUrl !== undefined ? `[the run](${runUrl})` : "the apply run"}${input.attestation?.url !== undefined ? ` and the reviewed one in [its check run](${input.attestation.url})` : ""}. ` +
      "To apply it, open a pull request (an empty commit is enough): its plan is posted, reviewed and approved like any other, and the merge applies it.",
    "",
  ].join("\n");
}

/** The merged pull request of a commit on the main branch, from GitHub's commit -> pulls list. */
export async function mergedPullRequest({ github, repository }: GitHubRepository, sha: string): Promise<PullRequest | undefined> {
  const pulls = await github.paginate(github.rest.repos.listPullRequestsAssociatedWithCommit, { ...repository, commit_sha: sha, per_page: 100 });
  const merged = pulls.find((pull) => pull.merged_at && pull.merge_commit_sha === sha);
  if (merged === undefined) return undefined;
  return { number: merged.number, head: merged.head.sha, author: merged.user?.login ?? "" };
}

/** Every check run named plan-review/<stack> the App created on a commit. */
export async function checkRunsOf({ github, repository }: GitHubRepository, head: string, stack: string, appId: number): Promise<CheckRun[]> {
  return github.paginate(github.rest.checks.listForRef, {
    ...repository,
    ref: head,
    check_name: checkRunName(stack),
    app_id: appId,
    filter: "all",
    per_page: 100,
  });
}

export interface Evidence {
  readonly pullRequest?: PullRequest;
  readonly attestation?: Attestation;
  readonly approvers?: readonly string[];
}

/** Everything the gate reads from GitHub. */
export async function gatherEvidence(client: GitHubRepository, sha: string, stack: string, appId: number): Promise<Evidence> {
  const pullRequest = await mergedPullRequest(client, sha);
  if (pullRequest === undefined) return {};
  const attestation = attestationOf(await checkRunsOf(client, pullRequest.head, stack, appId), stack, pullRequest.head, appId);
  if (attestation === undefined) return { pullRequest };
  const { github, repository } = client;
  const reviews: Review[] = await github.paginate(github.rest.pulls.listReviews, { ...repository, pull_number: pullRequest.number, per_page: 100 });
  return { pullRequest, attestation, approvers: approversOf(reviews, pullRequest, attestation.completedAt) };
}

function gitTree(commit: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", `${commit}^{tree}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** Every change the apply makes, forgets and imports included (an import-only plan is not "no changes"). */
export function changesOfRecord(record: ReviewRecord): Record<string, string> {
  return Object.fromEntries(
    record.resource_changes
      .filter((change) => change.mode === undefined || change.mode === "managed")
      .map((change) => {
        const actions = change.change.actions;
        const importing = (change.change as { importing?: unknown }).importing !== undefined;
        const action = actions.includes("forget") ? "forget" : actionOf(actions);
        return [change.address, importing ? (action === "no-op" ? "import" : `import, ${action}`) : action] as const;
      })
      .filter(([, action]) => action !== "no-op" && action !== "read"),
  );
}

export function currentPlan(stack: string, planText: string, lockFile: string | undefined, key: string | undefined): CurrentPlan {
  const plan = parsePlan(planText, "plan.json");
  const record = reviewRecord(plan, { stack, ...(lockFile !== undefined ? { lockFile } : {}), ...(key ? { key } : {}) });
  return { digest: reviewDigest(record), changes: changesOfRecord(record) };
}

export function appIdFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = requiredEnv("PLAN_REVIEW_APP_ID", env);
  const id = Number.parseInt(text, 10);
  if (!Number.isInteger(id) || id <= 0 || String(id) !== text.trim())
    throw new Error(`PLAN_REVIEW_APP_ID: "${text}" is not a GitHub App id; set the repository variable to the plan-review App's numeric id`);
  return id;
}

export const COMMAND = defineCommand({
  command: "npm run --silent apply:gate --",
  name: "apply:gate",
  summary:
    "On a push to the main branch: may this stack's fresh plan be applied? Yes only when it is the plan the plan-review App attested on the merged pull request, " +
    "approved after that by a person with write access other than its author (docs/plan-review.md#what-is-applied).",
  positionals: { name: "PLAN.json", description: "the fresh plan (terraform show -json plan.tfplan)", max: 1 },
  options: {
    stack: { type: "string", value: "NAME", description: "the stack planned", check: stackProblem },
    "lock-file": { type: "string", value: "FILE", description: "the stack's .terraform.lock.hcl (its providers are part of the digest)" },
  },
  notes:
    "env: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_SHA, PLAN_REVIEW_APP_ID, PLAN_DIGEST_KEY (optional), GITHUB_OUTPUT, GITHUB_API_URL (optional).\n" +
    "Writes decision=apply|skip and digest= to $GITHUB_OUTPUT; on hold, posts why on the pull request and exits 1.",
});

export function main(argv: readonly string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runCommand(COMMAND, argv, io, async ({ values, positionals }) => {
    const stack = values.stack;
    const planFile = positionals[0];
    if (stack === undefined) throw new UsageError("--stack NAME is required (the stack planned)");
    if (planFile === undefined) throw new UsageError("no plan: pass PLAN.json (terraform show -json plan.tfplan)");
    const lockFile = values["lock-file"] !== undefined && existsSync(values["lock-file"]) ? readFileSync(values["lock-file"], "utf8") : undefined;
    const current = currentPlan(stack, readFileSync(planFile, "utf8"), lockFile, env["PLAN_DIGEST_KEY"]);
    const sha = requiredEnv("GITHUB_SHA", env);
    const client = githubFromEnv(env);
    const evidence = await gatherEvidence(client, sha, stack, appIdFromEnv(env));
    const merge = gitTree(sha);
    const reviewedHead = evidence.pullRequest === undefined ? undefined : gitTree(evidence.pullRequest.head);
    const input: GateInput = {
      stack,
      current,
      ...evidence,
      trees: { ...(merge !== undefined ? { merge } : {}), ...(reviewedHead !== undefined ? { reviewedHead } : {}) },
    };
    const decision = decide(input);
    io.out(`[apply-gate] ${stack}: ${decision.outcome}: ${decision.reason}`);
    const output = env["GITHUB_OUTPUT"];
    if (output) appendFileSync(output, `decision=${decision.outcome}\ndigest=${current.digest}\n`);
    if (decision.outcome !== "hold") return 0;
    const body = holdComment(input, decision, runUrlFromEnv(env));
    const summary = env["GITHUB_STEP_SUMMARY"];
    if (summary) appendFileSync(summary, body);
    if (evidence.pullRequest !== undefined) {
      await upsertStickyComment(githubComments(client.github, client.repository, evidence.pullRequest.number), applyMarker(stack), body);
    }
    return 1;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
