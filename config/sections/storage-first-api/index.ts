import type { ConfigReader } from "../../reader";
import { describe, joinPath } from "../../reader";
import { checkLogRetention } from "../../validators";
import { UNRESERVED } from "../ami-tracker";
import { opsAlarmSettings, readOpsAlarm, type OpsAlarmConfig } from "../ops-alarms";
import type { TObject } from "@sinclair/typebox";
import {
  AnyValue,
  Defaulted,
  Flag,
  keysOf,
  MapOf,
  Matching,
  OneOf,
  Optional,
  RetentionDays,
  Section,
  TextList,
  WholeNumber,
  type Resolved,
} from "../../settings";
import { LOG_LEVEL_SETTINGS, readLogLevels } from "../lambda-logging";
import { readQueues, QueueSettings, type QueueConfig } from "./queues";
import { readRoutes, ROUTE_KEY, RouteSettings, type RouteConfig } from "./routes";
import { NAME, readEnum, readMap, SECTION } from "./shared";

export type { QueueConfig } from "./queues";
export type { RouteConfig, RouteIntegrationConfig } from "./routes";

export type StateMachineConfig = Resolved<typeof StateMachineSettings>;

/**
 * The storage-first HTTP API: routes that store the request in an AWS service before any code runs.
 * Each setting's description and default are in StorageFirstApiSettings below.
 */
export type StorageFirstApiConfig = Resolved<
  typeof StorageFirstApiSettings,
  never,
  {
    stage: Resolved<typeof StageSettings>;
    authorization: {
      readonly default: "AWS_IAM" | "JWT";
      readonly jwt?: { readonly issuer: string; readonly audience: readonly string[] };
    };
    queues: Readonly<Record<string, QueueConfig>>;
    stream: Resolved<typeof StreamSettings>;
    eventBus: Resolved<typeof EventBusSettings>;
    appConfig: Resolved<typeof AppConfigSettings, "content">;
    stateMachines: Readonly<Record<string, StateMachineConfig>>;
    consumer: Resolved<typeof ConsumerSettings>;
    deadLetterAlarm: OpsAlarmConfig;
    routes: Readonly<Record<string, RouteConfig>>;
  }
>;

const DEAD_LETTER_ALARM = { severity: 2, category: "Availability" } as const;

const Retention = (description: string) => Defaulted(RetentionDays(`${description} (days), a value CloudWatch Logs accepts.`), 30);
/** AppConfig environment and profile names. */
const APPCONFIG_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const HTTPS_URL = /^https:\/\/[^\s]+$/;

const StageSettings = Section({
  throttlingBurstLimit: Defaulted(WholeNumber(1, 5000, "Both throttling values are always set: an unset pair means 0, a 429 for every request."), 100),
  throttlingRateLimit: Defaulted(WholeNumber(1, 10000, "Requests per second, steady state."), 50),
  detailedMetrics: Defaulted(Flag("Per-route CloudWatch metrics."), true),
  accessLogRetentionDays: Retention("Retention of the access logs"),
});
const JwtSettings = Section(
  {
    issuer: Matching(HTTPS_URL, 'The token issuer, an https URL, e.g. "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc123".'),
    audience: TextList("At least one audience (client ID).", { minItems: 1 }),
  },
  "The JWT authorizer; required as soon as one route uses JWT.",
);
const AuthorizationSettings = Section({
  default: Defaulted(OneOf(["AWS_IAM", "JWT"] as const, "What a route without authorization gets."), "AWS_IAM"),
  jwt: Optional(JwtSettings),
});
const ConsumerSettings = Section({
  timeoutSeconds: Defaulted(WholeNumber(3, 900, "Timeout (seconds)."), 30),
  memoryMb: Defaulted(WholeNumber(128, 10240, "Memory (MB)."), 256),
  batchSize: Defaulted(WholeNumber(1, 10, "Messages per batch."), 10),
  maximumBatchingWindowSeconds: Defaulted(WholeNumber(0, 300, "Standard queues only."), 0),
  logRetentionDays: Retention("Log retention"),
  reservedConcurrency: Optional(
    WholeNumber(
      2,
      1000,
      "Reserved concurrency. Default: unreserved, since new accounts have a concurrency quota of 10 and reserving any of it fails the deploy there.",
    ),
  ),
  ...LOG_LEVEL_SETTINGS,
});
const StreamSettings = Section({
  mode: Defaulted(OneOf(["ON_DEMAND", "PROVISIONED"] as const), "ON_DEMAND"),
  shardCount: Defaulted(WholeNumber(1, 500, "PROVISIONED only."), 1),
  retentionHours: Defaulted(WholeNumber(24, 8760), 24),
});
const EventBusSettings = Section({ logRetentionDays: Retention("Retention of the log group the bus's catch-all rule writes to") });
const AppConfigSettings = Section({
  environment: Defaulted(Matching(APPCONFIG_NAME, 'AppConfig environment name: 1-64 letters, digits, "_", "." or "-".'), "live"),
  profile: Defaulted(Matching(APPCONFIG_NAME, 'AppConfig configuration profile name: 1-64 letters, digits, "_", "." or "-".'), "settings"),
  content: Optional(MapOf(AnyValue(), 'The hosted configuration (application/json) that is deployed. Default: { "maintenance": false }.')),
});
const StateMachineSettings = Section({
  type: OneOf(["STANDARD", "EXPRESS"] as const, "EXPRESS machines alone take StartSyncExecution; STANDARD alone take StopExecution."),
});
/** The storage-first HTTP API (the `storageFirstApi` section). */
export const StorageFirstApiSettings = Section(
  {
    enabled: Defaulted(Flag("Deploy the storage-first-api stack."), false),
    name: Defaulted(Matching(NAME, 'Resource names are "<project>-<environment>-<name>-...".'), "api"),
    stage: Optional(StageSettings),
    authorization: Optional(AuthorizationSettings),
    queues: Optional(MapOf(QueueSettings, 'Queues by key (1-20 lowercase letters, digits or "-"). Default: { "orders": { "consumer": true } }.', NAME)),
    stream: Optional(StreamSettings),
    eventBus: Optional(EventBusSettings),
    appConfig: Optional(AppConfigSettings),
    stateMachines: Optional(
      MapOf(
        StateMachineSettings,
        'State machines by key (1-20 lowercase letters, digits or "-"). Default: { "workflow": { "type": "STANDARD" }, "quote": { "type": "EXPRESS" } }.',
        NAME,
      ),
    ),
    stateMachineLogRetentionDays: Retention("Log retention of the state machines' log groups"),
    consumer: Optional(ConsumerSettings),
    deadLetterAlarm: Optional(opsAlarmSettings(DEAD_LETTER_ALARM, "The alarm on every dead-letter queue, whose action creates an OpsCenter OpsItem.")),
    routes: Defaulted(MapOf(RouteSettings, 'Routes keyed by route key, "POST /orders" or "GET /orders/{id}".', ROUTE_KEY), {}),
  },
  "The storage-first HTTP API: routes that store the request in an AWS service before any code runs.",
);
const DEFAULT_APPCONFIG_CONTENT = { maintenance: false };
const DEFAULT_STATE_MACHINES = { workflow: { type: "STANDARD" }, quote: { type: "EXPRESS" } };

function readRetention(reader: ConfigReader, settings: TObject, record: Record<string, unknown>, key: string, path: string): number {
  const days = reader.read(settings, record, key, path) as number;
  const problem = checkLogRetention(days);
  if (problem) reader.fail(joinPath(path, key), problem);
  return days;
}

export function readStorageFirstApi(reader: ConfigReader, raw: unknown): StorageFirstApiConfig {
  const path = SECTION;
  const settings = StorageFirstApiSettings;
  const record = reader.object(raw, path, keysOf(settings));

  const name = reader.read(settings, record, "name", path);
  if (!NAME.test(name))
    reader.fail(joinPath(path, "name"), `${describe(name)} must be 1-20 lowercase letters, digits or "-", starting with a letter, e.g. "api"`);

  // Stage.
  const stagePath = joinPath(path, "stage");
  const stageRecord = reader.object(record["stage"], stagePath, keysOf(StageSettings));
  const stage = {
    throttlingBurstLimit: reader.read(StageSettings, stageRecord, "throttlingBurstLimit", stagePath),
    throttlingRateLimit: reader.read(StageSettings, stageRecord, "throttlingRateLimit", stagePath),
    detailedMetrics: reader.read(StageSettings, stageRecord, "detailedMetrics", stagePath),
    accessLogRetentionDays: readRetention(reader, StageSettings, stageRecord, "accessLogRetentionDays", stagePath),
  };

  // Authorization.
  const authPath = joinPath(path, "authorization");
  const authRecord = reader.object(record["authorization"], authPath, keysOf(AuthorizationSettings));
  const defaultAuthorization = readEnum<"AWS_IAM" | "JWT">(reader, AuthorizationSettings, authRecord, "default", authPath);
  let jwt: StorageFirstApiConfig["authorization"]["jwt"];
  if (authRecord["jwt"] !== undefined) {
    const jwtPath = joinPath(authPath, "jwt");
    const jwtRecord = reader.object(authRecord["jwt"], jwtPath, keysOf(JwtSettings));
    const issuer = reader.read(JwtSettings, jwtRecord, "issuer", jwtPath, { fallback: "" });
    if (!HTTPS_URL.test(issuer)) {
      reader.fail(
        joinPath(jwtPath, "issuer"),
        `${describe(issuer)} is not an https URL; set the token issuer, e.g. "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc123"`,
      );
    }
    const audience = reader.read(JwtSettings, jwtRecord, "audience", jwtPath, { fallback: [] });
    if (audience.length === 0)
      reader.fail(joinPath(jwtPath, "audience"), `${describe(jwtRecord["audience"])} is empty; list at least one audience (client ID), e.g. ["my-app-client"]`);
    jwt = { issuer, audience };
  }
  if (defaultAuthorization === "JWT" && jwt === undefined) {
    reader.fail(joinPath(authPath, "default"), `"JWT" needs ${joinPath(authPath, "jwt")} with issuer and audience; add it or use "AWS_IAM"`);
  }

  // Consumer (read before the queues: their default visibility timeout depends on it).
  const consumerPath = joinPath(path, "consumer");
  const consumerRecord = reader.object(record["consumer"], consumerPath, keysOf(ConsumerSettings));
  const reservedConcurrency = reader.read(ConsumerSettings, consumerRecord, "reservedConcurrency", consumerPath, { unset: UNRESERVED });
  const consumer = {
    timeoutSeconds: reader.read(ConsumerSettings, consumerRecord, "timeoutSeconds", consumerPath),
    memoryMb: reader.read(ConsumerSettings, consumerRecord, "memoryMb", consumerPath),
    batchSize: reader.read(ConsumerSettings, consumerRecord, "batchSize", consumerPath),
    maximumBatchingWindowSeconds: reader.read(ConsumerSettings, consumerRecord, "maximumBatchingWindowSeconds", consumerPath),
    logRetentionDays: readRetention(reader, ConsumerSettings, consumerRecord, "logRetentionDays", consumerPath),
    ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
    ...readLogLevels(reader, consumerRecord, consumerPath),
  };

  // Queues.
  const queues = readQueues(reader, record, path, consumer, consumerPath);

  // Stream.
  const streamPath = joinPath(path, "stream");
  const streamRecord = reader.object(record["stream"], streamPath, keysOf(StreamSettings));
  const stream = {
    mode: readEnum<"ON_DEMAND" | "PROVISIONED">(reader, StreamSettings, streamRecord, "mode", streamPath),
    shardCount: reader.read(StreamSettings, streamRecord, "shardCount", streamPath),
    retentionHours: reader.read(StreamSettings, streamRecord, "retentionHours", streamPath),
  };
  if (stream.mode === "ON_DEMAND" && streamRecord["shardCount"] !== undefined) {
    reader.fail(
      joinPath(streamPath, "shardCount"),
      `${describe(streamRecord["shardCount"])} applies to PROVISIONED streams only; remove it or set "mode": "PROVISIONED"`,
    );
  }

  const eventBusPath = joinPath(path, "eventBus");
  const eventBusRecord = reader.object(record["eventBus"], eventBusPath, keysOf(EventBusSettings));
  const eventBus = { logRetentionDays: readRetention(reader, EventBusSettings, eventBusRecord, "logRetentionDays", eventBusPath) };

  // AppConfig.
  const appConfigPath = joinPath(path, "appConfig");
  const appConfigRecord = reader.object(record["appConfig"], appConfigPath, keysOf(AppConfigSettings));
  const appConfigEnvironment = reader.read(AppConfigSettings, appConfigRecord, "environment", appConfigPath);
  const appConfigProfile = reader.read(AppConfigSettings, appConfigRecord, "profile", appConfigPath);
  for (const [key, value] of [
    ["environment", appConfigEnvironment],
    ["profile", appConfigProfile],
  ] as const) {
    if (!APPCONFIG_NAME.test(value))
      reader.fail(joinPath(appConfigPath, key), `${describe(value)} is not an AppConfig name; use 1-64 letters, digits, "_", "." or "-"`);
  }
  let content: Record<string, unknown> = { ...DEFAULT_APPCONFIG_CONTENT };
  const rawContent = appConfigRecord["content"];
  if (rawContent !== undefined) {
    if (typeof rawContent !== "object" || rawContent === null || Array.isArray(rawContent)) {
      reader.fail(joinPath(appConfigPath, "content"), `${describe(rawContent)} is not a JSON object; write the configuration as { ... }`);
    } else {
      content = rawContent as Record<string, unknown>;
    }
  }

  // State machines.
  const machinesPath = joinPath(path, "stateMachines");
  const stateMachines: Record<string, StateMachineConfig> = {};
  const rawMachines = readMap(reader, record, "stateMachines", path) ?? DEFAULT_STATE_MACHINES;
  for (const [machineName, rawMachine] of Object.entries(rawMachines)) {
    const machinePath = joinPath(machinesPath, machineName);
    if (!NAME.test(machineName))
      reader.fail(machinePath, `${describe(machineName)} is not a usable state machine key; use 1-20 lowercase letters, digits or "-", e.g. "workflow"`);
    const machineRecord = reader.object(rawMachine, machinePath, keysOf(StateMachineSettings));
    if (machineRecord["type"] === undefined) reader.fail(joinPath(machinePath, "type"), `nothing is set; write "STANDARD" or "EXPRESS"`);
    stateMachines[machineName] = { type: readEnum<"STANDARD" | "EXPRESS">(reader, StateMachineSettings, machineRecord, "type", machinePath, "STANDARD") };
  }

  // Dead-letter alarm.
  const deadLetterAlarm = readOpsAlarm(reader, record, "deadLetterAlarm", path, DEAD_LETTER_ALARM);

  // Routes.
  const routes = readRoutes(reader, record, path, { queues, stateMachines, defaultAuthorization, hasJwt: jwt !== undefined });

  return {
    enabled: reader.read(settings, record, "enabled", path),
    name,
    stage,
    authorization: { default: defaultAuthorization, ...(jwt !== undefined ? { jwt } : {}) },
    queues,
    stream,
    eventBus,
    appConfig: { environment: appConfigEnvironment, profile: appConfigProfile, content },
    stateMachines,
    stateMachineLogRetentionDays: readRetention(reader, settings, record, "stateMachineLogRetentionDays", path),
    consumer,
    deadLetterAlarm,
    routes,
  };
}
