/**
 * SQS consumer: records from the storage-first API's queue in, one EventBridge event per message out,
 * and the IDs of failed messages back to Lambda (partial batch response). The logic lives in
 * consumer.ts; this file wires it.
 */
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createPowertoolsLogger, loggerOver } from "../shared/logger";
import { processBatch } from "./consumer";
import { eventBusDownstream } from "./downstream";

/** Module scope: the client survives across invocations of a warm container. */
const client = new EventBridgeClient({});
/** Powertools' `service` key, unless POWERTOOLS_SERVICE_NAME says otherwise. */
export const CONSUMER_SERVICE = "sqs-consumer";
const powertools = createPowertoolsLogger(CONSUMER_SERVICE);

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`environment variable ${name} is not set`);
  return value;
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const downstream = eventBusDownstream({ client, eventBusName: requiredEnv("EVENT_BUS_NAME"), source: requiredEnv("EVENT_SOURCE") });
  powertools.addContext(context);
  return processBatch(event.Records, { downstream, logger: loggerOver(powertools) });
}
