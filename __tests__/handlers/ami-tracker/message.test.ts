import { parseMessage } from "../../../handlers/ami-tracker/message";
import { fixtureJson, fixtureText } from "./support/events";

/** The docs AVAILABLE message with one change applied. */
function docsWith(change: (message: Record<string, unknown>, ami: Record<string, unknown>) => void): string {
  const message = fixtureJson("sns-message-available-docs.json");
  const amis = (message.outputResources as { amis: Array<Record<string, unknown>> }).amis;
  const [ami] = amis;
  if (ami === undefined) throw new Error("fixture has an AMI");
  change(message, ami);
  return JSON.stringify(message);
}

test("the docs AVAILABLE message parses to the fields the tracker uses", () => {
  // Act
  const parsed = parseMessage(fixtureText("sns-message-available-docs.json"));

  // Assess
  expect(parsed).toEqual({
    kind: "image",
    image: {
      arn: "arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/3",
      name: "example-linux-image",
      version: "1.0.0",
      buildVersion: 3,
      status: "AVAILABLE",
      reason: undefined,
      recipeName: "amjule-barebones-linux",
      sourcePipelineArn: "arn:aws:imagebuilder:us-west-1:123456789012:image-pipeline/example-linux-pipeline",
      amis: [{ region: "us-west-1", image: "ami-01a23bc4def5a6789", name: "example-linux-image 2022-07-28T01-14-17.416Z", accountId: "123456789012" }],
    },
  });
});

test("the FAILED message parses with its reason and no AMIs", () => {
  const parsed = parseMessage(fixtureText("sns-message-failed-docs.json"));
  expect(parsed).toMatchObject({ kind: "image", image: { status: "FAILED", reason: "Image Failure reason.", amis: [] } });
});

test("the EventBridge event is recognised as such", () => {
  const parsed = parseMessage(fixtureText("eventbridge-image-state-change-docs.json"));
  expect(parsed).toMatchObject({ kind: "eventbridge", detailType: "EC2 Image Builder Image State Change" });
});

test.each([
  ["not JSON", "{not json", /not JSON/],
  ["a JSON array", "[]", /not a JSON object/],
  ["an AMI ID with upper case", docsWith((_, ami) => (ami.image = "ami-01A23BC4DEF5A6789")), /not an AMI ID/],
  ["an AMI ID of 12 hex digits", docsWith((_, ami) => (ami.image = "ami-01a23bc4def5")), /not an AMI ID/],
  ["a region that is not a region", docsWith((_, ami) => (ami.region = "us west 1")), /not a region/],
  ["an accountId that is not 12 digits", docsWith((_, ami) => (ami.accountId = "12345")), /accountId/],
  ["a numeric AMI name", docsWith((_, ami) => (ami.name = 42)), /name is not a non-empty string/],
  ["buildVersion 0", docsWith((m) => (m.buildVersion = 0)), /buildVersion/],
  ["buildVersion as text", docsWith((m) => (m.buildVersion = "3")), /buildVersion/],
  ["buildVersion 1.5", docsWith((m) => (m.buildVersion = 1.5)), /buildVersion/],
  ["version 1.0", docsWith((m) => (m.version = "1.0")), /MAJOR.MINOR.PATCH/],
  ["no arn", docsWith((m) => delete m.arn), /arn/],
  ["an arn of something else", docsWith((m) => (m.arn = "arn:aws:s3:::bucket")), /image ARN/],
  ["no state", docsWith((m) => delete m.state), /state/],
  ["amis not an array", docsWith((m) => (m.outputResources = { amis: {} })), /not an array/],
  ["AVAILABLE without outputResources", docsWith((m) => delete m.outputResources), /outputResources/],
  ["sourcePipelineArn as a number", docsWith((m) => (m.sourcePipelineArn = 7)), /sourcePipelineArn/],
])("invalid: %s", (_, text, reason) => {
  // Act
  const parsed = parseMessage(text);

  // Assess
  expect(parsed.kind).toBe("invalid");
  if (parsed.kind === "invalid") expect(parsed.reason).toMatch(reason);
});

test("8-hex-digit AMI IDs of older regions are accepted", () => {
  const parsed = parseMessage(docsWith((_, ami) => (ami.image = "ami-0a1b2c3d")));
  expect(parsed.kind).toBe("image");
});

test("semver is ignored, however large", () => {
  const text = fixtureText("sns-message-available-docs.json").replace(/"semver": \d+/, '"semver": 123456789012345678901234567890123456789');
  expect(parseMessage(text).kind).toBe("image");
});
