/** The deploy permission table's rows for Amazon SNS: topics, their policies and subscriptions (hashicorp/terraform-provider-aws internal/service/sns). */
import { g, inRequest, src, type ServicePermissions } from "../table";

export const sns: ServicePermissions = {
  resources: {
    aws_sns_topic: {
      source: src("sns/topic.go"),
      create: [g("snsTopics", "sns:CreateTopic", "sns:TagResource", "sns:SetTopicAttributes")],
      read: [g("snsTopics", "sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:GetDataProtectionPolicy")],
      update: [g("snsTopics", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource")],
      delete: [g("snsTopics", "sns:DeleteTopic")],
      arguments: inRequest("CreateTopic / SetTopicAttributes attributes", "name", "kms_master_key_id", "display_name", "fifo_topic"),
    },
    aws_sns_topic_policy: {
      source: src("sns/topic_policy.go"),
      create: [g("snsTopics", "sns:SetTopicAttributes")],
      read: [g("snsTopics", "sns:GetTopicAttributes")],
      update: [g("snsTopics", "sns:SetTopicAttributes")],
      delete: [g("snsTopics", "sns:SetTopicAttributes")],
      arguments: inRequest("SetTopicAttributes (Policy)", "arn", "policy"),
    },
    aws_sns_topic_subscription: {
      source: src("sns/topic_subscription.go"),
      create: [g("snsTopics", "sns:Subscribe", "sns:GetSubscriptionAttributes")],
      read: [g("snsTopics", "sns:GetSubscriptionAttributes")],
      update: [g("snsTopics", "sns:SetSubscriptionAttributes")],
      delete: [g("snsTopics", "sns:Unsubscribe")],
      arguments: inRequest(
        "Subscribe / SetSubscriptionAttributes",
        "topic_arn",
        "protocol",
        "endpoint",
        "redrive_policy",
        "filter_policy",
        "raw_message_delivery",
      ),
    },
  },
};
