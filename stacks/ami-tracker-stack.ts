import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Fn, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { AmiTrackerConfig, ImageBuilderConfig, OpsAlarmsConfig, PipelineConfig } from "../config";
import { isArmInstanceType } from "../config/sections/image-builder";
import { METRIC_BUILDS_FAILED, TRACKER_SERVICE, trackerEnvironment } from "../handlers/ami-tracker/environment";
import { AppStack, type AppStackProps } from "./app-stack";
import { CustomerManagedKey, snsUsesKey } from "./constructs/customer-managed-key";
import { denyInsecureTransport, policyDocument } from "./constructs/iam";
import { BuildInstanceProfile, ImagePipeline, type ImagePipelineProps } from "./constructs/image-pipeline";
import { PointerStalenessAlarm } from "./constructs/pointer-staleness";
import { SharedAmiKey } from "./constructs/shared-ami-key";
import { NodejsFunction } from "./constructs/nodejs-function";
import { seededImageParameter } from "./constructs/seeded-image-parameter";
import { pointerParameterName, WRITER_TAG_KEYS } from "../ami-pointers/channels";
import { advancedTierParameters, pointerNamesOf, pointersOf, type PointerSources, trackedParameters, trackerRegions } from "../ami-pointers/model";
import { amiOperatorPolicy } from "../ami-pointers/operator-policy";
import { inUseTagKey } from "../ami-pointers/in-use";
import { AmiLifecyclePolicy } from "./constructs/ami-lifecycle-policy";
import { ExampleFleet, FleetRefresh, ParameterRejectionAlarm } from "./constructs/fleet-refresh";
import { ParameterShare } from "./constructs/parameter-share";
import { arnAt, ec2ImageArn, formatArn, iamArn, relocateArns, ssmParameterArn, type AwsLocation } from "../aws/arn";
import { boundedName } from "./constructs/http-api/http-api";
import { AlarmNotificationTopic, OpsCenterAlarm } from "./constructs/ops-center-alarm";
import { acknowledgeRule } from "./rules/acknowledge";

export const AMI_TRACKER_STACK = "ami-tracker";

/** The stack's slice of the configuration: what every stack takes, the tracker, its pipelines and its alarms. */
export interface AmiTrackerStackProps extends AppStackProps {
  readonly amiTracker: AmiTrackerConfig;
  readonly imageBuilder: ImageBuilderConfig;
  readonly alarms: OpsAlarmsConfig;
}

/** `/ec2-imagebuilder/{pipeline}/latest` -> `ec2-imagebuilder/*\/latest`: the ARN path IAM matches. */
export function parameterArnPath(parameterName: string): string {
  return parameterName.replace(/\{(pipeline|image)\}/g, "*").replace(/^\//, "");
}

/**
 * A pipeline's parent image as Image Builder takes it: a managed image name becomes the ARN of its
 * newest version (`arn:<partition>:imagebuilder:<region>:aws:image/<name>/x.x.x`); ARNs and AMI IDs
 * pass through. Nothing is looked up at plan time.
 */
export function parentImageArn(parentImage: string, partition: string, region: string): string {
  if (parentImage.startsWith("arn:") || parentImage.startsWith("ami-")) return parentImage;
  return formatArn({ partition, service: "imagebuilder", region, account: "aws", resource: `image/${parentImage}/x.x.x` });
}

/**
 * The in-use tag keys the tracker may set or remove on AMIs: both keys of each tracker-mode pipeline's
 * parameter, and of the tracker's template with each placeholder as IAM's `*` (a bring-your-own pipeline's
 * name is known only at run time). A name too long for a tag key is hashed (ami-in-use.ts): its key
 * cannot be a pattern, so such a template is refused here.
 */
export function trackerInUseTagKeys(template: string, pipelines: readonly PipelineConfig[]): string[] {
  const names = pipelines.filter((pipeline) => pipeline.mode === "tracker").map((pipeline) => pipeline.parameterName);
  const pattern = template.replace(/\{(pipeline|image)\}/g, "*");
  if (pipelines.every((pipeline) => pipeline.mode !== "tracker") || pattern !== template) {
    if (inUseTagKey(pattern, "previous") !== `ami-loop:previous:${pattern}`) {
      throw new Error(`amiTracker.parameterName "${template}" is too long for an in-use tag key pattern (the key would be hashed); use a shorter name`);
    }
    names.push(pattern);
  }
  return [...new Set(names.flatMap((name) => [inUseTagKey(name, "current"), inUseTagKey(name, "previous")]))].sort();
}

/**
 * The pointers of a pipeline that a launch template, a fleet or a share needs to exist in `region`:
 * in the app's region (`appRegion`) the example launch template's and the share's too; in any region
 * those of its refreshed groups and example fleet there.
 */
export function pointersToSeed(pipeline: PipelineConfig, region: string, appRegion: string): string[] {
  const pointers = new Set<string>();
  const inAppRegion = region === appRegion;
  if (inAppRegion && pipeline.exampleLaunchTemplate) pointers.add("latest");
  for (const refresh of pipeline.fleetRefresh) if (refresh.region === region) pointers.add(refresh.channel);
  if (pipeline.exampleFleet !== undefined && pipeline.exampleFleet.region === region) pointers.add(pipeline.exampleFleet.channel);
  if (inAppRegion && pipeline.share !== undefined) for (const pointer of pointersOf(pipeline)) pointers.add(pointer);
  return [...pointers];
}

/** The regions other than the app's where a pipeline's loop runs: those of its refreshed groups and example fleet, sorted. */
export function extraLoopRegions(pipeline: PipelineConfig, appRegion: string): string[] {
  const regions = [...pipeline.fleetRefresh.map((refresh) => refresh.region), ...(pipeline.exampleFleet !== undefined ? [pipeline.exampleFleet.region] : [])];
  return [...new Set(regions)].filter((region) => region !== appRegion).sort();
}

/** The role EC2 Image Builder publishes with; it exists once Image Builder has been used in the account. */
function imageBuilderServiceLinkedRole(location: AwsLocation): string {
  return iamArn(location, "role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder");
}

/**
 * Image Builder -> SNS (customer-managed KMS key) -> Lambda -> SSM Parameter Store, in every tracked region.
 *
 * The tracker (or a native pipeline) owns each parameter's value. Terraform creates only the
 * parameters an example launch template resolves, in the stack's region, seeded once with the
 * region's latest Amazon Linux 2023 AMI (EC2 refuses a launch template whose `resolve:ssm:` parameter
 * does not exist yet); it never reverts a later write (`ignore_changes` on the value, description and
 * the tracker's tags). `terraform destroy` deletes those and leaves every parameter the tracker or a
 * pipeline created elsewhere (see the README).
 */
export class AmiTrackerStack extends AppStack {
  readonly topic: SnsTopic;
  readonly key: KmsKey;
  readonly tracker: NodejsFunction;
  readonly deadLetterQueue: SqsQueue;
  /** The account ID, read from a created resource's ARN (no data source that needs AWS at plan time). */
  readonly accountId: string;
  readonly partition: string;
  /** The Image Builder pipelines of `imageBuilder.pipelines`, by configured name. */
  readonly pipelines: Readonly<Record<string, ImagePipeline>> = {};
  /** The example launch templates, by pipeline name. */
  readonly launchTemplates: Readonly<Record<string, LaunchTemplate>> = {};
  /**
   * The parameters launch templates resolve, created (seeded) by Terraform: by pipeline name (its latest
   * pointer) or `<pipeline>/<channel>`, with `@<region>` in a region other than the app's (seedKey).
   */
  readonly seededParameters: Readonly<Record<string, SsmParameter>> = {};
  /** The OpsCenter alarms, by purpose. */
  readonly alarms: Readonly<Record<string, OpsCenterAlarm>> = {};

  constructor(scope: Construct, config: AmiTrackerStackProps) {
    super(scope, AMI_TRACKER_STACK, config);
    const tracker = config.amiTracker;
    const name = `${this.namePrefix}-ami-tracker`;
    this.partition = new DataAwsPartition(this, "partition").partition;

    const topicKey = new CustomerManagedKey(this, "topic-key", {
      description: `Encrypts the ${name} topic; usable by SNS and EC2 Image Builder`,
      alias: name,
      users: (location) => [
        {
          sid: "ImageBuilderPublishesEncrypted",
          actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
          resources: ["*"],
          principals: [{ type: "AWS", identifiers: [imageBuilderServiceLinkedRole(location)] }],
        },
        snsUsesKey(location),
      ],
    });
    this.key = topicKey.key;
    this.accountId = topicKey.location.account;
    const accountRoot = iamArn({ partition: this.partition, account: this.accountId }, "root");
    const imageBuilderRole = imageBuilderServiceLinkedRole(topicKey.location);

    this.topic = new SnsTopic(this, "image-builds", {
      name: `${this.namePrefix}-image-builds`,
      kmsMasterKeyId: this.key.arn,
    });
    new SnsTopicPolicy(this, "image-builds-policy", {
      arn: this.topic.arn,
      policy: policyDocument(this, "image-builds-policy-document", [
        {
          // Root principal plus a condition: naming the service-linked role directly fails while it does not exist yet.
          sid: "ImageBuilderPublishes",
          actions: ["sns:Publish"],
          resources: [this.topic.arn],
          principals: [{ type: "AWS", identifiers: [accountRoot] }],
          conditions: [{ test: "ArnEquals", variable: "aws:PrincipalArn", values: [imageBuilderRole] }],
        },
        denyInsecureTransport(["sns:Publish"], [this.topic.arn]),
      ]).json,
    });

    // Messages the tracker could not handle after Lambda's retries, and deliveries SNS could not make.
    this.deadLetterQueue = new SqsQueue(this, "dead-letter-queue", {
      name: `${name}-dlq`,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 1_209_600,
    });
    new SqsQueuePolicy(this, "dead-letter-queue-policy", {
      queueUrl: this.deadLetterQueue.url,
      policy: policyDocument(this, "dead-letter-queue-policy-document", [
        {
          sid: "SnsRedrivesUndeliverable",
          actions: ["sqs:SendMessage"],
          resources: [this.deadLetterQueue.arn],
          principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
          conditions: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [this.topic.arn] }],
        },
      ]).json,
    });

    // The tracker writes in its own regions and in every tracker-mode pipeline's (never a native-mode
    // pipeline's parameter: the configuration refuses a template that covers one).
    const pointerSources: PointerSources = { tracker, pipelines: config.imageBuilder.pipelines };
    const regions = trackerRegions(pointerSources);
    const advanced = advancedTierParameters(pointerSources);
    const parameterArns = regions.map((region) =>
      arnAt({ partition: this.partition, region, account: this.accountId }, "ssm", `parameter/${parameterArnPath(tracker.parameterName)}`),
    );
    this.tracker = new NodejsFunction(this, "tracker", {
      functionName: name,
      roleName: this.globalName("ami-tracker"),
      entry: "handlers/ami-tracker/index.ts",
      description: "Writes the AMI IDs of finished EC2 Image Builder builds to SSM Parameter Store",
      memoryMb: tracker.memoryMb,
      timeoutSeconds: tracker.timeoutSeconds,
      logRetentionDays: tracker.logRetentionDays,
      ...(tracker.reservedConcurrency !== undefined ? { reservedConcurrency: tracker.reservedConcurrency } : {}),
      applicationLogLevel: tracker.applicationLogLevel,
      systemLogLevel: tracker.systemLogLevel,
      environment: trackerEnvironment({
        parameterTemplate: tracker.parameterName,
        trackedRegions: regions,
        metricsNamespace: tracker.metricsNamespace,
        advancedParameters: advanced,
      }),
      statements: [
        {
          sid: "WriteLatestAmiParameters",
          // ListTagsForResource reads the build the parameter holds, for ordering; RemoveTagsFromResource
          // drops SOURCE_PIPELINE_ARN when a build that no pipeline started replaces a pipeline's;
          // GetParameter waits for the asynchronously validated aws:ec2:image value before tagging;
          // GetParameterHistory decides which concurrent write wins (ami-pointers/newest-wins.ts).
          actions: [
            "ssm:PutParameter",
            "ssm:GetParameter",
            "ssm:GetParameterHistory",
            "ssm:AddTagsToResource",
            "ssm:ListTagsForResource",
            "ssm:RemoveTagsFromResource",
          ],
          resources: parameterArns,
        },
        {
          // Parameters of DataType aws:ec2:image are validated with the caller's ec2:DescribeImages,
          // an action without resource-level permissions.
          sid: "ValidateAmiDataType",
          actions: ["ec2:DescribeImages"],
          resources: ["*"],
        },
        {
          // In-use tags (handlers/ami-tracker/in-use.ts): only the two keys of each parameter the tracker
          // writes; Null false refuses a DeleteTags without keys, which would delete every tag of the AMI.
          sid: "MoveInUseTagsOfAmis",
          actions: ["ec2:CreateTags", "ec2:DeleteTags"],
          resources: regions.map((region) => ec2ImageArn({ partition: this.partition, region }, "*")),
          conditions: [
            { test: "ForAllValues:StringLike", variable: "aws:TagKeys", values: trackerInUseTagKeys(tracker.parameterName, config.imageBuilder.pipelines) },
            { test: "Null", variable: "aws:TagKeys", values: ["false"] },
          ],
        },
        {
          sid: "SendFailedEventsToDeadLetterQueue",
          actions: ["sqs:SendMessage"],
          resources: [this.deadLetterQueue.arn],
        },
      ],
    });

    if (tracker.reservedConcurrency === undefined) {
      acknowledgeRule(
        this.tracker.function,
        "LAMBDA-3",
        "unreserved by default: new accounts have a concurrency quota of 10 and reserving any of it fails the deploy; builds end minutes apart (set amiTracker.reservedConcurrency to reserve)",
      );
    }

    new LambdaFunctionEventInvokeConfig(this, "tracker-async", {
      functionName: this.tracker.function.functionName,
      maximumRetryAttempts: tracker.maxRetryAttempts,
      maximumEventAgeInSeconds: tracker.maxEventAgeSeconds,
      destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
    });
    new LambdaPermission(this, "tracker-invoked-by-topic", {
      statementId: "AllowImageBuildsTopic",
      action: "lambda:InvokeFunction",
      functionName: this.tracker.function.functionName,
      principal: "sns.amazonaws.com",
      sourceArn: this.topic.arn,
    });
    new SnsTopicSubscription(this, "tracker-subscription", {
      topicArn: this.topic.arn,
      protocol: "lambda",
      endpoint: this.tracker.function.arn,
      redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: this.deadLetterQueue.arn }),
    });

    new TerraformOutput(this, "topic_arn", {
      value: this.topic.arn,
      description: "Set as sns_topic_arn of an Image Builder infrastructure configuration",
    });
    new TerraformOutput(this, "function_name", { value: this.tracker.function.functionName });
    new TerraformOutput(this, "dead_letter_queue_url", { value: this.deadLetterQueue.url });
    new TerraformOutput(this, "parameter_names", {
      value: Object.fromEntries(regions.map((region) => [region, tracker.parameterName])),
      description: "Per region, the parameter (template) the tracker writes the latest AMI ID to (read it with resolve:ssm:<name>)",
    });

    this.pipelines = this.buildPipelines(config);
    this.seededParameters = this.seedParameters(config);
    this.launchTemplates = this.buildLaunchTemplates(config, this.seededParameters);
    this.alarms = this.buildAlarms(config);
    this.buildAmiLoop(config, this.seededParameters);
  }

  /** Image Builder: one shared build instance profile, then one whole pipeline per configured entry. */
  private buildPipelines(config: AmiTrackerStackProps): Record<string, ImagePipeline> {
    const { pipelines, logRetentionDays, subnetId, securityGroupIds } = config.imageBuilder;
    if (pipelines.length === 0) return {};
    const instanceProfile = new BuildInstanceProfile(this, "image-builder-instance", {
      name: this.globalName("image-builder"),
      partition: this.partition,
    });
    const built: Record<string, ImagePipeline> = {};
    const amiKeys: Record<string, Record<string, string>> = {};
    for (const pipeline of pipelines) {
      const sharing = this.amiSharing(config, pipeline);
      if (sharing.keyArns !== undefined) amiKeys[pipeline.name] = sharing.keyArns;
      built[pipeline.name] = new ImagePipeline(this, `pipeline-${pipeline.name}`, {
        name: pipeline.resourceName,
        parentImage: parentImageArn(pipeline.parentImage, this.partition, config.region),
        version: pipeline.recipeVersion,
        instanceProfile,
        instanceTypes: pipeline.instanceTypes,
        regions: pipeline.regions,
        // A native-mode pipeline does not publish to the tracker's topic: the tracker would write too.
        ...(pipeline.mode === "tracker"
          ? { topic: this.topic }
          : {
              nativeParameter: {
                parameterName: pipeline.parameterName,
                executionRoleName: this.globalName(`${pipeline.name}-image-builder-run`),
                partition: this.partition,
                account: this.accountId,
              },
            }),
        schedule: pipeline.schedule,
        scheduleTimezone: pipeline.scheduleTimezone,
        onlyWhenUpdated: pipeline.onlyWhenUpdated,
        volumeSizeGb: pipeline.volumeSizeGb,
        logRetentionDays,
        ...(subnetId !== undefined ? { subnetId, securityGroupIds } : {}),
        amiTags: { LatestAmiParameter: pipeline.parameterName, ParameterWriter: pipeline.mode },
        ...sharing.props,
        ...(pipeline.imageScanning ? { imageScanning: true } : {}),
      });
    }
    if (Object.keys(amiKeys).length > 0) {
      new TerraformOutput(this, "ami_key_arns", {
        value: amiKeys,
        description:
          "Per shared pipeline and region, the KMS key of its AMIs: a consumer's Auto Scaling grant names it (amiConsumer.launchTemplates[].amiKeyArn)",
      });
    }
    new TerraformOutput(this, "pipelines", {
      value: Object.fromEntries(pipelines.map((pipeline) => [pipeline.name, pipelineOutput(pipeline, built[pipeline.name])])),
      description: "Per pipeline: its ARN, the parameter holding its latest AMI ID, the regions it is written in and who writes it",
    });
    return built;
  }

  /**
   * What a shared pipeline's AMIs need to be launchable by its consumers (issue 25): launch permissions for
   * the share's accounts, organization and OUs, and a customer-managed key per region (the build region and
   * every distribution region) whose policy lets them use it; unencrypted only with the share's reason.
   */
  private amiSharing(
    config: AmiTrackerStackProps,
    pipeline: PipelineConfig,
  ): { props: Pick<ImagePipelineProps, "launchPermission" | "volumeEncryption">; keyArns?: Record<string, string> } {
    const share = pipeline.share;
    if (share === undefined) return { props: {} };
    const consumers = {
      accounts: share.accounts,
      ...(share.organizationArn !== undefined ? { organizationArn: share.organizationArn } : {}),
      organizationalUnitArns: share.organizationalUnitArns,
    };
    const launchPermission = {
      accounts: share.accounts,
      organizationArns: share.organizationArn !== undefined ? [share.organizationArn] : [],
      organizationalUnitArns: share.organizationalUnitArns,
    };
    if (share.unencryptedReason !== undefined) return { props: { launchPermission, volumeEncryption: { unencryptedReason: share.unencryptedReason } } };
    const keyArns: Record<string, string> = {};
    for (const region of [...new Set([config.region, ...pipeline.regions])]) {
      const provider = this.providerIn(region);
      // The app region's key is `ami-key-<pipeline>`; another region's adds its name (Terraform addresses).
      keyArns[region] = new SharedAmiKey(this, region === config.region ? `ami-key-${pipeline.name}` : `ami-key-${pipeline.name}-${region}`, {
        alias: `${pipeline.resourceName}-amis`,
        purpose: pipeline.resourceName,
        consumers,
        // This account's groups that launch the pipeline's AMIs here need the key too (its Auto Scaling role).
        ownerAutoScaling: pipeline.fleetRefresh.some((entry) => entry.region === region) || pipeline.exampleFleet?.region === region,
        ...(provider !== undefined ? { provider } : {}),
      }).arn;
    }
    return { props: { launchPermission, volumeEncryption: { keyArns, buildRegion: config.region } }, keyArns };
  }

  /**
   * The parameter each example launch template resolves, created before the template: EC2 checks a
   * `resolve:ssm:` parameter when the template is created ("You must create a Systems Manager parameter
   * before you can use it in a launch template", Auto Scaling user guide). Seeded with the region's latest
   * Amazon Linux 2023 AMI of the template's architecture (an aws:ec2:image value must be a real AMI of
   * the region); the tracker treats an untagged value as older than any build and replaces it.
   */
  private seedParameters(config: AmiTrackerStackProps): Record<string, SsmParameter> {
    const seeded: Record<string, SsmParameter> = {};
    for (const pipeline of config.imageBuilder.pipelines) {
      const architecture = isArmInstanceType(launchTemplateInstanceType(pipeline)) ? "arm64" : "x86_64";
      // Shared pointers are Advanced: the tracker writes them so in every region, and a tier never goes back down.
      const tier = pipeline.share !== undefined ? { tier: "Advanced" as const } : {};
      for (const region of [config.region, ...extraLoopRegions(pipeline, config.region)]) {
        const provider = this.providerIn(region);
        for (const pointer of pointersToSeed(pipeline, region, config.region)) {
          const channel = pointer !== "latest";
          // `parameter-<pipeline>` is the latest pointer's address since the first deploy: keep it; other regions add theirs in front.
          const id = channel ? `channel-${pipeline.name}-${pointer}` : `parameter-${pipeline.name}`;
          seeded[seedKey(pipeline.name, pointer, region, config.region)] = seededImageParameter(this, provider === undefined ? id : `${region}-${id}`, {
            name: pointerParameterName(pipeline.parameterName, pointer),
            architecture,
            description: channel
              ? `Channel ${pointer} of ${pipeline.parameterName}, seeded by Terraform with the latest Amazon Linux 2023 AMI; npm run ami -- promote writes each promoted build`
              : `Seeded by Terraform with the latest Amazon Linux 2023 AMI; the ${pipeline.mode === "native" ? "pipeline's distribution" : "AMI tracker"} writes each new build`,
            writerTagKeys: WRITER_TAG_KEYS,
            ...tier,
            ...(provider !== undefined ? { provider } : {}),
          });
        }
      }
    }
    return seeded;
  }

  /**
   * The rest of the AMI loop (docs/ami-loop-constructs.md), per pipeline in the app's region: fleet
   * refresh of configured groups and of an example group, a RAM share of the pointers, an in-use-aware
   * lifecycle policy; one alarm on rejected aws:ec2:image values over every pointer; the operator's policy.
   */
  private buildAmiLoop(config: AmiTrackerStackProps, seeded: Readonly<Record<string, SsmParameter>>): void {
    const { pipelines, loopAlarms } = config.imageBuilder;
    const locationIn = (region: string): AwsLocation => ({ partition: this.partition, region, account: this.accountId });
    const logRetentionDays = config.imageBuilder.logRetentionDays;
    const refreshes: Record<string, string> = {};
    for (const pipeline of pipelines) {
      // Each piece is built in its group's region: EventBridge delivers a parameter's "Parameter Store Change"
      // only to rules of the parameter's region (https://repost.aws/knowledge-center/use-eventbridge-rule-across-regions),
      // and EC2 resolves resolve:ssm: in the launch template's region.
      // Construct IDs and output keys of the app's region are the addresses of the first deploy; another region adds its name.
      const inRegion = (region: string, id: string): string => (region === config.region ? id : `${id}-${region}`);
      const refresh = (
        id: string,
        groupName: string,
        pointer: string,
        suffix: string,
        preferences: { minHealthyPercentage: number; instanceWarmupSeconds?: number },
        region: string,
      ) => {
        const provider = this.providerIn(region);
        new FleetRefresh(this, id, {
          // IAM role names are account-global: the app's region is part of the name, and the group's when it differs
          // (the same environment deployed from two app regions may refresh groups in one third region).
          name: boundedName(`${this.globalNamePrefix}-${region === config.region ? "" : `${region}-`}${pipeline.name}-${suffix}`, 40),
          parameterName: pointerParameterName(pipeline.parameterName, pointer),
          autoScalingGroupName: groupName,
          location: locationIn(region),
          preferences,
          logRetentionDays,
          failureOpsItem: loopAlarms.fleetRefreshFailed,
          ...(provider !== undefined ? { provider } : {}),
        });
        refreshes[region === config.region ? `${pipeline.name}/${suffix}` : `${pipeline.name}/${region}/${suffix}`] = groupName;
      };
      pipeline.fleetRefresh.forEach((entry, index) => {
        const preferences = {
          minHealthyPercentage: entry.minHealthyPercentage,
          ...(entry.instanceWarmupSeconds !== undefined ? { instanceWarmupSeconds: entry.instanceWarmupSeconds } : {}),
        };
        const id = entry.region === config.region ? `fleet-refresh-${pipeline.name}-${index}` : `fleet-refresh-${pipeline.name}-${entry.region}-${index}`;
        refresh(id, entry.autoScalingGroupName, entry.channel, `group${index}`, preferences, entry.region);
      });
      if (pipeline.exampleFleet !== undefined) {
        const example = pipeline.exampleFleet;
        const provider = this.providerIn(example.region);
        const parameterResource = seeded[seedKey(pipeline.name, example.channel, example.region, config.region)];
        const fleet = new ExampleFleet(this, inRegion(example.region, `example-fleet-${pipeline.name}`), {
          // Names are regional; in another region the app's region keeps two deployments of one environment apart.
          name: boundedName(`${pipeline.resourceName}-${example.region === config.region ? "" : `${config.region}-`}example-${example.channel}`, 128),
          parameter: pointerParameterName(pipeline.parameterName, example.channel),
          ...(parameterResource !== undefined ? { parameterResource } : {}),
          instanceType: example.instanceType,
          placement: { availabilityZones: example.availabilityZones },
          ...(provider !== undefined ? { provider } : {}),
        });
        const id = example.region === config.region ? `fleet-refresh-${pipeline.name}-example` : `fleet-refresh-${pipeline.name}-${example.region}-example`;
        refresh(id, fleet.group.name, example.channel, "example", { minHealthyPercentage: 90 }, example.region);
      }
      if (pipeline.share !== undefined) {
        const share = pipeline.share;
        const names = pointerNamesOf({ parameter: pipeline.parameterName, channels: pipeline.channels });
        const shareResource = new ParameterShare(this, `share-${pipeline.name}`, {
          name: `${pipeline.resourceName}-ami-pointers`,
          region: config.region,
          parameterArns: names.map((name) => ssmParameterArn({ partition: this.partition, region: config.region, account: this.accountId }, name)),
          consumers: {
            accounts: share.accounts,
            ...(share.organizationArn !== undefined ? { organizationArn: share.organizationArn } : {}),
            organizationalUnitArns: share.organizationalUnitArns,
          },
          permission: share.permission,
          allowExternalPrincipals: share.allowExternalPrincipals,
          partition: this.partition,
        });
        // RAM refuses a parameter that does not exist yet: associate after Terraform created (seeded) it.
        const created = pointersOf(pipeline).flatMap((pointer) => seeded[pointerKey(pipeline.name, pointer)] ?? []);
        const addresses = created.map((parameter) => `${parameter.terraformResourceType}.${parameter.friendlyUniqueId}`);
        if (addresses.length > 0) for (const association of shareResource.resourceAssociations) association.addOverride("depends_on", addresses);
      }
      if (pipeline.cleanup !== undefined) {
        const cleanup = pipeline.cleanup;
        new AmiLifecyclePolicy(this, `lifecycle-${pipeline.name}`, {
          name: boundedName(`${this.globalNamePrefix}-${pipeline.name}`, 54),
          recipes: [...new Set([pipeline.recipeVersion, ...cleanup.previousRecipeVersions])].map((version) => ({ name: pipeline.resourceName, version })),
          rule:
            cleanup.type === "age"
              ? { type: "age", value: cleanup.value, unit: cleanup.unit, retainAtLeast: cleanup.retainAtLeast }
              : { type: "count", value: cleanup.value },
          trackedPointers: pointerNamesOf({ parameter: pipeline.parameterName, channels: pipeline.channels }),
          // 0 in the configuration turns the launch backstop off.
          protectLaunchedWithinDays: cleanup.protectLaunchedWithinDays === 0 ? false : cleanup.protectLaunchedWithinDays,
          stages: {
            ...(cleanup.deprecateAfter !== undefined ? { deprecateAfter: cleanup.deprecateAfter } : {}),
            ...(cleanup.disableAfter !== undefined ? { disableAfter: cleanup.disableAfter } : {}),
          },
          partition: this.partition,
        });
      }
      if (pipeline.staleAfterDays !== undefined) {
        // Measured in the app's region, where the tracker (and the CLI) write every pointer with the others.
        new PointerStalenessAlarm(this, `staleness-${pipeline.name}`, {
          name: boundedName(`${this.globalNamePrefix}-${pipeline.name}`, 40),
          parameterNames: pointerNamesOf({ parameter: pipeline.parameterName, channels: pipeline.channels }),
          maxAgeDays: pipeline.staleAfterDays,
          namespace: config.amiTracker.metricsNamespace,
          location: locationIn(config.region),
          logRetentionDays,
          opsItem: loopAlarms.pointerStale,
        });
      }
    }
    if (Object.keys(refreshes).length > 0) {
      new TerraformOutput(this, "fleet_refreshes", {
        value: refreshes,
        description: "Per pipeline and entry, the Auto Scaling group refreshed when its pointer changes",
      });
    }

    this.operatorPolicyOutput({ tracker: config.amiTracker, pipelines });
    // Rejected values are watched where the loop runs: in the app's region as soon as a pipeline has
    // channels or a refresh there; in another region where a refresh or example fleet is. Each watches the
    // parameter and channels of every pipeline written in that region.
    const loopHere = (pipeline: PipelineConfig, region: string): boolean =>
      pipeline.fleetRefresh.some((entry) => entry.region === region) || pipeline.exampleFleet?.region === region;
    const extraRegions = [...new Set(pipelines.flatMap((pipeline) => extraLoopRegions(pipeline, config.region)))].sort();
    for (const region of [config.region, ...extraRegions]) {
      const watched = [
        ...new Set(
          pipelines
            .filter((pipeline) => pipeline.regions.includes(region))
            .flatMap((pipeline) => pointerNamesOf({ parameter: pipeline.parameterName, channels: pipeline.channels })),
        ),
      ];
      const wanted =
        region === config.region
          ? pipelines.some((pipeline) => pipeline.channels.length > 0 || loopHere(pipeline, region))
          : pipelines.some((pipeline) => loopHere(pipeline, region));
      if (!wanted || watched.length === 0) continue;
      const provider = this.providerIn(region);
      new ParameterRejectionAlarm(this, region === config.region ? "parameter-rejected" : `parameter-rejected-${region}`, {
        name: boundedName(`${region === config.region ? this.namePrefix : this.globalNamePrefix}-ami-pointers`, 40),
        parameterNames: watched,
        location: locationIn(region),
        logRetentionDays,
        opsItem: loopAlarms.parameterRejected,
        ...(provider !== undefined ? { provider } : {}),
      });
    }
  }

  /**
   * The least-privilege policy of the operator CLI (`npm run ami`) for every tracked parameter and its
   * channels, as JSON. amiOperatorPolicy checks a literal partition and account, so it is built with
   * placeholders that are then replaced by this stack's partition and account (Terraform expressions).
   */
  private operatorPolicyOutput(sources: PointerSources): void {
    const tracked = trackedParameters(sources);
    if (tracked.length === 0) return;
    const placeholder = { partition: "aws", account: "000000000000" };
    const policy = JSON.stringify(amiOperatorPolicy({ ...placeholder, tracked }));
    const located = relocateArns(policy, placeholder, { partition: this.partition, account: this.accountId });
    new TerraformOutput(this, "operator_policy", {
      // jsonencode of the document, not a JSON string holding references: HCL output can only render the former.
      value: Fn.jsonencode(JSON.parse(located)),
      description: "The least-privilege IAM policy (JSON) of an operator running npm run ami -- status | history | promote | rollback",
    });
  }

  /** Consumers: a launch template whose image is whatever the parameter holds when an instance launches. */
  private buildLaunchTemplates(config: AmiTrackerStackProps, parameters: Readonly<Record<string, SsmParameter>>): Record<string, LaunchTemplate> {
    const templates: Record<string, LaunchTemplate> = {};
    for (const pipeline of config.imageBuilder.pipelines) {
      if (!pipeline.exampleLaunchTemplate) continue;
      const parameter = parameters[pipeline.name];
      templates[pipeline.name] = new LaunchTemplate(this, `launch-template-${pipeline.name}`, {
        // EC2 resolves the parameter when the template is created: it must exist first.
        ...(parameter !== undefined ? { dependsOn: [parameter] } : {}),
        name: `${pipeline.resourceName}-latest`,
        description: `Launches the latest ${pipeline.resourceName} AMI from ${pipeline.parameterName}`,
        imageId: `resolve:ssm:${pipeline.parameterName}`,
        instanceType: launchTemplateInstanceType(pipeline),
        metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
        updateDefaultVersion: true,
      });
    }
    if (Object.keys(templates).length > 0) {
      new TerraformOutput(this, "launch_template_ids", {
        value: Object.fromEntries(Object.entries(templates).map(([name, template]) => [name, template.id])),
        description: "Per pipeline, the example launch template (image_id = resolve:ssm:<parameter>)",
      });
    }
    return templates;
  }

  /** Alarms on the tracker's errors, its dead-letter queue and failed builds, each opening an OpsItem. */
  private buildAlarms(config: AmiTrackerStackProps): Record<string, OpsCenterAlarm> {
    const alarms = config.alarms;
    if (!alarms.enabled) return {};
    const location: AwsLocation = { partition: this.partition, region: config.region, account: this.accountId };
    const name = `${this.namePrefix}-ami-tracker`;
    const notificationTopic =
      alarms.emailAddresses.length > 0
        ? new AlarmNotificationTopic(this, "alarm-notifications", { topicName: `${name}-alarms`, emailAddresses: alarms.emailAddresses, location }).topic
        : undefined;
    const common = { location, ...(notificationTopic !== undefined ? { notificationTopic } : {}) };
    const settings = (alarm: typeof alarms.trackerErrors) => ({
      severity: alarm.severity,
      category: alarm.category,
      threshold: alarm.threshold,
      periodSeconds: alarm.periodSeconds,
      evaluationPeriods: alarm.evaluationPeriods,
      treatMissingData: "notBreaching" as const,
    });
    const built = {
      trackerErrors: new OpsCenterAlarm(this, "alarm-tracker-errors", {
        alarmName: `${name}-errors`,
        description: `The AMI tracker ${name} failed (AWS errors after retries). Read its log group /aws/lambda/${name}; the event is retried, then lands in ${name}-dlq.`,
        metric: { namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: name }, statistic: "Sum" },
        ...settings(alarms.trackerErrors),
        ...common,
      }),
      deadLetterMessages: new OpsCenterAlarm(this, "alarm-dead-letter-messages", {
        alarmName: `${name}-dlq-messages`,
        description: `Image Builder notifications the tracker could not handle wait in ${name}-dlq: their AMI IDs were not written. Fix the cause, then replay them.`,
        metric: { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: `${name}-dlq` }, statistic: "Maximum" },
        ...settings(alarms.deadLetterMessages),
        ...common,
      }),
      buildsFailed: new OpsCenterAlarm(this, "alarm-builds-failed", {
        alarmName: `${name}-builds-failed`,
        description: `An EC2 Image Builder build that notifies ${this.topic.name} ended FAILED (metric ${config.amiTracker.metricsNamespace}/BuildsFailed). The tracker's log has the image ARN and the reason.`,
        metric: { namespace: config.amiTracker.metricsNamespace, metricName: METRIC_BUILDS_FAILED, dimensions: { service: TRACKER_SERVICE }, statistic: "Sum" },
        ...settings(alarms.buildsFailed),
        ...common,
      }),
    };
    new TerraformOutput(this, "alarm_names", {
      value: Object.fromEntries(Object.entries(built).map(([purpose, alarm]) => [purpose, alarm.alarm.alarmName])),
      description: "The CloudWatch alarms whose actions open OpsItems in OpsCenter",
    });
    return built;
  }
}

/** Key of a seeded pointer: the pipeline's name for its latest parameter (as before channels), `<pipeline>/<channel>` for a channel. */
function pointerKey(pipelineName: string, pointer: string): string {
  return pointer === "latest" ? pipelineName : `${pipelineName}/${pointer}`;
}

/** Key of a seeded pointer in a region: pointerKey in the app's region, `<pointerKey>@<region>` in another. */
export function seedKey(pipelineName: string, pointer: string, region: string, appRegion: string): string {
  return region === appRegion ? pointerKey(pipelineName, pointer) : `${pointerKey(pipelineName, pointer)}@${region}`;
}

function launchTemplateInstanceType(pipeline: PipelineConfig): string {
  return pipeline.instanceTypes[0] ?? "t4g.small";
}

function pipelineOutput(pipeline: PipelineConfig, built: ImagePipeline | undefined): Record<string, unknown> {
  return {
    pipeline_arn: built?.pipeline.arn ?? "",
    parameter_name: pipeline.parameterName,
    regions: [...pipeline.regions],
    writer: pipeline.mode,
    image_id_reference: `resolve:ssm:${pipeline.parameterName}`,
  };
}
