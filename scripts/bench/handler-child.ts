/**
 * Per-message CPU time of the handlers, in-process, with the SDK mocked (aws-sdk-client-mock, as in
 * the tests): the tracker on each fixture of __tests__/fixtures/image-builder (a fresh FakeSsm state
 * per message, so every AVAILABLE message does its full read-write-tag path), and the SQS consumer
 * per 10-message batch. Prints one JSON line.
 *
 *   tsx scripts/bench/handler-child.ts [iterations]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { FakeSsm } from "../../__tests__/handlers/ami-tracker/support/fake-ssm";
import { lambdaContext, snsEvent } from "../../__tests__/handlers/ami-tracker/support/events";
import { createTracker, readConfig } from "../../handlers/ami-tracker/tracker";
import { loggerOver, PowertoolsLogger } from "../../handlers/shared/logger";
import { processBatch } from "../../handlers/sqs-consumer/consumer";
import { eventBusDownstream } from "../../handlers/sqs-consumer/downstream";

const FIXTURES = join(__dirname, "..", "..", "__tests__", "fixtures", "image-builder");
const TRACKED_REGIONS = "us-east-1,us-east-2,us-west-1,us-west-2";

export interface HandlerResult {
  readonly name: string;
  /** CPU time (user + system) per message, or per batch for the consumer, in microseconds. */
  readonly cpuMicros: number;
  readonly iterations: number;
  /** SSM calls per message (tracker), or PutEvents calls per batch (consumer). */
  readonly awsCalls: number;
}

async function cpuPerIteration(iterations: number, body: () => Promise<void>): Promise<number> {
  for (let index = 0; index < Math.min(500, iterations); index++) await body();
  const before = process.cpuUsage();
  for (let index = 0; index < iterations; index++) await body();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
}

/** The account whose AMIs a fixture's build owns: the one in the image ARN. */
function ownAccount(text: string): string {
  return /arn:aws:imagebuilder:[a-z0-9-]+:(\d{12}):image\//.exec(text)?.[1] ?? "123456789012";
}

async function trackerResults(iterations: number): Promise<HandlerResult[]> {
  const fake = new FakeSsm();
  fake.attach(mockClient(SSMClient));
  const clients = new Map<string, SSMClient>();
  const clientFor = (region: string): SSMClient => {
    const existing = clients.get(region);
    if (existing) return existing;
    const client = new SSMClient({ region, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } });
    clients.set(region, client);
    return client;
  };
  const tracker = createTracker({ clientFor });
  const config = readConfig({ TRACKED_REGIONS });
  const results: HandlerResult[] = [];
  for (const file of readdirSync(FIXTURES)
    .filter((name) => name.endsWith(".json"))
    .sort()) {
    const text = readFileSync(join(FIXTURES, file), "utf8");
    const parsed: unknown = JSON.parse(text);
    const event = typeof parsed === "object" && parsed !== null && "Records" in parsed ? parsed : snsEvent(text);
    const context = lambdaContext(ownAccount(text));
    let calls = 0;
    const cpuMicros = await cpuPerIteration(iterations, async () => {
      fake.parameters.clear();
      fake.calls.length = 0;
      await tracker.handle(event, context, config);
      calls = fake.calls.length;
    });
    results.push({ name: file.replace(/\.json$/, ""), cpuMicros, iterations, awsCalls: calls });
  }
  return results;
}

function sqsRecord(index: number): SQSRecord {
  return {
    messageId: `message-${index}`,
    receiptHandle: `AQEBmessage-${index}`,
    body: JSON.stringify({ orderId: `order-${index}`, items: [{ sku: "sku-1", quantity: 2 }], total: 42.5 }),
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "1545082649183",
      SenderId: "AIDAIENQZJOLO23YVJ4VO",
      ApproximateFirstReceiveTimestamp: "1545082649185",
    },
    messageAttributes: {},
    md5OfBody: "e4e68fb7bd0e697a0ae8f1bb342846b3",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:ssm-patterns-default-api-orders",
    awsRegion: "us-east-1",
  };
}

async function consumerResult(iterations: number): Promise<HandlerResult> {
  const mock = mockClient(EventBridgeClient);
  mock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "event-1" }] });
  const client = new EventBridgeClient({ region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } });
  const downstream = eventBusDownstream({ client, eventBusName: "ssm-patterns-default-api", source: "ssm-patterns.consumer" });
  const logger = loggerOver(new PowertoolsLogger({ serviceName: "sqs-consumer" }));
  const records = Array.from({ length: 10 }, (_, index) => sqsRecord(index + 1));
  const cpuMicros = await cpuPerIteration(iterations, async () => {
    mock.resetHistory();
    const response = await processBatch(records, { downstream, logger });
    if (response.batchItemFailures.length > 0) throw new Error("the benchmark batch should not fail");
  });
  return { name: "sqs-consumer, 10-message batch", cpuMicros, iterations, awsCalls: mock.commandCalls(PutEventsCommand).length };
}

async function main(): Promise<void> {
  const iterations = Number(process.argv[2] ?? "5000");
  // Powertools writes its log and EMF lines (serialized, so their cost counts) to stdout and stderr: discard them.
  const write = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
  const discard = (() => true) as typeof process.stdout.write;
  process.stdout.write = discard;
  process.stderr.write = discard;
  const tracker = await trackerResults(iterations);
  const consumer = await consumerResult(Math.max(1, Math.round(iterations / 5)));
  process.stdout.write = write.stdout;
  process.stderr.write = write.stderr;
  process.stdout.write(`${JSON.stringify([...tracker, consumer])}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
