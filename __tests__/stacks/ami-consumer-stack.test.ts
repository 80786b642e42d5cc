/**
 * The consumer side of a shared AMI pointer (config/environments/ami-consumer.json): a launch template
 * that names the owner's parameter by its full ARN, the only way another account's parameter can be
 * named (Systems Manager user guide, "Working with shared parameters").
 */
import { Testing } from "cdktf";
import { ConfigError, loadConfig, parseConfig } from "../../config";
import { buildApp } from "../../stacks/app";
import { AmiConsumerStack, AMI_CONSUMER_STACK } from "../../stacks/ami-consumer-stack";
import { onlyResource, synthesize } from "../helpers/synth";

const ARN = "arn:aws:ssm:us-east-1:111122223333:parameter/ec2-imagebuilder/ssm-patterns-ami-loop-web/stable";

test("ami-consumer: one launch template, image_id resolve:ssm:<full ARN>, IMDSv2 only; the app builds the stack and no tracker", () => {
  const config = loadConfig("ami-consumer");
  const stack = synthesize(new AmiConsumerStack(Testing.app(), config));
  expect(onlyResource(stack, "aws_launch_template")).toMatchObject({
    name: "web-from-shared-stable",
    image_id: `resolve:ssm:${ARN}`,
    instance_type: "t4g.micro",
    metadata_options: { http_tokens: "required" },
  });
  const app = buildApp(config, { outdir: Testing.app().outdir });
  expect(app.node.children.map((child) => child.node.id)).toEqual(expect.arrayContaining([AMI_CONSUMER_STACK]));
  expect(app.node.children.map((child) => child.node.id)).not.toContain("ami-tracker");
});

test("off by default", () => {
  expect(parseConfig({}, "test").amiConsumer).toEqual({ enabled: false, launchTemplates: [] });
});

test.each<[string, unknown, RegExp]>([
  [
    "a name instead of an ARN",
    { enabled: true, launchTemplates: [{ name: "web", parameterArn: "/ec2-imagebuilder/web/stable" }] },
    /amiConsumer\.launchTemplates\[0\]\.parameterArn: "\/ec2-imagebuilder\/web\/stable" is not a parameter ARN; a shared parameter is named by its full ARN/,
  ],
  [
    "an ARN of another region",
    { enabled: true, launchTemplates: [{ name: "web", parameterArn: ARN.replace("us-east-1", "eu-west-1") }] },
    /parameterArn: is in eu-west-1, but the app's region is "us-east-1" and RAM shares are regional/,
  ],
  ["enabled with nothing", { enabled: true }, /amiConsumer\.launchTemplates: is empty but amiConsumer\.enabled is true/],
])("%s: the message names the field, the value and the fix", (_case, amiConsumer, expected) => {
  let message = "";
  try {
    parseConfig({ amiConsumer }, "test");
  } catch (error) {
    if (error instanceof ConfigError) message = error.problems.map((problem) => `${problem.path}: ${problem.message}`).join("\n");
  }
  expect(message).toMatch(expected);
});
