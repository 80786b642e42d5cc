/**
 * Fault injection on the AMI tracker: every fault goes through real SDK clients (serializers, error
 * parsing, retry middleware) talking to FakeSsm over a stub HTTP handler. Where the data ends up
 * is asserted on both sides: the parameter's state, and the stack's failure wiring.
 */
import type { HttpRequest } from "@smithy/protocol-http";
import { Testing } from "cdktf";
import { createClientCache } from "../../../handlers/ami-tracker/clients";
import { createTracker, type Tracker } from "../../../handlers/ami-tracker/tracker";
import { AmiTrackerStack } from "../../../stacks/ami-tracker-stack";
import { checkStack } from "../../../stacks/rules/rule-pack";
import { onlyResource, synthesize, testConfig } from "../../helpers/synth";
import { captureConsole, emfLines, fixtureText, lambdaContext, snsEvent } from "./support/events";
import { FakeAwsError, FakeSsm, type Operation } from "./support/fake-ssm";
import { config, DOCS, NAME, NEW_AMI, NEW_IMAGE_ARN, OLD_TAGS, trackerOverHttp } from "./support/tracker";

const context = lambdaContext("123456789012", "us-west-1");
let output: ReturnType<typeof captureConsole>;

beforeEach(() => {
  output = captureConsole();
});
afterEach(() => output.restore());

/** The state a reader of the parameter sees: value and the build its tags name agree. */
function expectConsistent(fake: FakeSsm, ami: string, imageArn: string): void {
  const stored = fake.get("us-west-1", NAME);
  expect(stored?.value).toBe(ami);
  expect(stored?.tags.get("AMI_ID")).toBe(ami);
  expect(stored?.tags.get("IMAGE_ARN")).toBe(imageArn);
}

describe("throttling bursts", () => {
  // ListTagsForResource is called twice: before deciding, and when converging (newest-wins.ts).
  test.each<[Operation, number, number]>([
    ["ListTagsForResource", 5, 2],
    ["PutParameter", 5, 1],
    ["AddTagsToResource", 3, 1],
  ])("%s throttled %i times in a row: retried by the SDK, the parameter written once", async (operation, burst, calls) => {
    // Prepare
    const fake = new FakeSsm();
    fake.seed("us-west-1", NAME, OLD_TAGS.AMI_ID, OLD_TAGS);
    let left = burst;
    fake.interceptor = (called) => (called === operation && left-- > 0 ? new FakeAwsError("ThrottlingException", 400, "Rate exceeded") : undefined);

    // Act
    await trackerOverHttp(fake).handle(snsEvent(fixtureText(DOCS)), context, config());

    // Assess
    expect(fake.count(operation)).toBe(burst + calls);
    const successfulPuts = fake.count("PutParameter") - (operation === "PutParameter" ? burst : 0);
    expect(successfulPuts).toBe(1);
    expectConsistent(fake, NEW_AMI, NEW_IMAGE_ARN);
    expect(emfLines(output.lines(), "ParametersWritten")).toHaveLength(1);
  });

  test("a burst longer than the 6 attempts fails the invocation; Lambda's retry of the same event then writes once", async () => {
    // Prepare
    const fake = new FakeSsm();
    let left = 6;
    fake.interceptor = (called) => (called === "PutParameter" && left-- > 0 ? new FakeAwsError("ThrottlingException", 400, "Rate exceeded") : undefined);
    const tracker = trackerOverHttp(fake);
    const event = snsEvent(fixtureText(DOCS));

    // Act
    const first = tracker.handle(event, context, config());
    await expect(first).rejects.toThrow(/ssm:PutParameter ThrottlingException/);
    await tracker.handle(event, context, config());

    // Assess
    expect(fake.count("PutParameter")).toBe(7);
    expect(fake.count("AddTagsToResource")).toBe(1);
    expectConsistent(fake, NEW_AMI, NEW_IMAGE_ARN);
  });
});

describe("a 5xx storm", () => {
  test("every attempt answers 503: the invocation rejects, nothing is half-written", async () => {
    // Prepare
    const fake = new FakeSsm();
    fake.seed("us-west-1", NAME, OLD_TAGS.AMI_ID, OLD_TAGS);
    fake.interceptor = () => new FakeAwsError("ServiceUnavailable", 503, "Service Unavailable");

    // Act
    const result = trackerOverHttp(fake).handle(snsEvent(fixtureText(DOCS)), context, config());

    // Assess
    await expect(result).rejects.toThrow(
      /1 parameter update\(s\) failed after retries: us-west-1 \/ec2-imagebuilder\/latest \(ssm:ListTagsForResource ServiceUnavailable\)/,
    );
    expect(fake.count("ListTagsForResource")).toBe(6);
    expect(fake.count("PutParameter")).toBe(0);
    expectConsistent(fake, OLD_TAGS.AMI_ID, OLD_TAGS.IMAGE_ARN);
  });

  test("the rejected event is not lost: Lambda retries it, then sends it to the dead-letter queue (on-failure destination)", () => {
    // Prepare
    const stack = new AmiTrackerStack(Testing.app(), testConfig({ amiTracker: { maxRetryAttempts: 2 } }));

    // Act
    const synthesized = synthesize(stack);
    const report = checkStack(stack);

    // Assess
    const dlqArn = "${aws_sqs_queue.dead-letter-queue.arn}";
    expect(onlyResource(synthesized, "aws_lambda_function_event_invoke_config")).toMatchObject({
      maximum_retry_attempts: 2,
      destination_config: { on_failure: { destination: dlqArn } },
    });
    expect(String(onlyResource(synthesized, "aws_sns_topic_subscription")["redrive_policy"])).toContain("aws_sqs_queue.dead-letter-queue.arn");
    expect(onlyResource(synthesized, "aws_sqs_queue")).toMatchObject({ message_retention_seconds: 1_209_600, sqs_managed_sse_enabled: true });
    expect(report.passed.filter((pass) => pass.rule.id === "LAMBDA-1").map((pass) => pass.note)).toEqual([
      "on-failure destination aws_sqs_queue.dead-letter-queue (aws_lambda_function_event_invoke_config.tracker-async)",
    ]);
  });
});

describe("access denied", () => {
  test.each<[Operation, string]>([
    ["ListTagsForResource", "ssm:ListTagsForResource"],
    ["PutParameter", "ssm:PutParameter"],
    ["GetParameter", "ssm:GetParameter"],
    ["AddTagsToResource", "ssm:AddTagsToResource"],
  ])("%s denied: not retried; one error line names %s and the parameter ARN; the invocation rejects", async (operation, action) => {
    // Prepare
    const fake = new FakeSsm();
    fake.interceptor = (called) =>
      called === operation
        ? new FakeAwsError("AccessDeniedException", 400, `User: arn:aws:sts::123456789012:assumed-role/tracker is not authorized to perform: ${action}`)
        : undefined;

    // Act
    const result = trackerOverHttp(fake).handle(snsEvent(fixtureText(DOCS)), context, config());

    // Assess
    await expect(result).rejects.toThrow(new RegExp(`${action} AccessDeniedException`));
    expect(fake.count(operation)).toBe(1);
    const errors = output.lines().filter((line) => line.level === "ERROR");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe(
      `access denied: the function's role needs ${action} on arn:aws:ssm:us-west-1:123456789012:parameter/ec2-imagebuilder/latest`,
    );
  });
});

describe("a timeout close to the deadline", () => {
  /** A tracker whose AddTagsToResource request never answers (the function is frozen mid-write). */
  function trackerHangingOn(fake: FakeSsm, operation: Operation): Tracker {
    const handler = fake.requestHandler();
    const clientFor = createClientCache({
      backoff: () => 0,
      clientConfig: {
        requestHandler: {
          ...handler,
          handle: (request: HttpRequest) =>
            String(request.headers["x-amz-target"]) === `AmazonSSM.${operation}` ? new Promise(() => undefined) : handler.handle(request),
        },
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      },
    });
    return createTracker({ clientFor });
  }

  /** Lambda ends the invocation at the deadline: the handler's promise is abandoned, the invocation counts as failed. */
  async function runUntilDeadline(run: Promise<void>, deadlineMs: number): Promise<"finished" | "timed out"> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timed out">((resolve) => {
      timer = setTimeout(() => resolve("timed out"), deadlineMs);
    });
    const outcome = await Promise.race([run.then(() => "finished" as const), deadline]);
    clearTimeout(timer);
    return outcome;
  }

  test("killed between PutParameter and AddTagsToResource: the tags still name the old build, and the retry rewrites both", async () => {
    // Prepare: the parameter holds build 1.0.0/2
    const fake = new FakeSsm();
    fake.seed("us-west-1", NAME, OLD_TAGS.AMI_ID, OLD_TAGS);
    const event = snsEvent(fixtureText(DOCS));

    // Act 1: the first attempt is frozen in AddTagsToResource when the deadline comes
    const outcome = await runUntilDeadline(trackerHangingOn(fake, "AddTagsToResource").handle(event, context, config()), 50);

    // Assess 1: the value moved, the tags (the commit point) did not: readers that check tags see the old build
    expect(outcome).toBe("timed out");
    const halfway = fake.get("us-west-1", NAME);
    expect(halfway?.value).toBe(NEW_AMI);
    expect(halfway?.tags.get("IMAGE_ARN")).toBe(OLD_TAGS.IMAGE_ARN);

    // Act 2: a timed-out asynchronous invocation is retried by Lambda with the same event
    await trackerOverHttp(fake).handle(event, context, config());

    // Assess 2: the tags' older build did not stop the retry; value and tags agree
    expectConsistent(fake, NEW_AMI, NEW_IMAGE_ARN);
    expect(fake.get("us-west-1", NAME)?.tags.get("IMAGE_BUILD_VERSION")).toBe("3");
  });

  test("killed while reading the tags: nothing was written, the retry writes value and tags", async () => {
    // Prepare
    const fake = new FakeSsm();
    fake.seed("us-west-1", NAME, OLD_TAGS.AMI_ID, OLD_TAGS);
    const event = snsEvent(fixtureText(DOCS));

    // Act
    const outcome = await runUntilDeadline(trackerHangingOn(fake, "ListTagsForResource").handle(event, context, config()), 50);
    const untouched = { value: fake.get("us-west-1", NAME)?.value, puts: fake.count("PutParameter") };
    await trackerOverHttp(fake).handle(event, context, config());

    // Assess
    expect(outcome).toBe("timed out");
    expect(untouched).toEqual({ value: OLD_TAGS.AMI_ID, puts: 0 });
    expectConsistent(fake, NEW_AMI, NEW_IMAGE_ARN);
  });

  test("killed after the tags were written (before the function returned): the retry finds the build current and writes nothing", async () => {
    // Prepare: the first attempt completed its writes; only its success was never reported
    const fake = new FakeSsm();
    const event = snsEvent(fixtureText(DOCS));
    await trackerOverHttp(fake).handle(event, context, config());
    const puts = fake.count("PutParameter");

    // Act
    await trackerOverHttp(fake).handle(event, context, config());

    // Assess
    expect(fake.count("PutParameter")).toBe(puts);
    expect(output.lines()).toContainEqual(expect.objectContaining({ decision: "already-current" }));
    expectConsistent(fake, NEW_AMI, NEW_IMAGE_ARN);
  });
});
