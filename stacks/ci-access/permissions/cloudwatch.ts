/** The deploy permission table's rows for CloudWatch: metric alarms (hashicorp/terraform-provider-aws internal/service/cloudwatch). */
import { g, inRequest, src, type ArgumentPermissions, type ServicePermissions } from "../table";

export const cloudwatch: ServicePermissions = {
  resources: {
    aws_cloudwatch_metric_alarm: {
      source: src("cloudwatch/metric_alarm.go"),
      create: [g("alarms", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:DescribeAlarms")],
      read: [g("alarms", "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource")],
      update: [g("alarms", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource")],
      delete: [g("alarms", "cloudwatch:DeleteAlarms")],
      arguments: {
        ...inRequest(
          "PutMetricAlarm",
          "alarm_name",
          "alarm_description",
          "comparison_operator",
          "dimensions",
          "evaluation_periods",
          "datapoints_to_alarm",
          "metric_name",
          "namespace",
          "period",
          "statistic",
          "threshold",
          "treat_missing_data",
          "insufficient_data_actions",
        ),
        ...Object.fromEntries(
          ["alarm_actions", "ok_actions"].map((name) => [
            name,
            {
              why: "an OpsItem action: the first such alarm in the account makes CloudWatch create AWSServiceRoleForCloudWatchAlarms_ActionSSM as the caller (SNS actions need nothing more)",
              source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
              when: (value: unknown) => JSON.stringify(value ?? null).includes(":opsitem:"),
              create: [g("alarmsSsmServiceLinkedRole", "iam:CreateServiceLinkedRole")],
              update: [g("alarmsSsmServiceLinkedRole", "iam:CreateServiceLinkedRole")],
            } satisfies ArgumentPermissions,
          ]),
        ),
      },
    },
  },
};
