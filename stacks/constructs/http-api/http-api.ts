import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Authorizer } from "@cdktf/provider-aws/lib/apigatewayv2-authorizer";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatArn } from "../../../aws/arn";
import type { RouteAuthorization } from "../../../aws/http-api";
import { PROJECT_ROOT } from "../bundle";
import { acknowledgeRule } from "../../rules/acknowledge";
import { policyDocument, serviceTrust, type PolicyStatement } from "../iam";
import { encryptedLogGroup } from "../log-group";
import { ACCOUNT_PLACEHOLDER, PARTITION_PLACEHOLDER, type IntegrationTarget } from "./integrations";
import { renderOpenApi, type Json, type OpenApiRoute } from "./openapi";

export interface HttpApiProps {
  /** The API's name; also the prefix of its credentials roles and its access log group. */
  readonly name: string;
  readonly description?: string;
  /** The prefix of its credentials roles' names; IAM names are global per account, so it should hold the region. @default name */
  readonly roleNamePrefix?: string;
  /** Stage throttling: burst. Both values are required: an unset pair means 0 and a 429 for every request. */
  readonly throttlingBurstLimit: number;
  /** Stage throttling: steady requests per second. */
  readonly throttlingRateLimit: number;
  /** Per-route CloudWatch metrics. @default true */
  readonly detailedMetrics?: boolean;
  /** Retention of the access log group. @default 30 */
  readonly accessLogRetentionDays?: number;
  /** A JWT authorizer for routes that ask for one. @default - none: JWT routes are refused */
  readonly jwt?: { readonly issuer: string; readonly audience: readonly string[] };
}

export interface HttpApiRouteOptions {
  readonly integration: IntegrationTarget;
  readonly authorization: RouteAuthorization;
  /** @default 29000 */
  readonly timeoutMilliseconds?: number;
}

/** What a route made, for tests and outputs. */
export interface HttpApiRoute {
  readonly routeKey: string;
  readonly role: IamRole;
  readonly integration: Apigatewayv2Integration;
  readonly route: Apigatewayv2Route;
}

/** The fields of each access log line (JSON), incl. the integration's error when a service refused the call. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  caller: "$context.identity.caller",
  user: "$context.identity.user",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  integrationStatus: "$context.integrationStatus",
  integrationLatency: "$context.integrationLatency",
  integrationErrorMessage: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
});

/** `"POST /orders/{id}"` -> `"post-orders-id"`: the route's construct ID and role-name suffix. */
export function routeSlug(routeKey: string): string {
  return routeKey
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * An HTTP API whose routes go straight to AWS services (AWS_PROXY with an integration subtype): a
 * `$default` stage with auto-deploy, JSON access logs and throttling; one credentials role per route,
 * trusted by apigateway.amazonaws.com and allowed exactly its subtype's action on its target.
 */
export class HttpApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  readonly accessLogs: CloudwatchLogGroup;
  readonly authorizer?: Apigatewayv2Authorizer;
  readonly routes: HttpApiRoute[] = [];
  private readonly props: HttpApiProps;
  private readonly documented: { display: OpenApiRoute; deploy: OpenApiRoute }[] = [];

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    for (const key of ["throttlingBurstLimit", "throttlingRateLimit"] as const) {
      if (!Number.isInteger(props[key]) || props[key] <= 0) {
        throw new Error(`HttpApi ${id}: ${key} is ${props[key]}; set a whole number above 0 (0 or unset answers every request with 429)`);
      }
    }
    this.props = props;
    this.api = new Apigatewayv2Api(this, "api", {
      name: props.name,
      protocolType: "HTTP",
      ...(props.description !== undefined ? { description: props.description } : {}),
    });
    this.accessLogs = encryptedLogGroup(this, "access-logs", {
      name: `/aws/vendedlogs/apigateway/${props.name}`,
      retentionInDays: props.accessLogRetentionDays ?? 30,
    });
    this.stage = new Apigatewayv2Stage(this, "stage", {
      apiId: this.api.id,
      name: "$default",
      autoDeploy: true,
      accessLogSettings: { destinationArn: this.accessLogs.arn, format: ACCESS_LOG_FORMAT },
      defaultRouteSettings: {
        throttlingBurstLimit: props.throttlingBurstLimit,
        throttlingRateLimit: props.throttlingRateLimit,
        detailedMetricsEnabled: props.detailedMetrics ?? true,
      },
    });
    if (props.jwt) {
      this.authorizer = new Apigatewayv2Authorizer(this, "jwt", {
        apiId: this.api.id,
        name: `${props.name}-jwt`,
        authorizerType: "JWT",
        identitySources: ["$request.header.Authorization"],
        jwtConfiguration: { issuer: props.jwt.issuer, audience: [...props.jwt.audience] },
      });
    }
  }

  /** One route: its credentials role, its integration and the route itself. */
  addRoute(routeKey: string, options: HttpApiRouteOptions): HttpApiRoute {
    const slug = routeSlug(routeKey);
    const clash = this.routes.find((route) => routeSlug(route.routeKey) === slug);
    if (clash) throw new Error(`HttpApi ${this.node.id}: routes "${clash.routeKey}" and "${routeKey}" give the same name "${slug}"; rename one path`);
    const target = options.integration;
    const roleName = boundedName(`${this.props.roleNamePrefix ?? this.props.name}-${slug}`, 64);

    const statements: PolicyStatement[] = [{ sid: "Integration", actions: [target.action], resources: [...target.resources] }];
    if (target.kmsKeyArns && target.kmsKeyArns.length > 0) {
      statements.push({ sid: "TargetEncryptionKey", actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [...target.kmsKeyArns] });
    }
    const scope = new Construct(this, `route-${slug}`);
    const role = new IamRole(scope, "role", {
      name: roleName,
      description: `API Gateway calls ${target.subtype} for ${routeKey}`,
      assumeRolePolicy: serviceTrust(scope, "trust", "apigateway.amazonaws.com").json,
    });
    new IamRolePolicy(scope, "role-policy", {
      name: "integration",
      role: role.id,
      policy: policyDocument(scope, "policy", statements).json,
    });

    const timeoutMilliseconds = options.timeoutMilliseconds ?? 29_000;
    const integration = new Apigatewayv2Integration(scope, "integration", {
      apiId: this.api.id,
      description: routeKey,
      integrationType: "AWS_PROXY",
      integrationSubtype: target.subtype,
      credentialsArn: role.arn,
      payloadFormatVersion: "1.0",
      timeoutMilliseconds,
      requestParameters: Object.fromEntries(Object.entries(target.requestParameters).map(([key, value]) => [key, value.value])),
    });

    const authorization = options.authorization;
    if (authorization.type === "JWT" && !this.authorizer) {
      throw new Error(`HttpApi ${this.node.id}: route "${routeKey}" asks for JWT but the API has no jwt prop; set issuer and audience`);
    }
    const route = new Apigatewayv2Route(scope, "route", {
      apiId: this.api.id,
      routeKey,
      target: `integrations/${integration.id}`,
      authorizationType: authorization.type,
      ...(authorization.type === "JWT" && this.authorizer
        ? { authorizerId: this.authorizer.id, ...(authorization.scopes.length > 0 ? { authorizationScopes: [...authorization.scopes] } : {}) }
        : {}),
    });

    if (authorization.type === "NONE") acknowledgeRule(route, "API-1", `public by configuration: ${authorization.reason}`);

    const common = { routeKey, subtype: target.subtype, timeoutMilliseconds, authorization };
    this.documented.push({
      display: {
        ...common,
        credentials: formatArn({ partition: PARTITION_PLACEHOLDER, service: "iam", account: ACCOUNT_PLACEHOLDER, resource: `role/${roleName}` }),
        requestParameters: Object.fromEntries(Object.entries(target.requestParameters).map(([key, value]) => [key, value.display])),
      },
      deploy: {
        ...common,
        credentials: role.arn,
        requestParameters: Object.fromEntries(Object.entries(target.requestParameters).map(([key, value]) => [key, value.value])),
      },
    });
    const result = { routeKey, role, integration, route };
    this.routes.push(result);
    return result;
  }

  /**
   * The OpenAPI 3 document of the routes added so far. "display" holds no Terraform tokens (values
   * known only after apply are `${AWS::AccountId}`-style placeholders); "deploy" holds the tokens.
   */
  openApiDocument(mode: "display" | "deploy"): Json {
    return renderOpenApi({
      title: this.props.name,
      description: this.props.description ?? "HTTP API with direct AWS service integrations",
      ...(this.props.jwt ? { jwt: this.props.jwt } : {}),
      routes: this.documented.map((route) => route[mode]),
    });
  }

  /**
   * Writes the "display" document as `openapi.json` into the stack's folder (a TerraformAsset, so
   * the bytes depend on the routes only). Call it after the last route.
   */
  addOpenApiAsset(): TerraformAsset {
    const text = `${JSON.stringify(this.openApiDocument("display"), null, 2)}\n`;
    const hash = createHash("sha256").update(text).digest("hex").slice(0, 32);
    const directory = join(PROJECT_ROOT, ".build", "openapi", hash);
    mkdirSync(directory, { recursive: true });
    const file = join(directory, "openapi.json");
    // Written aside and renamed: a concurrent synth never copies a half-written file.
    const scratch = `${file}.${process.pid}.tmp`;
    writeFileSync(scratch, text);
    renameSync(scratch, file);
    return new TerraformAsset(this, "openapi", { path: file, type: AssetType.FILE, assetHash: hash });
  }
}

/** A name of at most `max` characters; a long one keeps its start and ends in a short hash. */
export function boundedName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, max - 9).replace(/-$/, "")}-${hash}`;
}
