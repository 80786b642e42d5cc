/**
 * apply.yml refuses an unprotected environment (scripts/pull-requests/env-protection.ts), tried against a stand-in of
 * GitHub's REST API on 127.0.0.1 that answers GET /repos/{owner}/{repo}/environments/{name} as GitHub
 * does (REST API reference, "Deployment environments": protection_rules of type required_reviewers,
 * wait_timer, branch_policy; 404 when the environment does not exist).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { checkEnvironment } from "../../../scripts/pull-requests/env-protection";
import { githubClient } from "../../../scripts/pull-requests/lib/github";

const REPO = "acme/ssm-patterns";
const REPOSITORY = { owner: "acme", repo: "ssm-patterns" };
const ENVIRONMENTS: Record<string, unknown> = {
  prod: {
    name: "prod",
    protection_rules: [
      { id: 1, type: "required_reviewers", prevent_self_review: true, reviewers: [{ type: "Team", reviewer: { slug: "platform" } }] },
      { id: 2, type: "branch_policy" },
    ],
    deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
  },
  staging: { name: "staging", protection_rules: [{ id: 3, type: "wait_timer", wait_timer: 15 }] },
  open: { name: "open", protection_rules: [{ id: 4, type: "branch_policy" }], deployment_branch_policy: { protected_branches: true } },
  "no-reviewers": {
    name: "no-reviewers",
    protection_rules: [
      { id: 5, type: "required_reviewers", reviewers: [] },
      { id: 6, type: "wait_timer", wait_timer: 0 },
    ],
  },
};

let server: Server;
let apiUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url} ${request.headers.authorization}`);
    const match = /^\/repos\/acme\/ssm-patterns\/environments\/([^/?]+)$/.exec(request.url ?? "");
    const environment = match !== null ? ENVIRONMENTS[decodeURIComponent(match[1] ?? "")] : undefined;
    response.writeHead(environment === undefined ? 404 : 200, { "Content-Type": "application/json" });
    response.end(JSON.stringify(environment ?? { message: "Not Found", documentation_url: "https://docs.github.com/rest" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const check = (name: string) => checkEnvironment(githubClient({ token: "t0ken", apiUrl }), REPOSITORY, name);

describe("the environment check before the first apply", () => {
  test("passes an environment with required reviewers, and says what holds the run", async () => {
    await expect(check("prod")).resolves.toEqual({
      ok: true,
      message: 'the GitHub environment "prod" is protected: 1 required reviewer(s), self-review prevented',
    });
    expect(seen).toContain("GET /repos/acme/ssm-patterns/environments/prod token t0ken");
  });

  test("passes an environment with a wait timer", async () => {
    await expect(check("staging")).resolves.toMatchObject({ ok: true, message: expect.stringContaining("a 15-minute wait timer") });
  });

  test.each([
    ["a missing environment (GitHub would create it unprotected)", "missing", /does not exist: GitHub would create it without protection/],
    ["an environment with only a branch policy", "open", /has neither required reviewers nor a wait timer/],
    ["an empty reviewer list and a zero timer", "no-reviewers", /has neither required reviewers nor a wait timer/],
  ])("attack: refuses %s, naming the setup step", async (_case, name, reason) => {
    const verdict = await check(name);
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(reason);
    expect(verdict.message).toContain(`Settings -> Environments -> New environment "${name}" (https://github.com/${REPO}/settings/environments)`);
  });

  test("an API error other than 404 fails loudly instead of passing", async () => {
    let calls = 0;
    const broken = async (): Promise<Response> => {
      calls++;
      return new Response("boom", { status: 500 });
    };
    const failing = githubClient({ token: "t", apiUrl, retries: 1, fetch: broken as typeof fetch });
    await expect(checkEnvironment(failing, REPOSITORY, "prod")).rejects.toThrow(/GitHub API GET .*\/environments\/prod: 500 boom/);
    // Tried once more (the retry plugin) before failing.
    expect(calls).toBe(2);
  });
});
