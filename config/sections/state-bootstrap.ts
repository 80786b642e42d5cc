import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
import type { BackendConfig } from "./backend";
import { checkBucketName } from "../validators";

/**
 * The stack that creates the S3 state bucket the other stacks' S3 backend uses. It always keeps its
 * own state locally (it cannot live in the bucket it creates).
 */
export interface StateBootstrapConfig {
  /** Synthesize the state-bootstrap stack. @default true, except with backend.type "cloud" (no bucket needed) */
  readonly enabled: boolean;
  /**
   * The bucket's name. S3 names are global across all AWS accounts: choose your own.
   * @default backend.bucket with the S3 backend, else "<project>-<environment>-tfstate"
   */
  readonly bucketName: string;
  /** A customer-managed KMS key (ARN) for SSE-KMS. @default - SSE-S3 (AES256) */
  readonly kmsKeyArn?: string;
  /** Days a replaced or deleted state version is kept before S3 expires it. @default 90 */
  readonly noncurrentVersionDays: number;
  /** Noncurrent versions kept regardless of age (the latest N). @default 10 */
  readonly noncurrentVersionsToKeep: number;
}

const KEYS = ["enabled", "bucketName", "kmsKeyArn", "noncurrentVersionDays", "noncurrentVersionsToKeep"] as const;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export function readStateBootstrap(
  reader: ConfigReader,
  raw: unknown,
  context: { readonly backend: BackendConfig; readonly project: string; readonly environment: string },
): StateBootstrapConfig {
  const path = "stateBootstrap";
  const record = reader.object(raw, path, KEYS);
  const enabled = reader.boolean(record, "enabled", path, context.backend.type !== "cloud");
  const defaultName = context.backend.type === "s3" ? context.backend.bucket : `${context.project}-${context.environment}-tfstate`;
  const bucketName = reader.string(record, "bucketName", path, defaultName);
  const bucketProblem = checkBucketName(bucketName);
  if (bucketProblem) {
    reader.fail(joinPath(path, "bucketName"), bucketProblem);
  } else if (context.backend.type === "s3" && record["bucketName"] !== undefined && bucketName !== context.backend.bucket) {
    reader.fail(
      joinPath(path, "bucketName"),
      `${describe(bucketName)} differs from backend.bucket ${describe(context.backend.bucket)}; the bootstrap stack creates the backend's bucket, so leave bucketName out`,
    );
  }
  const kmsKeyArn = reader.optionalString(record, "kmsKeyArn", path);
  if (kmsKeyArn !== undefined && !KMS_KEY_ARN.test(kmsKeyArn)) {
    reader.fail(joinPath(path, "kmsKeyArn"), `${describe(kmsKeyArn)} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); leave it out for SSE-S3`);
  }
  return {
    enabled,
    bucketName,
    noncurrentVersionDays: reader.integer(record, "noncurrentVersionDays", path, 90, { min: 1, max: 3650 }),
    noncurrentVersionsToKeep: reader.integer(record, "noncurrentVersionsToKeep", path, 10, { min: 0, max: 100 }),
    ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}),
  };
}
