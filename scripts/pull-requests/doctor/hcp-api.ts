/**
 * A small client for the three HCP Terraform (and Terraform Enterprise) API calls ci:doctor makes. There is
 * no official JavaScript SDK; the API is JSON:API over HTTPS with a bearer token, so this is fetch plus a
 * TypeBox schema per response, checked at the boundary. Shapes from HashiCorp's API reference
 * (https://developer.hashicorp.com/terraform/cloud-docs/api-docs):
 * - workspaces: "Show workspace", GET /organizations/:organization_name/workspaces/:name; `execution-mode`
 *   is remote, local or agent (the older boolean `operations` is false for local); 404 means "not found,
 *   or the token may not read it";
 * - workspace-variables: "List all accessible variables", GET /workspaces/:workspace_id/all-vars (the
 *   workspace's own and those inherited from variable sets, highest precedence only), and "List
 *   Variables", GET /workspaces/:workspace_id/vars (the workspace's own; what an older Terraform
 *   Enterprise without all-vars answers);
 * - projects: "Show project", GET /projects/:project_id.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

const Reference = Type.Object({ id: Type.String(), type: Type.String() });
const Relationship = Type.Object({ data: Type.Optional(Type.Union([Type.Null(), Reference])) });

const WorkspaceDocument = Type.Object({
  data: Type.Object({
    id: Type.String(),
    type: Type.Literal("workspaces"),
    attributes: Type.Object({
      name: Type.String(),
      "execution-mode": Type.Optional(Type.Union([Type.String(), Type.Null()])),
      operations: Type.Optional(Type.Boolean()),
    }),
    relationships: Type.Optional(Type.Object({ project: Type.Optional(Relationship) })),
  }),
});

const Variable = Type.Object({
  id: Type.String(),
  type: Type.Literal("vars"),
  attributes: Type.Object({
    key: Type.String(),
    // Sensitive values are write-only: the API answers null for them.
    value: Type.Union([Type.String(), Type.Null()]),
    category: Type.String(),
    sensitive: Type.Boolean(),
  }),
  relationships: Type.Optional(Type.Object({ configurable: Type.Optional(Relationship) })),
});
const VariablesDocument = Type.Object({ data: Type.Array(Variable) });

const ProjectDocument = Type.Object({
  data: Type.Object({ id: Type.String(), type: Type.Literal("projects"), attributes: Type.Object({ name: Type.String() }) }),
});

export type Workspace = Static<typeof WorkspaceDocument>["data"];
export type WorkspaceVariable = Static<typeof Variable>;

/** How a workspace runs Terraform: `execution-mode`, else the deprecated `operations` flag. */
export function executionMode(workspace: Workspace): string {
  const mode = workspace.attributes["execution-mode"];
  if (typeof mode === "string" && mode !== "") return mode;
  return workspace.attributes.operations === false ? "local" : "remote";
}

/** An answer other than 2xx: the status, and the JSON:API errors' titles when there are any. */
export class HcpApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    detail: string,
  ) {
    super(`HCP Terraform GET ${path}: ${status}${detail === "" ? "" : ` (${detail})`}`);
    this.name = "HcpApiError";
  }
}

export interface HcpClientOptions {
  /** The API's root, e.g. https://app.terraform.io/api/v2. */
  readonly baseUrl: string;
  readonly token: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default 15 000 ms per request */
  readonly timeoutMs?: number;
}

export class HcpClient {
  private readonly baseUrl: string;

  constructor(private readonly options: HcpClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  private async get<S extends TSchema>(path: string, schema: S): Promise<Static<S>> {
    const call = this.options.fetch ?? fetch;
    const response = await call(`${this.baseUrl}${path}`, {
      headers: { Authorization: `Bearer ${this.options.token}`, Accept: "application/vnd.api+json", "User-Agent": "ssm-patterns-ci-doctor" },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    if (!response.ok) throw new HcpApiError(response.status, path, errorTitles(text));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`HCP Terraform GET ${path}: the answer is not JSON (is ${this.baseUrl} the API of HCP Terraform or Terraform Enterprise?)`);
    }
    if (!Value.Check(schema, body)) {
      const first = Value.Errors(schema, body).First();
      throw new Error(`HCP Terraform GET ${path}: unexpected answer at ${first?.path || "/"}: ${first?.message ?? "does not match"}`);
    }
    return body;
  }

  async workspace(organization: string, name: string): Promise<Workspace> {
    return (await this.get(`/organizations/${encodeURIComponent(organization)}/workspaces/${encodeURIComponent(name)}`, WorkspaceDocument)).data;
  }

  /** The variables a run of the workspace sees (variable sets included), or only its own where all-vars does not exist. */
  async workspaceVariables(workspaceId: string): Promise<{ variables: WorkspaceVariable[]; withVariableSets: boolean }> {
    const id = encodeURIComponent(workspaceId);
    try {
      return { variables: (await this.get(`/workspaces/${id}/all-vars`, VariablesDocument)).data, withVariableSets: true };
    } catch (error) {
      if (!(error instanceof HcpApiError && error.status === 404)) throw error;
      return { variables: (await this.get(`/workspaces/${id}/vars`, VariablesDocument)).data, withVariableSets: false };
    }
  }

  async projectName(projectId: string): Promise<string> {
    return (await this.get(`/projects/${encodeURIComponent(projectId)}`, ProjectDocument)).data.attributes.name;
  }
}

/** JSON:API error objects' titles (and details), for the message. */
function errorTitles(text: string): string {
  try {
    const errors = (JSON.parse(text) as { errors?: Array<{ title?: string; detail?: string }> }).errors ?? [];
    return errors.map((error) => [error.title, error.detail].filter((part) => part !== undefined && part !== "").join(": ")).join("; ");
  } catch {
    return "";
  }
}
