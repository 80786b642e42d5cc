/**
 * Issue 25 on the synthesized shipped environments: `ami-loop` (the owner) shares AMIs its consumers can
 * launch (launch permissions, a key per region whose policy lets them use it), scans its images, stages its
 * cleanup and alarms on a stale pointer; `ami-consumer` grants its Auto Scaling role on the owner's key.
 */
import { Testing } from "cdktf";
import { AUTO_SCALING_GRANT_OPERATIONS, SHARED_AMI_KEY_USE_ACTIONS } from "../../aws/ami-sharing";
import { loadConfig } from "../../config";
import { AmiConsumerStack } from "../../stacks/ami-consumer-stack";
import { AmiTrackerStack } from "../../stacks/ami-tracker-stack";
import { sharedAmiEncryptionProblems } from "../helpers/shared-ami";
import { onlyResource, policyBehind, resourcesOf, synthesize, testConfig, type SynthesizedStack } from "../helpers/synth";

const CONSUMER = "444455556666";
const owner = synthesize(new AmiTrackerStack(Testing.app(), loadConfig("ami-loop")));
const consumer = synthesize(new AmiConsumerStack(Testing.app(), loadConfig("ami-consumer")));

/** The key policy statements of every aws_kms_key_policy whose key has `alias`. */
function keyPolicyByAlias(stack: SynthesizedStack, alias: string) {
  const aliasBlock = resourcesOf(stack, "aws_kms_alias").find((candidate) => candidate["name"] === alias);
  const keyId = String(aliasBlock?.["target_key_id"]);
  const policy = resourcesOf(stack, "aws_kms_key_policy").find((candidate) => candidate["key_id"] === keyId);
  return policyBehind(stack, policy?.["policy"]).statement;
}

describe("ami-loop: the AMIs a shared pointer holds are launchable by the consumer account", () => {
  const distribution = onlyResource(owner, "aws_imagebuilder_distribution_configuration") as Record<string, any>;
  const statements = keyPolicyByAlias(owner, "alias/ssm-patterns-ami-loop-web-amis");

  test("the distribution grants the consumer account launch permission, under the pipeline's own key", () => {
    const ami = distribution["distribution"][0]["ami_distribution_configuration"];
    expect(ami["launch_permission"]).toEqual({ user_ids: [CONSUMER] });
    expect(ami["kms_key_id"]).toMatch(/^\$\{aws_kms_key\.ami-key-web_key_[0-9A-F]+\.arn\}$/);
    expect(sharedAmiEncryptionProblems(owner)).toEqual([]);
  });

  test("the key policy lets the consumer use the key for the AMIs' volumes and grant its Auto Scaling role, and Image Builder encrypt", () => {
    const root = expect.stringMatching(new RegExp(`:iam::${CONSUMER}:root$`));
    expect(statements.find((statement) => statement.sid === "AccountsUseKeyOfSharedAmis")).toMatchObject({
      actions: [...SHARED_AMI_KEY_USE_ACTIONS],
      principals: [{ type: "AWS", identifiers: [root] }],
    });
    expect(statements.find((statement) => statement.sid === "AccountsGrantToAwsServices")?.condition).toEqual([
      { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] },
    ]);
    expect(statements.find((statement) => statement.sid === "AccountsGrantTheirAutoScalingRole")?.condition).toContainEqual({
      test: "ForAllValues:StringEquals",
      variable: "kms:GrantOperations",
      values: [...AUTO_SCALING_GRANT_OPERATIONS],
    });
    expect(statements.find((statement) => statement.sid === "ImageBuilderEncryptsAmiVolumes")?.principals?.[0]?.identifiers).toEqual([
      expect.stringMatching(/:role\/aws-service-role\/imagebuilder\.amazonaws\.com\/AWSServiceRoleForImageBuilder$/),
    ]);
    // The owner's example fleet and refreshed group launch the AMIs too: its Auto Scaling role uses the key.
    expect(statements.find((statement) => statement.sid === "AutoScalingLaunchesAmis")?.principals?.[0]?.identifiers).toEqual([
      expect.stringMatching(/:role\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling$/),
    ]);
  });

  test("the key ARN is an output, for the consumer's amiKeyArn", () => {
    expect(owner.output["ami_key_arns"]?.value).toEqual({ web: { "us-east-1": expect.stringMatching(/^\$\{aws_kms_key\.ami-key-web_key_[0-9A-F]+\.arn\}$/) } });
  });

  test("images are scanned with Amazon Inspector", () => {
    expect(onlyResource(owner, "aws_imagebuilder_image_pipeline")["image_scanning_configuration"]).toEqual({ image_scanning_enabled: true });
  });

  test("cleanup deprecates after 30 days, disables after 60, deletes after 90, and spares AMIs launched within 30 days", () => {
    const policy = onlyResource(owner, "aws_imagebuilder_lifecycle_policy") as Record<string, any>;
    const byAction = Object.fromEntries(policy["policy_detail"].map((detail: Record<string, any>) => [detail["action"][0]["type"], detail]));
    expect(Object.keys(byAction).sort()).toEqual(["DELETE", "DEPRECATE", "DISABLE"]);
    expect([byAction.DEPRECATE.filter[0].value, byAction.DISABLE.filter[0].value, byAction.DELETE.filter[0].value]).toEqual([30, 60, 90]);
    for (const detail of Object.values(byAction) as Record<string, any>[]) {
      expect(detail["exclusion_rules"][0]["amis"][0]["last_launched"]).toEqual([{ unit: "DAYS", value: 30 }]);
    }
  });

  test("a pointer that has not moved for 30 days opens an OpsItem of severity 3, one alarm per pointer", () => {
    const stale = resourcesOf(owner, "aws_cloudwatch_metric_alarm").filter((alarm) => alarm["metric_name"] === "PointerAgeDays");
    expect(stale.map((alarm) => (alarm["dimensions"] as Record<string, string>)["Parameter"]).sort()).toEqual([
      "/ec2-imagebuilder/ssm-patterns-ami-loop-web/latest",
      "/ec2-imagebuilder/ssm-patterns-ami-loop-web/prod",
      "/ec2-imagebuilder/ssm-patterns-ami-loop-web/stable",
    ]);
    for (const alarm of stale) {
      expect(alarm).toMatchObject({ threshold: 30, namespace: "AmiTracker", alarm_actions: [expect.stringMatching(/:opsitem:3#CATEGORY=Availability$/)] });
    }
  });
});

describe("a share over two regions: a key in each, each region's AMI under its own", () => {
  const stack = synthesize(
    new AmiTrackerStack(
      Testing.app(),
      testConfig({ imageBuilder: { pipelines: [{ name: "web", regions: ["us-east-1", "eu-west-1"], share: { accounts: [CONSUMER] } }] } }),
    ),
  );

  test("one key per region, the second on that region's provider; the distribution names each region's key", () => {
    const keys = Object.entries(stack.resource["aws_kms_key"] ?? {}).filter(([id]) => id.startsWith("ami-key-web"));
    expect(keys.map(([id, key]) => [id.replace(/_key_[0-9A-F]+$/, ""), key["provider"]]).sort()).toEqual([
      ["ami-key-web", undefined],
      ["ami-key-web-eu-west-1", "aws.eu-west-1"],
    ]);
    const regions = (onlyResource(stack, "aws_imagebuilder_distribution_configuration")["distribution"] as Record<string, any>[]).map((region) => [
      region["region"],
      String(region["ami_distribution_configuration"]["kms_key_id"]).replace(/_key_[0-9A-F]+\.arn\}$/, ""),
    ]);
    expect(regions).toEqual([
      ["us-east-1", "${aws_kms_key.ami-key-web"],
      ["eu-west-1", "${aws_kms_key.ami-key-web-eu-west-1"],
    ]);
    expect(sharedAmiEncryptionProblems(stack)).toEqual([]);
  });
});

describe("ami-consumer: what the consumer account needs", () => {
  test("a grant on the owner's key for this account's AWSServiceRoleForAutoScaling, with Auto Scaling's operations", () => {
    expect(onlyResource(consumer, "aws_kms_grant")).toMatchObject({
      key_id: "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
      grantee_principal: expect.stringMatching(/:role\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling$/),
      operations: [...AUTO_SCALING_GRANT_OPERATIONS],
      retire_on_delete: true,
    });
  });

  test("a key named by alias or in another region is refused with the field, the value and the fix", () => {
    const template = (amiKeyArn: string) => ({
      amiConsumer: {
        enabled: true,
        launchTemplates: [{ name: "web", parameterArn: "arn:aws:ssm:us-east-1:111122223333:parameter/ec2-imagebuilder/web/stable", amiKeyArn }],
      },
    });
    expect(() => testConfig(template("alias/web-amis"))).toThrow(
      /amiConsumer\.launchTemplates\[0\]\.amiKeyArn: "alias\/web-amis" is not a KMS key ARN; another account's key is named by its full key ARN/,
    );
    expect(() => testConfig(template("arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789"))).toThrow(
      /amiKeyArn: is in eu-west-1, but the app's region is "us-east-1" and KMS keys are regional/,
    );
  });
});
