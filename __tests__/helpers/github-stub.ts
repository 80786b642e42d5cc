/**
 * A local stand-in for the few GitHub REST endpoints the workflows' scripts call (scripts/pull-requests/lib/github.ts,
 * plan-comment.ts's comments API), on 127.0.0.1, reached through GITHUB_API_URL. It keeps state like
 * GitHub does (issues, comments, check runs) and answers who wrote what from the request's token, so the
 * scripts' own trust checks (the App's login, its app id) run unchanged. Shapes follow the REST reference:
 * https://docs.github.com/en/rest/checks/runs, /rest/issues/issues, /rest/issues/comments,
 * /rest/pulls/reviews, /rest/commits/commits#list-pull-requests-associated-with-a-commit,
 * /rest/deployments/environments#get-an-environment.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StubIdentity {
  readonly login: string;
  readonly type: "Bot" | "User";
  /** The GitHub App the token belongs to, if any (check runs it creates carry it). */
  readonly appId?: number;
}

export interface StubIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: Array<{ name: string }>;
  user: { login: string; type: string };
  pull_request?: Record<string, unknown>;
}

export interface StubComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: string };
}

export interface StubCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion?: string;
  completed_at?: string;
  external_id?: string;
  html_url: string;
  output?: { title?: string; summary?: string };
  app: { id: number } | null;
}

export interface GitHubStub {
  /** http://127.0.0.1:<port>, for GITHUB_API_URL. */
  readonly url: string;
  readonly issues: StubIssue[];
  readonly comments: StubComment[];
  readonly checkRuns: StubCheckRun[];
  /** Every call, as "METHOD /path" (path below /repos/<owner>/<repo>). */
  readonly calls: string[];
  /** GET /environments/<name>: absent names answer 404. */
  readonly environments: Map<string, unknown>;
  /** GET /commits/<sha>/pulls. */
  readonly commitPulls: Map<string, unknown[]>;
  /** GET /pulls/<n>/reviews: computed per call, so a review can be "submitted" after the plan was posted. */
  readonly reviews: Map<number, () => unknown[]>;
  readonly close: () => Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** Starts the stub for `repository` (owner/repo); `tokens` maps each bearer token to who it is. */
export async function startGitHubStub(repository: string, tokens: Readonly<Record<string, StubIdentity>>): Promise<GitHubStub> {
  const issues: StubIssue[] = [];
  const comments: StubComment[] = [];
  const checkRuns: StubCheckRun[] = [];
  const calls: string[] = [];
  const environments = new Map<string, unknown>();
  const commitPulls = new Map<string, unknown[]>();
  const reviews = new Map<number, () => unknown[]>();
  let nextId = 1;
  const prefix = `/repos/${repository}`;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const send = (status: number, body?: unknown): void => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(body === undefined ? "" : JSON.stringify(body));
    };
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const method = request.method ?? "GET";
    // GitHub takes "Bearer <token>" and "token <token>" (Octokit's form) alike.
    const token = (request.headers.authorization ?? "").replace(/^(Bearer|token) /i, "");
    const who = tokens[token];
    if (who === undefined) return send(401, { message: "Bad credentials" });
    if (!url.pathname.startsWith(`${prefix}/`)) return send(404, { message: "Not Found" });
    const path = url.pathname.slice(prefix.length);
    calls.push(`${method} ${path}`);
    const text = await readBody(request);
    const body = (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>;
    const page = Number.parseInt(url.searchParams.get("page") ?? "1", 10);
    const paged = <T>(items: T[]): T[] => (page === 1 ? items : []);
    const user = { login: who.login, type: who.type };
    let match: RegExpMatchArray | null;

    if (method === "GET" && (match = path.match(/^\/environments\/([^/]+)$/))) {
      const environment = environments.get(decodeURIComponent(match[1] ?? ""));
      return environment === undefined ? send(404, { message: "Not Found" }) : send(200, environment);
    }
    if (method === "GET" && (match = path.match(/^\/commits\/([0-9a-f]+)\/pulls$/))) return send(200, commitPulls.get(match[1] ?? "") ?? []);
    if (method === "GET" && (match = path.match(/^\/commits\/([0-9a-f]+)\/check-runs$/))) {
      const name = url.searchParams.get("check_name");
      const appId = url.searchParams.get("app_id");
      const found = checkRuns.filter(
        (run) => run.head_sha === match?.[1] && (name === null || run.name === name) && (appId === null || String(run.app?.id) === appId),
      );
      return send(200, { total_count: found.length, check_runs: paged(found) });
    }
    if (method === "POST" && path === "/check-runs") {
      const run: StubCheckRun = {
        id: nextId++,
        name: String(body["name"]),
        head_sha: String(body["head_sha"]),
        status: String(body["status"] ?? "queued"),
        ...(body["conclusion"] !== undefined ? { conclusion: String(body["conclusion"]) } : {}),
        ...(body["completed_at"] !== undefined ? { completed_at: String(body["completed_at"]) } : {}),
        ...(body["external_id"] !== undefined ? { external_id: String(body["external_id"]) } : {}),
        html_url: `https://github.com/${repository}/runs/${nextId}`,
        ...(body["output"] !== undefined ? { output: body["output"] as StubCheckRun["output"] } : {}),
        app: who.appId !== undefined ? { id: who.appId } : null,
      };
      checkRuns.push(run);
      return send(201, run);
    }
    if (method === "GET" && (match = path.match(/^\/pulls\/(\d+)\/reviews$/))) return send(200, paged(reviews.get(Number(match[1]))?.() ?? []));
    if (method === "GET" && path === "/issues") {
      const state = url.searchParams.get("state") ?? "open";
      const labels = (url.searchParams.get("labels") ?? "").split(",").filter((label) => label !== "");
      const found = issues.filter(
        (issue) => (state === "all" || issue.state === state) && labels.every((label) => issue.labels.some((own) => own.name === label)),
      );
      return send(200, paged(found));
    }
    if (method === "POST" && path === "/issues") {
      const issue: StubIssue = {
        number: nextId++,
        title: String(body["title"]),
        body: String(body["body"] ?? ""),
        state: "open",
        labels: ((body["labels"] as string[] | undefined) ?? []).map((name) => ({ name })),
        user,
      };
      issues.push(issue);
      return send(201, issue);
    }
    if (method === "PATCH" && (match = path.match(/^\/issues\/(\d+)$/))) {
      const issue = issues.find((candidate) => candidate.number === Number(match?.[1]));
      if (issue === undefined) return send(404, { message: "Not Found" });
      if (typeof body["body"] === "string") issue.body = body["body"];
      if (body["state"] === "closed" || body["state"] === "open") issue.state = body["state"];
      if (Array.isArray(body["labels"])) issue.labels = (body["labels"] as string[]).map((name) => ({ name }));
      return send(200, issue);
    }
    if ((match = path.match(/^\/issues\/(\d+)\/comments$/))) {
      const issue = Number(match[1]);
      if (method === "GET") return send(200, paged(comments.filter((comment) => comment.issue === issue)));
      if (method === "POST") {
        const comment: StubComment = { id: nextId++, issue, body: String(body["body"]), user };
        comments.push(comment);
        return send(201, comment);
      }
    }
    if (method === "PATCH" && (match = path.match(/^\/issues\/comments\/(\d+)$/))) {
      const comment = comments.find((candidate) => candidate.id === Number(match?.[1]));
      if (comment === undefined) return send(404, { message: "Not Found" });
      if (comment.user.login !== who.login) return send(403, { message: "Resource not accessible by integration" });
      comment.body = String(body["body"]);
      return send(200, comment);
    }
    return send(404, { message: `the stub does not answer ${method} ${path}` });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    issues,
    comments,
    checkRuns,
    calls,
    environments,
    commitPulls,
    reviews,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
