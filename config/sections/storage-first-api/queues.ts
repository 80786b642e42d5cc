import type { ConfigReader } from "../../reader";
import { describe, joinPath } from "../../reader";
import { Defaulted, Flag, keysOf, Optional, Section, WholeNumber, type Resolved } from "../../settings";
import { NAME, readMap } from "./shared";

export const QueueSettings = Section({
  fifo: Defaulted(Flag('A FIFO queue (name ends in ".fifo"); SendMessage routes must map MessageGroupId.'), false),
  contentBasedDeduplication: Optional(Flag("FIFO only: deduplicate by a hash of the body. Default: true for FIFO queues.")),
  maxReceiveCount: Defaulted(WholeNumber(1, 1000, "Receives before a message moves to the queue's dead-letter queue."), 5),
  messageRetentionSeconds: Defaulted(WholeNumber(60, 1_209_600, "Seconds; the dead-letter queue keeps messages 14 days."), 345_600),
  visibilityTimeoutSeconds: Optional(WholeNumber(0, 43200, "Default: 6x the consumer's timeout when consumer, else 30.")),
  consumer: Defaulted(Flag("Trigger the SQS consumer Lambda from this queue."), false),
});

/** A queue of `queues`, its defaults applied. */
export type QueueConfig = Resolved<typeof QueueSettings, "contentBasedDeduplication" | "visibilityTimeoutSeconds">;

const DEFAULT_QUEUES = { orders: { consumer: true } };

/** What the queues' defaults and checks depend on: the consumer's timeout and batching window. */
interface ConsumerTiming {
  readonly timeoutSeconds: number;
  readonly maximumBatchingWindowSeconds: number;
}

/** The `queues` of the section at `path`: each queue's settings with its defaults applied. */
export function readQueues(
  reader: ConfigReader,
  record: Record<string, unknown>,
  path: string,
  consumer: ConsumerTiming,
  consumerPath: string,
): Record<string, QueueConfig> {
  const queues: Record<string, QueueConfig> = {};
  const queuesPath = joinPath(path, "queues");
  const rawQueues = readMap(reader, record, "queues", path) ?? DEFAULT_QUEUES;
  for (const [queueName, rawQueue] of Object.entries(rawQueues)) {
    const queuePath = joinPath(queuesPath, queueName);
    if (!NAME.test(queueName))
      reader.fail(queuePath, `${describe(queueName)} is not a usable queue key; use 1-20 lowercase letters, digits or "-", e.g. "orders"`);
    const queueRecord = reader.object(rawQueue, queuePath, keysOf(QueueSettings));
    const fifo = reader.read(QueueSettings, queueRecord, "fifo", queuePath);
    const isConsumed = reader.read(QueueSettings, queueRecord, "consumer", queuePath);
    const minimumVisibility = 6 * consumer.timeoutSeconds;
    const visibilityTimeoutSeconds = reader.read(QueueSettings, queueRecord, "visibilityTimeoutSeconds", queuePath, {
      fallback: isConsumed ? minimumVisibility : 30,
    });
    if (isConsumed && visibilityTimeoutSeconds < minimumVisibility) {
      reader.fail(
        joinPath(queuePath, "visibilityTimeoutSeconds"),
        `${visibilityTimeoutSeconds} is less than 6x the consumer's timeout (${consumer.timeoutSeconds} s); set it to at least ${minimumVisibility} or leave it out`,
      );
    }
    const contentBasedDeduplication = reader.read(QueueSettings, queueRecord, "contentBasedDeduplication", queuePath, { fallback: fifo });
    if (!fifo && contentBasedDeduplication) {
      reader.fail(joinPath(queuePath, "contentBasedDeduplication"), `true applies to FIFO queues only; remove it or set "fifo": true`);
    }
    queues[queueName] = {
      fifo,
      contentBasedDeduplication,
      maxReceiveCount: reader.read(QueueSettings, queueRecord, "maxReceiveCount", queuePath),
      messageRetentionSeconds: reader.read(QueueSettings, queueRecord, "messageRetentionSeconds", queuePath),
      visibilityTimeoutSeconds,
      consumer: isConsumed,
    };
    if (fifo && isConsumed && consumer.maximumBatchingWindowSeconds > 0) {
      reader.fail(
        joinPath(consumerPath, "maximumBatchingWindowSeconds"),
        `${consumer.maximumBatchingWindowSeconds} is not supported with FIFO queue "${queueName}"; set it to 0`,
      );
    }
  }
  return queues;
}
