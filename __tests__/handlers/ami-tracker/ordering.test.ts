import { compareBuilds, parseBuildOrder, parseVersion } from "../../../ami-pointers/build-order";
import { captureConsole, fixtureJson, lambdaContext, snsEvent } from "./support/events";
import { FakeSsm } from "./support/fake-ssm";
import { config, trackerOverHttp } from "./support/tracker";

const NAME = "/ec2-imagebuilder/latest";
const context = lambdaContext("123456789012", "us-west-1");
let output: ReturnType<typeof captureConsole>;

beforeEach(() => {
  output = captureConsole();
});
afterEach(() => output.restore());

/** The docs AVAILABLE message with another version/build (and a matching ARN). */
function docsMessage(version: string, buildVersion: number, ami = "ami-01a23bc4def5a6789"): string {
  const message = fixtureJson("sns-message-available-docs.json");
  message.version = version;
  message.buildVersion = buildVersion;
  message.arn = `arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/${version}/${buildVersion}`;
  message.outputResources = { amis: [{ region: "us-west-1", image: ami, name: "example-linux-image", accountId: "123456789012" }] };
  return JSON.stringify(message);
}

function seedBuild(fake: FakeSsm, version: string, buildVersion: string): void {
  fake.seed("us-west-1", NAME, "ami-0bbbbbbbbbbbbbbbb", {
    IMAGE_ARN: `arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/${version}/${buildVersion}`,
    IMAGE_VERSION: version,
    IMAGE_BUILD_VERSION: buildVersion,
  });
}

describe("compareBuilds", () => {
  test.each([
    ["1.0.10", "1", "1.0.9", "1", 1],
    ["1.0.0", "3", "1.0.0", "5", -1],
    ["2.0.0", "1", "1.99.99", "99", 1],
    ["1.0.0", "7", "1.0.0", "7", 0],
    ["1.0.9007199254740993", "1", "1.0.9007199254740992", "1", 1],
    ["1.0.0", "9007199254740993", "1.0.0", "9007199254740992", 1],
  ])("%s/%s vs %s/%s -> %i", (va, ba, vb, bb, expected) => {
    // Prepare
    const a = parseBuildOrder(va, ba);
    const b = parseBuildOrder(vb, bb);
    if (a === undefined || b === undefined) throw new Error("fixture versions must parse");

    // Act
    const order = compareBuilds(a, b);

    // Assess
    expect(order).toBe(expected);
  });

  test.each(["1.0", "1.0.0.0", "v1.0.0", "1.-1.0", "", "1.0.x"])("%p is not MAJOR.MINOR.PATCH", (text) => {
    expect(parseVersion(text)).toBeUndefined();
  });

  test.each([
    ["1.0.0", "0"],
    ["1.0.0", "x"],
    ["1.0.0", undefined],
    [undefined, "1"],
  ])("unusable tags %p/%p give no order", (version, build) => {
    expect(parseBuildOrder(version, build)).toBeUndefined();
  });
});

describe("against the parameter's tags", () => {
  test("out of order: the parameter holds 1.0.0/5, a message for 1.0.0/3 writes nothing (stale)", async () => {
    // Prepare
    const fake = new FakeSsm();
    seedBuild(fake, "1.0.0", "5");

    // Act
    await trackerOverHttp(fake).handle(snsEvent(docsMessage("1.0.0", 3)), context, config());

    // Assess
    expect(fake.count("PutParameter")).toBe(0);
    expect(fake.get("us-west-1", NAME)?.value).toBe("ami-0bbbbbbbbbbbbbbbb");
    expect(output.lines()).toContainEqual(expect.objectContaining({ decision: "stale", message: "stale", parameter: NAME }));
  });

  test("1.0.10 is newer than 1.0.9 (numeric, not text)", async () => {
    // Prepare
    const fake = new FakeSsm();
    seedBuild(fake, "1.0.9", "1");

    // Act
    await trackerOverHttp(fake).handle(snsEvent(docsMessage("1.0.10", 1)), context, config());

    // Assess
    expect(fake.count("PutParameter")).toBe(1);
    expect(fake.get("us-west-1", NAME)?.tags.get("IMAGE_VERSION")).toBe("1.0.10");
  });

  test("1.0.9 after 1.0.10 is stale", async () => {
    // Prepare
    const fake = new FakeSsm();
    seedBuild(fake, "1.0.10", "1");

    // Act
    await trackerOverHttp(fake).handle(snsEvent(docsMessage("1.0.9", 1)), context, config());

    // Assess
    expect(fake.count("PutParameter")).toBe(0);
  });

  test("version parts beyond 2^53 compare exactly", async () => {
    // Prepare: 9007199254740993 and 9007199254740992 are the same JavaScript number
    const fake = new FakeSsm();
    seedBuild(fake, "1.9007199254740993.0", "1");

    // Act
    await trackerOverHttp(fake).handle(snsEvent(docsMessage("1.9007199254740992.0", 1)), context, config());

    // Assess
    expect(fake.count("PutParameter")).toBe(0);
    expect(output.lines()).toContainEqual(expect.objectContaining({ decision: "stale" }));
  });

  test("duplicate delivery: the same message twice writes exactly once", async () => {
    // Prepare
    const fake = new FakeSsm();
    const tracker = trackerOverHttp(fake);
    const message = docsMessage("1.0.0", 3);

    // Act
    await tracker.handle(snsEvent(message), context, config());
    await tracker.handle(snsEvent(message), context, config());

    // Assess
    expect(fake.count("PutParameter")).toBe(1);
    expect(output.lines()).toContainEqual(expect.objectContaining({ decision: "already-current", message: "already current" }));
  });

  test("a parameter without ordering tags (written by something else) is overwritten", async () => {
    // Prepare
    const fake = new FakeSsm();
    fake.seed("us-west-1", NAME, "ami-0bbbbbbbbbbbbbbbb", { Owner: "terraform" });

    // Act
    await trackerOverHttp(fake).handle(snsEvent(docsMessage("0.0.1", 1)), context, config());

    // Assess
    expect(fake.get("us-west-1", NAME)?.value).toBe("ami-01a23bc4def5a6789");
    expect(fake.get("us-west-1", NAME)?.tags.get("Owner")).toBe("terraform");
  });

  test("a build without a pipeline removes the previous build's SOURCE_PIPELINE_ARN tag", async () => {
    // Prepare
    const fake = new FakeSsm();
    seedBuild(fake, "1.0.0", "1");
    fake.get("us-west-1", NAME)?.tags.set("SOURCE_PIPELINE_ARN", "arn:aws:imagebuilder:us-west-1:123456789012:image-pipeline/old");
    const message = JSON.parse(docsMessage("1.0.0", 2)) as Record<string, unknown>;
    delete message.sourcePipelineArn;

    // Act
    await trackerOverHttp(fake).handle(snsEvent(JSON.stringify(message)), context, config());

    // Assess
    expect(fake.get("us-west-1", NAME)?.tags.has("SOURCE_PIPELINE_ARN")).toBe(false);
    expect(fake.get("us-west-1", NAME)?.tags.get("IMAGE_BUILD_VERSION")).toBe("2");
  });
});
