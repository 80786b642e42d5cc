import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
import { checkRegion } from "../validators";

/** Where Terraform keeps the state of each stack. */
export type BackendConfig = LocalBackendConfig | S3BackendConfig;

/** State in a file next to the project: for trying the app out, never for a team. */
export interface LocalBackendConfig {
  readonly type: "local";
}

/** State in S3, one key per stack: https://developer.hashicorp.com/terraform/language/backend/s3 */
export interface S3BackendConfig {
  readonly type: "s3";
  /** The state bucket (created by hand or by a bootstrap stack). */
  readonly bucket: string;
  /** The bucket's region. @default the app's region */
  readonly region: string;
  /** Each stack's key is `<keyPrefix>/<stack>.tfstate`. @default "<project>/<environment>" */
  readonly keyPrefix: string;
  /** A KMS key for the state objects. @default - SSE-S3 (state is always encrypted) */
  readonly kmsKeyId?: string;
  /** S3-native state locking (Terraform >= 1.10). @default true */
  readonly useLockfile: boolean;
  /** A DynamoDB lock table, for Terraform older than 1.10. @default - none */
  readonly dynamodbTable?: string;
}

const KEYS = ["type", "bucket", "region", "keyPrefix", "kmsKeyId", "useLockfile", "dynamodbTable"] as const;

export function readBackend(
  reader: ConfigReader,
  raw: unknown,
  defaults: { readonly region: string; readonly keyPrefix: string },
): BackendConfig {
  const path = "backend";
  const record = reader.object(raw, path, KEYS);
  const bucket = reader.optionalString(record, "bucket", path);
  const type = reader.string(record, "type", path, bucket === undefined ? "local" : "s3");

  if (type === "local") {
    if (bucket !== undefined) {
      reader.fail(joinPath(path, "bucket"), `is set but backend.type is "local"; remove one of the two`);
    }
    return { type: "local" };
  }
  if (type !== "s3") {
    reader.fail(joinPath(path, "type"), `${describe(type)} is not a backend; use "s3" or "local"`);
    return { type: "local" };
  }
  if (bucket === undefined || bucket.trim() === "") {
    reader.fail(
      joinPath(path, "bucket"),
      `${describe(bucket)} is empty; set it to the name of your state bucket, or remove backend.type to keep state locally`,
    );
  } else if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes("..")) {
    reader.fail(joinPath(path, "bucket"), `${describe(bucket)} is not a valid S3 bucket name (3-63 lowercase letters, digits, "." or "-")`);
  }
  const region = reader.string(record, "region", path, defaults.region);
  // A defaulted region is the app's, which is checked (and reported) once, at "region".
  const regionProblem = record["region"] === undefined ? undefined : checkRegion(region);
  if (regionProblem) reader.fail(joinPath(path, "region"), regionProblem);
  const keyPrefix = reader.string(record, "keyPrefix", path, defaults.keyPrefix);
  if (!/^[A-Za-z0-9!_.*'()/-]+$/.test(keyPrefix) || keyPrefix.startsWith("/") || keyPrefix.endsWith("/")) {
    reader.fail(joinPath(path, "keyPrefix"), `${describe(keyPrefix)} is not a key prefix; write it like "team/app/prod", no leading or trailing "/"`);
  }
  const kmsKeyId = reader.optionalString(record, "kmsKeyId", path);
  const dynamodbTable = reader.optionalString(record, "dynamodbTable", path);
  return {
    type: "s3",
    bucket: bucket ?? "",
    region,
    keyPrefix,
    useLockfile: reader.boolean(record, "useLockfile", path, true),
    ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    ...(dynamodbTable !== undefined ? { dynamodbTable } : {}),
  };
}
