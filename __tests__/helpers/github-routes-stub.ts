/**
 * A read-only stand-in for GitHub's REST API on 127.0.0.1, for ci:doctor (reached through Octokit's
 * baseUrl, as GitHub Enterprise would be): each path below /repos/<repository> answers the JSON body it is
 * given, anything else 404, or every path one fixed status (a token that may not read).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Path (below /repos/<repository>) -> JSON body. */
export type Routes = Record<string, unknown>;

export interface RoutesStub {
  readonly url: string;
  readonly requests: Array<{ method: string; path: string; authorization: string | undefined }>;
  routes: Routes;
  /** Answer every request with this status instead. */
  status?: number | undefined;
  close(): Promise<void>;
}

export async function startRoutesStub(repository: string): Promise<RoutesStub> {
  const stub: { requests: RoutesStub["requests"]; routes: Routes; status?: number | undefined } = { requests: [], routes: {} };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? "").replace(`/repos/${repository}`, "");
    stub.requests.push({ method: request.method ?? "", path, authorization: request.headers.authorization });
    const body = stub.routes[path];
    const status = stub.status ?? (body === undefined ? 404 : 200);
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(status === 200 ? body : { message: status === 404 ? "Not Found" : "Resource not accessible by integration" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(stub, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
