import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
import { checkLogRetention } from "../validators";
import { UNRESERVED } from "./ami-tracker";
import { opsAlarmSettings, readOpsAlarm, type OpsAlarmConfig } from "./ops-alarms";
import type { TObject } from "@sinclair/typebox";
import { AnyValue, Defaulted, Flag, keysOf, MapOf, OneOf, Optional, Section, Text, TextList, TextMap, WholeNumber, type Resolved } from "../settings";
import { LOG_LEVEL_SETTINGS, readLogLevels } from "./lambda-logging";
import { INTEGRATION_SUBTYPES, isIntegrationSubtype, SUBTYPES, type IntegrationSubtype, type RouteAuthorization } from "../../aws/http-api";

/** Where a route's integration stores or reads. */
export interface RouteIntegrationConfig {
  readonly subtype: IntegrationSubtype;
  /** Key in `queues`, for the SQS subtypes. */
  readonly queue?: string;
  /** Key in `stateMachines`, for the Step Functions subtypes. */
  readonly stateMachine?: string;
  /** The parameters the route maps (never the target's): literal or `$request.*` / `$context.*`. */
  readonly parameters: Readonly<Record<string, string>>;
  /** @default 29000 (ms), the HTTP API maximum */
  readonly timeoutMilliseconds: number;
}

export interface RouteConfig {
  /** `"POST /orders"`: also the key in the configuration's `routes`. */
  readonly routeKey: string;
  readonly integration: RouteIntegrationConfig;
  /** @default { type: <authorization.default> } */
  readonly authorization: RouteAuthorization;
}

/** A queue of `queues`, its defaults applied. */
export type QueueConfig = Resolved<typeof QueueSettings, "contentBasedDeduplication" | "visibilityTimeoutSeconds">;

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

const SECTION = "storageFirstApi";
const DEAD_LETTER_ALARM = { severity: 2, category: "Availability" } as const;

const Retention = (description: string) => Defaulted(WholeNumber(1, 3653, `${description} (days), a value CloudWatch Logs accepts.`), 30);

const StageSettings = Section({
  throttlingBurstLimit: Defaulted(WholeNumber(1, 5000, "Both throttling values are always set: an unset pair means 0, a 429 for every request."), 100),
  throttlingRateLimit: Defaulted(WholeNumber(1, 10000, "Requests per second, steady state."), 50),
  detailedMetrics: Defaulted(Flag("Per-route CloudWatch metrics."), true),
  accessLogRetentionDays: Retention("Retention of the access logs"),
});
const JwtSettings = Section(
  {
    issuer: Text('The token issuer, an https URL, e.g. "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc123".'),
    audience: TextList("At least one audience (client ID)."),
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
    WholeNumber(2, 1000, "Reserved concurrency. Default: unreserved, since new accounts have a concurrency quota of 10 and reserving any of it fails the deploy there."),
  ),
  ...LOG_LEVEL_SETTINGS,
});
const QueueSettings = Section({
  fifo: Defaulted(Flag('A FIFO queue (name ends in ".fifo"); SendMessage routes must map MessageGroupId.'), false),
  contentBasedDeduplication: Optional(Flag("FIFO only: deduplicate by a hash of the body. Default: true for FIFO queues.")),
  maxReceiveCount: Defaulted(WholeNumber(1, 1000, "Receives before a message moves to the queue's dead-letter queue."), 5),
  messageRetentionSeconds: Defaulted(WholeNumber(60, 1_209_600, "Seconds; the dead-letter queue keeps messages 14 days."), 345_600),
  visibilityTimeoutSeconds: Optional(WholeNumber(0, 43200, "Default: 6x the consumer's timeout when consumer, else 30.")),
  consumer: Defaulted(Flag("Trigger the SQS consumer Lambda from this queue."), false),
});
const StreamSettings = Section({
  mode: Defaulted(OneOf(["ON_DEMAND", "PROVISIONED"] as const), "ON_DEMAND"),
  shardCount: Defaulted(WholeNumber(1, 500, "PROVISIONED only."), 1),
  retentionHours: Defaulted(WholeNumber(24, 8760), 24),
});
const EventBusSettings = Section({ logRetentionDays: Retention("Retention of the log group the bus's catch-all rule writes to") });
const AppConfigSettings = Section({
  environment: Defaulted(Text('AppConfig environment name: 1-64 letters, digits, "_", "." or "-".'), "live"),
  profile: Defaulted(Text('AppConfig configuration profile name: 1-64 letters, digits, "_", "." or "-".'), "settings"),
  content: Optional(MapOf(AnyValue(), 'The hosted configuration (application/json) that is deployed. Default: { "maintenance": false }.')),
});
const StateMachineSettings = Section({ type: OneOf(["STANDARD", "EXPRESS"] as const, "EXPRESS machines alone take StartSyncExecution; STANDARD alone take StopExecution.") });
const RouteAuthorizationSettings = Section({
  type: Defaulted(OneOf(["AWS_IAM", "JWT", "NONE"] as const), "AWS_IAM"),
  scopes: Optional(TextList("JWT only: the scopes a token must hold.")),
  reason: Optional(Text('"NONE" only: why the route is open to anyone (10+ characters).')),
});
const IntegrationSettings = Section({
  subtype: OneOf(Object.keys(SUBTYPES) as IntegrationSubtype[], "The HTTP API service-integration subtype."),
  queue: Optional(Text("SQS subtypes: a key of queues. Default: the only queue.")),
  stateMachine: Optional(Text("Step Functions subtypes: a key of stateMachines. Default: the only state machine.")),
  parameters: Defaulted(TextMap("The parameters the route maps (never the target's): literal, or $request.* / $context.*."), {}),
  timeoutMilliseconds: Defaulted(WholeNumber(50, 29_000, "The HTTP API maximum is the default."), 29_000),
});
const RouteSettings = Section({ integration: IntegrationSettings, authorization: Optional(RouteAuthorizationSettings) });

/** The storage-first HTTP API (the `storageFirstApi` section). */
export const StorageFirstApiSettings = Section(
  {
    enabled: Defaulted(Flag("Deploy the storage-first-api stack."), false),
    name: Defaulted(Text('Resource names are "<project>-<environment>-<name>-...".'), "api"),
    stage: Optional(StageSettings),
    authorization: Optional(AuthorizationSettings),
    queues: Optional(MapOf(QueueSettings, 'Queues by key (1-20 lowercase letters, digits or "-"). Default: { "orders": { "consumer": true } }.')),
    stream: Optional(StreamSettings),
    eventBus: Optional(EventBusSettings),
    appConfig: Optional(AppConfigSettings),
    stateMachines: Optional(
      MapOf(StateMachineSettings, 'State machines by key. Default: { "workflow": { "type": "STANDARD" }, "quote": { "type": "EXPRESS" } }.'),
    ),
    stateMachineLogRetentionDays: Retention("Log retention of the state machines' log groups"),
    consumer: Optional(ConsumerSettings),
    deadLetterAlarm: Optional(opsAlarmSettings(DEAD_LETTER_ALARM, "The alarm on every dead-letter queue, whose action creates an OpsCenter OpsItem.")),
    routes: Defaulted(MapOf(RouteSettings, 'Routes keyed by route key, "POST /orders".'), {}),
  },
  "The storage-first HTTP API: routes that store the request in an AWS service before any code runs.",
);
const DEFAULT_QUEUES = { orders: { consumer: true } };
const DEFAULT_APPCONFIG_CONTENT = { maintenance: false };
const DEFAULT_STATE_MACHINES = { workflow: { type: "STANDARD" }, quote: { type: "EXPRESS" } };

const ROUTE_KEY = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) (\/([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\}))+$|^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) \/$/;
const NAME = /^[a-z][a-z0-9-]{0,19}$/;
/** The value forms of an HTTP API parameter mapping; anything not starting with "$" is a literal. */
const MAPPING =
  /^\$(request\.body(\.[A-Za-z0-9_.[\]*-]+)?|request\.header\.[A-Za-z0-9_-]+|request\.querystring\.[A-Za-z0-9_.-]+|request\.path\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)$/;

function routePath(routeKey: string): string {
  return `${SECTION}.routes[${JSON.stringify(routeKey)}]`;
}

function readRetention(reader: ConfigReader, settings: TObject, record: Record<string, unknown>, key: string, path: string): number {
  const days = reader.read(settings, record, key, path) as number;
  const problem = checkLogRetention(days);
  if (problem) reader.fail(joinPath(path, key), problem);
  return days;
}

function readEnum<T extends string>(
  reader: ConfigReader,
  settings: TObject,
  record: Record<string, unknown>,
  key: string,
  path: string,
  fallback?: T,
): T {
  const schema = settings.properties[key] as unknown as { readonly enum: readonly T[]; readonly default?: T };
  const allowed = schema.enum;
  fallback = fallback ?? (schema.default as T);
  const value = reader.string(record, key, path, fallback);
  if ((allowed as readonly string[]).includes(value)) return value as T;
  reader.fail(joinPath(path, key), `${describe(value)} is not allowed; use one of ${allowed.map((item) => `"${item}"`).join(", ")}`);
  return fallback;
}

function readMap(reader: ConfigReader, record: Record<string, unknown>, key: string, path: string): Record<string, unknown> | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    reader.fail(joinPath(path, key), `${describe(value)} is not an object; write it as { "name": { ... } } or leave it out`);
    return {};
  }
  return value as Record<string, unknown>;
}

export function readStorageFirstApi(reader: ConfigReader, raw: unknown): StorageFirstApiConfig {
  const path = SECTION;
  const settings = StorageFirstApiSettings;
  const record = reader.object(raw, path, keysOf(settings));

  const name = reader.read(settings, record, "name", path);
  if (!NAME.test(name)) reader.fail(joinPath(path, "name"), `${describe(name)} must be 1-20 lowercase letters, digits or "-", starting with a letter, e.g. "api"`);

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
    if (!/^https:\/\/[^\s]+$/.test(issuer)) {
      reader.fail(joinPath(jwtPath, "issuer"), `${describe(issuer)} is not an https URL; set the token issuer, e.g. "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc123"`);
    }
    const audience = reader.read(JwtSettings, jwtRecord, "audience", jwtPath, { fallback: [] });
    if (audience.length === 0) reader.fail(joinPath(jwtPath, "audience"), `${describe(jwtRecord["audience"])} is empty; list at least one audience (client ID), e.g. ["my-app-client"]`);
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
  const queues: Record<string, QueueConfig> = {};
  const queuesPath = joinPath(path, "queues");
  const rawQueues = readMap(reader, record, "queues", path) ?? DEFAULT_QUEUES;
  for (const [queueName, rawQueue] of Object.entries(rawQueues)) {
    const queuePath = joinPath(queuesPath, queueName);
    if (!NAME.test(queueName)) reader.fail(queuePath, `${describe(queueName)} is not a usable queue key; use 1-20 lowercase letters, digits or "-", e.g. "orders"`);
    const queueRecord = reader.object(rawQueue, queuePath, keysOf(QueueSettings));
    const fifo = reader.read(QueueSettings, queueRecord, "fifo", queuePath);
    const isConsumed = reader.read(QueueSettings, queueRecord, "consumer", queuePath);
    const minimumVisibility = 6 * consumer.timeoutSeconds;
    const visibilityTimeoutSeconds = reader.read(QueueSettings, queueRecord, "visibilityTimeoutSeconds", queuePath, { fallback: isConsumed ? minimumVisibility : 30 });
    if (isConsumed && visibilityTimeoutSeconds < minimumVisibility) {
      reader.fail(
        joinPath(queuePath, "visibilityTimeoutSeconds"),
        `${visibilityTimeoutSeconds} is less than 6x the consumer's timeout (${consumer.timeoutSeconds} s); set it to at least ${minimumVisibility} or leave it out`,
      );
    }
    const contentBasedDeduplication = reader.read(QueueSettings, queueRecord, "contentBasedDeduplication", queuePath, { fallback: fifo });
    if (!fifo && contentBasedDeduplication) {
      reader.fail(joinPath(queuePath, "contentBasedDeduplication"), `true applies to FIFO queues only; remove it or set "fifo": true`);
    }
    queues[queueName] = {
      fifo,
      contentBasedDeduplication,
      maxReceiveCount: reader.read(QueueSettings, queueRecord, "maxReceiveCount", queuePath),
      messageRetentionSeconds: reader.read(QueueSettings, queueRecord, "messageRetentionSeconds", queuePath),
      visibilityTimeoutSeconds,
      consumer: isConsumed,
    };
    if (fifo && isConsumed && consumer.maximumBatchingWindowSeconds > 0) {
      reader.fail(joinPath(consumerPath, "maximumBatchingWindowSeconds"), `${consumer.maximumBatchingWindowSeconds} is not supported with FIFO queue "${queueName}"; set it to 0`);
    }
  }

  // Stream.
  const streamPath = joinPath(path, "stream");
  const streamRecord = reader.object(record["stream"], streamPath, keysOf(StreamSettings));
  const stream = {
    mode: readEnum<"ON_DEMAND" | "PROVISIONED">(reader, StreamSettings, streamRecord, "mode", streamPath),
    shardCount: reader.read(StreamSettings, streamRecord, "shardCount", streamPath),
    retentionHours: reader.read(StreamSettings, streamRecord, "retentionHours", streamPath),
  };
  if (stream.mode === "ON_DEMAND" && streamRecord["shardCount"] !== undefined) {
    reader.fail(joinPath(streamPath, "shardCount"), `${describe(streamRecord["shardCount"])} applies to PROVISIONED streams only; remove it or set "mode": "PROVISIONED"`);
  }

  const eventBusPath = joinPath(path, "eventBus");
  const eventBusRecord = reader.object(record["eventBus"], eventBusPath, keysOf(EventBusSettings));
  const eventBus = { logRetentionDays: readRetention(reader, EventBusSettings, eventBusRecord, "logRetentionDays", eventBusPath) };

  // AppConfig.
  const appConfigPath = joinPath(path, "appConfig");
  const appConfigRecord = reader.object(record["appConfig"], appConfigPath, keysOf(AppConfigSettings));
  const appConfigEnvironment = reader.read(AppConfigSettings, appConfigRecord, "environment", appConfigPath);
  const appConfigProfile = reader.read(AppConfigSettings, appConfigRecord, "profile", appConfigPath);
  for (const [key, value] of [["environment", appConfigEnvironment], ["profile", appConfigProfile]] as const) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) reader.fail(joinPath(appConfigPath, key), `${describe(value)} is not an AppConfig name; use 1-64 letters, digits, "_", "." or "-"`);
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
    if (!NAME.test(machineName)) reader.fail(machinePath, `${describe(machineName)} is not a usable state machine key; use 1-20 lowercase letters, digits or "-", e.g. "workflow"`);
    const machineRecord = reader.object(rawMachine, machinePath, keysOf(StateMachineSettings));
    if (machineRecord["type"] === undefined) reader.fail(joinPath(machinePath, "type"), `nothing is set; write "STANDARD" or "EXPRESS"`);
    stateMachines[machineName] = { type: readEnum<"STANDARD" | "EXPRESS">(reader, StateMachineSettings, machineRecord, "type", machinePath, "STANDARD") };
  }

  // Dead-letter alarm.
  const deadLetterAlarm = readOpsAlarm(reader, record, "deadLetterAlarm", path, DEAD_LETTER_ALARM);

  // Routes.
  const routes: Record<string, RouteConfig> = {};
  const rawRoutes = readMap(reader, record, "routes", path) ?? {};
  for (const [routeKey, rawRoute] of Object.entries(rawRoutes)) {
    const route = readRoute(reader, routeKey, rawRoute, { queues, stateMachines, defaultAuthorization, hasJwt: jwt !== undefined });
    if (route) routes[routeKey] = route;
  }

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

interface RouteContext {
  readonly queues: Readonly<Record<string, QueueConfig>>;
  readonly stateMachines: Readonly<Record<string, StateMachineConfig>>;
  readonly defaultAuthorization: "AWS_IAM" | "JWT";
  readonly hasJwt: boolean;
}

/** Picks a named target: the given key, or the only one there is. */
function pickTarget(
  reader: ConfigReader,
  integration: Record<string, unknown>,
  key: "queue" | "stateMachine",
  path: string,
  available: readonly string[],
  collection: string,
): string | undefined {
  const named = reader.optionalString(integration, key, path);
  const list = available.map((name) => `"${name}"`).join(", ");
  if (named === undefined) {
    if (available.length === 1) return available[0];
    reader.fail(joinPath(path, key), `nothing is set and ${SECTION}.${collection} has ${available.length === 0 ? "none" : list}; ${available.length === 0 ? `add one to ${SECTION}.${collection}` : "name one of them"}`);
    return undefined;
  }
  if (!available.includes(named)) {
    reader.fail(joinPath(path, key), `${describe(named)} is not in ${SECTION}.${collection}; use one of ${list || "(none defined)"} or add it there`);
    return undefined;
  }
  return named;
}

function readRoute(reader: ConfigReader, routeKey: string, raw: unknown, context: RouteContext): RouteConfig | undefined {
  const path = routePath(routeKey);
  if (!ROUTE_KEY.test(routeKey)) {
    reader.fail(path, `${describe(routeKey)} is not a route key; write "METHOD /path", e.g. "POST /orders" or "GET /orders/{id}"`);
  }
  const record = reader.object(raw, path, keysOf(RouteSettings));

  // Authorization.
  const authPath = joinPath(path, "authorization");
  let authorization: RouteAuthorization = context.defaultAuthorization === "JWT" ? { type: "JWT", scopes: [] } : { type: "AWS_IAM" };
  if (record["authorization"] !== undefined) {
    const authRecord = reader.object(record["authorization"], authPath, keysOf(RouteAuthorizationSettings));
    const type = readEnum<"AWS_IAM" | "JWT" | "NONE">(reader, RouteAuthorizationSettings, authRecord, "type", authPath);
    if (type === "NONE") {
      const reason = reader.string(authRecord, "reason", authPath, "");
      if (reason.trim().length < 10) {
        reader.fail(joinPath(authPath, "reason"), `${describe(authRecord["reason"])} does not explain why "${routeKey}" is open to anyone; write the reason (10+ characters) or use "AWS_IAM"`);
      }
      authorization = { type, reason };
    } else if (type === "JWT") {
      if (!context.hasJwt) reader.fail(joinPath(authPath, "type"), `"JWT" needs ${SECTION}.authorization.jwt with issuer and audience; add it or use "AWS_IAM"`);
      authorization = { type, scopes: reader.read(RouteAuthorizationSettings, authRecord, "scopes", authPath, { fallback: [] }) };
    } else {
      authorization = { type };
    }
    if (type !== "JWT" && authRecord["scopes"] !== undefined) reader.fail(joinPath(authPath, "scopes"), `${describe(authRecord["scopes"])} applies to JWT routes only; remove it`);
    if (type !== "NONE" && authRecord["reason"] !== undefined) reader.fail(joinPath(authPath, "reason"), `${describe(authRecord["reason"])} applies to "NONE" only; remove it`);
  }

  // Integration.
  const integrationPath = joinPath(path, "integration");
  if (record["integration"] === undefined) {
    reader.fail(integrationPath, `nothing is set; write { "subtype": "SQS-SendMessage", "parameters": { ... } } (subtypes: ${INTEGRATION_SUBTYPES.join(", ")})`);
    return undefined;
  }
  const integration = reader.object(record["integration"], integrationPath, keysOf(IntegrationSettings));
  const subtype = reader.string(integration, "subtype", integrationPath, "");
  if (!isIntegrationSubtype(subtype)) {
    reader.fail(joinPath(integrationPath, "subtype"), `${describe(integration["subtype"])} is not an HTTP API integration subtype; use one of ${INTEGRATION_SUBTYPES.join(", ")}`);
    return undefined;
  }
  const spec = SUBTYPES[subtype];
  const parametersPath = joinPath(integrationPath, "parameters");
  const parameters = reader.stringMap(integration, "parameters", integrationPath);
  const timeoutMilliseconds = reader.read(IntegrationSettings, integration, "timeoutMilliseconds", integrationPath);

  const targets: readonly string[] = spec.target;
  const allowed: readonly string[] = [...spec.required, ...spec.optional];
  for (const [parameter, value] of Object.entries(parameters)) {
    const parameterPath = joinPath(parametersPath, parameter);
    if (targets.includes(parameter)) {
      reader.fail(parameterPath, `${describe(value)}: ${subtype} gets ${parameter} from the route's target; remove it`);
    } else if (parameter === "Region") {
      reader.fail(parameterPath, `${describe(value)}: every target is in the stack's region and the credentials role allows no other; remove it`);
    } else if (!allowed.includes(parameter)) {
      reader.fail(parameterPath, `is not a parameter of ${subtype} (value ${describe(value)}); use ${allowed.length > 0 ? allowed.join(", ") : "none: it takes only its target"}`);
    } else if (value.startsWith("$")) {
      if (!MAPPING.test(value)) {
        reader.fail(parameterPath, `${describe(value)} is not a mapping HTTP APIs understand; use $request.body, $request.body.<jsonpath>, $request.header.<name>, $request.querystring.<name>, $request.path.<name> or $context.<variable>`);
      } else if (value.startsWith("$request.path.")) {
        const name = value.slice("$request.path.".length);
        if (!routeKey.includes(`{${name}}`)) reader.fail(parameterPath, `${describe(value)} names a path parameter that "${routeKey}" does not have; add {${name}} to the route's path or map another value`);
      }
    } else if (value.trim() === "") {
      reader.fail(parameterPath, `${describe(value)} is empty; map a value such as "$request.body" or remove it`);
    }
  }
  for (const parameter of spec.required) {
    if (parameters[parameter] === undefined) {
      reader.fail(joinPath(parametersPath, parameter), `nothing is set, but ${subtype} requires ${parameter}; map it, e.g. ${JSON.stringify(exampleValue(parameter))}`);
    }
  }

  let queue: string | undefined;
  let stateMachine: string | undefined;
  if (spec.service === "sqs") {
    queue = pickTarget(reader, integration, "queue", integrationPath, Object.keys(context.queues), "queues");
    const queueConfig = queue === undefined ? undefined : context.queues[queue];
    if (queueConfig?.fifo && subtype === "SQS-SendMessage") {
      if (parameters["MessageGroupId"] === undefined) {
        reader.fail(joinPath(parametersPath, "MessageGroupId"), `nothing is set, but queue "${queue}" is FIFO and needs a message group; map it, e.g. "$request.header.x-message-group-id"`);
      }
      if (parameters["DelaySeconds"] !== undefined) {
        reader.fail(joinPath(parametersPath, "DelaySeconds"), `${describe(parameters["DelaySeconds"])} is refused: queue "${queue}" is FIFO, which has no per-message delay; remove it`);
      }
      if (!queueConfig.contentBasedDeduplication && parameters["MessageDeduplicationId"] === undefined) {
        reader.fail(joinPath(parametersPath, "MessageDeduplicationId"), `nothing is set, but queue "${queue}" is FIFO without content-based deduplication; map it, e.g. "$request.header.idempotency-key", or set contentBasedDeduplication`);
      }
    }
  } else if (integration["queue"] !== undefined) {
    reader.fail(joinPath(integrationPath, "queue"), `${describe(integration["queue"])} applies to SQS subtypes only; remove it`);
  }
  if (spec.service === "stepFunctions") {
    stateMachine = pickTarget(reader, integration, "stateMachine", integrationPath, Object.keys(context.stateMachines), "stateMachines");
    const machine = stateMachine === undefined ? undefined : context.stateMachines[stateMachine];
    if (machine?.type === "STANDARD" && subtype === "StepFunctions-StartSyncExecution") {
      reader.fail(joinPath(integrationPath, "stateMachine"), `"${stateMachine}" is a STANDARD state machine; StartSyncExecution runs EXPRESS machines only: name an EXPRESS machine or use StepFunctions-StartExecution`);
    }
    if (machine?.type === "EXPRESS" && subtype === "StepFunctions-StopExecution") {
      reader.fail(joinPath(integrationPath, "stateMachine"), `"${stateMachine}" is an EXPRESS state machine, whose executions StopExecution cannot stop; name a STANDARD machine`);
    }
  } else if (integration["stateMachine"] !== undefined) {
    reader.fail(joinPath(integrationPath, "stateMachine"), `${describe(integration["stateMachine"])} applies to Step Functions subtypes only; remove it`);
  }

  return {
    routeKey,
    integration: {
      subtype,
      ...(queue !== undefined ? { queue } : {}),
      ...(stateMachine !== undefined ? { stateMachine } : {}),
      parameters,
      timeoutMilliseconds,
    },
    authorization,
  };
}

const EXAMPLES: Readonly<Record<string, string>> = {
  Detail: "$request.body",
  DetailType: "$request.header.x-detail-type",
  Source: "my.app",
  MessageBody: "$request.body",
  ReceiptHandle: "$request.body.receiptHandle",
  Data: "$request.body",
  PartitionKey: "$context.requestId",
  ClientId: "$request.querystring.clientId",
  ExecutionArn: "$request.body.executionArn",
};

function exampleValue(parameter: string): string {
  return EXAMPLES[parameter] ?? "$request.body";
}
