/**
 * An alarm on values SSM refused: when an `aws:ec2:image` parameter's new value fails SSM's asynchronous
 * validation, the write never becomes a version, so no fleet refresh starts and nothing else notices.
 *
 * Facts this file relies on (checked before writing it):
 * - A value that fails validation never becomes a version and SSM emits "Parameter Store Change" (source
 *   aws.ssm) with `detail.exception` ("Unable to Describe Resource") and `dataType: "aws:ec2:image"`:
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-ec2-aliases.html and
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html
 * - EventBridge writes to a log group through the group's resource policy, not through a role:
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions
 */
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogResourcePolicy } from "@cdktf/provider-aws/lib/cloudwatch-log-resource-policy";
import type { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Token, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { arnAt, type AwsLocation } from "../../aws/arn";
import type { OpsItemSettings } from "./fleet-refresh";
import { policyDocument } from "./iam";
import { encryptedLogGroup } from "./log-group";
import { OpsCenterAlarm } from "./ops-center-alarm";
import { placeOnProvider } from "./provider";

/** The rule name adds 19 characters (`-parameter-rejected`); EventBridge caps it at 64. */
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;
const PARAMETER_NAME = /^[A-Za-z0-9_.\-/]{1,1011}$/;

const DEFAULTS = {
  logRetentionDays: 30,
  opsItem: { severity: 2, category: "Availability" } as OpsItemSettings,
} as const;

/** The event pattern of a Create/Update that SSM refused (an `aws:ec2:image` value failing validation). */
export function parameterRejectedPattern(parameterNames: readonly string[]): Record<string, unknown> {
  return {
    source: ["aws.ssm"],
    "detail-type": ["Parameter Store Change"],
    detail: { name: [...parameterNames], exception: [{ exists: true }] },
  };
}

export interface ParameterRejectionAlarmProps {
  /** Prefix of the rule, the log group and the alarm. */
  readonly name: string;
  /** The `aws:ec2:image` parameters (and channels) to watch, in this region. */
  readonly parameterNames: readonly string[];
  readonly location: AwsLocation;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** @default severity 2, Availability */
  readonly opsItem?: OpsItemSettings;
  /** @default - OpsCenter only */
  readonly notificationTopic?: SnsTopic;
  /**
   * The provider of \`location\`'s region, when that is not the stack's: every resource here is created
   * with it (IAM roles too, IAM being global). @default - the stack's default provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * A write SSM accepted (PutParameter returned 200) but then refused: an `aws:ec2:image` value that fails
 * asynchronous validation never becomes a version, so no refresh starts and nothing else notices. One
 * rule over all the parameters given writes each such event to an encrypted log group (the event is the
 * log line) and an alarm on the rule's TriggeredRules opens an OpsItem.
 *
 * Limit: CloudWatch Logs allows 10 resource policies per account and region; this construct uses one.
 */
export class ParameterRejectionAlarm extends Construct {
  readonly rule: CloudwatchEventRule;
  readonly logGroup: CloudwatchLogGroup;
  readonly alarm: OpsCenterAlarm;

  constructor(scope: Construct, id: string, props: ParameterRejectionAlarmProps) {
    super(scope, id);
    const where = `ParameterRejectionAlarm ${props.name}`;
    if (!NAME_PATTERN.test(props.name))
      throw new Error(`${where}: name "${props.name}" must be 1-40 letters, digits, "-" or "_" (the rule name adds 19 characters; EventBridge caps it at 64)`);
    if (props.parameterNames.length === 0) throw new Error(`${where}: parameterNames is empty; list the parameters and channels to watch`);
    for (const parameterName of props.parameterNames) {
      if (!Token.isUnresolved(parameterName) && !PARAMETER_NAME.test(parameterName)) {
        throw new Error(`${where}: parameterNames has "${parameterName}", not an SSM parameter name; use letters, digits and _ . - / only`);
      }
    }
    this.logGroup = encryptedLogGroup(this, "logs", {
      name: `/aws/events/${props.name}-parameter-rejected`,
      retentionInDays: props.logRetentionDays ?? DEFAULTS.logRetentionDays,
      ...(props.provider !== undefined ? { provider: props.provider } : {}),
    });
    // EventBridge writes to a log group through the group's resource policy, not through a role:
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions
    new CloudwatchLogResourcePolicy(this, "logs-policy", {
      policyName: `${props.name}-parameter-rejected`,
      policyDocument: policyDocument(this, "logs-policy-document", [
        {
          sid: "EventBridgeWritesRejectedParameterEvents",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`${this.logGroup.arn}:*`],
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] }],
          conditions: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [arnAt(props.location, "events", `rule/${props.name}-parameter-rejected`)] }],
        },
      ]).json,
    });
    this.rule = new CloudwatchEventRule(this, "rule", {
      name: `${props.name}-parameter-rejected`,
      description: "An aws:ec2:image value failed SSM's validation: the parameter did not change",
      eventPattern: JSON.stringify(parameterRejectedPattern(props.parameterNames)),
    });
    new CloudwatchEventTarget(this, "target", { rule: this.rule.name, targetId: "rejected-parameter-log", arn: this.logGroup.arn });
    const opsItem = props.opsItem ?? DEFAULTS.opsItem;
    this.alarm = new OpsCenterAlarm(this, "alarm", {
      alarmName: `${props.name}-parameter-rejected`,
      description: `SSM refused a new value of ${props.parameterNames.join(", ")} (aws:ec2:image validation failed; the parameter kept its old AMI). The event, with its exception, is in ${this.logGroup.name}`,
      metric: { namespace: "AWS/Events", metricName: "TriggeredRules", dimensions: { RuleName: this.rule.name } },
      threshold: 1,
      severity: opsItem.severity,
      category: opsItem.category,
      location: props.location,
      ...(props.notificationTopic !== undefined ? { notificationTopic: props.notificationTopic } : {}),
    });
    placeOnProvider(this, props.provider);
  }
}
