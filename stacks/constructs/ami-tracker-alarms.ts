import type { Construct } from "constructs";
import type { AwsLocation } from "../../aws/arn";
import type { OpsItemCategory, OpsItemSeverity } from "../../aws/ops-center";
import { AlarmNotificationTopic, OpsCenterAlarm } from "./ops-center-alarm";

/** One alarm's OpsItem and its threshold over evaluation periods. */
export interface TrackerAlarmSettings {
  readonly severity: OpsItemSeverity;
  readonly category: OpsItemCategory;
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
}

export interface AmiTrackerAlarmsProps {
  /** The tracker's function name; its dead-letter queue is `<name>-dlq`, the alarms are `<name>-<purpose>`. */
  readonly name: string;
  readonly location: AwsLocation;
  /** Also e-mailed on ALARM and OK, through a topic `<name>-alarms`. @default - OpsCenter only */
  readonly emailAddresses: readonly string[];
  /** The topic Image Builder notifies, named in the failed-builds alarm's description. */
  readonly topicName: string;
  /** The tracker's EMF metric of builds that ended FAILED. */
  readonly buildsFailedMetric: { readonly namespace: string; readonly metricName: string; readonly dimensions: Readonly<Record<string, string>> };
  readonly trackerErrors: TrackerAlarmSettings;
  readonly deadLetterMessages: TrackerAlarmSettings;
  readonly buildsFailed: TrackerAlarmSettings;
}

export interface AmiTrackerAlarms {
  readonly trackerErrors: OpsCenterAlarm;
  readonly deadLetterMessages: OpsCenterAlarm;
  readonly buildsFailed: OpsCenterAlarm;
}

/**
 * Alarms on the tracker's errors, its dead-letter queue and failed builds, each opening an OpsItem.
 * Created in `scope` (the stack): `alarm-tracker-errors`, `alarm-dead-letter-messages`, `alarm-builds-failed`
 * and `alarm-notifications` are the addresses of the first deploy.
 */
export function amiTrackerAlarms(scope: Construct, props: AmiTrackerAlarmsProps): AmiTrackerAlarms {
  const { name, location } = props;
  const notificationTopic =
    props.emailAddresses.length > 0
      ? new AlarmNotificationTopic(scope, "alarm-notifications", { topicName: `${name}-alarms`, emailAddresses: props.emailAddresses, location }).topic
      : undefined;
  const common = { location, ...(notificationTopic !== undefined ? { notificationTopic } : {}) };
  const settings = (alarm: TrackerAlarmSettings) => ({
    severity: alarm.severity,
    category: alarm.category,
    threshold: alarm.threshold,
    periodSeconds: alarm.periodSeconds,
    evaluationPeriods: alarm.evaluationPeriods,
    treatMissingData: "notBreaching" as const,
  });
  return {
    trackerErrors: new OpsCenterAlarm(scope, "alarm-tracker-errors", {
      alarmName: `${name}-errors`,
      description: `The AMI tracker ${name} failed (AWS errors after retries). Read its log group /aws/lambda/${name}; the event is retried, then lands in ${name}-dlq.`,
      metric: { namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: name }, statistic: "Sum" },
      ...settings(props.trackerErrors),
      ...common,
    }),
    deadLetterMessages: new OpsCenterAlarm(scope, "alarm-dead-letter-messages", {
      alarmName: `${name}-dlq-messages`,
      description: `Image Builder notifications the tracker could not handle wait in ${name}-dlq: their AMI IDs were not written. Fix the cause, then replay them.`,
      metric: { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: `${name}-dlq` }, statistic: "Maximum" },
      ...settings(props.deadLetterMessages),
      ...common,
    }),
    buildsFailed: new OpsCenterAlarm(scope, "alarm-builds-failed", {
      alarmName: `${name}-builds-failed`,
      description: `An EC2 Image Builder build that notifies ${props.topicName} ended FAILED (metric ${props.buildsFailedMetric.namespace}/BuildsFailed). The tracker's log has the image ARN and the reason.`,
      metric: { ...props.buildsFailedMetric, statistic: "Sum" },
      ...settings(props.buildsFailed),
      ...common,
    }),
  };
}
