import { CloudwatchEventBus } from "@cdktf/provider-aws/lib/cloudwatch-event-bus";
import { consumerEnvironment } from "../handlers/sqs-consumer/environment";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogResourcePolicy } from "@cdktf/provider-aws/lib/cloudwatch-log-resource-policy";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { Fn, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { AwsLocation } from "../aws/arn";
import type { StorageFirstApiConfig } from "../config";
import type { QueueConfig, RouteConfig, StateMachineConfig } from "../config/sections/storage-first-api";
import { AppStack, type AppStackProps } from "./app-stack";
import { announcingStateMachine, type AnnouncingStateMachine } from "./constructs/announcing-state-machine";
import { hostedAppConfig, type HostedAppConfig } from "./constructs/hosted-app-config";
import { HttpApi } from "./constructs/http-api/http-api";
import {
  appConfigIntegration,
  eventBridgeIntegration,
  kinesisIntegration,
  sqsIntegration,
  stepFunctionsIntegration,
  type IntegrationTarget,
} from "./constructs/http-api/integrations";
import { policyDocument } from "./constructs/iam";
import { encryptedLogGroup } from "./constructs/log-group";
import { NodejsFunction } from "./constructs/nodejs-function";
import { queueWithDeadLetter, type QueueWithDeadLetter } from "./constructs/queue-with-dead-letter";
import { acknowledgeRule } from "./rules/acknowledge";

export const STORAGE_FIRST_API_STACK = "storage-first-api";

/** A queue of the configuration: its queue, dead-letter queue and alarm, and its settings. */
export interface StorageQueue extends QueueWithDeadLetter {
  readonly config: QueueConfig;
}

/** A state machine of the configuration and its settings. */
export interface StorageStateMachine extends AnnouncingStateMachine {
  readonly config: StateMachineConfig;
}

/** The stack's slice of the configuration: what every stack takes, and the `storageFirstApi` section. */
export interface StorageFirstApiStackProps extends AppStackProps {
  readonly storageFirstApi: StorageFirstApiConfig;
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
  readonly appConfig: HostedAppConfig;
  readonly consumer?: NodejsFunction;
  /** Partition, region and account of the stack (the account read from the event bus's ARN). */
  readonly location: AwsLocation;

  constructor(scope: Construct, config: StorageFirstApiStackProps) {
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
      const queue = queueWithDeadLetter(this, `queue-${queueKey}`, {
        name: `${name}-${queueKey}`,
        fifo: queueConfig.fifo,
        contentBasedDeduplication: queueConfig.contentBasedDeduplication,
        visibilityTimeoutSeconds: queueConfig.visibilityTimeoutSeconds,
        messageRetentionSeconds: queueConfig.messageRetentionSeconds,
        maxReceiveCount: queueConfig.maxReceiveCount,
        alarm: { ...alarmSettings, location: this.location },
      });
      queues[queueKey] = { ...queue, config: queueConfig };
    }
    this.queues = queues;

    // AppConfig: application, environment, profile, a hosted version and its deployment.
    this.appConfig = hostedAppConfig(this, {
      name,
      description: "Configuration served by the storage-first API",
      environment: settings.appConfig.environment,
      profile: settings.appConfig.profile,
      content: settings.appConfig.content,
    });

    // Step Functions: example machines with logging.
    const machines: Record<string, StorageStateMachine> = {};
    for (const [machineKey, machineConfig] of Object.entries(settings.stateMachines)) {
      const machine = announcingStateMachine(this, `state-machine-${machineKey}`, {
        name: `${name}-${machineKey}`,
        type: machineConfig.type,
        roleName: this.globalName(`${settings.name}-${machineKey}-sfn`),
        eventBus: this.eventBus,
        partition,
        logRetentionDays: settings.stateMachineLogRetentionDays,
      });
      machines[machineKey] = { ...machine, config: machineConfig };
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
        environment: consumerEnvironment({ eventBusName: this.eventBus.name, source: `${name}.consumer` }),
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
        return sqsIntegration(subtype, queue.queue, queue.name, this.region, parameters);
      }
      case "StepFunctions-StartExecution":
      case "StepFunctions-StartSyncExecution":
      case "StepFunctions-StopExecution": {
        const machine = route.integration.stateMachine === undefined ? undefined : this.stateMachines[route.integration.stateMachine];
        if (!machine)
          throw new Error(
            `${route.routeKey}: state machine ${String(route.integration.stateMachine)} is not defined (the configuration should have refused this)`,
          );
        return stepFunctionsIntegration(subtype, machine.machine, machine.name, this.location, parameters);
      }
    }
  }
}
