import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { Context, SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { handler } from "../../../handlers/sqs-consumer";
import {
  DownstreamError,
  MalformedMessageError,
  parseRecord,
  processBatch,
  type ConsumedMessage,
  type Downstream,
} from "../../../handlers/sqs-consumer/consumer";
import { DETAIL_TYPE, eventBusDownstream } from "../../../handlers/sqs-consumer/downstream";
import { loggerOver, PowertoolsLogger, type Logger } from "../../../handlers/shared/logger";
import { captureOutput } from "../support/output";

const QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:ssm-patterns-default-api-orders";
const FIFO_QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:ssm-patterns-fifo-example-api-orders.fifo";

/** An SQS record as Lambda delivers it (shape of the documented sample event). */
function record(messageId: string, body: string, options: { receiveCount?: number; groupId?: string; queueArn?: string } = {}): SQSRecord {
  return {
    messageId,
    receiptHandle: `AQEB${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: "1545082649183",
      SenderId: "AIDAIENQZJOLO23YVJ4VO",
      ApproximateFirstReceiveTimestamp: "1545082649185",
      ...(options.groupId !== undefined ? { MessageGroupId: options.groupId, SequenceNumber: "1", MessageDeduplicationId: messageId } : {}),
    },
    messageAttributes: {},
    md5OfBody: "e4e68fb7bd0e697a0ae8f1bb342846b3",
    eventSource: "aws:sqs",
    eventSourceARN: options.queueArn ?? QUEUE_ARN,
    awsRegion: "us-east-1",
  };
}

afterEach(() => jest.restoreAllMocks());

function capture(): { lines: Record<string, unknown>[]; logger: Logger } {
  const lines: Record<string, unknown>[] = [];
  captureOutput(lines); // restored by jest.restoreAllMocks after each test
  return { lines, logger: loggerOver(new PowertoolsLogger({ serviceName: "sqs-consumer" })) };
}

/** A downstream that fails for the given message IDs and records what it was given. */
function downstreamFailingFor(failing: ReadonlySet<string>): Downstream & { delivered: ConsumedMessage[] } {
  const delivered: ConsumedMessage[] = [];
  return {
    delivered,
    async deliver(message) {
      delivered.push(message);
      if (failing.has(message.messageId)) throw new DownstreamError(`downstream refused ${message.messageId}`);
    },
  };
}

describe("processBatch", () => {
  test("partial batch failure: exactly the failed messageIds are reported", async () => {
    // Prepare
    const { logger } = capture();
    const downstream = downstreamFailingFor(new Set(["m2", "m4"]));
    const records = ["m1", "m2", "m3", "m4"].map((id) => record(id, JSON.stringify({ orderId: id })));

    // Act
    const response = await processBatch(records, { downstream, logger });

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }, { itemIdentifier: "m4" }] });
    expect(downstream.delivered.map((message) => message.messageId)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(downstream.delivered[0]).toEqual({ messageId: "m1", queue: "ssm-patterns-default-api-orders", receiveCount: 1, body: { orderId: "m1" } });
  });

  test("a batch that fully succeeds reports no failures", async () => {
    const { logger } = capture();
    const response = await processBatch([record("m1", "{}")], { downstream: downstreamFailingFor(new Set()), logger });
    expect(response).toEqual({ batchItemFailures: [] });
  });

  test.each([
    ["not JSON", "order=42"],
    ["a JSON array", "[1,2]"],
    ["JSON null", "null"],
    ["a JSON string", '"hello"'],
    ["empty", ""],
  ])("a malformed message (%s) is reported as failed, never reaches the downstream, and is logged as an error", async (_name, body) => {
    const { lines, logger } = capture();
    const downstream = downstreamFailingFor(new Set());
    const response = await processBatch([record("bad", body), record("good", '{"ok":true}')], { downstream, logger });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "bad" }] });
    expect(downstream.delivered.map((message) => message.messageId)).toEqual(["good"]);
    const error = lines.find((line) => line["level"] === "ERROR");
    expect(error).toMatchObject({ messageId: "bad", kind: "MalformedMessageError" });
  });

  test("a message body is never logged: it may hold anything", async () => {
    const { lines, logger } = capture();
    const secret = "card=4111111111111111";
    await processBatch([record("bad", secret), record("good", JSON.stringify({ secret }))], { downstream: downstreamFailingFor(new Set(["good"])), logger });
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain("4111111111111111");
  });

  test("a malformed message ends in the dead-letter queue after maxReceiveCount receives, not in an endless retry", async () => {
    // SQS's redrive, modelled: a message reported as failed comes back with a higher receive count,
    // and moves to the DLQ once it has been received maxReceiveCount times (the stack sets 5).
    const maxReceiveCount = 5;
    const { logger } = capture();
    const downstream = downstreamFailingFor(new Set());
    let receiveCount = 0;
    let inDeadLetterQueue = false;
    for (let attempt = 0; attempt < 100 && !inDeadLetterQueue; attempt++) {
      receiveCount += 1;
      const response = await processBatch([record("poison", "{not json", { receiveCount })], { downstream, logger });
      const failed = response.batchItemFailures.map((failure) => failure.itemIdentifier).includes("poison");
      if (!failed) break; // deleted: would be lost, never in the DLQ
      if (receiveCount >= maxReceiveCount) inDeadLetterQueue = true;
    }
    expect({ inDeadLetterQueue, receiveCount }).toEqual({ inDeadLetterQueue: true, receiveCount: maxReceiveCount });
    expect(downstream.delivered).toHaveLength(0);
  });

  test("FIFO: after a failure, the rest of that message group is reported without being tried; other groups go on", async () => {
    const { logger } = capture();
    const downstream = downstreamFailingFor(new Set(["a1"]));
    const fifo = (id: string, groupId: string): SQSRecord => record(id, JSON.stringify({ id }), { groupId, queueArn: FIFO_QUEUE_ARN });
    const response = await processBatch([fifo("a1", "a"), fifo("b1", "b"), fifo("a2", "a"), fifo("b2", "b")], { downstream, logger });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "a1" }, { itemIdentifier: "a2" }] });
    expect(downstream.delivered.map((message) => message.messageId)).toEqual(["a1", "b1", "b2"]);
    expect(downstream.delivered[1]).toMatchObject({ messageGroupId: "b", queue: "ssm-patterns-fifo-example-api-orders.fifo" });
  });

  test("property: for any batch and any set of failing messages, exactly those are reported", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 10 }).chain((ids) => fc.tuple(fc.constant(ids), fc.subarray(ids))),
        async ([ids, failing]) => {
          const { logger } = capture();
          const response = await processBatch(
            ids.map((id) => record(id, JSON.stringify({ id }))),
            { downstream: downstreamFailingFor(new Set(failing)), logger },
          );
          const reported = response.batchItemFailures.map((failure) => failure.itemIdentifier);
          expect(reported.sort()).toEqual([...failing].sort());
        },
      ),
      { numRuns: 100 },
    );
  });

  test("property: any body is either delivered as an object or reported malformed; parsing never throws anything else", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
        try {
          const message = parseRecord(record("m", body));
          expect(typeof message.body).toBe("object");
          expect(Array.isArray(message.body)).toBe(false);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedMessageError);
        }
      }),
    );
  });
});

describe("eventBusDownstream and the handler, with the SDK mocked", () => {
  const eventBridge = mockClient(EventBridgeClient);
  const environment = { ...process.env };
  beforeEach(() => {
    eventBridge.reset();
    process.env["EVENT_BUS_NAME"] = "ssm-patterns-default-api-events";
    process.env["EVENT_SOURCE"] = "ssm-patterns-default-api.consumer";
    jest.spyOn(console, "log").mockImplementation(() => undefined);
  });
  afterEach(() => {
    process.env = { ...environment };
    jest.restoreAllMocks();
  });

  test("each message becomes one event on the bus", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] });
    const downstream = eventBusDownstream({ client: new EventBridgeClient({ region: "us-east-1" }), eventBusName: "bus", source: "src" });
    await downstream.deliver({ messageId: "m1", queue: "q", receiveCount: 1, body: { orderId: 7 } });
    const input = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input;
    expect(input?.Entries).toEqual([
      { EventBusName: "bus", Source: "src", DetailType: DETAIL_TYPE, Detail: JSON.stringify({ messageId: "m1", queue: "q", body: { orderId: 7 } }) },
    ]);
  });

  test("PutEvents' 200 with FailedEntryCount 1 is an error, not a success", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: "InternalFailure", ErrorMessage: "try again" }] });
    const downstream = eventBusDownstream({ client: new EventBridgeClient({ region: "us-east-1" }), eventBusName: "bus", source: "src" });
    await expect(downstream.deliver({ messageId: "m1", queue: "q", receiveCount: 1, body: {} })).rejects.toThrow(
      new DownstreamError("PutEvents refused the event: InternalFailure try again"),
    );
  });

  test("handler: a failed PutEvents and a malformed message are reported; the rest are deleted", async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries?: { Detail?: string }[] }) => {
      if (input.Entries?.[0]?.Detail?.includes('"messageId":"m2"')) return Promise.reject(new Error("ThrottlingException"));
      return Promise.resolve({ FailedEntryCount: 0, Entries: [{ EventId: "ok" }] });
    });
    const context = { awsRequestId: "request-1" } as Context;
    const response = await handler({ Records: [record("m1", '{"a":1}'), record("m2", '{"a":2}'), record("m3", "garbage"), record("m4", '{"a":4}')] }, context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }, { itemIdentifier: "m3" }] });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]).toMatchObject({
      EventBusName: "ssm-patterns-default-api-events",
      Source: "ssm-patterns-default-api.consumer",
    });
  });

  test("handler: a missing environment variable fails the invocation loudly (the whole batch is retried)", async () => {
    delete process.env["EVENT_BUS_NAME"];
    await expect(handler({ Records: [record("m1", "{}")] }, { awsRequestId: "r" } as Context)).rejects.toThrow(/EVENT_BUS_NAME: is not set/);
  });
});
