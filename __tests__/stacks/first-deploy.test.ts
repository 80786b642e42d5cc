import { Testing } from "cdktf";
import { buildTags } from "../../handlers/ami-tracker/tags";
import { BUILD_TAG_KEYS } from "../../ami-pointers/channels";
import { parseMessage } from "../../handlers/ami-tracker/message";
import { loadConfig } from "../../config";
import { AmiTrackerStack } from "../../stacks/ami-tracker-stack";
import { publicAmiParameter } from "../../stacks/constructs/seeded-image-parameter";
import { captureConsole, fixtureJson, lambdaContext, snsEvent } from "../handlers/ami-tracker/support/events";
import { FakeSsm } from "../handlers/ami-tracker/support/fake-ssm";
import { config as trackerConfig, trackerOverHttp } from "../handlers/ami-tracker/support/tracker";
import { dataOf, resourcesOf, synthesize, testConfig, type SynthesizedStack } from "../helpers/synth";

/**
 * Row 1 of "A first deploy that works": EC2 resolves a launch template's `resolve:ssm:NAME` when the
 * template is created, so the parameter must exist first (Auto Scaling user guide, "Use AWS Systems
 * Manager parameters instead of AMI IDs in launch templates"). Terraform creates it, seeded with the
 * region's latest Amazon Linux 2023 AMI, and never reverts what the tracker or Image Builder writes.
 */
function tracker(environment: string): SynthesizedStack {
  return synthesize(new AmiTrackerStack(Testing.app(), loadConfig(environment)));
}

function parameterNamed(stack: SynthesizedStack, name: string): [string, Record<string, unknown>] {
  const found = Object.entries(stack.resource["aws_ssm_parameter"] ?? {}).find(([, parameter]) => parameter["name"] === name);
  if (found === undefined) throw new Error(`no aws_ssm_parameter named ${name}`);
  return found;
}

describe.each(["default", "multi-pipeline"])("%s: every parameter a launch template resolves exists before the template", (environment) => {
  const stack = tracker(environment);
  const templates = resourcesOf(stack, "aws_launch_template");

  test("each resolve:ssm: template depends on an aws_ssm_parameter of that name, DataType aws:ec2:image", () => {
    expect(templates.length).toBeGreaterThan(0);
    for (const template of templates) {
      const name = String(template["image_id"]).replace(/^resolve:ssm:/, "");
      const [address, parameter] = parameterNamed(stack, name);
      expect(template["depends_on"]).toEqual([`aws_ssm_parameter.${address}`]);
      expect(parameter).toMatchObject({ type: "String", data_type: "aws:ec2:image" });
    }
  });

  test("the seed is the region's latest Amazon Linux 2023 AMI of the template's architecture, read from AWS's public parameter", () => {
    for (const template of templates) {
      const [, parameter] = parameterNamed(stack, String(template["image_id"]).replace(/^resolve:ssm:/, ""));
      const source = /^\$\{data\.aws_ssm_parameter\.([^.]+)\.insecure_value\}$/.exec(String(parameter["insecure_value"]))?.[1] ?? "";
      const architecture = /^[a-z]+\d+g[a-z]*\./.test(String(template["instance_type"])) ? "arm64" : "x86_64";
      expect(stack.data["aws_ssm_parameter"]?.[source]).toEqual({ name: publicAmiParameter(architecture) });
    }
    for (const data of dataOf(stack, "aws_ssm_parameter")) expect(String(data["name"])).toMatch(/^\/aws\/service\/ami-amazon-linux-latest\//);
  });

  test("an apply never reverts a later write: value, description and every tag the tracker writes are ignored", () => {
    for (const [, parameter] of Object.entries(stack.resource["aws_ssm_parameter"] ?? {})) {
      const ignored = (parameter["lifecycle"] as { ignore_changes: string[] }).ignore_changes;
      expect(ignored).toEqual(expect.arrayContaining(["value", "insecure_value", "description"]));
      for (const key of BUILD_TAG_KEYS) expect(ignored).toContain(`tags["${key}"]`);
    }
  });
});

test("BUILD_TAG_KEYS are exactly the keys the tracker writes (a message with every optional field)", () => {
  // Prepare
  const message = fixtureJson("sns-message-available-multiaccount-multiregion.json");
  const parsed = parseMessage(JSON.stringify(message));
  if (parsed.kind !== "image") throw new Error("the fixture is an image message");
  const ami = parsed.image.amis[0];
  if (ami === undefined) throw new Error("the fixture has AMIs");

  // Act
  const keys = buildTags(
    { ...parsed.image, sourcePipelineArn: parsed.image.sourcePipelineArn ?? "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/x" },
    ami,
  ).map((tag) => tag.Key);

  // Assess
  expect([...keys].sort()).toEqual([...BUILD_TAG_KEYS].sort());
});

test("no launch template: Terraform creates no parameter and reads none (the tracker owns them all)", () => {
  const stack = synthesize(new AmiTrackerStack(Testing.app(), testConfig({ imageBuilder: { pipelines: [{ name: "example" }] } })));
  expect(resourcesOf(stack, "aws_ssm_parameter")).toHaveLength(0);
  expect(dataOf(stack, "aws_ssm_parameter")).toHaveLength(0);
});

describe("the tracker replaces the seed at the first build", () => {
  const NAME = "/ec2-imagebuilder/latest";
  let output: ReturnType<typeof captureConsole>;
  beforeEach(() => {
    output = captureConsole();
  });
  afterEach(() => output.restore());

  test("a parameter Terraform seeded (only the provider's default tags) counts as older than any build: the first build writes it and tags it", async () => {
    // Prepare: what Terraform leaves: the Amazon Linux AMI and the stack's default tags, none of the tracker's.
    const fake = new FakeSsm();
    fake.seed("us-west-1", NAME, "ami-0aaaaaaaaaaaaaaaa", { Project: "ssm-patterns", Environment: "default", ManagedBy: "cdktf", Stack: "ami-tracker" });
    const message = fixtureJson("sns-message-available-docs.json");
    message.outputResources = { amis: [{ region: "us-west-1", image: "ami-01a23bc4def5a6789", name: "example-linux-image", accountId: "123456789012" }] };

    // Act
    await trackerOverHttp(fake).handle(snsEvent(JSON.stringify(message)), lambdaContext("123456789012", "us-west-1"), trackerConfig());

    // Assess
    const written = fake.get("us-west-1", NAME);
    expect(written?.value).toBe("ami-01a23bc4def5a6789");
    expect(written?.tags.get("IMAGE_VERSION")).toBe(String(message.version));
    expect(written?.tags.get("Stack")).toBe("ami-tracker");
    expect(output.lines()).toContainEqual(expect.objectContaining({ decision: "written", reason: "no prior build recorded on the parameter" }));
  });
});
