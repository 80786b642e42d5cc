/**
 * Staleness you hear about: an OpsItem when an AMI pointer (an `aws:ec2:image` parameter or channel) has
 * not moved for more than a configured number of days. A golden image that stops updating is a patching
 * gap whatever the cause: builds failing, a pipeline Image Builder disabled (its AutoDisablePolicy, which
 * hashicorp/aws 5.100 cannot configure), a schedule removed, a tracker that stopped writing.
 *
 * Design: a scheduled Step Functions state machine (no Lambda) reads the pointers with SSM GetParameters and
 * publishes each one's age in days (now minus its `LastModifiedDate`) as a CloudWatch metric; one alarm per
 * pointer fires when the age exceeds the limit and opens an OpsItem (OpsCenterAlarm).
 *
 * Why not an alarm on the absence of "Parameter Store Change" events: CloudWatch cannot read SSM, and an
 * alarm looks back at most 7 days (`Period * EvaluationPeriods` <= 604,800 s, and 86,400 s for periods under
 * an hour: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html), while a
 * useful limit is often weeks. An age gauge works for any limit: the alarm compares one day's maximum with it.
 *
 * Facts relied on:
 * - GetParameters takes at most 10 names and answers unknown ones in `InvalidParameters` instead of failing
 *   (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html); a pointer that
 *   does not exist yet publishes nothing and its alarm stays INSUFFICIENT_DATA (treat missing data as missing).
 * - The state machine uses JSONata (`QueryLanguage: "JSONata"`, `Arguments`, `{% %}` expressions, `$states`):
 *   https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html . The expressions are exported
 *   and evaluated in the tests with the jsonata package against a GetParameters response.
 * - The SDK integration returns timestamps as they serialize; the expression accepts ISO 8601 strings and
 *   epoch seconds, and measures against the execution's start (`$states.context.Execution.StartTime`).
 * - PutMetricData is allowed only in the configured namespace (`cloudwatch:namespace`, Service Authorization Reference).
 */
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import type { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { GET_PARAMETERS_MAX_NAMES, MAX_STALENESS_DAYS } from "../../aws/ami-loop";
import { formatArn, ssmParameterArn, type AwsLocation } from "../../aws/arn";
import { VENDED_LOG_DELIVERY_ACTIONS } from "../../aws/logs";
import type { OpsItemSettings } from "./fleet-refresh";
import { policyDocument, serviceTrust } from "./iam";
import { jsonString } from "./json-string";
import { encryptedLogGroup } from "./log-group";
import { OpsCenterAlarm } from "./ops-center-alarm";

/** The metric: one datum per pointer and check, dimension `Parameter` = the parameter's name. */
export const POINTER_AGE_METRIC = "PointerAgeDays";
/** How often the ages are measured. */
export const STALENESS_CHECK_SCHEDULE = "rate(6 hours)";
/** The alarm's period: one day (4 checks); with one evaluation period it stays within CloudWatch's 7-day look-back. */
export const STALENESS_ALARM_PERIOD_SECONDS = 86_400;
/** GetParameters takes at most 10 names. */
export const MAX_POINTERS_PER_CHECK = GET_PARAMETERS_MAX_NAMES;
export { MAX_STALENESS_DAYS };

/** Whether the GetParameters result holds any parameter (JSONata, in a Choice state's Condition). */
export const ANY_POINTER_FOUND = "$count($states.input.Parameters) > 0";

/** The PutMetricData `MetricData` of a GetParameters result (JSONata): each found pointer's age in days. */
export const POINTER_AGES_METRIC_DATA = [
  "[$states.input.Parameters.{",
  `'MetricName': '${POINTER_AGE_METRIC}',`,
  "'Dimensions': [{ 'Name': 'Parameter', 'Value': Name }],",
  "'Value': ($toMillis($states.context.Execution.StartTime) - ($type(LastModifiedDate) = 'number' ? LastModifiedDate * 1000 : $toMillis(LastModifiedDate))) / 86400000,",
  "'Unit': 'None'",
  "}]",
].join(" ");

export interface PointerStalenessAlarmProps {
  /** Prefix of the state machine, its roles, rule and alarms, e.g. `ssm-patterns-prod-web`. */
  readonly name: string;
  /** The pointers (parameter names) to watch, in `location`'s region: 1 to 10. */
  readonly parameterNames: readonly string[];
  /** A pointer older than this many days opens an OpsItem (1-365). */
  readonly maxAgeDays: number;
  /** The metric namespace (the tracker's, e.g. `AmiTracker`). */
  readonly namespace: string;
  readonly location: AwsLocation;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** OpsItem of a stale pointer and of a failed check. @default severity 3, Availability */
  readonly opsItem?: OpsItemSettings;
  /** Also notify this topic on ALARM and OK. @default - OpsCenter only */
  readonly notificationTopic?: SnsTopic;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;
const PARAMETER_NAME = /^[A-Za-z0-9_.\-/]{1,1011}$/;
const NAMESPACE = /^[^:][^\u0000-\u001f]{0,254}$/;
const DEFAULT_OPS_ITEM: OpsItemSettings = { severity: 3, category: "Availability" };

function checkProps(props: PointerStalenessAlarmProps): void {
  const where = `PointerStalenessAlarm ${props.name}`;
  if (!NAME_PATTERN.test(props.name)) {
    throw new Error(`${where}: name "${props.name}" must be 1-40 letters, digits, "-" or "_" (it prefixes role and rule names, capped at 64 characters)`);
  }
  const count = props.parameterNames.length;
  if (count === 0 || count > MAX_POINTERS_PER_CHECK) {
    throw new Error(
      `${where}: parameterNames has ${count} pointers; give 1 to ${MAX_POINTERS_PER_CHECK} (SSM GetParameters reads at most 10 names at once): split them across alarms`,
    );
  }
  if (new Set(props.parameterNames).size !== count) throw new Error(`${where}: parameterNames lists a pointer twice`);
  for (const parameterName of props.parameterNames) {
    if (!Token.isUnresolved(parameterName) && !PARAMETER_NAME.test(parameterName)) {
      throw new Error(`${where}: parameterNames has "${parameterName}", not an SSM parameter name; use letters, digits and _ . - / only`);
    }
  }
  if (!Number.isInteger(props.maxAgeDays) || props.maxAgeDays < 1 || props.maxAgeDays > MAX_STALENESS_DAYS) {
    throw new Error(
      `${where}: maxAgeDays ${props.maxAgeDays} must be a whole number of days from 1 to ${MAX_STALENESS_DAYS}, longer than the pipeline's schedule (a weekly build: at least 8), e.g. 30`,
    );
  }
  if (!NAMESPACE.test(props.namespace)) throw new Error(`${where}: namespace "${props.namespace}" must be 1-255 printable characters, not starting with ":"`);
}

/** A construct ID and alarm name part from a parameter name: `/ec2-imagebuilder/web/latest` -> `ec2-imagebuilder-web-latest`. */
function pointerId(parameterName: string): string {
  return parameterName.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/**
 * Every 6 hours, a state machine measures the age of each pointer (GetParameters, then PutMetricData); an
 * alarm per pointer opens an OpsItem when the day's maximum age exceeds `maxAgeDays`, and one more when a
 * check fails. Its role may read exactly these parameters and publish only in `namespace`.
 */
export class PointerStalenessAlarm extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly rule: CloudwatchEventRule;
  readonly logGroup: CloudwatchLogGroup;
  /** By parameter name. */
  readonly alarms: Readonly<Record<string, OpsCenterAlarm>>;
  /** The check failed (ExecutionsFailed of the state machine). */
  readonly checkFailed: OpsCenterAlarm;

  constructor(scope: Construct, id: string, props: PointerStalenessAlarmProps) {
    super(scope, id);
    checkProps(props);
    const machineName = `${props.name}-pointer-age`;
    const opsItem = props.opsItem ?? DEFAULT_OPS_ITEM;
    const notify = props.notificationTopic !== undefined ? { notificationTopic: props.notificationTopic } : {};

    this.logGroup = encryptedLogGroup(this, "logs", { name: `/aws/vendedlogs/states/${machineName}`, retentionInDays: props.logRetentionDays ?? 30 });
    const machineRole = new IamRole(this, "machine-role", {
      name: `${machineName}-sfn`,
      description: `Measures the age of ${props.parameterNames.length} AMI pointer(s)`,
      assumeRolePolicy: serviceTrust(this, "machine-trust", "states.amazonaws.com").json,
    });
    new IamRolePolicy(this, "machine-policy", {
      name: "measure-pointer-age",
      role: machineRole.id,
      policy: policyDocument(this, "machine-policy-document", [
        { sid: "ReadThePointers", actions: ["ssm:GetParameters"], resources: props.parameterNames.map((name) => ssmParameterArn(props.location, name)) },
        {
          sid: "PublishPointerAges",
          actions: ["cloudwatch:PutMetricData"],
          resources: ["*"],
          conditions: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: [props.namespace] }],
        },
        // Vended-log delivery: these actions take no resource-level permissions (Step Functions docs).
        { sid: "DeliverExecutionLogs", actions: [...VENDED_LOG_DELIVERY_ACTIONS], resources: ["*"] },
      ]).json,
    });

    const sdk = (action: string) => formatArn({ partition: props.location.partition, service: "states", resource: `aws-sdk:${action}` });
    const definition = {
      Comment: `Publishes ${props.namespace}/${POINTER_AGE_METRIC} of ${props.parameterNames.join(", ")}`,
      QueryLanguage: "JSONata",
      StartAt: "ReadPointers",
      States: {
        ReadPointers: { Type: "Task", Resource: sdk("ssm:getParameters"), Arguments: { Names: [...props.parameterNames] }, Next: "AnyPointerFound" },
        AnyPointerFound: {
          Type: "Choice",
          Choices: [{ Condition: `{% ${ANY_POINTER_FOUND} %}`, Next: "PublishAges" }],
          Default: "NoPointerYet",
        },
        NoPointerYet: { Type: "Succeed" },
        PublishAges: {
          Type: "Task",
          Resource: sdk("cloudwatch:putMetricData"),
          Arguments: { Namespace: props.namespace, MetricData: `{% ${POINTER_AGES_METRIC_DATA} %}` },
          End: true,
        },
      },
    };
    this.stateMachine = new SfnStateMachine(this, "machine", {
      name: machineName,
      type: "STANDARD",
      roleArn: machineRole.arn,
      definition: jsonString(this, definition),
      loggingConfiguration: { logDestination: `${this.logGroup.arn}:*`, level: "ERROR", includeExecutionData: true },
      encryptionConfiguration: { type: "AWS_OWNED_KEY" },
    });

    const eventsRole = new IamRole(this, "events-role", {
      name: `${machineName}-events`,
      description: `Starts ${machineName} on its schedule`,
      assumeRolePolicy: serviceTrust(this, "events-trust", "events.amazonaws.com").json,
    });
    new IamRolePolicy(this, "events-policy", {
      name: "start-age-check",
      role: eventsRole.id,
      policy: policyDocument(this, "events-policy-document", [
        { sid: "StartTheAgeCheck", actions: ["states:StartExecution"], resources: [this.stateMachine.arn] },
      ]).json,
    });
    this.rule = new CloudwatchEventRule(this, "schedule", {
      name: `${machineName}-schedule`,
      description: `Measures the age of the AMI pointers of ${props.name}`,
      scheduleExpression: STALENESS_CHECK_SCHEDULE,
    });
    new CloudwatchEventTarget(this, "schedule-target", { rule: this.rule.name, targetId: "pointer-age", arn: this.stateMachine.arn, roleArn: eventsRole.arn });

    const alarms: Record<string, OpsCenterAlarm> = {};
    for (const parameterName of props.parameterNames) {
      const suffix = Token.isUnresolved(parameterName) ? String(Object.keys(alarms).length) : pointerId(parameterName);
      alarms[parameterName] = new OpsCenterAlarm(this, `stale-${suffix}`, {
        alarmName: `${props.name}-stale-${suffix}`,
        description: `The AMI pointer ${parameterName} has not changed for more than ${props.maxAgeDays} days (${props.namespace}/${POINTER_AGE_METRIC}, from its LastModifiedDate): instances launched from it miss every patch since. Check the pipeline's recent builds (failed, or a pipeline Image Builder disabled), its schedule, and the tracker's log; promote or rebuild.`,
        metric: { namespace: props.namespace, metricName: POINTER_AGE_METRIC, dimensions: { Parameter: parameterName }, statistic: "Maximum" },
        threshold: props.maxAgeDays,
        comparisonOperator: "GreaterThanThreshold",
        periodSeconds: STALENESS_ALARM_PERIOD_SECONDS,
        evaluationPeriods: 1,
        // No datum: the pointer does not exist yet, or the check failed (the alarm below opens that OpsItem).
        treatMissingData: "missing",
        severity: opsItem.severity,
        category: opsItem.category,
        location: props.location,
        ...notify,
      });
    }
    this.alarms = alarms;
    this.checkFailed = new OpsCenterAlarm(this, "check-failed", {
      alarmName: `${machineName}-failed`,
      description: `The age check ${machineName} of the AMI pointers failed, so their staleness is not measured (see its log group ${this.logGroup.name})`,
      metric: { namespace: "AWS/States", metricName: "ExecutionsFailed", dimensions: { StateMachineArn: this.stateMachine.arn } },
      threshold: 1,
      severity: opsItem.severity,
      category: opsItem.category,
      location: props.location,
      ...notify,
    });
  }
}
