/**
 * Posts a stack's plan summary to its pull request as ONE sticky comment: the comment that starts
 * with the stack's marker (`<!-- plan:<stack> -->`) and was written by a bot is updated; otherwise a
 * new one is created. The workflow calls this, so the logic is here and tested, not inline in YAML.
 *
 *   GITHUB_TOKEN=... GITHUB_REPOSITORY=owner/repo PR_NUMBER=12 tsx scripts/pull-requests/plan-comment.ts comment.md
 */
import { readFileSync } from "node:fs";

export interface IssueComment {
  readonly id: number;
  readonly body?: string | null;
  readonly user?: { readonly type?: string } | null;
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

export interface GitHubApiOptions {
  readonly token: string;
  /** `owner/repo`. */
  readonly repository: string;
  readonly pullRequest: number;
  /** @default "https://api.github.com" (GITHUB_API_URL on GitHub Enterprise) */
  readonly apiUrl?: string;
  readonly fetch?: typeof fetch;
}

/** GitHub's REST API for issue comments (a pull request is an issue there), paginated 100 at a time. */
export function githubComments(options: GitHubApiOptions): PullRequestComments {
  const call = options.fetch ?? fetch;
  const base = `${options.apiUrl ?? "https://api.github.com"}/repos/${options.repository}/issues`;
  const headers = {
    Accept: "application/vnd.github+json",
    Authorization: `Bearer ${options.token}`,
    "X-GitHub-Api-Version": "2022-11-28",
  };
  const send = async (url: string, init: RequestInit): Promise<Response> => {
    const response = await call(url, { ...init, headers: { ...headers, ...(init.body !== undefined ? { "Content-Type": "application/json" } : {}) } });
    if (!response.ok) throw new Error(`GitHub API ${init.method ?? "GET"} ${url}: ${response.status} ${await response.text()}`);
    return response;
  };
  return {
    async list() {
      const comments: IssueComment[] = [];
      for (let page = 1; ; page++) {
        const response = await send(`${base}/${options.pullRequest}/comments?per_page=100&page=${page}`, { method: "GET" });
        const batch = (await response.json()) as IssueComment[];
        comments.push(...batch);
        if (batch.length < 100) return comments;
      }
    },
    async create(body) {
      await send(`${base}/${options.pullRequest}/comments`, { method: "POST", body: JSON.stringify({ body }) });
    },
    async update(commentId, body) {
      await send(`${base}/comments/${commentId}`, { method: "PATCH", body: JSON.stringify({ body }) });
    },
  };
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set (the workflow passes it)`);
  return value;
}

async function main(file: string | undefined): Promise<void> {
  if (file === undefined) throw new Error("usage: tsx scripts/pull-requests/plan-comment.ts <comment.md>");
  const body = readFileSync(file, "utf8");
  const marker = /^<!-- plan:[^>]+ -->/.exec(body)?.[0];
  if (marker === undefined) throw new Error(`${file} does not start with a <!-- plan:<stack> --> marker (write it with npm run plan:summary -- --marker)`);
  const pullRequest = Number.parseInt(requiredEnv("PR_NUMBER"), 10);
  const api = githubComments({
    token: requiredEnv("GITHUB_TOKEN"),
    repository: requiredEnv("GITHUB_REPOSITORY"),
    pullRequest,
    ...(process.env["GITHUB_API_URL"] ? { apiUrl: process.env["GITHUB_API_URL"] } : {}),
  });
  const outcome = await upsertStickyComment(api, marker, body);
  process.stdout.write(`${outcome} the ${marker} comment on pull request #${pullRequest}\n`);
}

if (require.main === module) {
  main(process.argv[2]).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
