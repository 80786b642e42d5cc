import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
import type { BackendConfig } from "./backend";
import { checkBucketName } from "../validators";
import { Defaulted, Flag, keysOf, Optional, Section, Text, WholeNumber, type Resolved } from "../settings";

/**
 * The stack that creates the S3 state bucket the other stacks' S3 backend uses. It always keeps its
 * own state locally (it cannot live in the bucket it creates).
 */
export const StateBootstrapSettings = Section(
  {
    enabled: Optional(Flag('Synthesize the state-bootstrap stack. Default: true, except with backend.type "cloud" (no bucket needed).')),
    bucketName: Optional(
      Text('The bucket\'s name; S3 names are global across all AWS accounts. Default: backend.bucket with the S3 backend, else "<project>-<environment>-tfstate".'),
    ),
    kmsKeyArn: Optional(Text("A customer-managed KMS key (ARN) for SSE-KMS. Default: SSE-S3 (AES256).")),
    noncurrentVersionDays: Defaulted(WholeNumber(1, 3650, "Days a replaced or deleted state version is kept before S3 expires it."), 90),
    noncurrentVersionsToKeep: Defaulted(WholeNumber(0, 100, "Noncurrent versions kept regardless of age (the latest N)."), 10),
  },
  "The stack that creates the S3 state bucket (always local state).",
);

export type StateBootstrapConfig = Resolved<typeof StateBootstrapSettings, "enabled" | "bucketName">;

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export function readStateBootstrap(
  reader: ConfigReader,
  raw: unknown,
  context: { readonly backend: BackendConfig; readonly project: string; readonly environment: string },
): StateBootstrapConfig {
  const path = "stateBootstrap";
  const settings = StateBootstrapSettings;
  const record = reader.object(raw, path, keysOf(settings));
  const enabled = reader.read(settings, record, "enabled", path, { fallback: context.backend.type !== "cloud" });
  const defaultName = context.backend.type === "s3" ? context.backend.bucket : `${context.project}-${context.environment}-tfstate`;
  const bucketName = reader.read(settings, record, "bucketName", path, { fallback: defaultName });
  const bucketProblem = checkBucketName(bucketName);
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
    enabled,
    bucketName,
    noncurrentVersionDays: reader.read(settings, record, "noncurrentVersionDays", path),
    noncurrentVersionsToKeep: reader.read(settings, record, "noncurrentVersionsToKeep", path),
    ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}),
  };
}
