/**
 * The ten service-integration subtypes of HTTP APIs (payload format 1.0), as data. `target` lists the
 * parameters the stack fills in from the route's target (the queue, stream, bus, machine or
 * AppConfig profile); `required` and `optional` are the ones a route maps. `Region` is refused
 * everywhere: every target lives in the stack's region, and the credentials role allows nothing else.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html
 */
export const SUBTYPES = {
  "EventBridge-PutEvents": {
    service: "eventBridge",
    action: "events:PutEvents",
    target: ["EventBusName"],
    required: ["Detail", "DetailType", "Source"],
    optional: ["Time", "Resources", "TraceHeader"],
  },
  "SQS-SendMessage": {
    service: "sqs",
    action: "sqs:SendMessage",
    target: ["QueueUrl"],
    required: ["MessageBody"],
    optional: ["DelaySeconds", "MessageAttributes", "MessageDeduplicationId", "MessageGroupId", "MessageSystemAttributes"],
  },
  "SQS-ReceiveMessage": {
    service: "sqs",
    action: "sqs:ReceiveMessage",
    target: ["QueueUrl"],
    required: [],
    optional: ["AttributeNames", "MaxNumberOfMessages", "MessageAttributeNames", "ReceiveRequestAttemptId", "VisibilityTimeout", "WaitTimeSeconds"],
  },
  "SQS-DeleteMessage": {
    service: "sqs",
    action: "sqs:DeleteMessage",
    target: ["QueueUrl"],
    required: ["ReceiptHandle"],
    optional: [],
  },
  "SQS-PurgeQueue": { service: "sqs", action: "sqs:PurgeQueue", target: ["QueueUrl"], required: [], optional: [] },
  "Kinesis-PutRecord": {
    service: "kinesis",
    action: "kinesis:PutRecord",
    target: ["StreamName"],
    required: ["Data", "PartitionKey"],
    optional: ["SequenceNumberForOrdering", "ExplicitHashKey"],
  },
  "AppConfig-GetConfiguration": {
    service: "appConfig",
    action: "appconfig:GetConfiguration",
    target: ["Application", "Environment", "Configuration"],
    required: ["ClientId"],
    optional: ["ClientConfigurationVersion"],
  },
  "StepFunctions-StartExecution": {
    service: "stepFunctions",
    action: "states:StartExecution",
    target: ["StateMachineArn"],
    required: [],
    optional: ["Name", "Input"],
  },
  "StepFunctions-StartSyncExecution": {
    service: "stepFunctions",
    action: "states:StartSyncExecution",
    target: ["StateMachineArn"],
    required: [],
    optional: ["Name", "Input", "TraceHeader"],
  },
  "StepFunctions-StopExecution": {
    service: "stepFunctions",
    action: "states:StopExecution",
    target: [],
    required: ["ExecutionArn"],
    optional: ["Cause", "Error"],
  },
} as const satisfies Readonly<
  Record<
    string,
    {
      readonly service: "eventBridge" | "sqs" | "kinesis" | "appConfig" | "stepFunctions";
      readonly action: string;
      readonly target: readonly string[];
      readonly required: readonly string[];
      readonly optional: readonly string[];
    }
  >
>;

export type IntegrationSubtype = keyof typeof SUBTYPES;
export const INTEGRATION_SUBTYPES = Object.keys(SUBTYPES) as IntegrationSubtype[];

export function isIntegrationSubtype(value: string): value is IntegrationSubtype {
  return Object.prototype.hasOwnProperty.call(SUBTYPES, value);
}

/** How a route is authorized. */
export type RouteAuthorization =
  | { readonly type: "AWS_IAM" }
  | { readonly type: "JWT"; readonly scopes: readonly string[] }
  | { readonly type: "NONE"; readonly reason: string };
