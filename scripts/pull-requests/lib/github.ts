/**
 * The one GitHub client of the pull-request tools: Octokit's REST client (@octokit/rest 20, whose
 * paginate plugin follows GitHub's `Link` headers) with the retry plugin (@octokit/plugin-retry 6:
 * a 5xx or a dropped connection is tried again, 1 s, 4 s, 9 s apart; 4xx never). Both are the last
 * CommonJS releases: v21+ of the rest client and v7+ of the plugin are ESM-only, and tsx and jest run
 * these scripts as CommonJS. Every error names the call and GitHub's answer.
 */
import { retry } from "@octokit/plugin-retry";
import { Octokit } from "@octokit/rest";

export const GitHub = Octokit.plugin(retry);
export type GitHub = InstanceType<typeof GitHub>;

export interface GitHubClientOptions {
  readonly token: string;
  /** @default "https://api.github.com" (GITHUB_API_URL on GitHub Enterprise, or a local stand-in in tests) */
  readonly apiUrl?: string;
  /** Tries after a 5xx or a network error. @default 3 */
  readonly retries?: number;
  /** For tests: the fetch Octokit calls. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default "ssm-patterns-pull-requests" */
  readonly userAgent?: string;
}

/** A GitHub error's HTTP status, or undefined for anything else. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

export function githubClient(options: GitHubClientOptions): GitHub {
  const github = new GitHub({
    auth: options.token,
    baseUrl: (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, ""),
    userAgent: options.userAgent ?? "ssm-patterns-pull-requests",
    retry: { retries: options.retries ?? 3 },
    request: options.fetch !== undefined ? { fetch: options.fetch } : {},
    // Octokit logs each failed try with console.error; the error thrown at the end says it all once.
    log: { debug: () => {}, info: () => {}, warn: console.warn, error: () => {} },
  });
  // Registered last, so outermost: it sees the final error, after the retries.
  github.hook.wrap("request", async (request, endpoint) => {
    try {
      return await request(endpoint);
    } catch (error) {
      const status = statusOf(error);
      if (error instanceof Error && status !== undefined && !error.message.startsWith("GitHub API ")) {
        // The URL requested (the endpoint's is a template: /repos/{owner}/{repo}/...).
        const url = (error as { request?: { url?: string } }).request?.url ?? endpoint.url;
        error.message = `GitHub API ${endpoint.method} ${url}: ${status} ${error.message}`;
      }
      throw error;
    }
  });
  return github;
}

/** `owner/repo` (GITHUB_REPOSITORY) split for Octokit's parameters. */
export interface Repository {
  readonly owner: string;
  readonly repo: string;
}

export function repositoryOf(text: string): Repository {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(text);
  if (match === null) throw new Error(`GITHUB_REPOSITORY "${text}" is not owner/repo (GitHub Actions sets it, e.g. acme/infra)`);
  return { owner: match[1] ?? "", repo: match[2] ?? "" };
}

export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set (the workflow passes it)`);
  return value;
}

/** A client and the repository its calls are about. */
export interface GitHubRepository {
  readonly github: GitHub;
  readonly repository: Repository;
}

/** The client and repository of a workflow step: GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_API_URL (optional). */
export function githubFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubRepository {
  const apiUrl = env["GITHUB_API_URL"];
  const repository = repositoryOf(requiredEnv("GITHUB_REPOSITORY", env));
  return { github: githubClient({ token: requiredEnv("GITHUB_TOKEN", env), ...(apiUrl ? { apiUrl } : {}) }), repository };
}

/** The link to the current Actions run, from the variables every job has. */
export function runUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const server = env["GITHUB_SERVER_URL"];
  const repository = env["GITHUB_REPOSITORY"];
  const runId = env["GITHUB_RUN_ID"];
  if (!server || !repository || !runId) return undefined;
  return `${server}/${repository}/actions/runs/${runId}`;
}
