import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Fn, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { AppConfig } from "../config";
import { AppStack } from "./app-stack";
import { policyDocument } from "./constructs/iam";
import { NodejsFunction } from "./constructs/nodejs-function";

export const AMI_TRACKER_STACK = "ami-tracker";

/** `/ec2-imagebuilder/{pipeline}/latest` -> `ec2-imagebuilder/*\/latest`: the ARN path IAM matches. */
export function parameterArnPath(parameterName: string): string {
  return parameterName.replace(/\{(pipeline|image)\}/g, "*").replace(/^\//, "");
}

/**
 * Image Builder -> SNS (customer-managed KMS key) -> Lambda -> SSM Parameter Store, in every tracked region.
 *
 * The tracker owns each parameter's value: Terraform creates no `aws_ssm_parameter`, so an apply can
 * never revert the AMI ID or fight over its DataType. `terraform destroy` therefore leaves the
 * parameters behind (see the README).
 */
export class AmiTrackerStack extends AppStack {
  readonly topic: SnsTopic;
  readonly key: KmsKey;
  readonly tracker: NodejsFunction;
  readonly deadLetterQueue: SqsQueue;
  /** The account ID, read from a created resource's ARN (no data source that needs AWS at plan time). */
  readonly accountId: string;
  readonly partition: string;

  constructor(scope: Construct, config: AppConfig) {
    super(scope, AMI_TRACKER_STACK, config);
    const tracker = config.amiTracker;
    const name = `${this.namePrefix}-ami-tracker`;
    this.partition = new DataAwsPartition(this, "partition").partition;

    this.key = new KmsKey(this, "topic-key", {
      description: `Encrypts the ${name} topic; usable by SNS and EC2 Image Builder`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, "topic-key-alias", { name: `alias/${name}`, targetKeyId: this.key.keyId });
    this.accountId = Fn.element(Fn.split(":", this.key.arn), 4);
    const accountRoot = `arn:${this.partition}:iam::${this.accountId}:root`;
    const imageBuilderRole = `arn:${this.partition}:iam::${this.accountId}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`;

    new KmsKeyPolicy(this, "topic-key-policy", {
      keyId: this.key.keyId,
      policy: policyDocument(this, "topic-key-policy-document", [
        {
          sid: "AccountAdministersKey",
          actions: [
            "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
            "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
            "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
          ],
          resources: ["*"],
          principals: [{ type: "AWS", identifiers: [accountRoot] }],
        },
        {
          sid: "ImageBuilderPublishesEncrypted",
          actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
          resources: ["*"],
          principals: [{ type: "AWS", identifiers: [imageBuilderRole] }],
        },
        {
          sid: "SnsUsesKeyForThisAccount",
          actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
          resources: ["*"],
          principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
          conditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [this.accountId] }],
        },
      ]).json,
    });

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
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          actions: ["sns:Publish"],
          resources: [this.topic.arn],
          principals: [{ type: "*", identifiers: ["*"] }],
          conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
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

    const parameterArns = tracker.trackedRegions.map(
      (region) => `arn:${this.partition}:ssm:${region}:${this.accountId}:parameter/${parameterArnPath(tracker.parameterName)}`,
    );
    this.tracker = new NodejsFunction(this, "tracker", {
      functionName: name,
      entry: "handlers/ami-tracker/index.ts",
      description: "Writes the AMI IDs of finished EC2 Image Builder builds to SSM Parameter Store",
      memoryMb: tracker.memoryMb,
      timeoutSeconds: tracker.timeoutSeconds,
      logRetentionDays: tracker.logRetentionDays,
      ...(tracker.reservedConcurrency !== undefined ? { reservedConcurrency: tracker.reservedConcurrency } : {}),
      environment: {
        PARAMETER_NAME: tracker.parameterName,
        TRACKED_REGIONS: tracker.trackedRegions.join(","),
        METRICS_NAMESPACE: tracker.metricsNamespace,
      },
      statements: [
        {
          sid: "WriteLatestAmiParameters",
          // ListTagsForResource reads the build the parameter holds, for ordering; RemoveTagsFromResource
          // drops SOURCE_PIPELINE_ARN when a build that no pipeline started replaces a pipeline's.
          actions: ["ssm:PutParameter", "ssm:AddTagsToResource", "ssm:ListTagsForResource", "ssm:RemoveTagsFromResource"],
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
          sid: "SendFailedEventsToDeadLetterQueue",
          actions: ["sqs:SendMessage"],
          resources: [this.deadLetterQueue.arn],
        },
      ],
    });

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
      value: Object.fromEntries(tracker.trackedRegions.map((region) => [region, tracker.parameterName])),
      description: "Per region, the SSM parameter holding the latest AMI ID (read it with resolve:ssm:<name>)",
    });
  }
}
