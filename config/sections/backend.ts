import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
import { checkBucketName, checkRegion } from "../validators";
import type { TObject } from "@sinclair/typebox";
import { Defaulted, Flag, keysOf, Matching, OneOf, Optional, Region, Section, Text, type Resolved } from "../settings";
import { BUCKET_NAME } from "../patterns";

const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const ALIAS_NAME = /^alias\/[A-Za-z0-9/_-]{1,250}$/;
const KMS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key\/.+|alias\/.+)$/;
/** The four forms of kmsKeyForm below as one pattern, for the schema. */
const KMS_KEY_REFERENCE = new RegExp(
  `^(?:${unanchored(KEY_ID)}|${unanchored(ALIAS_NAME)}|arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(?:key\\/${unanchored(KEY_ID)}|${unanchored(ALIAS_NAME)}))$`,
);
/** S3 object key characters, no leading or trailing "/". */
const KEY_PREFIX = /^(?!\/)[A-Za-z0-9!_.*'()/-]+(?<!\/)$/;
/** Organization and workspace names: letters, digits, "-" and "_" (HCP Terraform's rule). */
const HCP_NAME = /^[A-Za-z0-9_-]+$/;
const WORKSPACE_PREFIX = /^[A-Za-z0-9_-]*$/;
const HCP_PROJECT = /^(?!\s*$)[\s\S]{1,40}$/;
const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

function unanchored(pattern: RegExp): string {
  return pattern.source.replace(/^\^/, "").replace(/\$$/, "");
}

const S3_SETTINGS = {
  bucket: Optional(Matching(BUCKET_NAME, "s3: the state bucket (created by hand or by the state-bootstrap stack); setting it selects the S3 backend.")),
  region: Optional(Region("s3: the bucket's region. Default: the app's region.")),
  keyPrefix: Optional(Matching(KEY_PREFIX, 's3: each stack\'s key is "<keyPrefix>/<stack>.tfstate". Default: "<project>/<environment>".')),
  kmsKeyId: Optional(
    Matching(
      KMS_KEY_REFERENCE,
      "s3: a KMS key for the state objects: key ID, key ARN, alias or alias ARN, in the bucket's region. Default: SSE-S3 (state is always encrypted).",
    ),
  ),
  useLockfile: Defaulted(Flag("s3: S3-native state locking (Terraform >= 1.10)."), true),
  dynamodbTable: Optional(Text("s3: a DynamoDB lock table, for Terraform older than 1.10. Default: none.")),
};
const CLOUD_SETTINGS = {
  organization: Optional(Matching(HCP_NAME, "cloud: the HCP Terraform organization (required with type cloud).")),
  project: Defaulted(Matching(HCP_PROJECT, "cloud: the HCP Terraform project the workspaces belong to."), "Default Project"),
  workspacePrefix: Optional(Matching(WORKSPACE_PREFIX, 'cloud: each stack\'s workspace is "<workspacePrefix><stack>". Default: "<project>-<environment>-".')),
  hostname: Defaulted(Matching(HOSTNAME, "cloud: HCP Terraform or a Terraform Enterprise host."), "app.terraform.io"),
};

/** Where Terraform keeps the state of each stack (the `backend` section). */
export const BackendSettings = Section(
  {
    type: Optional(OneOf(["s3", "local", "cloud"] as const, 'Default: "s3" when bucket is set, else "local".')),
    ...S3_SETTINGS,
    ...CLOUD_SETTINGS,
  },
  "Where Terraform keeps the state of each stack: local (default), s3, or cloud (HCP Terraform).",
);
const S3_KEYS = Object.keys(S3_SETTINGS);
const CLOUD_KEYS = Object.keys(CLOUD_SETTINGS);

/** State in a file next to the project: for trying the app out, never for a team. */
export interface LocalBackendConfig {
  readonly type: "local";
}
/** State in S3, one key per stack: https://developer.hashicorp.com/terraform/language/backend/s3 (settings and defaults: S3_SETTINGS). */
export type S3BackendConfig = { readonly type: "s3" } & Resolved<TObject<typeof S3_SETTINGS>, "bucket" | "region" | "keyPrefix">;
/**
 * HCP Terraform (Terraform Cloud): one named workspace per stack, `<workspacePrefix><stack>` (settings
 * and defaults: CLOUD_SETTINGS). https://developer.hashicorp.com/terraform/cli/cloud/settings
 */
export type CloudBackendConfig = { readonly type: "cloud" } & Resolved<TObject<typeof CLOUD_SETTINGS>, "organization" | "workspacePrefix">;
/** Where Terraform keeps the state of each stack: the one `type` of BackendSettings, with that type's settings. */
export type BackendConfig = LocalBackendConfig | S3BackendConfig | CloudBackendConfig;

/** The forms KMS accepts for a key (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id). */
export type KmsKeyForm =
  | { readonly kind: "key-id" }
  | { readonly kind: "key-arn"; readonly region: string; readonly account: string }
  | { readonly kind: "alias-name" }
  | { readonly kind: "alias-arn"; readonly region: string; readonly account: string; readonly alias: string };

/** Which form a KMS key reference has, or undefined when it is none of them. */
export function kmsKeyForm(value: string): KmsKeyForm | undefined {
  if (KEY_ID.test(value)) return { kind: "key-id" };
  if (ALIAS_NAME.test(value)) return { kind: "alias-name" };
  const arn = KMS_ARN.exec(value);
  if (arn?.[1] === undefined || arn[2] === undefined || arn[3] === undefined) return undefined;
  const resource = arn[3];
  if (resource.startsWith("key/")) return KEY_ID.test(resource.slice("key/".length)) ? { kind: "key-arn", region: arn[1], account: arn[2] } : undefined;
  return ALIAS_NAME.test(resource) ? { kind: "alias-arn", region: arn[1], account: arn[2], alias: resource } : undefined;
}

export function readBackend(
  reader: ConfigReader,
  raw: unknown,
  defaults: { readonly region: string; readonly keyPrefix: string; readonly workspacePrefix: string },
): BackendConfig {
  const path = "backend";
  const settings = BackendSettings;
  const record = reader.object(raw, path, keysOf(settings));
  const bucket = reader.read(settings, record, "bucket", path);
  const type: string = reader.read(settings, record, "type", path, { fallback: bucket === undefined ? "local" : "s3" });
  const misplaced = (keys: readonly string[]): void => {
    for (const key of keys) {
      if (record[key] !== undefined) reader.fail(joinPath(path, key), `does not apply to backend.type "${type}"; remove it or change backend.type`);
    }
  };

  if (type === "cloud") {
    misplaced(S3_KEYS);
    return readCloud(reader, record, path, defaults.workspacePrefix);
  }
  misplaced(CLOUD_KEYS);

  if (type === "local") {
    if (bucket !== undefined) {
      reader.fail(joinPath(path, "bucket"), `is set but backend.type is "local"; remove one of the two`);
    }
    return { type: "local" };
  }
  if (type !== "s3") {
    reader.fail(joinPath(path, "type"), `${describe(type)} is not a backend; use "s3" or "local", or "cloud" for HCP Terraform`);
    return { type: "local" };
  }
  if (bucket === undefined || bucket.trim() === "") {
    reader.fail(
      joinPath(path, "bucket"),
      `${describe(bucket)} is empty; set it to the name of your state bucket, or remove backend.type to keep state locally`,
    );
  } else {
    const bucketProblem = checkBucketName(bucket);
    if (bucketProblem) reader.fail(joinPath(path, "bucket"), bucketProblem);
  }
  const region = reader.read(settings, record, "region", path, { fallback: defaults.region });
  // A defaulted region is the app's, which is checked (and reported) once, at "region".
  const regionProblem = record["region"] === undefined ? undefined : checkRegion(region);
  if (regionProblem) reader.fail(joinPath(path, "region"), regionProblem);
  const keyPrefix = reader.read(settings, record, "keyPrefix", path, { fallback: defaults.keyPrefix });
  if (!KEY_PREFIX.test(keyPrefix)) {
    reader.fail(joinPath(path, "keyPrefix"), `${describe(keyPrefix)} is not a key prefix; write it like "team/app/prod", no leading or trailing "/"`);
  }
  const kmsKeyId = reader.read(settings, record, "kmsKeyId", path);
  if (kmsKeyId !== undefined && kmsKeyForm(kmsKeyId) === undefined) {
    reader.fail(
      joinPath(path, "kmsKeyId"),
      `${describe(kmsKeyId)} is not a KMS key reference; use a key ID ("1234abcd-12ab-34cd-56ef-1234567890ab"), key ARN, alias ("alias/state") or alias ARN, or leave it out for SSE-S3`,
    );
  } else if (kmsKeyId !== undefined) {
    const form = kmsKeyForm(kmsKeyId);
    if ((form?.kind === "key-arn" || form?.kind === "alias-arn") && form.region !== region) {
      reader.fail(
        joinPath(path, "kmsKeyId"),
        `${describe(kmsKeyId)} is in ${form.region} but the state bucket is in ${region}; SSE-KMS needs a key in the bucket's region`,
      );
    }
  }
  const dynamodbTable = reader.read(settings, record, "dynamodbTable", path);
  return {
    type: "s3",
    bucket: bucket ?? "",
    region,
    keyPrefix,
    useLockfile: reader.read(settings, record, "useLockfile", path),
    ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    ...(dynamodbTable !== undefined ? { dynamodbTable } : {}),
  };
}

function readCloud(reader: ConfigReader, record: Record<string, unknown>, path: string, defaultPrefix: string): CloudBackendConfig {
  const settings = BackendSettings;
  const organization = reader.read(settings, record, "organization", path, { fallback: "" });
  if (!HCP_NAME.test(organization)) {
    reader.fail(
      joinPath(path, "organization"),
      `${describe(organization)} is not an HCP Terraform organization name; set it to yours (letters, digits, "-" or "_")`,
    );
  }
  const project = reader.read(settings, record, "project", path);
  if (!HCP_PROJECT.test(project)) {
    reader.fail(joinPath(path, "project"), `${describe(project)} is not an HCP Terraform project name (1-40 characters); leave it out for "Default Project"`);
  }
  const workspacePrefix = reader.read(settings, record, "workspacePrefix", path, { fallback: defaultPrefix });
  if (!WORKSPACE_PREFIX.test(workspacePrefix)) {
    reader.fail(
      joinPath(path, "workspacePrefix"),
      `${describe(workspacePrefix)} is not a workspace name prefix; use letters, digits, "-" or "_", e.g. "ssm-patterns-prod-"`,
    );
  }
  const hostname = reader.read(settings, record, "hostname", path);
  if (!HOSTNAME.test(hostname)) {
    reader.fail(joinPath(path, "hostname"), `${describe(hostname)} is not a host name; write it without https://, e.g. "app.terraform.io"`);
  }
  return { type: "cloud", organization, project, workspacePrefix, hostname };
}
