import { AppconfigApplication } from "@cdktf/provider-aws/lib/appconfig-application";
import { AppconfigConfigurationProfile } from "@cdktf/provider-aws/lib/appconfig-configuration-profile";
import { AppconfigDeployment } from "@cdktf/provider-aws/lib/appconfig-deployment";
import { AppconfigEnvironment } from "@cdktf/provider-aws/lib/appconfig-environment";
import { AppconfigHostedConfigurationVersion } from "@cdktf/provider-aws/lib/appconfig-hosted-configuration-version";
import { CloudwatchEventBus } from "@cdktf/provider-aws/lib/cloudwatch-event-bus";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogResourcePolicy } from "@cdktf/provider-aws/lib/cloudwatch-log-resource-policy";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Fn, TerraformOutput, Token } from "cdktf";
import type { Construct } from "constructs";
import type { AppConfig } from "../config";
import type { QueueConfig, RouteConfig, StateMachineConfig } from "../config/sections/storage-first-api";
import { formatArn, type AwsLocation } from "../aws/arn";
import { AppStack } from "./app-stack";
import { HttpApi } from "./constructs/http-api/http-api";
import {
  appConfigIntegration,
  eventBridgeIntegration,
  kinesisIntegration,
  sqsIntegration,
  stepFunctionsIntegration,
  type IntegrationTarget,
} from "./constructs/http-api/integrations";
import { policyDocument, serviceTrust } from "./constructs/iam";
import { encryptedLogGroup } from "./constructs/log-group";
import { NodejsFunction } from "./constructs/nodejs-function";
import { OpsCenterAlarm } from "./constructs/ops-center-alarm";
import { acknowledgeRule } from "./rules/acknowledge";

export const STORAGE_FIRST_API_STACK = "storage-first-api";

/** A queue with its dead-letter queue and the alarm that opens an OpsItem when the DLQ holds messages. */
export interface StorageQueue {
  /** The queue's full name (with ".fifo" for FIFO queues). */
  readonly name: string;
  readonly config: QueueConfig;
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  readonly alarm: OpsCenterAlarm;
}

export interface StorageStateMachine {
  /** The machine's full name. */
  readonly name: string;
  readonly config: StateMachineConfig;
  readonly machine: SfnStateMachine;
  readonly logGroup: CloudwatchLogGroup;
}

/**
 * Storage first: an HTTP API whose routes write straight to EventBridge, Kinesis, SQS, AppConfig and
 * Step Functions (no Lambda in the request path), plus an SQS consumer Lambda that works off the queue
 * with partial batch responses. Every target is encrypted at rest, every log group has a retention, and
 * every route has its own role with one action on one target.
 */
export class StorageFirstApiStack extends AppStack {
  readonly api: HttpApi;
  readonly eventBus: CloudwatchEventBus;
  readonly eventBusName: string;
  readonly eventLog: CloudwatchLogGroup;
  readonly stream: KinesisStream;
  readonly queues: Readonly<Record<string, StorageQueue>>;
  readonly stateMachines: Readonly<Record<string, StorageStateMachine>>;
  readonly appConfig: {
    readonly application: AppconfigApplication;
    readonly environment: AppconfigEnvironment;
    readonly profile: AppconfigConfigurationProfile;
    readonly deployment: AppconfigDeployment;
  };
  readonly consumer?: NodejsFunction;
  /** Partition, region and account of the stack (the account read from the event bus's ARN). */
  readonly location: AwsLocation;

  constructor(scope: Construct, config: AppConfig) {
    super(scope, STORAGE_FIRST_API_STACK, config);
    const settings = config.storageFirstApi;
    const name = `${this.namePrefix}-${settings.name}`;
    const partition = new DataAwsPartition(this, "partition").partition;

    // EventBridge: a custom bus whose catch-all rule writes every event to a log group.
    this.eventBusName = `${name}-events`;
    this.eventBus = new CloudwatchEventBus(this, "event-bus", { name: this.eventBusName });
    this.location = { partition, region: config.region, account: Fn.element(Fn.split(":", this.eventBus.arn), 4) };
    this.eventLog = encryptedLogGroup(this, "event-log", {
      name: `/aws/events/${name}`,
      retentionInDays: settings.eventBus.logRetentionDays,
    });
    const rule = new CloudwatchEventRule(this, "event-log-rule", {
      name: `${name}-all-events`,
      description: "Every event on the bus, to its log group",
      eventBusName: this.eventBus.name,
      eventPattern: JSON.stringify({ source: [{ prefix: "" }] }),
    });
    new CloudwatchLogResourcePolicy(this, "event-log-policy", {
      policyName: `${name}-events-to-logs`,
      policyDocument: policyDocument(this, "event-log-policy-document", [
        {
          sid: "EventBridgeWritesEventLog",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`${this.eventLog.arn}:*`],
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] }],
          conditions: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [rule.arn] }],
        },
      ]).json,
    });
    new CloudwatchEventTarget(this, "event-log-target", {
      rule: rule.name,
      eventBusName: this.eventBus.name,
      targetId: "event-log",
      arn: this.eventLog.arn,
    });

    // Kinesis: encrypted with the AWS-managed key (callers need no KMS grant for it).
    const streamName = `${name}-stream`;
    this.stream = new KinesisStream(this, "stream", {
      name: streamName,
      retentionPeriod: settings.stream.retentionHours,
      encryptionType: "KMS",
      kmsKeyId: "alias/aws/kinesis",
      streamModeDetails: { streamMode: settings.stream.mode },
      ...(settings.stream.mode === "PROVISIONED" ? { shardCount: settings.stream.shardCount } : {}),
    });

    // SQS: each queue with SSE-SQS, a dead-letter queue after maxReceiveCount, and a DLQ alarm into OpsCenter.
    const alarmSettings = settings.deadLetterAlarm;
    const queues: Record<string, StorageQueue> = {};
    for (const [queueKey, queueConfig] of Object.entries(settings.queues)) {
      const suffix = queueConfig.fifo ? ".fifo" : "";
      const queueName = `${name}-${queueKey}`;
      const deadLetterQueue = new SqsQueue(this, `queue-${queueKey}-dlq`, {
        name: `${queueName}-dlq${suffix}`,
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: 1_209_600,
        ...(queueConfig.fifo ? { fifoQueue: true } : {}),
      });
      const queue = new SqsQueue(this, `queue-${queueKey}`, {
        name: `${queueName}${suffix}`,
        sqsManagedSseEnabled: true,
        visibilityTimeoutSeconds: queueConfig.visibilityTimeoutSeconds,
        messageRetentionSeconds: queueConfig.messageRetentionSeconds,
        redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: queueConfig.maxReceiveCount }),
        ...(queueConfig.fifo ? { fifoQueue: true, contentBasedDeduplication: queueConfig.contentBasedDeduplication } : {}),
      });
      const alarm = new OpsCenterAlarm(this, `queue-${queueKey}-dlq-alarm`, {
        alarmName: `${queueName}-dlq-not-empty`,
        description: `Messages of ${queueName} failed ${queueConfig.maxReceiveCount} times and wait in its dead-letter queue`,
        metric: {
          namespace: "AWS/SQS",
          metricName: "ApproximateNumberOfMessagesVisible",
          dimensions: { QueueName: deadLetterQueue.name },
          statistic: "Maximum",
        },
        threshold: alarmSettings.threshold,
        periodSeconds: alarmSettings.periodSeconds,
        evaluationPeriods: alarmSettings.evaluationPeriods,
        severity: alarmSettings.severity,
        category: alarmSettings.category,
        location: this.location,
      });
      queues[queueKey] = { name: `${queueName}${suffix}`, config: queueConfig, queue, deadLetterQueue, alarm };
    }
    this.queues = queues;

    // AppConfig: application, environment, profile, a hosted version and its deployment.
    const application = new AppconfigApplication(this, "appconfig-application", {
      name,
      description: "Configuration served by the storage-first API",
    });
    const environment = new AppconfigEnvironment(this, "appconfig-environment", {
      applicationId: application.id,
      name: settings.appConfig.environment,
    });
    const profile = new AppconfigConfigurationProfile(this, "appconfig-profile", {
      applicationId: application.id,
      name: settings.appConfig.profile,
      locationUri: "hosted",
      type: "AWS.Freeform",
    });
    const version = new AppconfigHostedConfigurationVersion(this, "appconfig-version", {
      applicationId: application.id,
      configurationProfileId: profile.configurationProfileId,
      contentType: "application/json",
      content: JSON.stringify(settings.appConfig.content),
    });
    const deployment = new AppconfigDeployment(this, "appconfig-deployment", {
      applicationId: application.id,
      environmentId: environment.environmentId,
      configurationProfileId: profile.configurationProfileId,
      configurationVersion: Token.asString(version.versionNumber),
      deploymentStrategyId: "AppConfig.AllAtOnce",
    });
    this.appConfig = { application, environment, profile, deployment };

    // Step Functions: example machines with logging.
    const machines: Record<string, StorageStateMachine> = {};
    for (const [machineKey, machineConfig] of Object.entries(settings.stateMachines)) {
      machines[machineKey] = this.stateMachine(`${name}-${machineKey}`, machineKey, machineConfig, settings.stateMachineLogRetentionDays);
    }
    this.stateMachines = machines;

    // The consumer: every queue marked `consumer` triggers it, with partial batch responses.
    const consumed = Object.entries(queues).filter(([, queue]) => queue.config.consumer);
    if (consumed.length > 0) {
      const consumer = new NodejsFunction(this, "consumer", {
        functionName: `${name}-consumer`,
        roleName: this.globalName(`${settings.name}-consumer`),
        entry: "handlers/sqs-consumer/index.ts",
        description: "Works off the storage-first API's queue; reports failed messages (partial batch response)",
        memoryMb: settings.consumer.memoryMb,
        timeoutSeconds: settings.consumer.timeoutSeconds,
        logRetentionDays: settings.consumer.logRetentionDays,
        ...(settings.consumer.reservedConcurrency !== undefined ? { reservedConcurrency: settings.consumer.reservedConcurrency } : {}),
        applicationLogLevel: settings.consumer.applicationLogLevel,
        systemLogLevel: settings.consumer.systemLogLevel,
        environment: { POWERTOOLS_SERVICE_NAME: "sqs-consumer", EVENT_BUS_NAME: this.eventBus.name, EVENT_SOURCE: `${name}.consumer` },
        statements: [
          {
            sid: "ConsumeQueues",
            actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
            resources: consumed.map(([, queue]) => queue.queue.arn),
          },
          { sid: "PublishResults", actions: ["events:PutEvents"], resources: [this.eventBus.arn] },
        ],
      });
      if (settings.consumer.reservedConcurrency === undefined) {
        acknowledgeRule(
          consumer.function,
          "LAMBDA-3",
          "unreserved by default: new accounts have a concurrency quota of 10 and reserving any of it fails the deploy; set storageFirstApi.consumer.reservedConcurrency where the quota allows",
        );
      }
      for (const [queueKey, queue] of consumed) {
        new LambdaEventSourceMapping(this, `consumer-${queueKey}`, {
          functionName: consumer.function.arn,
          eventSourceArn: queue.queue.arn,
          batchSize: settings.consumer.batchSize,
          functionResponseTypes: ["ReportBatchItemFailures"],
          ...(settings.consumer.maximumBatchingWindowSeconds > 0 ? { maximumBatchingWindowInSeconds: settings.consumer.maximumBatchingWindowSeconds } : {}),
        });
      }
      this.consumer = consumer;
    }

    // The API.
    this.api = new HttpApi(this, "http-api", {
      name,
      roleNamePrefix: this.globalName(settings.name),
      description: "Storage-first HTTP API: requests go straight to EventBridge, Kinesis, SQS, AppConfig and Step Functions",
      throttlingBurstLimit: settings.stage.throttlingBurstLimit,
      throttlingRateLimit: settings.stage.throttlingRateLimit,
      detailedMetrics: settings.stage.detailedMetrics,
      accessLogRetentionDays: settings.stage.accessLogRetentionDays,
      ...(settings.authorization.jwt ? { jwt: settings.authorization.jwt } : {}),
    });
    for (const route of Object.values(settings.routes)) {
      this.api.addRoute(route.routeKey, {
        integration: this.integrationFor(route, streamName),
        authorization: route.authorization,
        timeoutMilliseconds: route.integration.timeoutMilliseconds,
      });
    }
    const openApi = this.api.addOpenApiAsset();

    new TerraformOutput(this, "api_endpoint", { value: this.api.api.apiEndpoint, description: "Base URL of the $default stage" });
    new TerraformOutput(this, "openapi_file", {
      value: openApi.path,
      description: "OpenAPI 3 document of the routes (placeholders for values known after apply), relative to the stack folder",
    });
    new TerraformOutput(this, "openapi", {
      value: Fn.jsonencode(this.api.openApiDocument("deploy")),
      description: "The same OpenAPI 3 document with every value resolved",
    });
    new TerraformOutput(this, "event_log_group", { value: this.eventLog.name });
    new TerraformOutput(this, "queue_urls", { value: Object.fromEntries(Object.entries(queues).map(([key, queue]) => [key, queue.queue.url])) });
  }

  private integrationFor(route: RouteConfig, streamName: string): IntegrationTarget {
    const { subtype, parameters } = route.integration;
    switch (subtype) {
      case "EventBridge-PutEvents":
        return eventBridgeIntegration(this.eventBus, this.eventBusName, parameters);
      case "Kinesis-PutRecord":
        return kinesisIntegration(this.stream, streamName, parameters);
      case "AppConfig-GetConfiguration":
        return appConfigIntegration(this.appConfig, parameters);
      case "SQS-SendMessage":
      case "SQS-ReceiveMessage":
      case "SQS-DeleteMessage":
      case "SQS-PurgeQueue": {
        const queue = route.integration.queue === undefined ? undefined : this.queues[route.integration.queue];
        if (!queue) throw new Error(`${route.routeKey}: queue ${String(route.integration.queue)} is not defined (the configuration should have refused this)`);
        return sqsIntegration(subtype, queue.queue, queue.name, this.config.region, parameters);
      }
      case "StepFunctions-StartExecution":
      case "StepFunctions-StartSyncExecution":
      case "StepFunctions-StopExecution": {
        const machine = route.integration.stateMachine === undefined ? undefined : this.stateMachines[route.integration.stateMachine];
        if (!machine) throw new Error(`${route.routeKey}: state machine ${String(route.integration.stateMachine)} is not defined (the configuration should have refused this)`);
        return stepFunctionsIntegration(subtype, machine.machine, machine.name, this.location, parameters);
      }
    }
  }

  private stateMachine(machineName: string, key: string, config: StateMachineConfig, retentionDays: number): StorageStateMachine {
    const logGroup = encryptedLogGroup(this, `state-machine-${key}-logs`, {
      name: `/aws/vendedlogs/states/${machineName}`,
      retentionInDays: retentionDays,
    });
    const role = new IamRole(this, `state-machine-${key}-role`, {
      name: this.globalName(`${this.config.storageFirstApi.name}-${key}-sfn`),
      assumeRolePolicy: serviceTrust(this, `state-machine-${key}-trust`, "states.amazonaws.com").json,
    });
    new IamRolePolicy(this, `state-machine-${key}-policy`, {
      name: "logging",
      role: role.id,
      policy: policyDocument(this, `state-machine-${key}-policy-document`, [
        {
          // Vended-log delivery: these actions take no resource-level permissions (Step Functions docs).
          sid: "DeliverExecutionLogs",
          actions: [
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
          ],
          resources: ["*"],
        },
        { sid: "AnnounceOnEventBus", actions: ["events:PutEvents"], resources: [this.eventBus.arn] },
      ]).json,
    });
    // Each machine ends by announcing itself on the event bus (visible in the event log group). The
    // bus ARN is known only after apply, which also keeps the provider from calling
    // ValidateStateMachineDefinition during plan: an offline plan cannot reach AWS.
    const announce = (detailType: string, next: { Next: string } | { End: true }): Record<string, unknown> => ({
      Type: "Task",
      Resource: formatArn({ partition: this.location.partition, service: "states", resource: "events:putEvents" }),
      Parameters: {
        Entries: [
          {
            EventBusName: this.eventBus.arn,
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
      config.type === "EXPRESS"
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
    const machine = new SfnStateMachine(this, `state-machine-${key}`, {
      name: machineName,
      type: config.type,
      roleArn: role.arn,
      definition: Fn.jsonencode(definition),
      loggingConfiguration: { logDestination: `${logGroup.arn}:*`, level: "ALL", includeExecutionData: false },
      encryptionConfiguration: { type: "AWS_OWNED_KEY" },
    });
    return { name: machineName, config, machine, logGroup };
  }
}
