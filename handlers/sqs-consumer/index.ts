/**
 * SQS consumer: records from the storage-first API's queue in, one EventBridge event per message out,
 * and the IDs of failed messages back to Lambda (partial batch response). The logic lives in
 * consumer.ts; this file wires it.
 */
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createPowertoolsLogger, loggerOver } from "../shared/logger";
import { processBatch } from "./consumer";
import { CONSUMER_SERVICE, readConsumerEnvironment } from "./environment";

export { CONSUMER_SERVICE };
import { eventBusDownstream } from "./downstream";

/** Module scope: the client survives across invocations of a warm container. */
const client = new EventBridgeClient({});
const powertools = createPowertoolsLogger(CONSUMER_SERVICE);

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { eventBusName, source } = readConsumerEnvironment(process.env);
  const downstream = eventBusDownstream({ client, eventBusName, source });
  powertools.addContext(context);
  return processBatch(event.Records, { downstream, logger: loggerOver(powertools) });
}
