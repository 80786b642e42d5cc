/**
 * A test stack holding every AMI-loop construct (fleet refresh with its example group, the parameter
 * rejection alarm, a RAM share, a pipeline whose AMIs are shared under a key of its own, a staleness alarm, a
 * consumer launch template with its Auto Scaling key grant, a lifecycle policy), as the lead will wire them:
 * used by the unit tests and planned offline by the terraform tier.
 */
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Fn, TerraformStack, type App } from "cdktf";
import { AmiLifecyclePolicy } from "../../stacks/constructs/ami-lifecycle-policy";
import { ExampleFleet } from "../../stacks/constructs/example-fleet";
import { FleetRefresh } from "../../stacks/constructs/fleet-refresh";
import { ParameterRejectionAlarm } from "../../stacks/constructs/parameter-rejection-alarm";
import { BuildInstanceProfile } from "../../stacks/constructs/build-instance-profile";
import { ImagePipeline } from "../../stacks/constructs/image-pipeline";
import { PointerStalenessAlarm } from "../../stacks/constructs/pointer-staleness";
import { SharedAmiKey } from "../../stacks/constructs/shared-ami-key";
import type { AwsLocation } from "../../aws/arn";
import { ssmParameterArn } from "../../aws/arn";
import { ParameterShare } from "../../stacks/constructs/parameter-share";
import { seededImageParameter } from "../../stacks/constructs/seeded-image-parameter";
import { AutoScalingKeyGrant, SharedAmiLaunchTemplate } from "../../stacks/constructs/shared-ami-consumer";
import { WRITER_TAG_KEYS } from "../../ami-pointers/channels";

export const OWNER_ACCOUNT = "111122223333";
export const CONSUMER_ACCOUNT = "444455556666";
export const LATEST = "/ec2-imagebuilder/web/latest";
export const STABLE = "/ec2-imagebuilder/web/stable";
export const SHARED_ARN = ssmParameterArn({ partition: "aws", region: "us-east-1", account: OWNER_ACCOUNT }, STABLE);
/** The owner's key of the shared AMIs in us-east-1, as the consumer names it. */
export const SHARED_KEY_ARN = `arn:aws:kms:us-east-1:${OWNER_ACCOUNT}:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
export const CONSUMER_OU = "arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56";

export interface AmiLoopStacks {
  readonly owner: TerraformStack;
  readonly consumer: TerraformStack;
  readonly fleet: FleetRefresh;
  readonly example: ExampleFleet;
  readonly rejection: ParameterRejectionAlarm;
  readonly share: ParameterShare;
  readonly lifecycle: AmiLifecyclePolicy;
  readonly amiKey: SharedAmiKey;
  readonly sharedPipeline: ImagePipeline;
  readonly staleness: PointerStalenessAlarm;
  readonly consumerTemplate: SharedAmiLaunchTemplate;
  readonly consumerGrant: AutoScalingKeyGrant;
}

/** The owner account's stack (refresh, alarms, share, cleanup) and a consumer account's stack. */
export function amiLoopStacks(app: App): AmiLoopStacks {
  const owner = new TerraformStack(app, "ami-loop-owner");
  new AwsProvider(owner, "aws", { region: "us-east-1" });
  const partition = new DataAwsPartition(owner, "partition").partition;
  // The account ID from a created resource's ARN, as the stacks do (nothing looked up at plan time).
  const topic = new SnsTopic(owner, "alarm-topic", { name: "ami-loop-alarms", kmsMasterKeyId: "alias/example" });
  const location: AwsLocation = { partition, region: "us-east-1", account: Fn.element(Fn.split(":", topic.arn), 4) };

  // The channel exists before the template resolves it: seeded once, then written by promotions.
  const stable = seededImageParameter(owner, "parameter-stable", {
    name: STABLE,
    architecture: "arm64",
    description: "Channel stable of the web pipeline, seeded by Terraform",
    writerTagKeys: WRITER_TAG_KEYS,
  });
  const example = new ExampleFleet(owner, "example-fleet", {
    name: "ami-loop-web-example",
    parameter: STABLE,
    parameterResource: stable,
    instanceType: "t4g.micro",
    placement: { availabilityZones: ["us-east-1a"] },
  });
  const fleet = new FleetRefresh(owner, "fleet-refresh", {
    name: "ami-loop-web",
    parameterName: STABLE,
    autoScalingGroupName: example.group.name,
    location,
    preferences: { minHealthyPercentage: 50, instanceWarmupSeconds: 120 },
  });
  const rejection = new ParameterRejectionAlarm(owner, "parameter-rejected", {
    name: "ami-loop-web",
    parameterNames: [LATEST, STABLE],
    location,
    opsItem: { severity: 3, category: "Availability" },
  });
  const share = new ParameterShare(owner, "share", {
    name: "ami-loop-web-stable",
    region: "us-east-1",
    parameterArns: [SHARED_ARN],
    consumers: { accounts: [CONSUMER_ACCOUNT], organizationalUnitArns: [CONSUMER_OU] },
    allowExternalPrincipals: true,
  });
  // The AMIs the shared pointers hold: launchable by the same consumers, under a customer-managed key.
  const amiKey = new SharedAmiKey(owner, "ami-key", {
    alias: "ami-loop-web-amis",
    purpose: "ami-loop-web",
    consumers: { accounts: [CONSUMER_ACCOUNT], organizationalUnitArns: [CONSUMER_OU] },
  });
  const sharedPipeline = new ImagePipeline(owner, "shared-pipeline", {
    name: "ami-loop-web",
    parentImage: "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-arm64/x.x.x",
    version: "1.0.0",
    instanceProfile: new BuildInstanceProfile(owner, "build-instance", { name: "ami-loop-web-build", partition }),
    instanceTypes: ["t4g.small"],
    regions: ["us-east-1"],
    schedule: "cron(0 4 ? * MON *)",
    launchPermission: { accounts: [CONSUMER_ACCOUNT], organizationalUnitArns: [CONSUMER_OU] },
    volumeEncryption: { keyArns: { "us-east-1": amiKey.arn }, buildRegion: "us-east-1" },
    imageScanning: true,
  });
  const staleness = new PointerStalenessAlarm(owner, "pointer-staleness", {
    name: "ami-loop-web",
    parameterNames: [LATEST, STABLE],
    maxAgeDays: 30,
    namespace: "AmiTracker",
    location,
  });
  const lifecycle = new AmiLifecyclePolicy(owner, "lifecycle", {
    name: "ami-loop-web",
    recipes: [{ name: "ami-loop-web", version: "1.0.0" }],
    rule: { type: "age", value: 90, unit: "DAYS", retainAtLeast: 3 },
    trackedPointers: [LATEST, STABLE],
    stages: { deprecateAfter: 30, disableAfter: 60 },
    partition,
  });

  const consumer = new TerraformStack(app, "ami-loop-consumer");
  new AwsProvider(consumer, "aws", { region: "us-east-1" });
  const consumerTemplate = new SharedAmiLaunchTemplate(consumer, "web", {
    name: "web-from-shared-stable",
    parameterArn: SHARED_ARN,
    region: "us-east-1",
    instanceType: "t4g.micro",
  });
  const consumerGrant = new AutoScalingKeyGrant(consumer, "web-key-grant", {
    name: "ami-loop-web-autoscaling",
    keyArn: SHARED_KEY_ARN,
    region: "us-east-1",
    accountOf: consumerTemplate.launchTemplate,
  });
  return { owner, consumer, fleet, example, rejection, share, lifecycle, amiKey, sharedPipeline, staleness, consumerTemplate, consumerGrant };
}
