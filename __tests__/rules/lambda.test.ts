import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction, type LambdaFunctionConfig } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SqsQueue, type SqsQueueConfig } from "@cdktf/provider-aws/lib/sqs-queue";
import { Fn, type TerraformStack } from "cdktf";
import { acknowledgeRule } from "../../stacks/rules/acknowledge";
import { minimalStack, passes, report, ROLE_ARN, violations } from "./support";

function fn(stack: TerraformStack, overrides: Partial<LambdaFunctionConfig> = {}): LambdaFunction {
  return new LambdaFunction(stack, "fn", {
    functionName: "example",
    role: ROLE_ARN,
    runtime: "nodejs22.x",
    handler: "index.handler",
    filename: "example.zip",
    timeout: 30,
    reservedConcurrentExecutions: 2,
    tracingConfig: { mode: "Active" },
    ...overrides,
  });
}

/** A function that an SNS topic invokes (asynchronously). */
function snsInvoked(stack: TerraformStack, overrides: Partial<LambdaFunctionConfig> = {}): { fn: LambdaFunction; dlq: SqsQueue } {
  const topic = new SnsTopic(stack, "topic", { name: "events", kmsMasterKeyId: "alias/aws/sns" });
  const dlq = new SqsQueue(stack, "dlq", { name: "dlq", sqsManagedSseEnabled: true });
  const handler = fn(stack, overrides);
  new LambdaPermission(stack, "invoke", {
    action: "lambda:InvokeFunction",
    functionName: handler.functionName,
    principal: "sns.amazonaws.com",
    sourceArn: topic.arn,
  });
  new SnsTopicSubscription(stack, "subscription", { topicArn: topic.arn, protocol: "lambda", endpoint: handler.arn });
  return { fn: handler, dlq };
}

describe("LAMBDA-1: asynchronously invoked functions keep failed events", () => {
  test("Noncompliance 12: SNS invokes the function, no DLQ, no on-failure destination", () => {
    const stack = minimalStack();
    snsInvoked(stack);
    expect(violations(stack, "LAMBDA-1")).toEqual([
      expect.stringMatching(
        /invoked asynchronously by aws_lambda_permission\.invoke \(sns\.amazonaws\.com\), aws_sns_topic_subscription\.subscription, but has neither/,
      ),
    ]);
  });

  test("Compliance 12: an on-failure destination, or a dead-letter queue", () => {
    const withDestination = minimalStack();
    const { fn: handler, dlq } = snsInvoked(withDestination);
    new LambdaFunctionEventInvokeConfig(withDestination, "async", {
      functionName: handler.functionName,
      destinationConfig: { onFailure: { destination: dlq.arn } },
    });
    expect(passes(withDestination, "LAMBDA-1")).toEqual(["on-failure destination aws_sqs_queue.dlq (aws_lambda_function_event_invoke_config.async)"]);

    const withDlq = minimalStack();
    snsInvoked(withDlq, { deadLetterConfig: { targetArn: "arn:aws:sqs:us-east-1:123456789012:dlq" } });
    expect(passes(withDlq, "LAMBDA-1")).toEqual(["dead_letter_config -> arn:aws:sqs:us-east-1:123456789012:dlq"]);
  });

  test("Compliance 12: an SQS consumer is invoked synchronously: not applicable (the queue's redrive keeps failures)", () => {
    const stack = minimalStack();
    const queue = new SqsQueue(stack, "queue", { name: "work", sqsManagedSseEnabled: true });
    const handler = fn(stack);
    new LambdaEventSourceMapping(stack, "mapping", { functionName: handler.arn, eventSourceArn: queue.arn });
    const result = report(stack);
    expect(result.findings.filter((f) => f.rule.id === "LAMBDA-1")).toEqual([]);
    expect(result.passed.filter((p) => p.rule.id === "LAMBDA-1")).toEqual([]);
  });
});

describe("LAMBDA-2: timeout set", () => {
  test("Noncompliance 13: no timeout (Lambda's 3 s default)", () => {
    const stack = minimalStack();
    fn(stack, { timeout: undefined });
    expect(violations(stack, "LAMBDA-2")).toEqual(["timeout is not set (Lambda's default is 3 s)"]);
  });

  test("Compliance 13: 30 s", () => {
    const stack = minimalStack();
    fn(stack);
    expect(passes(stack, "LAMBDA-2")).toEqual(["30 s"]);
  });
});

describe("LAMBDA-3: a concurrency decision", () => {
  test("Noncompliance 14: unreserved, nothing said", () => {
    const stack = minimalStack();
    fn(stack, { reservedConcurrentExecutions: undefined });
    expect(violations(stack, "LAMBDA-3")).toEqual([expect.stringContaining("acknowledge LAMBDA-3")]);
  });

  test("Compliance 14: reserved concurrency, or an SQS mapping's maximum_concurrency", () => {
    const reserved = minimalStack();
    fn(reserved);
    expect(passes(reserved, "LAMBDA-3")).toEqual(["reserved concurrency 2"]);

    const capped = minimalStack();
    const queue = new SqsQueue(capped, "queue", { name: "work", sqsManagedSseEnabled: true });
    const handler = fn(capped, { reservedConcurrentExecutions: undefined });
    new LambdaEventSourceMapping(capped, "mapping", { functionName: handler.arn, eventSourceArn: queue.arn, scalingConfig: { maximumConcurrency: 5 } });
    expect(passes(capped, "LAMBDA-3")).toEqual(["capped by scaling_config.maximum_concurrency on aws_lambda_event_source_mapping.mapping"]);
  });

  test("Compliance 14: unreserved and acknowledged with a reason, which the report carries", () => {
    const stack = minimalStack();
    const handler = fn(stack, { reservedConcurrentExecutions: undefined });
    acknowledgeRule(handler, "LAMBDA-3", "new accounts have a concurrency quota of 10");
    expect(violations(stack, "LAMBDA-3")).toEqual([]);
    expect(report(stack).findings.map((f) => [f.rule.id, f.acknowledged])).toEqual([["LAMBDA-3", "new accounts have a concurrency quota of 10"]]);
  });
});

describe("LAMBDA-4: no plaintext secrets in the environment", () => {
  test.each(["DB_PASSWORD", "API_KEY", "GITHUB_TOKEN", "CLIENT_SECRET", "SIGNING_KEY"])("Noncompliance 15: %s with a literal value", (name) => {
    const stack = minimalStack();
    fn(stack, { environment: { variables: { TABLE: "orders", [name]: "s3cr3t-value" } } });
    expect(violations(stack, "LAMBDA-4")).toEqual([expect.stringContaining(`environment variable(s) ${name} hold a literal value`)]);
  });

  test("Compliance 15: names of secrets, ARNs and references; ordinary settings", () => {
    const stack = minimalStack();
    const queue = new SqsQueue(stack, "queue", { name: "work", sqsManagedSseEnabled: true });
    fn(stack, {
      environment: {
        variables: {
          DB_PASSWORD_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
          API_KEY: "/example/api-key",
          SIGNING_KEY: queue.arn,
          PARAMETER_NAME: "/ec2-imagebuilder/latest",
        },
      },
    });
    expect(violations(stack, "LAMBDA-4")).toEqual([]);
    expect(passes(stack, "LAMBDA-4")).toHaveLength(1);
  });
});

describe("SQS-1 and SQS-2: a consumed queue keeps what fails, and hides it long enough", () => {
  function consumer(queueConfig: Partial<SqsQueueConfig>, withDeadLetterQueue = true): TerraformStack {
    const stack = minimalStack();
    const dlq = new SqsQueue(stack, "dlq", { name: "work-dlq", sqsManagedSseEnabled: true });
    const queue = new SqsQueue(stack, "queue", { name: "work", sqsManagedSseEnabled: true, ...queueConfig });
    if (withDeadLetterQueue) queue.redrivePolicy = Fn.jsonencode({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 });
    const handler = fn(stack, { timeout: 30 });
    new LambdaEventSourceMapping(stack, "mapping", {
      functionName: handler.arn,
      eventSourceArn: queue.arn,
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
    return stack;
  }

  test("Noncompliance 16: the consumed queue has no redrive policy", () => {
    expect(violations(consumer({ visibilityTimeoutSeconds: 180 }, false), "SQS-1")).toEqual([
      expect.stringContaining("aws_sqs_queue.queue has no redrive_policy"),
    ]);
  });

  test("Compliance 16: it redrives to its dead-letter queue", () => {
    expect(passes(consumer({ visibilityTimeoutSeconds: 180 }), "SQS-1")).toEqual(["aws_sqs_queue.queue redrives to aws_sqs_queue.dlq"]);
  });

  test("Noncompliance 17: visibility timeout (default 30 s) below 6 x the function's 30 s", () => {
    expect(violations(consumer({}), "SQS-2")).toEqual([expect.stringContaining("visibility_timeout_seconds 30 is below 6 x the function's timeout 30 s")]);
  });

  test("Compliance 17: 180 s", () => {
    expect(passes(consumer({ visibilityTimeoutSeconds: 180 }), "SQS-2")).toEqual(["visibility 180 s >= 6 x 30 s"]);
  });
});

describe("LAMBDA-5: active X-Ray tracing, with a role that may write traces", () => {
  /** A function whose role is in the stack, with an inline policy granting `actions`. */
  function traced(mode: string | undefined, actions: readonly string[]): TerraformStack {
    const stack = minimalStack();
    const role = new IamRole(stack, "role", {
      name: "example",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    new IamRolePolicy(stack, "role-policy", {
      role: role.id,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [...actions], Resource: "*" }] }),
    });
    fn(stack, { role: role.arn, tracingConfig: mode !== undefined ? { mode } : undefined });
    return stack;
  }
  const WRITE_TRACES = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];

  test("Noncompliance 24: no tracing_config (PassThrough), or PassThrough set", () => {
    expect(violations(traced(undefined, WRITE_TRACES), "LAMBDA-5")).toEqual([
      expect.stringMatching(/^tracing_config is not set .*set tracing_config \{ mode = "Active" \}/),
    ]);
    expect(violations(traced("PassThrough", WRITE_TRACES), "LAMBDA-5")).toEqual([expect.stringContaining('tracing_config.mode is "PassThrough"')]);
  });

  test("Noncompliance 24: Active, but the role cannot write traces (CreateFunction would fail)", () => {
    expect(violations(traced("Active", ["xray:PutTraceSegments"]), "LAMBDA-5")).toEqual([
      expect.stringContaining("aws_iam_role.role is not granted xray:PutTelemetryRecords: CreateFunction fails"),
    ]);
  });

  test("Compliance 24: Active, and the role's inline policy grants both actions", () => {
    expect(passes(traced("Active", WRITE_TRACES), "LAMBDA-5")).toEqual(["Active; aws_iam_role.role may write traces"]);
  });

  test("Compliance 24: Active, with a role outside the stack (named in the note)", () => {
    const stack = minimalStack();
    fn(stack, { tracingConfig: { mode: "Active" } });
    expect(passes(stack, "LAMBDA-5")).toEqual([expect.stringContaining("the role is outside this stack")]);
  });
});
