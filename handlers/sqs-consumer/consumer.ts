/**
 * The consumer's domain: each SQS record is parsed at the boundary, handed to the downstream, and
 * judged on its own. Failures are reported back as `batchItemFailures` (the event source mapping has
 * `ReportBatchItemFailures`), so only the failed messages return to the queue; after the queue's
 * maxReceiveCount they move to its dead-letter queue, whose alarm opens an OpsItem.
 *
 * Malformed messages are reported as failures too (not dropped, not retried forever): they can never
 * succeed, so they reach the dead-letter queue after maxReceiveCount receives, where they can be read
 * and redriven once fixed. Nothing is lost silently.
 */
import { BatchProcessor, EventType, processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import type { Logger } from "../shared/logger";

/** A message that can never succeed: bad JSON or not an object. */
export class MalformedMessageError extends Error {
  override readonly name = "MalformedMessageError";
}

/** The downstream refused or failed; a later attempt may succeed. */
export class DownstreamError extends Error {
  override readonly name = "DownstreamError";
}

/** One message, parsed: the body is a JSON object. */
export interface ConsumedMessage {
  readonly messageId: string;
  /** The queue's name, from the record's eventSourceARN. */
  readonly queue: string;
  /** FIFO queues only. */
  readonly messageGroupId?: string;
  readonly receiveCount: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/** Where a parsed message goes (EventBridge in production, a mock in tests). */
export interface Downstream {
  deliver(message: ConsumedMessage): Promise<void>;
}

/** Parses one record; throws MalformedMessageError for a body that is not a JSON object. */
export function parseRecord(record: SQSRecord): ConsumedMessage {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new MalformedMessageError(`body is not JSON (${record.body.length} characters)`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new MalformedMessageError(`body is JSON but not an object (${Array.isArray(body) ? "array" : body === null ? "null" : typeof body})`);
  }
  const receiveCount = Number.parseInt(record.attributes.ApproximateReceiveCount, 10);
  const groupId = record.attributes.MessageGroupId;
  return {
    messageId: record.messageId,
    queue: record.eventSourceARN.split(":").pop() ?? record.eventSourceARN,
    ...(groupId !== undefined ? { messageGroupId: groupId } : {}),
    receiveCount: Number.isFinite(receiveCount) ? receiveCount : 1,
    body: body as Record<string, unknown>,
  };
}

export interface ProcessOptions {
  readonly downstream: Downstream;
  readonly logger: Logger;
}

/**
 * Processes a batch with Powertools' batch processors and returns the IDs of the messages that failed,
 * in record order. Standard queues: every record is tried, in parallel (BatchProcessor). FIFO queues:
 * records are tried in order, and once one message of a group fails, the group's later messages are
 * reported as failed without being tried (SqsFifoPartialProcessorAsync with skipGroupOnError), so
 * order holds while other groups go on. A batch where every message failed is reported as such
 * (throwOnFullBatchFailure false), not thrown: the same messages return to the queue either way.
 */
export async function processBatch(records: readonly SQSRecord[], options: ProcessOptions): Promise<SQSBatchResponse> {
  const fifo = records.some((record) => record.eventSourceARN.endsWith(".fifo"));

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const log = options.logger.child({ messageId: record.messageId });
    try {
      const message = parseRecord(record);
      log.debug("message parsed", { queue: message.queue, messageGroupId: message.messageGroupId, bodyKeys: Object.keys(message.body).slice(0, 20) });
      await options.downstream.deliver(message);
      log.info("message delivered", { queue: message.queue, receiveCount: message.receiveCount });
    } catch (error) {
      const kind = error instanceof Error ? error.name : "UnknownError";
      const reason = error instanceof Error ? error.message : String(error);
      const receiveCount = record.attributes.ApproximateReceiveCount;
      const fields = { kind, reason, receiveCount, error: error instanceof Error ? error : new Error(reason) };
      if (error instanceof MalformedMessageError) {
        log.error("malformed message: reported as failed, it moves to the dead-letter queue after maxReceiveCount", fields);
      } else {
        log.warn("delivery failed: reported as failed for a retry", fields);
      }
      throw error;
    }
  };

  const event = { Records: [...records] };
  const response = fifo
    ? await processPartialResponse(event, handleRecord, new SqsFifoPartialProcessorAsync(), { skipGroupOnError: true, throwOnFullBatchFailure: false })
    : await processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { processInParallel: true, throwOnFullBatchFailure: false });

  const failedIds = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  const failed = records.filter((record) => failedIds.has(record.messageId)).map((record) => record.messageId);
  options.logger.info("batch done", { records: records.length, failed: failed.length });
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
