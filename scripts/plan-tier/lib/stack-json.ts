import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { PUBLIC_AMI_PARAMETER_PREFIX } from "./aws-stand-ins";
import { directoryEntries, makeZip, type ZipEntry } from "../../shared/zip";

/** Terraform JSON syntax, as CDKTF writes it in cdk.tf.json. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Data sources that call AWS (or another backend) while planning, so a stack holding one cannot be planned without an account. */
export const PLAN_TIME_DATA_SOURCES: Readonly<Record<string, string>> = {
  aws_caller_identity: 'calls STS GetCallerIdentity at plan time; read the account ID from a created resource\'s ARN instead (element 4 of split(":", arn))',
  aws_ssm_parameter: `reads the parameter from SSM Parameter Store at plan time (only AWS's public ${PUBLIC_AMI_PARAMETER_PREFIX}* parameters are answered offline, by the local stand-in); pass the value in the configuration, or let the resource that needs it resolve it at run time (e.g. resolve:ssm:NAME)`,
  aws_ami: "calls EC2 DescribeImages at plan time; pass the AMI ID in the configuration or resolve it at run time (resolve:ssm:NAME)",
  aws_availability_zones: "calls EC2 DescribeAvailabilityZones at plan time; list the zones in the configuration",
  terraform_remote_state:
    "reads another stack's state from its backend at plan time (a cross-stack reference), so this stack cannot be planned before that one is applied; pass values by name instead",
};

export interface ForbiddenDataSource {
  readonly address: string;
  readonly why: string;
}

/** Every data source in the stack that needs AWS at plan time. */
export function planTimeDataSources(stack: JsonObject): ForbiddenDataSource[] {
  const data = stack["data"];
  if (!isObject(data)) return [];
  const found: ForbiddenDataSource[] = [];
  for (const type of Object.keys(data).sort()) {
    const why = PLAN_TIME_DATA_SOURCES[type];
    const blocks = data[type];
    if (why === undefined || !isObject(blocks)) continue;
    for (const name of Object.keys(blocks).sort()) {
      if (type === "aws_ssm_parameter" && isPublicAmiParameter(blocks[name])) continue;
      found.push({ address: `data.${type}.${name}`, why });
    }
  }
  return found;
}

function isPublicAmiParameter(block: Json | undefined): boolean {
  return isObject(block) && typeof block["name"] === "string" && block["name"].startsWith(PUBLIC_AMI_PARAMETER_PREFIX);
}

/** Whether the stack reads one of AWS's public AMI parameters at plan time (the stand-in answers those). */
export function readsPublicAmiParameter(stack: JsonObject): boolean {
  const data = stack["data"];
  const blocks = isObject(data) ? data["aws_ssm_parameter"] : undefined;
  return isObject(blocks) && Object.values(blocks).some(isPublicAmiParameter);
}

/** The override file that swaps whatever backend the stack has for local state inside its (copied) folder. */
export function backendOverride(): JsonObject {
  return { terraform: { backend: { local: { path: "terraform.tfstate" } } } };
}

const DUMMY_CREDENTIALS: JsonObject = {
  access_key: "offline-plan-dummy-access-key",
  secret_key: "offline-plan-dummy-secret-key",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
};

/** The aliases of the stack's aws providers; "" is the default (unaliased) one. */
export function awsProviderAliases(stack: JsonObject): string[] {
  const providers = stack["provider"];
  if (!isObject(providers)) return [];
  const aws = providers["aws"];
  const blocks = Array.isArray(aws) ? aws : aws === undefined ? [] : [aws];
  return blocks.map((block) => (isObject(block) && typeof block["alias"] === "string" ? block["alias"] : ""));
}

/** Whether an aws provider of the stack sets allowed_account_ids (config accountId). */
function limitsAccounts(stack: JsonObject): boolean {
  const providers = stack["provider"];
  const aws = isObject(providers) ? providers["aws"] : undefined;
  const blocks = Array.isArray(aws) ? aws : aws === undefined ? [] : [aws];
  return blocks.some((block) => isObject(block) && block["allowed_account_ids"] !== undefined);
}

/** Whether the stack declares managed resources of this type. */
export function declaresResource(stack: JsonObject, type: string): boolean {
  const resources = stack["resource"];
  return isObject(resources) && isObject(resources[type]) && Object.keys(resources[type]).length > 0;
}

/**
 * The override file that gives every aws provider, each aliased copy by its alias, dummy credentials
 * and the skip flags; with `sfnEndpoint`, Step Functions calls go to that (local) endpoint.
 */
export function providerOverride(stack: JsonObject, options: { readonly sfnEndpoint?: string; readonly ssmEndpoint?: string } = {}): JsonObject | undefined {
  const aliases = awsProviderAliases(stack);
  if (aliases.length === 0) return undefined;
  const settings: JsonObject = {
    ...DUMMY_CREDENTIALS,
    // An environment's accountId (allowed_account_ids) refuses the unknown account of dummy credentials:
    // "AWS account ID not allowed" (measured); null unsets it in the override.
    ...(limitsAccounts(stack) ? { allowed_account_ids: null } : {}),
    // A call that cannot succeed offline fails at once instead of after the SDK's 25 retries.
    max_retries: 1,
    ...(options.sfnEndpoint !== undefined || options.ssmEndpoint !== undefined
      ? {
          endpoints: [
            {
              ...(options.sfnEndpoint !== undefined ? { sfn: options.sfnEndpoint } : {}),
              ...(options.ssmEndpoint !== undefined ? { ssm: options.ssmEndpoint } : {}),
            },
          ],
        }
      : {}),
  };
  return {
    provider: {
      aws: aliases.map((alias) => (alias === "" ? { ...settings } : { alias, ...settings })),
    },
  };
}

/** One `data.archive_file` the script replaced with a zip of its own. */
export interface ArchiveStandIn {
  readonly address: string;
  /** Relative to the stack folder. */
  readonly outputPath: string;
  readonly outputBase64sha256: string;
  readonly files: number;
}

const PATH_MODULE = "${path.module}";

/** `${path.module}/x` -> <stack folder>/x; anything else that Terraform would have to evaluate is refused. */
function resolveModulePath(value: Json | undefined, stackDir: string, address: string, argument: string): string {
  if (typeof value !== "string") throw new Error(`${address}: ${argument} is not a string; the archive stand-in cannot make this zip`);
  const rest = value.startsWith(PATH_MODULE) ? value.slice(PATH_MODULE.length) : value;
  if (rest.includes("${")) {
    throw new Error(`${address}: ${argument} "${value}" holds an expression; the archive stand-in resolves only \${path.module}`);
  }
  if (!value.startsWith(PATH_MODULE) && rest.startsWith("/")) {
    throw new Error(`${address}: ${argument} "${value}" is an absolute path; a stack folder must be self-contained (use \${path.module})`);
  }
  return join(stackDir, rest);
}

function archiveEntries(block: JsonObject, stackDir: string, address: string): ZipEntry[] {
  const excludes = Array.isArray(block["excludes"]) ? block["excludes"].filter((item): item is string => typeof item === "string") : [];
  if (block["source_dir"] !== undefined) {
    return directoryEntries(resolveModulePath(block["source_dir"], stackDir, address, "source_dir"), excludes);
  }
  if (block["source_file"] !== undefined) {
    const file = resolveModulePath(block["source_file"], stackDir, address, "source_file");
    const executable = (statSync(file).mode & 0o111) !== 0;
    return [{ name: basename(file), data: readFileSync(file), mode: executable ? 0o755 : 0o644 }];
  }
  if (typeof block["source_content"] === "string" && typeof block["source_content_filename"] === "string") {
    return [{ name: block["source_content_filename"], data: Buffer.from(block["source_content"], "utf8") }];
  }
  throw new Error(`${address}: the archive stand-in supports source_dir, source_file and source_content; this block has none of them`);
}

/**
 * Replaces each `data.archive_file` with a zip the script makes (same source, same output path) and
 * every reference to it with the values of that zip: a string that is exactly one reference becomes
 * the literal value; a reference inside a longer expression reads `local.archive_file_<name>`.
 * Also drops the archive provider's requirement and configuration, which are then unused.
 */
export function standInArchives(stack: JsonObject, stackDir: string): { stack: JsonObject; standIns: ArchiveStandIn[] } {
  const data = stack["data"];
  const archives = isObject(data) ? data["archive_file"] : undefined;
  if (!isObject(data) || !isObject(archives)) return { stack, standIns: [] };

  const values = new Map<string, JsonObject>();
  const standIns: ArchiveStandIn[] = [];
  for (const name of Object.keys(archives).sort()) {
    const block = archives[name];
    const address = `data.archive_file.${name}`;
    if (!isObject(block)) throw new Error(`${address} is not an object`);
    if (block["type"] !== "zip") throw new Error(`${address}: type ${JSON.stringify(block["type"])}; the archive stand-in makes zips only`);
    const outputFile = resolveModulePath(block["output_path"], stackDir, address, "output_path");
    const entries = archiveEntries(block, stackDir, address);
    const zip = makeZip(entries);
    mkdirSync(dirname(outputFile), { recursive: true });
    writeFileSync(outputFile, zip);
    const digest = (algorithm: string, encoding: "hex" | "base64"): string => createHash(algorithm).update(zip).digest(encoding);
    const outputPath = block["output_path"];
    const attributes: JsonObject = {
      ...block,
      id: digest("sha1", "hex"),
      output_path: typeof outputPath === "string" ? outputPath : "",
      output_size: zip.length,
      output_md5: digest("md5", "hex"),
      output_sha: digest("sha1", "hex"),
      output_sha256: digest("sha256", "hex"),
      output_base64sha256: digest("sha256", "base64"),
      output_sha512: digest("sha512", "hex"),
      output_base64sha512: digest("sha512", "base64"),
    };
    delete attributes["//"];
    values.set(name, attributes);
    standIns.push({
      address,
      outputPath: relative(stackDir, outputFile).split("\\").join("/"),
      outputBase64sha256: digest("sha256", "base64"),
      files: entries.length,
    });
  }

  const rewritten = rewriteReferences(stack, values);
  if (!isObject(rewritten)) throw new Error("the stack is not a JSON object");
  const rewrittenData = rewritten["data"];
  if (isObject(rewrittenData)) {
    delete rewrittenData["archive_file"];
    if (Object.keys(rewrittenData).length === 0) delete rewritten["data"];
  }
  const locals = isObject(rewritten["locals"]) ? rewritten["locals"] : {};
  for (const [name, attributes] of values) locals[`archive_file_${name}`] = attributes;
  rewritten["locals"] = locals;
  dropArchiveProvider(rewritten);
  return { stack: rewritten, standIns };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function rewriteReferences(value: Json, archives: ReadonlyMap<string, JsonObject>): Json {
  if (typeof value === "string") return rewriteString(value, archives);
  if (Array.isArray(value)) {
    // depends_on lists addresses: a zip made before Terraform runs needs no ordering.
    return value
      .filter((item) => !(typeof item === "string" && [...archives.keys()].some((name) => item === `data.archive_file.${name}`)))
      .map((item) => rewriteReferences(item, archives));
  }
  if (isObject(value)) {
    const copy: JsonObject = {};
    for (const [key, item] of Object.entries(value)) copy[key] = rewriteReferences(item, archives);
    return copy;
  }
  return value;
}

function rewriteString(text: string, archives: ReadonlyMap<string, JsonObject>): Json {
  let result = text;
  for (const [name, attributes] of archives) {
    const whole = new RegExp(`^\\$\\{data\\.archive_file\\.${escapeRegExp(name)}\\.(\\w+)\\}$`).exec(result);
    const attribute = whole?.[1];
    if (attribute !== undefined) {
      const literal = attributes[attribute];
      if (typeof literal === "string") return literal;
      if (typeof literal === "number") return String(literal);
    }
    result = result.replace(new RegExp(`\\bdata\\.archive_file\\.${escapeRegExp(name)}\\b`, "g"), `local.archive_file_${name}`);
  }
  return result;
}

function dropArchiveProvider(stack: JsonObject): void {
  const providers = stack["provider"];
  if (isObject(providers)) {
    delete providers["archive"];
    if (Object.keys(providers).length === 0) delete stack["provider"];
  }
  const terraform = stack["terraform"];
  const required = isObject(terraform) ? terraform["required_providers"] : undefined;
  if (isObject(required)) delete required["archive"];
}

/** Whether the stack uses the archive provider at all. */
export function usesArchiveProvider(stack: JsonObject): boolean {
  const data = stack["data"];
  return isObject(data) && isObject(data["archive_file"]);
}
