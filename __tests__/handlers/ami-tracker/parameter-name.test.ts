import { parameterNameProblem, pipelineName } from "../../../handlers/ami-tracker/parameter-name";
import { sanitizeTagValue } from "../../../ami-pointers/tags";
import { captureConsole, emfLines, fixtureJson, fixtureText, lambdaContext, snsEvent } from "./support/events";
import { FakeSsm } from "./support/fake-ssm";
import { config, trackerOverHttp } from "./support/tracker";

const context = lambdaContext("123456789012", "us-west-1");
let output: ReturnType<typeof captureConsole>;

beforeEach(() => {
  output = captureConsole();
});
afterEach(() => output.restore());

test("pipeline name is the last path segment of sourcePipelineArn", () => {
  expect(pipelineName("arn:aws:imagebuilder:us-east-1:111:image-pipeline/my-pipe")).toBe("my-pipe");
});

test.each([
  ["/ec2-imagebuilder/latest", undefined],
  ["latest-ami", undefined],
  ["/a_b.c-d/E9", undefined],
  ["/ami/My Example Image", /characters/],
  ["ami/latest", /must start with \//],
  ["/aws/latest", /reserved/],
  ["SSM-latest", /reserved/],
  ["/a//b", /empty level/],
  [`/${"x".repeat(1011)}`, /longer than 1011/],
  [`/${Array.from({ length: 16 }, () => "l").join("/")}`, /more than 15 levels/],
  ["", /empty/],
])("parameter name %p", (name, problem) => {
  const result = parameterNameProblem(name);
  if (problem === undefined) expect(result).toBeUndefined();
  else expect(result).toMatch(problem);
});

test.each([
  ["/ami/{pipeline}/latest", "/ami/example-linux-pipeline/latest"],
  ["/ami/{image}", "/ami/example-linux-image"],
  ["/ami/{pipeline}/{image}", "/ami/example-linux-pipeline/example-linux-image"],
])("template %p resolves to %p", async (template, expected) => {
  // Prepare
  const fake = new FakeSsm();

  // Act
  await trackerOverHttp(fake).handle(snsEvent(fixtureText("sns-message-available-docs.json")), context, config({ PARAMETER_NAME: template }));

  // Assess
  expect(fake.get("us-west-1", expected)?.value).toBe("ami-01a23bc4def5a6789");
  expect(fake.count("PutParameter")).toBe(1);
});

test("{pipeline} without sourcePipelineArn: skipped with the reason", async () => {
  // Prepare
  const fake = new FakeSsm();
  const message = fixtureJson("sns-message-available-docs.json");
  delete message.sourcePipelineArn;

  // Act
  await trackerOverHttp(fake).handle(snsEvent(JSON.stringify(message)), context, config({ PARAMETER_NAME: "/ami/{pipeline}" }));

  // Assess
  expect(fake.calls).toHaveLength(0);
  expect(output.lines()).toContainEqual(expect.objectContaining({ decision: "skipped", reason: expect.stringContaining("no sourcePipelineArn") }));
  expect(emfLines(output.lines(), "MessagesSkipped")).toHaveLength(1);
});

test("an invalid resolved name (image name with spaces) is skipped", async () => {
  // Prepare
  const fake = new FakeSsm();
  const message = fixtureJson("sns-message-available-docs.json");
  message.name = "My Example Image";

  // Act
  await trackerOverHttp(fake).handle(snsEvent(JSON.stringify(message)), context, config({ PARAMETER_NAME: "/ami/{image}" }));

  // Assess
  expect(fake.calls).toHaveLength(0);
  expect(output.lines()).toContainEqual(expect.objectContaining({ decision: "skipped", reason: expect.stringContaining("/ami/My Example Image") }));
});

test("tag values keep SSM's allowed set and at most 256 characters", () => {
  expect(sanitizeTagValue("name (v2) #1, é")).toBe("name _v2_ _1_ é");
  expect(sanitizeTagValue("x".repeat(300))).toHaveLength(256);
  expect(sanitizeTagValue("a_b.c:d/e=f+g-h@i j")).toBe("a_b.c:d/e=f+g-h@i j");
});
