/** IAM checks: wildcard actions anywhere, wildcard resources in identity policies, unreadable policies. */
import { asList, isJsonObject } from "../stack-index";
import { compliant, nonCompliant, notApplicable, type Json, type RuleOutcome, type StackLookup, type Statement, type SynthesizedBlock } from "../types";

/** Policies attached to a principal (role, user, group): what the principal may do. */
export const IDENTITY_POLICY_TYPES = ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role"] as const;
/** Policies on a resource: who may do what to it. In a key policy, Resource "*" means "this key". */
export const RESOURCE_POLICY_TYPES = [
  "aws_kms_key_policy",
  "aws_kms_key",
  "aws_sns_topic_policy",
  "aws_sqs_queue_policy",
  "aws_s3_bucket_policy",
  "aws_cloudwatch_event_bus_policy",
  "aws_secretsmanager_secret_policy",
] as const;

/**
 * Actions that have no resource-level permissions (the Service Authorization Reference lists no
 * resource type for them), so a statement granting them must name Resource "*". Extend with a
 * link to the action's row in the reference when a stack needs one more.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
export const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS: ReadonlySet<string> = new Set([
  "cloudwatch:PutMetricData",
  "ec2:DescribeImages",
  "ec2:DescribeInstances",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSubnets",
  "ec2:DescribeVpcs",
  "ecr:GetAuthorizationToken",
  "imagebuilder:ListImages",
  "kms:CreateKey",
  "kms:ListAliases",
  "kms:ListKeys",
  "lambda:ListFunctions",
  // Lambda active tracing (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html).
  "xray:PutTelemetryRecords",
  "xray:PutTraceSegments",
  // Vended log delivery (Step Functions, API Gateway v2 access logs to CloudWatch Logs): the AWS
  // guides ask for Resource "*" on these.
  "logs:CreateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:DescribeLogGroups",
  "logs:DescribeResourcePolicies",
  "logs:GetLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:UpdateLogDelivery",
  "s3:ListAllMyBuckets",
  "secretsmanager:ListSecrets",
  "sns:ListTopics",
  "sqs:ListQueues",
  "ssm:DescribeParameters",
  "states:ListStateMachines",
  "sts:GetCallerIdentity",
  "tag:GetResources",
  "xray:PutTelemetryRecords",
  "xray:PutTraceSegments",
]);

/** The policy texts a resource carries (inline policies of a role included; trust policies not). */
export function policiesOf(block: SynthesizedBlock): readonly Json[] {
  if (block.type === "aws_iam_role") {
    return asList(block.config.inline_policy).flatMap((inline) => (isJsonObject(inline) && inline.policy !== undefined ? [inline.policy] : []));
  }
  const policy = block.config.policy;
  return policy === undefined ? [] : [policy];
}

function describe(statement: Statement, index: number): string {
  return statement.sid !== undefined ? `statement "${statement.sid}"` : `statement ${index + 1}`;
}

function readableStatements(block: SynthesizedBlock, stack: StackLookup): { statements: Statement[]; source: string }[] {
  return policiesOf(block).flatMap((policy) => {
    const read = stack.policy(policy);
    return read.readable ? [{ statements: [...read.statements], source: read.source }] : [];
  });
}

/** IAM-1: no Allow statement grants `*`, `service:*` or NotAction. */
export function noWildcardAction(block: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const documents = readableStatements(block, stack);
  if (documents.length === 0) return notApplicable;
  const problems: string[] = [];
  for (const { statements, source } of documents) {
    statements.forEach((statement, index) => {
      if (statement.effect !== "Allow") return;
      const wild = statement.actions.filter((action) => action === "*" || /^[a-z0-9-]+:\*$/i.test(action));
      if (wild.length > 0) problems.push(`${source} ${describe(statement, index)} allows ${wild.map((a) => `"${a}"`).join(", ")}`);
      if (statement.notActions.length > 0)
        problems.push(`${source} ${describe(statement, index)} allows everything but ${statement.notActions.join(", ")} (NotAction)`);
    });
  }
  return problems.length > 0 ? nonCompliant(`${problems.join("; ")}: name each action`) : compliant();
}

/** IAM-2: in an identity policy, Resource "*" only for actions that have no resource-level permissions. */
export function noWildcardResource(block: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const documents = readableStatements(block, stack);
  if (documents.length === 0) return notApplicable;
  const problems: string[] = [];
  for (const { statements, source } of documents) {
    statements.forEach((statement, index) => {
      if (statement.effect !== "Allow") return;
      const everything = statement.resources.includes("*") || statement.notResources.length > 0;
      if (!everything) return;
      const restrictable = [...statement.actions, ...statement.notActions.map((a) => `NotAction ${a}`)].filter(
        (action) => !ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.has(action),
      );
      if (restrictable.length > 0) problems.push(`${source} ${describe(statement, index)} grants ${restrictable.join(", ")} on every resource`);
    });
  }
  return problems.length > 0
    ? nonCompliant(
        `${problems.join("; ")}: name the resources (or, if the action really has no resource-level permissions, add it to ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS)`,
      )
    : compliant();
}

/** IAM-3: every policy can be read at synth, so IAM-1 and IAM-2 can check it. */
export function policyReadable(block: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const policies = policiesOf(block);
  if (policies.length === 0) return notApplicable;
  const unreadable = policies.map((policy) => stack.policy(policy)).flatMap((read) => (read.readable ? [] : [read.why]));
  return unreadable.length > 0 ? nonCompliant(`${unreadable.join("; ")}: build it with policyDocument() (stacks/constructs/iam.ts)`) : compliant();
}

/** AWS-managed policies that grant (nearly) everything. */
export const ADMIN_MANAGED_POLICIES: ReadonlySet<string> = new Set(["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"]);

/** The managed policy ARNs an attachment (or a role's managed_policy_arns) names. */
function managedPolicyArns(block: SynthesizedBlock): string[] {
  if (block.type === "aws_iam_role") return asList(block.config.managed_policy_arns).filter((arn): arn is string => typeof arn === "string");
  const arn = block.config.policy_arn;
  return typeof arn === "string" ? [arn] : [];
}

/** IAM-4: no AWS-managed administrator policy attached to a role, user or group. */
export function noAdminManagedPolicy(block: SynthesizedBlock): RuleOutcome {
  const arns = managedPolicyArns(block);
  if (arns.length === 0) return notApplicable;
  const admin = arns.filter((arn) => ADMIN_MANAGED_POLICIES.has(/^arn:[a-z-]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1] ?? ""));
  return admin.length > 0 ? nonCompliant(`attaches ${admin.join(", ")}: write a policy with the actions the principal needs`) : compliant();
}
