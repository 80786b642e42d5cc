import { TerraformStack, Testing } from "cdktf";
import { ssmParameterArn } from "../../aws/arn";
import { ParameterShare, type ParameterShareProps } from "../../stacks/constructs/parameter-share";
import { SharedAmiLaunchTemplate } from "../../stacks/constructs/shared-ami-consumer";
import { amiLoopStacks, CONSUMER_ACCOUNT, OWNER_ACCOUNT, SHARED_ARN, STABLE } from "../helpers/ami-loop-stacks";
import { onlyResource, resourcesOf, synthesize } from "../helpers/synth";

const built = amiLoopStacks(Testing.app());
const owner = synthesize(built.owner);
const consumer = synthesize(built.consumer);
const OU = "arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56";

describe("ParameterShare (owner account)", () => {
  test("one share with the AWS managed read-only SSM parameter permission, open to external accounts only when asked", () => {
    expect(onlyResource(owner, "aws_ram_resource_share")).toMatchObject({
      name: "ami-loop-web-stable",
      allow_external_principals: true,
      permission_arns: ["arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSSMParameterReadOnly"],
    });
  });

  test("associates the parameter by its full ARN, and each consumer, with the share", () => {
    const shareArn = `\${aws_ram_resource_share.${Object.keys(owner.resource["aws_ram_resource_share"] ?? {})[0]}.arn}`;
    expect(SHARED_ARN).toBe(`arn:aws:ssm:us-east-1:${OWNER_ACCOUNT}:parameter/ec2-imagebuilder/web/stable`);
    expect(resourcesOf(owner, "aws_ram_resource_association")).toEqual([expect.objectContaining({ resource_arn: SHARED_ARN, resource_share_arn: shareArn })]);
    expect(resourcesOf(owner, "aws_ram_principal_association").map((association) => [association["principal"], association["resource_share_arn"]])).toEqual([
      [CONSUMER_ACCOUNT, shareArn],
      [OU, shareArn],
    ]);
  });

  test("addresses come from the parameter and the principal: reordering the lists renames nothing", () => {
    const names = (props: Partial<ParameterShareProps>): string[] => {
      const stack = new TerraformStack(Testing.app(), "order");
      new ParameterShare(stack, "share", {
        name: "s",
        region: "us-east-1",
        parameterArns: [SHARED_ARN],
        consumers: { accounts: [CONSUMER_ACCOUNT] },
        ...props,
      });
      const synthesized = synthesize(stack);
      return [
        ...Object.keys(synthesized.resource["aws_ram_resource_association"] ?? {}),
        ...Object.keys(synthesized.resource["aws_ram_principal_association"] ?? {}),
      ].sort();
    };
    const other = ssmParameterArn({ partition: "aws", region: "us-east-1", account: OWNER_ACCOUNT }, "/ec2-imagebuilder/web/latest");
    expect(names({ parameterArns: [SHARED_ARN, other], consumers: { accounts: [CONSUMER_ACCOUNT, "777788889999"] } })).toEqual(
      names({ parameterArns: [other, SHARED_ARN], consumers: { accounts: ["777788889999", CONSUMER_ACCOUNT] } }),
    );
  });

  test("the history permission when asked, internal only by default", () => {
    const stack = new TerraformStack(Testing.app(), "history");
    new ParameterShare(stack, "share", {
      name: "s",
      region: "us-east-1",
      parameterArns: [SHARED_ARN],
      consumers: { organizationArn: "arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5" },
      permission: "read-only-with-history",
    });
    expect(onlyResource(synthesize(stack), "aws_ram_resource_share")).toMatchObject({
      allow_external_principals: false,
      permission_arns: ["arn:aws:ram::aws:permission/AWSRAMPermissionSSMParameterReadOnlyWithHistory"],
    });
  });

  const base: ParameterShareProps = { name: "s", region: "us-east-1", parameterArns: [SHARED_ARN], consumers: { accounts: [CONSUMER_ACCOUNT] } };
  test.each<[string, Partial<ParameterShareProps>, RegExp]>([
    ["a parameter name instead of an ARN", { parameterArns: [STABLE] }, /parameterArns has "\/ec2-imagebuilder\/web\/stable", not a parameter ARN/],
    [
      "a parameter of another region",
      { parameterArns: [ssmParameterArn({ partition: "aws", region: "eu-west-1", account: OWNER_ACCOUNT }, STABLE)] },
      /is in eu-west-1, but RAM shares are regional and this share is in us-east-1/,
    ],
    ["no consumer", { consumers: {} }, /consumers is empty/],
    ["a short account ID", { consumers: { accounts: ["12345"] } }, /consumers\.accounts has "12345", not a 12-digit account ID/],
    ["an OU ID instead of its ARN", { consumers: { organizationalUnitArns: ["ou-ab12-cd34ef56"] } }, /not an OU ARN/],
    ["the same parameter twice", { parameterArns: [SHARED_ARN, SHARED_ARN] }, /lists .* twice/],
  ])("refuses %s", (_, props, message) => {
    expect(() => new ParameterShare(new TerraformStack(Testing.app(), "bad"), "share", { ...base, ...props })).toThrow(message);
  });
});

describe("SharedAmiLaunchTemplate (consumer account)", () => {
  test("resolves the shared parameter by its full ARN, IMDSv2 only, and outputs the template ID", () => {
    expect(onlyResource(consumer, "aws_launch_template")).toMatchObject({
      name: "web-from-shared-stable",
      image_id: `resolve:ssm:arn:aws:ssm:us-east-1:${OWNER_ACCOUNT}:parameter/ec2-imagebuilder/web/stable`,
      instance_type: "t4g.micro",
      metadata_options: { http_tokens: "required" },
    });
    expect(Object.keys(consumer.output)).toHaveLength(1);
  });

  test.each([
    ["a name (another account's parameter has none for the consumer)", STABLE, "us-east-1", /must be the full ARN of the shared parameter/],
    [
      "an ARN of another region",
      ssmParameterArn({ partition: "aws", region: "eu-west-1", account: OWNER_ACCOUNT }, STABLE),
      "us-east-1",
      /is in eu-west-1, but this launch template is in us-east-1; RAM shares are regional/,
    ],
  ])("refuses %s", (_, parameter, region, message) => {
    expect(
      () =>
        new SharedAmiLaunchTemplate(new TerraformStack(Testing.app(), "bad"), "web", {
          name: "web",
          parameterArn: parameter,
          region,
          instanceType: "t4g.micro",
        }),
    ).toThrow(message);
  });
});
