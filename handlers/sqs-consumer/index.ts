/**
 * SQS consumer: records from the storage-first API's queue in, one EventBridge event per message out,
 * and the IDs of failed messages back to Lambda (partial batch response). The logic lives in
 * consumer.ts; this file wires it.
 */
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createLogger } from "../shared/logger";
import { processBatch } from "./consumer";
import { eventBusDownstream } from "./downstream";

/** Module scope: the client survives across invocations of a warm container. */
const client = new EventBridgeClient({});
const logger = createLogger({ fields: { service: "sqs-consumer" } });

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`environment variable ${name} is not set`);
  return value;
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const downstream = eventBusDownstream({ client, eventBusName: requiredEnv("EVENT_BUS_NAME"), source: requiredEnv("EVENT_SOURCE") });
  return processBatch(event.Records, { downstream, logger: logger.child({ requestId: context.awsRequestId }) });
}
