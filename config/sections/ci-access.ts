import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
import type { BackendConfig, CloudBackendConfig } from "./backend";
import { Defaulted, Flag, keysOf, Matching, Optional, Section, type Resolved } from "../settings";

const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
/** A branch's short name ("main", not "refs/heads/main"). */
const BRANCH = /^(?!refs\/)[A-Za-z0-9._/-]+$/;
const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/[A-Za-z0-9.-]+(\/[^\s]*)?$/;
const GITHUB_OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
const NOT_BLANK = /\S/;

/** The same switch for both identity providers: each account has one provider per host. */
const CreateOidcProvider = Optional(
  Flag(
    "Create the OIDC provider in this environment. Default: true without oidcProviderArn. Set true in each environment that deploys to an account of its own.",
  ),
);
const GitHubSettings = Section(
  {
    repository: Matching(REPOSITORY, '"<owner>/<repo>": only this repository\'s workflows may assume the roles.'),
    mainBranch: Defaulted(Matching(BRANCH, "The branch whose pushes may apply."), "main"),
    oidcProviderArn: Optional(
      Matching(GITHUB_OIDC_PROVIDER_ARN, "An existing token.actions.githubusercontent.com provider (one per account). Default: the stack creates it."),
    ),
    createOidcProvider: CreateOidcProvider,
  },
  "GitHub Actions: plan on pull requests, apply on the main branch.",
);
const HcpSettings = Section(
  {
    audience: Defaulted(Matching(NOT_BLANK, "The token audience the workspaces send (TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE)."), "aws.workload.identity"),
    oidcProviderArn: Optional(Matching(OIDC_PROVIDER_ARN, "An existing provider for the HCP Terraform host (one per account). Default: the stack creates it.")),
    createOidcProvider: CreateOidcProvider,
  },
  'HCP Terraform dynamic credentials (needs backend.type "cloud").',
);

/** The ci-access stack (the `ciAccess` section). */
export const CiAccessSettings = Section(
  {
    enabled: Optional(Flag("Synthesize the ci-access stack. Default: true when github or hcp is set.")),
    github: Optional(GitHubSettings),
    hcp: Optional(HcpSettings),
  },
  "The stack with CI's OIDC providers and plan/apply roles.",
);
/**
 * The ci-access stack once read: OIDC identity providers and the two roles CI assumes, a read-only plan
 * role and an apply role. https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
 */
export type CiAccessConfig = Resolved<typeof CiAccessSettings, "enabled", { github?: GitHubCiConfig; hcp?: HcpCiConfig }>;
/** GitHub Actions' trust, whether this environment creates the provider resolved. */
export type GitHubCiConfig = Resolved<typeof GitHubSettings, "createOidcProvider">;
/** HCP Terraform's trust; organization, project, workspace prefix and host come from the cloud backend. */
export type HcpCiConfig = Resolved<typeof HcpSettings, "createOidcProvider"> &
  Pick<CloudBackendConfig, "organization" | "project" | "workspacePrefix" | "hostname">;

/** IAM's limit on a role name. */
const ROLE_NAME_MAX = 64;

export function readCiAccess(
  reader: ConfigReader,
  raw: unknown,
  context: { readonly backend: BackendConfig; readonly project: string; readonly environment: string; readonly region: string },
): CiAccessConfig {
  const path = "ciAccess";
  const record = reader.object(raw, path, keysOf(CiAccessSettings));
  const github = record["github"] === undefined ? undefined : readGitHub(reader, record["github"], joinPath(path, "github"));
  const hcp = record["hcp"] === undefined ? undefined : readHcp(reader, record["hcp"], joinPath(path, "hcp"), context.backend);
  const enabled = reader.read(CiAccessSettings, record, "enabled", path, { fallback: github !== undefined || hcp !== undefined });
  if (enabled && github === undefined && hcp === undefined) {
    reader.fail(path, `is enabled but names no CI; add "github": { "repository": "<owner>/<repo>" } or "hcp": {}, or set enabled to false`);
  }
  if (enabled && context.backend.type === "local") {
    reader.fail(path, `is enabled but backend.type is "local": CI cannot read state on this machine; set backend.bucket (S3) or backend.type "cloud" first`);
  }
  // The longest CI role name (stacks/ci-access-stack.ts ciRoleName): the region keeps two regions' roles apart.
  const longest = `${context.project}-${context.environment}-ci-apply-${context.region}`;
  if (enabled && longest.length > ROLE_NAME_MAX) {
    reader.fail(
      path,
      `the CI role name "${longest}" is ${longest.length} characters, over IAM's ${ROLE_NAME_MAX}; shorten project or the environment file's name`,
    );
  }
  return { enabled, ...(github !== undefined ? { github } : {}), ...(hcp !== undefined ? { hcp } : {}) };
}

function readGitHub(reader: ConfigReader, raw: unknown, path: string): GitHubCiConfig {
  const record = reader.object(raw, path, keysOf(GitHubSettings));
  const repository = reader.read(GitHubSettings, record, "repository", path, { fallback: "" });
  if (!REPOSITORY.test(repository)) {
    reader.fail(joinPath(path, "repository"), `${describe(repository)} is not a GitHub repository; write it as "<owner>/<repo>", e.g. "acme/ssm-patterns"`);
  }
  const mainBranch = reader.read(GitHubSettings, record, "mainBranch", path);
  if (!BRANCH.test(mainBranch)) {
    reader.fail(joinPath(path, "mainBranch"), `${describe(mainBranch)} is not a branch name; write the short name, e.g. "main"`);
  }
  const oidcProviderArn = readProviderArn(reader, record, path, "token.actions.githubusercontent.com");
  const createOidcProvider = readCreateProvider(reader, record, path, oidcProviderArn);
  return { repository, mainBranch, createOidcProvider, ...(oidcProviderArn !== undefined ? { oidcProviderArn } : {}) };
}

function readHcp(reader: ConfigReader, raw: unknown, path: string, backend: BackendConfig): HcpCiConfig {
  const record = reader.object(raw, path, keysOf(HcpSettings));
  const audience = reader.read(HcpSettings, record, "audience", path);
  if (!NOT_BLANK.test(audience)) reader.fail(joinPath(path, "audience"), `is empty; leave it out for "aws.workload.identity"`);
  if (backend.type !== "cloud") {
    reader.fail(path, `needs backend.type "cloud" (the organization, project and workspaces come from there); set the backend or remove ciAccess.hcp`);
    return { audience, organization: "", project: "", workspacePrefix: "", hostname: "app.terraform.io", createOidcProvider: false };
  }
  const oidcProviderArn = readProviderArn(reader, record, path, backend.hostname);
  const createOidcProvider = readCreateProvider(reader, record, path, oidcProviderArn);
  return {
    audience,
    createOidcProvider,
    organization: backend.organization,
    project: backend.project,
    workspacePrefix: backend.workspacePrefix,
    hostname: backend.hostname,
    ...(oidcProviderArn !== undefined ? { oidcProviderArn } : {}),
  };
}

function readProviderArn(reader: ConfigReader, record: Record<string, unknown>, path: string, host: string): string | undefined {
  const arn = reader.optionalString(record, "oidcProviderArn", path);
  if (arn === undefined) return undefined;
  if (!OIDC_PROVIDER_ARN.test(arn) || !arn.endsWith(`oidc-provider/${host}`)) {
    reader.fail(
      joinPath(path, "oidcProviderArn"),
      `${describe(arn)} is not the ARN of an OIDC provider for ${host} (arn:aws:iam::<account>:oidc-provider/${host}); leave it out to create one`,
    );
    return undefined;
  }
  return arn;
}

function readCreateProvider(reader: ConfigReader, record: Record<string, unknown>, path: string, arn: string | undefined): boolean {
  const create = reader.boolean(record, "createOidcProvider", path, arn === undefined);
  if (create && arn !== undefined) {
    reader.fail(joinPath(path, "createOidcProvider"), `is true but oidcProviderArn names an existing provider; remove one of the two`);
  } else if (!create && arn === undefined) {
    reader.fail(joinPath(path, "createOidcProvider"), `is false but no oidcProviderArn is given; set oidcProviderArn to the existing provider's ARN`);
  }
  return create;
}

/** The OIDC provider hosts a raw environment file's ciAccess creates, and whether it says so explicitly. */
export function createdOidcProviders(raw: unknown): { readonly host: string; readonly explicit: boolean }[] {
  const record = isRecord(raw) ? raw : {};
  const ci = isRecord(record["ciAccess"]) ? record["ciAccess"] : undefined;
  if (ci === undefined || ci["enabled"] === false) return [];
  const backend = isRecord(record["backend"]) ? record["backend"] : {};
  const hosts: { host: string; explicit: boolean }[] = [];
  const entry = (value: unknown, host: string): void => {
    if (!isRecord(value) || value["oidcProviderArn"] !== undefined || value["createOidcProvider"] === false) return;
    hosts.push({ host, explicit: value["createOidcProvider"] === true });
  };
  entry(ci["github"], "token.actions.githubusercontent.com");
  entry(ci["hcp"], typeof backend["hostname"] === "string" ? backend["hostname"] : "app.terraform.io");
  return hosts;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
