/**
 * The configuration: one JSON file per environment, validated in full before any construct exists.
 *
 * Adding a setting to a section (e.g. `amiTracker.logLevel`) is one edit plus its test:
 *  1. In config/sections/<section>.ts, add it to the section's schema (`AmiTrackerSettings`) with all a
 *     single field can say: type, range, enum or pattern (`Matching(REGEX, ...)`, the RegExp the section
 *     tests for its message), description and default: `Defaulted(OneOf([...]), "INFO")`,
 *     `Defaulted(WholeNumber(min, max, "..."), 30)`, `Optional(Region("... Default: ..."))`. The key order
 *     there is the order of the "unknown setting; expected one of" message. The read type follows
 *     (every section's type is `Resolved<typeof XSettings>`), and a section whose read function returns
 *     `reader.rest(settings, record, path, [...])` (amiTracker, stateBootstrap, imageBuilder.pipelines[] and
 *     their fleetRefresh, share and cleanup) reads it too: type,
 *     range, default and the message of a wrong value come from the schema. Elsewhere, or when the
 *     setting needs a friendly message or a check against other settings, read it with
 *     `reader.read(settings, record, "logLevel", path)` in the read function and add the check there.
 *  2. `npm run config:schema` rewrites config/schema.json (a test fails until then); a test in
 *     __tests__/config/ shows the default and the message of a wrong value, and, for a mistake in the
 *     field alone, that ajv rejects it too (single-field.test.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./errors";
import { ACCOUNT_ID } from "./patterns";
import { ConfigReader, describe, joinPath } from "./reader";
import { readAmiTracker, type AmiTrackerConfig } from "./sections/ami-tracker";
import { readAmiConsumer, type AmiConsumerConfig } from "./sections/ami-consumer";
import { readBackend, type BackendConfig } from "./sections/backend";
import { createdOidcProviders, readCiAccess, type CiAccessConfig } from "./sections/ci-access";
import { readStateBootstrap, type StateBootstrapConfig } from "./sections/state-bootstrap";
import { readImageBuilder, type ImageBuilderConfig } from "./sections/image-builder";
import { readOpsAlarms, type OpsAlarmsConfig } from "./sections/ops-alarms";
import { readStorageFirstApi, type StorageFirstApiConfig } from "./sections/storage-first-api";
import { checkNamePrefix, checkRegion } from "./validators";
import { ConfigFileSettings, TAG_KEY } from "./schema";
import { keysOf, type Resolved } from "./settings";

export { ConfigError } from "./errors";
export type { AmiTrackerConfig } from "./sections/ami-tracker";
export type { AmiConsumerConfig, SharedLaunchTemplateConfig } from "./sections/ami-consumer";
export type { BackendConfig, CloudBackendConfig, S3BackendConfig } from "./sections/backend";
export type { CiAccessConfig, GitHubCiConfig, HcpCiConfig } from "./sections/ci-access";
export type { StateBootstrapConfig } from "./sections/state-bootstrap";
export type { ImageBuilderConfig, PipelineConfig, PipelineMode } from "./sections/image-builder";
export type { OpsAlarmConfig, OpsAlarmsConfig } from "./sections/ops-alarms";
export type { StorageFirstApiConfig } from "./sections/storage-first-api";

/**
 * The whole app's configuration, validated, with every default applied: the file's schema
 * (ConfigFileSettings, config/schema.ts) once read, each section as its read function returns it.
 */
export type AppConfig = Omit<
  Resolved<
    typeof ConfigFileSettings,
    never,
    {
      /** Which file under config/environments/ this came from. */
      environment: string;
      /** The file's tags plus Project, Environment and ManagedBy (the provider's default_tags). */
      tags: Readonly<Record<string, string>>;
      backend: BackendConfig;
      amiTracker: AmiTrackerConfig;
      imageBuilder: ImageBuilderConfig;
      alarms: OpsAlarmsConfig;
      storageFirstApi: StorageFirstApiConfig;
      stateBootstrap: StateBootstrapConfig;
      ciAccess: CiAccessConfig;
      amiConsumer: AmiConsumerConfig;
    }
  >,
  "$schema"
>;

export const CONFIG_DIRECTORY = join(__dirname, "environments");

/** Validates a parsed configuration file; throws one ConfigError that lists every problem. */
export function parseConfig(raw: unknown, environment: string, source = `environment "${environment}"`): AppConfig {
  const reader = new ConfigReader();
  const settings = ConfigFileSettings;
  const record = reader.object(raw, "", keysOf(settings));

  const project = reader.read(settings, record, "project", "");
  const projectProblem = checkNamePrefix(project);
  if (projectProblem) reader.fail("project", projectProblem);
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(environment)) {
    reader.fail("environment", `"${environment}" must be 1-16 lowercase letters, digits or "-" (it is part of resource names)`);
  }

  const region = reader.read(settings, record, "region", "");
  const regionProblem = checkRegion(region);
  if (regionProblem) reader.fail("region", regionProblem);

  const accountId = reader.read(settings, record, "accountId", "");
  if (accountId !== undefined && !ACCOUNT_ID.test(accountId)) {
    reader.fail("accountId", `${describe(accountId)} is not a 12-digit AWS account ID; write it like "111122223333", or leave it out to allow any account`);
  }

  const tags = reader.read(settings, record, "tags", "") ?? {};
  for (const key of Object.keys(tags)) {
    if (!TAG_KEY.test(key)) reader.fail(joinPath("tags", key), `tag keys starting with "aws:" are reserved by AWS; rename it`);
  }

  const amiTracker = readAmiTracker(reader, record["amiTracker"], { region });
  const backend = readBackend(reader, record["backend"], {
    region,
    keyPrefix: `${project}/${environment}`,
    workspacePrefix: `${project}-${environment}-`,
  });
  const config: AppConfig = {
    environment,
    project,
    region,
    ...(accountId !== undefined ? { accountId } : {}),
    tags: { Project: project, Environment: environment, ManagedBy: "cdktf", ...tags },
    backend,
    amiTracker,
    imageBuilder: readImageBuilder(reader, record["imageBuilder"], { region, namePrefix: `${project}-${environment}`, tracker: amiTracker }),
    alarms: readOpsAlarms(reader, record["alarms"]),
    storageFirstApi: readStorageFirstApi(reader, record["storageFirstApi"]),
    stateBootstrap: readStateBootstrap(reader, record["stateBootstrap"], { backend, project, environment }),
    ciAccess: readCiAccess(reader, record["ciAccess"], { backend, project, environment, region }),
    amiConsumer: readAmiConsumer(reader, record["amiConsumer"], { region }),
  };
  if (reader.problems.length > 0) throw new ConfigError(source, reader.problems);
  return config;
}

/** The environments a folder holds: its *.json files, by name. */
function environmentsIn(directory: string): string[] {
  try {
    return readdirSync(directory)
      .filter((file) => file.endsWith(".json"))
      .map((file) => file.slice(0, -".json".length))
      .sort();
  } catch {
    return [];
  }
}

/** JSON.parse says "at position 119"; an editor wants line and column (both from 1). */
export function jsonErrorWithLine(message: string, text: string): string {
  const match = / at position (\d+)/.exec(message);
  if (!match?.[1]) return message;
  const position = Number(match[1]);
  const before = text.slice(0, position).split("\n");
  const line = before.length;
  const column = (before[before.length - 1] ?? "").length + 1;
  return `line ${line}, column ${column}: ${message.replace(/ in JSON at position \d+| at position \d+/, "")}`;
}

/**
 * Reads config/environments/<environment>.json. The environment comes from `APP_ENV`
 * (default "default"); that is the only environment variable the configuration reads.
 */
export function loadConfig(environment = process.env["APP_ENV"] ?? "default", directory = CONFIG_DIRECTORY): AppConfig {
  const file = join(directory, `${environment}.json`);
  const source = `config/environments/${environment}.json`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    const existing = environmentsIn(directory);
    const choice = existing.length > 0 ? `one of: ${existing.join(", ")}` : "an existing environment";
    throw new ConfigError(source, [{ path: "APP_ENV", message: `"${environment}" has no file ${source}; create it or set APP_ENV to ${choice}` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(source, [{ path: "(file)", message: `is not valid JSON: ${jsonErrorWithLine((error as Error).message, text)}` }]);
  }
  const config = parseConfig(raw, environment, source);
  const shared = sharedOidcProviders(raw, environment, directory);
  if (shared.length > 0) throw new ConfigError(source, shared);
  return config;
}

/** The account a raw environment file names, or undefined (any account). */
function accountOf(raw: unknown): string | undefined {
  const value = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)["accountId"] : undefined;
  return typeof value === "string" ? value : undefined;
}

/**
 * IAM holds one OIDC provider per URL per account: two environment files that both create one for the
 * same host collide at apply (EntityAlreadyExists) if they share an account. Only environments that may
 * share one are compared: the same accountId, or neither naming one (the shipped examples name none, so
 * an environment with its accountId never meets them). Allowed also when every one of them says
 * `createOidcProvider: true` (separate accounts, not named).
 */
function sharedOidcProviders(raw: unknown, environment: string, directory: string): { path: string; message: string }[] {
  const mine = createdOidcProviders(raw);
  if (mine.length === 0) return [];
  const account = accountOf(raw);
  const problems: { path: string; message: string }[] = [];
  const others = readdirSync(directory)
    .filter((file) => file.endsWith(".json") && file !== `${environment}.json`)
    .sort()
    .flatMap((file) => {
      try {
        const other: unknown = JSON.parse(readFileSync(join(directory, file), "utf8"));
        return accountOf(other) === account ? [{ name: file.slice(0, -".json".length), hosts: createdOidcProviders(other) }] : [];
      } catch {
        return [];
      }
    });
  for (const provider of mine) {
    const rivals = others.filter((other) => other.hosts.some((host) => host.host === provider.host && !(host.explicit && provider.explicit)));
    if (rivals.length === 0) continue;
    const ci = provider.host === "token.actions.githubusercontent.com" ? "github" : "hcp";
    const where = account === undefined ? "" : ` (both in account ${account})`;
    problems.push({
      path: `ciAccess.${ci}`,
      message:
        `creates the OIDC provider for ${provider.host}, and so does environment ${rivals.map((other) => `"${other.name}"`).join(", ")}${where}; IAM holds one per account: ` +
        `set ciAccess.${ci}.oidcProviderArn in all but one (the ARN is that ci-access stack's ${ci === "github" ? "github" : "hcp"}_oidc_provider_arn output)` +
        (account === undefined
          ? `, or, if this one deploys to another account, set accountId to it (environments of different accounts are not compared) or ciAccess.${ci}.createOidcProvider to true in each`
          : ""),
    });
  }
  return problems;
}
