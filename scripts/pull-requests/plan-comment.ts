/**
 * Posts a stack's plan summary to its pull request as ONE sticky comment: the comment that starts
 * with the stack's marker (`<!-- plan:<stack> -->`) and was written by a bot is updated; otherwise a
 * new one is created. The workflow calls this, so the logic is here and tested, not inline in YAML.
 *
 *   GITHUB_TOKEN=... GITHUB_REPOSITORY=owner/repo PR_NUMBER=12 npm run plan:comment -- comment.md
 */
import { readFileSync } from "node:fs";
import { defineCommand, exitWith, processIo, runCommand, UsageError, type CliIo } from "../shared/cli-args.cjs";
import { githubFromEnv, type GitHub, type Repository } from "./lib/github";

export interface IssueComment {
  readonly id: number;
  readonly body?: string | null | undefined;
  readonly user?: { readonly type?: string; readonly login?: string } | null | undefined;
}

/** The three calls the sticky comment needs, on one pull request. */
export interface PullRequestComments {
  list(): Promise<readonly IssueComment[]>;
  create(body: string): Promise<void>;
  update(commentId: number, body: string): Promise<void>;
}

/** The bot's earlier comment for this stack: a person quoting the marker is never overwritten. */
export function findStickyComment(comments: readonly IssueComment[], marker: string): IssueComment | undefined {
  return comments.find((comment) => comment.user?.type === "Bot" && (comment.body ?? "").startsWith(marker));
}

export async function upsertStickyComment(api: PullRequestComments, marker: string, body: string): Promise<"created" | "updated"> {
  if (!body.startsWith(marker)) throw new Error(`the comment must start with its marker ${marker}, or it cannot be found again`);
  const existing = findStickyComment(await api.list(), marker);
  if (existing === undefined) {
    await api.create(body);
    return "created";
  }
  await api.update(existing.id, body);
  return "updated";
}

/** GitHub's issue comments of one pull request (a pull request is an issue there), every page. */
export function githubComments(github: GitHub, repository: Repository, pullRequest: number): PullRequestComments {
  return {
    list: () => github.paginate(github.rest.issues.listComments, { ...repository, issue_number: pullRequest, per_page: 100 }),
    async create(body) {
      await github.rest.issues.createComment({ ...repository, issue_number: pullRequest, body });
    },
    async update(commentId, body) {
      await github.rest.issues.updateComment({ ...repository, comment_id: commentId, body });
    },
  };
}

/** A pull request number: a whole number from 1 (GitHub numbers issues and pull requests from 1). */
export function pullRequestNumber(text: string): number | undefined {
  return /^[1-9][0-9]*$/.test(text) ? Number(text) : undefined;
}

export const COMMAND = defineCommand({
  command: "npm run plan:comment --",
  name: "plan:comment",
  summary:
    "Posts a plan summary on its pull request as one sticky comment: the bot's comment starting with the same <!-- plan:<stack> --> marker is updated, else one is created.",
  positionals: { name: "COMMENT.md", description: "the comment (npm run plan:summary -- --marker '<!-- plan:STACK -->' ...)", max: 1 },
  options: {
    "pull-request": {
      type: "string",
      value: "N",
      description: "the pull request's number (default $PR_NUMBER)",
      check: (value) => (pullRequestNumber(value) === undefined ? "expected a pull request number, e.g. --pull-request 12" : undefined),
    },
  },
  notes: "env: GITHUB_TOKEN, GITHUB_REPOSITORY (owner/repo), PR_NUMBER (or --pull-request), GITHUB_API_URL (optional)",
});

export function main(argv: readonly string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runCommand(COMMAND, argv, io, async ({ values, positionals }) => {
    const file = positionals[0];
    if (file === undefined) throw new UsageError("no comment file: pass COMMENT.md (written by npm run plan:summary -- --marker ...)");
    const pullRequestText = values["pull-request"] ?? env["PR_NUMBER"] ?? "";
    const pullRequest = pullRequestNumber(pullRequestText);
    if (pullRequest === undefined)
      throw new UsageError(`PR_NUMBER ${JSON.stringify(pullRequestText)}: expected the pull request's number; set PR_NUMBER or pass --pull-request N`);
    const body = readFileSync(file, "utf8");
    const marker = /^<!-- plan:[^>]+ -->/.exec(body)?.[0];
    if (marker === undefined) throw new Error(`${file} does not start with a <!-- plan:<stack> --> marker (write it with npm run plan:summary -- --marker)`);
    const { github, repository } = githubFromEnv(env);
    const outcome = await upsertStickyComment(githubComments(github, repository, pullRequest), marker, body);
    io.out(`${outcome} the ${marker} comment on pull request #${pullRequest}`);
    return 0;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
