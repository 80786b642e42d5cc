import { TerraformStack, Testing } from "cdktf";
import { AmiTrackerStack } from "../../stacks/ami-tracker-stack";
import { OPS_ITEM_CATEGORIES, opsItemArn, type OpsItemCategory, type OpsItemSeverity } from "../../aws/ops-center";
import { AlarmNotificationTopic, OpsCenterAlarm } from "../../stacks/constructs/ops-center-alarm";
import { onlyResource, policyBehind, resourcesOf, synthesize, testConfig, type SynthesizedStack } from "../helpers/synth";

/** `arn:<partition>:ssm:<region>:<account>:opsitem:<severity>#CATEGORY=<category>`, with tokens for partition and account. */
const OPS_ITEM_ARN =
  /^arn:\$\{data\.aws_partition\.[^}]+\}:ssm:(?<region>[a-z0-9-]+):\$\{element\(split\(":", aws_kms_key\.[^)]+\.arn\), 4\)\}:opsitem:(?<severity>[1-4])#CATEGORY=(?<category>Availability|Cost|Performance|Recovery|Security)$/;

function synthTracker(raw: Record<string, unknown> = {}): SynthesizedStack {
  return synthesize(new AmiTrackerStack(Testing.app(), testConfig(raw)));
}

function alarmNamed(stack: SynthesizedStack, suffix: string): Record<string, unknown> {
  const alarm = resourcesOf(stack, "aws_cloudwatch_metric_alarm").find((resource) => String(resource["alarm_name"]).endsWith(suffix));
  if (alarm === undefined) throw new Error(`no alarm ending in ${suffix}`);
  return alarm;
}

describe("OpsCenter alarms of the tracker stack", () => {
  const stack = synthTracker();
  const alarms = resourcesOf(stack, "aws_cloudwatch_metric_alarm");

  test("creates three alarms, each with exactly one action: an OpsItem ARN of the right shape", () => {
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      const actions = alarm["alarm_actions"] as string[];
      expect(actions).toHaveLength(1);
      expect(actions[0]).toMatch(OPS_ITEM_ARN);
      expect(OPS_ITEM_ARN.exec(actions[0] ?? "")?.groups?.["region"]).toBe("us-east-1");
      expect(alarm["treat_missing_data"]).toBe("notBreaching");
      expect(alarm["ok_actions"]).toBeUndefined();
    }
  });

  test("watches the tracker's Lambda errors", () => {
    const alarm = alarmNamed(stack, "-ami-tracker-errors");
    expect(alarm).toMatchObject({
      namespace: "AWS/Lambda",
      metric_name: "Errors",
      dimensions: { FunctionName: onlyResource(stack, "aws_lambda_function")["function_name"] },
      statistic: "Sum",
      comparison_operator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      period: 300,
      evaluation_periods: 1,
    });
    expect((alarm["alarm_actions"] as string[])[0]).toMatch(/:opsitem:2#CATEGORY=Availability$/);
  });

  test("watches the messages visible in the dead-letter queue", () => {
    const alarm = alarmNamed(stack, "-ami-tracker-dlq-messages");
    expect(alarm).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: onlyResource(stack, "aws_sqs_queue")["name"] },
      statistic: "Maximum",
    });
    expect((alarm["alarm_actions"] as string[])[0]).toMatch(/:opsitem:2#CATEGORY=Recovery$/);
  });

  test("watches BuildsFailed, with Powertools' service dimension, in the namespace the handler emits to", () => {
    const alarm = alarmNamed(stack, "-ami-tracker-builds-failed");
    expect(alarm).toMatchObject({ namespace: "AmiTracker", metric_name: "BuildsFailed", statistic: "Sum" });
    const lambda = onlyResource(stack, "aws_lambda_function") as { environment: { variables: Record<string, string> } };
    expect(alarm["dimensions"]).toEqual({ service: lambda.environment.variables["POWERTOOLS_SERVICE_NAME"] });
    expect(alarm["namespace"]).toBe(lambda.environment.variables["METRICS_NAMESPACE"]);
    expect((alarm["alarm_actions"] as string[])[0]).toMatch(/:opsitem:3#CATEGORY=Availability$/);

    const custom = synthTracker({ amiTracker: { metricsNamespace: "Custom/AmiTracker" } });
    expect(alarmNamed(custom, "-ami-tracker-builds-failed")["namespace"]).toBe("Custom/AmiTracker");
  });

  test("takes severity, category, threshold and periods per alarm from the configuration", () => {
    const tuned = synthTracker({
      alarms: {
        trackerErrors: { severity: 1, category: "Performance", threshold: 3, periodSeconds: 60, evaluationPeriods: 5 },
        buildsFailed: { severity: 4, category: "Cost" },
      },
    });
    const errors = alarmNamed(tuned, "-ami-tracker-errors");
    expect(errors).toMatchObject({ threshold: 3, period: 60, evaluation_periods: 5 });
    expect((errors["alarm_actions"] as string[])[0]).toMatch(/:opsitem:1#CATEGORY=Performance$/);
    expect((alarmNamed(tuned, "-ami-tracker-builds-failed")["alarm_actions"] as string[])[0]).toMatch(/:opsitem:4#CATEGORY=Cost$/);
    expect((alarmNamed(tuned, "-ami-tracker-dlq-messages")["alarm_actions"] as string[])[0]).toMatch(/:opsitem:2#CATEGORY=Recovery$/);
  });

  test("with e-mail addresses: a KMS-encrypted topic CloudWatch may publish to, on ALARM and OK, besides the OpsItem", () => {
    const notified = synthTracker({ alarms: { emailAddresses: ["ops@example.com", "oncall@example.com"] } });
    const topic = resourcesOf(notified, "aws_sns_topic").find((resource) => String(resource["name"]).endsWith("-alarms"));
    expect(topic?.["kms_master_key_id"]).toMatch(/^\$\{aws_kms_key\.[^.]+\.arn\}$/);
    expect(topic?.["kms_master_key_id"]).not.toBe(onlyResource(synthTracker(), "aws_sns_topic")["kms_master_key_id"]);
    const subscriptions = resourcesOf(notified, "aws_sns_topic_subscription").filter((subscription) => subscription["protocol"] === "email");
    expect(subscriptions.map((subscription) => subscription["endpoint"]).sort()).toEqual(["oncall@example.com", "ops@example.com"]);
    for (const alarm of resourcesOf(notified, "aws_cloudwatch_metric_alarm")) {
      const actions = alarm["alarm_actions"] as string[];
      expect(actions[0]).toMatch(OPS_ITEM_ARN);
      expect(actions[1]).toMatch(/^\$\{aws_sns_topic\.alarm-notifications_topic_[^.]+\.arn\}$/);
      expect(alarm["ok_actions"]).toEqual([actions[1]]);
    }
    const keyPolicies = resourcesOf(notified, "aws_kms_key_policy").map((policy) => policyBehind(notified, policy["policy"]).statement);
    const cloudWatch = keyPolicies.flat().find((statement) => statement.sid === "CloudWatchPublishesEncrypted");
    expect(cloudWatch).toMatchObject({
      actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
      principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
    });
    const topicPolicies = resourcesOf(notified, "aws_sns_topic_policy")
      .map((policy) => policyBehind(notified, policy["policy"]).statement)
      .flat();
    expect(topicPolicies.find((statement) => statement.sid === "CloudWatchAlarmsPublish")?.condition?.[0]).toMatchObject({
      test: "ArnLike",
      variable: "aws:SourceArn",
    });
  });

  test("creates no alarm when alarms.enabled is false", () => {
    const quiet = synthTracker({ alarms: { enabled: false } });
    expect(resourcesOf(quiet, "aws_cloudwatch_metric_alarm")).toHaveLength(0);
    expect(quiet.output["alarm_names"]).toBeUndefined();
  });
});

describe("OpsCenterAlarm (the reusable construct)", () => {
  const location = { partition: "aws", region: "eu-west-1", account: "123456789012" };
  const base = {
    alarmName: "x",
    description: "d",
    metric: { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: "q" } },
    threshold: 1,
    location,
  };

  test.each(OPS_ITEM_CATEGORIES.flatMap((category) => ([1, 2, 3, 4] as const).map((severity) => [severity, category] as const)))(
    "severity %d, category %s makes the documented OpsItem ARN",
    (severity, category) => {
      expect(opsItemArn(location, severity, category)).toBe(`arn:aws:ssm:eu-west-1:123456789012:opsitem:${severity}#CATEGORY=${category}`);
    },
  );

  test.each([
    [0, "Availability", /severity 0 is not an OpsItem severity; use 1 \(critical\) to 4 \(low\)/],
    [5, "Availability", /severity 5 is not an OpsItem severity/],
    [2, "Outage", /category "Outage" is not an OpsItem category; use one of Availability, Cost, Performance, Recovery, Security/],
  ])("refuses severity %p with category %p before creating anything", (severity, category, message) => {
    const stack = new TerraformStack(Testing.app(), "s");
    expect(() => new OpsCenterAlarm(stack, "a", { ...base, severity: severity as OpsItemSeverity, category: category as OpsItemCategory })).toThrow(message);
    expect(stack.node.tryFindChild("a")?.node.children ?? []).toHaveLength(0);
  });

  test("refuses a period that is not a multiple of 60, and a notification topic without addresses", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    expect(() => new OpsCenterAlarm(stack, "a", { ...base, severity: 2, category: "Recovery", periodSeconds: 90 })).toThrow(
      /periodSeconds 90 must be a multiple of 60/,
    );
    expect(() => new AlarmNotificationTopic(stack, "t", { topicName: "t", emailAddresses: [], location })).toThrow(/emailAddresses is empty/);
  });
});
