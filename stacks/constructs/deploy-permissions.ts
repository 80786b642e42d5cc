/**
 * What Terraform needs in AWS to plan (refresh) and apply the app's stacks, by service, as data.
 *
 * The CI roles get exactly the services whose resource types the stacks declare (read from the
 * constructs at synth), each action named, each scoped to this account and region and, where the
 * ARN holds the name, to `<project>-<environment>-*`. Plan actions read metadata only: no S3
 * object, queue message, stream record or log event. A resource type missing here fails synth
 * with the fix, so a new resource type cannot reach CI without its permissions being reviewed.
 */

/** Where the ARN patterns come from. */
export interface ArnContext {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** `<project>-<environment>`: every named resource of the app starts with it. */
  readonly namePrefix: string;
}

export interface ServicePermissions {
  /** Resource types (exact, or a prefix ending in "_") this entry covers. */
  readonly types: readonly string[];
  /** The ARNs the actions are limited to. */
  readonly resources: (context: ArnContext) => readonly string[];
  /** Read actions a refresh (terraform plan) calls. */
  readonly read: readonly string[];
  /** Create, update, delete and tag actions apply calls. */
  readonly write: readonly string[];
  /** Read actions without resource-level permissions (IAM accepts only Resource "*"). @default - none */
  readonly unscopedRead?: readonly string[];
  /** Write actions without resource-level permissions. @default - none */
  readonly unscopedWrite?: readonly string[];
}

const arn = (c: ArnContext, service: string, resource: string): string => `arn:${c.partition}:${service}:${c.region}:${c.account}:${resource}`;
/** IAM is global: no region in its ARNs. */
export const iamArn = (c: Pick<ArnContext, "partition" | "account">, resource: string): string => `arn:${c.partition}:iam::${c.account}:${resource}`;

export const DEPLOY_PERMISSIONS: Readonly<Record<string, ServicePermissions>> = {
  sqs: {
    types: ["aws_sqs_"],
    resources: (c) => [arn(c, "sqs", `${c.namePrefix}-*`)],
    read: ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags"],
    write: ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"],
  },
  sns: {
    types: ["aws_sns_"],
    resources: (c) => [arn(c, "sns", `${c.namePrefix}-*`)],
    read: ["sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:GetDataProtectionPolicy", "sns:ListTagsForResource"],
    write: [
      "sns:CreateTopic",
      "sns:DeleteTopic",
      "sns:SetTopicAttributes",
      "sns:Subscribe",
      "sns:Unsubscribe",
      "sns:SetSubscriptionAttributes",
      "sns:TagResource",
      "sns:UntagResource",
    ],
  },
  kms: {
    types: ["aws_kms_"],
    // Key IDs are random: keys are limited to this account and region, aliases to the name prefix.
    resources: (c) => [arn(c, "kms", "key/*"), arn(c, "kms", `alias/${c.namePrefix}-*`)],
    read: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
    write: [
      "kms:ScheduleKeyDeletion",
      "kms:EnableKeyRotation",
      "kms:DisableKeyRotation",
      "kms:PutKeyPolicy",
      "kms:UpdateKeyDescription",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:CreateAlias",
      "kms:UpdateAlias",
      "kms:DeleteAlias",
    ],
    unscopedRead: ["kms:ListAliases"],
    unscopedWrite: ["kms:CreateKey"],
  },
  iam: {
    types: ["aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_iam_instance_profile"],
    resources: (c) => [iamArn(c, `role/${c.namePrefix}-*`), iamArn(c, `instance-profile/${c.namePrefix}-*`)],
    read: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:GetInstanceProfile"],
    write: [
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:UpdateRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:PutRolePolicy",
      "iam:DeleteRolePolicy",
      "iam:AttachRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PassRole",
      "iam:CreateInstanceProfile",
      "iam:DeleteInstanceProfile",
      "iam:AddRoleToInstanceProfile",
      "iam:RemoveRoleFromInstanceProfile",
      "iam:TagInstanceProfile",
      "iam:UntagInstanceProfile",
    ],
  },
  logs: {
    types: ["aws_cloudwatch_log_"],
    // Log group names follow the service (/aws/lambda/, /aws/vendedlogs/, /aws/events/): this account and region.
    resources: (c) => [arn(c, "logs", "log-group:*")],
    read: ["logs:ListTagsForResource", "logs:ListTagsLogGroup"],
    write: [
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy",
      "logs:AssociateKmsKey",
      "logs:DisassociateKmsKey",
      "logs:TagResource",
      "logs:UntagResource",
      "logs:TagLogGroup",
      "logs:UntagLogGroup",
    ],
    unscopedRead: ["logs:DescribeLogGroups", "logs:DescribeResourcePolicies"],
    unscopedWrite: ["logs:PutResourcePolicy", "logs:DeleteResourcePolicy"],
  },
  events: {
    types: ["aws_cloudwatch_event_"],
    resources: (c) => [arn(c, "events", `event-bus/${c.namePrefix}-*`), arn(c, "events", `rule/${c.namePrefix}-*`)],
    read: ["events:DescribeEventBus", "events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"],
    write: [
      "events:CreateEventBus",
      "events:UpdateEventBus",
      "events:DeleteEventBus",
      "events:PutRule",
      "events:DeleteRule",
      "events:EnableRule",
      "events:DisableRule",
      "events:PutTargets",
      "events:RemoveTargets",
      "events:TagResource",
      "events:UntagResource",
    ],
  },
  cloudwatch: {
    types: ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"],
    resources: (c) => [arn(c, "cloudwatch", `alarm:${c.namePrefix}-*`)],
    read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
    write: ["cloudwatch:PutMetricAlarm", "cloudwatch:PutCompositeAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"],
  },
  lambda: {
    types: ["aws_lambda_"],
    resources: (c) => [arn(c, "lambda", `function:${c.namePrefix}-*`), arn(c, "lambda", "event-source-mapping:*")],
    read: [
      "lambda:GetFunction",
      "lambda:GetFunctionConfiguration",
      "lambda:GetFunctionCodeSigningConfig",
      "lambda:GetFunctionConcurrency",
      "lambda:GetFunctionEventInvokeConfig",
      "lambda:GetFunctionRecursionConfig",
      "lambda:GetRuntimeManagementConfig",
      "lambda:GetPolicy",
      "lambda:GetEventSourceMapping",
      "lambda:ListVersionsByFunction",
      "lambda:ListTags",
    ],
    write: [
      "lambda:CreateFunction",
      "lambda:DeleteFunction",
      "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration",
      "lambda:PublishVersion",
      "lambda:AddPermission",
      "lambda:RemovePermission",
      "lambda:PutFunctionConcurrency",
      "lambda:DeleteFunctionConcurrency",
      "lambda:PutFunctionEventInvokeConfig",
      "lambda:UpdateFunctionEventInvokeConfig",
      "lambda:DeleteFunctionEventInvokeConfig",
      "lambda:UpdateEventSourceMapping",
      "lambda:DeleteEventSourceMapping",
      "lambda:TagResource",
      "lambda:UntagResource",
    ],
    unscopedWrite: ["lambda:CreateEventSourceMapping"],
  },
  apigateway: {
    types: ["aws_apigatewayv2_"],
    // API IDs are random: limited to this region's HTTP APIs and their tags.
    resources: (c) => [`arn:${c.partition}:apigateway:${c.region}::/apis`, `arn:${c.partition}:apigateway:${c.region}::/apis/*`, `arn:${c.partition}:apigateway:${c.region}::/tags/*`],
    read: ["apigateway:GET"],
    write: ["apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"],
  },
  appconfig: {
    types: ["aws_appconfig_"],
    resources: (c) => [arn(c, "appconfig", "application/*"), arn(c, "appconfig", "deploymentstrategy/*")],
    read: [
      "appconfig:GetApplication",
      "appconfig:GetEnvironment",
      "appconfig:GetConfigurationProfile",
      "appconfig:GetHostedConfigurationVersion",
      "appconfig:GetDeployment",
      "appconfig:GetDeploymentStrategy",
      "appconfig:ListTagsForResource",
    ],
    write: [
      "appconfig:CreateApplication",
      "appconfig:UpdateApplication",
      "appconfig:DeleteApplication",
      "appconfig:CreateEnvironment",
      "appconfig:UpdateEnvironment",
      "appconfig:DeleteEnvironment",
      "appconfig:CreateConfigurationProfile",
      "appconfig:UpdateConfigurationProfile",
      "appconfig:DeleteConfigurationProfile",
      "appconfig:CreateHostedConfigurationVersion",
      "appconfig:DeleteHostedConfigurationVersion",
      "appconfig:StartDeployment",
      "appconfig:StopDeployment",
      "appconfig:TagResource",
      "appconfig:UntagResource",
    ],
  },
  kinesis: {
    types: ["aws_kinesis_stream"],
    resources: (c) => [arn(c, "kinesis", `stream/${c.namePrefix}-*`)],
    read: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:ListTagsForStream"],
    write: [
      "kinesis:CreateStream",
      "kinesis:DeleteStream",
      "kinesis:AddTagsToStream",
      "kinesis:RemoveTagsFromStream",
      "kinesis:IncreaseStreamRetentionPeriod",
      "kinesis:DecreaseStreamRetentionPeriod",
      "kinesis:StartStreamEncryption",
      "kinesis:StopStreamEncryption",
      "kinesis:UpdateShardCount",
      "kinesis:UpdateStreamMode",
      "kinesis:EnableEnhancedMonitoring",
      "kinesis:DisableEnhancedMonitoring",
    ],
  },
  states: {
    types: ["aws_sfn_"],
    resources: (c) => [arn(c, "states", `stateMachine:${c.namePrefix}-*`)],
    read: ["states:DescribeStateMachine", "states:ListStateMachineVersions", "states:ListTagsForResource"],
    write: ["states:CreateStateMachine", "states:UpdateStateMachine", "states:DeleteStateMachine", "states:TagResource", "states:UntagResource"],
  },
  s3: {
    types: ["aws_s3_"],
    resources: (c) => [`arn:${c.partition}:s3:::${c.namePrefix}-*`],
    read: [
      "s3:ListBucket",
      "s3:GetBucketAcl",
      "s3:GetBucketCORS",
      "s3:GetBucketLogging",
      "s3:GetBucketNotification",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetBucketOwnershipControls",
      "s3:GetBucketPolicy",
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketRequestPayment",
      "s3:GetBucketTagging",
      "s3:GetBucketVersioning",
      "s3:GetBucketWebsite",
      "s3:GetAccelerateConfiguration",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
    ],
    write: [
      "s3:CreateBucket",
      "s3:DeleteBucket",
      "s3:PutBucketPolicy",
      "s3:DeleteBucketPolicy",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketOwnershipControls",
      "s3:PutBucketNotification",
      "s3:PutBucketTagging",
    ],
  },
  imagebuilder: {
    types: ["aws_imagebuilder_"],
    resources: (c) => [arn(c, "imagebuilder", "*")],
    read: [
      "imagebuilder:GetComponent",
      "imagebuilder:GetDistributionConfiguration",
      "imagebuilder:GetImagePipeline",
      "imagebuilder:GetImageRecipe",
      "imagebuilder:GetInfrastructureConfiguration",
      "imagebuilder:GetWorkflow",
      "imagebuilder:ListTagsForResource",
    ],
    write: [
      "imagebuilder:CreateComponent",
      "imagebuilder:DeleteComponent",
      "imagebuilder:CreateDistributionConfiguration",
      "imagebuilder:UpdateDistributionConfiguration",
      "imagebuilder:DeleteDistributionConfiguration",
      "imagebuilder:CreateImagePipeline",
      "imagebuilder:UpdateImagePipeline",
      "imagebuilder:DeleteImagePipeline",
      "imagebuilder:CreateImageRecipe",
      "imagebuilder:DeleteImageRecipe",
      "imagebuilder:CreateInfrastructureConfiguration",
      "imagebuilder:UpdateInfrastructureConfiguration",
      "imagebuilder:DeleteInfrastructureConfiguration",
      "imagebuilder:TagResource",
      "imagebuilder:UntagResource",
      // aws_imagebuilder_lifecycle_policy (internal/service/imagebuilder/lifecycle_policy.go).
      "imagebuilder:CreateLifecyclePolicy",
      "imagebuilder:UpdateLifecyclePolicy",
      "imagebuilder:DeleteLifecyclePolicy",
    ],
    unscopedRead: ["imagebuilder:GetLifecyclePolicy"],
  },
  ssm: {
    types: ["aws_ssm_"],
    resources: (c) => [arn(c, "ssm", "parameter/*"), arn(c, "ssm", `document/${c.namePrefix}-*`)],
    read: ["ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource", "ssm:GetDocument", "ssm:DescribeDocument", "ssm:DescribeDocumentPermission"],
    write: [
      "ssm:PutParameter",
      "ssm:DeleteParameter",
      "ssm:AddTagsToResource",
      "ssm:RemoveTagsFromResource",
      "ssm:CreateDocument",
      "ssm:UpdateDocument",
      "ssm:UpdateDocumentDefaultVersion",
      "ssm:DeleteDocument",
    ],
    unscopedRead: ["ssm:DescribeParameters"],
  },
  ec2LaunchTemplate: {
    types: ["aws_launch_template"],
    resources: (c) => [arn(c, "ec2", "launch-template/*")],
    read: [],
    write: ["ec2:CreateLaunchTemplate", "ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplate", "ec2:CreateTags"],
    unscopedRead: ["ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"],
  },
  // The AMI loop's example fleet (internal/service/autoscaling/group.go); Describe* take no resource.
  autoscaling: {
    types: ["aws_autoscaling_group"],
    resources: (c) => [arn(c, "autoscaling", `autoScalingGroup:*:autoScalingGroupName/${c.namePrefix}-*`)],
    read: [],
    write: ["autoscaling:CreateAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup", "autoscaling:DeleteAutoScalingGroup", "autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags"],
    unscopedRead: ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeScalingActivities", "autoscaling:DescribeLifecycleHooks", "autoscaling:DescribeWarmPool", "autoscaling:DescribeTrafficSources"],
  },
  // The AMI loop's parameter shares (internal/service/ram/resource_share.go, resource_association.go, principal_association.go).
  ram: {
    types: ["aws_ram_"],
    resources: (c) => [arn(c, "ram", "resource-share/*")],
    read: ["ram:ListResourceSharePermissions"],
    write: ["ram:CreateResourceShare", "ram:UpdateResourceShare", "ram:DeleteResourceShare", "ram:AssociateResourceShare", "ram:DisassociateResourceShare", "ram:TagResource", "ram:UntagResource"],
    unscopedRead: ["ram:GetResourceShares", "ram:GetResourceShareAssociations"],
  },
};

/** The entry that covers a resource type, or undefined. */
export function permissionsFor(type: string): { readonly service: string; readonly permissions: ServicePermissions } | undefined {
  for (const [service, permissions] of Object.entries(DEPLOY_PERMISSIONS)) {
    if (permissions.types.some((covered) => (covered.endsWith("_") ? type.startsWith(covered) : type === covered))) return { service, permissions };
  }
  return undefined;
}

/** The services the given resource types need, sorted; throws naming every uncovered type. */
export function servicesFor(types: Iterable<string>): string[] {
  const services = new Set<string>();
  const missing: string[] = [];
  for (const type of types) {
    const found = permissionsFor(type);
    if (found === undefined) missing.push(type);
    else services.add(found.service);
  }
  if (missing.length > 0) {
    throw new Error(
      `ciAccess: no deploy permissions for resource type(s) ${[...new Set(missing)].sort().join(", ")}; ` +
        `add their read and write actions to DEPLOY_PERMISSIONS in stacks/constructs/deploy-permissions.ts`,
    );
  }
  return [...services].sort();
}
