import type { IntegrationSubtype, RouteAuthorization } from "../../../aws/http-api";

/** One route as the OpenAPI document shows it; values already chosen (display or Terraform). */
export interface OpenApiRoute {
  readonly routeKey: string;
  readonly subtype: IntegrationSubtype;
  readonly credentials: string;
  readonly requestParameters: Readonly<Record<string, string>>;
  readonly timeoutMilliseconds: number;
  readonly authorization: RouteAuthorization;
}

export interface OpenApiOptions {
  readonly title: string;
  readonly description: string;
  readonly jwt?: { readonly issuer: string; readonly audience: readonly string[] };
  readonly routes: readonly OpenApiRoute[];
}

/** A JSON value: the document is plain data, serialized deterministically. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

const SERVICE_RESPONSES: Readonly<Record<string, string>> = {
  "EventBridge-PutEvents": "EventBridge's PutEvents response ({ Entries, FailedEntryCount }); 200 even when entries failed",
  "SQS-SendMessage": "SQS's SendMessage response (MessageId, MD5OfMessageBody)",
  "SQS-ReceiveMessage": "SQS's ReceiveMessage response (messages with ReceiptHandle)",
  "SQS-DeleteMessage": "SQS's DeleteMessage response",
  "SQS-PurgeQueue": "SQS's PurgeQueue response (one purge per 60 s per queue)",
  "Kinesis-PutRecord": "Kinesis's PutRecord response ({ SequenceNumber, ShardId, EncryptionType })",
  "AppConfig-GetConfiguration": "The configuration's content, as AppConfig's GetConfiguration returns it",
  "StepFunctions-StartExecution": "Step Functions' StartExecution response ({ executionArn, startDate })",
  "StepFunctions-StartSyncExecution": "Step Functions' StartSyncExecution response ({ status, output, ... })",
  "StepFunctions-StopExecution": "Step Functions' StopExecution response ({ stopDate })",
};

function security(authorization: RouteAuthorization): Json {
  switch (authorization.type) {
    case "AWS_IAM":
      return [{ sigv4: [] }];
    case "JWT":
      return [{ jwt: [...authorization.scopes] }];
    case "NONE":
      return [];
  }
}

function sortKeys(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The OpenAPI 3.0 document of an HTTP API with direct service integrations, in the shape API Gateway
 * exports and imports (`x-amazon-apigateway-integration` with `integrationSubtype`, `credentials`,
 * `requestParameters`). Keys are emitted in a fixed order so the same routes give the same bytes.
 */
export function renderOpenApi(options: OpenApiOptions): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const routes = [...options.routes].sort((a, b) => a.routeKey.localeCompare(b.routeKey));
  for (const route of routes) {
    const [method = "", path = "/"] = route.routeKey.split(" ");
    const pathItem = (paths[path] ??= {});
    const pathParameters = [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => ({
      name: match[1] ?? "",
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const operation: Record<string, Json> = {
      operationId: route.routeKey.replace(/[^A-Za-z0-9]+/g, "_").replace(/_$/, ""),
      summary: `${route.subtype}`,
      ...(pathParameters.length > 0 ? { parameters: pathParameters } : {}),
      security: security(route.authorization),
      responses: { default: { description: SERVICE_RESPONSES[route.subtype] ?? route.subtype } },
      "x-amazon-apigateway-integration": {
        type: "aws_proxy",
        integrationSubtype: route.subtype,
        credentials: route.credentials,
        requestParameters: sortKeys(route.requestParameters),
        payloadFormatVersion: "1.0",
        connectionType: "INTERNET",
        timeoutInMillis: route.timeoutMilliseconds,
      },
    };
    pathItem[method === "ANY" ? "x-amazon-apigateway-any-method" : method.toLowerCase()] = operation;
  }

  const securitySchemes: Record<string, Json> = {
    sigv4: { type: "apiKey", name: "Authorization", in: "header", "x-amazon-apigateway-authtype": "awsSigv4" },
  };
  if (options.jwt) {
    securitySchemes["jwt"] = {
      type: "oauth2",
      flows: {},
      "x-amazon-apigateway-authorizer": {
        type: "jwt",
        identitySource: "$request.header.Authorization",
        jwtConfiguration: { issuer: options.jwt.issuer, audience: [...options.jwt.audience] },
      },
    };
  }

  return {
    openapi: "3.0.1",
    info: { title: options.title, description: options.description, version: "1.0" },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: { securitySchemes },
    "x-amazon-apigateway-importexport-version": "1.0",
  };
}
