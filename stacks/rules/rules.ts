/**
 * The rule pack, as data: one row per rule. docs/rules.md renders this table
 * (`npx tsx stacks/rules/render-doc.ts`; a test fails when the doc and the table differ).
 *
 * Checkov IDs: those in VERIFIED_CHECKOV_IDS were read in checkov's source (check id and name);
 * the others are cited without that check, and docs/rules.md marks them with `*`.
 * CKV_AWS_173 is checkov's Lambda environment *encryption* (KMS) check, not the plaintext-secret
 * one: LAMBDA-4 mirrors CKV_AWS_45.
 */
import { routeAuthorized, stageAccessLogs, stageThrottled } from "./checks/api";
import { kinesisEncrypted, logGroupKms, logRetention, s3Encrypted, s3KmsEncrypted, snsEncrypted, sqsEncrypted } from "./checks/encryption";
import { deletionExcludesInUseAmis } from "./checks/imagebuilder";
import { nativeParameterWritable, resolvedParameterCreatedFirst, SERVICE_LINKED_ROLE_TYPES, serviceLinkedRolesListed } from "./checks/deploy";
import { IDENTITY_POLICY_TYPES, noAdminManagedPolicy, noWildcardAction, noWildcardResource, policyReadable, RESOURCE_POLICY_TYPES } from "./checks/iam";
import {
  activeTracing,
  asyncFailureDestination,
  concurrencyDecided,
  consumedQueueHasDeadLetterQueue,
  noPlaintextSecrets,
  timeoutSet,
  visibilityCoversRetries,
} from "./checks/lambda";
import { publicAccessBlocked, tlsOnly } from "./checks/s3";
import type { Rule } from "./types";

/** Checkov IDs whose id and meaning were read in checkov's source (bridgecrewio/checkov). */
export const VERIFIED_CHECKOV_IDS: ReadonlySet<string> = new Set([
  "CKV_AWS_19",
  "CKV_AWS_26",
  "CKV_AWS_27",
  "CKV_AWS_43",
  "CKV_AWS_45",
  "CKV_AWS_50",
  "CKV_AWS_62",
  "CKV_AWS_63",
  "CKV_AWS_66",
  "CKV_AWS_76",
  "CKV_AWS_115",
  "CKV_AWS_116",
  "CKV_AWS_145",
  "CKV_AWS_158",
  "CKV_AWS_274",
  "CKV_AWS_309",
  "CKV_AWS_355",
]);

export const RULES: readonly Rule[] = [
  {
    id: "IAM-1",
    level: "error",
    appliesTo: [...IDENTITY_POLICY_TYPES, ...RESOURCE_POLICY_TYPES],
    checkov: ["CKV_AWS_63", "CKV_AWS_62"],
    explanation: 'No Allow statement grants "*", "service:*" or NotAction, in identity or resource policies: every action is named.',
    check: noWildcardAction,
  },
  {
    id: "IAM-2",
    level: "error",
    appliesTo: IDENTITY_POLICY_TYPES,
    checkov: ["CKV_AWS_355", "CKV_AWS_290"],
    explanation:
      'An identity policy grants Resource "*" only for actions without resource-level permissions (ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS, e.g. ec2:DescribeImages). Key policies are exempt: there "*" means "this key".',
    check: noWildcardResource,
  },
  {
    id: "IAM-3",
    level: "warning",
    appliesTo: [...IDENTITY_POLICY_TYPES, ...RESOURCE_POLICY_TYPES],
    checkov: [],
    explanation: "Every policy is a data.aws_iam_policy_document (or literal JSON), so IAM-1 and IAM-2 can read it at synth.",
    check: policyReadable,
  },
  {
    id: "IAM-4",
    level: "error",
    appliesTo: [
      "aws_iam_role_policy_attachment",
      "aws_iam_user_policy_attachment",
      "aws_iam_group_policy_attachment",
      "aws_iam_policy_attachment",
      "aws_iam_role",
    ],
    checkov: ["CKV_AWS_274"],
    explanation:
      "No AWS-managed AdministratorAccess, PowerUserAccess or IAMFullAccess policy is attached to a role, user or group (IAM-1 cannot see inside managed policies).",
    check: noAdminManagedPolicy,
  },
  {
    id: "ENC-1",
    level: "error",
    appliesTo: ["aws_sns_topic"],
    checkov: ["CKV_AWS_26"],
    explanation:
      "SNS topics are encrypted with KMS (kms_master_key_id): the AWS-managed alias/aws/sns, or a customer-managed key when another service publishes.",
    check: snsEncrypted,
  },
  {
    id: "ENC-2",
    level: "error",
    appliesTo: ["aws_sqs_queue"],
    checkov: ["CKV_AWS_27"],
    explanation: "SQS queues are encrypted: SSE-SQS (sqs_managed_sse_enabled) or SSE-KMS (kms_master_key_id), stated in code.",
    check: sqsEncrypted,
  },
  {
    id: "ENC-3",
    level: "error",
    appliesTo: ["aws_kinesis_stream"],
    checkov: ["CKV_AWS_43"],
    explanation: 'Kinesis streams are encrypted: encryption_type "KMS" with a kms_key_id (alias/aws/kinesis or a customer-managed key).',
    check: kinesisEncrypted,
  },
  {
    id: "ENC-4",
    level: "error",
    appliesTo: ["aws_s3_bucket"],
    checkov: ["CKV_AWS_19"],
    explanation: "S3 buckets state their default encryption (SSE-S3 or SSE-KMS) in an aws_s3_bucket_server_side_encryption_configuration.",
    check: s3Encrypted,
  },
  {
    id: "ENC-5",
    level: "warning",
    appliesTo: ["aws_s3_bucket"],
    checkov: ["CKV_AWS_145"],
    explanation: "S3 buckets use SSE-KMS, so a key policy controls reads and CloudTrail records each use of the key.",
    check: s3KmsEncrypted,
  },
  {
    id: "ENC-6",
    level: "warning",
    appliesTo: ["aws_cloudwatch_log_group"],
    checkov: ["CKV_AWS_158"],
    explanation: "Log groups are encrypted with a customer-managed KMS key; without one CloudWatch Logs still encrypts, with a service-owned key.",
    check: logGroupKms,
  },
  {
    id: "LOG-1",
    level: "error",
    appliesTo: ["aws_cloudwatch_log_group"],
    checkov: ["CKV_AWS_66"],
    explanation:
      "Log groups set retention_in_days (unset keeps logs forever). CKV_AWS_338 (at least 365 days) is not mirrored: retention is configured per environment.",
    check: logRetention,
  },
  {
    id: "LAMBDA-1",
    level: "error",
    appliesTo: ["aws_lambda_function"],
    checkov: ["CKV_AWS_116"],
    explanation:
      "A function invoked asynchronously (SNS, EventBridge, S3, Scheduler, ... in the same stack) has a dead_letter_config or an on-failure destination. SQS event sources and API calls are synchronous: the queue's redrive policy keeps their failures. CKV_AWS_116 asks for a DLQ on every function.",
    check: asyncFailureDestination,
  },
  {
    id: "LAMBDA-2",
    level: "error",
    appliesTo: ["aws_lambda_function"],
    checkov: [],
    explanation: "Functions set timeout explicitly (the default is 3 s), sized to the work and below the event source's visibility timeout.",
    check: timeoutSet,
  },
  {
    id: "LAMBDA-3",
    level: "error",
    appliesTo: ["aws_lambda_function"],
    checkov: ["CKV_AWS_115"],
    explanation:
      "Functions make a concurrency decision: reserved_concurrent_executions, scaling_config.maximum_concurrency on every SQS event source mapping of a consumer, or an acknowledgement saying why the function runs unreserved.",
    check: concurrencyDecided,
  },
  {
    id: "LAMBDA-4",
    level: "error",
    appliesTo: ["aws_lambda_function"],
    checkov: ["CKV_AWS_45"],
    explanation:
      "No environment variable named like a secret (SECRET, PASSWORD, TOKEN, API_KEY, ..._KEY) holds a literal value: pass the secret's ARN or parameter name instead.",
    check: noPlaintextSecrets,
  },
  {
    id: "SQS-1",
    level: "error",
    appliesTo: ["aws_lambda_event_source_mapping"],
    checkov: [],
    explanation:
      "A queue that a Lambda function consumes redrives to a dead-letter queue (redrive_policy with deadLetterTargetArn): the synchronous counterpart of LAMBDA-1.",
    check: consumedQueueHasDeadLetterQueue,
  },
  {
    id: "SQS-2",
    level: "warning",
    appliesTo: ["aws_lambda_event_source_mapping"],
    checkov: [],
    explanation:
      "A consumed queue's visibility_timeout_seconds is at least 6 times the function's timeout (the Lambda developer guide's advice for SQS event sources).",
    check: visibilityCoversRetries,
  },
  {
    id: "API-1",
    level: "error",
    appliesTo: ["aws_apigatewayv2_route"],
    checkov: ["CKV_AWS_309"],
    explanation: "HTTP API routes have an authorization_type other than NONE; a public route is acknowledged with the reason it is public.",
    check: routeAuthorized,
  },
  {
    id: "API-2",
    level: "error",
    appliesTo: ["aws_apigatewayv2_stage"],
    checkov: [],
    explanation: "HTTP API stages set both throttling_burst_limit and throttling_rate_limit in default_route_settings.",
    check: stageThrottled,
  },
  {
    id: "API-3",
    level: "error",
    appliesTo: ["aws_apigatewayv2_stage"],
    checkov: ["CKV_AWS_76"],
    explanation: "HTTP API stages write access logs (access_log_settings with destination_arn and format).",
    check: stageAccessLogs,
  },
  {
    id: "S3-1",
    level: "error",
    appliesTo: ["aws_s3_bucket"],
    checkov: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6"],
    explanation: "S3 buckets have an aws_s3_bucket_public_access_block with all four settings true.",
    check: publicAccessBlocked,
  },
  {
    id: "S3-2",
    level: "error",
    appliesTo: ["aws_s3_bucket"],
    checkov: [],
    explanation: "S3 bucket policies deny s3:* when aws:SecureTransport is false (TLS only).",
    check: tlsOnly,
  },
  {
    id: "AMI-1",
    level: "error",
    appliesTo: ["aws_imagebuilder_lifecycle_policy"],
    checkov: [],
    explanation:
      "An Image Builder lifecycle policy that deletes AMIs excludes AMIs by tag (exclusion_rules.amis.tag_map) in every DELETE rule, so an AMI a tracked parameter or channel points to, or pointed to before, is never deleted.",
    check: deletionExcludesInUseAmis,
  },
  {
    id: "LAMBDA-5",
    level: "error",
    appliesTo: ["aws_lambda_function"],
    checkov: ["CKV_AWS_50"],
    explanation:
      "Functions trace actively (tracing_config mode Active), and a role in the stack grants xray:PutTraceSegments and xray:PutTelemetryRecords: CreateFunction refuses Active tracing without them (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html). CKV_AWS_50 also accepts PassThrough, which traces only requests a caller already sampled.",
    check: activeTracing,
  },
  {
    id: "DEPLOY-1",
    level: "error",
    appliesTo: ["aws_launch_template", "aws_instance"],
    checkov: [],
    explanation:
      "An image ID resolve:ssm:NAME names an aws:ec2:image aws_ssm_parameter the stack creates with the same provider (region), and depends_on it: EC2 checks the parameter when the template or instance is created (https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html).",
    check: resolvedParameterCreatedFirst,
  },
  {
    id: "DEPLOY-2",
    level: "error",
    appliesTo: ["aws_imagebuilder_image_pipeline"],
    checkov: [],
    explanation:
      "A pipeline whose distribution writes an SSM parameter (ssm_parameter_configuration) has an execution_role whose inline policy allows ssm:PutParameter on that parameter in every distribution region, and ec2:DescribeImages for aws:ec2:image; the service-linked role may write only parameter/imagebuilder/* (https://docs.aws.amazon.com/imagebuilder/latest/userguide/cr-upd-ami-distribution-settings.html).",
    check: nativeParameterWritable,
  },
  {
    id: "DEPLOY-3",
    level: "error",
    appliesTo: SERVICE_LINKED_ROLE_TYPES,
    checkov: [],
    explanation:
      "Every service-linked role a resource needs at apply time (an OpsItem alarm action, Image Builder, an Auto Scaling group, a policy naming aws-service-role/...) is in PREREQUISITE_SERVICE_LINKED_ROLES, which the README's Deploying section lists with its create command (https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html).",
    check: serviceLinkedRolesListed,
  },
];

/** The rule with `id`, or undefined. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}
