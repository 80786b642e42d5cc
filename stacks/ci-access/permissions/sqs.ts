/** The deploy permission table's rows for Amazon SQS: queues and their policies (hashicorp/terraform-provider-aws internal/service/sqs). */
import { g, inRequest, src, type ServicePermissions } from "../table";

export const sqs: ServicePermissions = {
  resources: {
    aws_sqs_queue: {
      source: src("sqs/queue.go"),
      create: [g("sqsQueues", "sqs:CreateQueue", "sqs:TagQueue", "sqs:GetQueueAttributes")],
      read: [g("sqsQueues", "sqs:GetQueueAttributes", "sqs:ListQueueTags")],
      update: [g("sqsQueues", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue")],
      delete: [g("sqsQueues", "sqs:DeleteQueue")],
      arguments: inRequest(
        "CreateQueue / SetQueueAttributes attributes",
        "name",
        "message_retention_seconds",
        "sqs_managed_sse_enabled",
        "kms_master_key_id",
        "visibility_timeout_seconds",
        "redrive_policy",
        "fifo_queue",
        "content_based_deduplication",
        "delay_seconds",
        "receive_wait_time_seconds",
      ),
    },
    aws_sqs_queue_policy: {
      source: src("sqs/queue_policy.go"),
      create: [g("sqsQueues", "sqs:SetQueueAttributes", "sqs:GetQueueAttributes")],
      read: [g("sqsQueues", "sqs:GetQueueAttributes")],
      update: [g("sqsQueues", "sqs:SetQueueAttributes")],
      delete: [g("sqsQueues", "sqs:SetQueueAttributes")],
      arguments: inRequest("SetQueueAttributes (Policy)", "queue_url", "policy"),
    },
  },
};
