import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Fn } from "cdktf";
import type { Construct } from "constructs";
import type { AwsLocation } from "../../aws/arn";
import type { OpsItemCategory, OpsItemSeverity } from "../../aws/ops-center";
import { OpsCenterAlarm } from "./ops-center-alarm";

/** The alarm on the dead-letter queue, whose action opens an OpsItem. */
export interface DeadLetterAlarmProps {
  /** The alarm fires when the dead-letter queue holds this many messages (Maximum over one period). */
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly severity: OpsItemSeverity;
  readonly category: OpsItemCategory;
  readonly location: AwsLocation;
}

export interface QueueWithDeadLetterProps {
  /** The queue's name without ".fifo"; the dead-letter queue is `<name>-dlq`. */
  readonly name: string;
  /** A FIFO queue (both names get ".fifo"). @default false */
  readonly fifo?: boolean;
  /** FIFO only: deduplicate by a hash of the body. */
  readonly contentBasedDeduplication?: boolean;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly alarm: DeadLetterAlarmProps;
}

/** A queue with its dead-letter queue and the alarm that opens an OpsItem when the DLQ holds messages. */
export interface QueueWithDeadLetter {
  /** The queue's full name (with ".fifo" for FIFO queues). */
  readonly name: string;
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  readonly alarm: OpsCenterAlarm;
}

/** Dead-letter queues keep a message the longest SQS allows: 14 days. */
const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;

/**
 * A queue encrypted with SSE-SQS, a dead-letter queue after `maxReceiveCount` receives, and an alarm into
 * OpsCenter on the dead-letter queue's depth. The resources are created in `scope` itself, with IDs
 * `<id>`, `<id>-dlq` and `<id>-dlq-alarm` (Terraform addresses that predate this function).
 */
export function queueWithDeadLetter(scope: Construct, id: string, props: QueueWithDeadLetterProps): QueueWithDeadLetter {
  const fifo = props.fifo ?? false;
  const suffix = fifo ? ".fifo" : "";
  const deadLetterQueue = new SqsQueue(scope, `${id}-dlq`, {
    name: `${props.name}-dlq${suffix}`,
    sqsManagedSseEnabled: true,
    messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
    ...(fifo ? { fifoQueue: true } : {}),
  });
  const queue = new SqsQueue(scope, id, {
    name: `${props.name}${suffix}`,
    sqsManagedSseEnabled: true,
    visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
    messageRetentionSeconds: props.messageRetentionSeconds,
    redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: props.maxReceiveCount }),
    ...(fifo ? { fifoQueue: true, contentBasedDeduplication: props.contentBasedDeduplication } : {}),
  });
  const alarm = new OpsCenterAlarm(scope, `${id}-dlq-alarm`, {
    alarmName: `${props.name}-dlq-not-empty`,
    description: `Messages of ${props.name} failed ${props.maxReceiveCount} times and wait in its dead-letter queue`,
    metric: {
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: deadLetterQueue.name },
      statistic: "Maximum",
    },
    threshold: props.alarm.threshold,
    periodSeconds: props.alarm.periodSeconds,
    evaluationPeriods: props.alarm.evaluationPeriods,
    severity: props.alarm.severity,
    category: props.alarm.category,
    location: props.alarm.location,
  });
  return { name: `${props.name}${suffix}`, queue, deadLetterQueue, alarm };
}
