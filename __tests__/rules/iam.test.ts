import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { Fn, type TerraformStack } from "cdktf";
import { policyDocument, type PolicyStatement } from "../../stacks/constructs/iam";
import { BUCKET_ARN, minimalStack, passes, violations } from "./support";

function roleWithPolicy(statements: readonly PolicyStatement[]): TerraformStack {
  const stack = minimalStack();
  const role = new IamRole(stack, "role", { name: "example", assumeRolePolicy: "{}" });
  new IamRolePolicy(stack, "policy", { role: role.id, policy: policyDocument(stack, "document", statements).json });
  return stack;
}

describe("IAM-1: no wildcard action", () => {
  test.each([
    ["*", { Sid: "Broad", Effect: "Allow", Action: "*", Resource: "*" }, /statement "Broad" allows "\*"/],
    ["service:*", { Sid: "Broad", Effect: "Allow", Action: ["s3:GetObject", "s3:*"], Resource: BUCKET_ARN }, /statement "Broad" allows "s3:\*"/],
    ["NotAction", { Sid: "Broad", Effect: "Allow", NotAction: "iam:*", Resource: BUCKET_ARN }, /allows everything but iam:\* \(NotAction\)/],
  ])("Noncompliance 1: an Allow statement with %s (literal JSON policy)", (_, statement, reason) => {
    // Prepare
    const stack = minimalStack();
    const role = new IamRole(stack, "role", { name: "example", assumeRolePolicy: "{}" });
    new IamRolePolicy(stack, "policy", { role: role.id, policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) });

    // Act
    const found = violations(stack, "IAM-1");

    // Assess
    expect(found).toEqual([expect.stringMatching(reason)]);
  });

  test("Noncompliance 1: a service wildcard in a policy document", () => {
    const stack = roleWithPolicy([{ sid: "AllQueues", actions: ["sqs:*"], resources: ["arn:aws:sqs:us-east-1:123456789012:orders"] }]);
    expect(violations(stack, "IAM-1")).toEqual([expect.stringMatching(/^data\.aws_iam_policy_document\.document statement "AllQueues" allows "sqs:\*"/)]);
  });

  test("Compliance 1: every action named; a Deny of s3:* is fine", () => {
    const stack = roleWithPolicy([
      { sid: "Read", actions: ["s3:GetObject"], resources: [`${BUCKET_ARN}/*`] },
      {
        sid: "TlsOnly",
        effect: "Deny",
        actions: ["s3:*"],
        resources: [BUCKET_ARN],
        conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
    ]);
    expect(violations(stack, "IAM-1")).toEqual([]);
    expect(passes(stack, "IAM-1")).toHaveLength(1);
  });
});

describe("IAM-2: no wildcard resource where the action has resource-level permissions", () => {
  test("Noncompliance 2: s3:GetObject on *", () => {
    const stack = roleWithPolicy([{ sid: "ReadAll", actions: ["s3:GetObject", "ec2:DescribeImages"], resources: ["*"] }]);
    expect(violations(stack, "IAM-2")).toEqual([expect.stringContaining('statement "ReadAll" grants s3:GetObject on every resource')]);
  });

  test("Compliance 2: ec2:DescribeImages on * (no resource-level permissions); a key policy's * means the key", () => {
    const stack = roleWithPolicy([{ sid: "Validate", actions: ["ec2:DescribeImages"], resources: ["*"] }]);
    const key = new KmsKey(stack, "key", { description: "example" });
    new KmsKeyPolicy(stack, "key-policy", {
      keyId: key.keyId,
      policy: policyDocument(stack, "key-document", [
        { actions: ["kms:Decrypt"], resources: ["*"], principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }] },
      ]).json,
    });
    expect(violations(stack, "IAM-2")).toEqual([]);
    expect(passes(stack, "IAM-2")).toHaveLength(1);
  });
});

describe("IAM-3: policies readable at synth", () => {
  test("Noncompliance 3: a policy built with jsonencode cannot be checked", () => {
    const stack = minimalStack();
    const role = new IamRole(stack, "role", { name: "example", assumeRolePolicy: "{}" });
    new IamRolePolicy(stack, "policy", { role: role.id, policy: Fn.jsonencode({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) });
    expect(violations(stack, "IAM-3")).toEqual([expect.stringContaining("Terraform expression")]);
  });

  test("Compliance 3: a data.aws_iam_policy_document reference", () => {
    const stack = roleWithPolicy([{ actions: ["s3:GetObject"], resources: [BUCKET_ARN] }]);
    expect(violations(stack, "IAM-3")).toEqual([]);
    expect(passes(stack, "IAM-3")).toHaveLength(1);
  });
});

describe("IAM-4: no AWS-managed administrator policy", () => {
  test.each(["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws-us-gov:iam::aws:policy/IAMFullAccess"])(
    "Noncompliance 4: %s attached",
    (policyArn) => {
      const stack = minimalStack();
      const role = new IamRole(stack, "role", { name: "example", assumeRolePolicy: "{}" });
      new IamRolePolicyAttachment(stack, "attachment", { role: role.name, policyArn });
      expect(violations(stack, "IAM-4")).toEqual([expect.stringContaining(`attaches ${policyArn}`)]);
    },
  );

  test("Compliance 4: a read-only managed policy", () => {
    const stack = minimalStack();
    const role = new IamRole(stack, "role", { name: "example", assumeRolePolicy: "{}" });
    new IamRolePolicyAttachment(stack, "attachment", { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" });
    expect(violations(stack, "IAM-4")).toEqual([]);
    expect(passes(stack, "IAM-4")).toHaveLength(1);
  });
});
