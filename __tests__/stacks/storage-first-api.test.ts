import SwaggerParser from "@apidevtools/swagger-parser";
import { DefaultTokenResolver, StringConcat, TerraformStack, Testing, Tokenization } from "cdktf";
import type { IConstruct } from "constructs";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { OpenAPI } from "openapi-types";
import { INTEGRATION_SUBTYPES, SUBTYPES, type IntegrationSubtype } from "../../aws/http-api";
import { PROJECT_ROOT } from "../../stacks/constructs/bundle";
import { HttpApi } from "../../stacks/constructs/http-api/http-api";
import { StorageFirstApiStack } from "../../stacks/storage-first-api-stack";
import { storageFirstApiStackProps } from "../../stacks/app";
import { dataOf, onlyResource, policyBehind, resourcesOf, synthesize, testConfig, type SynthesizedStack } from "../helpers/synth";

const DEFAULT_ENV = JSON.parse(readFileSync(join(PROJECT_ROOT, "config/environments/default.json"), "utf8")) as Record<string, unknown>;
const FIFO_ENV = JSON.parse(readFileSync(join(PROJECT_ROOT, "config/environments/fifo-example.json"), "utf8")) as Record<string, unknown>;
const DEFAULT_API = DEFAULT_ENV["storageFirstApi"] as Record<string, unknown>;

function build(section: Record<string, unknown>, environment = "test"): { stack: StorageFirstApiStack; json: SynthesizedStack } {
  const stack = new StorageFirstApiStack(Testing.app(), storageFirstApiStackProps(testConfig({ storageFirstApi: section }, environment)));
  return { stack, json: synthesize(stack) };
}

/** A token as it appears in the synthesized JSON, e.g. `${aws_sqs_queue.queue-orders.arn}`. */
function resolved(scope: IConstruct, token: unknown): unknown {
  return Tokenization.resolve(token, { scope, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
}

/** The role a `${aws_iam_role.X.arn}` reference points at, and the statements of its inline policy. */
function roleBehind(json: SynthesizedStack, credentials: unknown): { role: Record<string, unknown>; statements: ReturnType<typeof policyBehind>["statement"] } {
  const match = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(String(credentials));
  if (!match?.[1]) throw new Error(`not a role reference: ${String(credentials)}`);
  const id = match[1];
  const role = json.resource["aws_iam_role"]?.[id];
  if (!role) throw new Error(`no role ${id}`);
  const policies = resourcesOf(json, "aws_iam_role_policy").filter((policy) => policy["role"] === `\${aws_iam_role.${id}.id}`);
  if (policies.length !== 1) throw new Error(`expected one inline policy on ${id}, found ${policies.length}`);
  return { role, statements: policyBehind(json, policies[0]?.["policy"]).statement };
}

function integrationOf(json: SynthesizedStack, subtype: IntegrationSubtype): Record<string, unknown> {
  const found = resourcesOf(json, "aws_apigatewayv2_integration").filter((integration) => integration["integration_subtype"] === subtype);
  if (found.length !== 1) throw new Error(`expected one ${subtype} integration, found ${found.length}`);
  return found[0] as Record<string, unknown>;
}

function routeOf(json: SynthesizedStack, routeKey: string): Record<string, unknown> {
  const found = resourcesOf(json, "aws_apigatewayv2_route").find((route) => route["route_key"] === routeKey);
  if (!found) throw new Error(`no route ${routeKey}`);
  return found;
}

describe("StorageFirstApiStack with the default route table", () => {
  const { stack, json } = build(DEFAULT_API);
  const ref = (token: string): unknown => resolved(stack, token);
  const orders = stack.queues["orders"];
  const work = stack.queues["work"];
  const workflow = stack.stateMachines["workflow"];
  const quote = stack.stateMachines["quote"];
  if (!orders || !work || !workflow || !quote) throw new Error("the default configuration lost a queue or a state machine");

  // Per subtype: the route that uses it, the request parameters it sends, the resources its role may touch.
  const expectations: Record<IntegrationSubtype, { routeKey: string; parameters: Record<string, unknown>; resources: unknown[] }> = {
    "EventBridge-PutEvents": {
      routeKey: "POST /events",
      parameters: { EventBusName: ref(stack.eventBus.name), Source: "ssm-patterns.api", DetailType: "$request.header.x-detail-type", Detail: "$request.body" },
      resources: [ref(stack.eventBus.arn)],
    },
    "Kinesis-PutRecord": {
      routeKey: "POST /records",
      parameters: { StreamName: ref(stack.stream.name), Data: "$request.body", PartitionKey: "$context.requestId" },
      resources: [ref(stack.stream.arn)],
    },
    "SQS-SendMessage": {
      routeKey: "POST /messages",
      parameters: { QueueUrl: ref(orders.queue.url), MessageBody: "$request.body" },
      resources: [ref(orders.queue.arn)],
    },
    "SQS-ReceiveMessage": {
      routeKey: "GET /messages",
      parameters: { QueueUrl: ref(work.queue.url), MaxNumberOfMessages: "$request.querystring.max", WaitTimeSeconds: "5" },
      resources: [ref(work.queue.arn)],
    },
    "SQS-DeleteMessage": {
      routeKey: "DELETE /messages",
      parameters: { QueueUrl: ref(work.queue.url), ReceiptHandle: "$request.querystring.receiptHandle" },
      resources: [ref(work.queue.arn)],
    },
    "SQS-PurgeQueue": { routeKey: "POST /messages/purge", parameters: { QueueUrl: ref(work.queue.url) }, resources: [ref(work.queue.arn)] },
    "AppConfig-GetConfiguration": {
      routeKey: "GET /config",
      parameters: {
        Application: ref(stack.appConfig.application.id),
        Environment: ref(stack.appConfig.environment.environmentId),
        Configuration: ref(stack.appConfig.profile.configurationProfileId),
        ClientId: "$context.requestId",
      },
      resources: [ref(stack.appConfig.application.arn), ref(stack.appConfig.environment.arn), ref(stack.appConfig.profile.arn)],
    },
    "StepFunctions-StartExecution": {
      routeKey: "POST /workflows",
      parameters: { StateMachineArn: ref(workflow.machine.arn), Input: "$request.body", Name: "$context.requestId" },
      resources: [ref(workflow.machine.arn)],
    },
    "StepFunctions-StartSyncExecution": {
      routeKey: "POST /quotes",
      parameters: { StateMachineArn: ref(quote.machine.arn), Input: "$request.body" },
      resources: [ref(quote.machine.arn)],
    },
    "StepFunctions-StopExecution": {
      routeKey: "POST /workflows/stop",
      parameters: { ExecutionArn: "$request.body.executionArn", Cause: "stopped through the API" },
      resources: [
        `arn:${String(ref(stack.location.partition))}:states:us-east-1:${String(ref(stack.location.account))}:execution:ssm-patterns-test-api-workflow:*`,
      ],
    },
  };

  test("the default route table covers all ten subtypes, one route each", () => {
    expect(Object.keys(expectations).sort()).toEqual([...INTEGRATION_SUBTYPES].sort());
    expect(resourcesOf(json, "aws_apigatewayv2_integration")).toHaveLength(10);
    expect(resourcesOf(json, "aws_apigatewayv2_route")).toHaveLength(10);
  });

  test.each(INTEGRATION_SUBTYPES)("%s: AWS_PROXY integration, payload 1.0, exactly its request parameters", (subtype) => {
    const integration = integrationOf(json, subtype);
    const expected = expectations[subtype];
    expect(integration).toMatchObject({ integration_type: "AWS_PROXY", payload_format_version: "1.0", timeout_milliseconds: 29000 });
    expect(integration["request_parameters"]).toEqual(expected.parameters);
    expect(routeOf(json, expected.routeKey)["target"]).toBe(`integrations/\${aws_apigatewayv2_integration.${integrationLogicalId(json, integration)}.id}`);
  });

  test.each(INTEGRATION_SUBTYPES)("%s: its own role, trusted by API Gateway, allowed exactly one action on exactly its resources", (subtype) => {
    const integration = integrationOf(json, subtype);
    const { role, statements } = roleBehind(json, integration["credentials_arn"]);
    const trust = policyBehind(json, role["assume_role_policy"]).statement;
    expect(trust).toEqual([
      expect.objectContaining({ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["apigateway.amazonaws.com"] }] }),
    ]);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ effect: "Allow", actions: [SUBTYPES[subtype].action] });
    expect(statements[0]?.resources).toEqual(expectations[subtype].resources);
  });

  test("every route has its own credentials role", () => {
    const roles = resourcesOf(json, "aws_apigatewayv2_integration").map((integration) => integration["credentials_arn"]);
    expect(new Set(roles).size).toBe(10);
  });

  test("StopExecution's grant is on the machine's executions, not on the machine", () => {
    const { statements } = roleBehind(json, integrationOf(json, "StepFunctions-StopExecution")["credentials_arn"]);
    expect(statements[0]?.resources?.[0]).toMatch(/:execution:ssm-patterns-test-api-workflow:\*$/);
    expect(statements[0]?.resources).not.toContain(ref(workflow.machine.arn));
  });

  test("the stage: $default, auto-deploy, throttling with both burst and rate, detailed metrics, JSON access logs with retention", () => {
    const stage = onlyResource(json, "aws_apigatewayv2_stage");
    expect(stage).toMatchObject({
      name: "$default",
      auto_deploy: true,
      default_route_settings: { throttling_burst_limit: 100, throttling_rate_limit: 50, detailed_metrics_enabled: true },
    });
    const accessLogs = stage["access_log_settings"] as { destination_arn: string; format: string };
    expect(accessLogs.destination_arn).toBe(ref(stack.api.accessLogs.arn));
    expect(JSON.parse(accessLogs.format)).toMatchObject({
      requestId: "$context.requestId",
      status: "$context.status",
      integrationErrorMessage: "$context.integrationErrorMessage",
    });
    const logGroup = resourcesOf(json, "aws_cloudwatch_log_group").find((group) => group["name"] === "/aws/vendedlogs/apigateway/ssm-patterns-test-api");
    expect(logGroup).toMatchObject({ retention_in_days: 30 });
  });

  test("every route is AWS_IAM by default", () => {
    for (const route of resourcesOf(json, "aws_apigatewayv2_route")) {
      expect({ route: route["route_key"], auth: route["authorization_type"] }).toEqual({ route: route["route_key"], auth: "AWS_IAM" });
      expect(route["authorizer_id"]).toBeUndefined();
    }
    expect(resourcesOf(json, "aws_apigatewayv2_authorizer")).toHaveLength(0);
  });

  test("every log group has a retention; every queue uses SSE-SQS; the stream uses KMS", () => {
    const groups = resourcesOf(json, "aws_cloudwatch_log_group");
    expect(groups.length).toBeGreaterThanOrEqual(5);
    for (const group of groups)
      expect({ name: group["name"], retention: typeof group["retention_in_days"] }).toEqual({ name: group["name"], retention: "number" });
    const queues = resourcesOf(json, "aws_sqs_queue");
    expect(queues).toHaveLength(4);
    for (const queue of queues) expect(queue).toMatchObject({ sqs_managed_sse_enabled: true });
    expect(onlyResource(json, "aws_kinesis_stream")).toMatchObject({
      encryption_type: "KMS",
      kms_key_id: "alias/aws/kinesis",
      stream_mode_details: { stream_mode: "ON_DEMAND" },
      retention_period: 24,
    });
  });

  test("plans offline: no data source that calls AWS at plan time", () => {
    const forbidden = ["aws_caller_identity", "aws_ssm_parameter", "aws_ami", "aws_availability_zones"];
    for (const type of forbidden) expect(dataOf(json, type)).toHaveLength(0);
    expect(json.data["terraform_remote_state"]).toBeUndefined();
  });

  test("the queue: redrive to its DLQ after maxReceiveCount, visibility timeout at least 6x the consumer's timeout", () => {
    const queue = json.resource["aws_sqs_queue"]?.[String(ref(orders.queue.fqn)).replace(/^\$\{aws_sqs_queue\.|\}$/g, "")];
    expect(queue).toBeDefined();
    const lambda = onlyResource(json, "aws_lambda_function");
    expect(lambda).toMatchObject({ runtime: "nodejs22.x", architectures: ["arm64"], timeout: 30, memory_size: 256 });
    expect(Number(queue?.["visibility_timeout_seconds"])).toBeGreaterThanOrEqual(6 * Number(lambda["timeout"]));
    expect(String(queue?.["redrive_policy"])).toContain(`"deadLetterTargetArn" = ${String(ref(orders.deadLetterQueue.arn)).replace(/^\$\{|\}$/g, "")}`);
    expect(String(queue?.["redrive_policy"])).toContain(`"maxReceiveCount" = 5`);
  });

  test("the consumer: triggered by the consumed queue only, with ReportBatchItemFailures, least-privilege role", () => {
    const mapping = onlyResource(json, "aws_lambda_event_source_mapping");
    expect(mapping).toMatchObject({ event_source_arn: ref(orders.queue.arn), batch_size: 10, function_response_types: ["ReportBatchItemFailures"] });
    const lambdaPolicy = resourcesOf(json, "aws_iam_role_policy").find((policy) =>
      policyBehind(json, policy["policy"]).statement.some((statement) => statement.sid === "ConsumeQueues"),
    );
    const statements = policyBehind(json, lambdaPolicy?.["policy"]).statement;
    expect(statements.find((statement) => statement.sid === "ConsumeQueues")?.resources).toEqual([ref(orders.queue.arn)]);
    expect(statements.find((statement) => statement.sid === "PublishResults")).toMatchObject({
      actions: ["events:PutEvents"],
      resources: [ref(stack.eventBus.arn)],
    });
  });

  test("each dead-letter queue has an alarm whose action opens an OpsItem", () => {
    const alarms = resourcesOf(json, "aws_cloudwatch_metric_alarm");
    expect(alarms).toHaveLength(2);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        namespace: "AWS/SQS",
        metric_name: "ApproximateNumberOfMessagesVisible",
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        treat_missing_data: "notBreaching",
      });
      const actions = alarm["alarm_actions"] as string[];
      expect(actions).toHaveLength(1);
      expect(actions[0]).toBe(
        `arn:${String(ref(stack.location.partition))}:ssm:us-east-1:${String(ref(stack.location.account))}:opsitem:2#CATEGORY=Availability`,
      );
    }
    const dimensions = alarms.map((alarm) => (alarm["dimensions"] as Record<string, string>)["QueueName"]);
    expect(dimensions.sort()).toEqual([ref(orders.deadLetterQueue.name), ref(work.deadLetterQueue.name)].sort());
  });

  test("the event bus has a catch-all rule into a log group that EventBridge may write", () => {
    const rule = onlyResource(json, "aws_cloudwatch_event_rule");
    expect(rule).toMatchObject({ event_bus_name: ref(stack.eventBus.name) });
    expect(onlyResource(json, "aws_cloudwatch_event_target")).toMatchObject({ arn: ref(stack.eventLog.arn) });
    const policy = onlyResource(json, "aws_cloudwatch_log_resource_policy");
    expect(policyBehind(json, policy["policy_document"]).statement[0]).toMatchObject({
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [`${String(ref(stack.eventLog.arn))}:*`],
    });
  });

  test("AppConfig: a hosted version and its deployment; state machines of each type with logging", () => {
    expect(onlyResource(json, "aws_appconfig_hosted_configuration_version")).toMatchObject({
      content_type: "application/json",
      content: '{"maintenance":false}',
    });
    expect(onlyResource(json, "aws_appconfig_deployment")).toMatchObject({ deployment_strategy_id: "AppConfig.AllAtOnce" });
    const machines = resourcesOf(json, "aws_sfn_state_machine");
    expect(machines.map((machine) => machine["type"]).sort()).toEqual(["EXPRESS", "STANDARD"]);
    for (const machine of machines) {
      expect(machine).toMatchObject({ logging_configuration: { level: "ALL", include_execution_data: false } });
      expect(String((machine["logging_configuration"] as { log_destination: string }).log_destination)).toMatch(/:\*$/);
    }
  });
});

function integrationLogicalId(json: SynthesizedStack, integration: Record<string, unknown>): string {
  const entry = Object.entries(json.resource["aws_apigatewayv2_integration"] ?? {}).find(([, value]) => value === integration);
  if (!entry) throw new Error("integration not found");
  return entry[0];
}

describe("authorization per route", () => {
  const jwt = { issuer: "https://issuer.example.com", audience: ["client-a"] };
  const routes = {
    "POST /signed": { integration: { subtype: "SQS-SendMessage", parameters: { MessageBody: "$request.body" } } },
    "POST /token": {
      integration: { subtype: "SQS-SendMessage", parameters: { MessageBody: "$request.body" } },
      authorization: { type: "JWT", scopes: ["orders/write"] },
    },
    "GET /open": {
      integration: { subtype: "SQS-ReceiveMessage", parameters: {} },
      authorization: { type: "NONE", reason: "a public demo feed that holds no personal data" },
    },
  };
  const { stack, json } = build({ enabled: true, queues: { orders: {} }, authorization: { jwt }, routes });

  test("AWS_IAM by default, JWT with the authorizer and scopes, NONE only where the route says so", () => {
    expect(routeOf(json, "POST /signed")).toMatchObject({ authorization_type: "AWS_IAM" });
    expect(routeOf(json, "POST /token")).toMatchObject({
      authorization_type: "JWT",
      authorizer_id: resolved(stack, stack.api.authorizer?.id),
      authorization_scopes: ["orders/write"],
    });
    expect(routeOf(json, "GET /open")).toMatchObject({ authorization_type: "NONE" });
    expect(onlyResource(json, "aws_apigatewayv2_authorizer")).toMatchObject({
      authorizer_type: "JWT",
      identity_sources: ["$request.header.Authorization"],
      jwt_configuration: { issuer: jwt.issuer, audience: jwt.audience },
    });
  });

  test("the JWT default applies to routes without their own authorization", () => {
    const { json: jwtDefault } = build({
      enabled: true,
      queues: { orders: {} },
      authorization: { default: "JWT", jwt },
      routes: { "POST /a": routes["POST /signed"] },
    });
    expect(routeOf(jwtDefault, "POST /a")).toMatchObject({ authorization_type: "JWT" });
  });

  test("the OpenAPI document shows sigv4, jwt with scopes, and no security for the NONE route", async () => {
    const document = stack.api.openApiDocument("display") as unknown as OpenAPI.Document;
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
    const paths = (document as unknown as { paths: Record<string, Record<string, { security: unknown }>> }).paths;
    expect(paths["/signed"]?.["post"]?.security).toEqual([{ sigv4: [] }]);
    expect(paths["/token"]?.["post"]?.security).toEqual([{ jwt: ["orders/write"] }]);
    expect(paths["/open"]?.["get"]?.security).toEqual([]);
  });
});

describe("the FIFO variant (config/environments/fifo-example.json)", () => {
  const stack = new StorageFirstApiStack(Testing.app(), storageFirstApiStackProps(testConfig(FIFO_ENV, "fifo-example")));
  const json = synthesize(stack);
  const orders = stack.queues["orders"];
  if (!orders) throw new Error("fifo-example lost its queue");

  test("the queue and its DLQ are FIFO with content-based deduplication on the queue", () => {
    expect(json.resource["aws_sqs_queue"]?.[String(resolved(stack, orders.queue.fqn)).replace(/^\$\{aws_sqs_queue\.|\}$/g, "")]).toMatchObject({
      name: "ssm-patterns-fifo-example-api-orders.fifo",
      fifo_queue: true,
      content_based_deduplication: true,
      sqs_managed_sse_enabled: true,
    });
    expect(json.resource["aws_sqs_queue"]?.[String(resolved(stack, orders.deadLetterQueue.fqn)).replace(/^\$\{aws_sqs_queue\.|\}$/g, "")]).toMatchObject({
      name: "ssm-patterns-fifo-example-api-orders-dlq.fifo",
      fifo_queue: true,
    });
  });

  test("SendMessage maps MessageGroupId and carries no DelaySeconds", () => {
    const parameters = integrationOf(json, "SQS-SendMessage")["request_parameters"] as Record<string, string>;
    expect(parameters).toMatchObject({ MessageGroupId: "$request.header.x-customer-id", MessageBody: "$request.body" });
    expect(parameters["DelaySeconds"]).toBeUndefined();
  });

  test("a provisioned stream and a path parameter as partition key", () => {
    expect(onlyResource(json, "aws_kinesis_stream")).toMatchObject({ shard_count: 1, stream_mode_details: { stream_mode: "PROVISIONED" } });
    expect(integrationOf(json, "Kinesis-PutRecord")["request_parameters"]).toMatchObject({ PartitionKey: "$request.path.key" });
  });
});

describe("the OpenAPI document", () => {
  const app = Testing.app();
  const stack = new StorageFirstApiStack(app, storageFirstApiStackProps(testConfig({ storageFirstApi: DEFAULT_API })));
  const outdir = Testing.fullSynth(stack);
  const files: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory)) {
      const path = join(directory, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry === "openapi.json") files.push(path);
    }
  };
  walk(join(outdir, "stacks", "storage-first-api"));

  test("is written once into the stack's folder, with no absolute path and no Terraform token in it", () => {
    expect(files).toHaveLength(1);
    const text = readFileSync(files[0] ?? "", "utf8");
    expect(text).not.toContain(PROJECT_ROOT);
    expect(text).not.toContain("${TfToken");
    expect(text).not.toMatch(/\$\{(aws_|data\.)/);
  });

  test("passes the OpenAPI validator and holds one x-amazon-apigateway-integration per route", async () => {
    const document = JSON.parse(readFileSync(files[0] ?? "", "utf8")) as OpenAPI.Document;
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
    const operations = Object.values((document as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> }).paths).flatMap((item) =>
      Object.values(item),
    );
    expect(operations).toHaveLength(10);
    const subtypes = operations.map((operation) => (operation["x-amazon-apigateway-integration"] as { integrationSubtype: string }).integrationSubtype);
    expect(subtypes.sort()).toEqual([...INTEGRATION_SUBTYPES].sort());
    for (const operation of operations) {
      expect(operation["x-amazon-apigateway-integration"]).toMatchObject({ type: "aws_proxy", payloadFormatVersion: "1.0" });
      expect((operation["x-amazon-apigateway-integration"] as { credentials: string }).credentials).toMatch(
        /^arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:role\/ssm-patterns-test-us-east-1-api-/,
      );
    }
  });

  test("renders the same bytes from the same routes", () => {
    const again = new StorageFirstApiStack(Testing.app(), storageFirstApiStackProps(testConfig({ storageFirstApi: DEFAULT_API })));
    expect(JSON.stringify(again.api.openApiDocument("display"))).toBe(JSON.stringify(stack.api.openApiDocument("display")));
  });
});

describe("bad configuration fails before any construct is built", () => {
  const base = { enabled: true, queues: { orders: {} }, stateMachines: { workflow: { type: "STANDARD" }, quote: { type: "EXPRESS" } } };
  const withRoute =
    (route: Record<string, unknown>, extra: Record<string, unknown> = {}): (() => unknown) =>
    () =>
      testConfig({ storageFirstApi: { ...base, ...extra, routes: { "POST /orders": route } } });

  test.each([
    [
      "a missing required parameter",
      withRoute({ integration: { subtype: "Kinesis-PutRecord", parameters: { Data: "$request.body" } } }),
      /storageFirstApi\.routes\["POST \/orders"\]\.integration\.parameters\.PartitionKey: nothing is set, but Kinesis-PutRecord requires PartitionKey; map it/,
    ],
    [
      "an unknown subtype",
      withRoute({ integration: { subtype: "SQS-SendMessageBatch", parameters: {} } }),
      /storageFirstApi\.routes\["POST \/orders"\]\.integration\.subtype: "SQS-SendMessageBatch" is not an HTTP API integration subtype; use one of EventBridge-PutEvents/,
    ],
    [
      "StopExecution without ExecutionArn",
      withRoute({ integration: { subtype: "StepFunctions-StopExecution", stateMachine: "workflow", parameters: { Cause: "x" } } }),
      /storageFirstApi\.routes\["POST \/orders"\]\.integration\.parameters\.ExecutionArn: nothing is set, but StepFunctions-StopExecution requires ExecutionArn; map it, e\.g\. "\$request\.body\.executionArn"/,
    ],
    [
      "StartSyncExecution on a STANDARD machine",
      withRoute({ integration: { subtype: "StepFunctions-StartSyncExecution", stateMachine: "workflow", parameters: {} } }),
      /storageFirstApi\.routes\["POST \/orders"\]\.integration\.stateMachine: "workflow" is a STANDARD state machine; StartSyncExecution runs EXPRESS machines only: name an EXPRESS machine/,
    ],
    [
      "StopExecution on an EXPRESS machine",
      withRoute({ integration: { subtype: "StepFunctions-StopExecution", stateMachine: "quote", parameters: { ExecutionArn: "$request.body.arn" } } }),
      /integration\.stateMachine: "quote" is an EXPRESS state machine, whose executions StopExecution cannot stop; name a STANDARD machine/,
    ],
    [
      "a FIFO queue without MessageGroupId",
      withRoute({ integration: { subtype: "SQS-SendMessage", parameters: { MessageBody: "$request.body" } } }, { queues: { orders: { fifo: true } } }),
      /storageFirstApi\.routes\["POST \/orders"\]\.integration\.parameters\.MessageGroupId: nothing is set, but queue "orders" is FIFO and needs a message group; map it/,
    ],
    [
      "DelaySeconds on a FIFO queue",
      withRoute(
        { integration: { subtype: "SQS-SendMessage", parameters: { MessageBody: "$request.body", MessageGroupId: "g", DelaySeconds: "10" } } },
        { queues: { orders: { fifo: true } } },
      ),
      /storageFirstApi\.routes\["POST \/orders"\]\.integration\.parameters\.DelaySeconds: "10" is refused: queue "orders" is FIFO, which has no per-message delay; remove it/,
    ],
    [
      "a target parameter set by hand",
      withRoute({ integration: { subtype: "SQS-SendMessage", parameters: { MessageBody: "$request.body", QueueUrl: "https://sqs.example/q" } } }),
      /parameters\.QueueUrl: "https:\/\/sqs\.example\/q": SQS-SendMessage gets QueueUrl from the route's target; remove it/,
    ],
    [
      "a parameter the subtype does not take",
      withRoute({ integration: { subtype: "SQS-PurgeQueue", parameters: { MessageBody: "x" } } }),
      /parameters\.MessageBody: is not a parameter of SQS-PurgeQueue \(value "x"\); use none/,
    ],
    [
      "a mapping HTTP APIs do not understand",
      withRoute({ integration: { subtype: "SQS-SendMessage", parameters: { MessageBody: "$body" } } }),
      /parameters\.MessageBody: "\$body" is not a mapping HTTP APIs understand; use \$request\.body/,
    ],
    [
      "a path parameter the route does not have",
      withRoute({ integration: { subtype: "SQS-SendMessage", parameters: { MessageBody: "$request.path.id" } } }),
      /parameters\.MessageBody: "\$request\.path\.id" names a path parameter that "POST \/orders" does not have; add \{id\}/,
    ],
    [
      "NONE without a reason",
      withRoute({ integration: { subtype: "SQS-SendMessage", parameters: { MessageBody: "$request.body" } }, authorization: { type: "NONE" } }),
      /routes\["POST \/orders"\]\.authorization\.reason: nothing does not explain why "POST \/orders" is open to anyone; write the reason/,
    ],
    [
      "JWT without an authorizer",
      withRoute({ integration: { subtype: "SQS-SendMessage", parameters: { MessageBody: "$request.body" } }, authorization: { type: "JWT" } }),
      /authorization\.type: "JWT" needs storageFirstApi\.authorization\.jwt with issuer and audience; add it/,
    ],
    [
      "an unknown queue",
      withRoute({ integration: { subtype: "SQS-SendMessage", queue: "invoices", parameters: { MessageBody: "$request.body" } } }),
      /integration\.queue: "invoices" is not in storageFirstApi\.queues; use one of "orders" or add it there/,
    ],
    [
      "a visibility timeout under 6x the consumer's timeout",
      withRoute({ integration: { subtype: "SQS-PurgeQueue", parameters: {} } }, { queues: { orders: { consumer: true, visibilityTimeoutSeconds: 60 } } }),
      /storageFirstApi\.queues\.orders\.visibilityTimeoutSeconds: 60 is less than 6x the consumer's timeout \(30 s\); set it to at least 180/,
    ],
    [
      "a malformed route key",
      () => testConfig({ storageFirstApi: { ...base, routes: { "POST orders": { integration: { subtype: "SQS-PurgeQueue", parameters: {} } } } } }),
      /storageFirstApi\.routes\["POST orders"\]: "POST orders" is not a route key; write "METHOD \/path"/,
    ],
  ])("%s", (_name, act, message) => {
    expect(act).toThrow(message);
  });

  test("every problem is reported at once", () => {
    const act = (): unknown =>
      testConfig({
        storageFirstApi: {
          ...base,
          routes: {
            "POST /a": { integration: { subtype: "Kinesis-PutRecord", parameters: {} } },
            "POST /b": { integration: { subtype: "Nope", parameters: {} } },
          },
        },
      });
    expect(act).toThrow(/POST \/a[\s\S]*Data[\s\S]*POST \/a[\s\S]*PartitionKey[\s\S]*POST \/b/);
  });

  test("the HttpApi construct refuses throttling that would answer 429 to everyone", () => {
    expect(() => new HttpApi(Testing.app(), "api", { name: "x", throttlingBurstLimit: 0, throttlingRateLimit: 10 })).toThrow(
      /throttlingBurstLimit is 0; set a whole number above 0 \(0 or unset answers every request with 429\)/,
    );
  });

  test("the HttpApi construct grants the data-key actions on a customer key that encrypts a target", () => {
    const app = Testing.app();
    const host = new TerraformStack(app, "host");
    const api = new HttpApi(host, "api", { name: "x", throttlingBurstLimit: 10, throttlingRateLimit: 10 });
    const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const route = api.addRoute("POST /a", {
      integration: {
        subtype: "SQS-SendMessage",
        requestParameters: {},
        action: "sqs:SendMessage",
        resources: ["arn:aws:sqs:us-east-1:123456789012:q"],
        kmsKeyArns: [key],
      },
      authorization: { type: "AWS_IAM" },
    });
    const json = synthesize(host);
    const { statements } = roleBehind(json, resolved(host, route.role.arn));
    expect(statements).toEqual([
      expect.objectContaining({ actions: ["sqs:SendMessage"], resources: ["arn:aws:sqs:us-east-1:123456789012:q"] }),
      expect.objectContaining({ actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [key] }),
    ]);
  });
});
