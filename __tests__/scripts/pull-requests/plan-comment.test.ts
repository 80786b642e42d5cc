import { findStickyComment, githubComments, upsertStickyComment, type IssueComment } from "../../../scripts/pull-requests/plan-comment";

const MARKER = "<!-- plan:ami-tracker -->";

/** A pull request's comments behind a fake `fetch` that speaks GitHub's REST shapes and records every call. */
function fakeGitHub(initial: IssueComment[]) {
  const comments = [...initial];
  const calls: { method: string; url: string; body?: string }[] = [];
  const fetchFake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const method = init?.method ?? "GET";
    const body = typeof init?.body === "string" ? init.body : undefined;
    calls.push({ method, url, ...(body !== undefined ? { body } : {}) });
    if (method === "GET") {
      const page = Number(new URL(url).searchParams.get("page"));
      return new Response(JSON.stringify(comments.slice((page - 1) * 100, page * 100)), { status: 200 });
    }
    const text = (JSON.parse(body ?? "{}") as { body: string }).body;
    if (method === "POST") comments.push({ id: 1000 + comments.length, body: text, user: { type: "Bot" } });
    if (method === "PATCH") {
      const id = Number(url.split("/").pop());
      const index = comments.findIndex((comment) => comment.id === id);
      comments[index] = { ...comments[index], id, body: text, user: { type: "Bot" } };
    }
    return new Response("{}", { status: method === "POST" ? 201 : 200 });
  };
  const api = githubComments({ token: "t0ken", repository: "acme/infra", pullRequest: 7, fetch: fetchFake });
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
      "GET https://api.github.com/repos/acme/infra/issues/7/comments?per_page=100&page=1",
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
    const api = githubComments({
      token: "t",
      repository: "acme/infra",
      pullRequest: 7,
      fetch: async () => new Response('{"message":"Resource not accessible by integration"}', { status: 403 }),
    });
    await expect(api.list()).rejects.toThrow(/GET .*issues\/7\/comments.*403 .*Resource not accessible by integration/);
  });
});
