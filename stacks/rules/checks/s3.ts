/** S3 checks: public access blocked, TLS-only bucket policy. */
import { compliant, nonCompliant, type RuleOutcome, type StackLookup, type SynthesizedBlock } from "../types";

const BLOCK_SETTINGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] as const;

/** S3-1: an aws_s3_bucket_public_access_block for the bucket with all four settings true. */
export function publicAccessBlocked(bucket: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const blocks = stack.referencing(bucket, "aws_s3_bucket_public_access_block");
  if (blocks.length === 0) return nonCompliant("no aws_s3_bucket_public_access_block for the bucket");
  const problems: string[] = [];
  for (const block of blocks) {
    const off = BLOCK_SETTINGS.filter((setting) => block.config[setting] !== true);
    if (off.length === 0) return compliant(block.address);
    problems.push(`${block.address} leaves ${off.join(", ")} unset or false`);
  }
  return nonCompliant(problems.join("; "));
}

/** S3-2: the bucket policy denies every request made without TLS (aws:SecureTransport false). */
export function tlsOnly(bucket: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const policies = stack.referencing(bucket, "aws_s3_bucket_policy");
  for (const policy of policies) {
    const read = stack.policy(policy.config.policy);
    if (!read.readable) continue;
    const denies = read.statements.some(
      (statement) =>
        statement.effect === "Deny" &&
        (statement.actions.includes("s3:*") || statement.actions.includes("*")) &&
        statement.conditions.some((c) => c.test === "Bool" && c.variable === "aws:SecureTransport" && c.values.includes("false")),
    );
    if (denies) return compliant(`${policy.address} denies s3:* without TLS`);
  }
  return nonCompliant(
    policies.length === 0
      ? "no aws_s3_bucket_policy for the bucket: add one that denies s3:* when aws:SecureTransport is false"
      : "the bucket policy has no Deny of s3:* when aws:SecureTransport is false",
  );
}
