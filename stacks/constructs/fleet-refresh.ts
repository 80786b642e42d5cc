/**
 * Fleet refresh without a Lambda: when an `aws:ec2:image` parameter changes, an EventBridge rule starts
 * a Step Functions state machine that calls Auto Scaling's StartInstanceRefresh through the AWS SDK
 * service integration; failures open OpsItems through `OpsCenterAlarm`.
 *
 * Facts this file relies on (checked before writing it):
 * - SSM emits "Parameter Store Change" (source aws.ssm) with `detail.operation` Create/Update/Delete/
 *   LabelParameterVersion. An `aws:ec2:image` value is validated asynchronously; a value that fails
 *   validation never becomes a version and SSM emits the same detail-type with `detail.exception`
 *   ("Unable to Describe Resource") and `dataType: "aws:ec2:image"`:
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-ec2-aliases.html and
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html
 * - An SDK integration's errors are `ServiceName.ErrorName` in PascalCase, with the `Exception` suffix added
 *   even where the API reference has none (S3 `BucketAlreadyExists` -> `S3.BucketAlreadyExistsException`):
 *   https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html . StartInstanceRefresh
 *   lists `InstanceRefreshInProgress`, `LimitExceeded` and `ResourceContention`:
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html
 * - IAM: StartInstanceRefresh takes the `autoScalingGroup` resource type,
 *   `arn:${Partition}:autoscaling:${Region}:${Account}:autoScalingGroup:${GroupId}:autoScalingGroupName/${GroupFriendlyName}`;
 *   the group ID is not known from a name, and IAM accepts `*` in that segment:
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html
 * - Skip matching replaces nothing when neither the launch template, its version nor the instance types
 *   change (a `resolve:ssm:` launch template keeps its version when the parameter moves):
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh-skip-matching.html
 * - Rollback (manual or auto) is not supported when the launch template reads the AMI from an SSM
 *   parameter, nor without a desired configuration:
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RollbackInstanceRefresh.html ,
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html
 *   The loop's rollback is the parameter's: rolling the parameter back starts another refresh.
 * - The rule matches `detail.name` as the parameter was named, leading slash included (an AWS solution's
 *   recorded event: aws-solutions/instance-scheduler-on-aws, "name": "/scheduler/do-not-delete-manually/static").
 * - hashicorp/aws (internal/service/sfn/state_machine.go) calls ValidateStateMachineDefinition while
 *   planning a known definition (FIELD-NOTES; the offline plan answers it with a stand-in). EventBridge
 *   starts a state machine only through a role it assumes (`role_arn` on the target):
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html
 * - Limit: the retried error names are derived from the documented rule above, not observed; if AWS
 *   surfaced another name, the execution would fail and the ExecutionsFailed alarm would open an OpsItem.
 */
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import type { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Token, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, serviceTrust } from "./iam";
import { jsonString } from "./json-string";
import { encryptedLogGroup } from "./log-group";
import { OpsCenterAlarm } from "./ops-center-alarm";
import { placeOnProvider } from "./provider";
import { arnAt, formatArn, type AwsLocation } from "../../aws/arn";
import type { OpsItemCategory, OpsItemSeverity } from "../../aws/ops-center";
import { VENDED_LOG_DELIVERY_ACTIONS } from "../../aws/logs";

/** The errors StartInstanceRefresh answers that a later attempt can clear, as the SDK integration names them. */
export const RETRYABLE_REFRESH_ERRORS = ["AutoScaling.InstanceRefreshInProgressException", "AutoScaling.ResourceContentionException"] as const;

/** Where an OpsItem goes and how bad it is. */
export interface OpsItemSettings {
  readonly severity: OpsItemSeverity;
  readonly category: OpsItemCategory;
}

/** Instance refresh preferences (StartInstanceRefresh `Preferences`). */
export interface RefreshPreferences {
  /** Percentage of the group that stays in service during the refresh (0-100). @default 90 */
  readonly minHealthyPercentage?: number;
  /** Seconds a new instance gets before it counts as healthy. @default - the group's default instance warmup */
  readonly instanceWarmupSeconds?: number;
  /**
   * Must stay false: with `resolve:ssm:` the launch template version does not change when the parameter
   * does, so skip matching would replace no instance. @default false
   */
  readonly skipMatching?: boolean;
  /** Must stay false: Auto Scaling cannot roll back a launch template that reads an SSM parameter. @default false */
  readonly autoRollback?: boolean;
}

/**
 * Retry of InstanceRefreshInProgress / ResourceContention (a refresh already running, a pending update).
 * The retrier uses `JitterStrategy: "FULL"`: each wait is a random time between 0 and its computed delay
 * (`intervalSeconds * backoffRate^n`, capped at `maxDelaySeconds`), so the expected total wait is half the
 * sum of the delays and the sum is only the maximum (`retryWindow` computes both). With the defaults the
 * delays are 60, 120, 240, 480 and six times 900 s: at most 6,300 s (105 min), 3,150 s (52.5 min) expected.
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#retrying-after-error
 */
export interface RefreshRetry {
  /** @default 60 */
  readonly intervalSeconds?: number;
  /** @default 2 */
  readonly backoffRate?: number;
  /** @default 10 (with the other defaults: 52.5 minutes of waiting expected, 105 at most) */
  readonly maxAttempts?: number;
  /** Cap of one delay, before jitter. @default 900 */
  readonly maxDelaySeconds?: number;
}

/** How long a retrier with full jitter waits in total before giving up, in seconds. */
export interface RetryWindow {
  /** Each computed delay before jitter (`IntervalSeconds * BackoffRate^n`, capped at `MaxDelaySeconds`). */
  readonly delaysSeconds: readonly number[];
  /** Every jittered wait at its maximum: the sum of the delays. */
  readonly maximumSeconds: number;
  /** Full jitter draws each wait uniformly from 0 to its delay: half the sum. */
  readonly expectedSeconds: number;
}

/** The wait of an Amazon States Language retrier with `JitterStrategy: "FULL"` (fields as in the definition). */
export function retryWindow(retrier: {
  readonly IntervalSeconds: number;
  readonly BackoffRate: number;
  readonly MaxAttempts: number;
  readonly MaxDelaySeconds: number;
}): RetryWindow {
  const delaysSeconds = Array.from({ length: retrier.MaxAttempts }, (_, attempt) =>
    Math.min(retrier.IntervalSeconds * retrier.BackoffRate ** attempt, retrier.MaxDelaySeconds),
  );
  const maximumSeconds = delaysSeconds.reduce((sum, delay) => sum + delay, 0);
  return { delaysSeconds, maximumSeconds, expectedSeconds: maximumSeconds / 2 };
}

export interface FleetRefreshProps {
  /** Prefix of the state machine, its role, rules and alarms, e.g. `ssm-patterns-prod-web`. */
  readonly name: string;
  /** The `aws:ec2:image` parameter (or channel) the group's launch template reads, in this region. */
  readonly parameterName: string;
  /** The Auto Scaling group to refresh (in `location`'s region and account). */
  readonly autoScalingGroupName: string;
  /** Partition, region and account of the group and the alarms. */
  readonly location: AwsLocation;
  readonly preferences?: RefreshPreferences;
  readonly retry?: RefreshRetry;
  /** Retention of the state machine's execution log group. @default 30 */
  readonly logRetentionDays?: number;
  /** OpsItem of a failed execution (the refresh could not be started). @default severity 2, Availability */
  readonly failureOpsItem?: OpsItemSettings;
  /** Also notify this topic on ALARM and OK. @default - OpsCenter only */
  readonly notificationTopic?: SnsTopic;
  /**
   * The provider of \`location\`'s region, when that is not the stack's: every resource here is created
   * with it (IAM roles too, IAM being global). @default - the stack's default provider
   */
  readonly provider?: TerraformProvider;
}

/** Values of the defaults, in one place. */
const DEFAULTS = {
  minHealthyPercentage: 90,
  intervalSeconds: 60,
  backoffRate: 2,
  maxAttempts: 10,
  maxDelaySeconds: 900,
  logRetentionDays: 30,
  failureOpsItem: { severity: 2, category: "Availability" } as OpsItemSettings,
} as const;

/**
 * Names derived from `name` must fit: IAM role names 64 characters (`<name>-fleet-refresh-events`, +21),
 * EventBridge rule names 64 (`<name>-fleet-refresh-on-change`, +24): 40 leaves room for both.
 */
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;
const PARAMETER_NAME = /^[A-Za-z0-9_.\-/]{1,1011}$/;

/** The event pattern of a parameter's successful Create/Update (no `exception` in the detail). */
export function parameterChangedPattern(parameterName: string): Record<string, unknown> {
  return {
    source: ["aws.ssm"],
    "detail-type": ["Parameter Store Change"],
    detail: { name: [parameterName], operation: ["Create", "Update"], exception: [{ exists: false }] },
  };
}

/**
 * `arn:<partition>:autoscaling:<region>:<account>:autoScalingGroup:*:autoScalingGroupName/<name>`:
 * the group ID segment is `*` because only the name is known.
 */
export function autoScalingGroupArn(location: AwsLocation, groupName: string): string {
  return arnAt(location, "autoscaling", `autoScalingGroup:*:autoScalingGroupName/${groupName}`);
}

function checkFleetRefreshProps(props: FleetRefreshProps): void {
  const where = `FleetRefresh ${props.name}`;
  if (!NAME_PATTERN.test(props.name)) {
    throw new Error(
      `${where}: name "${props.name}" must be 1-40 letters, digits, "-" or "_" (it prefixes the state machine, role and rule names, which IAM and EventBridge cap at 64 characters)`,
    );
  }
  if (!Token.isUnresolved(props.parameterName) && !PARAMETER_NAME.test(props.parameterName)) {
    throw new Error(
      `${where}: parameterName "${props.parameterName}" is not an SSM parameter name; use letters, digits and _ . - / only, e.g. "/ec2-imagebuilder/latest"`,
    );
  }
  if (!Token.isUnresolved(props.autoScalingGroupName) && !/^[^:]{1,255}$/.test(props.autoScalingGroupName)) {
    throw new Error(`${where}: autoScalingGroupName "${props.autoScalingGroupName}" must be 1-255 characters without ":" (a name, not an ARN)`);
  }
  const preferences = props.preferences ?? {};
  const minHealthy = preferences.minHealthyPercentage ?? DEFAULTS.minHealthyPercentage;
  if (!Number.isInteger(minHealthy) || minHealthy < 0 || minHealthy > 100) {
    throw new Error(`${where}: preferences.minHealthyPercentage ${minHealthy} must be an integer from 0 to 100, e.g. 90`);
  }
  const warmup = preferences.instanceWarmupSeconds;
  if (warmup !== undefined && (!Number.isInteger(warmup) || warmup < 0)) {
    throw new Error(`${where}: preferences.instanceWarmupSeconds ${warmup} must be a whole number of seconds, e.g. 300`);
  }
  if (preferences.skipMatching === true) {
    throw new Error(
      `${where}: preferences.skipMatching true would replace no instance: the launch template reads ${props.parameterName} through resolve:ssm:, so its version does not change when the parameter does; set it to false (https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh-skip-matching.html)`,
    );
  }
  if (preferences.autoRollback === true) {
    throw new Error(
      `${where}: preferences.autoRollback true is refused by Auto Scaling for a launch template that reads the AMI from an SSM parameter; set it to false and roll the parameter back instead (npm run ami -- rollback), which starts another refresh (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RollbackInstanceRefresh.html)`,
    );
  }
  const retry = props.retry ?? {};
  const interval = retry.intervalSeconds ?? DEFAULTS.intervalSeconds;
  const backoff = retry.backoffRate ?? DEFAULTS.backoffRate;
  const attempts = retry.maxAttempts ?? DEFAULTS.maxAttempts;
  const maxDelay = retry.maxDelaySeconds ?? DEFAULTS.maxDelaySeconds;
  // Amazon States Language: IntervalSeconds >= 1, BackoffRate >= 1.0, MaxAttempts >= 0, MaxDelaySeconds > 0.
  if (!Number.isInteger(interval) || interval < 1) throw new Error(`${where}: retry.intervalSeconds ${interval} must be a whole number >= 1, e.g. 60`);
  if (!(backoff >= 1)) throw new Error(`${where}: retry.backoffRate ${backoff} must be >= 1, e.g. 2`);
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 99_999_999)
    throw new Error(`${where}: retry.maxAttempts ${attempts} must be a whole number >= 1, e.g. 10`);
  if (!Number.isInteger(maxDelay) || maxDelay < interval)
    throw new Error(`${where}: retry.maxDelaySeconds ${maxDelay} must be a whole number >= retry.intervalSeconds (${interval}), e.g. 900`);
}

/**
 * One Auto Scaling group kept on the AMI a parameter points to: a "Parameter Store Change" rule for the
 * parameter starts a state machine whose only task calls `autoscaling:startInstanceRefresh` (SDK
 * integration) and retries while another refresh runs. Its role may do exactly that, on that group; the
 * rule's role may only start this machine. A failed execution or an undeliverable event opens an OpsItem.
 */
export class FleetRefresh extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly rule: CloudwatchEventRule;
  readonly machineRole: IamRole;
  readonly eventsRole: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  /** By purpose: `executionsFailed`, `invocationsFailed`. */
  readonly alarms: Readonly<Record<"executionsFailed" | "invocationsFailed", OpsCenterAlarm>>;

  constructor(scope: Construct, id: string, props: FleetRefreshProps) {
    super(scope, id);
    checkFleetRefreshProps(props);
    const preferences = props.preferences ?? {};
    const retry = props.retry ?? {};
    const machineName = `${props.name}-fleet-refresh`;
    const groupArn = autoScalingGroupArn(props.location, props.autoScalingGroupName);

    this.logGroup = encryptedLogGroup(this, "logs", {
      name: `/aws/vendedlogs/states/${machineName}`,
      retentionInDays: props.logRetentionDays ?? DEFAULTS.logRetentionDays,
      ...(props.provider !== undefined ? { provider: props.provider } : {}),
    });

    this.machineRole = new IamRole(this, "machine-role", {
      name: `${machineName}-sfn`,
      description: `Starts instance refreshes of ${props.autoScalingGroupName}`,
      assumeRolePolicy: serviceTrust(this, "machine-trust", "states.amazonaws.com").json,
    });
    new IamRolePolicy(this, "machine-policy", {
      name: "start-instance-refresh",
      role: this.machineRole.id,
      policy: policyDocument(this, "machine-policy-document", [
        { sid: "StartInstanceRefreshOfTheGroup", actions: ["autoscaling:StartInstanceRefresh"], resources: [groupArn] },
        {
          // Vended-log delivery: these actions take no resource-level permissions (Step Functions docs).
          sid: "DeliverExecutionLogs",
          actions: [...VENDED_LOG_DELIVERY_ACTIONS],
          resources: ["*"],
        },
      ]).json,
    });

    const refreshPreferences: Record<string, unknown> = {
      MinHealthyPercentage: preferences.minHealthyPercentage ?? DEFAULTS.minHealthyPercentage,
      SkipMatching: false,
      AutoRollback: false,
      ...(preferences.instanceWarmupSeconds !== undefined ? { InstanceWarmup: preferences.instanceWarmupSeconds } : {}),
    };
    const definition = {
      Comment: `Refreshes ${props.autoScalingGroupName} after ${props.parameterName} changed`,
      StartAt: "StartInstanceRefresh",
      States: {
        StartInstanceRefresh: {
          Type: "Task",
          Resource: formatArn({ partition: props.location.partition, service: "states", resource: "aws-sdk:autoscaling:startInstanceRefresh" }),
          Parameters: { AutoScalingGroupName: props.autoScalingGroupName, Strategy: "Rolling", Preferences: refreshPreferences },
          Retry: [
            {
              ErrorEquals: [...RETRYABLE_REFRESH_ERRORS],
              IntervalSeconds: retry.intervalSeconds ?? DEFAULTS.intervalSeconds,
              BackoffRate: retry.backoffRate ?? DEFAULTS.backoffRate,
              MaxAttempts: retry.maxAttempts ?? DEFAULTS.maxAttempts,
              MaxDelaySeconds: retry.maxDelaySeconds ?? DEFAULTS.maxDelaySeconds,
              JitterStrategy: "FULL",
            },
          ],
          End: true,
        },
      },
    };
    this.stateMachine = new SfnStateMachine(this, "machine", {
      name: machineName,
      type: "STANDARD",
      roleArn: this.machineRole.arn,
      // Plain JSON with Terraform interpolations inside strings: reviewable in plan, parseable in tests (escaped for HCL: json-string.ts).
      definition: jsonString(this, definition),
      loggingConfiguration: { logDestination: `${this.logGroup.arn}:*`, level: "ERROR", includeExecutionData: true },
      encryptionConfiguration: { type: "AWS_OWNED_KEY" },
    });

    this.eventsRole = new IamRole(this, "events-role", {
      name: `${machineName}-events`,
      description: `Starts ${machineName} on changes of ${props.parameterName}`,
      assumeRolePolicy: serviceTrust(this, "events-trust", "events.amazonaws.com").json,
    });
    new IamRolePolicy(this, "events-policy", {
      name: "start-execution",
      role: this.eventsRole.id,
      policy: policyDocument(this, "events-policy-document", [
        { sid: "StartTheRefreshMachine", actions: ["states:StartExecution"], resources: [this.stateMachine.arn] },
      ]).json,
    });

    this.rule = new CloudwatchEventRule(this, "parameter-changed", {
      name: `${machineName}-on-change`,
      description: `${props.parameterName} changed: refresh ${props.autoScalingGroupName}`,
      eventPattern: JSON.stringify(parameterChangedPattern(props.parameterName)),
    });
    new CloudwatchEventTarget(this, "parameter-changed-target", {
      rule: this.rule.name,
      targetId: "fleet-refresh",
      arn: this.stateMachine.arn,
      roleArn: this.eventsRole.arn,
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
    });

    const failure = props.failureOpsItem ?? DEFAULTS.failureOpsItem;
    const alarm = (
      alarmId: string,
      alarmName: string,
      description: string,
      metric: { namespace: string; metricName: string; dimensions: Record<string, string> },
    ) =>
      new OpsCenterAlarm(this, alarmId, {
        alarmName,
        description,
        metric,
        threshold: 1,
        severity: failure.severity,
        category: failure.category,
        location: props.location,
        ...(props.notificationTopic !== undefined ? { notificationTopic: props.notificationTopic } : {}),
      });
    this.alarms = {
      executionsFailed: alarm(
        "executions-failed",
        `${machineName}-executions-failed`,
        `${props.autoScalingGroupName} was not refreshed after ${props.parameterName} changed: an execution of ${machineName} failed (see its log group ${this.logGroup.name})`,
        { namespace: "AWS/States", metricName: "ExecutionsFailed", dimensions: { StateMachineArn: this.stateMachine.arn } },
      ),
      invocationsFailed: alarm(
        "invocations-failed",
        `${machineName}-invocations-failed`,
        `EventBridge could not start ${machineName} after ${props.parameterName} changed (rule ${this.rule.name}, FailedInvocations)`,
        { namespace: "AWS/Events", metricName: "FailedInvocations", dimensions: { RuleName: this.rule.name } },
      ),
    };
    placeOnProvider(this, props.provider);
  }
}
