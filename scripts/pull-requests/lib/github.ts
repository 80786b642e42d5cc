/**
 * The few GitHub REST calls the apply gate and the drift check make, behind small interfaces so the
 * tests can pass fakes. Paginated 100 at a time.
 */

export interface GitHubClientOptions {
  readonly token: string;
  /** `owner/repo`. */
  readonly repository: string;
  /** @default "https://api.github.com" (GITHUB_API_URL on GitHub Enterprise) */
  readonly apiUrl?: string;
  readonly fetch?: typeof fetch;
}

export interface GitHubRequest {
  (method: string, path: string, body?: unknown): Promise<unknown>;
}

/** One authenticated call: `path` is relative to /repos/<owner>/<repo>. Throws with GitHub's answer on an error status. */
export function githubRequest(options: GitHubClientOptions): GitHubRequest {
  const call = options.fetch ?? fetch;
  const base = `${options.apiUrl ?? "https://api.github.com"}/repos/${options.repository}`;
  return async (method, path, body) => {
    const url = `${base}${path}`;
    const response = await call(url, {
      method,
      headers: {
        Accept: "application/vnd.github+json",
        Authorization: `Bearer ${options.token}`,
        "X-GitHub-Api-Version": "2022-11-28",
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`GitHub API ${method} ${url}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  };
}

/** Every page of a list endpoint (`path` without query, or with one). */
export async function listAll<T>(request: GitHubRequest, path: string): Promise<T[]> {
  const items: T[] = [];
  const separator = path.includes("?") ? "&" : "?";
  for (let page = 1; ; page++) {
    const batch = (await request("GET", `${path}${separator}per_page=100&page=${page}`)) as T[];
    items.push(...batch);
    if (batch.length < 100) return items;
  }
}

export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set (the workflow passes it)`);
  return value;
}

/** The link to the current Actions run, from the variables every job has. */
export function runUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const server = env["GITHUB_SERVER_URL"];
  const repository = env["GITHUB_REPOSITORY"];
  const runId = env["GITHUB_RUN_ID"];
  if (!server || !repository || !runId) return undefined;
  return `${server}/${repository}/actions/runs/${runId}`;
}
