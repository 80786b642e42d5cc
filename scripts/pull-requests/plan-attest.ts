/**
 * The trusted side of plan review (plan-attest.yml, on `workflow_run` of plan.yml: main's workflow
 * definition and main's code, never the pull request's). For each stack's review file of the finished
 * plan run it
 * - computes the review digest of the record (scripts/pull-requests/lib/plan-digest.ts) itself;
 * - renders what reviewers read (the plan summary of that same record, or the failure) ;
 * - creates the `plan-review/<stack>` check run on the run's head commit with the plan-review GitHub App's
 *   token: conclusion success with `external_id` = {"v":1,"stack","head","digest"} for a plan, failure
 *   (no digest) for a failed plan; its output is the rendered review;
 * - updates the App's sticky comment for the stack (found by the App's bot login and the marker, never
 *   a comment someone else wrote).
 * The record comes from a run of the pull request's code, so it can say anything; what it cannot do is
 * make the rendered review and the digest disagree, since both are computed here from the same record.
 *
 *   npm run --silent ci:attest -- <folder of review files>
 *   env: GITHUB_TOKEN (the App's installation token), GITHUB_REPOSITORY, HEAD_SHA and PR_NUMBER (from the
 *   workflow_run event, set by GitHub), APP_BOT_LOGIN (`<app-slug>[bot]`), GITHUB_API_URL (optional)
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { defineCommand, exitWith, processIo, runCommand, UsageError, type CliIo } from "../shared/cli-args.cjs";
import { githubComments, pullRequestNumber, type IssueComment, type PullRequestComments } from "./plan-comment";
import { summarize } from "./lib/plan-render";
import { attestationId, changesOfRecord, checkRunName } from "./apply-gate";
import { ADMIN_STACKS } from "./ci-stacks";
import { githubFromEnv, requiredEnv, runUrlFromEnv, type GitHubRepository } from "./lib/github";
import { code, fenced } from "./lib/markdown";
import { parseReviewRecord, recordAsPlan, reviewDigest } from "./lib/plan-digest";
import { redactSecrets } from "./lib/redact";
import type { ReviewFile } from "./plan-record";

/** GitHub's limit on a check run's output.summary and on a comment. */
const TEXT_LIMIT = 65_535;

export function stickyMarker(stack: string): string {
  return `<!-- plan:${stack} -->`;
}

export interface Review {
  readonly stack: string;
  readonly head: string;
  readonly conclusion: "success" | "failure";
  /** Only for a plan. */
  readonly digest?: string;
  readonly title: string;
  /** Markdown: the comment body and the check run's summary. */
  readonly body: string;
}

/** Checks a review file of the plan run and renders it. The head must be the run's own head commit. */
export function reviewOf(text: string, source: string, runHead: string, runUrl?: string): Review {
  let parsed: Partial<ReviewFile> & { record?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message})`);
  }
  if (parsed.head !== runHead) throw new Error(`${source}: planned ${String(parsed.head)}, but the run's head commit is ${runHead}: refused`);
  const link = runUrl !== undefined ? ` · [the plan run](${runUrl})` : "";
  if (parsed.kind === "failed") {
    const failed = parsed as Extract<ReviewFile, { kind: "failed" }>;
    const record = parseReviewRecord(
      JSON.stringify({ version: 1, stack: failed.stack, resource_changes: [], output_changes: {}, provider_config: {}, providers: [] }),
      source,
    );
    const phase = /^[a-z]{1,16}$/.test(String(failed.phase)) ? failed.phase : "plan";
    const body = [
      stickyMarker(record.stack),
      `### Plan: ${code(record.stack)}: ${code(`terraform ${phase}`)} failed`,
      "",
      `> [!CAUTION]\n> **No plan for this stack at ${code(runHead.slice(0, 12))}: nothing here can be reviewed or applied until it plans.**`,
      "",
      // Redacted again here (shapes only: this job does not hold the plan job's secrets), then fenced so no line can close the block.
      fenced(redactSecrets(String(failed.error ?? "")).slice(0, 6000)),
      "",
      `<sub>plan-review${link}</sub>`,
      "",
    ].join("\n");
    return { stack: record.stack, head: runHead, conclusion: "failure", title: `terraform ${phase} failed: nothing to review`, body };
  }
  if (parsed.kind !== "plan") throw new Error(`${source}: kind must be "plan" or "failed"`);
  const record = parseReviewRecord(JSON.stringify(parsed.record), source);
  const digest = reviewDigest(record);
  const summary = summarize([{ stack: record.stack, plan: recordAsPlan(record) }], { limit: TEXT_LIMIT - 1000 });
  // The summary renderer knows create/update/replace/delete; what it would show as unchanged is listed here.
  const others = Object.entries(changesOfRecord(record)).filter(([, action]) => /forget|import/.test(action));
  const otherBlock =
    others.length === 0
      ? []
      : ["", "> [!IMPORTANT]", `> **Also in this plan** (not in the table above):`, ...others.map(([address, action]) => `> - ${code(address)}: ${action}`)];
  const providers = record.providers.map((provider) => `${code(`${provider.source} ${provider.version}`)}`).join(", ");
  // ci-access is planned for review and drift only: apply.yml never applies it (ci:stacks' apply_stacks).
  const byHand = ADMIN_STACKS.includes(record.stack);
  const byHandBlock = byHand
    ? [
        "",
        "> [!IMPORTANT]",
        `> **An administrator applies ${code(record.stack)} by hand**: merging applies none of this plan (CI applies the workload stacks only). ` +
          `After the merge, an administrator runs ${code(`npx cdktf deploy ${record.stack}`)} with administrator credentials (docs/plan-review.md, "The stacks").`,
      ]
    : [];
  const body = [
    stickyMarker(record.stack),
    summary.trimEnd(),
    ...otherBlock,
    ...byHandBlock,
    "",
    `<sub>plan-review of ${code(runHead.slice(0, 12))}${link} · digest ${code(digest)}${providers !== "" ? ` · providers ${providers}` : ""}. ` +
      (byHand
        ? "Not applied on merge: an administrator applies it by hand.</sub>"
        : "Approve the pull request after reading this: the merge applies this plan only if it is still exactly this one.</sub>"),
    "",
  ].join("\n");
  return { stack: record.stack, head: runHead, conclusion: "success", digest, title: `digest ${digest.slice(0, 16)}`, body };
}

/** The check run that records the review: the only thing the apply gate trusts. */
export async function createCheckRun({ github, repository }: GitHubRepository, review: Review, detailsUrl?: string): Promise<void> {
  await github.rest.checks.create({
    ...repository,
    name: checkRunName(review.stack),
    head_sha: review.head,
    status: "completed",
    conclusion: review.conclusion,
    completed_at: new Date().toISOString(),
    ...(review.digest !== undefined ? { external_id: attestationId(review.stack, review.head, review.digest) } : {}),
    ...(detailsUrl !== undefined ? { details_url: detailsUrl } : {}),
    output: { title: review.title, summary: review.body.slice(0, TEXT_LIMIT) },
  });
}

/** The App's own sticky comment for the stack: written by `botLogin`, starting with the marker. */
export function findOwnComment(comments: readonly IssueComment[], marker: string, botLogin: string): IssueComment | undefined {
  return comments.find((comment) => comment.user?.login === botLogin && (comment.body ?? "").startsWith(marker));
}

export async function upsertOwnComment(api: PullRequestComments, review: Review, botLogin: string): Promise<"created" | "updated"> {
  const existing = findOwnComment(await api.list(), stickyMarker(review.stack), botLogin);
  if (existing === undefined) {
    await api.create(review.body);
    return "created";
  }
  await api.update(existing.id, review.body);
  return "updated";
}

export const COMMAND = defineCommand({
  command: "npm run --silent ci:attest --",
  name: "ci:attest",
  summary:
    "The trusted side of plan review (plan-attest.yml): for each review file of a finished plan run, computes the digest, renders the review, " +
    "creates the plan-review/<stack> check run the apply gate trusts and updates the App's sticky comment.",
  positionals: { name: "FOLDER", description: "the plan run's review files (*.json, searched recursively)", max: 1 },
  options: {},
  notes:
    "env: GITHUB_TOKEN (the App's installation token), GITHUB_REPOSITORY, HEAD_SHA and PR_NUMBER (from the workflow_run event), " +
    "APP_BOT_LOGIN (<app-slug>[bot]), PLAN_RUN_URL (optional), GITHUB_API_URL (optional). Exits 1 when the folder holds no review file.",
});

export function main(argv: readonly string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runCommand(COMMAND, argv, io, async ({ positionals }) => {
    const folder = positionals[0];
    if (folder === undefined) throw new UsageError("no folder: pass the folder the plan run's review files were downloaded to");
    if (!existsSync(folder) || !statSync(folder).isDirectory())
      throw new UsageError(`FOLDER ${JSON.stringify(folder)}: no such folder; download the plan run's review artifact into it first`);
    const head = requiredEnv("HEAD_SHA", env);
    const botLogin = requiredEnv("APP_BOT_LOGIN", env);
    const pullRequest = pullRequestNumber(env["PR_NUMBER"] ?? "");
    const runUrl = env["PLAN_RUN_URL"] || undefined;
    const client = githubFromEnv(env);
    const files = readdirSync(folder, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".json"));
    for (const file of files.sort()) {
      const review = reviewOf(readFileSync(join(folder, file), "utf8"), file, head, runUrl);
      await createCheckRun(client, review, runUrl ?? runUrlFromEnv(env));
      if (pullRequest !== undefined) await upsertOwnComment(githubComments(client.github, client.repository, pullRequest), review, botLogin);
      io.out(`[plan-attest] ${review.stack}: ${review.conclusion}${review.digest !== undefined ? ` ${review.digest}` : ""}`);
    }
    if (files.length === 0) io.err(`ci:attest: ${folder} holds no review file (*.json): nothing attested`);
    return files.length === 0 ? 1 : 0;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
