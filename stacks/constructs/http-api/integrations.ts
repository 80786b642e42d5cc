import type { AppconfigApplication } from "@cdktf/provider-aws/lib/appconfig-application";
import type { AppconfigConfigurationProfile } from "@cdktf/provider-aws/lib/appconfig-configuration-profile";
import type { AppconfigEnvironment } from "@cdktf/provider-aws/lib/appconfig-environment";
import type { CloudwatchEventBus } from "@cdktf/provider-aws/lib/cloudwatch-event-bus";
import type { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import type { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import type { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { arnAt, type AwsLocation } from "../../../aws/arn";
import { SUBTYPES, type IntegrationSubtype } from "../../../aws/http-api";

/**
 * A value used twice: `value` goes into Terraform (it may hold tokens that resolve at apply), and
 * `display` into the OpenAPI file written at synth (no tokens; `${AWS::AccountId}`-style placeholders
 * where a value is only known after apply).
 */
export interface DocumentedValue {
  readonly value: string;
  readonly display: string;
}

/** What one route's integration needs: its subtype, its request parameters, and the one IAM grant. */
export interface IntegrationTarget {
  readonly subtype: IntegrationSubtype;
  /** Target parameters (filled in here) and the route's own mappings. */
  readonly requestParameters: Readonly<Record<string, DocumentedValue>>;
  /** Exactly the subtype's action. */
  readonly action: string;
  /** Exactly the resources it acts on. */
  readonly resources: readonly string[];
  /** Customer-managed KMS keys that encrypt the target: the role gets the data-key actions on them. @default - none */
  readonly kmsKeyArns?: readonly string[];
}

export const ACCOUNT_PLACEHOLDER = "${AWS::AccountId}";
export const PARTITION_PLACEHOLDER = "${AWS::Partition}";

function literal(parameters: Readonly<Record<string, string>>): Record<string, DocumentedValue> {
  return Object.fromEntries(Object.entries(parameters).map(([key, value]) => [key, { value, display: value }]));
}

function target(
  subtype: IntegrationSubtype,
  fixed: Record<string, DocumentedValue>,
  parameters: Readonly<Record<string, string>>,
  resources: readonly string[],
): IntegrationTarget {
  return {
    subtype,
    requestParameters: { ...fixed, ...literal(parameters) },
    action: SUBTYPES[subtype].action,
    resources,
  };
}

/** SQS-SendMessage / ReceiveMessage / DeleteMessage / PurgeQueue on one queue. */
export function sqsIntegration(
  subtype: "SQS-SendMessage" | "SQS-ReceiveMessage" | "SQS-DeleteMessage" | "SQS-PurgeQueue",
  queue: SqsQueue,
  queueName: string,
  region: string,
  parameters: Readonly<Record<string, string>>,
): IntegrationTarget {
  return target(subtype, { QueueUrl: { value: queue.url, display: `https://sqs.${region}.amazonaws.com/${ACCOUNT_PLACEHOLDER}/${queueName}` } }, parameters, [
    queue.arn,
  ]);
}

/** EventBridge-PutEvents to one custom bus. */
export function eventBridgeIntegration(bus: CloudwatchEventBus, busName: string, parameters: Readonly<Record<string, string>>): IntegrationTarget {
  return target("EventBridge-PutEvents", { EventBusName: { value: bus.name, display: busName } }, parameters, [bus.arn]);
}

/** Kinesis-PutRecord to one stream. */
export function kinesisIntegration(stream: KinesisStream, streamName: string, parameters: Readonly<Record<string, string>>): IntegrationTarget {
  return target("Kinesis-PutRecord", { StreamName: { value: stream.name, display: streamName } }, parameters, [stream.arn]);
}

export interface AppConfigTarget {
  readonly application: AppconfigApplication;
  readonly environment: AppconfigEnvironment;
  readonly profile: AppconfigConfigurationProfile;
}

/** AppConfig-GetConfiguration of one profile in one environment: the grant names all three ARNs. */
export function appConfigIntegration(appConfig: AppConfigTarget, parameters: Readonly<Record<string, string>>): IntegrationTarget {
  return target(
    "AppConfig-GetConfiguration",
    {
      Application: { value: appConfig.application.id, display: "${AppConfig::ApplicationId}" },
      Environment: { value: appConfig.environment.environmentId, display: "${AppConfig::EnvironmentId}" },
      Configuration: { value: appConfig.profile.configurationProfileId, display: "${AppConfig::ConfigurationProfileId}" },
    },
    parameters,
    [appConfig.application.arn, appConfig.environment.arn, appConfig.profile.arn],
  );
}

/**
 * Step Functions StartExecution / StartSyncExecution on the machine, StopExecution on its executions
 * (`execution:<machine name>:*`), which is where IAM evaluates StopExecution.
 */
export function stepFunctionsIntegration(
  subtype: "StepFunctions-StartExecution" | "StepFunctions-StartSyncExecution" | "StepFunctions-StopExecution",
  machine: SfnStateMachine,
  machineName: string,
  location: AwsLocation,
  parameters: Readonly<Record<string, string>>,
): IntegrationTarget {
  if (subtype === "StepFunctions-StopExecution") {
    return target(subtype, {}, parameters, [executionArnPattern(location, machineName)]);
  }
  return target(
    subtype,
    {
      StateMachineArn: {
        value: machine.arn,
        display: arnAt({ partition: PARTITION_PLACEHOLDER, region: location.region, account: ACCOUNT_PLACEHOLDER }, "states", `stateMachine:${machineName}`),
      },
    },
    parameters,
    [machine.arn],
  );
}

/** `arn:<partition>:states:<region>:<account>:execution:<machine name>:*` */
export function executionArnPattern(location: AwsLocation, machineName: string): string {
  return arnAt(location, "states", `execution:${machineName}:*`);
}
