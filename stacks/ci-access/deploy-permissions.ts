/**
 * What Terraform (hashicorp/aws 5.100.0) calls in AWS to plan (refresh) and apply the workload stacks,
 * per resource type, per argument the stacks set, and per data source, as data.
 *
 * Each entry names the calls the provider makes to create, read, update and delete the resource, read
 * from its source file (`internal/service/<service>/<file>.go` in hashicorp/terraform-provider-aws),
 * and the IAM resources they are limited to (a scope). The plan role gets every `read` call of what
 * the stacks declare; the apply role gets every call. An argument's entry adds the calls that only
 * that argument (or only some of its values) causes, including what AWS itself checks at apply time
 * (the Service Authorization Reference and the service guides, cited where they are the source).
 *
 * A resource type, data source or argument missing here fails synth of the ci-access stack (and the
 * coverage test) with what to add: a new resource cannot reach CI without its permissions reviewed.
 */
import { arnAt, ec2ImageArn, formatArn, iamArn, type AwsLocation } from "../../aws/arn";
import { STAR_ONLY_ACTIONS } from "../../aws/iam-star-only";
import { VENDED_LOG_DELIVERY_ACTIONS } from "../../aws/logs";

export interface ScopeCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

/**
 * The resources of a scope in the stack's region and in each of `otherRegions` (blocks declared with an
 * aliased provider), without repeats: a global service's ARNs (IAM) are the same in every region.
 */
export function scopeResources(scope: Scope, location: AwsLocation, namePrefix: string, otherRegions: Iterable<string> = []): string[] {
  const regions = [location.region, ...[...otherRegions].filter((region) => region !== location.region).sort()];
  return [...new Set(regions.flatMap((region) => scope.resources({ ...location, region }, namePrefix)))];
}

/** The IAM resources (and conditions) a group of actions is granted on. */
export interface Scope {
  /** The resources in `location` (the stacks' partition, region and account); `namePrefix` (`<project>-<environment>`) starts every name the app chooses. */
  readonly resources: (location: AwsLocation, namePrefix: string) => readonly string[];
  readonly conditions?: readonly ScopeCondition[];
}

/** The service-linked role CloudWatch creates for the first alarm with an OpsItem action. */
export const ALARMS_SSM_SERVICE = "ssm.alarms.cloudwatch.amazonaws.com";

/** The service-linked role CreateAutoScalingGroup creates when the account has none. */
export const AUTOSCALING_SERVICE = "autoscaling.amazonaws.com";

/** Scopes, by name. Names in ARNs start with `<project>-<environment>-` wherever the ARN holds a name the app chooses. */
export const SCOPES = {
  any: { resources: () => ["*"] },
  sqsQueues: { resources: (c, prefix) => [arnAt(c, "sqs", `${prefix}-*`)] },
  snsTopics: { resources: (c, prefix) => [arnAt(c, "sns", `${prefix}-*`)] },
  // Key IDs are random; "all keys in the account and Region" is also what tags in CreateKey need (KMS guide, manage-tags-api).
  kmsKeys: { resources: (c) => [arnAt(c, "kms", "key/*")] },
  kmsAliases: { resources: (c, prefix) => [arnAt(c, "kms", `alias/${prefix}-*`)] },
  iamRoles: { resources: (c, prefix) => [iamArn(c, `role/${prefix}-*`)] },
  iamInstanceProfiles: { resources: (c, prefix) => [iamArn(c, `instance-profile/${prefix}-*`)] },
  alarmsSsmServiceLinkedRole: {
    resources: (c) => [iamArn(c, `role/aws-service-role/${ALARMS_SSM_SERVICE}/AWSServiceRoleForCloudWatchAlarms_ActionSSM`)],
    conditions: [{ test: "StringEquals", variable: "iam:AWSServiceName", values: [ALARMS_SSM_SERVICE] }],
  },
  // https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html
  autoscalingServiceLinkedRole: {
    resources: (c) => [iamArn(c, `role/aws-service-role/${AUTOSCALING_SERVICE}/AWSServiceRoleForAutoScaling`)],
    conditions: [{ test: "StringEquals", variable: "iam:AWSServiceName", values: [AUTOSCALING_SERVICE] }],
  },
  // Log group names follow the service (/aws/lambda/, /aws/vendedlogs/, /aws/events/): this account and region.
  logGroups: { resources: (c) => [arnAt(c, "logs", "log-group:*")] },
  events: { resources: (c, prefix) => [arnAt(c, "events", `event-bus/${prefix}-*`), arnAt(c, "events", `rule/${prefix}-*`)] },
  alarms: { resources: (c, prefix) => [arnAt(c, "cloudwatch", `alarm:${prefix}-*`)] },
  lambdaFunctions: { resources: (c, prefix) => [arnAt(c, "lambda", `function:${prefix}-*`)] },
  lambdaEventSourceMappings: { resources: (c) => [arnAt(c, "lambda", "event-source-mapping:*")] },
  // API IDs are random: this region's HTTP APIs and their tags (API Gateway's ARNs have no account).
  httpApis: {
    resources: (c) =>
      ["/apis", "/apis/*", "/tags/*"].map((resource) => formatArn({ partition: c.partition, service: "apigateway", region: c.region, resource })),
  },
  appconfig: { resources: (c) => [arnAt(c, "appconfig", "application/*"), arnAt(c, "appconfig", "deploymentstrategy/*")] },
  kinesisStreams: { resources: (c, prefix) => [arnAt(c, "kinesis", `stream/${prefix}-*`)] },
  // Start/StopStreamEncryption authorize on the stream and on the KMS key (both required resource types,
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonkinesisdatastreams.html).
  kinesisStreamEncryption: { resources: (c, prefix) => [arnAt(c, "kinesis", `stream/${prefix}-*`), arnAt(c, "kms", "key/*")] },
  stateMachines: { resources: (c, prefix) => [arnAt(c, "states", `stateMachine:${prefix}-*`)] },
  imagebuilder: { resources: (c) => [arnAt(c, "imagebuilder", "*")] },
  ssmParameters: { resources: (c) => [arnAt(c, "ssm", "parameter/*")] },
  // AWS's public parameters have no account in their ARN (seeds read at plan time: /aws/service/ami-amazon-linux-latest/...).
  publicSsmParameters: { resources: (c) => [formatArn({ partition: c.partition, service: "ssm", region: c.region, resource: "parameter/aws/service/*" })] },
  launchTemplates: { resources: (c) => [arnAt(c, "ec2", "launch-template/*")] },
  autoScalingGroups: {
    resources: (c, prefix) => [arnAt(c, "autoscaling", `autoScalingGroup:*:autoScalingGroupName/${prefix}-*`)],
  },
  // What ec2:RunInstances touches when Auto Scaling checks (and later uses) a group's launch template.
  // AMIs have no account in their ARN; subnets and security groups are the account's own.
  ec2Launch: {
    resources: (c) => [
      arnAt(c, "ec2", "launch-template/*"),
      ec2ImageArn(c, "*"),
      ...["instance/*", "volume/*", "network-interface/*", "subnet/*", "security-group/*"].map((resource) => arnAt(c, "ec2", resource)),
    ],
  },
  ec2LaunchTags: {
    resources: (c) => ["instance/*", "volume/*", "network-interface/*"].map((resource) => arnAt(c, "ec2", resource)),
    conditions: [{ test: "StringEquals", variable: "ec2:CreateAction", values: ["RunInstances"] }],
  },
  // No action the table grants on a share takes resource-share-invitation (Service Authorization Reference, list_awsresourceaccessmanagerram.html).
  ramShares: { resources: (c) => [arnAt(c, "ram", "resource-share/*")] },
} satisfies Record<string, Scope>;

export type ScopeName = keyof typeof SCOPES;

/** The calls of one CRUD phase, granted on a scope. */
export interface Grant {
  readonly scope: ScopeName;
  readonly actions: readonly string[];
}

/** Calls by phase: `read` is what plan (refresh) calls; apply calls all four. */
export interface Calls {
  readonly create?: readonly Grant[];
  readonly read?: readonly Grant[];
  readonly update?: readonly Grant[];
  readonly delete?: readonly Grant[];
}

export interface ArgumentPermissions extends Calls {
  /** Why these calls (or why none beyond the type's own). */
  readonly why: string;
  /** Where it comes from, when not the type's source file. */
  readonly source?: string;
  /** The calls apply only to values for which this holds (e.g. `resolve:ssm:` image IDs). @default every value */
  readonly when?: (value: unknown) => boolean;
  /** A value the table does not cover: returns the problem (the coverage check reports it). @default every value covered */
  readonly unsupported?: (value: unknown) => string | undefined;
}

export interface ResourcePermissions extends Calls {
  /** The provider file the calls were read from (hashicorp/terraform-provider-aws). */
  readonly source: string;
  /** Every argument the stacks may set; `{ why }` alone means the type's calls already cover it. */
  readonly arguments: Readonly<Record<string, ArgumentPermissions>>;
}

const PROVIDER = "hashicorp/terraform-provider-aws";
const src = (file: string): string => `${PROVIDER} internal/service/${file}`;
const g = (scope: ScopeName, ...actions: string[]): Grant => ({ scope, actions });
const sent = (request: string): ArgumentPermissions => ({ why: `sent in ${request}; no other call` });
/** Arguments that go into the create/update request and nothing else. */
const inRequest = (request: string, ...names: string[]): Record<string, ArgumentPermissions> => Object.fromEntries(names.map((name) => [name, sent(request)]));
const passRole = (why: string): ArgumentPermissions => ({
  why: `${why}: passing a role to a service needs iam:PassRole on it`,
  source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html",
  create: [g("iamRoles", "iam:PassRole")],
  update: [g("iamRoles", "iam:PassRole")],
});
const LOG_DELIVERY = VENDED_LOG_DELIVERY_ACTIONS;
const isObjectWith = (value: unknown, key: string): boolean => JSON.stringify(value ?? null).includes(`"${key}"`);

/**
 * Per resource type. Tags: the provider sends default_tags in the create request and reads them back
 * (from the read's own output, or through ListTagsForResource when the read returns none: the
 * provider's transparent tagging, internal/provider/intercept.go), so every taggable type has its tag calls.
 */
export const RESOURCE_PERMISSIONS: Readonly<Record<string, ResourcePermissions>> = {
  aws_sqs_queue: {
    source: src("sqs/queue.go"),
    create: [g("sqsQueues", "sqs:CreateQueue", "sqs:TagQueue", "sqs:GetQueueAttributes")],
    read: [g("sqsQueues", "sqs:GetQueueAttributes", "sqs:ListQueueTags")],
    update: [g("sqsQueues", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue")],
    delete: [g("sqsQueues", "sqs:DeleteQueue")],
    arguments: inRequest(
      "CreateQueue / SetQueueAttributes attributes",
      "name",
      "message_retention_seconds",
      "sqs_managed_sse_enabled",
      "kms_master_key_id",
      "visibility_timeout_seconds",
      "redrive_policy",
      "fifo_queue",
      "content_based_deduplication",
      "delay_seconds",
      "receive_wait_time_seconds",
    ),
  },
  aws_sqs_queue_policy: {
    source: src("sqs/queue_policy.go"),
    create: [g("sqsQueues", "sqs:SetQueueAttributes", "sqs:GetQueueAttributes")],
    read: [g("sqsQueues", "sqs:GetQueueAttributes")],
    update: [g("sqsQueues", "sqs:SetQueueAttributes")],
    delete: [g("sqsQueues", "sqs:SetQueueAttributes")],
    arguments: inRequest("SetQueueAttributes (Policy)", "queue_url", "policy"),
  },
  aws_sns_topic: {
    source: src("sns/topic.go"),
    create: [g("snsTopics", "sns:CreateTopic", "sns:TagResource", "sns:SetTopicAttributes")],
    read: [g("snsTopics", "sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:GetDataProtectionPolicy")],
    update: [g("snsTopics", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource")],
    delete: [g("snsTopics", "sns:DeleteTopic")],
    arguments: inRequest("CreateTopic / SetTopicAttributes attributes", "name", "kms_master_key_id", "display_name", "fifo_topic"),
  },
  aws_sns_topic_policy: {
    source: src("sns/topic_policy.go"),
    create: [g("snsTopics", "sns:SetTopicAttributes")],
    read: [g("snsTopics", "sns:GetTopicAttributes")],
    update: [g("snsTopics", "sns:SetTopicAttributes")],
    delete: [g("snsTopics", "sns:SetTopicAttributes")],
    arguments: inRequest("SetTopicAttributes (Policy)", "arn", "policy"),
  },
  aws_sns_topic_subscription: {
    source: src("sns/topic_subscription.go"),
    create: [g("snsTopics", "sns:Subscribe", "sns:GetSubscriptionAttributes")],
    read: [g("snsTopics", "sns:GetSubscriptionAttributes")],
    update: [g("snsTopics", "sns:SetSubscriptionAttributes")],
    delete: [g("snsTopics", "sns:Unsubscribe")],
    arguments: inRequest(
      "Subscribe / SetSubscriptionAttributes",
      "topic_arn",
      "protocol",
      "endpoint",
      "redrive_policy",
      "filter_policy",
      "raw_message_delivery",
    ),
  },
  aws_kms_key: {
    source: src("kms/key.go"),
    // CreateKey carries the default tags: KMS then needs kms:TagResource on all keys of the account and
    // Region, not on one key (https://docs.aws.amazon.com/kms/latest/developerguide/manage-tags-api.html).
    create: [g("any", "kms:CreateKey"), g("kmsKeys", "kms:TagResource", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListResourceTags")],
    read: [g("kmsKeys", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags")],
    update: [g("kmsKeys", "kms:UpdateKeyDescription", "kms:TagResource", "kms:UntagResource")],
    delete: [g("kmsKeys", "kms:ScheduleKeyDeletion")],
    arguments: {
      ...inRequest("CreateKey / UpdateKeyDescription", "description", "key_usage", "customer_master_key_spec"),
      deletion_window_in_days: sent("ScheduleKeyDeletion (PendingWindowInDays)"),
      enable_key_rotation: {
        why: "EnableKeyRotation after CreateKey, Enable/DisableKeyRotation on change",
        create: [g("kmsKeys", "kms:EnableKeyRotation")],
        update: [g("kmsKeys", "kms:EnableKeyRotation", "kms:DisableKeyRotation")],
      },
      policy: { why: "PutKeyPolicy on change", update: [g("kmsKeys", "kms:PutKeyPolicy")] },
    },
  },
  aws_kms_key_policy: {
    source: src("kms/key_policy.go"),
    create: [g("kmsKeys", "kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey")],
    read: [g("kmsKeys", "kms:GetKeyPolicy", "kms:DescribeKey")],
    update: [g("kmsKeys", "kms:PutKeyPolicy")],
    // Delete puts the default key policy back.
    delete: [g("kmsKeys", "kms:PutKeyPolicy")],
    arguments: inRequest("PutKeyPolicy", "key_id", "policy", "bypass_policy_lockout_safety_check"),
  },
  aws_kms_alias: {
    source: src("kms/alias.go"),
    // CreateAlias is authorized on the alias and on the key (https://docs.aws.amazon.com/kms/latest/developerguide/alias-access.html).
    create: [g("kmsAliases", "kms:CreateAlias"), g("kmsKeys", "kms:CreateAlias")],
    read: [g("any", "kms:ListAliases")],
    update: [g("kmsAliases", "kms:UpdateAlias"), g("kmsKeys", "kms:UpdateAlias")],
    delete: [g("kmsAliases", "kms:DeleteAlias"), g("kmsKeys", "kms:DeleteAlias")],
    arguments: inRequest("CreateAlias / UpdateAlias", "name", "target_key_id"),
  },
  aws_iam_role: {
    source: src("iam/role.go"),
    create: [g("iamRoles", "iam:CreateRole", "iam:TagRole", "iam:GetRole")],
    read: [g("iamRoles", "iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies")],
    update: [g("iamRoles", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole")],
    // Delete first removes the role from its instance profiles.
    delete: [g("iamRoles", "iam:DeleteRole", "iam:ListInstanceProfilesForRole"), g("iamInstanceProfiles", "iam:RemoveRoleFromInstanceProfile")],
    arguments: inRequest("CreateRole / UpdateRole / UpdateAssumeRolePolicy", "name", "description", "assume_role_policy", "max_session_duration", "path"),
  },
  aws_iam_role_policy: {
    source: src("iam/role_policy.go"),
    create: [g("iamRoles", "iam:PutRolePolicy", "iam:GetRolePolicy")],
    read: [g("iamRoles", "iam:GetRolePolicy")],
    update: [g("iamRoles", "iam:PutRolePolicy")],
    delete: [g("iamRoles", "iam:DeleteRolePolicy")],
    arguments: inRequest("PutRolePolicy", "name", "role", "policy"),
  },
  aws_iam_role_policy_attachment: {
    source: src("iam/role_policy_attachment.go"),
    create: [g("iamRoles", "iam:AttachRolePolicy", "iam:ListAttachedRolePolicies")],
    read: [g("iamRoles", "iam:ListAttachedRolePolicies")],
    delete: [g("iamRoles", "iam:DetachRolePolicy")],
    arguments: inRequest("AttachRolePolicy", "role", "policy_arn"),
  },
  aws_iam_instance_profile: {
    source: src("iam/instance_profile.go"),
    create: [g("iamInstanceProfiles", "iam:CreateInstanceProfile", "iam:TagInstanceProfile", "iam:GetInstanceProfile")],
    read: [g("iamInstanceProfiles", "iam:GetInstanceProfile")],
    update: [g("iamInstanceProfiles", "iam:TagInstanceProfile", "iam:UntagInstanceProfile")],
    delete: [g("iamInstanceProfiles", "iam:DeleteInstanceProfile", "iam:RemoveRoleFromInstanceProfile")],
    arguments: {
      name: sent("CreateInstanceProfile"),
      role: {
        ...passRole("AddRoleToInstanceProfile"),
        create: [g("iamInstanceProfiles", "iam:AddRoleToInstanceProfile"), g("iamRoles", "iam:PassRole")],
        update: [g("iamInstanceProfiles", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"), g("iamRoles", "iam:PassRole")],
      },
    },
  },
  aws_cloudwatch_log_group: {
    source: src("logs/group.go"),
    create: [g("logGroups", "logs:CreateLogGroup", "logs:TagResource", "logs:PutRetentionPolicy"), g("any", "logs:DescribeLogGroups")],
    read: [g("any", "logs:DescribeLogGroups"), g("logGroups", "logs:ListTagsForResource")],
    update: [g("logGroups", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource")],
    delete: [g("logGroups", "logs:DeleteLogGroup")],
    arguments: {
      ...inRequest("CreateLogGroup / PutRetentionPolicy", "name", "retention_in_days", "log_group_class", "skip_destroy"),
      kms_key_id: {
        why: "CreateLogGroup (KmsKeyId), AssociateKmsKey / DisassociateKmsKey on change; CloudWatch Logs uses the key under the key policy, not the caller's",
        update: [g("logGroups", "logs:AssociateKmsKey", "logs:DisassociateKmsKey")],
      },
    },
  },
  aws_cloudwatch_log_resource_policy: {
    source: src("logs/resource_policy.go"),
    create: [g("any", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies")],
    read: [g("any", "logs:DescribeResourcePolicies")],
    update: [g("any", "logs:PutResourcePolicy")],
    delete: [g("any", "logs:DeleteResourcePolicy")],
    arguments: inRequest("PutResourcePolicy", "policy_name", "policy_document"),
  },
  aws_cloudwatch_metric_alarm: {
    source: src("cloudwatch/metric_alarm.go"),
    create: [g("alarms", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:DescribeAlarms")],
    read: [g("alarms", "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource")],
    update: [g("alarms", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource")],
    delete: [g("alarms", "cloudwatch:DeleteAlarms")],
    arguments: {
      ...inRequest(
        "PutMetricAlarm",
        "alarm_name",
        "alarm_description",
        "comparison_operator",
        "dimensions",
        "evaluation_periods",
        "datapoints_to_alarm",
        "metric_name",
        "namespace",
        "period",
        "statistic",
        "threshold",
        "treat_missing_data",
        "insufficient_data_actions",
      ),
      ...Object.fromEntries(
        ["alarm_actions", "ok_actions"].map((name) => [
          name,
          {
            why: "an OpsItem action: the first such alarm in the account makes CloudWatch create AWSServiceRoleForCloudWatchAlarms_ActionSSM as the caller (SNS actions need nothing more)",
            source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
            when: (value: unknown) => JSON.stringify(value ?? null).includes(":opsitem:"),
            create: [g("alarmsSsmServiceLinkedRole", "iam:CreateServiceLinkedRole")],
            update: [g("alarmsSsmServiceLinkedRole", "iam:CreateServiceLinkedRole")],
          } satisfies ArgumentPermissions,
        ]),
      ),
    },
  },
  aws_lambda_function: {
    source: src("lambda/function.go"),
    create: [g("lambdaFunctions", "lambda:CreateFunction", "lambda:TagResource", "lambda:GetFunction", "lambda:GetFunctionConfiguration")],
    // Read: GetFunction, the latest version (ListVersionsByFunction) and, in the commercial partition, GetFunctionCodeSigningConfig.
    read: [g("lambdaFunctions", "lambda:GetFunction", "lambda:ListVersionsByFunction", "lambda:GetFunctionCodeSigningConfig")],
    update: [
      g(
        "lambdaFunctions",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:GetFunctionConfiguration",
        "lambda:TagResource",
        "lambda:UntagResource",
      ),
    ],
    delete: [g("lambdaFunctions", "lambda:DeleteFunction")],
    arguments: {
      ...inRequest(
        "CreateFunction / UpdateFunctionConfiguration / UpdateFunctionCode",
        "function_name",
        "description",
        "handler",
        "runtime",
        "architectures",
        "memory_size",
        "timeout",
        "environment",
        "filename",
        "source_code_hash",
      ),
      role: passRole("CreateFunction / UpdateFunctionConfiguration (Role)"),
      logging_config: {
        why: "sent in CreateFunction / UpdateFunctionConfiguration; the function's role writes the logs at run time, the caller needs nothing more",
      },
      tracing_config: {
        why: "sent in CreateFunction / UpdateFunctionConfiguration; xray:PutTraceSegments and xray:PutTelemetryRecords are run-time permissions of the function's role, not deploy permissions",
        source: "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html",
      },
      reserved_concurrent_executions: {
        why: "PutFunctionConcurrency after CreateFunction; Put/DeleteFunctionConcurrency on change",
        create: [g("lambdaFunctions", "lambda:PutFunctionConcurrency")],
        update: [g("lambdaFunctions", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency")],
      },
    },
  },
  aws_lambda_function_event_invoke_config: {
    source: src("lambda/function_event_invoke_config.go"),
    create: [g("lambdaFunctions", "lambda:PutFunctionEventInvokeConfig", "lambda:GetFunctionEventInvokeConfig")],
    read: [g("lambdaFunctions", "lambda:GetFunctionEventInvokeConfig")],
    update: [g("lambdaFunctions", "lambda:PutFunctionEventInvokeConfig")],
    delete: [g("lambdaFunctions", "lambda:DeleteFunctionEventInvokeConfig")],
    arguments: {
      ...inRequest("PutFunctionEventInvokeConfig", "function_name", "qualifier", "maximum_event_age_in_seconds", "maximum_retry_attempts"),
      destination_config: { why: "sent in PutFunctionEventInvokeConfig; the function's role sends to the destination at run time" },
    },
  },
  aws_lambda_permission: {
    source: src("lambda/permission.go"),
    create: [g("lambdaFunctions", "lambda:AddPermission", "lambda:GetPolicy")],
    read: [g("lambdaFunctions", "lambda:GetPolicy")],
    delete: [g("lambdaFunctions", "lambda:RemovePermission")],
    arguments: inRequest("AddPermission", "action", "function_name", "principal", "source_arn", "source_account", "statement_id", "qualifier"),
  },
  aws_lambda_event_source_mapping: {
    source: src("lambda/event_source_mapping.go"),
    create: [
      g("any", "lambda:CreateEventSourceMapping"),
      g("lambdaEventSourceMappings", "lambda:GetEventSourceMapping", "lambda:TagResource", "lambda:ListTags"),
    ],
    read: [g("lambdaEventSourceMappings", "lambda:GetEventSourceMapping", "lambda:ListTags")],
    update: [g("lambdaEventSourceMappings", "lambda:UpdateEventSourceMapping", "lambda:TagResource", "lambda:UntagResource")],
    delete: [g("lambdaEventSourceMappings", "lambda:DeleteEventSourceMapping")],
    arguments: inRequest(
      "CreateEventSourceMapping / UpdateEventSourceMapping (Lambda checks the function's role can read the queue, not the caller)",
      "event_source_arn",
      "function_name",
      "batch_size",
      "function_response_types",
      "maximum_batching_window_in_seconds",
      "scaling_config",
      "enabled",
    ),
  },
  aws_launch_template: {
    source: src("ec2/ec2_launch_template.go"),
    // Default tags go into TagSpecifications of CreateLaunchTemplate: ec2:CreateTags on the template.
    create: [g("launchTemplates", "ec2:CreateLaunchTemplate", "ec2:CreateTags"), g("any", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions")],
    read: [g("any", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions")],
    update: [g("launchTemplates", "ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate", "ec2:CreateTags", "ec2:DeleteTags")],
    delete: [g("launchTemplates", "ec2:DeleteLaunchTemplate")],
    arguments: {
      ...inRequest(
        "CreateLaunchTemplate / CreateLaunchTemplateVersion (LaunchTemplateData)",
        "name",
        "description",
        "instance_type",
        "metadata_options",
        "update_default_version",
      ),
      image_id: {
        why: "resolve:ssm: — EC2 reads the parameter with the caller's credentials when the template or a version is created",
        source: "https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html",
        when: (value: unknown) => typeof value === "string" && value.startsWith("resolve:ssm:"),
        create: [g("ssmParameters", "ssm:GetParameters")],
        update: [g("ssmParameters", "ssm:GetParameters")],
      },
      iam_instance_profile: passRole("LaunchTemplateData.IamInstanceProfile"),
    },
  },
  aws_autoscaling_group: {
    source: src("autoscaling/group.go"),
    create: [
      g("autoScalingGroups", "autoscaling:CreateAutoScalingGroup", "autoscaling:CreateOrUpdateTags"),
      g("any", "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeScalingActivities"),
      // CreateAutoScalingGroup creates AWSServiceRoleForAutoScaling as the caller when the account has none
      // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html).
      g("autoscalingServiceLinkedRole", "iam:CreateServiceLinkedRole"),
    ],
    read: [g("any", "autoscaling:DescribeAutoScalingGroups")],
    update: [g("autoScalingGroups", "autoscaling:UpdateAutoScalingGroup", "autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags")],
    delete: [
      g("autoScalingGroups", "autoscaling:DeleteAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup"),
      g("any", "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeScalingActivities"),
    ],
    arguments: {
      ...inRequest(
        "CreateAutoScalingGroup / UpdateAutoScalingGroup",
        "name",
        "min_size",
        "max_size",
        "desired_capacity",
        "vpc_zone_identifier",
        "availability_zones",
        "health_check_type",
      ),
      launch_template: {
        why: "Auto Scaling checks that the caller may launch with the template: ec2:RunInstances on what it launches, ec2:CreateTags on it in RunInstances, and ssm:GetParameters for a resolve:ssm: image",
        source: "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html",
        create: [g("ec2Launch", "ec2:RunInstances"), g("ec2LaunchTags", "ec2:CreateTags"), g("ssmParameters", "ssm:GetParameters")],
        update: [g("ec2Launch", "ec2:RunInstances"), g("ec2LaunchTags", "ec2:CreateTags"), g("ssmParameters", "ssm:GetParameters")],
      },
    },
  },
  aws_sfn_state_machine: {
    source: src("sfn/state_machine.go"),
    create: [g("stateMachines", "states:CreateStateMachine", "states:TagResource", "states:DescribeStateMachine", "states:ListStateMachineVersions")],
    // CustomizeDiff (stateMachineDefinitionValidate) calls ValidateStateMachineDefinition while planning.
    read: [
      g("stateMachines", "states:DescribeStateMachine", "states:ListStateMachineVersions", "states:ListTagsForResource"),
      g("any", "states:ValidateStateMachineDefinition"),
    ],
    update: [g("stateMachines", "states:UpdateStateMachine", "states:TagResource", "states:UntagResource")],
    delete: [g("stateMachines", "states:DeleteStateMachine", "states:DescribeStateMachine")],
    arguments: {
      ...inRequest("CreateStateMachine / UpdateStateMachine", "name", "definition", "type", "publish"),
      role_arn: passRole("CreateStateMachine / UpdateStateMachine (RoleArn)"),
      logging_configuration: {
        why: "logs to CloudWatch Logs through vended log delivery, which Step Functions sets up with the caller's credentials",
        source: "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html",
        create: [g("any", ...LOG_DELIVERY)],
        update: [g("any", ...LOG_DELIVERY)],
        delete: [g("any", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:GetLogDelivery")],
      },
      tracing_configuration: {
        why: "sent in CreateStateMachine; X-Ray writes are the state machine role's run-time permissions",
        source: "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html",
      },
      encryption_configuration: {
        why: "an AWS owned key: nothing more (a customer managed key makes Step Functions call KMS with the caller's credentials)",
        source: "https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html",
        unsupported: (value) =>
          isObjectWith(value, "kms_key_id")
            ? "encryption_configuration with a customer managed key: add the kms:GenerateDataKey/kms:Decrypt grant on that key"
            : undefined,
      },
    },
  },
  aws_cloudwatch_event_bus: {
    source: src("events/bus.go"),
    create: [g("events", "events:CreateEventBus", "events:TagResource", "events:DescribeEventBus")],
    read: [g("events", "events:DescribeEventBus", "events:ListTagsForResource")],
    update: [g("events", "events:UpdateEventBus", "events:TagResource", "events:UntagResource")],
    delete: [g("events", "events:DeleteEventBus")],
    arguments: inRequest("CreateEventBus / UpdateEventBus", "name", "description"),
  },
  aws_cloudwatch_event_rule: {
    source: src("events/rule.go"),
    create: [g("events", "events:PutRule", "events:TagResource", "events:DescribeRule")],
    read: [g("events", "events:DescribeRule", "events:ListTagsForResource")],
    update: [g("events", "events:PutRule", "events:EnableRule", "events:DisableRule", "events:TagResource", "events:UntagResource")],
    delete: [g("events", "events:DeleteRule", "events:ListTargetsByRule")],
    arguments: {
      ...inRequest("PutRule", "name", "description", "event_bus_name", "event_pattern", "schedule_expression", "state"),
      role_arn: passRole("PutRule (RoleArn)"),
    },
  },
  aws_cloudwatch_event_target: {
    source: src("events/target.go"),
    create: [g("events", "events:PutTargets", "events:ListTargetsByRule")],
    read: [g("events", "events:ListTargetsByRule")],
    update: [g("events", "events:PutTargets")],
    delete: [g("events", "events:RemoveTargets")],
    arguments: {
      ...inRequest("PutTargets", "arn", "rule", "event_bus_name", "target_id", "input", "input_path", "dead_letter_config", "retry_policy"),
      role_arn: passRole("PutTargets (RoleArn)"),
    },
  },
  aws_kinesis_stream: {
    source: src("kinesis/stream.go"),
    create: [g("kinesisStreams", "kinesis:CreateStream", "kinesis:AddTagsToStream", "kinesis:DescribeStreamSummary")],
    read: [g("kinesisStreams", "kinesis:DescribeStreamSummary", "kinesis:DescribeStream", "kinesis:ListTagsForStream")],
    update: [g("kinesisStreams", "kinesis:AddTagsToStream", "kinesis:RemoveTagsFromStream", "kinesis:DescribeStreamSummary")],
    delete: [g("kinesisStreams", "kinesis:DeleteStream", "kinesis:DescribeStreamSummary")],
    arguments: {
      name: sent("CreateStream"),
      shard_count: { why: "CreateStream; UpdateShardCount on change", update: [g("kinesisStreams", "kinesis:UpdateShardCount")] },
      stream_mode_details: { why: "CreateStream; UpdateStreamMode on change", update: [g("kinesisStreams", "kinesis:UpdateStreamMode")] },
      retention_period: {
        why: "Increase/DecreaseStreamRetentionPeriod after CreateStream when not 24 hours, and on change",
        create: [g("kinesisStreams", "kinesis:IncreaseStreamRetentionPeriod")],
        update: [g("kinesisStreams", "kinesis:IncreaseStreamRetentionPeriod", "kinesis:DecreaseStreamRetentionPeriod")],
      },
      encryption_type: {
        why: "StartStreamEncryption after CreateStream, Start/StopStreamEncryption on change",
        create: [g("kinesisStreamEncryption", "kinesis:StartStreamEncryption")],
        update: [g("kinesisStreamEncryption", "kinesis:StartStreamEncryption", "kinesis:StopStreamEncryption")],
      },
      kms_key_id: {
        why: "the AWS managed key alias/aws/kinesis: nothing more (a customer managed key needs kms:GenerateDataKey for the caller)",
        source: "https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html",
        unsupported: (value) => (value === "alias/aws/kinesis" ? undefined : `kms_key_id ${JSON.stringify(value)}: add the grant on that customer managed key`),
      },
      shard_level_metrics: {
        why: "Enable/DisableEnhancedMonitoring",
        create: [g("kinesisStreams", "kinesis:EnableEnhancedMonitoring")],
        update: [g("kinesisStreams", "kinesis:EnableEnhancedMonitoring", "kinesis:DisableEnhancedMonitoring")],
      },
    },
  },
  ...Object.fromEntries(
    (
      [
        ["aws_apigatewayv2_api", "apigatewayv2/api.go", ["name", "description", "protocol_type", "cors_configuration", "disable_execute_api_endpoint", "body"]],
        ["aws_apigatewayv2_authorizer", "apigatewayv2/authorizer.go", ["api_id", "name", "authorizer_type", "identity_sources", "jwt_configuration"]],
        ["aws_apigatewayv2_route", "apigatewayv2/route.go", ["api_id", "route_key", "target", "authorization_type", "authorizer_id", "authorization_scopes"]],
        [
          "aws_apigatewayv2_integration",
          "apigatewayv2/integration.go",
          ["api_id", "description", "integration_type", "integration_subtype", "payload_format_version", "request_parameters", "timeout_milliseconds"],
        ],
        ["aws_apigatewayv2_stage", "apigatewayv2/stage.go", ["api_id", "name", "auto_deploy", "default_route_settings", "route_settings"]],
      ] as const
    ).map(([type, file, names]) => [
      type,
      {
        source: src(file),
        // API Gateway authorizes management calls by HTTP method on the resource path (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigatewaymanagement.html).
        create: [g("httpApis", "apigateway:POST", "apigateway:GET", "apigateway:PUT")],
        read: [g("httpApis", "apigateway:GET")],
        update: [g("httpApis", "apigateway:PATCH", "apigateway:PUT", "apigateway:POST", "apigateway:DELETE")],
        delete: [g("httpApis", "apigateway:DELETE")],
        arguments: {
          ...inRequest("the create / update request", ...names),
          ...(type === "aws_apigatewayv2_integration" ? { credentials_arn: passRole("the integration's credentials role") } : {}),
          ...(type === "aws_apigatewayv2_stage"
            ? {
                access_log_settings: {
                  why: "access logs to CloudWatch Logs: API Gateway sets up vended log delivery with the caller's credentials",
                  source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html",
                  create: [g("any", ...LOG_DELIVERY)],
                  update: [g("any", ...LOG_DELIVERY)],
                  delete: [g("any", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:GetLogDelivery")],
                },
              }
            : {}),
        },
      } satisfies ResourcePermissions,
    ]),
  ),
  aws_appconfig_application: {
    source: src("appconfig/application.go"),
    create: [g("appconfig", "appconfig:CreateApplication", "appconfig:TagResource")],
    read: [g("appconfig", "appconfig:GetApplication", "appconfig:ListTagsForResource")],
    update: [g("appconfig", "appconfig:UpdateApplication", "appconfig:TagResource", "appconfig:UntagResource")],
    delete: [g("appconfig", "appconfig:DeleteApplication")],
    arguments: inRequest("CreateApplication / UpdateApplication", "name", "description"),
  },
  aws_appconfig_environment: {
    source: src("appconfig/environment.go"),
    create: [g("appconfig", "appconfig:CreateEnvironment", "appconfig:TagResource")],
    read: [g("appconfig", "appconfig:GetEnvironment", "appconfig:ListTagsForResource")],
    update: [g("appconfig", "appconfig:UpdateEnvironment", "appconfig:TagResource", "appconfig:UntagResource")],
    delete: [g("appconfig", "appconfig:DeleteEnvironment")],
    arguments: inRequest("CreateEnvironment / UpdateEnvironment", "application_id", "name", "description"),
  },
  aws_appconfig_configuration_profile: {
    source: src("appconfig/configuration_profile.go"),
    create: [g("appconfig", "appconfig:CreateConfigurationProfile", "appconfig:TagResource")],
    read: [g("appconfig", "appconfig:GetConfigurationProfile", "appconfig:ListTagsForResource")],
    update: [g("appconfig", "appconfig:UpdateConfigurationProfile", "appconfig:TagResource", "appconfig:UntagResource")],
    delete: [g("appconfig", "appconfig:DeleteConfigurationProfile")],
    arguments: {
      ...inRequest("CreateConfigurationProfile / UpdateConfigurationProfile", "application_id", "name", "description", "type"),
      location_uri: {
        why: '"hosted": AppConfig keeps the content; another store would be read with a retrieval role',
        unsupported: (value) => (value === "hosted" ? undefined : `location_uri ${JSON.stringify(value)}: add iam:PassRole on its retrieval_role_arn`),
      },
    },
  },
  aws_appconfig_hosted_configuration_version: {
    source: src("appconfig/hosted_configuration_version.go"),
    create: [g("appconfig", "appconfig:CreateHostedConfigurationVersion")],
    read: [g("appconfig", "appconfig:GetHostedConfigurationVersion")],
    delete: [g("appconfig", "appconfig:DeleteHostedConfigurationVersion")],
    arguments: inRequest("CreateHostedConfigurationVersion", "application_id", "configuration_profile_id", "content", "content_type", "description"),
  },
  aws_appconfig_deployment: {
    source: src("appconfig/deployment.go"),
    create: [g("appconfig", "appconfig:StartDeployment", "appconfig:GetDeployment", "appconfig:TagResource")],
    read: [g("appconfig", "appconfig:GetDeployment", "appconfig:ListTagsForResource")],
    update: [g("appconfig", "appconfig:TagResource", "appconfig:UntagResource")],
    // Delete only forgets it: a deployment cannot be deleted.
    arguments: inRequest(
      "StartDeployment (the predefined AppConfig.AllAtOnce strategy is deploymentstrategy/AppConfig.AllAtOnce in this account's ARN space)",
      "application_id",
      "configuration_profile_id",
      "configuration_version",
      "deployment_strategy_id",
      "environment_id",
      "description",
    ),
  },
  aws_imagebuilder_component: {
    source: src("imagebuilder/component.go"),
    create: [g("imagebuilder", "imagebuilder:CreateComponent", "imagebuilder:TagResource", "imagebuilder:GetComponent")],
    read: [g("imagebuilder", "imagebuilder:GetComponent", "imagebuilder:ListTagsForResource")],
    update: [g("imagebuilder", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
    delete: [g("imagebuilder", "imagebuilder:DeleteComponent")],
    arguments: inRequest("CreateComponent", "name", "version", "platform", "data", "description", "change_description", "supported_os_versions"),
  },
  aws_imagebuilder_image_recipe: {
    source: src("imagebuilder/image_recipe.go"),
    create: [g("imagebuilder", "imagebuilder:CreateImageRecipe", "imagebuilder:TagResource", "imagebuilder:GetImageRecipe", "imagebuilder:GetComponent")],
    read: [g("imagebuilder", "imagebuilder:GetImageRecipe", "imagebuilder:ListTagsForResource")],
    update: [g("imagebuilder", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
    delete: [g("imagebuilder", "imagebuilder:DeleteImageRecipe")],
    arguments: inRequest(
      "CreateImageRecipe (an AWS-managed parent image needs no grant)",
      "name",
      "version",
      "parent_image",
      "component",
      "block_device_mapping",
      "working_directory",
      "description",
    ),
  },
  aws_imagebuilder_infrastructure_configuration: {
    source: src("imagebuilder/infrastructure_configuration.go"),
    create: [g("imagebuilder", "imagebuilder:CreateInfrastructureConfiguration", "imagebuilder:TagResource", "imagebuilder:GetInfrastructureConfiguration")],
    read: [g("imagebuilder", "imagebuilder:GetInfrastructureConfiguration", "imagebuilder:ListTagsForResource")],
    update: [g("imagebuilder", "imagebuilder:UpdateInfrastructureConfiguration", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
    delete: [g("imagebuilder", "imagebuilder:DeleteInfrastructureConfiguration")],
    arguments: {
      ...inRequest(
        "CreateInfrastructureConfiguration / UpdateInfrastructureConfiguration",
        "name",
        "description",
        "instance_types",
        "instance_metadata_options",
        "sns_topic_arn",
        "terminate_instance_on_failure",
      ),
      instance_profile_name: passRole("the instance profile's role, passed to EC2 instances Image Builder launches"),
    },
  },
  aws_imagebuilder_distribution_configuration: {
    source: src("imagebuilder/distribution_configuration.go"),
    create: [g("imagebuilder", "imagebuilder:CreateDistributionConfiguration", "imagebuilder:TagResource", "imagebuilder:GetDistributionConfiguration")],
    read: [g("imagebuilder", "imagebuilder:GetDistributionConfiguration", "imagebuilder:ListTagsForResource")],
    update: [g("imagebuilder", "imagebuilder:UpdateDistributionConfiguration", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
    delete: [g("imagebuilder", "imagebuilder:DeleteDistributionConfiguration")],
    arguments: inRequest(
      "CreateDistributionConfiguration (ssm_parameter_configuration is written at build time by the pipeline's execution role, not the caller)",
      "name",
      "description",
      "distribution",
    ),
  },
  aws_imagebuilder_image_pipeline: {
    source: src("imagebuilder/image_pipeline.go"),
    create: [g("imagebuilder", "imagebuilder:CreateImagePipeline", "imagebuilder:TagResource", "imagebuilder:GetImagePipeline")],
    read: [g("imagebuilder", "imagebuilder:GetImagePipeline", "imagebuilder:ListTagsForResource")],
    update: [g("imagebuilder", "imagebuilder:UpdateImagePipeline", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
    delete: [g("imagebuilder", "imagebuilder:DeleteImagePipeline")],
    arguments: {
      ...inRequest(
        "CreateImagePipeline / UpdateImagePipeline",
        "name",
        "description",
        "image_recipe_arn",
        "infrastructure_configuration_arn",
        "distribution_configuration_arn",
        "enhanced_image_metadata_enabled",
        "image_tests_configuration",
        "image_scanning_configuration",
        "schedule",
        "status",
      ),
      execution_role: passRole("CreateImagePipeline (ExecutionRole) — Image Builder runs workflows and distribution (ssm_parameter_configuration) with it"),
      workflow: { why: "sent in CreateImagePipeline", create: [g("imagebuilder", "imagebuilder:GetWorkflow")] },
    },
  },
  aws_imagebuilder_lifecycle_policy: {
    source: src("imagebuilder/lifecycle_policy.go"),
    create: [g("imagebuilder", "imagebuilder:CreateLifecyclePolicy", "imagebuilder:TagResource", "imagebuilder:GetLifecyclePolicy")],
    read: [g("imagebuilder", "imagebuilder:GetLifecyclePolicy", "imagebuilder:ListTagsForResource")],
    update: [g("imagebuilder", "imagebuilder:UpdateLifecyclePolicy", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
    delete: [g("imagebuilder", "imagebuilder:DeleteLifecyclePolicy")],
    arguments: {
      ...inRequest("CreateLifecyclePolicy / UpdateLifecyclePolicy", "name", "description", "resource_type", "policy_detail", "resource_selection", "status"),
      execution_role: passRole("CreateLifecyclePolicy (ExecutionRole)"),
    },
  },
  aws_ssm_parameter: {
    source: src("ssm/parameter.go"),
    create: [g("ssmParameters", "ssm:PutParameter", "ssm:AddTagsToResource", "ssm:GetParameter")],
    read: [g("ssmParameters", "ssm:GetParameter", "ssm:ListTagsForResource"), g("any", "ssm:DescribeParameters")],
    update: [g("ssmParameters", "ssm:PutParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource")],
    delete: [g("ssmParameters", "ssm:DeleteParameter")],
    arguments: {
      ...inRequest("PutParameter", "name", "type", "description", "tier", "allowed_pattern", "overwrite"),
      value: sent("PutParameter"),
      insecure_value: sent("PutParameter"),
      data_type: {
        why: "aws:ec2:image: SSM checks the AMI with the caller's credentials (ec2:DescribeImages)",
        source: "https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-ec2-aliases.html",
        when: (value) => value === "aws:ec2:image",
        create: [g("any", "ec2:DescribeImages")],
        update: [g("any", "ec2:DescribeImages")],
      },
    },
  },
  aws_ram_resource_share: {
    source: src("ram/resource_share.go"),
    create: [g("ramShares", "ram:CreateResourceShare", "ram:TagResource"), g("any", "ram:GetResourceShares")],
    read: [g("any", "ram:GetResourceShares")],
    update: [g("ramShares", "ram:UpdateResourceShare", "ram:TagResource", "ram:UntagResource")],
    delete: [g("ramShares", "ram:DeleteResourceShare"), g("any", "ram:GetResourceShares")],
    arguments: inRequest("CreateResourceShare / UpdateResourceShare", "name", "allow_external_principals", "permission_arns"),
  },
  aws_ram_resource_association: {
    source: src("ram/resource_association.go"),
    create: [g("ramShares", "ram:AssociateResourceShare"), g("any", "ram:GetResourceShareAssociations")],
    read: [g("any", "ram:GetResourceShareAssociations")],
    delete: [g("ramShares", "ram:DisassociateResourceShare"), g("any", "ram:GetResourceShareAssociations")],
    arguments: {
      resource_share_arn: sent("AssociateResourceShare"),
      resource_arn: {
        why: "the shared resource: RAM checks the caller may share it (e.g. imagebuilder:PutComponentPolicy / PutImagePolicy / PutImageRecipePolicy)",
        source: "https://docs.aws.amazon.com/ram/latest/userguide/security-iam-policies.html",
        create: [g("imagebuilder", "imagebuilder:PutComponentPolicy", "imagebuilder:PutImagePolicy", "imagebuilder:PutImageRecipePolicy")],
      },
    },
  },
  aws_ram_principal_association: {
    source: src("ram/principal_association.go"),
    create: [g("ramShares", "ram:AssociateResourceShare"), g("any", "ram:GetResourceShareAssociations")],
    read: [g("any", "ram:GetResourceShareAssociations")],
    delete: [g("ramShares", "ram:DisassociateResourceShare"), g("any", "ram:GetResourceShareAssociations")],
    arguments: inRequest("AssociateResourceShare (Principals)", "resource_share_arn", "principal"),
  },
};

/** Per data source: the calls a plan makes to read it (none for the ones computed on this machine). */
export interface DataSourcePermissions {
  readonly source: string;
  readonly read: readonly Grant[];
}

export const DATA_SOURCE_PERMISSIONS: Readonly<Record<string, DataSourcePermissions>> = {
  aws_iam_policy_document: { source: src("iam/policy_document_data_source.go") + " (rendered locally)", read: [] },
  aws_partition: { source: src("meta/partition_data_source.go") + " (from the provider's region)", read: [] },
  aws_region: { source: src("meta/region_data_source.go") + " (from the provider's endpoints)", read: [] },
  // sts:GetCallerIdentity needs no IAM permission (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
  aws_caller_identity: { source: src("sts/caller_identity_data_source.go"), read: [] },
  aws_ssm_parameter: {
    source: src("ssm/parameter_data_source.go"),
    read: [g("ssmParameters", "ssm:GetParameter"), g("publicSsmParameters", "ssm:GetParameter")],
  },
  aws_ami: { source: src("ec2/ec2_ami_data_source.go"), read: [g("any", "ec2:DescribeImages")] },
  archive_file: { source: "hashicorp/terraform-provider-archive internal/provider/data_source_archive_file.go (local zip, no AWS)", read: [] },
};

/** Terraform meta-arguments: no API call of their own. */
export const META_ARGUMENTS: ReadonlySet<string> = new Set(["depends_on", "lifecycle", "provider", "count", "for_each", "provisioner", "connection"]);

const PHASES = ["create", "read", "update", "delete"] as const;

/** One resource or data source as synthesized: its type and top-level arguments with their values. */
export interface DeclaredBlock {
  readonly kind: "resource" | "data";
  readonly type: string;
  readonly address: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  /** The region of the aliased provider the block is declared with. @default - the stack's region (its default provider) */
  readonly region?: string;
}

/** What the CI roles need for some declared blocks: actions by scope, for plan and for apply. */
export interface RequiredPermissions {
  readonly plan: ReadonlyMap<ScopeName, ReadonlySet<string>>;
  readonly apply: ReadonlyMap<ScopeName, ReadonlySet<string>>;
  /**
   * Per scope, the regions besides the stack's own where blocks of that scope are declared (an aliased
   * provider): the scope's resources are granted in each of them too.
   */
  readonly otherRegions: ReadonlyMap<ScopeName, ReadonlySet<string>>;
}

const add = (into: Map<ScopeName, Set<string>>, grants: readonly Grant[] | undefined, regions?: Map<ScopeName, Set<string>>, region?: string): void => {
  for (const grant of grants ?? []) {
    for (const action of grant.actions) {
      // The reference lists no resource type for these (aws/iam-star-only.ts, generated from it): only "*" grants them.
      const scope: ScopeName = STAR_ONLY_ACTIONS.has(action) ? "any" : grant.scope;
      let actions = into.get(scope);
      if (actions === undefined) into.set(scope, (actions = new Set()));
      actions.add(action);
      if (regions !== undefined && region !== undefined && scope !== "any") {
        let scopeRegions = regions.get(scope);
        if (scopeRegions === undefined) regions.set(scope, (scopeRegions = new Set()));
        scopeRegions.add(region);
      }
    }
  }
};

/** Every problem: a type, data source, argument or value the table does not cover, with where to add it. */
export function coverageProblems(blocks: Iterable<DeclaredBlock>): string[] {
  const problems = new Set<string>();
  const where = "stacks/ci-access/deploy-permissions.ts";
  for (const block of blocks) {
    if (block.kind === "data") {
      if (DATA_SOURCE_PERMISSIONS[block.type] === undefined) {
        problems.add(
          `data source ${block.type} (${block.address}): add its read calls to DATA_SOURCE_PERMISSIONS in ${where}, citing the provider's *_data_source.go`,
        );
      }
      continue;
    }
    const entry = RESOURCE_PERMISSIONS[block.type];
    if (entry === undefined) {
      problems.add(
        `resource type ${block.type} (${block.address}): add its create/read/update/delete calls to RESOURCE_PERMISSIONS in ${where}, citing internal/service/<service>/<resource>.go`,
      );
      continue;
    }
    for (const [name, value] of Object.entries(block.arguments)) {
      if (META_ARGUMENTS.has(name) || name.startsWith("//")) continue;
      const argument = entry.arguments[name];
      if (argument === undefined) {
        problems.add(
          `argument ${block.type}.${name} (${block.address}): add RESOURCE_PERMISSIONS["${block.type}"].arguments["${name}"] in ${where} with the calls it adds (or { why } when none)`,
        );
        continue;
      }
      const unsupported = argument.unsupported?.(value);
      if (unsupported !== undefined) problems.add(`argument ${block.type}.${name} (${block.address}): ${unsupported}, in ${where}`);
    }
  }
  return [...problems].sort();
}

/** The actions the plan role (read calls) and the apply role (all calls) need for the declared blocks; throws naming every gap. */
export function requiredPermissions(blocks: readonly DeclaredBlock[]): RequiredPermissions {
  const problems = coverageProblems(blocks);
  if (problems.length > 0) throw new Error(`ciAccess: the deploy permission table does not cover what the stacks declare:\n  - ${problems.join("\n  - ")}`);
  const plan = new Map<ScopeName, Set<string>>();
  const apply = new Map<ScopeName, Set<string>>();
  const otherRegions = new Map<ScopeName, Set<string>>();
  for (const block of blocks) {
    if (block.kind === "data") {
      const entry = DATA_SOURCE_PERMISSIONS[block.type];
      add(plan, entry?.read, otherRegions, block.region);
      add(apply, entry?.read);
      continue;
    }
    const entry = RESOURCE_PERMISSIONS[block.type];
    if (entry === undefined) continue;
    const sources: Calls[] = [entry];
    for (const [name, value] of Object.entries(block.arguments)) {
      const argument = entry.arguments[name];
      if (argument !== undefined && (argument.when === undefined || argument.when(value))) sources.push(argument);
    }
    for (const calls of sources) {
      add(plan, calls.read, otherRegions, block.region);
      for (const phase of PHASES) add(apply, calls[phase], otherRegions, block.region);
    }
  }
  return { plan, apply, otherRegions };
}
