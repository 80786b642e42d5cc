/**
 * Staleness you hear about (issue 25, item 6): the age of each pointer is measured every 6 hours and an
 * alarm opens an OpsItem past the configured number of days. The state machine's JSONata expressions are
 * evaluated here with the jsonata package against a GetParameters response of the SDK integration.
 */
import { TerraformStack, Testing } from "cdktf";
import jsonata from "jsonata";
import {
  ANY_POINTER_FOUND,
  POINTER_AGE_METRIC,
  POINTER_AGES_METRIC_DATA,
  PointerStalenessAlarm,
  STALENESS_ALARM_PERIOD_SECONDS,
  STALENESS_CHECK_SCHEDULE,
  type PointerStalenessAlarmProps,
} from "../../stacks/constructs/pointer-staleness";
import { amiLoopStacks, LATEST, STABLE } from "../helpers/ami-loop-stacks";
import { policyBehind, resourcesOf, synthesize } from "../helpers/synth";

const built = amiLoopStacks(Testing.app());
const owner = synthesize(built.owner);
const machine = resourcesOf(owner, "aws_sfn_state_machine").find((candidate) => candidate["name"] === "ami-loop-web-pointer-age") as Record<string, unknown>;
const definition = JSON.parse(String(machine["definition"])) as Record<string, any>;

/** A Step Functions JSONata field's expression: `{% expr %}` -> `expr`. */
function expressionOf(field: unknown): string {
  const match = /^\{% ([\s\S]+) %\}$/.exec(String(field));
  if (!match?.[1]) throw new Error(`not a JSONata field: ${String(field)}`);
  return match[1];
}

/** GetParameters as the SDK integration answers it: one pointer found, one unknown. */
const getParametersResult = {
  Parameters: [
    {
      Name: STABLE,
      Type: "String",
      Value: "ami-0abcdef1234567890",
      Version: 7,
      LastModifiedDate: "2026-11-01T06:00:00Z",
      ARN: "arn:aws:ssm:us-east-1:111122223333:parameter/ec2-imagebuilder/web/stable",
      DataType: "aws:ec2:image",
    },
  ],
  InvalidParameters: [LATEST],
};
const context = { Execution: { StartTime: "2026-12-05T18:00:00.000Z" } };

describe("PointerStalenessAlarm: the measuring state machine", () => {
  test("reads the pointers with GetParameters and publishes their ages with PutMetricData (JSONata, SDK integrations)", () => {
    expect(definition["QueryLanguage"]).toBe("JSONata");
    expect(definition["States"]["ReadPointers"]).toEqual({
      Type: "Task",
      Resource: expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^}]+\}:states:::aws-sdk:ssm:getParameters$/),
      Arguments: { Names: [LATEST, STABLE] },
      Next: "AnyPointerFound",
    });
    expect(definition["States"]["PublishAges"]).toMatchObject({
      Resource: expect.stringMatching(/:states:::aws-sdk:cloudwatch:putMetricData$/),
      Arguments: { Namespace: "AmiTracker", MetricData: `{% ${POINTER_AGES_METRIC_DATA} %}` },
      End: true,
    });
  });

  test("the age of each found pointer, in days since its LastModifiedDate, with the pointer as dimension", async () => {
    const metricData = await jsonata(expressionOf(definition["States"]["PublishAges"]["Arguments"]["MetricData"])).evaluate(
      {},
      { states: { input: getParametersResult, context } },
    );
    expect(metricData).toEqual([{ MetricName: POINTER_AGE_METRIC, Dimensions: [{ Name: "Parameter", Value: STABLE }], Value: 34.5, Unit: "None" }]);
  });

  test("two pointers give two data; a timestamp in epoch seconds is read too", async () => {
    const input = {
      Parameters: [
        { ...getParametersResult.Parameters[0], Name: LATEST, LastModifiedDate: Date.parse("2026-12-04T18:00:00Z") / 1000 },
        getParametersResult.Parameters[0],
      ],
    };
    const metricData = (await jsonata(POINTER_AGES_METRIC_DATA).evaluate({}, { states: { input, context } })) as { Value: number }[];
    expect(metricData.map((datum) => datum.Value)).toEqual([1, 34.5]);
  });

  test("no pointer found yet: the Choice skips PutMetricData and succeeds", async () => {
    const condition = definition["States"]["AnyPointerFound"]["Choices"][0]["Condition"];
    expect(expressionOf(condition)).toBe(ANY_POINTER_FOUND);
    expect(await jsonata(ANY_POINTER_FOUND).evaluate({}, { states: { input: getParametersResult } })).toBe(true);
    expect(await jsonata(ANY_POINTER_FOUND).evaluate({}, { states: { input: { Parameters: [], InvalidParameters: [LATEST, STABLE] } } })).toBe(false);
    expect(definition["States"]["AnyPointerFound"]["Default"]).toBe("NoPointerYet");
  });

  test(`runs on ${STALENESS_CHECK_SCHEDULE}, started by a role that may only start it`, () => {
    const rule = resourcesOf(owner, "aws_cloudwatch_event_rule").find((candidate) => candidate["name"] === "ami-loop-web-pointer-age-schedule");
    expect(rule?.["schedule_expression"]).toBe("rate(6 hours)");
    const events = resourcesOf(owner, "aws_iam_role_policy").find((policy) => String(policy["role"]).includes("pointer-staleness_events-role"));
    expect(policyBehind(owner, events?.["policy"]).statement).toEqual([
      {
        sid: "StartTheAgeCheck",
        effect: "Allow",
        actions: ["states:StartExecution"],
        resources: [expect.stringMatching(/^\$\{aws_sfn_state_machine\.[^.]+\.arn\}$/)],
      },
    ]);
  });

  test("its role reads exactly the watched parameters and publishes only in the namespace", () => {
    const policy = resourcesOf(owner, "aws_iam_role_policy").find((candidate) => candidate["name"] === "measure-pointer-age");
    const statements = policyBehind(owner, policy?.["policy"]).statement;
    expect(statements.find((statement) => statement.sid === "ReadThePointers")).toMatchObject({
      actions: ["ssm:GetParameters"],
      resources: [
        expect.stringMatching(/:ssm:us-east-1:.*:parameter\/ec2-imagebuilder\/web\/latest$/),
        expect.stringMatching(/:parameter\/ec2-imagebuilder\/web\/stable$/),
      ],
    });
    expect(statements.find((statement) => statement.sid === "PublishPointerAges")).toMatchObject({
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: ["AmiTracker"] }],
    });
  });
});

describe("PointerStalenessAlarm: the alarms", () => {
  const alarms = resourcesOf(owner, "aws_cloudwatch_metric_alarm");
  const stale = alarms.filter((alarm) => alarm["metric_name"] === POINTER_AGE_METRIC);

  test("one per pointer: the day's maximum age above 30 days opens an OpsItem; no datum is missing, not breaching", () => {
    expect(stale.map((alarm) => alarm["alarm_name"]).sort()).toEqual([
      "ami-loop-web-stale-ec2-imagebuilder-web-latest",
      "ami-loop-web-stale-ec2-imagebuilder-web-stable",
    ]);
    for (const alarm of stale) {
      expect(alarm).toMatchObject({
        namespace: "AmiTracker",
        statistic: "Maximum",
        threshold: 30,
        comparison_operator: "GreaterThanThreshold",
        period: STALENESS_ALARM_PERIOD_SECONDS,
        evaluation_periods: 1,
        treat_missing_data: "missing",
        alarm_actions: [expect.stringMatching(/:ssm:us-east-1:.*:opsitem:3#CATEGORY=Availability$/)],
      });
    }
    expect(stale.map((alarm) => (alarm["dimensions"] as Record<string, string>)["Parameter"]).sort()).toEqual([LATEST, STABLE]);
  });

  test("its look-back stays within CloudWatch's limit (Period x EvaluationPeriods <= 7 days) for any limit in days", () => {
    for (const alarm of stale) expect(Number(alarm["period"]) * Number(alarm["evaluation_periods"])).toBeLessThanOrEqual(604_800);
  });

  test("a failed check opens an OpsItem too", () => {
    expect(alarms.find((alarm) => alarm["alarm_name"] === "ami-loop-web-pointer-age-failed")).toMatchObject({
      namespace: "AWS/States",
      metric_name: "ExecutionsFailed",
      threshold: 1,
    });
  });
});

describe("PointerStalenessAlarm: bad props", () => {
  const base: PointerStalenessAlarmProps = {
    name: "web",
    parameterNames: [LATEST],
    maxAgeDays: 30,
    namespace: "AmiTracker",
    location: { partition: "aws", region: "us-east-1", account: "111122223333" },
  };
  test.each<[string, Partial<PointerStalenessAlarmProps>, RegExp]>([
    ["0 days", { maxAgeDays: 0 }, /maxAgeDays 0 must be a whole number of days from 1 to 365/],
    ["400 days", { maxAgeDays: 400 }, /maxAgeDays 400 must be a whole number of days from 1 to 365/],
    [
      "eleven pointers",
      { parameterNames: Array.from({ length: 11 }, (_, index) => `/p/${index}`) },
      /parameterNames has 11 pointers; give 1 to 10 \(SSM GetParameters reads at most 10 names at once\)/,
    ],
    ["no pointer", { parameterNames: [] }, /parameterNames has 0 pointers/],
    ["a pointer twice", { parameterNames: [LATEST, LATEST] }, /lists a pointer twice/],
    ["a bad name", { name: "web pipeline" }, /name "web pipeline" must be 1-40 letters/],
  ])("refuses %s", (_, props, message) => {
    expect(() => new PointerStalenessAlarm(new TerraformStack(Testing.app(), "bad"), "staleness", { ...base, ...props })).toThrow(message);
  });
});
