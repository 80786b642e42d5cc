/**
 * What a service that delivers "vended" logs to CloudWatch Logs (Step Functions, HTTP API access logs)
 * needs from the caller that sets the delivery up: none of these actions takes a resource-level
 * permission, so they are granted on "*".
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html
 */
export const VENDED_LOG_DELIVERY_ACTIONS: readonly string[] = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
];
