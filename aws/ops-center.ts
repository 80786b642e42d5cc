import { arnAt, type AwsLocation } from "./arn";

/**
 * OpsItem categories an alarm's OpsItem action accepts.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-and-Systems-Manager-OpsCenter.html
 */
export const OPS_ITEM_CATEGORIES = ["Availability", "Cost", "Performance", "Recovery", "Security"] as const;
export type OpsItemCategory = (typeof OPS_ITEM_CATEGORIES)[number];
/** 1 is critical, 4 is low. */
export const OPS_ITEM_SEVERITIES = [1, 2, 3, 4] as const;
export type OpsItemSeverity = (typeof OPS_ITEM_SEVERITIES)[number];

/**
 * `arn:<partition>:ssm:<region>:<account>:opsitem:<severity>#CATEGORY=<category>`: the alarm action
 * that makes CloudWatch open an OpsItem in Systems Manager OpsCenter (in the alarm's own region).
 */
export function opsItemArn(location: AwsLocation, severity: OpsItemSeverity, category: OpsItemCategory): string {
  return arnAt(location, "ssm", `opsitem:${severity}#CATEGORY=${category}`);
}
