import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
import type { BackendConfig } from "./backend";
import { checkBucketName } from "../validators";
import { Defaulted, Flag, keysOf, Matching, Optional, Section, WholeNumber, type Resolved } from "../settings";
import { BUCKET_NAME } from "../patterns";

/** S3 keeps 63 characters for a name; the provider's unique suffix takes 26 of them. */
export const MAX_BUCKET_PREFIX = 37;
const BUCKET_PREFIX = new RegExp(`^[a-z0-9][a-z0-9.-]{0,${MAX_BUCKET_PREFIX - 1}}$`);
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * The stack that creates the S3 state bucket the other stacks' S3 backend uses. It always keeps its
 * own state locally (it cannot live in the bucket it creates).
 */
export const StateBootstrapSettings = Section(
  {
    enabled: Optional(Flag('Synthesize the state-bootstrap stack. Default: true, except with backend.type "cloud" (no bucket needed).')),
    bucketName: Optional(
      Matching(
        BUCKET_NAME,
        "The bucket's name. S3 names are global across all AWS accounts, so a fixed default would collide (BucketAlreadyExists). Default: backend.bucket with the S3 backend, else none: S3 completes bucketPrefix with a unique suffix.",
      ),
    ),
    bucketPrefix: Optional(
      Matching(
        BUCKET_PREFIX,
        'With no bucketName: the start of the name, completed by Terraform with a unique 26-character suffix (bucket_prefix); the backend_config output names the bucket created. At most 37 characters. Default: "<project>-<environment>-tfstate-" (cut to fit).',
      ),
    ),
    kmsKeyArn: Optional(Matching(KMS_KEY_ARN, "A customer-managed KMS key (ARN) for SSE-KMS. Default: SSE-S3 (AES256).")),
    noncurrentVersionDays: Defaulted(WholeNumber(1, 3650, "Days a replaced or deleted state version is kept before S3 expires it."), 90),
    noncurrentVersionsToKeep: Defaulted(WholeNumber(0, 100, "Noncurrent versions kept regardless of age (the latest N)."), 10),
  },
  "The stack that creates the S3 state bucket (always local state).",
);

export type StateBootstrapConfig = Resolved<typeof StateBootstrapSettings, "enabled" | "bucketPrefix">;

/** `<project>-<environment>-tfstate-`, with project and environment cut so the whole fits `bucket_prefix`. */
export function defaultBucketPrefix(project: string, environment: string): string {
  const suffix = "-tfstate-";
  const base = `${project}-${environment}`.slice(0, MAX_BUCKET_PREFIX - suffix.length).replace(/-+$/, "");
  return `${base}${suffix}`;
}

export function readStateBootstrap(
  reader: ConfigReader,
  raw: unknown,
  context: { readonly backend: BackendConfig; readonly project: string; readonly environment: string },
): StateBootstrapConfig {
  const path = "stateBootstrap";
  const settings = StateBootstrapSettings;
  const record = reader.object(raw, path, keysOf(settings));
  const enabled = reader.read(settings, record, "enabled", path, { fallback: context.backend.type !== "cloud" });
  const bucketName =
    context.backend.type === "s3"
      ? reader.read(settings, record, "bucketName", path, { fallback: context.backend.bucket })
      : reader.read(settings, record, "bucketName", path);
  const bucketPrefix = reader.read(settings, record, "bucketPrefix", path, { fallback: defaultBucketPrefix(context.project, context.environment) });
  if (!BUCKET_PREFIX.test(bucketPrefix)) {
    reader.fail(
      joinPath(path, "bucketPrefix"),
      `${describe(bucketPrefix)} must be at most ${MAX_BUCKET_PREFIX} lowercase letters, digits, "." or "-", starting with a letter or digit (S3 adds a 26-character suffix); leave it out for "${defaultBucketPrefix(context.project, context.environment)}"`,
    );
  } else if (bucketName !== undefined && record["bucketPrefix"] !== undefined) {
    reader.fail(joinPath(path, "bucketPrefix"), `is set together with a bucket name (${describe(bucketName)}); keep one of them`);
  }
  const bucketProblem = bucketName === undefined ? undefined : checkBucketName(bucketName);
  if (bucketProblem) {
    reader.fail(joinPath(path, "bucketName"), bucketProblem);
  } else if (context.backend.type === "s3" && record["bucketName"] !== undefined && bucketName !== context.backend.bucket) {
    reader.fail(
      joinPath(path, "bucketName"),
      `${describe(bucketName)} differs from backend.bucket ${describe(context.backend.bucket)}; the bootstrap stack creates the backend's bucket, so leave bucketName out`,
    );
  }
  const kmsKeyArn = reader.read(settings, record, "kmsKeyArn", path);
  if (kmsKeyArn !== undefined && !KMS_KEY_ARN.test(kmsKeyArn)) {
    reader.fail(joinPath(path, "kmsKeyArn"), `${describe(kmsKeyArn)} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); leave it out for SSE-S3`);
  }
  return {
    ...reader.rest(settings, record, path, ["enabled", "bucketName", "bucketPrefix", "kmsKeyArn"]),
    enabled,
    ...(bucketName !== undefined ? { bucketName } : {}),
    bucketPrefix,
    ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}),
  };
}
