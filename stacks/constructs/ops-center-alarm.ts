import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { CustomerManagedKey, snsUsesKey } from "./customer-managed-key";
import { denyInsecureTransport, policyDocument } from "./iam";
import { arnAt, type AwsLocation } from "../../aws/arn";
import { OPS_ITEM_CATEGORIES, opsItemArn, type OpsItemCategory, type OpsItemSeverity } from "../../aws/ops-center";

/** The metric an alarm watches (one statistic over one period). */
export interface AlarmMetric {
  readonly namespace: string;
  readonly metricName: string;
  /** @default {} (no dimensions, as the tracker's EMF metrics) */
  readonly dimensions?: Readonly<Record<string, string>>;
  /** @default "Sum" */
  readonly statistic?: "Sum" | "Maximum" | "Minimum" | "Average" | "SampleCount";
}

export interface OpsCenterAlarmProps {
  /** The alarm's name (unique in the account and region). */
  readonly alarmName: string;
  /** What it means when it fires and where to look: it becomes the OpsItem's description. */
  readonly description: string;
  readonly metric: AlarmMetric;
  /** The alarm fires when the statistic compared with this by `comparisonOperator` holds. */
  readonly threshold: number;
  /** @default "GreaterThanOrEqualToThreshold" */
  readonly comparisonOperator?: "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";
  /** @default 300 (seconds) */
  readonly periodSeconds?: number;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** A period without data is OK: these metrics exist only when something happened. @default "notBreaching" */
  readonly treatMissingData?: "notBreaching" | "breaching" | "ignore" | "missing";
  /** OpsItem severity, 1 (critical) to 4 (low). */
  readonly severity: OpsItemSeverity;
  /** OpsItem category. */
  readonly category: OpsItemCategory;
  readonly location: AwsLocation;
  /** Also notify this topic on ALARM and OK (see `AlarmNotificationTopic`). @default - OpsCenter only */
  readonly notificationTopic?: SnsTopic;
}

/**
 * A CloudWatch metric alarm whose alarm action opens an OpsItem in OpsCenter, with the severity and
 * category given, and optionally notifies an SNS topic. Props are checked before anything is created.
 */
export class OpsCenterAlarm extends Construct {
  readonly alarm: CloudwatchMetricAlarm;
  /** The OpsItem action ARN of the alarm. */
  readonly opsItemArn: string;

  constructor(scope: Construct, id: string, props: OpsCenterAlarmProps) {
    super(scope, id);
    checkProps(props);
    this.opsItemArn = opsItemArn(props.location, props.severity, props.category);
    const topicArns = props.notificationTopic !== undefined ? [props.notificationTopic.arn] : [];
    this.alarm = new CloudwatchMetricAlarm(this, "alarm", {
      alarmName: props.alarmName,
      alarmDescription: props.description,
      namespace: props.metric.namespace,
      metricName: props.metric.metricName,
      ...(props.metric.dimensions !== undefined && Object.keys(props.metric.dimensions).length > 0 ? { dimensions: { ...props.metric.dimensions } } : {}),
      statistic: props.metric.statistic ?? "Sum",
      period: props.periodSeconds ?? 300,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      threshold: props.threshold,
      comparisonOperator: props.comparisonOperator ?? "GreaterThanOrEqualToThreshold",
      treatMissingData: props.treatMissingData ?? "notBreaching",
      alarmActions: [this.opsItemArn, ...topicArns],
      ...(topicArns.length > 0 ? { okActions: topicArns } : {}),
    });
  }
}

function checkProps(props: OpsCenterAlarmProps): void {
  const severity: number = props.severity;
  if (!Number.isInteger(severity) || severity < 1 || severity > 4) {
    throw new Error(`OpsCenterAlarm ${props.alarmName}: severity ${String(severity)} is not an OpsItem severity; use 1 (critical) to 4 (low)`);
  }
  if (!(OPS_ITEM_CATEGORIES as readonly string[]).includes(props.category)) {
    throw new Error(
      `OpsCenterAlarm ${props.alarmName}: category "${String(props.category)}" is not an OpsItem category; use one of ${OPS_ITEM_CATEGORIES.join(", ")}`,
    );
  }
  const period = props.periodSeconds ?? 300;
  if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
    throw new Error(`OpsCenterAlarm ${props.alarmName}: periodSeconds ${period} must be a multiple of 60, e.g. 300`);
  }
  if (!/^[^\u0000-\u001f]{1,255}$/.test(props.alarmName)) {
    throw new Error(`OpsCenterAlarm: alarmName "${props.alarmName}" must be 1-255 printable characters`);
  }
}

export interface AlarmNotificationTopicProps {
  /** The topic's name; its key gets `alias/<topicName>`. */
  readonly topicName: string;
  /** Addresses subscribed by e-mail (each confirms by clicking the link AWS sends). */
  readonly emailAddresses: readonly string[];
  readonly location: AwsLocation;
}

/**
 * An SNS topic for alarm notifications, encrypted with its own customer-managed key: CloudWatch
 * cannot publish to a topic under the AWS-managed `alias/aws/sns` key, so the key policy lets
 * CloudWatch (for this account's alarms only) use it.
 */
export class AlarmNotificationTopic extends Construct {
  readonly topic: SnsTopic;
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: AlarmNotificationTopicProps) {
    super(scope, id);
    if (props.emailAddresses.length === 0) {
      throw new Error(`AlarmNotificationTopic ${props.topicName}: emailAddresses is empty; leave the topic out instead`);
    }
    const alarmsOfAccount = arnAt(props.location, "cloudwatch", "alarm:*");

    const key = new CustomerManagedKey(this, "key", {
      description: `Encrypts the ${props.topicName} alarm notification topic`,
      alias: props.topicName,
      users: (location) => [
        {
          sid: "CloudWatchPublishesEncrypted",
          actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
          resources: ["*"],
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
          conditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [location.account] }],
        },
        snsUsesKey(location),
      ],
    });
    this.key = key.key;
    this.topic = new SnsTopic(this, "topic", { name: props.topicName, kmsMasterKeyId: this.key.arn });

    new SnsTopicPolicy(this, "topic-policy", {
      arn: this.topic.arn,
      policy: policyDocument(this, "topic-policy-document", [
        {
          sid: "CloudWatchAlarmsPublish",
          actions: ["sns:Publish"],
          resources: [this.topic.arn],
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
          conditions: [{ test: "ArnLike", variable: "aws:SourceArn", values: [alarmsOfAccount] }],
        },
        denyInsecureTransport(["sns:Publish"], [this.topic.arn]),
      ]).json,
    });

    props.emailAddresses.forEach((address, index) => {
      new SnsTopicSubscription(this, `email-${index}`, { topicArn: this.topic.arn, protocol: "email", endpoint: address });
    });
  }
}
