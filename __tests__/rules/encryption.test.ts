import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { minimalStack, passes, violations } from "./support";

describe("ENC-1: SNS topics encrypted", () => {
  test("Noncompliance 5: a topic without kms_master_key_id", () => {
    const stack = minimalStack();
    new SnsTopic(stack, "topic", { name: "plain" });
    expect(violations(stack, "ENC-1")).toEqual([expect.stringContaining("kms_master_key_id is not set")]);
  });

  test("Compliance 5: AWS-managed and customer-managed keys, each named in the result", () => {
    const stack = minimalStack();
    const key = new KmsKey(stack, "key", { description: "topic key" });
    new SnsTopic(stack, "managed", { name: "managed", kmsMasterKeyId: "alias/aws/sns" });
    new SnsTopic(stack, "custom", { name: "custom", kmsMasterKeyId: key.arn });
    expect(violations(stack, "ENC-1")).toEqual([]);
    expect(passes(stack, "ENC-1").sort()).toEqual([
      "encrypted with the AWS-managed key alias/aws/sns",
      "encrypted with the customer-managed key aws_kms_key.key",
    ]);
  });
});

describe("ENC-2: SQS queues encrypted", () => {
  test("Noncompliance 6: a queue with neither SSE-SQS nor SSE-KMS", () => {
    const stack = minimalStack();
    new SqsQueue(stack, "queue", { name: "plain" });
    expect(violations(stack, "ENC-2")).toEqual([expect.stringContaining("neither sqs_managed_sse_enabled")]);
  });

  test("Compliance 6: SSE-SQS, and SSE-KMS with the AWS-managed key", () => {
    const stack = minimalStack();
    new SqsQueue(stack, "sse-sqs", { name: "sse-sqs", sqsManagedSseEnabled: true });
    new SqsQueue(stack, "sse-kms", { name: "sse-kms", kmsMasterKeyId: "alias/aws/sqs" });
    expect(violations(stack, "ENC-2")).toEqual([]);
    expect(passes(stack, "ENC-2").sort()).toEqual(["SSE-KMS with the AWS-managed key alias/aws/sqs", "SSE-SQS (SQS-owned key)"]);
  });
});

describe("ENC-3: Kinesis streams encrypted", () => {
  test("Noncompliance 7: a stream without encryption_type KMS", () => {
    const stack = minimalStack();
    new KinesisStream(stack, "stream", { name: "plain", shardCount: 1 });
    expect(violations(stack, "ENC-3")).toEqual([expect.stringContaining('encryption_type = "KMS"')]);
  });

  test("Compliance 7: KMS with alias/aws/kinesis", () => {
    const stack = minimalStack();
    new KinesisStream(stack, "stream", {
      name: "encrypted",
      encryptionType: "KMS",
      kmsKeyId: "alias/aws/kinesis",
      streamModeDetails: { streamMode: "ON_DEMAND" },
    });
    expect(violations(stack, "ENC-3")).toEqual([]);
    expect(passes(stack, "ENC-3")).toEqual(["encrypted with the AWS-managed key alias/aws/kinesis"]);
  });
});

describe("ENC-4 and ENC-5: S3 default encryption, KMS preferred", () => {
  test("Noncompliance 8: a bucket without an encryption configuration", () => {
    const stack = minimalStack();
    new S3Bucket(stack, "bucket", { bucket: "plain" });
    expect(violations(stack, "ENC-4")).toEqual([expect.stringContaining("no aws_s3_bucket_server_side_encryption_configuration")]);
  });

  test("Compliance 8: SSE-S3 stated in code", () => {
    const stack = minimalStack();
    const bucket = new S3Bucket(stack, "bucket", { bucket: "sse-s3" });
    new S3BucketServerSideEncryptionConfigurationA(stack, "sse", {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    expect(violations(stack, "ENC-4")).toEqual([]);
    expect(passes(stack, "ENC-4")).toEqual(["SSE-S3 (aws_s3_bucket_server_side_encryption_configuration.sse)"]);
  });

  test("Noncompliance 9: SSE-S3 is not SSE-KMS", () => {
    const stack = minimalStack();
    const bucket = new S3Bucket(stack, "bucket", { bucket: "sse-s3" });
    new S3BucketServerSideEncryptionConfigurationA(stack, "sse", {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    expect(violations(stack, "ENC-5")).toEqual(["AES256 (SSE-S3), not SSE-KMS"]);
  });

  test("Compliance 9: SSE-KMS with a customer-managed key", () => {
    const stack = minimalStack();
    const key = new KmsKey(stack, "key", { description: "bucket key" });
    const bucket = new S3Bucket(stack, "bucket", { bucket: "sse-kms" });
    new S3BucketServerSideEncryptionConfigurationA(stack, "sse", {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
    });
    expect(violations(stack, "ENC-5")).toEqual([]);
    expect(passes(stack, "ENC-5")).toEqual(["aws:kms with the customer-managed key aws_kms_key.key"]);
  });
});

describe("ENC-6 and LOG-1: log groups", () => {
  test("Noncompliance 10: a log group without a customer-managed key", () => {
    const stack = minimalStack();
    new CloudwatchLogGroup(stack, "logs", { name: "/example", retentionInDays: 30 });
    expect(violations(stack, "ENC-6")).toEqual([expect.stringContaining("service-owned key")]);
  });

  test("Compliance 10: a log group with kms_key_id", () => {
    const stack = minimalStack();
    const key = new KmsKey(stack, "key", { description: "log key" });
    new CloudwatchLogGroup(stack, "logs", { name: "/example", retentionInDays: 30, kmsKeyId: key.arn });
    expect(passes(stack, "ENC-6")).toEqual(["encrypted with the customer-managed key aws_kms_key.key"]);
  });

  test.each([
    ["unset", {}],
    ["0 (never expire)", { retentionInDays: 0 }],
  ])("Noncompliance 11: retention %s", (_, retention) => {
    const stack = minimalStack();
    new CloudwatchLogGroup(stack, "logs", { name: "/example", ...retention });
    expect(violations(stack, "LOG-1")).toEqual([expect.stringContaining("retention_in_days is not set")]);
  });

  test("Compliance 11: 30 days", () => {
    const stack = minimalStack();
    new CloudwatchLogGroup(stack, "logs", { name: "/example", retentionInDays: 30 });
    expect(violations(stack, "LOG-1")).toEqual([]);
    expect(passes(stack, "LOG-1")).toEqual(["30 days"]);
  });
});
