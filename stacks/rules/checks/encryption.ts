/** Encryption at rest for topics, queues, streams, buckets and log groups, and log retention. */
import { asList, firstBlock, isJsonObject } from "../stack-index";
import { compliant, nonCompliant, type Json, type RuleOutcome, type StackLookup, type SynthesizedBlock } from "../types";

/** Which key a `kms_*key*` attribute names: a customer-managed key in this stack, an AWS-managed alias, or another key. */
export function describeKey(value: Json | undefined, stack: StackLookup): string {
  if (typeof value !== "string") return "no key";
  if (/^alias\/aws\//.test(value)) return `the AWS-managed key ${value}`;
  const target = stack.referenced(value);
  if (target?.type === "aws_kms_key") return `the customer-managed key ${target.address}`;
  if (target?.type === "aws_kms_alias") return `the key behind ${target.address}`;
  return `the key ${value}`;
}

function present(value: Json | undefined): value is string {
  return typeof value === "string" && value.length > 0;
}

/** ENC-1: SNS topic with a KMS key (SNS has no service-owned encryption). */
export function snsEncrypted(topic: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const key = topic.config.kms_master_key_id;
  return present(key) ? compliant(`encrypted with ${describeKey(key, stack)}`) : nonCompliant("kms_master_key_id is not set: messages are stored unencrypted");
}

/** ENC-2: SQS queue with SSE-SQS or a KMS key. */
export function sqsEncrypted(queue: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const key = queue.config.kms_master_key_id;
  if (present(key)) return compliant(`SSE-KMS with ${describeKey(key, stack)}`);
  if (queue.config.sqs_managed_sse_enabled === true) return compliant("SSE-SQS (SQS-owned key)");
  return nonCompliant("neither sqs_managed_sse_enabled = true (SSE-SQS) nor kms_master_key_id (SSE-KMS) is set");
}

/** ENC-3: Kinesis stream with KMS encryption. */
export function kinesisEncrypted(stream: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const key = stream.config.kms_key_id;
  if (stream.config.encryption_type === "KMS" && present(key)) return compliant(`encrypted with ${describeKey(key, stack)}`);
  return nonCompliant('encryption_type = "KMS" with a kms_key_id (e.g. "alias/aws/kinesis") is not set');
}

/** The SSE algorithm and key a bucket's encryption configuration sets, if any. */
function bucketEncryption(bucket: SynthesizedBlock, stack: StackLookup): { algorithm: string; key: Json | undefined; where: string } | undefined {
  const configurations = [
    ...stack.referencing(bucket, "aws_s3_bucket_server_side_encryption_configuration").map((block) => ({ rules: block.config.rule, where: block.address })),
  ];
  const inline = firstBlock(bucket.config.server_side_encryption_configuration);
  if (inline !== undefined) configurations.push({ rules: inline.rule, where: `${bucket.address} (inline)` });
  for (const { rules, where } of configurations) {
    for (const rule of asList(rules)) {
      const byDefault = isJsonObject(rule) ? firstBlock(rule.apply_server_side_encryption_by_default) : undefined;
      const algorithm = byDefault?.sse_algorithm;
      if (typeof algorithm === "string") return { algorithm, key: byDefault?.kms_master_key_id, where };
    }
  }
  return undefined;
}

/** ENC-4: S3 bucket with a default encryption configuration stated in code. */
export function s3Encrypted(bucket: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const encryption = bucketEncryption(bucket, stack);
  if (encryption === undefined) return nonCompliant("no aws_s3_bucket_server_side_encryption_configuration for the bucket: state SSE-S3 or SSE-KMS in code");
  return compliant(
    encryption.algorithm === "AES256"
      ? `SSE-S3 (${encryption.where})`
      : `${encryption.algorithm} with ${describeKey(encryption.key, stack)} (${encryption.where})`,
  );
}

/** ENC-5: S3 bucket encrypted with KMS (key policy and CloudTrail record every use). */
export function s3KmsEncrypted(bucket: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const encryption = bucketEncryption(bucket, stack);
  if (encryption !== undefined && encryption.algorithm.startsWith("aws:kms"))
    return compliant(`${encryption.algorithm} with ${describeKey(encryption.key, stack)}`);
  return nonCompliant(encryption === undefined ? "no default encryption configuration" : `${encryption.algorithm} (SSE-S3), not SSE-KMS`);
}

/** ENC-6: log group with a customer-managed KMS key (otherwise CloudWatch Logs encrypts with its own key). */
export function logGroupKms(group: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const key = group.config.kms_key_id;
  if (present(key)) return compliant(`encrypted with ${describeKey(key, stack)}`);
  return nonCompliant("no kms_key_id: encrypted by CloudWatch Logs with a service-owned key, which no key policy controls");
}

/** LOG-1: log group retention set (0 or unset keeps events forever). */
export function logRetention(group: SynthesizedBlock): RuleOutcome {
  const days = group.config.retention_in_days;
  if (typeof days === "number" && days > 0) return compliant(`${days} days`);
  if (typeof days === "string" && days.includes("${")) return compliant(`retention from ${days}`);
  return nonCompliant("retention_in_days is not set (events are kept forever, and billed)");
}
