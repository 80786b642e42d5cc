/**
 * A local stand-in for the HCP Terraform API calls ci:doctor makes, on 127.0.0.1, reached through
 * `--hcp-url`. It keeps workspaces, projects and variables and answers in the JSON:API shapes of
 * HashiCorp's API reference (https://developer.hashicorp.com/terraform/cloud-docs/api-docs):
 * workspaces ("Show workspace"), workspace-variables ("List Variables", "List all accessible
 * variables"), projects ("Show project"). An unknown bearer token gets 401, an unknown path or name 404
 * with a JSON:API error object, as the API answers.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StubWorkspace {
  readonly name: string;
  /** remote, local or agent; null leaves only the deprecated `operations` flag (older Terraform Enterprise). */
  executionMode: string | null;
  operations?: boolean;
  projectId: string;
}

export interface StubVariable {
  readonly key: string;
  readonly value: string;
  readonly category: "env" | "terraform";
  readonly sensitive?: boolean;
  /** Set through a variable set (all-vars only), not on the workspace itself. */
  readonly varset?: string;
}

export interface HcpStub {
  /** http://127.0.0.1:<port>/api/v2, for --hcp-url. */
  readonly url: string;
  readonly organization: string;
  /** By workspace name. */
  readonly workspaces: Map<string, StubWorkspace>;
  /** By project id: its name. */
  readonly projects: Map<string, string>;
  /** By workspace name. */
  readonly variables: Map<string, StubVariable[]>;
  /** Every call: method, path below /api/v2 and the token it carried. */
  readonly calls: Array<{ readonly method: string; readonly path: string; readonly authorization: string | undefined }>;
  /** false: answer all-vars with 404, as a Terraform Enterprise older than that endpoint does. */
  allVars: boolean;
  readonly close: () => Promise<void>;
}

/** A workspace id derived from its name, as stable as HCP Terraform's own. */
export const stubWorkspaceId = (name: string): string => `ws-${createHash("sha256").update(name).digest("hex").slice(0, 16)}`;

export async function startHcpStub(organization: string, tokens: readonly string[]): Promise<HcpStub> {
  const workspaces = new Map<string, StubWorkspace>();
  const projects = new Map<string, string>();
  const variables = new Map<string, StubVariable[]>();
  const calls: HcpStub["calls"] = [];
  const stub = { allVars: true };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { "Content-Type": "application/vnd.api+json" });
      response.end(JSON.stringify(body));
    };
    const error = (status: number, title: string): void => send(status, { errors: [{ status: String(status), title }] });
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname.replace(/^\/api\/v2/, "");
    const method = request.method ?? "GET";
    calls.push({ method, path, authorization: request.headers.authorization });
    // What Terraform's cloud backend (go-tfe) reads first: the API version, from this header (API reference, "Overview").
    if (path === "/ping") {
      response.writeHead(204, { "TFP-API-Version": "2.6", "TFP-AppName": "HCP Terraform" });
      return void response.end();
    }
    if (!tokens.some((token) => request.headers.authorization === `Bearer ${token}`)) return error(401, "unauthorized");
    // The stand-in serves reads only: runs, configuration versions and state uploads are HCP Terraform's own work.
    if (method !== "GET") return error(404, "not found");
    const byId = (id: string): StubWorkspace | undefined => [...workspaces.values()].find((workspace) => stubWorkspaceId(workspace.name) === id);
    let match: RegExpMatchArray | null;
    if ((match = path.match(/^\/organizations\/([^/]+)\/workspaces\/([^/]+)$/))) {
      const workspace = decodeURIComponent(match[1] ?? "") === organization ? workspaces.get(decodeURIComponent(match[2] ?? "")) : undefined;
      if (workspace === undefined) return error(404, "not found");
      return send(200, {
        data: {
          id: stubWorkspaceId(workspace.name),
          type: "workspaces",
          attributes: {
            name: workspace.name,
            ...(workspace.executionMode !== null ? { "execution-mode": workspace.executionMode } : {}),
            operations: workspace.operations ?? workspace.executionMode !== "local",
            "auto-apply": false,
            locked: false,
            "terraform-version": "1.11.4",
            "structured-run-output-enabled": true,
            actions: { "is-destroyable": false },
            permissions: { "can-queue-run": true, "can-read-run": true, "can-read-state-versions": true, "can-read-variable": true, "can-update": false },
          },
          relationships: {
            organization: { data: { id: organization, type: "organizations" } },
            project: { data: { id: workspace.projectId, type: "projects" } },
          },
          links: { self: `/api/v2/organizations/${organization}/workspaces/${workspace.name}` },
        },
      });
    }
    if ((match = path.match(/^\/workspaces\/([^/]+)\/(vars|all-vars)$/))) {
      const workspace = byId(decodeURIComponent(match[1] ?? ""));
      if (workspace === undefined || (match[2] === "all-vars" && !stub.allVars)) return error(404, "not found");
      const own = match[2] === "vars";
      const listed = (variables.get(workspace.name) ?? []).filter((variable) => !own || variable.varset === undefined);
      return send(200, {
        data: listed.map((variable, index) => ({
          id: `var-${index}`,
          type: "vars",
          attributes: {
            key: variable.key,
            // Sensitive values are write-only: the API answers null.
            value: variable.sensitive === true ? null : variable.value,
            sensitive: variable.sensitive === true,
            category: variable.category,
            hcl: false,
          },
          relationships: {
            configurable: {
              data: variable.varset !== undefined ? { id: variable.varset, type: "varsets" } : { id: stubWorkspaceId(workspace.name), type: "workspaces" },
            },
          },
        })),
      });
    }
    if ((match = path.match(/^\/organizations\/([^/]+)\/entitlement-set$/))) {
      if (decodeURIComponent(match[1] ?? "") !== organization) return error(404, "not found");
      return send(200, {
        data: {
          id: `org-${organization}`,
          type: "entitlement-sets",
          attributes: { operations: true, "state-storage": true, "private-module-registry": true, teams: false },
        },
      });
    }
    if ((match = path.match(/^\/organizations\/([^/]+)\/projects$/))) {
      // "List projects", filtered by name as Terraform asks for the cloud block's project.
      const wanted = new URL(request.url ?? "/", "http://127.0.0.1").searchParams.get("filter[names]");
      const listed = [...projects].filter(([, name]) => wanted === null || name === wanted);
      return send(200, {
        data: listed.map(([id, name]) => ({ id, type: "projects", attributes: { name } })),
        meta: { pagination: { "current-page": 1, "total-pages": 1, "total-count": listed.length } },
      });
    }
    if (/^\/workspaces\/[^/]+\/current-state-version$/.test(path)) return error(404, "not found");
    if ((match = path.match(/^\/projects\/([^/]+)$/))) {
      const name = projects.get(decodeURIComponent(match[1] ?? ""));
      if (name === undefined) return error(404, "not found");
      return send(200, { data: { id: match[1], type: "projects", attributes: { name } } });
    }
    return error(404, "not found");
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((failure: unknown) => {
      response.writeHead(500);
      response.end(String(failure));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(stub, {
    url: `http://127.0.0.1:${port}/api/v2`,
    organization,
    workspaces,
    projects,
    variables,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((failure) => (failure ? reject(failure) : resolve()));
        // fetch keeps connections alive: end them, or they hold the test's worker open.
        server.closeAllConnections();
      }),
  });
}
