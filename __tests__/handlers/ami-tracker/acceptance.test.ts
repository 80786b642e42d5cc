/**
 * `aws:ec2:image` values are validated asynchronously (Systems Manager user guide, "Native parameter
 * support for Amazon Machine Image IDs"; PutParameter API reference, DataType): right after PutParameter
 * a new parameter does not exist yet, and a value that fails validation never becomes a version.
 * The tracker waits for the version PutParameter returned before it tags, within a budget that
 * Lambda's remaining time cuts short; the tags never name a build whose value SSM did not accept.
 */
import fc from "fast-check";
import { ACCEPTANCE_BUDGET_MS, reserveMs } from "../../../handlers/ami-tracker/tracker";
import { captureConsole, fixtureText, lambdaContext, snsEvent } from "./support/events";
import { FakeSsm } from "./support/fake-ssm";
import { config, DOCS, FakeClock, NAME, NEW_AMI, NEW_IMAGE_ARN, OLD_TAGS, trackerOverHttp } from "./support/tracker";

const context = lambdaContext("123456789012", "us-west-1");
let output: ReturnType<typeof captureConsole>;

beforeEach(() => {
  output = captureConsole();
});
afterEach(() => output.restore());

/** Index of the first call of `operation` (or -1). */
function firstCall(fake: FakeSsm, operation: string): number {
  return fake.calls.findIndex((call) => call.operation === operation);
}

test("the fake models the fault: a new parameter is invisible right after PutParameter, so tagging at once fails with InvalidResourceId", () => {
  // Prepare
  const fake = new FakeSsm();
  fake.validationDelayCalls = 2;

  // Act
  const put = fake.invoke("PutParameter", "us-west-1", { Name: NAME, Value: NEW_AMI, Type: "String", DataType: "aws:ec2:image", Overwrite: true });
  const tag = () => fake.invoke("AddTagsToResource", "us-west-1", { ResourceType: "Parameter", ResourceId: NAME, Tags: [{ Key: "AMI_ID", Value: NEW_AMI }] });

  // Assess
  expect(put).toMatchObject({ Version: 1 });
  expect(tag).toThrow(expect.objectContaining({ errorType: "InvalidResourceId" }));
  expect(fake.get("us-west-1", NAME)).toBeUndefined();
});

describe("first write of a new parameter", () => {
  test.each([1, 3, 8])("invisible for %i call(s) after PutParameter: the invocation succeeds, tags are written once the version is visible", async (delay) => {
    // Prepare
    const fake = new FakeSsm();
    fake.validationDelayCalls = delay;
    const clock = new FakeClock();

    // Act
    await trackerOverHttp(fake, undefined, clock).handle(snsEvent(fixtureText(DOCS)), context, config());

    // Assess
    const stored = fake.get("us-west-1", NAME);
    expect(stored).toMatchObject({ value: NEW_AMI, version: 1 });
    expect(stored?.tags.get("AMI_ID")).toBe(NEW_AMI);
    expect(stored?.tags.get("IMAGE_ARN")).toBe(NEW_IMAGE_ARN);
    expect(fake.count("AddTagsToResource")).toBe(1);
    // delay + 1 polls of version 1, then one GetParameter that ends the convergence pass (newest-wins.ts).
    expect(fake.count("GetParameter")).toBe(delay + 2);
    expect(fake.calls.map((call) => call.input.Name).lastIndexOf(`${NAME}:1`)).toBeLessThan(firstCall(fake, "AddTagsToResource"));
    expect(fake.calls.filter((call) => call.operation === "GetParameter").map((call) => call.input.Name)).toEqual([
      ...Array(delay + 1).fill(`${NAME}:1`),
      NAME,
    ]);
    expect(clock.sleeps).toEqual([200, 400, 800, 1600, 2000, 2000, 2000, 2000].slice(0, delay));
    expect(output.lines().filter((line) => line.level === "ERROR")).toEqual([]);
    expect(output.lines()).toContainEqual(expect.objectContaining({ decision: "written", version: 1 }));
  });
});

describe("a value that fails validation", () => {
  test("new parameter: no tags, the invocation rejects with a named retryable error after the budget, and the retry writes both", async () => {
    // Prepare
    const fake = new FakeSsm();
    fake.validationDelayCalls = 1;
    fake.rejectsValue = (value) => value === NEW_AMI;
    const clock = new FakeClock();
    const event = snsEvent(fixtureText(DOCS));

    // Act 1
    const first = trackerOverHttp(fake, undefined, clock).handle(event, context, config());

    // Assess 1
    await expect(first).rejects.toThrow(/us-west-1 \/ec2-imagebuilder\/latest \(ssm:GetParameter ValueNotAcceptedError\)/);
    expect(fake.get("us-west-1", NAME)).toBeUndefined();
    expect(fake.count("AddTagsToResource")).toBe(0);
    expect(clock.time).toBeLessThanOrEqual(ACCEPTANCE_BUDGET_MS);
    expect(clock.time).toBeGreaterThan(ACCEPTANCE_BUDGET_MS - 2_000);
    const errors = output.lines().filter((line) => line.level === "ERROR");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: "value not accepted by SSM in time: tags left on the previous build",
      decision: "failed",
      action: "ssm:GetParameter",
      awsError: "ValueNotAcceptedError",
      version: 1,
      amiId: NEW_AMI,
    });

    // Act 2: Lambda retries the event; this time validation passes (e.g. the AMI finished sharing)
    fake.rejectsValue = () => false;
    await trackerOverHttp(fake).handle(event, context, config());

    // Assess 2
    const stored = fake.get("us-west-1", NAME);
    expect(stored?.value).toBe(NEW_AMI);
    expect(stored?.tags.get("AMI_ID")).toBe(NEW_AMI);
    expect(stored?.tags.get("IMAGE_ARN")).toBe(NEW_IMAGE_ARN);
  });

  test("existing parameter: value and tags keep naming the previous build", async () => {
    // Prepare
    const fake = new FakeSsm();
    fake.seed("us-west-1", NAME, OLD_TAGS.AMI_ID, OLD_TAGS);
    fake.validationDelayCalls = 2;
    fake.rejectsValue = (value) => value === NEW_AMI;

    // Act
    const result = trackerOverHttp(fake).handle(snsEvent(fixtureText(DOCS)), context, config());

    // Assess
    await expect(result).rejects.toThrow(/ValueNotAcceptedError/);
    const stored = fake.get("us-west-1", NAME);
    expect(stored).toMatchObject({ value: OLD_TAGS.AMI_ID, version: 1 });
    expect(Object.fromEntries(stored?.tags ?? [])).toEqual(OLD_TAGS);
    expect(fake.count("AddTagsToResource")).toBe(0);
    expect(fake.count("RemoveTagsFromResource")).toBe(0);
  });
});

test.each<[number, number]>([
  [60_000, 20_000],
  [25_000, 15_000],
  [12_000, 6_000],
  [3_000, 1_500],
])("the wait stops early enough for Lambda's timeout: with %i ms left it gives up after %i ms", async (remaining, waited) => {
  // Prepare
  const fake = new FakeSsm();
  fake.validationDelayCalls = 1_000;
  const clock = new FakeClock();
  const shortContext = { ...context, getRemainingTimeInMillis: () => remaining };

  // Act
  const result = trackerOverHttp(fake, undefined, clock).handle(snsEvent(fixtureText(DOCS)), shortContext, config());

  // Assess
  await expect(result).rejects.toThrow(/ValueNotAcceptedError/);
  expect(clock.time).toBe(waited);
  expect(fake.count("AddTagsToResource")).toBe(0);
});

test("an update of an existing parameter is tagged only after its new version is visible", async () => {
  // Prepare
  const fake = new FakeSsm();
  fake.seed("us-west-1", NAME, OLD_TAGS.AMI_ID, OLD_TAGS);
  fake.validationDelayCalls = 3;

  // Act
  await trackerOverHttp(fake).handle(snsEvent(fixtureText(DOCS)), context, config());

  // Assess
  expect(fake.get("us-west-1", NAME)).toMatchObject({ value: NEW_AMI, version: 2 });
  expect(fake.get("us-west-1", NAME)?.tags.get("IMAGE_BUILD_VERSION")).toBe("3");
  expect(fake.calls.filter((call) => call.operation === "GetParameter").map((call) => call.input.Name)).toEqual([...Array(4).fill(`${NAME}:2`), NAME]);
  expect(fake.calls.map((call) => call.input.Name).lastIndexOf(`${NAME}:2`)).toBeLessThan(
    fake.calls.findIndex((call) => call.operation === "AddTagsToResource"),
  );
});

test("property: whatever the validation delay, outcome and remaining time, tags never name a value SSM did not accept", async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: 40 }), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 60_000 }), async (delay, rejected, seeded, remainingMs) => {
      // Prepare
      const fake = new FakeSsm();
      if (seeded) fake.seed("us-west-1", NAME, OLD_TAGS.AMI_ID, OLD_TAGS);
      fake.validationDelayCalls = delay;
      fake.rejectsValue = (value) => rejected && value === NEW_AMI;
      const clock = new FakeClock();

      // Act
      const outcome = await trackerOverHttp(fake, undefined, clock)
        .handle(snsEvent(fixtureText(DOCS)), { ...context, getRemainingTimeInMillis: () => remainingMs }, config())
        .then(
          () => "resolved" as const,
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );
      fake.settleAll();

      // Assess
      expect(clock.time).toBeLessThanOrEqual(Math.min(ACCEPTANCE_BUDGET_MS, remainingMs - reserveMs(remainingMs)));
      const stored = fake.get("us-west-1", NAME);
      // The tags name a value that became a version; after a success, the current one.
      if (stored !== undefined && stored.tags.size > 0) expect([...stored.history.values()]).toContain(stored.tags.get("AMI_ID"));
      if (rejected) expect(outcome).toMatch(/ValueNotAcceptedError/);
      if (outcome === "resolved") {
        expect(stored?.tags.get("AMI_ID")).toBe(stored?.value);
        expect(stored?.tags.get("IMAGE_ARN")).toBe(NEW_IMAGE_ARN);
      } else {
        expect(stored?.tags.get("IMAGE_ARN")).toBe(seeded ? OLD_TAGS.IMAGE_ARN : undefined);
      }
    }),
    { numRuns: 150 },
  );
});
