/**
 * Fault injection on the SQS consumer: a 100-record batch with random failures through the handler
 * (SDK mocked), and throttling, 5xx, access denied and a timeout through a real EventBridge client
 * (retry middleware included) over a stub HTTP handler. Where failed messages end up is asserted
 * on the stack: the queue's redrive to its dead-letter queue, and the partial batch response.
 */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { HttpResponse, type HttpRequest } from "@smithy/protocol-http";
import { ConfiguredRetryStrategy } from "@smithy/util-retry";
import type { Context, SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { Testing } from "cdktf";
import fc from "fast-check";
import { Readable } from "node:stream";
import { loadConfig } from "../../../config";
import { handler } from "../../../handlers/sqs-consumer";
import { processBatch } from "../../../handlers/sqs-consumer/consumer";
import { eventBusDownstream } from "../../../handlers/sqs-consumer/downstream";
import { loggerOver, PowertoolsLogger, type Logger } from "../../../handlers/shared/logger";
import { captureOutput } from "../support/output";
import { StorageFirstApiStack } from "../../../stacks/storage-first-api-stack";
import { storageFirstApiStackProps } from "../../../stacks/app";
import { checkStack } from "../../../stacks/rules/rule-pack";
import { resourcesOf, synthesize } from "../../helpers/synth";

const QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:ssm-patterns-default-api-orders";

function record(messageId: string, body: string, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `AQEB${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: "1545082649183",
      SenderId: "AIDAIENQZJOLO23YVJ4VO",
      ApproximateFirstReceiveTimestamp: "1545082649185",
    },
    messageAttributes: {},
    md5OfBody: "e4e68fb7bd0e697a0ae8f1bb342846b3",
    eventSource: "aws:sqs",
    eventSourceARN: QUEUE_ARN,
    awsRegion: "us-east-1",
  };
}

/** The messageId inside a PutEvents entry's Detail. */
function messageIdOf(detail: string | undefined): string {
  const parsed: unknown = JSON.parse(detail ?? "{}");
  return typeof parsed === "object" && parsed !== null && "messageId" in parsed ? String(parsed.messageId) : "";
}

function mockEventBridge() {
  return mockClient(EventBridgeClient);
}

afterEach(() => jest.restoreAllMocks());

function captureLines(): { lines: Record<string, unknown>[]; logger: Logger } {
  const lines: Record<string, unknown>[] = [];
  captureOutput(lines); // restored by jest.restoreAllMocks after each test
  return { lines, logger: loggerOver(new PowertoolsLogger({ serviceName: "sqs-consumer" })) };
}

describe("a 100-record batch with random failures, through the handler", () => {
  // Mocks every EventBridgeClient's send until afterAll restores it (the next block uses real clients).
  const mocked: { stub?: ReturnType<typeof mockEventBridge> } = {};
  const environment = { ...process.env };
  /** The handler's log lines (Powertools writes them on process.stdout), parsed. */
  const logged: Record<string, unknown>[] = [];
  beforeAll(() => {
    mocked.stub = mockEventBridge();
  });
  afterAll(() => mocked.stub?.restore());
  beforeEach(() => {
    process.env["EVENT_BUS_NAME"] = "ssm-patterns-default-api-events";
    process.env["EVENT_SOURCE"] = "ssm-patterns-default-api.consumer";
    jest.spyOn(console, "log").mockImplementation(() => undefined);
    captureOutput(logged); // restored by jest.restoreAllMocks below
  });
  afterEach(() => {
    process.env = { ...environment };
    jest.restoreAllMocks();
  });

  type Fate = "ok" | "throttled" | "server-error" | "failed-entry" | "malformed";
  const FATES: readonly Fate[] = ["ok", "throttled", "server-error", "failed-entry", "malformed"];

  test("property: exactly the failed messageIds are reported back, each once; every other message is delivered once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...FATES), { minLength: 100, maxLength: 100 }), async (fates) => {
        // Prepare
        const eventBridge = mocked.stub;
        if (eventBridge === undefined) throw new Error("beforeAll did not run");
        eventBridge.reset();
        logged.length = 0;
        const fateOf = new Map(fates.map((fate, index) => [`m${index}`, fate]));
        const delivered: string[] = [];
        eventBridge.on(PutEventsCommand).callsFake((input: { Entries?: { Detail?: string }[] }) => {
          const id = messageIdOf(input.Entries?.[0]?.Detail);
          switch (fateOf.get(id)) {
            case "throttled":
              return Promise.reject(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
            case "server-error":
              return Promise.reject(Object.assign(new Error("Internal failure"), { name: "InternalException" }));
            case "failed-entry":
              return Promise.resolve({ FailedEntryCount: 1, Entries: [{ ErrorCode: "InternalFailure", ErrorMessage: "try again" }] });
            default:
              delivered.push(id);
              return Promise.resolve({ FailedEntryCount: 0, Entries: [{ EventId: `e-${id}` }] });
          }
        });
        const records = fates.map((fate, index) => record(`m${index}`, fate === "malformed" ? `not json ${index}` : JSON.stringify({ n: index })));

        // Act
        const response = await handler({ Records: records }, { awsRequestId: "request-100" } as Context);

        // Assess
        const expectedFailed = fates.flatMap((fate, index) => (fate === "ok" ? [] : [`m${index}`]));
        expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(expectedFailed);
        expect(delivered.sort()).toEqual(fates.flatMap((fate, index) => (fate === "ok" ? [`m${index}`] : [])).sort());
        // Each malformed message is logged as such, once: it never fails in silence.
        const malformedLogged = logged.filter((line) => line["level"] === "ERROR" && line["kind"] === "MalformedMessageError").map((line) => line["messageId"]);
        expect(malformedLogged.sort()).toEqual(fates.flatMap((fate, index) => (fate === "malformed" ? [`m${index}`] : [])).sort());
      }),
      { numRuns: 25, seed: 7 },
    );
  });
});

/** A real EventBridge client whose HTTP requests `answer` decides; `calls` records each attempt's messageId. */
function eventBridgeOverHttp(answer: (messageId: string, attempt: number) => { status: number; errorType?: string; body: Record<string, unknown> } | "hang") {
  const calls: string[] = [];
  const client = new EventBridgeClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    // The production client's 3 attempts (SDK default), without the waiting.
    retryStrategy: new ConfiguredRetryStrategy(3, () => 0),
    requestHandler: {
      handle: async (request: HttpRequest) => {
        const text = typeof request.body === "string" ? request.body : Buffer.from(request.body as Uint8Array).toString("utf8");
        const input = JSON.parse(text) as { Entries?: { Detail?: string }[] };
        const id = messageIdOf(input.Entries?.[0]?.Detail);
        calls.push(id);
        const result = answer(id, calls.filter((call) => call === id).length);
        if (result === "hang") return new Promise<never>(() => undefined);
        const headers: Record<string, string> = { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "fake" };
        if (result.errorType !== undefined) headers["x-amzn-errortype"] = result.errorType;
        return { response: new HttpResponse({ statusCode: result.status, headers, body: Readable.from([Buffer.from(JSON.stringify(result.body))]) }) };
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    },
  });
  return { client, calls };
}

const OK = { status: 200, body: { FailedEntryCount: 0, Entries: [{ EventId: "e" }] } };
const THROTTLED = { status: 400, errorType: "ThrottlingException", body: { __type: "ThrottlingException", message: "Rate exceeded" } };

describe("through the real SDK retry path", () => {
  const records = ["m1", "m2", "m3"].map((id) => record(id, JSON.stringify({ id })));

  test("throttling bursts of 2 per message: retried by the SDK, each message put once, nothing reported failed", async () => {
    // Prepare
    const { client, calls } = eventBridgeOverHttp((_, attempt) => (attempt <= 2 ? THROTTLED : OK));
    const { logger } = captureLines();

    // Act
    const response = await processBatch(records, { downstream: eventBusDownstream({ client, eventBusName: "bus", source: "src" }), logger });

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(calls.filter((id) => id === "m1")).toHaveLength(3);
    expect(calls).toHaveLength(9);
  });

  test("a burst longer than 3 attempts: that message alone is reported, and goes back to the queue", async () => {
    const { client } = eventBridgeOverHttp((id) => (id === "m2" ? THROTTLED : OK));
    const { logger } = captureLines();
    const response = await processBatch(records, { downstream: eventBusDownstream({ client, eventBusName: "bus", source: "src" }), logger });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "m2" }]);
  });

  test("a 5xx storm: every message is reported failed (none acknowledged, none lost), after 3 attempts each", async () => {
    const { client, calls } = eventBridgeOverHttp(() => ({
      status: 500,
      errorType: "InternalException",
      body: { __type: "InternalException", message: "boom" },
    }));
    const { logger } = captureLines();
    const response = await processBatch(records, { downstream: eventBusDownstream({ client, eventBusName: "bus", source: "src" }), logger });
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(["m1", "m2", "m3"]);
    expect(calls).toHaveLength(9);
  });

  test("access denied: not retried, the message reported, and a log line names events:PutEvents and the error", async () => {
    // Prepare
    const denied = {
      status: 400,
      errorType: "AccessDeniedException",
      body: {
        __type: "AccessDeniedException",
        message:
          "User: arn:aws:sts::123456789012:assumed-role/consumer is not authorized to perform: events:PutEvents on resource: arn:aws:events:us-east-1:123456789012:event-bus/bus",
      },
    };
    const { client, calls } = eventBridgeOverHttp(() => denied);
    const { lines, logger } = captureLines();

    // Act
    const response = await processBatch([records[0] ?? record("m1", "{}")], {
      downstream: eventBusDownstream({ client, eventBusName: "bus", source: "src" }),
      logger,
    });

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "m1" }]);
    expect(calls).toHaveLength(1);
    expect(lines).toContainEqual(
      expect.objectContaining({ messageId: "m1", kind: "AccessDeniedException", reason: expect.stringContaining("events:PutEvents") }),
    );
  });

  test("a timeout close to the deadline: the whole batch returns to the queue; messages delivered before it are delivered again (at least once, dedupe by messageId)", async () => {
    // Prepare: m3's PutEvents never answers; Lambda ends the invocation at the deadline
    const delivered: string[] = [];
    const { client } = eventBridgeOverHttp((id) => {
      if (id === "m3") return "hang";
      delivered.push(id);
      return OK;
    });
    const { logger } = captureLines();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timed out">((resolve) => {
      timer = setTimeout(() => resolve("timed out"), 50);
    });

    // Act 1
    const outcome = await Promise.race([
      processBatch(records, { downstream: eventBusDownstream({ client, eventBusName: "bus", source: "src" }), logger }),
      deadline,
    ]);
    clearTimeout(timer);

    // Assess 1: no partial batch response was returned, so SQS makes all three visible again
    expect(outcome).toBe("timed out");
    expect(delivered.sort()).toEqual(["m1", "m2"]);

    // Act 2: the next receive, with the downstream healthy
    const retry = eventBridgeOverHttp((id) => {
      delivered.push(id);
      return OK;
    });
    const second = await processBatch(
      records.map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: "2" } })),
      {
        downstream: eventBusDownstream({ client: retry.client, eventBusName: "bus", source: "src" }),
        logger,
      },
    );

    // Assess 2: every message delivered at least once; m1 and m2 twice
    expect(second.batchItemFailures).toEqual([]);
    expect(delivered.sort()).toEqual(["m1", "m1", "m2", "m2", "m3"]);
  });
});

describe("where failed messages end up (the stack)", () => {
  const stack = new StorageFirstApiStack(Testing.app(), storageFirstApiStackProps(loadConfig("default")));
  const synthesized = synthesize(stack);

  test("the consumer's mapping reports batch item failures, and its queue redrives to a dead-letter queue after maxReceiveCount", () => {
    const mappings = resourcesOf(synthesized, "aws_lambda_event_source_mapping");
    expect(mappings.length).toBeGreaterThan(0);
    for (const mapping of mappings) {
      expect(mapping["function_response_types"]).toEqual(["ReportBatchItemFailures"]);
      const queueAddress = /\$\{aws_sqs_queue\.([^.]+)\.arn\}/.exec(String(mapping["event_source_arn"]))?.[1] ?? "";
      const queue = synthesized.resource["aws_sqs_queue"]?.[queueAddress];
      expect(String(queue?.["redrive_policy"])).toMatch(/deadLetterTargetArn.*aws_sqs_queue\.[^.]+\.arn.*maxReceiveCount/);
    }
  });

  test("the rule pack finds no unacknowledged error in the stack", () => {
    const errors = checkStack(stack).findings.filter((finding) => finding.rule.level === "error" && finding.acknowledged === undefined);
    expect(errors.map((finding) => `${finding.rule.id} ${finding.resource.address}`)).toEqual([]);
  });
});
