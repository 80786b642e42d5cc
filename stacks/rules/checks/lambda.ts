/** Lambda checks: failure destination when invoked asynchronously, timeout, concurrency, secrets. */
import { firstBlock, isExpression, isJsonObject } from "../stack-index";
import { compliant, nonCompliant, notApplicable, type RuleOutcome, type StackLookup, type SynthesizedBlock } from "../types";

/** Principals that invoke Lambda asynchronously (the event is queued; Lambda retries and then drops it). */
export const ASYNC_PRINCIPALS: ReadonlySet<string> = new Set([
  "sns.amazonaws.com",
  "events.amazonaws.com",
  "s3.amazonaws.com",
  "scheduler.amazonaws.com",
  "logs.amazonaws.com",
  "ses.amazonaws.com",
  "iot.amazonaws.com",
  "config.amazonaws.com",
  "codecommit.amazonaws.com",
  "lambda.alarms.cloudwatch.amazonaws.com",
]);

/** What invokes the function asynchronously in this stack, as addresses. */
function asyncTriggers(fn: SynthesizedBlock, stack: StackLookup): string[] {
  const triggers: string[] = [];
  for (const permission of stack.referencing(fn, "aws_lambda_permission")) {
    const principal = permission.config.principal;
    if (typeof principal === "string" && ASYNC_PRINCIPALS.has(principal)) triggers.push(`${permission.address} (${principal})`);
  }
  for (const subscription of stack.referencing(fn, "aws_sns_topic_subscription")) {
    if (subscription.config.protocol === "lambda") triggers.push(subscription.address);
  }
  for (const type of ["aws_cloudwatch_event_target", "aws_s3_bucket_notification", "aws_scheduler_schedule", "aws_cloudwatch_log_subscription_filter"]) {
    for (const block of stack.referencing(fn, type)) triggers.push(block.address);
  }
  return [...new Set(triggers)];
}

/** LAMBDA-1: an asynchronously invoked function keeps failed events (DLQ or on-failure destination). */
export function asyncFailureDestination(fn: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const dlq = firstBlock(fn.config.dead_letter_config)?.target_arn;
  if (typeof dlq === "string" && dlq.length > 0) return compliant(`dead_letter_config -> ${stack.referenced(dlq)?.address ?? dlq}`);
  for (const invokeConfig of stack.referencing(fn, "aws_lambda_function_event_invoke_config")) {
    const destinations = firstBlock(invokeConfig.config.destination_config);
    const onFailure = firstBlock(destinations?.on_failure)?.destination;
    if (typeof onFailure === "string" && onFailure.length > 0)
      return compliant(`on-failure destination ${stack.referenced(onFailure)?.address ?? onFailure} (${invokeConfig.address})`);
  }
  const triggers = asyncTriggers(fn, stack);
  if (triggers.length === 0) return notApplicable;
  return nonCompliant(
    `invoked asynchronously by ${triggers.join(", ")}, but has neither dead_letter_config nor an aws_lambda_function_event_invoke_config with destination_config.on_failure: events that fail every retry are lost`,
  );
}

/** LAMBDA-2: the timeout is a decision, not the 3 s default. */
export function timeoutSet(fn: SynthesizedBlock): RuleOutcome {
  const timeout = fn.config.timeout;
  return typeof timeout === "number" || isExpression(timeout)
    ? compliant(`${String(timeout)} s`)
    : nonCompliant("timeout is not set (Lambda's default is 3 s)");
}

/** LAMBDA-3: reserved concurrency set, or its absence acknowledged with a reason. */
export function concurrencyDecided(fn: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const reserved = fn.config.reserved_concurrent_executions;
  if ((typeof reserved === "number" && reserved >= 0) || isExpression(reserved)) return compliant(`reserved concurrency ${String(reserved)}`);
  // An SQS consumer's concurrency can be capped on its event source mappings instead (scaling_config.maximum_concurrency).
  const mappings = stack.referencing(fn, "aws_lambda_event_source_mapping");
  const capped = mappings.filter((mapping) => {
    const maximum = firstBlock(mapping.config.scaling_config)?.maximum_concurrency;
    return typeof maximum === "number" || isExpression(maximum);
  });
  if (mappings.length > 0 && capped.length === mappings.length && asyncTriggers(fn, stack).length === 0) {
    return compliant(`capped by scaling_config.maximum_concurrency on ${capped.map((m) => m.address).join(", ")}`);
  }
  return nonCompliant(
    "neither reserved_concurrent_executions nor (for an SQS consumer) scaling_config.maximum_concurrency on its event source mappings is set: set one, or acknowledge LAMBDA-3 with the reason the function runs unreserved",
  );
}

/** Names of variables that hold secrets. */
export const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|(^|_)KEY$)/i;
/** Values that point at a secret instead of holding it: ARNs, parameter names, key aliases. */
const POINTER = /^(arn:|\/|alias\/|resolve:|\{\{resolve:)/;

/** LAMBDA-4: no literal secret in the function's environment (it is readable with lambda:GetFunctionConfiguration). */
export function noPlaintextSecrets(fn: SynthesizedBlock): RuleOutcome {
  const variables = firstBlock(fn.config.environment)?.variables;
  if (!isJsonObject(variables)) return notApplicable;
  const leaked = Object.entries(variables)
    .filter(([name, value]) => SECRET_NAME.test(name) && typeof value === "string" && value.length > 0 && !isExpression(value) && !POINTER.test(value))
    .map(([name]) => name);
  return leaked.length > 0
    ? nonCompliant(
        `environment variable(s) ${leaked.join(", ")} hold a literal value: pass the name or ARN of a Secrets Manager secret or SecureString parameter and read it at run time`,
      )
    : compliant();
}

/** The SQS queue and the function an event source mapping connects, when both are in the stack. */
function sqsMapping(mapping: SynthesizedBlock, stack: StackLookup): { queue: SynthesizedBlock; fn: SynthesizedBlock | undefined } | undefined {
  const queue = stack.referenced(mapping.config.event_source_arn);
  if (queue?.type !== "aws_sqs_queue") return undefined;
  const fn = stack.referenced(mapping.config.function_name);
  return { queue, fn: fn?.type === "aws_lambda_function" ? fn : undefined };
}

/** SQS-1: a queue that Lambda consumes redrives to a dead-letter queue (the consumer's failures end there, not nowhere). */
export function consumedQueueHasDeadLetterQueue(mapping: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const pair = sqsMapping(mapping, stack);
  if (pair === undefined) return notApplicable;
  const inline = pair.queue.config.redrive_policy;
  const separate = stack.referencing(pair.queue, "aws_sqs_queue_redrive_policy").map((block) => block.config.redrive_policy);
  const policy = [inline, ...separate].find((value) => typeof value === "string" && value.includes("deadLetterTargetArn"));
  if (policy !== undefined) return compliant(`${pair.queue.address} redrives to ${stack.referenced(policy)?.address ?? "a dead-letter queue"}`);
  return nonCompliant(
    `${pair.queue.address} has no redrive_policy with deadLetterTargetArn: a message that always fails is retried until its retention ends, then lost`,
  );
}

/** SQS-2: the consumed queue's visibility timeout is at least 6 times the function's timeout. */
export function visibilityCoversRetries(mapping: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const pair = sqsMapping(mapping, stack);
  if (pair?.fn === undefined) return notApplicable;
  const visibility = pair.queue.config.visibility_timeout_seconds ?? 30;
  const timeout = pair.fn.config.timeout ?? 3;
  if (typeof visibility !== "number" || typeof timeout !== "number") return compliant("computed at plan time");
  if (visibility >= 6 * timeout) return compliant(`visibility ${visibility} s >= 6 x ${timeout} s`);
  return nonCompliant(
    `${pair.queue.address} visibility_timeout_seconds ${visibility} is below 6 x the function's timeout ${timeout} s: a message can become visible again while a retry of it still runs`,
  );
}

/** What a role needs for active tracing; both take only Resource "*". */
const TRACE_WRITE_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"] as const;
/** AWS managed policies that grant both. */
const TRACE_WRITE_MANAGED_POLICIES = /:iam::aws:policy\/(AWSXRayDaemonWriteAccess|AWSXrayWriteOnlyAccess)$/;

function grants(actions: readonly string[], wanted: string): boolean {
  return actions.some((action) => action === "*" || action === "xray:*" || action.toLowerCase() === wanted.toLowerCase());
}

/**
 * LAMBDA-5: active X-Ray tracing, with a role in the stack that may write traces. Lambda's
 * CreateFunction refuses Active tracing when the role cannot call PutTraceSegments
 * (InvalidParameterValueException), so a missing grant fails the apply, not the plan.
 */
export function activeTracing(fn: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const mode = firstBlock(fn.config.tracing_config)?.mode;
  if (mode !== "Active") {
    const now =
      mode === undefined ? "tracing_config is not set (PassThrough: traced only when the caller samples)" : `tracing_config.mode is ${JSON.stringify(mode)}`;
    return nonCompliant(`${now}; set tracing_config { mode = "Active" } and grant the role xray:PutTraceSegments and xray:PutTelemetryRecords`);
  }
  const role = stack.referenced(fn.config.role);
  if (role === undefined) return compliant("Active; the role is outside this stack (it needs xray:PutTraceSegments and xray:PutTelemetryRecords)");
  const managed = stack
    .referencing(role, "aws_iam_role_policy_attachment")
    .some((attachment) => TRACE_WRITE_MANAGED_POLICIES.test(String(attachment.config.policy_arn)));
  const granted = stack.referencing(role, "aws_iam_role_policy").flatMap((policy) => {
    const read = stack.policy(policy.config.policy);
    return read.readable ? read.statements.filter((statement) => statement.effect === "Allow").flatMap((statement) => statement.actions) : [];
  });
  const missing = managed ? [] : TRACE_WRITE_ACTIONS.filter((action) => !grants(granted, action));
  if (missing.length > 0) {
    return nonCompliant(
      `tracing is Active, but ${role.address} is not granted ${missing.join(", ")}: CreateFunction fails with "The provided execution role does not have permissions to call PutTraceSegments on XRAY"`,
    );
  }
  return compliant(`Active; ${role.address} may write traces`);
}
