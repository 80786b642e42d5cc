/** The deploy permission table's rows for CloudWatch Logs: log groups and resource policies (hashicorp/terraform-provider-aws internal/service/logs). */
import { g, inRequest, src, type ServicePermissions } from "../table";

export const logs: ServicePermissions = {
  resources: {
    aws_cloudwatch_log_group: {
      source: src("logs/group.go"),
      create: [g("logGroups", "logs:CreateLogGroup", "logs:TagResource", "logs:PutRetentionPolicy"), g("any", "logs:DescribeLogGroups")],
      read: [g("any", "logs:DescribeLogGroups"), g("logGroups", "logs:ListTagsForResource")],
      update: [g("logGroups", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource")],
      delete: [g("logGroups", "logs:DeleteLogGroup")],
      arguments: {
        ...inRequest("CreateLogGroup / PutRetentionPolicy", "name", "retention_in_days", "log_group_class", "skip_destroy"),
        kms_key_id: {
          why: "CreateLogGroup (KmsKeyId), AssociateKmsKey / DisassociateKmsKey on change; CloudWatch Logs uses the key under the key policy, not the caller's",
          update: [g("logGroups", "logs:AssociateKmsKey", "logs:DisassociateKmsKey")],
        },
      },
    },
    aws_cloudwatch_log_resource_policy: {
      source: src("logs/resource_policy.go"),
      create: [g("any", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies")],
      read: [g("any", "logs:DescribeResourcePolicies")],
      update: [g("any", "logs:PutResourcePolicy")],
      delete: [g("any", "logs:DeleteResourcePolicy")],
      arguments: inRequest("PutResourcePolicy", "policy_name", "policy_document"),
    },
  },
};
