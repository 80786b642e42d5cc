/**
 * Sharing that launches (issue 25, item 1): the AMI a shared pointer holds is launchable by the consumer
 * accounts: launch permissions on every distributed AMI, a customer-managed key per region whose policy
 * lets the consumers (and Image Builder) use it, and the consumer's grant for its Auto Scaling role.
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { AUTO_SCALING_GRANT_OPERATIONS, EBS_KEY_USE_ACTIONS, SHARED_AMI_KEY_USE_ACTIONS } from "../../aws/ami-sharing";
import { BuildInstanceProfile } from "../../stacks/constructs/build-instance-profile";
import { ImagePipeline, type ImagePipelineProps } from "../../stacks/constructs/image-pipeline";
import { AutoScalingKeyGrant } from "../../stacks/constructs/shared-ami-consumer";
import { consumerPrincipals, SharedAmiKey } from "../../stacks/constructs/shared-ami-key";
import { amiLoopStacks, CONSUMER_ACCOUNT, CONSUMER_OU, SHARED_KEY_ARN } from "../helpers/ami-loop-stacks";
import { sharedAmiEncryptionProblems } from "../helpers/shared-ami";
import { onlyResource, policyBehind, resourcesOf, synthesize, type PolicyStatementJson, type SynthesizedStack } from "../helpers/synth";

const built = amiLoopStacks(Testing.app());
const owner = synthesize(built.owner);
const consumer = synthesize(built.consumer);

function keyStatements(stack: SynthesizedStack): PolicyStatementJson[] {
  const keyPolicy = resourcesOf(stack, "aws_kms_key_policy").find((policy) => String(policy["key_id"]).includes(built.amiKey.key.key.friendlyUniqueId));
  return policyBehind(stack, keyPolicy?.["policy"]).statement;
}
const statements = keyStatements(owner);
const bySid = (sid: string) => statements.find((statement) => statement.sid === sid);
/** The key's own ARN, as synthesized: `${aws_kms_key.<id>.arn}`. */
const KEY_REFERENCE = `\${aws_kms_key.${built.amiKey.key.key.friendlyUniqueId}.arn}`;
/** The partition, read from the key's ARN (nothing looked up at plan time). */
const PARTITION = `\${element(split(":", aws_kms_key.${built.amiKey.key.key.friendlyUniqueId}.arn), 1)}`;

describe("the owner's pipeline: launch permissions and a customer-managed key on every shared AMI", () => {
  const distribution = onlyResource(owner, "aws_imagebuilder_distribution_configuration") as Record<string, any>;
  const recipe = onlyResource(owner, "aws_imagebuilder_image_recipe") as Record<string, any>;

  test("each region's AMI names the consumers in launch_permission and is encrypted with the stack's key", () => {
    expect(distribution["distribution"]).toEqual([
      expect.objectContaining({
        region: "us-east-1",
        ami_distribution_configuration: expect.objectContaining({
          kms_key_id: KEY_REFERENCE,
          launch_permission: { user_ids: [CONSUMER_ACCOUNT], organizational_unit_arns: [CONSUMER_OU] },
        }),
      }),
    ]);
  });

  test("the recipe encrypts the build's root volume with the build region's key", () => {
    expect(recipe["block_device_mapping"][0]["ebs"]).toMatchObject({ encrypted: "true", kms_key_id: KEY_REFERENCE });
  });

  test("no shared AMI is under the AWS managed key (and the check catches one that is)", () => {
    expect(sharedAmiEncryptionProblems(owner)).toEqual([]);
    // Prepare: the same stack with the distribution's key replaced by the AWS managed EBS key, then removed.
    const tampered = structuredClone(owner);
    const region = Object.values(tampered.resource["aws_imagebuilder_distribution_configuration"] ?? {})[0]?.["distribution"] as Record<string, any>[];
    region[0]["ami_distribution_configuration"]["kms_key_id"] = "alias/aws/ebs";
    expect(sharedAmiEncryptionProblems(tampered)).toEqual(["ami-loop-web in us-east-1: shared AMI under the AWS managed key alias/aws/ebs"]);
    delete region[0]["ami_distribution_configuration"]["kms_key_id"];
    expect(sharedAmiEncryptionProblems(tampered)).toEqual(["ami-loop-web in us-east-1: shared AMI with no kms_key_id (the account's default EBS key)"]);
  });

  test("the pipeline scans its images with Amazon Inspector when asked", () => {
    expect(onlyResource(owner, "aws_imagebuilder_image_pipeline")["image_scanning_configuration"]).toEqual({ image_scanning_enabled: true });
  });
});

describe("SharedAmiKey: the key policy", () => {
  test("the account administers the key, Image Builder's service-linked role encrypts with it, the owner's principals launch through EC2", () => {
    expect(statements.map((statement) => statement.sid)).toEqual([
      "AccountAdministersKey",
      "ImageBuilderEncryptsAmiVolumes",
      "ImageBuilderGrantsToEbs",
      "AccountLaunchesAmisThroughEc2",
      "AccountsUseKeyOfSharedAmis",
      "AccountsGrantToAwsServices",
      "AccountsGrantTheirAutoScalingRole",
      "AccountsReadTheirGrants",
      "OrganizationalUnitsUseKeyOfSharedAmis",
      "OrganizationalUnitsGrantToAwsServices",
      "OrganizationalUnitsGrantTheirAutoScalingRole",
      "OrganizationalUnitsReadTheirGrants",
    ]);
    const builder = bySid("ImageBuilderEncryptsAmiVolumes");
    expect(builder?.actions).toEqual([...EBS_KEY_USE_ACTIONS]);
    expect(builder?.principals).toEqual([
      { type: "AWS", identifiers: [expect.stringMatching(/:role\/aws-service-role\/imagebuilder\.amazonaws\.com\/AWSServiceRoleForImageBuilder$/)] },
    ]);
    expect(bySid("ImageBuilderGrantsToEbs")?.condition).toEqual([{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }]);
    expect(bySid("AccountLaunchesAmisThroughEc2")?.condition).toEqual([
      {
        test: "StringEquals",
        variable: "kms:ViaService",
        values: [expect.stringMatching(/^ec2\.\$\{element\(split\(":", aws_kms_key\.[^)]+\), 3\)\}\.amazonaws\.com$/)],
      },
      { test: "StringEquals", variable: "kms:CallerAccount", values: [expect.stringMatching(/, 4\)\}$/)] },
    ]);
  });

  test("with ownerAutoScaling, the owner's own AWSServiceRoleForAutoScaling may use the key (its groups launch the AMIs)", () => {
    const stack = new TerraformStack(Testing.app(), "owner-groups");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const key = new SharedAmiKey(stack, "key", { alias: "web-amis", purpose: "web", consumers: { accounts: [CONSUMER_ACCOUNT] }, ownerAutoScaling: true });
    const synthesized = synthesize(stack);
    const policy = resourcesOf(synthesized, "aws_kms_key_policy").find((candidate) => String(candidate["key_id"]).includes(key.key.key.friendlyUniqueId));
    const own = policyBehind(synthesized, policy?.["policy"]).statement.filter((statement) => statement.sid?.startsWith("AutoScaling"));
    expect(own).toEqual([
      expect.objectContaining({ sid: "AutoScalingLaunchesAmis", actions: [...EBS_KEY_USE_ACTIONS] }),
      expect.objectContaining({ sid: "AutoScalingGrantsToEbs", condition: [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }] }),
    ]);
    for (const statement of own) {
      expect(statement.principals).toEqual([
        { type: "AWS", identifiers: [expect.stringMatching(/:role\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling$/)] },
      ]);
    }
  });

  test("the consumer accounts may use it for the shared AMIs' volumes, and grant only to AWS resources", () => {
    expect(bySid("AccountsUseKeyOfSharedAmis")).toEqual({
      sid: "AccountsUseKeyOfSharedAmis",
      effect: "Allow",
      actions: [...SHARED_AMI_KEY_USE_ACTIONS],
      resources: ["*"],
      principals: [{ type: "AWS", identifiers: [`arn:${PARTITION}:iam::${CONSUMER_ACCOUNT}:root`] }],
    });
    expect(bySid("AccountsGrantToAwsServices")).toMatchObject({
      actions: ["kms:CreateGrant"],
      condition: [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
    });
  });

  test("a consumer may grant its own Auto Scaling service-linked role, with exactly the operations Auto Scaling needs, nothing else", () => {
    expect(bySid("AccountsGrantTheirAutoScalingRole")?.condition).toEqual([
      {
        test: "StringEquals",
        variable: "kms:GranteePrincipal",
        values: [`arn:${PARTITION}:iam::&{aws:PrincipalAccount}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`],
      },
      { test: "ForAllValues:StringEquals", variable: "kms:GrantOperations", values: [...AUTO_SCALING_GRANT_OPERATIONS] },
    ]);
  });

  test("an OU (and the OUs below it) is matched by aws:PrincipalOrgPaths; an organization by aws:PrincipalOrgID", () => {
    expect(bySid("OrganizationalUnitsUseKeyOfSharedAmis")).toMatchObject({
      principals: [{ type: "AWS", identifiers: ["*"] }],
      condition: [{ test: "ForAnyValue:StringLike", variable: "aws:PrincipalOrgPaths", values: ["o-a1b2c3d4e5/*/ou-ab12-cd34ef56/*"] }],
    });
    expect(consumerPrincipals("test", { organizationArn: "arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5" }, "aws")).toEqual([
      {
        label: "Organization",
        principals: [{ type: "AWS", identifiers: ["*"] }],
        conditions: [{ test: "StringEquals", variable: "aws:PrincipalOrgID", values: ["o-a1b2c3d4e5"] }],
      },
    ]);
  });

  test.each<[string, () => void, RegExp]>([
    ["no consumer", () => consumerPrincipals("SharedAmiKey k", {}, "aws"), /SharedAmiKey k: consumers is empty/],
    [
      "an account ID of 11 digits",
      () => consumerPrincipals("SharedAmiKey k", { accounts: ["44445555666"] }, "aws"),
      /consumers\.accounts has "44445555666", not a 12-digit account ID/,
    ],
    ["an OU given as an ID", () => consumerPrincipals("SharedAmiKey k", { organizationalUnitArns: ["ou-ab12-cd34ef56"] }, "aws"), /not an OU ARN/],
    [
      "an alias under aws/",
      () => new SharedAmiKey(new TerraformStack(Testing.app(), "bad"), "key", { alias: "aws/ebs", purpose: "x", consumers: { accounts: [CONSUMER_ACCOUNT] } }),
      /alias must be .* not starting with "aws\/"/,
    ],
  ])("refuses %s", (_, build, message) => {
    expect(build).toThrow(message);
  });
});

describe("ImagePipeline refuses a share its consumers could not launch", () => {
  const props = (overrides: Partial<ImagePipelineProps>): ImagePipelineProps => {
    const stack = new TerraformStack(Testing.app(), "pipeline");
    return {
      name: "web",
      parentImage: "ami-0123456789abcdef0",
      version: "1.0.0",
      instanceProfile: new BuildInstanceProfile(stack, "profile", { name: "web-build", partition: "aws" }),
      instanceTypes: ["t4g.small"],
      regions: ["us-east-1", "eu-west-1"],
      schedule: "cron(0 4 ? * MON *)",
      launchPermission: { accounts: [CONSUMER_ACCOUNT] },
      ...overrides,
    };
  };
  const build = (overrides: Partial<ImagePipelineProps>) => () => {
    const resolved = props(overrides);
    return new ImagePipeline(resolved.instanceProfile.node.scope as TerraformStack, "pipeline", resolved);
  };
  const key = (region: string) => `arn:aws:kms:${region}:111122223333:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;

  test.each<[string, Partial<ImagePipelineProps>, RegExp]>([
    [
      "a share without volumeEncryption",
      {},
      /launchPermission shares the AMIs, but without volumeEncryption .* give volumeEncryption\.keyArns .* or volumeEncryption\.unencryptedReason/,
    ],
    [
      "a region without a key",
      { volumeEncryption: { keyArns: { "us-east-1": key("us-east-1") }, buildRegion: "us-east-1" } },
      /volumeEncryption\.keyArns has no key for eu-west-1; KMS keys are regional/,
    ],
    [
      "the AWS managed EBS key",
      { volumeEncryption: { keyArns: { "us-east-1": key("us-east-1"), "eu-west-1": "alias/aws/ebs" }, buildRegion: "us-east-1" } },
      /volumeEncryption\.keyArns\.eu-west-1 is the AWS managed EBS key \("alias\/aws\/ebs"\), whose snapshots cannot be shared/,
    ],
    ["an unencrypted share without a reason", { volumeEncryption: { unencryptedReason: "ok" } }, /unencryptedReason "ok" must say why/],
    [
      "an account that is not one",
      { launchPermission: { accounts: ["4444"] }, volumeEncryption: { unencryptedReason: "public demo image, no data" } },
      /launchPermission\.accounts has "4444"/,
    ],
  ])("%s", (_, overrides, message) => {
    expect(build(overrides)).toThrow(message);
  });

  test("unencrypted only when asked, with the reason in the distribution's description", () => {
    const pipeline = build({ volumeEncryption: { unencryptedReason: "a public demo image that holds no data" } })();
    const stack = synthesize(pipeline.node.scope as TerraformStack);
    expect(onlyResource(stack, "aws_imagebuilder_distribution_configuration")["description"]).toBe(
      "Copies web; unencrypted: a public demo image that holds no data",
    );
    expect((onlyResource(stack, "aws_imagebuilder_image_recipe")["block_device_mapping"] as Record<string, any>[])[0]?.["ebs"]).toMatchObject({
      encrypted: "false",
    });
    expect(sharedAmiEncryptionProblems(stack)).toEqual([]);
  });

  test("a pipeline that shares nothing synthesizes as before: no key, no launch permission, no scanning", () => {
    const pipeline = build({ launchPermission: {} })();
    const stack = synthesize(pipeline.node.scope as TerraformStack);
    const region = (onlyResource(stack, "aws_imagebuilder_distribution_configuration")["distribution"] as Record<string, any>[])[0];
    expect(Object.keys(region?.["ami_distribution_configuration"] ?? {}).sort()).toEqual(["ami_tags", "name"]);
    expect((onlyResource(stack, "aws_imagebuilder_image_recipe")["block_device_mapping"] as Record<string, any>[])[0]?.["ebs"]).not.toHaveProperty(
      "kms_key_id",
    );
    expect(onlyResource(stack, "aws_imagebuilder_image_pipeline")).not.toHaveProperty("image_scanning_configuration");
  });
});

describe("AutoScalingKeyGrant: the consumer account's side", () => {
  test("grants the account's own AWSServiceRoleForAutoScaling the operations of the Auto Scaling guide on the owner's key, retired on destroy", () => {
    expect(onlyResource(consumer, "aws_kms_grant")).toEqual({
      name: "ami-loop-web-autoscaling",
      key_id: SHARED_KEY_ARN,
      grantee_principal: expect.stringMatching(
        /^arn:\$\{element\(split\(":", aws_launch_template\.[^)]+\.arn\), 1\)\}:iam::\$\{element\(split\(":", aws_launch_template\.[^)]+\.arn\), 4\)\}:role\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling$/,
      ),
      operations: [...AUTO_SCALING_GRANT_OPERATIONS],
      retire_on_delete: true,
    });
  });

  test.each<[string, string, RegExp]>([
    ["an alias", "alias/ami-loop-web-amis", /keyArn "alias\/ami-loop-web-amis" must be a full key ARN/],
    ["the AWS managed key", "alias/aws/ebs", /keyArn is the AWS managed EBS key, which no other account can use/],
    [
      "a key of another region",
      SHARED_KEY_ARN.replace("us-east-1", "eu-west-1"),
      /keyArn is in eu-west-1, but the groups launch in us-east-1; KMS keys are regional/,
    ],
  ])("refuses %s", (_, keyArn, message) => {
    const stack = new TerraformStack(Testing.app(), "consumer");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    expect(
      () =>
        new AutoScalingKeyGrant(stack, "grant", {
          name: "web",
          keyArn,
          region: "us-east-1",
          accountOf: { arn: "arn:aws:ec2:us-east-1:444455556666:launch-template/lt-1" },
        }),
    ).toThrow(message);
  });
});
