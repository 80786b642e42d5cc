/**
 * The engine's last steps, as pure functions: one statement per scope, the actions only "*" grants, and
 * packing statements into managed policies. The synthesized roles are covered in deploy-permissions.test.ts.
 */
import type { PolicyStatement } from "../../stacks/constructs/iam";
import { pack, scopeStatements, unscopedActions } from "../../stacks/ci-access/engine";
import { ALARMS_SSM_SERVICE, type ScopeName } from "../../stacks/ci-access/scopes";

const LOCATION = { partition: "aws", region: "us-east-1", account: "123456789012" };

describe("scopeStatements and unscopedActions", () => {
  const required = new Map<ScopeName, Set<string>>([
    ["sqsQueues", new Set(["sqs:TagQueue", "sqs:CreateQueue"])],
    ["any", new Set(["kms:CreateKey", "appconfig:CreateApplication"])],
    ["alarmsSsmServiceLinkedRole", new Set(["iam:CreateServiceLinkedRole"])],
  ]);

  test("one statement per scope but any, sorted by scope, actions sorted, named by scope and phase, with the scope's conditions", () => {
    expect(scopeStatements("apply", required, new Map([["sqsQueues", new Set(["eu-west-1"])]]), LOCATION, "p-e")).toEqual([
      {
        sid: "AlarmsSsmServiceLinkedRoleDeploy",
        actions: ["iam:CreateServiceLinkedRole"],
        resources: [`arn:aws:iam::123456789012:role/aws-service-role/${ALARMS_SSM_SERVICE}/AWSServiceRoleForCloudWatchAlarms_ActionSSM`],
        conditions: [{ test: "StringEquals", variable: "iam:AWSServiceName", values: [ALARMS_SSM_SERVICE] }],
      },
      {
        sid: "SqsQueuesDeploy",
        actions: ["sqs:CreateQueue", "sqs:TagQueue"],
        resources: ["arn:aws:sqs:us-east-1:123456789012:p-e-*", "arn:aws:sqs:eu-west-1:123456789012:p-e-*"],
      },
    ]);
    expect(scopeStatements("plan", required, new Map(), LOCATION, "p-e").map((statement) => statement.sid)).toEqual([
      "AlarmsSsmServiceLinkedRoleRead",
      "SqsQueuesRead",
    ]);
  });

  test('the actions of scope "any", sorted; none when no block needs one', () => {
    expect(unscopedActions(required)).toEqual(["appconfig:CreateApplication", "kms:CreateKey"]);
    expect(unscopedActions(new Map())).toEqual([]);
  });
});

describe("pack", () => {
  // IAM's managed policy limit: 6,144 characters, whitespace not counted
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
  const IAM_MANAGED_POLICY_LIMIT = 6144;
  const TOKEN = "${TfToken[TOKEN.12]}";
  const statements: PolicyStatement[] = Array.from({ length: 40 }, (_, index) => ({
    sid: `Statement${index}`,
    actions: ["sqs:CreateQueue", "sqs:TagQueue"],
    resources: Array.from({ length: 12 }, (_, resource) => `arn:${TOKEN}:sqs:us-east-1:${TOKEN}:p-e-queue-${index}-${resource}`),
  }));
  // Tokens become the partition and account at apply time: count each as the longest value it can take.
  const rendered = (group: readonly PolicyStatement[]): number =>
    JSON.stringify({ Version: "2012-10-17", Statement: group }).replaceAll(TOKEN, "aws-us-gov-123456789012").length;

  test("keeps the statements' order and puts every group under IAM's limit once tokens take their longest values", () => {
    const groups = pack(statements);
    expect(groups.flat()).toEqual(statements);
    expect(groups.length).toBeGreaterThan(2);
    for (const group of groups) expect(rendered(group)).toBeLessThan(IAM_MANAGED_POLICY_LIMIT);
  });

  test("one group when everything fits; none for no statements; a statement is never split", () => {
    expect(pack(statements.slice(0, 2))).toEqual([statements.slice(0, 2)]);
    expect(pack([])).toEqual([]);
    const huge: PolicyStatement = {
      sid: "Huge",
      actions: ["sqs:CreateQueue"],
      resources: Array.from({ length: 400 }, (_, index) => `arn:aws:sqs:::q${index}`),
    };
    expect(pack([huge, ...statements.slice(0, 1)])).toEqual([[huge], statements.slice(0, 1)]);
  });
});
