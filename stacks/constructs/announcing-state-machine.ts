import type { CloudwatchEventBus } from "@cdktf/provider-aws/lib/cloudwatch-event-bus";
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Fn } from "cdktf";
import type { Construct } from "constructs";
import { formatArn } from "../../aws/arn";
import { policyDocument, serviceTrust } from "./iam";
import { encryptedLogGroup } from "./log-group";
import { VENDED_LOG_DELIVERY_ACTIONS } from "../../aws/logs";

export interface AnnouncingStateMachineProps {
  /** The machine's name; also its log group's (`/aws/vendedlogs/states/<name>`). */
  readonly name: string;
  /** EXPRESS answers at once (StartSyncExecution); STANDARD waits five minutes (time to StopExecution it). */
  readonly type: "STANDARD" | "EXPRESS";
  /** Name of its role (IAM names are global per account). */
  readonly roleName: string;
  /** The bus the machine announces its end on. */
  readonly eventBus: CloudwatchEventBus;
  /** Partition of the `events:putEvents` service integration's ARN. */
  readonly partition: string;
  /** Retention of its log group (days). */
  readonly logRetentionDays: number;
}

export interface AnnouncingStateMachine {
  readonly name: string;
  readonly machine: SfnStateMachine;
  readonly logGroup: CloudwatchLogGroup;
}

/**
 * An example state machine with logging (level ALL, no execution data) that ends by announcing itself
 * on an event bus. Created in `scope` itself with the IDs `<id>`, `<id>-logs`, `<id>-role`,
 * `<id>-trust`, `<id>-policy` and `<id>-policy-document` (Terraform addresses that predate this function).
 */
export function announcingStateMachine(scope: Construct, id: string, props: AnnouncingStateMachineProps): AnnouncingStateMachine {
  const machineName = props.name;
  const logGroup = encryptedLogGroup(scope, `${id}-logs`, {
    name: `/aws/vendedlogs/states/${machineName}`,
    retentionInDays: props.logRetentionDays,
  });
  const role = new IamRole(scope, `${id}-role`, {
    name: props.roleName,
    assumeRolePolicy: serviceTrust(scope, `${id}-trust`, "states.amazonaws.com").json,
  });
  new IamRolePolicy(scope, `${id}-policy`, {
    name: "logging",
    role: role.id,
    policy: policyDocument(scope, `${id}-policy-document`, [
      {
        // Vended-log delivery: these actions take no resource-level permissions (Step Functions docs).
        sid: "DeliverExecutionLogs",
        actions: [...VENDED_LOG_DELIVERY_ACTIONS],
        resources: ["*"],
      },
      { sid: "AnnounceOnEventBus", actions: ["events:PutEvents"], resources: [props.eventBus.arn] },
    ]).json,
  });
  // Each machine ends by announcing itself on the event bus (visible in the event log group). The
  // bus ARN is known only after apply, which also keeps the provider from calling
  // ValidateStateMachineDefinition during plan: an offline plan cannot reach AWS.
  const announce = (detailType: string, next: { Next: string } | { End: true }): Record<string, unknown> => ({
    Type: "Task",
    Resource: formatArn({ partition: props.partition, service: "states", resource: "events:putEvents" }),
    Parameters: {
      Entries: [
        {
          EventBusName: props.eventBus.arn,
          Source: machineName,
          DetailType: detailType,
          "Detail.$": "$",
        },
      ],
    },
    ResultPath: null,
    ...next,
  });
  const definition =
    props.type === "EXPRESS"
      ? {
          Comment: "Express example: answers at once with its input and when it ran (StartSyncExecution)",
          StartAt: "Answer",
          States: {
            Answer: { Type: "Pass", Parameters: { "input.$": "$", "startedAt.$": "$$.Execution.StartTime" }, Next: "Announce" },
            Announce: announce("Quote Answered", { End: true }),
          },
        }
      : {
          Comment: "Standard example: accepts, waits five minutes (time to StopExecution it), announces, succeeds",
          StartAt: "Accept",
          States: {
            Accept: { Type: "Pass", Next: "Wait" },
            Wait: { Type: "Wait", Seconds: 300, Next: "Announce" },
            Announce: announce("Workflow Completed", { Next: "Done" }),
            Done: { Type: "Succeed" },
          },
        };
  const machine = new SfnStateMachine(scope, id, {
    name: machineName,
    type: props.type,
    roleArn: role.arn,
    definition: Fn.jsonencode(definition),
    loggingConfiguration: { logDestination: `${logGroup.arn}:*`, level: "ALL", includeExecutionData: false },
    encryptionConfiguration: { type: "AWS_OWNED_KEY" },
  });
  return { name: machineName, machine, logGroup };
}
