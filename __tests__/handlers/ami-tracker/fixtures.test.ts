import { AddTagsToResourceCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { CreateTagsCommand, DeleteTagsCommand, DescribeImagesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import type { SNSEvent } from "aws-lambda";
import { handler } from "../../../handlers/ami-tracker/index";
import { captureConsole, emfLines, fixtureText, lambdaContext, snsEvent } from "./support/events";
import { FakeSsm } from "./support/fake-ssm";

const ssmMock = mockClient(SSMClient);
// The handler also moves the in-use tags of AMIs (in-use.test.ts shows how): here EC2 answers with no holder.
const ec2Mock = mockClient(EC2Client);
const savedEnv = { ...process.env };
let fake: FakeSsm;
let output: ReturnType<typeof captureConsole>;

beforeEach(() => {
  ssmMock.reset();
  ec2Mock.reset();
  ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
  ec2Mock.on(CreateTagsCommand).resolves({});
  ec2Mock.on(DeleteTagsCommand).resolves({});
  fake = new FakeSsm();
  fake.attach(ssmMock);
  output = captureConsole();
  delete process.env.PARAMETER_NAME;
  delete process.env.TRACKED_REGIONS;
  delete process.env.METRICS_NAMESPACE;
});

afterEach(() => {
  output.restore();
  process.env = { ...savedEnv };
});

function putInputs() {
  return ssmMock.commandCalls(PutParameterCommand).map((call) => call.args[0].input);
}

function tagInputs() {
  return ssmMock.commandCalls(AddTagsToResourceCommand).map((call) => call.args[0].input);
}

describe("AVAILABLE build from the user guide (us-west-1, account 123456789012)", () => {
  test("writes the AMI ID, then the nine tags", async () => {
    // Prepare
    process.env.AWS_REGION = "us-west-1";
    const event = snsEvent(fixtureText("sns-message-available-docs.json"));

    // Act
    await handler(event, lambdaContext("123456789012", "us-west-1"));

    // Assess
    expect(putInputs()).toEqual([
      {
        Name: "/ec2-imagebuilder/latest",
        Value: "ami-01a23bc4def5a6789",
        Type: "String",
        DataType: "aws:ec2:image",
        Overwrite: true,
        // The build for people, then the record any writer rebuilds these tags from (newest-wins.ts).
        Description:
          "Latest AMI from EC2 Image Builder: example-linux-image 1.0.0/3" +
          " | image arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/3" +
          " | ami example-linux-image 2022-07-28T01-14-17.416Z | recipe amjule-barebones-linux" +
          " | pipeline arn:aws:imagebuilder:us-west-1:123456789012:image-pipeline/example-linux-pipeline",
      },
    ]);
    expect(putInputs()[0]).not.toHaveProperty("Tags");
    expect(tagInputs()).toEqual([
      {
        ResourceType: "Parameter",
        ResourceId: "/ec2-imagebuilder/latest",
        Tags: [
          { Key: "Source", Value: "EC2 Image Builder" },
          { Key: "AMI_REGION", Value: "us-west-1" },
          { Key: "AMI_ID", Value: "ami-01a23bc4def5a6789" },
          { Key: "AMI_NAME", Value: "example-linux-image 2022-07-28T01-14-17.416Z" },
          { Key: "RECIPE_NAME", Value: "amjule-barebones-linux" },
          { Key: "SOURCE_PIPELINE_ARN", Value: "arn:aws:imagebuilder:us-west-1:123456789012:image-pipeline/example-linux-pipeline" },
          { Key: "IMAGE_ARN", Value: "arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/3" },
          { Key: "IMAGE_VERSION", Value: "1.0.0" },
          { Key: "IMAGE_BUILD_VERSION", Value: "3" },
        ],
      },
    ]);
    const written = emfLines(output.lines(), "ParametersWritten");
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      ParametersWritten: 1,
      _aws: { CloudWatchMetrics: [{ Namespace: "AmiTracker", Dimensions: [["service"]] }] },
      service: "ami-tracker",
    });
  });

  test("logs one JSON line per decision with the correlation id, never the whole event", async () => {
    // Prepare
    process.env.AWS_REGION = "us-west-1";
    const event = snsEvent(fixtureText("sns-message-available-docs.json"));

    // Act
    await handler(event, lambdaContext("123456789012", "us-west-1"));

    // Assess
    const decision = output.lines().find((line) => line.decision === "written");
    expect(decision).toMatchObject({
      level: "INFO",
      correlationId: "message-1",
      imageArn: "arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/3",
      region: "us-west-1",
      parameter: "/ec2-imagebuilder/latest",
    });
    expect(typeof decision?.timestamp).toBe("string");
    const calls = output.raw();
    expect(calls.some((line) => line.includes("infrastructureConfiguration"))).toBe(false);
  });

  test("an untracked region writes nothing", async () => {
    // Prepare
    process.env.TRACKED_REGIONS = "us-east-1,eu-west-1";

    // Act
    await handler(snsEvent(fixtureText("sns-message-available-docs.json")), lambdaContext("123456789012", "us-east-1"));

    // Assess
    expect(putInputs()).toEqual([]);
    expect(output.lines()).toContainEqual(expect.objectContaining({ decision: "ignored", reason: "region not in TRACKED_REGIONS" }));
  });
});

test("2020 build without accountId in amis[] is written", async () => {
  // Prepare
  process.env.AWS_REGION = "us-east-1";

  // Act
  await handler(snsEvent(fixtureText("sns-message-available-2020-no-accountid.json")), lambdaContext("253121499730"));

  // Assess
  expect(putInputs()).toEqual([expect.objectContaining({ Name: "/ec2-imagebuilder/latest", Value: "ami-09ad59d64cfd44c8f" })]);
  expect(fake.get("us-east-1", "/ec2-imagebuilder/latest")?.tags.get("IMAGE_VERSION")).toBe("0.1.0");
});

describe("multi-account, multi-region build (own account 526904826677, tracked us-east-1,us-east-2)", () => {
  beforeEach(() => {
    process.env.AWS_REGION = "us-east-1";
    process.env.TRACKED_REGIONS = "us-east-1,us-east-2";
  });

  test("message: only the own AMI in us-east-1 is written", async () => {
    // Act
    await handler(snsEvent(fixtureText("sns-message-available-multiaccount-multiregion.json")), lambdaContext("526904826677"));

    // Assess
    expect(putInputs()).toEqual([expect.objectContaining({ Value: "ami-0260900d063de06d6" })]);
    expect(fake.calls.every((call) => call.region === "us-east-1")).toBe(true);
    expect(fake.get("us-east-1", "/ec2-imagebuilder/latest")?.value).toBe("ami-0260900d063de06d6");
    expect(fake.get("us-east-2", "/ec2-imagebuilder/latest")).toBeUndefined();
    const ignored = output.lines().filter((line) => line.decision === "ignored");
    expect(ignored).toHaveLength(4);
    expect(ignored.every((line) => line.level === "INFO")).toBe(true);
  });

  test("the captured envelope, as the whole Lambda event", async () => {
    // Prepare
    const event = JSON.parse(fixtureText("sns-event-envelope-multiaccount.json")) as SNSEvent;

    // Act
    await handler(event, lambdaContext("526904826677"));

    // Assess
    expect(putInputs()).toEqual([expect.objectContaining({ Name: "/ec2-imagebuilder/latest", Value: "ami-0260900d063de06d6" })]);
    expect(fake.get("us-east-1", "/ec2-imagebuilder/latest")?.tags.get("IMAGE_VERSION")).toBe("1.6.1");
    expect(output.lines()).toContainEqual(expect.objectContaining({ decision: "written", correlationId: "b14e8a29-01c3-59ac-b216-d56135ed9943" }));
  });
});

test("FAILED build writes nothing, counts BuildsFailed 1 and logs state.reason", async () => {
  // Prepare
  process.env.AWS_REGION = "us-west-2";
  process.env.METRICS_NAMESPACE = "Custom/AmiTracker";

  // Act
  await handler(snsEvent(fixtureText("sns-message-failed-docs.json")), lambdaContext("123456789012", "us-west-2"));

  // Assess
  expect(ssmMock.calls()).toHaveLength(0);
  const failed = emfLines(output.lines(), "BuildsFailed");
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({
    BuildsFailed: 1,
    _aws: { CloudWatchMetrics: [{ Namespace: "Custom/AmiTracker", Dimensions: [["service"]], Metrics: [{ Name: "BuildsFailed", Unit: "Count" }] }] },
    service: "ami-tracker",
  });
  expect(output.lines()).toContainEqual(expect.objectContaining({ reason: "Image Failure reason.", status: "FAILED" }));
});

describe("EventBridge-shaped input writes nothing", () => {
  test("as an SNS message", async () => {
    // Prepare
    process.env.AWS_REGION = "us-west-2";

    // Act
    await handler(snsEvent(fixtureText("eventbridge-image-state-change-docs.json")), lambdaContext("111122223333", "us-west-2"));

    // Assess
    expect(ssmMock.calls()).toHaveLength(0);
    expect(output.lines()).toContainEqual(expect.objectContaining({ message: "EventBridge event skipped", decision: "skipped" }));
    expect(emfLines(output.lines(), "MessagesSkipped")).toHaveLength(1);
  });

  test("as the whole Lambda event", async () => {
    // Prepare
    process.env.AWS_REGION = "us-west-2";
    const event = JSON.parse(fixtureText("eventbridge-image-state-change-docs.json")) as SNSEvent;

    // Act
    await handler(event, lambdaContext("111122223333", "us-west-2"));

    // Assess
    expect(ssmMock.calls()).toHaveLength(0);
    expect(output.lines()).toContainEqual(expect.objectContaining({ decision: "skipped", reason: expect.stringContaining("EventBridge") }));
  });
});
