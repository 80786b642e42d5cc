/** The deploy permission table's rows for Kinesis Data Streams: streams (hashicorp/terraform-provider-aws internal/service/kinesis). */
import { g, sent, src, type ServicePermissions } from "../table";

export const kinesis: ServicePermissions = {
  resources: {
    aws_kinesis_stream: {
      source: src("kinesis/stream.go"),
      create: [g("kinesisStreams", "kinesis:CreateStream", "kinesis:AddTagsToStream", "kinesis:DescribeStreamSummary")],
      read: [g("kinesisStreams", "kinesis:DescribeStreamSummary", "kinesis:DescribeStream", "kinesis:ListTagsForStream")],
      update: [g("kinesisStreams", "kinesis:AddTagsToStream", "kinesis:RemoveTagsFromStream", "kinesis:DescribeStreamSummary")],
      delete: [g("kinesisStreams", "kinesis:DeleteStream", "kinesis:DescribeStreamSummary")],
      arguments: {
        name: sent("CreateStream"),
        shard_count: { why: "CreateStream; UpdateShardCount on change", update: [g("kinesisStreams", "kinesis:UpdateShardCount")] },
        stream_mode_details: { why: "CreateStream; UpdateStreamMode on change", update: [g("kinesisStreams", "kinesis:UpdateStreamMode")] },
        retention_period: {
          why: "Increase/DecreaseStreamRetentionPeriod after CreateStream when not 24 hours, and on change",
          create: [g("kinesisStreams", "kinesis:IncreaseStreamRetentionPeriod")],
          update: [g("kinesisStreams", "kinesis:IncreaseStreamRetentionPeriod", "kinesis:DecreaseStreamRetentionPeriod")],
        },
        encryption_type: {
          why: "StartStreamEncryption after CreateStream, Start/StopStreamEncryption on change",
          create: [g("kinesisStreamEncryption", "kinesis:StartStreamEncryption")],
          update: [g("kinesisStreamEncryption", "kinesis:StartStreamEncryption", "kinesis:StopStreamEncryption")],
        },
        kms_key_id: {
          why: "the AWS managed key alias/aws/kinesis: nothing more (a customer managed key needs kms:GenerateDataKey for the caller)",
          source: "https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html",
          unsupported: (value) =>
            value === "alias/aws/kinesis" ? undefined : `kms_key_id ${JSON.stringify(value)}: add the grant on that customer managed key`,
        },
        shard_level_metrics: {
          why: "Enable/DisableEnhancedMonitoring",
          create: [g("kinesisStreams", "kinesis:EnableEnhancedMonitoring")],
          update: [g("kinesisStreams", "kinesis:EnableEnhancedMonitoring", "kinesis:DisableEnhancedMonitoring")],
        },
      },
    },
  },
};
