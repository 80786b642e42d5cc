import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import fc from "fast-check";
import { ExampleFleet, launchTemplateImageId } from "../../stacks/constructs/example-fleet";
import {
  autoScalingGroupArn,
  FleetRefresh,
  parameterChangedPattern,
  RETRYABLE_REFRESH_ERRORS,
  retryWindow,
  type FleetRefreshProps,
} from "../../stacks/constructs/fleet-refresh";
import { ParameterRejectionAlarm } from "../../stacks/constructs/parameter-rejection-alarm";
import { checkStack } from "../../stacks/rules/rule-pack";
import { amiLoopStacks, LATEST, STABLE } from "../helpers/ami-loop-stacks";
import { onlyResource, policyBehind, resourcesOf, synthesize, type SynthesizedStack } from "../helpers/synth";

const built = amiLoopStacks(Testing.app());
const stack: SynthesizedStack = synthesize(built.owner);

/** The resource whose attribute `key` equals `value`. */
function resourceWith(type: string, key: string, value: unknown): Record<string, unknown> {
  const found = resourcesOf(stack, type).filter((resource) => resource[key] === value);
  if (found.length !== 1) throw new Error(`expected one ${type} with ${key} = ${String(value)}, found ${found.length}`);
  return found[0] as Record<string, unknown>;
}

/** `${aws_x.name.attr}` of the resource of `type` whose `key` equals `value`. */
function referenceTo(type: string, key: string, value: unknown, attribute: string): string {
  const entries = Object.entries(stack.resource[type] ?? {}).filter(([, resource]) => resource[key] === value);
  if (entries.length !== 1) throw new Error(`expected one ${type} with ${key} = ${String(value)}`);
  return `\${${type}.${entries[0]?.[0] ?? ""}.${attribute}}`;
}

/** The state machine definition: JSON whose strings may hold Terraform interpolations. */
function definitionOf(machine: Record<string, unknown>): Record<string, any> {
  return JSON.parse(String(machine["definition"])) as Record<string, any>;
}

describe("FleetRefresh: the rule", () => {
  const rule = resourceWith("aws_cloudwatch_event_rule", "name", "ami-loop-web-fleet-refresh-on-change");

  test("matches only successful Create/Update of the parameter (no exception in the detail)", () => {
    expect(JSON.parse(String(rule["event_pattern"]))).toEqual({
      source: ["aws.ssm"],
      "detail-type": ["Parameter Store Change"],
      detail: { name: [STABLE], operation: ["Create", "Update"], exception: [{ exists: false }] },
    });
  });

  test("targets the state machine through a role that may only start it", () => {
    const target = resourcesOf(stack, "aws_cloudwatch_event_target").find((candidate) => candidate["target_id"] === "fleet-refresh");
    const machineArn = referenceTo("aws_sfn_state_machine", "name", "ami-loop-web-fleet-refresh", "arn");
    expect(target).toMatchObject({ arn: machineArn, role_arn: referenceTo("aws_iam_role", "name", "ami-loop-web-fleet-refresh-events", "arn") });
    const policy = resourceWith("aws_iam_role_policy", "name", "start-execution");
    expect(policyBehind(stack, policy["policy"]).statement).toEqual([
      { sid: "StartTheRefreshMachine", effect: "Allow", actions: ["states:StartExecution"], resources: [machineArn] },
    ]);
  });
});

describe("FleetRefresh: the state machine", () => {
  const machine = resourceWith("aws_sfn_state_machine", "name", "ami-loop-web-fleet-refresh");
  const definition = definitionOf(machine);
  const task = definition["States"]["StartInstanceRefresh"];

  test("calls StartInstanceRefresh through the AWS SDK integration with the preferences given", () => {
    expect(definition["StartAt"]).toBe("StartInstanceRefresh");
    expect(task["Type"]).toBe("Task");
    expect(task["Resource"]).toMatch(/^arn:\$\{data\.aws_partition\.[^}]+\}:states:::aws-sdk:autoscaling:startInstanceRefresh$/);
    expect(task["Parameters"]).toEqual({
      AutoScalingGroupName: "${aws_autoscaling_group." + Object.keys(stack.resource["aws_autoscaling_group"] ?? {})[0] + ".name}",
      Strategy: "Rolling",
      Preferences: { MinHealthyPercentage: 50, SkipMatching: false, AutoRollback: false, InstanceWarmup: 120 },
    });
    expect(task["End"]).toBe(true);
  });

  test("retries a refresh in progress and resource contention with backoff and jitter, nothing else", () => {
    expect(task["Retry"]).toEqual([
      {
        ErrorEquals: ["AutoScaling.InstanceRefreshInProgressException", "AutoScaling.ResourceContentionException"],
        IntervalSeconds: 60,
        BackoffRate: 2,
        MaxAttempts: 10,
        MaxDelaySeconds: 900,
        JitterStrategy: "FULL",
      },
    ]);
    expect(task["Catch"]).toBeUndefined();
    expect(RETRYABLE_REFRESH_ERRORS).toContain("AutoScaling.InstanceRefreshInProgressException");
  });

  test("the synthesized retry waits 52.5 minutes expected and 105 at most (full jitter: each wait is 0 to its delay)", () => {
    const window = retryWindow(task["Retry"][0]);
    expect(window.delaysSeconds).toEqual([60, 120, 240, 480, 900, 900, 900, 900, 900, 900]);
    expect(window.maximumSeconds).toBe(6300);
    expect(window.expectedSeconds).toBe(3150);
    expect([window.expectedSeconds / 60, window.maximumSeconds / 60]).toEqual([52.5, 105]);
  });

  test("retryWindow: the expected total is half the sum of the capped delays, for any retrier", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 3600 }),
        (interval, backoff, attempts, cap) => {
          const window = retryWindow({ IntervalSeconds: interval, BackoffRate: backoff, MaxAttempts: attempts, MaxDelaySeconds: Math.max(cap, interval) });
          expect(window.delaysSeconds).toHaveLength(attempts);
          expect(window.delaysSeconds.every((delay) => delay >= interval && delay <= Math.max(cap, interval))).toBe(true);
          expect(window.expectedSeconds).toBeCloseTo(window.maximumSeconds / 2, 6);
        },
      ),
    );
  });

  test("its role may do exactly autoscaling:StartInstanceRefresh on the group's ARN (ID segment *), plus vended log delivery", () => {
    const policy = resourceWith("aws_iam_role_policy", "name", "start-instance-refresh");
    const statements = policyBehind(stack, policy["policy"]).statement;
    const refresh = statements.find((statement) => statement.sid === "StartInstanceRefreshOfTheGroup");
    expect(refresh?.actions).toEqual(["autoscaling:StartInstanceRefresh"]);
    expect(refresh?.resources).toHaveLength(1);
    expect(refresh?.resources?.[0]).toMatch(
      /^arn:\$\{data\.aws_partition\.[^}]+\}:autoscaling:us-east-1:\$\{element\(split\(":", aws_sns_topic\.[^)]+\.arn\), 4\)\}:autoScalingGroup:\*:autoScalingGroupName\/\$\{aws_autoscaling_group\.[^.]+\.name\}$/,
    );
    const others = statements.filter((statement) => statement.sid !== "StartInstanceRefreshOfTheGroup");
    expect(others.map((statement) => statement.sid)).toEqual(["DeliverExecutionLogs"]);
    expect(others.flatMap((statement) => statement.actions).every((action) => action.startsWith("logs:"))).toBe(true);
    const role = resourceWith("aws_iam_role", "name", "ami-loop-web-fleet-refresh-sfn");
    expect(policyBehind(stack, role["assume_role_policy"]).statement[0]?.principals).toEqual([{ type: "Service", identifiers: ["states.amazonaws.com"] }]);
  });

  test("logs to an encrypted log group with a retention, under /aws/vendedlogs/states/", () => {
    const logs = resourceWith("aws_cloudwatch_log_group", "name", "/aws/vendedlogs/states/ami-loop-web-fleet-refresh");
    expect(logs["retention_in_days"]).toBe(30);
    expect(String(logs["kms_key_id"])).toMatch(/^\$\{aws_kms_key\.[^.]+\.arn\}$/);
    expect(machine["logging_configuration"]).toEqual({
      level: "ERROR",
      include_execution_data: true,
      log_destination: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.[^.]+\.arn\}:\*$/),
    });
  });

  test("a failed execution and a failed invocation each open an OpsItem", () => {
    const failed = resourceWith("aws_cloudwatch_metric_alarm", "alarm_name", "ami-loop-web-fleet-refresh-executions-failed");
    expect(failed).toMatchObject({
      namespace: "AWS/States",
      metric_name: "ExecutionsFailed",
      dimensions: { StateMachineArn: referenceTo("aws_sfn_state_machine", "name", "ami-loop-web-fleet-refresh", "arn") },
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
    });
    expect((failed["alarm_actions"] as string[])[0]).toMatch(/:ssm:us-east-1:.*:opsitem:2#CATEGORY=Availability$/);
    const invocations = resourceWith("aws_cloudwatch_metric_alarm", "alarm_name", "ami-loop-web-fleet-refresh-invocations-failed");
    expect(invocations).toMatchObject({
      namespace: "AWS/Events",
      metric_name: "FailedInvocations",
      dimensions: {
        RuleName:
          "${aws_cloudwatch_event_rule." +
          Object.entries(stack.resource["aws_cloudwatch_event_rule"] ?? {}).find(([, r]) => r["name"] === "ami-loop-web-fleet-refresh-on-change")?.[0] +
          ".name}",
      },
    });
  });
});

describe("ParameterRejectionAlarm: a value SSM refused", () => {
  const rule = resourceWith("aws_cloudwatch_event_rule", "name", "ami-loop-web-parameter-rejected");

  test("matches Parameter Store Change events that carry an exception, for every watched parameter", () => {
    expect(JSON.parse(String(rule["event_pattern"]))).toEqual({
      source: ["aws.ssm"],
      "detail-type": ["Parameter Store Change"],
      detail: { name: [LATEST, STABLE], exception: [{ exists: true }] },
    });
  });

  test("the rule and the refresh rule split the events: AWS's documented failure event matches only the rejection rule", () => {
    // The failure event from https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-ec2-aliases.html
    const failure = { exception: "Unable to Describe Resource", dataType: "aws:ec2:image", name: STABLE, type: "String", operation: "Create" };
    const success = { dataType: "aws:ec2:image", name: STABLE, type: "String", operation: "Update" };
    const matches = (pattern: Record<string, any>, detail: Record<string, string>): boolean =>
      Object.entries(pattern["detail"] as Record<string, unknown[]>).every(([key, allowed]) =>
        allowed.some((entry) =>
          typeof entry === "object" && entry !== null && "exists" in entry ? (entry as { exists: boolean }).exists === key in detail : detail[key] === entry,
        ),
      );
    const rejection = JSON.parse(String(rule["event_pattern"])) as Record<string, any>;
    const change = parameterChangedPattern(STABLE) as Record<string, any>;
    expect([matches(rejection, failure), matches(change, failure)]).toEqual([true, false]);
    expect([matches(rejection, success), matches(change, success)]).toEqual([false, true]);
  });

  test("writes the event to an encrypted log group EventBridge may write to, and alarms on TriggeredRules", () => {
    const logs = resourceWith("aws_cloudwatch_log_group", "name", "/aws/events/ami-loop-web-parameter-rejected");
    expect(String(logs["kms_key_id"])).toMatch(/aws_kms_key/);
    expect(logs["retention_in_days"]).toBe(30);
    const target = resourcesOf(stack, "aws_cloudwatch_event_target").find((candidate) => candidate["target_id"] === "rejected-parameter-log");
    expect(target?.["arn"]).toMatch(/^\$\{aws_cloudwatch_log_group\.[^.]+\.arn\}$/);
    const resourcePolicy = onlyResource(stack, "aws_cloudwatch_log_resource_policy");
    const [statement] = policyBehind(stack, resourcePolicy["policy_document"]).statement;
    expect(statement).toMatchObject({
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      principals: [{ type: "Service", identifiers: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] }],
      condition: [
        { test: "ArnEquals", variable: "aws:SourceArn", values: [expect.stringMatching(/:events:us-east-1:.*:rule\/ami-loop-web-parameter-rejected$/)] },
      ],
    });
    const alarm = resourceWith("aws_cloudwatch_metric_alarm", "alarm_name", "ami-loop-web-parameter-rejected");
    expect(alarm).toMatchObject({ namespace: "AWS/Events", metric_name: "TriggeredRules", threshold: 1 });
    expect((alarm["alarm_actions"] as string[])[0]).toMatch(/:opsitem:3#CATEGORY=Availability$/);
  });
});

describe("ExampleFleet", () => {
  test("a group of desired capacity 0 from a numbered version of a resolve:ssm: launch template", () => {
    const template = onlyResource(stack, "aws_launch_template");
    expect(template).toMatchObject({ image_id: `resolve:ssm:${STABLE}`, metadata_options: { http_tokens: "required" } });
    const group = onlyResource(stack, "aws_autoscaling_group");
    expect(group).toMatchObject({ min_size: 0, max_size: 1, desired_capacity: 0, availability_zones: ["us-east-1a"] });
    expect(group["launch_template"]).toEqual({ id: expect.stringMatching(/\.id\}$/), version: expect.stringMatching(/\.latest_version\}$/) });
  });
});

describe("the rule pack on these constructs", () => {
  test("finds nothing unacknowledged", () => {
    const findings = checkStack(built.owner).findings.filter((finding) => finding.acknowledged === undefined);
    expect(findings.map((finding) => `${finding.rule.id} ${finding.resource.address}: ${finding.reason}`)).toEqual([]);
  });
});

describe("bad props fail before anything is created", () => {
  const location = { partition: "aws", region: "us-east-1", account: "111122223333" };
  const base: FleetRefreshProps = { name: "web", parameterName: STABLE, autoScalingGroupName: "web", location };
  const build = (props: Partial<FleetRefreshProps>): FleetRefresh => new FleetRefresh(new TerraformStack(Testing.app(), "bad"), "fleet", { ...base, ...props });

  test.each<[string, Partial<FleetRefreshProps>, RegExp]>([
    ["skip matching", { preferences: { skipMatching: true } }, /preferences\.skipMatching true would replace no instance: .*resolve:ssm:.*set it to false/],
    ["auto rollback", { preferences: { autoRollback: true } }, /preferences\.autoRollback true is refused by Auto Scaling .*SSM parameter; set it to false/],
    ["min healthy 101", { preferences: { minHealthyPercentage: 101 } }, /preferences\.minHealthyPercentage 101 must be an integer from 0 to 100/],
    [
      "a group ARN instead of a name",
      { autoScalingGroupName: "arn:aws:autoscaling:us-east-1:1:autoScalingGroup:x" },
      /autoScalingGroupName ".*" must be .* without ":" \(a name, not an ARN\)/,
    ],
    ["a parameter name with a space", { parameterName: "/ec2 images/latest" }, /parameterName "\/ec2 images\/latest" is not an SSM parameter name/],
    ["backoff below 1", { retry: { backoffRate: 0.5 } }, /retry\.backoffRate 0\.5 must be >= 1/],
    ["a name with dots", { name: "web.prod" }, /name "web\.prod" must be 1-40 letters/],
    ["a name too long for the derived role and rule names", { name: "w".repeat(41) }, /must be 1-40 letters.*cap at 64 characters/],
  ])("%s", (_, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test("a rejection alarm without parameters", () => {
    expect(() => new ParameterRejectionAlarm(new TerraformStack(Testing.app(), "bad"), "alarm", { name: "web", parameterNames: [], location })).toThrow(
      /parameterNames is empty/,
    );
  });

  test("the group ARN helper leaves the ID segment open", () => {
    expect(autoScalingGroupArn(location, "web")).toBe("arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:*:autoScalingGroupName/web");
  });

  test("launchTemplateImageId takes a name or a parameter ARN, nothing else", () => {
    expect(launchTemplateImageId(STABLE)).toBe(`resolve:ssm:${STABLE}`);
    expect(launchTemplateImageId("arn:aws:ssm:us-east-1:111122223333:parameter/ec2-imagebuilder/web/stable")).toBe(
      "resolve:ssm:arn:aws:ssm:us-east-1:111122223333:parameter/ec2-imagebuilder/web/stable",
    );
    expect(() => launchTemplateImageId("ami-0123456789abcdef0 ")).toThrow(/neither a parameter name nor a parameter ARN/);
  });
});

describe("the loop's constructs on another region's provider", () => {
  // Prepare: each construct given an aliased provider of eu-west-1, beside one on the stack's default provider.
  const app = Testing.app();
  const regional = new TerraformStack(app, "regional");
  new AwsProvider(regional, "aws", { region: "us-east-1" });
  const ireland = new AwsProvider(regional, "aws-eu-west-1", { alias: "eu-west-1", region: "eu-west-1" });
  const location = { partition: "aws", region: "eu-west-1", account: "111122223333" };
  new FleetRefresh(regional, "home", { name: "home", parameterName: LATEST, autoScalingGroupName: "web", location: { ...location, region: "us-east-1" } });
  new FleetRefresh(regional, "away", { name: "away", parameterName: LATEST, autoScalingGroupName: "web", location, provider: ireland });
  new ParameterRejectionAlarm(regional, "away-rejected", { name: "away", parameterNames: [LATEST], location, provider: ireland });
  new ExampleFleet(regional, "away-fleet", {
    name: "away",
    parameter: LATEST,
    instanceType: "t4g.micro",
    placement: { availabilityZones: ["eu-west-1a"] },
    provider: ireland,
  });

  // Act
  const synthesized = synthesize(regional);
  const all = (kind: "resource" | "data") =>
    Object.entries(synthesized[kind] ?? {}).flatMap(([type, byId]) => Object.entries(byId).map(([id, body]) => ({ address: `${type}.${id}`, body })));

  test("every resource and data source of the aliased constructs is on the provider; the default one's are not", () => {
    for (const kind of ["resource", "data"] as const) {
      for (const { address, body } of all(kind)) {
        const away = /^[a-z_]+\.(away|logs-key-eu-west-1)/.test(address);
        expect([address, body["provider"]]).toEqual([address, away ? "aws.eu-west-1" : undefined]);
      }
    }
  });

  test("log groups use a logs key of their own region: one key per provider", () => {
    const keys = Object.entries(synthesized.resource["aws_kms_key"] ?? {});
    expect(keys.map(([, key]) => key["provider"]).sort()).toEqual(["aws.eu-west-1", undefined]);
    const irelandKey = keys.find(([, key]) => key["provider"] === "aws.eu-west-1")?.[0];
    const groups = resourcesOf(synthesized, "aws_cloudwatch_log_group");
    for (const group of groups) {
      expect(group["kms_key_id"] === `\${aws_kms_key.${irelandKey}.arn}`).toBe(group["provider"] === "aws.eu-west-1");
    }
  });

  test("the state machine's IAM names exactly that region's group", () => {
    const machine = resourcesOf(synthesized, "aws_sfn_state_machine").find((candidate) => candidate["name"] === "away-fleet-refresh");
    const roleId = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(String(machine?.["role_arn"]))?.[1];
    const policy = resourcesOf(synthesized, "aws_iam_role_policy").find((candidate) => candidate["role"] === `\${aws_iam_role.${roleId}.id}`);
    const statement = policyBehind(synthesized, policy?.["policy"]).statement.find((entry) => entry.sid === "StartInstanceRefreshOfTheGroup");
    expect(statement).toMatchObject({ actions: ["autoscaling:StartInstanceRefresh"], resources: [autoScalingGroupArn(location, "web")] });
    expect(autoScalingGroupArn(location, "web")).toBe("arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:*:autoScalingGroupName/web");
  });
});
