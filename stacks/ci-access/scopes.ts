/**
 * The scopes of the deploy permission table: the IAM resources (and conditions) each group of actions is
 * granted on. Names in ARNs start with `<project>-<environment>-` wherever the ARN holds a name the app chooses.
 */
import { AUTO_SCALING_GRANT_OPERATIONS, AUTO_SCALING_SERVICE_LINKED_ROLE } from "../../aws/ami-sharing";
import { arnAt, ec2ImageArn, formatArn, iamArn, type AwsLocation } from "../../aws/arn";

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
  iamPolicies: { resources: (c, prefix) => [iamArn(c, `policy/${prefix}-*`)] },
  // An OIDC provider's ARN holds its host, not a name the app chooses (IAM User Guide, reference_identifiers.html#identifiers-arns).
  oidcProviders: { resources: (c) => [iamArn(c, "oidc-provider/*")] },
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
  // A shared AMI's key is the owner's, in another account (aws/ami-sharing.ts): keys of any account in this region.
  sharedAmiKeys: { resources: (c) => [formatArn({ partition: c.partition, service: "kms", region: c.region, account: "*", resource: "key/*" })] },
  // CreateGrant on such a key only for this account's Auto Scaling service-linked role, with the operations Auto Scaling needs.
  autoScalingKeyGrants: {
    resources: (c) => [formatArn({ partition: c.partition, service: "kms", region: c.region, account: "*", resource: "key/*" })],
    conditions: [
      // &{aws:PrincipalAccount}: the caller's own account (a policy variable, as aws_iam_policy_document spells it).
      {
        test: "StringLike",
        variable: "kms:GranteePrincipal",
        values: [iamArn({ partition: "*", account: "&{aws:PrincipalAccount}" }, AUTO_SCALING_SERVICE_LINKED_ROLE)],
      },
      { test: "ForAllValues:StringEquals", variable: "kms:GrantOperations", values: [...AUTO_SCALING_GRANT_OPERATIONS] },
    ],
  },
} satisfies Record<string, Scope>;

export type ScopeName = keyof typeof SCOPES;
