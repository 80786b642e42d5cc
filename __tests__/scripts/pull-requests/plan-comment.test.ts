import { githubClient } from "../../../scripts/pull-requests/lib/github";
import { findStickyComment, githubComments, upsertStickyComment, type IssueComment } from "../../../scripts/pull-requests/plan-comment";

const MARKER = "<!-- plan:ami-tracker -->";

const REPOSITORY = { owner: "acme", repo: "infra" };

/**
 * A pull request's comments behind a fake `fetch` under Octokit, speaking GitHub's REST shapes: 100 a page
 * with a `Link: <...>; rel="next"` header while more remain (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api).
 */
function fakeGitHub(initial: IssueComment[]) {
  const comments = [...initial];
  const calls: { method: string; url: string; body?: string }[] = [];
  const fetchFake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const method = init?.method ?? "GET";
    const body = typeof init?.body === "string" ? init.body : undefined;
    calls.push({ method, url, ...(body !== undefined ? { body } : {}) });
    if (method === "GET") {
      const page = Number(new URL(url).searchParams.get("page") ?? "1");
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (page * 100 < comments.length) headers["Link"] = `<${url.replace(/&page=\d+$/, "")}&page=${page + 1}>; rel="next"`;
      return new Response(JSON.stringify(comments.slice((page - 1) * 100, page * 100)), {
        status: 200,
        headers,
      });
    }
    const text = (JSON.parse(body ?? "{}") as { body: string }).body;
    if (method === "POST") comments.push({ id: 1000 + comments.length, body: text, user: { type: "Bot" } });
    if (method === "PATCH") {
      const id = Number(url.split("/").pop());
      const index = comments.findIndex((comment) => comment.id === id);
      comments[index] = { ...comments[index], id, body: text, user: { type: "Bot" } };
    }
    return new Response("{}", { status: method === "POST" ? 201 : 200, headers: { "Content-Type": "application/json" } });
  };
  const api = githubComments(githubClient({ token: "t0ken", fetch: fetchFake as typeof fetch }), REPOSITORY, 7);
  return { api, comments, calls };
}

describe("plan comment", () => {
  test("creates the stack's comment when the pull request has none", async () => {
    // Prepare
    const github = fakeGitHub([{ id: 1, body: "LGTM", user: { type: "User" } }]);
    // Act
    const outcome = await upsertStickyComment(github.api, MARKER, `${MARKER}\nplan: 3 to add`);
    // Assess
    expect(outcome).toBe("created");
    expect(github.calls.map((call) => `${call.method} ${call.url}`)).toEqual([
      "GET https://api.github.com/repos/acme/infra/issues/7/comments?per_page=100",
      "POST https://api.github.com/repos/acme/infra/issues/7/comments",
    ]);
    expect(github.comments).toHaveLength(2);
  });

  test("updates the same comment on the next push: one comment per stack", async () => {
    const github = fakeGitHub([
      { id: 1, body: `${MARKER}\nplan: 3 to add`, user: { type: "Bot" } },
      { id: 2, body: "<!-- plan:storage-first-api -->\nplan: 70 to add", user: { type: "Bot" } },
    ]);
    const outcome = await upsertStickyComment(github.api, MARKER, `${MARKER}\nplan: 1 to change`);
    expect(outcome).toBe("updated");
    expect(github.calls.at(-1)).toMatchObject({ method: "PATCH", url: "https://api.github.com/repos/acme/infra/issues/comments/1" });
    expect(github.comments.map((comment) => comment.body)).toEqual([`${MARKER}\nplan: 1 to change`, "<!-- plan:storage-first-api -->\nplan: 70 to add"]);
  });

  test("finds the comment past the first page of 100", async () => {
    const many: IssueComment[] = Array.from({ length: 150 }, (_, index) => ({ id: index + 1, body: `comment ${index}`, user: { type: "User" } }));
    many.push({ id: 151, body: `${MARKER}\nold`, user: { type: "Bot" } });
    const github = fakeGitHub(many);
    expect(await upsertStickyComment(github.api, MARKER, `${MARKER}\nnew`)).toBe("updated");
    expect(github.calls.filter((call) => call.method === "GET")).toHaveLength(2);
  });

  test("never overwrites a person's comment that quotes the marker", () => {
    const quoted: IssueComment[] = [{ id: 5, body: `${MARKER} why does this plan replace the queue?`, user: { type: "User" } }];
    expect(findStickyComment(quoted, MARKER)).toBeUndefined();
  });

  test("refuses a body without its marker, which could never be found again", async () => {
    const github = fakeGitHub([]);
    await expect(upsertStickyComment(github.api, MARKER, "plan: 3 to add")).rejects.toThrow(/must start with its marker/);
    expect(github.calls).toHaveLength(0);
  });

  test("an API error names the call and GitHub's answer", async () => {
    const failing = async (): Promise<Response> =>
      new Response('{"message":"Resource not accessible by integration"}', { status: 403, headers: { "Content-Type": "application/json" } });
    const api = githubComments(githubClient({ token: "t", fetch: failing as typeof fetch }), REPOSITORY, 7);
    await expect(api.list()).rejects.toThrow(/GET .*issues\/7\/comments.*403 .*Resource not accessible by integration/);
  });

  test("a 5xx is tried again (the retry plugin); a 4xx is not", async () => {
    let calls = 0;
    const flaky = async (): Promise<Response> => {
      calls++;
      return calls === 1
        ? new Response('{"message":"Server Error"}', { status: 502, headers: { "Content-Type": "application/json" } })
        : new Response("[]", { status: 200, headers: { "Content-Type": "application/json" } });
    };
    await expect(githubComments(githubClient({ token: "t", fetch: flaky as typeof fetch }), REPOSITORY, 7).list()).resolves.toEqual([]);
    expect(calls).toBe(2);
    let refused = 0;
    const forbidden = async (): Promise<Response> => {
      refused++;
      return new Response('{"message":"Forbidden"}', { status: 403, headers: { "Content-Type": "application/json" } });
    };
    await expect(githubComments(githubClient({ token: "t", fetch: forbidden as typeof fetch }), REPOSITORY, 7).list()).rejects.toThrow(/403 Forbidden/);
    expect(refused).toBe(1);
  });
});
