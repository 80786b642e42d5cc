import type { ConfigReader } from "../../reader";
import { describe, joinPath } from "../../reader";
import { Defaulted, keysOf, Matching, OneOf, Optional, Section, Text, TextList, TextMap, WholeNumber, type Resolved } from "../../settings";
import { INTEGRATION_SUBTYPES, isIntegrationSubtype, SUBTYPES, type IntegrationSubtype, type RouteAuthorization } from "../../../aws/http-api";
import type { QueueConfig } from "./queues";
import { readEnum, readMap, SECTION } from "./shared";

/** At least 10 characters between the first and last that are not blank (unanchored: found anywhere). */
const REASON = /\S[\s\S]{8,}\S/;

const RouteAuthorizationSettings = Section({
  type: Defaulted(OneOf(["AWS_IAM", "JWT", "NONE"] as const), "AWS_IAM"),
  scopes: Optional(TextList("JWT only: the scopes a token must hold.")),
  reason: Optional(Matching(REASON, '"NONE" only: why the route is open to anyone (10+ characters).')),
});
const IntegrationSettings = Section({
  subtype: OneOf(Object.keys(SUBTYPES) as IntegrationSubtype[], "The HTTP API service-integration subtype."),
  queue: Optional(Text("SQS subtypes: a key of queues. Default: the only queue.")),
  stateMachine: Optional(Text("Step Functions subtypes: a key of stateMachines. Default: the only state machine.")),
  parameters: Defaulted(TextMap("The parameters the route maps (never the target's): literal, or $request.* / $context.*."), {}),
  timeoutMilliseconds: Defaulted(WholeNumber(50, 29_000, "The HTTP API maximum is the default."), 29_000),
});
export const RouteSettings = Section({ integration: IntegrationSettings, authorization: Optional(RouteAuthorizationSettings) });

/** Where a route's integration stores or reads (queue or state machine: the one there is when left out). */
export type RouteIntegrationConfig = Resolved<typeof IntegrationSettings>;

/** A route once read: its key, its integration, and its authorization with the section's default applied. */
export type RouteConfig = Resolved<
  typeof RouteSettings,
  never,
  {
    /** `"POST /orders"`: also the key in the configuration's `routes`. */
    routeKey: string;
    integration: RouteIntegrationConfig;
    authorization: RouteAuthorization;
  }
>;

export const ROUTE_KEY =
  /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) (\/([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\}))+$|^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) \/$/;
/** The value forms of an HTTP API parameter mapping; anything not starting with "$" is a literal. */
const MAPPING =
  /^\$(request\.body(\.[A-Za-z0-9_.[\]*-]+)?|request\.header\.[A-Za-z0-9_-]+|request\.querystring\.[A-Za-z0-9_.-]+|request\.path\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)$/;

function routePath(routeKey: string): string {
  return `${SECTION}.routes[${JSON.stringify(routeKey)}]`;
}

/** The `routes` of the section at `path`, each checked against its subtype and the targets the section defines. */
export function readRoutes(reader: ConfigReader, record: Record<string, unknown>, path: string, context: RouteContext): Record<string, RouteConfig> {
  const routes: Record<string, RouteConfig> = {};
  const rawRoutes = readMap(reader, record, "routes", path) ?? {};
  for (const [routeKey, rawRoute] of Object.entries(rawRoutes)) {
    const route = readRoute(reader, routeKey, rawRoute, context);
    if (route) routes[routeKey] = route;
  }
  return routes;
}

export interface RouteContext {
  readonly queues: Readonly<Record<string, QueueConfig>>;
  readonly stateMachines: Readonly<Record<string, { readonly type: "STANDARD" | "EXPRESS" }>>;
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
    reader.fail(
      joinPath(path, key),
      `nothing is set and ${SECTION}.${collection} has ${available.length === 0 ? "none" : list}; ${available.length === 0 ? `add one to ${SECTION}.${collection}` : "name one of them"}`,
    );
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
      if (!REASON.test(reason)) {
        reader.fail(
          joinPath(authPath, "reason"),
          `${describe(authRecord["reason"])} does not explain why "${routeKey}" is open to anyone; write the reason (10+ characters) or use "AWS_IAM"`,
        );
      }
      authorization = { type, reason };
    } else if (type === "JWT") {
      if (!context.hasJwt)
        reader.fail(joinPath(authPath, "type"), `"JWT" needs ${SECTION}.authorization.jwt with issuer and audience; add it or use "AWS_IAM"`);
      authorization = { type, scopes: reader.read(RouteAuthorizationSettings, authRecord, "scopes", authPath, { fallback: [] }) };
    } else {
      authorization = { type };
    }
    if (type !== "JWT" && authRecord["scopes"] !== undefined)
      reader.fail(joinPath(authPath, "scopes"), `${describe(authRecord["scopes"])} applies to JWT routes only; remove it`);
    if (type !== "NONE" && authRecord["reason"] !== undefined)
      reader.fail(joinPath(authPath, "reason"), `${describe(authRecord["reason"])} applies to "NONE" only; remove it`);
  }

  // Integration.
  const integrationPath = joinPath(path, "integration");
  if (record["integration"] === undefined) {
    reader.fail(
      integrationPath,
      `nothing is set; write { "subtype": "SQS-SendMessage", "parameters": { ... } } (subtypes: ${INTEGRATION_SUBTYPES.join(", ")})`,
    );
    return undefined;
  }
  const integration = reader.object(record["integration"], integrationPath, keysOf(IntegrationSettings));
  const subtype = reader.string(integration, "subtype", integrationPath, "");
  if (!isIntegrationSubtype(subtype)) {
    reader.fail(
      joinPath(integrationPath, "subtype"),
      `${describe(integration["subtype"])} is not an HTTP API integration subtype; use one of ${INTEGRATION_SUBTYPES.join(", ")}`,
    );
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
      reader.fail(
        parameterPath,
        `is not a parameter of ${subtype} (value ${describe(value)}); use ${allowed.length > 0 ? allowed.join(", ") : "none: it takes only its target"}`,
      );
    } else if (value.startsWith("$")) {
      if (!MAPPING.test(value)) {
        reader.fail(
          parameterPath,
          `${describe(value)} is not a mapping HTTP APIs understand; use $request.body, $request.body.<jsonpath>, $request.header.<name>, $request.querystring.<name>, $request.path.<name> or $context.<variable>`,
        );
      } else if (value.startsWith("$request.path.")) {
        const name = value.slice("$request.path.".length);
        if (!routeKey.includes(`{${name}}`))
          reader.fail(
            parameterPath,
            `${describe(value)} names a path parameter that "${routeKey}" does not have; add {${name}} to the route's path or map another value`,
          );
      }
    } else if (value.trim() === "") {
      reader.fail(parameterPath, `${describe(value)} is empty; map a value such as "$request.body" or remove it`);
    }
  }
  for (const parameter of spec.required) {
    if (parameters[parameter] === undefined) {
      reader.fail(
        joinPath(parametersPath, parameter),
        `nothing is set, but ${subtype} requires ${parameter}; map it, e.g. ${JSON.stringify(exampleValue(parameter))}`,
      );
    }
  }

  let queue: string | undefined;
  let stateMachine: string | undefined;
  if (spec.service === "sqs") {
    queue = pickTarget(reader, integration, "queue", integrationPath, Object.keys(context.queues), "queues");
    const queueConfig = queue === undefined ? undefined : context.queues[queue];
    if (queueConfig?.fifo && subtype === "SQS-SendMessage") {
      if (parameters["MessageGroupId"] === undefined) {
        reader.fail(
          joinPath(parametersPath, "MessageGroupId"),
          `nothing is set, but queue "${queue}" is FIFO and needs a message group; map it, e.g. "$request.header.x-message-group-id"`,
        );
      }
      if (parameters["DelaySeconds"] !== undefined) {
        reader.fail(
          joinPath(parametersPath, "DelaySeconds"),
          `${describe(parameters["DelaySeconds"])} is refused: queue "${queue}" is FIFO, which has no per-message delay; remove it`,
        );
      }
      if (!queueConfig.contentBasedDeduplication && parameters["MessageDeduplicationId"] === undefined) {
        reader.fail(
          joinPath(parametersPath, "MessageDeduplicationId"),
          `nothing is set, but queue "${queue}" is FIFO without content-based deduplication; map it, e.g. "$request.header.idempotency-key", or set contentBasedDeduplication`,
        );
      }
    }
  } else if (integration["queue"] !== undefined) {
    reader.fail(joinPath(integrationPath, "queue"), `${describe(integration["queue"])} applies to SQS subtypes only; remove it`);
  }
  if (spec.service === "stepFunctions") {
    stateMachine = pickTarget(reader, integration, "stateMachine", integrationPath, Object.keys(context.stateMachines), "stateMachines");
    const machine = stateMachine === undefined ? undefined : context.stateMachines[stateMachine];
    if (machine?.type === "STANDARD" && subtype === "StepFunctions-StartSyncExecution") {
      reader.fail(
        joinPath(integrationPath, "stateMachine"),
        `"${stateMachine}" is a STANDARD state machine; StartSyncExecution runs EXPRESS machines only: name an EXPRESS machine or use StepFunctions-StartExecution`,
      );
    }
    if (machine?.type === "EXPRESS" && subtype === "StepFunctions-StopExecution") {
      reader.fail(
        joinPath(integrationPath, "stateMachine"),
        `"${stateMachine}" is an EXPRESS state machine, whose executions StopExecution cannot stop; name a STANDARD machine`,
      );
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
