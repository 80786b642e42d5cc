import { TerraformStack, Testing } from "cdktf";
import { buildApp } from "../../stacks/app";
import { AmiTrackerStack, parameterArnPath } from "../../stacks/ami-tracker-stack";
import { onlyResource, policyBehind, resourcesOf, synthesize, testConfig, type SynthesizedStack } from "../helpers/synth";

function synthTracker(raw: Record<string, unknown> = {}): SynthesizedStack {
  const app = Testing.app();
  return synthesize(new AmiTrackerStack(app, testConfig(raw)));
}

describe("AmiTrackerStack", () => {
  const stack = synthTracker();
  const lambda = onlyResource(stack, "aws_lambda_function");
  const role = onlyResource(stack, "aws_iam_role_policy");
  const statements = policyBehind(stack, role["policy"]).statement;

  test("runs the tracker on Node.js 22, arm64, 128 MB, 60 s, with the handler's contract in its environment", () => {
    expect(lambda).toMatchObject({
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      memory_size: 128,
      timeout: 60,
      handler: "index.handler",
      environment: {
        variables: {
          PARAMETER_NAME: "/ec2-imagebuilder/latest",
          TRACKED_REGIONS: "us-east-1",
          METRICS_NAMESPACE: "AmiTracker",
        },
      },
    });
  });

  test("zips the bundle with archive_file inside the stack folder, and deploys that zip's hash", () => {
    const archive = Object.entries(stack.data["archive_file"] ?? {});
    expect(archive).toHaveLength(1);
    const [id, zip] = archive[0] as [string, Record<string, unknown>];
    expect(zip["type"]).toBe("zip");
    expect(zip["source_dir"]).toMatch(/^\$\{path\.module\}\/assets\/[^/]+\/[0-9a-f]{32}$/);
    expect(zip["output_path"]).toMatch(/^\$\{path\.module\}\/build\/[a-z0-9-]+\.zip$/);
    expect(lambda["filename"]).toBe(`\${data.archive_file.${id}.output_path}`);
    expect(lambda["source_code_hash"]).toBe(`\${data.archive_file.${id}.output_base64sha256}`);
  });

  test("grants exactly the SSM actions on the parameter ARN of each tracked region, and nothing wider", () => {
    const ssm = statements.find((statement) => statement.actions.some((action) => action.startsWith("ssm:")));
    expect(ssm?.actions.sort()).toEqual([
      "ssm:AddTagsToResource",
      // waits for the aws:ec2:image value to be accepted before tagging (handlers/ami-tracker/ssm-store.ts)
      "ssm:GetParameter",
      // decides which of two concurrent writes wins (ami-pointers/newest-wins.ts)
      "ssm:GetParameterHistory",
      "ssm:ListTagsForResource",
      "ssm:PutParameter",
      "ssm:RemoveTagsFromResource",
    ]);
    expect(ssm?.resources).toHaveLength(1);
    expect(ssm?.resources?.[0]).toMatch(/^arn:\$\{data\.aws_partition\.[^}]+\}:ssm:us-east-1:\$\{.+\}:parameter\/ec2-imagebuilder\/latest$/);
    const everyAction = statements.flatMap((statement) => statement.actions).sort();
    expect(everyAction).toEqual([
      // In-use tags of AMIs, limited to the parameter's tag keys (ami-loop-wiring.test.ts).
      "ec2:CreateTags",
      "ec2:DeleteTags",
      "ec2:DescribeImages",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "sqs:SendMessage",
      "ssm:AddTagsToResource",
      "ssm:GetParameter",
      "ssm:GetParameterHistory",
      "ssm:ListTagsForResource",
      "ssm:PutParameter",
      "ssm:RemoveTagsFromResource",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]);
    for (const statement of statements) {
      // No resource-level permissions exist for these (Service Authorization Reference).
      if (statement.actions.includes("ec2:DescribeImages") || statement.actions.every((action) => action.startsWith("xray:"))) continue;
      expect(statement.resources).not.toContain("*");
    }
  });

  test("encrypts the topic with a customer-managed, rotated key that Image Builder's role and SNS may use", () => {
    const topic = onlyResource(stack, "aws_sns_topic");
    const keyId = /^\$\{aws_kms_key\.([^.]+)\.arn\}$/.exec(String(topic["kms_master_key_id"]))?.[1] ?? "";
    expect(stack.resource["aws_kms_key"]?.[keyId]?.["enable_key_rotation"]).toBe(true);
    const topicKeyPolicy = resourcesOf(stack, "aws_kms_key_policy").find((policy) => policy["key_id"] === `\${aws_kms_key.${keyId}.key_id}`);
    const keyPolicy = policyBehind(stack, topicKeyPolicy?.["policy"]).statement;
    const imageBuilder = keyPolicy.find((statement) => statement.sid === "ImageBuilderPublishesEncrypted");
    expect(imageBuilder?.actions).toEqual(["kms:GenerateDataKey*", "kms:Decrypt"]);
    expect(imageBuilder?.principals?.[0]?.identifiers[0]).toMatch(/:role\/aws-service-role\/imagebuilder\.amazonaws\.com\/AWSServiceRoleForImageBuilder$/);
    const sns = keyPolicy.find((statement) => statement.sid === "SnsUsesKeyForThisAccount");
    expect(sns?.principals).toEqual([{ type: "Service", identifiers: ["sns.amazonaws.com"] }]);
    expect(keyPolicy.flatMap((statement) => statement.actions)).not.toContain("kms:*");
  });

  test("lets the account's Image Builder publish, and only over TLS", () => {
    const topicPolicy = policyBehind(stack, onlyResource(stack, "aws_sns_topic_policy")["policy"]).statement;
    const publish = topicPolicy.find((statement) => statement.sid === "ImageBuilderPublishes");
    expect(publish?.actions).toEqual(["sns:Publish"]);
    expect(publish?.condition?.[0]).toMatchObject({ test: "ArnEquals", variable: "aws:PrincipalArn" });
    const deny = topicPolicy.find((statement) => statement.effect === "Deny");
    expect(deny?.condition?.[0]).toEqual({ test: "Bool", variable: "aws:SecureTransport", values: ["false"] });
  });

  test("subscribes the tracker to the topic, with the invoke permission scoped to that topic", () => {
    const subscription = onlyResource(stack, "aws_sns_topic_subscription");
    expect(subscription["protocol"]).toBe("lambda");
    expect(subscription["endpoint"]).toMatch(/^\$\{aws_lambda_function\.[^.]+\.arn\}$/);
    expect(String(subscription["redrive_policy"])).toContain("deadLetterTargetArn");
    const permission = onlyResource(stack, "aws_lambda_permission");
    expect(permission).toMatchObject({ principal: "sns.amazonaws.com", action: "lambda:InvokeFunction" });
    expect(permission["source_arn"]).toBe(subscription["topic_arn"]);
  });

  test("retries failed invocations, then sends them to an encrypted dead-letter queue", () => {
    const dlq = onlyResource(stack, "aws_sqs_queue");
    expect(dlq["sqs_managed_sse_enabled"]).toBe(true);
    const asyncConfig = onlyResource(stack, "aws_lambda_function_event_invoke_config");
    expect(asyncConfig).toMatchObject({ maximum_retry_attempts: 2, maximum_event_age_in_seconds: 3600 });
    expect((asyncConfig["destination_config"] as { on_failure: { destination: string } }).on_failure.destination).toMatch(/^\$\{aws_sqs_queue\.[^.]+\.arn\}$/);
  });

  test("keeps the tracker's logs for the configured retention, encrypted with the stack's logs key", () => {
    const logGroup = onlyResource(stack, "aws_cloudwatch_log_group");
    expect(logGroup).toMatchObject({ name: "/aws/lambda/ssm-patterns-test-ami-tracker", retention_in_days: 30 });
    const keyId = /^\$\{aws_kms_key\.([^.]+)\.arn\}$/.exec(String(logGroup["kms_key_id"]))?.[1] ?? "";
    expect(stack.resource["aws_kms_key"]?.[keyId]?.["enable_key_rotation"]).toBe(true);
    const [policyId, keyPolicy] =
      Object.entries(stack.resource["aws_kms_key_policy"] ?? {}).find(([, policy]) => policy["key_id"] === `\${aws_kms_key.${keyId}.key_id}`) ?? [];
    expect(logGroup["depends_on"]).toContain(`aws_kms_key_policy.${String(policyId)}`);
    const logs = policyBehind(stack, keyPolicy?.["policy"]).statement.find((statement) => statement.sid === "CloudWatchLogsEncryptsThisAccountsLogGroups");
    expect(logs?.principals?.[0]?.identifiers[0]).toMatch(/^logs\.\$\{element\(split\(":", aws_kms_key\.[^.]+\.arn\), 3\)\}\.amazonaws\.com$/);
    expect(logs?.condition?.[0]).toMatchObject({ test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn" });
  });

  test("without a launch template that resolves it, never manages the parameter (the tracker creates it); see first-deploy.test.ts for the seeded ones", () => {
    expect(resourcesOf(stack, "aws_ssm_parameter")).toHaveLength(0);
  });

  test("uses no data source that needs AWS at plan time", () => {
    const dataTypes = Object.keys(stack.data).sort();
    expect(dataTypes).toEqual(["archive_file", "aws_iam_policy_document", "aws_partition"]);
  });

  test("outputs the topic ARN, the function name, the parameter name per region and the alarm names", () => {
    expect(Object.keys(stack.output).sort()).toEqual([
      "alarm_names",
      "dead_letter_queue_url",
      "function_name",
      "operator_policy",
      "parameter_names",
      "topic_arn",
    ]);
    expect(stack.output["parameter_names"]?.value).toEqual({ "us-east-1": "/ec2-imagebuilder/latest" });
  });

  test.each([
    [["us-east-1"], 1],
    [["us-east-1", "eu-west-1", "ap-southeast-2"], 3],
  ])("writes in every tracked region %j: one parameter ARN each", (regions, count) => {
    const multi = synthTracker({ amiTracker: { trackedRegions: regions } });
    const policy = policyBehind(multi, onlyResource(multi, "aws_iam_role_policy")["policy"]).statement;
    const ssm = policy.find((statement) => statement.actions.includes("ssm:PutParameter"));
    expect(ssm?.resources).toHaveLength(count);
    regions.forEach((region) => expect(ssm?.resources?.some((arn) => arn.includes(`:ssm:${region}:`))).toBe(true));
    expect(onlyResource(multi, "aws_lambda_function")).toMatchObject({
      environment: { variables: { TRACKED_REGIONS: regions.join(",") } },
    });
  });

  test("narrows a templated parameter name to the path pattern IAM matches", () => {
    expect(parameterArnPath("/ec2-imagebuilder/{pipeline}/latest")).toBe("ec2-imagebuilder/*/latest");
    expect(parameterArnPath("/amis/{pipeline}/{image}")).toBe("amis/*/*");
    const templated = synthTracker({ amiTracker: { parameterName: "/ec2-imagebuilder/{pipeline}/latest" } });
    const policy = policyBehind(templated, onlyResource(templated, "aws_iam_role_policy")["policy"]).statement;
    const ssm = policy.find((statement) => statement.actions.includes("ssm:PutParameter"));
    expect(ssm?.resources?.[0]).toMatch(/:parameter\/ec2-imagebuilder\/\*\/latest$/);
  });

  test('logs JSON at INFO by default, traces actively, and may write traces (Resource "*": X-Ray has no resource types)', () => {
    const logGroup = onlyResource(stack, "aws_cloudwatch_log_group");
    expect(lambda["logging_config"]).toEqual({
      log_format: "JSON",
      application_log_level: "INFO",
      system_log_level: "INFO",
      log_group: `\${aws_cloudwatch_log_group.${Object.keys(stack.resource["aws_cloudwatch_log_group"] ?? {})[0]}.name}`,
    });
    expect(logGroup).toBeDefined();
    expect(lambda["tracing_config"]).toEqual({ mode: "Active" });
    expect(statements.find((statement) => statement.sid === "WriteTraces")).toMatchObject({
      actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
      resources: ["*"],
    });
    // CreateFunction with Active tracing checks the role's X-Ray permission: the policy exists first.
    expect(lambda["depends_on"]).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_iam_role_policy\./)]));
    expect((lambda as { environment: { variables: Record<string, string> } }).environment.variables["POWERTOOLS_SERVICE_NAME"]).toBe("ami-tracker");
  });

  test("takes the application and system log levels from configuration", () => {
    const debug = synthTracker({ amiTracker: { applicationLogLevel: "DEBUG", systemLogLevel: "WARN" } });
    expect(onlyResource(debug, "aws_lambda_function")["logging_config"]).toMatchObject({
      log_format: "JSON",
      application_log_level: "DEBUG",
      system_log_level: "WARN",
    });
  });

  test("applies configured sizing and reserves concurrency only when asked", () => {
    const sized = synthTracker({ amiTracker: { memoryMb: 256, timeoutSeconds: 90, reservedConcurrency: 2, logRetentionDays: 90 } });
    expect(onlyResource(sized, "aws_lambda_function")).toMatchObject({ memory_size: 256, timeout: 90, reserved_concurrent_executions: 2 });
    expect(onlyResource(sized, "aws_cloudwatch_log_group")["retention_in_days"]).toBe(90);
    expect(lambda["reserved_concurrent_executions"]).toBeUndefined();
  });

  test("tags every resource through the provider's default tags", () => {
    const provider = (stack.provider["aws"] ?? [])[0] as { default_tags: { tags: Record<string, string> }[]; region: string };
    expect(provider.region).toBe("us-east-1");
    expect(provider.default_tags[0]?.tags).toMatchObject({ Project: "ssm-patterns", Environment: "test", Stack: "ami-tracker" });
  });

  test("the app builds the tracker stack by default and leaves it out when disabled", () => {
    const stackNames = (raw: Record<string, unknown>) =>
      buildApp(testConfig(raw), { outdir: Testing.app().outdir })
        .node.children.filter((child) => child instanceof TerraformStack)
        .map((child) => child.node.id);
    expect(stackNames({})).toContain("ami-tracker");
    expect(stackNames({ amiTracker: { enabled: false } })).not.toContain("ami-tracker");
  });
});
