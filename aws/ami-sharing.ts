/**
 * What another account needs to launch an AMI it did not build: facts the owner's key policy and the
 * consumer's KMS grant both encode.
 *
 * - Snapshots encrypted with the AWS managed EBS key (`alias/aws/ebs`) cannot be shared at all; an AMI
 *   for other accounts needs a customer-managed key, shared with them:
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html ,
 *   https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html
 * - The users of a shared key need kms:DescribeKey, kms:CreateGrant, kms:GenerateDataKey,
 *   kms:GenerateDataKeyWithoutPlaintext, kms:ReEncrypt and kms:Decrypt on it; CreateGrant is best limited
 *   with `kms:GrantIsForAWSResource` (EBS user guide, "Share the KMS key used to encrypt a shared Amazon EBS
 *   snapshot"): https://docs.aws.amazon.com/ebs/latest/userguide/share-kms-key.html
 * - Auto Scaling launches with its service-linked role, whose permissions do not cover customer-managed
 *   keys; for another account's key, the group's account creates a grant for that role (CreateGrant from the
 *   group's account, not the key's), so the key policy must let it create that grant. The Auto Scaling user
 *   guide's cross-account example grants exactly these operations:
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 *   (`kms:GrantIsForAWSResource` cannot be the condition there: the grant is created by a person or a
 *   pipeline, not by an AWS service: https://repost.aws/knowledge-center/kms-launch-ec2-instance).
 */

/** The AWS managed EBS key, whose snapshots no other account can use. */
export const AWS_MANAGED_EBS_KEY_ALIAS = "alias/aws/ebs";

/** True for `alias/aws/ebs` and its alias ARN. */
export function isAwsManagedEbsKey(keyId: string): boolean {
  return keyId === AWS_MANAGED_EBS_KEY_ALIAS || /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\/aws\/ebs$/.test(keyId);
}

/** What a consumer account does with the key of a shared AMI's snapshots (EBS user guide, "Share a KMS key"). */
export const SHARED_AMI_KEY_USE_ACTIONS = [
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:ReEncrypt*",
] as const;

/**
 * What a service-linked role that creates encrypted volumes needs in the key policy of a customer-managed key
 * (Auto Scaling user guide, example 1, which also allows CreateGrant with `kms:GrantIsForAWSResource`).
 */
export const EBS_KEY_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"] as const;

/** The operations of the grant a consumer gives its Auto Scaling service-linked role (Auto Scaling user guide, example 2). */
export const AUTO_SCALING_GRANT_OPERATIONS = [
  "Decrypt",
  "DescribeKey",
  "Encrypt",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "ReEncryptFrom",
  "ReEncryptTo",
  "CreateGrant",
] as const;

/** The default service-linked role of Amazon EC2 Auto Scaling, as an IAM resource path. */
export const AUTO_SCALING_SERVICE_LINKED_ROLE = "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";

/** The service-linked role EC2 Image Builder builds, copies and distributes with when a pipeline has no execution role. */
export const IMAGE_BUILDER_SERVICE_LINKED_ROLE = "role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder";

/** A KMS key ARN (partition, region, account): how another account's key must be named. */
export const KMS_KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;

/** Partition, region and account of a KMS key ARN (a key ID or an alias is not enough across accounts), or undefined. */
export function parseKeyArn(arn: string): { partition: string; region: string; account: string } | undefined {
  const match = KMS_KEY_ARN.exec(arn);
  if (!match) return undefined;
  return { partition: String(match[1]), region: String(match[2]), account: String(match[3]) };
}
