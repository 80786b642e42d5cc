import { captureConsole, fixtureText, lambdaContext, snsEvent } from "./support/events";
import { FakeAwsError, FakeSsm } from "./support/fake-ssm";
import { config, trackerOverHttp } from "./support/tracker";

const NAME = "/ec2-imagebuilder/latest";
const DOCS = "sns-message-available-docs.json";
const context = lambdaContext("123456789012", "us-west-1");
let output: ReturnType<typeof captureConsole>;

beforeEach(() => {
  output = captureConsole();
});
afterEach(() => output.restore());

test("throttling, then success: the SDK retries and the value is written once", async () => {
  // Prepare
  const fake = new FakeSsm();
  let throttles = 3;
  fake.interceptor = (operation) => {
    if (operation === "PutParameter" && throttles > 0) {
      throttles--;
      return new FakeAwsError("ThrottlingException", 400, "Rate exceeded");
    }
    return undefined;
  };
  const tracker = trackerOverHttp(fake);

  // Act
  await tracker.handle(snsEvent(fixtureText(DOCS)), context, config());

  // Assess
  expect(fake.count("PutParameter")).toBe(4);
  expect(fake.count("AddTagsToResource")).toBe(1);
  expect(fake.get("us-west-1", NAME)?.value).toBe("ami-01a23bc4def5a6789");
  expect(output.lines().filter((line) => line.decision === "written")).toHaveLength(1);
});

test("a 500 storm exhausts the 6 attempts and the invocation fails, naming region, parameter and error", async () => {
  // Prepare
  const fake = new FakeSsm();
  fake.interceptor = (operation) => (operation === "PutParameter" ? new FakeAwsError("InternalServerError", 500, "boom") : undefined);
  const tracker = trackerOverHttp(fake);

  // Act
  const result = tracker.handle(snsEvent(fixtureText(DOCS)), context, config());

  // Assess
  await expect(result).rejects.toThrow(/us-west-1 \/ec2-imagebuilder\/latest \(ssm:PutParameter InternalServerError\)/);
  expect(fake.count("PutParameter")).toBe(6);
  expect(fake.count("AddTagsToResource")).toBe(0);
  expect(output.lines()).toContainEqual(expect.objectContaining({ level: "ERROR", decision: "failed", action: "ssm:PutParameter" }));
});

test("access denied: rejects, and an error line names ssm:PutParameter and the parameter ARN", async () => {
  // Prepare
  const fake = new FakeSsm();
  fake.interceptor = (operation) =>
    operation === "PutParameter" ? new FakeAwsError("AccessDeniedException", 400, "User is not authorized to perform: ssm:PutParameter") : undefined;
  const tracker = trackerOverHttp(fake);

  // Act
  const result = tracker.handle(snsEvent(fixtureText(DOCS)), context, config());

  // Assess
  await expect(result).rejects.toThrow(/AccessDeniedException/);
  expect(fake.count("PutParameter")).toBe(1);
  const denied = output.lines().find((line) => line.level === "ERROR");
  expect(denied?.message).toContain("ssm:PutParameter");
  expect(denied?.message).toContain("arn:aws:ssm:us-west-1:123456789012:parameter/ec2-imagebuilder/latest");
  expect(denied).toMatchObject({ action: "ssm:PutParameter", awsError: "AccessDeniedException", parameter: NAME, region: "us-west-1" });
});

test("partial write: value written, tags failed -> invocation fails; redelivery rewrites both, ending consistent", async () => {
  // Prepare: the parameter holds an older build
  const fake = new FakeSsm();
  fake.seed("us-west-1", NAME, "ami-0aaaaaaaaaaaaaaaa", {
    Source: "EC2 Image Builder",
    AMI_ID: "ami-0aaaaaaaaaaaaaaaa",
    IMAGE_ARN: "arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/2",
    IMAGE_VERSION: "1.0.0",
    IMAGE_BUILD_VERSION: "2",
  });
  fake.interceptor = (operation) => (operation === "AddTagsToResource" ? new FakeAwsError("InternalServerError", 500, "boom") : undefined);
  const tracker = trackerOverHttp(fake);
  const event = snsEvent(fixtureText(DOCS));

  // Act 1: first delivery
  const first = tracker.handle(event, context, config());

  // Assess 1: the value moved, the tags did not, the invocation failed
  await expect(first).rejects.toThrow(/ssm:AddTagsToResource InternalServerError/);
  expect(fake.get("us-west-1", NAME)?.value).toBe("ami-01a23bc4def5a6789");
  expect(fake.get("us-west-1", NAME)?.tags.get("IMAGE_BUILD_VERSION")).toBe("2");

  // Act 2: Lambda's async retry delivers the same event
  fake.interceptor = () => undefined;
  const putsBefore = fake.count("PutParameter");
  await tracker.handle(event, context, config());

  // Assess 2: both rewritten, value and tags agree
  const stored = fake.get("us-west-1", NAME);
  expect(fake.count("PutParameter")).toBe(putsBefore + 1);
  expect(stored?.value).toBe("ami-01a23bc4def5a6789");
  expect(stored?.tags.get("AMI_ID")).toBe(stored?.value);
  expect(stored?.tags.get("IMAGE_ARN")).toBe("arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/3");
  expect(stored?.tags.get("IMAGE_BUILD_VERSION")).toBe("3");
});

test("one region failing does not stop the others; the error names the failed region", async () => {
  // Prepare: the 2020 build, re-targeted at two regions of the same account
  const message = JSON.parse(fixtureText("sns-message-available-2020-no-accountid.json")) as { outputResources: { amis: Array<Record<string, string>> } };
  const [first] = message.outputResources.amis;
  message.outputResources.amis = [
    { ...first, region: "us-east-1" },
    { ...first, region: "eu-west-1", image: "ami-0123456789abcdef0" },
  ];
  const fake = new FakeSsm();
  fake.interceptor = (operation, region) =>
    operation === "PutParameter" && region === "us-east-1" ? new FakeAwsError("InternalServerError", 500, "boom") : undefined;
  const tracker = trackerOverHttp(fake, 2);

  // Act
  const result = tracker.handle(snsEvent(JSON.stringify(message)), lambdaContext("253121499730"), config({ TRACKED_REGIONS: "us-east-1,eu-west-1" }));

  // Assess
  await expect(result).rejects.toThrow(/1 parameter update\(s\) failed.*us-east-1 \/ec2-imagebuilder\/latest/);
  expect(fake.get("eu-west-1", NAME)?.value).toBe("ami-0123456789abcdef0");
  expect(fake.get("us-east-1", NAME)).toBeUndefined();
});
