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
import { AmiLoop } from "./constructs/ami-loop";
import { launchTemplateInstanceType } from "./constructs/ami-loop/plan";
import { parameterRejectionAlarms } from "./constructs/ami-loop/rejection-alarms";
import { BuildInstanceProfile } from "./constructs/build-instance-profile";
import type { ImagePipeline } from "./constructs/image-pipeline";
import { NodejsFunction } from "./constructs/nodejs-function";
import { advancedTierParameters, type PointerSources, trackedParameters, trackerRegions } from "../ami-pointers/model";
import { amiOperatorPolicy } from "../ami-pointers/operator-policy";
import { inUseTagKey } from "../ami-pointers/in-use";
import { arnAt, ec2ImageArn, iamArn, relocateArns, type AwsLocation } from "../aws/arn";
import { amiTrackerAlarms } from "./constructs/ami-tracker-alarms";
import type { OpsCenterAlarm } from "./constructs/ops-center-alarm";
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
  /** The AMI loop of each pipeline of `imageBuilder.pipelines`, by configured name. */
  readonly loops: Readonly<Record<string, AmiLoop>> = {};
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

    this.loops = this.buildLoops(config);
    this.pipelines = Object.fromEntries(Object.entries(this.loops).map(([name, loop]) => [name, loop.pipeline]));
    this.seededParameters = Object.assign({}, ...Object.values(this.loops).map((loop) => loop.seededParameters));
    this.launchTemplates = Object.fromEntries(
      Object.entries(this.loops).flatMap(([name, loop]) => (loop.launchTemplate !== undefined ? [[name, loop.launchTemplate]] : [])),
    );
    this.loopOutputs(config);
    this.alarms = this.buildAlarms(config);
    this.operatorPolicyOutput({ tracker: config.amiTracker, pipelines: config.imageBuilder.pipelines });
    const { pipelines, loopAlarms, logRetentionDays } = config.imageBuilder;
    parameterRejectionAlarms(this, {
      pipelines,
      appRegion: config.region,
      partition: this.partition,
      accountId: this.accountId,
      namePrefix: this.namePrefix,
      globalNamePrefix: this.globalNamePrefix,
      providerIn: (region) => this.providerIn(region),
      logRetentionDays,
      opsItem: loopAlarms.parameterRejected,
    });
  }

  /** Each pipeline's AMI loop (stacks/constructs/ami-loop.ts), sharing one build instance profile. */
  private buildLoops(config: AmiTrackerStackProps): Record<string, AmiLoop> {
    const { pipelines, logRetentionDays, subnetId, securityGroupIds, loopAlarms } = config.imageBuilder;
    if (pipelines.length === 0) return {};
    const instanceProfile = new BuildInstanceProfile(this, "image-builder-instance", {
      name: this.globalName("image-builder"),
      partition: this.partition,
    });
    const loops: Record<string, AmiLoop> = {};
    for (const pipeline of pipelines) {
      loops[pipeline.name] = new AmiLoop(this, {
        pipeline,
        appRegion: config.region,
        partition: this.partition,
        accountId: this.accountId,
        globalNamePrefix: this.globalNamePrefix,
        providerIn: (region) => this.providerIn(region),
        instanceProfile,
        topic: this.topic,
        nativeExecutionRoleName: this.globalName(`${pipeline.name}-image-builder-run`),
        seedArchitecture: isArmInstanceType(launchTemplateInstanceType(pipeline)) ? "arm64" : "x86_64",
        logRetentionDays,
        ...(subnetId !== undefined ? { network: { subnetId, securityGroupIds } } : {}),
        metricsNamespace: config.amiTracker.metricsNamespace,
        opsItems: { fleetRefreshFailed: loopAlarms.fleetRefreshFailed, pointerStale: loopAlarms.pointerStale },
      });
    }
    return loops;
  }

  /** The loops' outputs, per pipeline: its AMI keys, ARN and parameter, example launch template and refreshed groups. */
  private loopOutputs(config: AmiTrackerStackProps): void {
    const { pipelines } = config.imageBuilder;
    if (pipelines.length === 0) return;
    const amiKeys = Object.fromEntries(Object.entries(this.loops).flatMap(([name, loop]) => (loop.amiKeyArns !== undefined ? [[name, loop.amiKeyArns]] : [])));
    if (Object.keys(amiKeys).length > 0) {
      new TerraformOutput(this, "ami_key_arns", {
        value: amiKeys,
        description:
          "Per shared pipeline and region, the KMS key of its AMIs: a consumer's Auto Scaling grant names it (amiConsumer.launchTemplates[].amiKeyArn)",
      });
    }
    new TerraformOutput(this, "pipelines", {
      value: Object.fromEntries(pipelines.map((pipeline) => [pipeline.name, pipelineOutput(pipeline, this.pipelines[pipeline.name])])),
      description: "Per pipeline: its ARN, the parameter holding its latest AMI ID, the regions it is written in and who writes it",
    });
    if (Object.keys(this.launchTemplates).length > 0) {
      new TerraformOutput(this, "launch_template_ids", {
        value: Object.fromEntries(Object.entries(this.launchTemplates).map(([name, template]) => [name, template.id])),
        description: "Per pipeline, the example launch template (image_id = resolve:ssm:<parameter>)",
      });
    }
    const refreshes = Object.assign({}, ...Object.values(this.loops).map((loop) => loop.refreshes)) as Record<string, string>;
    if (Object.keys(refreshes).length > 0) {
      new TerraformOutput(this, "fleet_refreshes", {
        value: refreshes,
        description: "Per pipeline and entry, the Auto Scaling group refreshed when its pointer changes",
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

  /** The tracker's alarms (stacks/constructs/ami-tracker-alarms.ts) and their names as an output. */
  private buildAlarms(config: AmiTrackerStackProps): Record<string, OpsCenterAlarm> {
    const alarms = config.alarms;
    if (!alarms.enabled) return {};
    const built = amiTrackerAlarms(this, {
      name: `${this.namePrefix}-ami-tracker`,
      location: { partition: this.partition, region: config.region, account: this.accountId },
      emailAddresses: alarms.emailAddresses,
      topicName: this.topic.name,
      buildsFailedMetric: { namespace: config.amiTracker.metricsNamespace, metricName: METRIC_BUILDS_FAILED, dimensions: { service: TRACKER_SERVICE } },
      trackerErrors: alarms.trackerErrors,
      deadLetterMessages: alarms.deadLetterMessages,
      buildsFailed: alarms.buildsFailed,
    });
    new TerraformOutput(this, "alarm_names", {
      value: Object.fromEntries(Object.entries(built).map(([purpose, alarm]) => [purpose, alarm.alarm.alarmName])),
      description: "The CloudWatch alarms whose actions open OpsItems in OpsCenter",
    });
    return { ...built };
  }
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
