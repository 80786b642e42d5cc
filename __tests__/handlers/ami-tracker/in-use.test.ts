/**
 * In-use tags (ami-pointers/in-use.ts): when the tracker points its parameter at a new AMI, it
 * tags that AMI `current`, moves `previous` to the AMI it replaced (the rollback target) and removes
 * both keys from every other AMI, with the CLI's plan (planInUseMove). SSM goes through the fake over
 * HTTP (support/), EC2 through aws-sdk-client-mock.
 */
import { CreateTagsCommand, DeleteTagsCommand, DescribeImagesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { inUseTagKey } from "../../../ami-pointers/in-use";
import { createClientCache } from "../../../handlers/ami-tracker/clients";
import { createTracker } from "../../../handlers/ami-tracker/tracker";
import { captureConsole, fixtureText, lambdaContext, snsEvent } from "./support/events";
import { FakeSsm } from "./support/fake-ssm";
import { config, FakeClock } from "./support/tracker";

const NAME = "/ec2-imagebuilder/latest";
const REGION = "us-west-1";
const NEW_AMI = "ami-01a23bc4def5a6789";
const OLD_AMI = "ami-0aaaaaaaaaaaaaaaa";
const OLDER_AMI = "ami-0bbbbbbbbbbbbbbbb";
const CURRENT = inUseTagKey(NAME, "current");
const PREVIOUS = inUseTagKey(NAME, "previous");
const OLD_TAGS = {
  Source: "EC2 Image Builder",
  AMI_ID: OLD_AMI,
  IMAGE_ARN: "arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/2",
  IMAGE_VERSION: "1.0.0",
  IMAGE_BUILD_VERSION: "2",
};
const context = lambdaContext("123456789012", REGION);
const ec2 = mockClient(EC2Client);
let output: ReturnType<typeof captureConsole>;

beforeEach(() => {
  ec2.reset();
  output = captureConsole();
});
afterEach(() => output.restore());

function tracker(fake: FakeSsm) {
  const clientFor = createClientCache({
    backoff: () => 0,
    clientConfig: { requestHandler: fake.requestHandler(), credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } },
  });
  return createTracker({
    clientFor,
    ec2For: (region) => new EC2Client({ region, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } }),
    clock: new FakeClock(),
  });
}

function edits(command: "create" | "delete"): string[] {
  const calls = command === "create" ? ec2.commandCalls(CreateTagsCommand) : ec2.commandCalls(DeleteTagsCommand);
  return calls.map((call) => `${call.args[0].input.Resources?.join(",")} ${call.args[0].input.Tags?.map((tag) => tag.Key).join(",")}`);
}

test("a new build: the new AMI becomes current, the replaced one previous (the rollback target), the older previous loses its tag", async () => {
  // Prepare
  const fake = new FakeSsm();
  fake.seed(REGION, NAME, OLD_AMI, OLD_TAGS);
  ec2.on(DescribeImagesCommand).resolves({
    Images: [
      { ImageId: OLD_AMI, Tags: [{ Key: CURRENT, Value: "true" }] },
      { ImageId: OLDER_AMI, Tags: [{ Key: PREVIOUS, Value: "true" }] },
    ],
  });
  ec2.on(CreateTagsCommand).resolves({});
  ec2.on(DeleteTagsCommand).resolves({});

  // Act
  await tracker(fake).handle(snsEvent(fixtureText("sns-message-available-docs.json")), context, config());

  // Assess
  expect(ec2.commandCalls(DescribeImagesCommand)[0]?.args[0].input).toEqual({ Owners: ["self"], Filters: [{ Name: "tag-key", Values: [CURRENT, PREVIOUS] }] });
  expect(edits("create")).toEqual([`${NEW_AMI} ${CURRENT}`, `${OLD_AMI} ${PREVIOUS}`]);
  expect(ec2.commandCalls(CreateTagsCommand).every((call) => call.args[0].input.Tags?.[0]?.Value === "true")).toBe(true);
  expect(edits("delete")).toEqual([`${OLD_AMI} ${CURRENT}`, `${OLDER_AMI} ${PREVIOUS}`]);
  expect(fake.get(REGION, NAME)).toMatchObject({ value: NEW_AMI });
  expect(fake.get(REGION, NAME)?.tags.get("AMI_ID")).toBe(NEW_AMI);
  expect(output.lines()).toContainEqual(expect.objectContaining({ message: "in-use tags moved", replacedAmiId: OLD_AMI }));
});

test("a seeded parameter (no build tags): only the new AMI is tagged current; nothing else is known to hold it", async () => {
  // Prepare
  const fake = new FakeSsm();
  fake.seed(REGION, NAME, "ami-0123456789abcdef0", {});
  ec2.on(DescribeImagesCommand).resolves({ Images: [] });
  ec2.on(CreateTagsCommand).resolves({});

  // Act
  await tracker(fake).handle(snsEvent(fixtureText("sns-message-available-docs.json")), context, config());

  // Assess
  expect(edits("create")).toEqual([`${NEW_AMI} ${CURRENT}`]);
  expect(ec2.commandCalls(DeleteTagsCommand)).toHaveLength(0);
});

test("a stale build moves nothing", async () => {
  // Prepare
  const fake = new FakeSsm();
  fake.seed(REGION, NAME, OLD_AMI, {
    ...OLD_TAGS,
    IMAGE_BUILD_VERSION: "9",
    IMAGE_ARN: "arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/9",
  });

  // Act
  await tracker(fake).handle(snsEvent(fixtureText("sns-message-available-docs.json")), context, config());

  // Assess
  expect(ec2.calls()).toHaveLength(0);
});

test("UnauthorizedOperation on CreateTags: the invocation fails naming ec2:CreateTags, the log line the permission and the AMI's ARN; the parameter's tags still name the old build (the retry moves again)", async () => {
  // Prepare
  const fake = new FakeSsm();
  fake.seed(REGION, NAME, OLD_AMI, OLD_TAGS);
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: OLD_AMI, Tags: [{ Key: CURRENT, Value: "true" }] }] });
  ec2.on(CreateTagsCommand).rejects(Object.assign(new Error("not authorized"), { name: "UnauthorizedOperation" }));

  // Act
  const handled = tracker(fake).handle(snsEvent(fixtureText("sns-message-available-docs.json")), context, config());

  // Assess
  await expect(handled).rejects.toThrow(/us-west-1 \/ec2-imagebuilder\/latest \(ec2:CreateTags UnauthorizedOperation\)/);
  expect(fake.get(REGION, NAME)?.tags.get("AMI_ID")).toBe(OLD_AMI);
  expect(ec2.commandCalls(DeleteTagsCommand)).toHaveLength(0);
  expect(output.lines()).toContainEqual(
    expect.objectContaining({ level: "ERROR", message: `access denied: the function's role needs ec2:CreateTags on arn:aws:ec2:${REGION}::image/${NEW_AMI}` }),
  );
  expect(output.lines()).toContainEqual(
    expect.objectContaining({ level: "ERROR", message: `access denied: the function's role needs ec2:CreateTags on arn:aws:ec2:${REGION}::image/${NEW_AMI}` }),
  );
});
