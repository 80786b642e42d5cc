import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Route, type Apigatewayv2RouteConfig } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage, type Apigatewayv2StageConfig } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import type { TerraformStack } from "cdktf";
import { policyDocument } from "../../stacks/constructs/iam";
import { acknowledgeRule } from "../../stacks/rules/acknowledge";
import { minimalStack, passes, report, violations } from "./support";

function route(stack: TerraformStack, overrides: Partial<Apigatewayv2RouteConfig> = {}): Apigatewayv2Route {
  const api = new Apigatewayv2Api(stack, "api", { name: "example", protocolType: "HTTP" });
  return new Apigatewayv2Route(stack, "route", { apiId: api.id, routeKey: "POST /orders", ...overrides });
}

function stage(stack: TerraformStack, overrides: Partial<Apigatewayv2StageConfig> = {}): Apigatewayv2Stage {
  const api = new Apigatewayv2Api(stack, "api", { name: "example", protocolType: "HTTP" });
  const logs = new CloudwatchLogGroup(stack, "access-logs", { name: "/example/access", retentionInDays: 30 });
  return new Apigatewayv2Stage(stack, "stage", {
    apiId: api.id,
    name: "$default",
    autoDeploy: true,
    defaultRouteSettings: { throttlingBurstLimit: 50, throttlingRateLimit: 100 },
    accessLogSettings: { destinationArn: logs.arn, format: '{"requestId":"$context.requestId"}' },
    ...overrides,
  });
}

describe("API-1: routes authorized", () => {
  test.each([
    ["unset", {}],
    ["NONE", { authorizationType: "NONE" }],
  ])("Noncompliance 18: authorization_type %s", (_, overrides) => {
    const stack = minimalStack();
    route(stack, overrides);
    expect(violations(stack, "API-1")).toEqual([expect.stringContaining('route "POST /orders" has authorization_type')]);
  });

  test("Compliance 18: AWS_IAM", () => {
    const stack = minimalStack();
    route(stack, { authorizationType: "AWS_IAM" });
    expect(passes(stack, "API-1")).toEqual(["POST /orders: AWS_IAM"]);
  });

  test("Compliance 18: a public route acknowledged with its reason", () => {
    const stack = minimalStack();
    const healthz = route(stack, { routeKey: "GET /healthz", authorizationType: "NONE" });
    acknowledgeRule(healthz, "API-1", "public liveness probe: returns a constant and touches no data");
    expect(violations(stack, "API-1")).toEqual([]);
    expect(report(stack).findings.map((f) => f.acknowledged)).toEqual(["public liveness probe: returns a constant and touches no data"]);
  });
});

describe("API-2: stage throttling", () => {
  test.each([
    ["no default_route_settings", { defaultRouteSettings: undefined }, "throttling_burst_limit and throttling_rate_limit"],
    ["only the rate", { defaultRouteSettings: { throttlingRateLimit: 100 } }, "throttling_burst_limit (a missing"],
  ])("Noncompliance 19: %s", (_, overrides, missing) => {
    const stack = minimalStack();
    stage(stack, overrides);
    expect(violations(stack, "API-2")).toEqual([expect.stringContaining(`lacks ${missing}`)]);
  });

  test("Compliance 19: burst and rate", () => {
    const stack = minimalStack();
    stage(stack);
    expect(passes(stack, "API-2")).toEqual(["burst 50, rate 100/s"]);
  });
});

describe("API-3: stage access logs", () => {
  test("Noncompliance 20: no access_log_settings", () => {
    const stack = minimalStack();
    stage(stack, { accessLogSettings: undefined });
    expect(violations(stack, "API-3")).toEqual([expect.stringContaining("access_log_settings with destination_arn and format is not set")]);
  });

  test("Compliance 20: destination and format", () => {
    const stack = minimalStack();
    stage(stack);
    expect(violations(stack, "API-3")).toEqual([]);
    expect(passes(stack, "API-3")).toHaveLength(1);
  });
});

describe("S3-1 and S3-2: public access blocked, TLS only", () => {
  test("Noncompliance 21: no public access block, or one with a setting off", () => {
    const none = minimalStack();
    new S3Bucket(none, "bucket", { bucket: "example" });
    expect(violations(none, "S3-1")).toEqual(["no aws_s3_bucket_public_access_block for the bucket"]);

    const partial = minimalStack();
    const bucket = new S3Bucket(partial, "bucket", { bucket: "example" });
    new S3BucketPublicAccessBlock(partial, "block", { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true });
    expect(violations(partial, "S3-1")).toEqual(["aws_s3_bucket_public_access_block.block leaves restrict_public_buckets unset or false"]);
  });

  test("Compliance 21: all four settings true", () => {
    const stack = minimalStack();
    const bucket = new S3Bucket(stack, "bucket", { bucket: "example" });
    new S3BucketPublicAccessBlock(stack, "block", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(passes(stack, "S3-1")).toEqual(["aws_s3_bucket_public_access_block.block"]);
  });

  test("Noncompliance 22: no bucket policy, or one without the TLS deny", () => {
    const none = minimalStack();
    new S3Bucket(none, "bucket", { bucket: "example" });
    expect(violations(none, "S3-2")).toEqual([expect.stringContaining("no aws_s3_bucket_policy for the bucket")]);

    const without = minimalStack();
    const bucket = new S3Bucket(without, "bucket", { bucket: "example" });
    new S3BucketPolicy(without, "policy", {
      bucket: bucket.id,
      policy: policyDocument(without, "document", [
        { actions: ["s3:GetObject"], resources: [`${bucket.arn}/*`], principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:root"] }] },
      ]).json,
    });
    expect(violations(without, "S3-2")).toEqual(["the bucket policy has no Deny of s3:* when aws:SecureTransport is false"]);
  });

  test("Compliance 22: Deny s3:* when aws:SecureTransport is false", () => {
    const stack = minimalStack();
    const bucket = new S3Bucket(stack, "bucket", { bucket: "example" });
    new S3BucketPolicy(stack, "policy", {
      bucket: bucket.id,
      policy: policyDocument(stack, "document", [
        {
          sid: "TlsOnly",
          effect: "Deny",
          actions: ["s3:*"],
          resources: [bucket.arn, `${bucket.arn}/*`],
          principals: [{ type: "*", identifiers: ["*"] }],
          conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ]).json,
    });
    expect(passes(stack, "S3-2")).toEqual(["aws_s3_bucket_policy.policy denies s3:* without TLS"]);
  });
});
