import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { Construct } from "constructs";

/** One IAM statement, as data: every action and resource named exactly. */
export interface PolicyStatement {
  readonly sid?: string;
  readonly effect?: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly resources?: readonly string[];
  readonly principals?: readonly { readonly type: string; readonly identifiers: readonly string[] }[];
  readonly conditions?: readonly { readonly test: string; readonly variable: string; readonly values: readonly string[] }[];
}

/**
 * A policy document rendered by Terraform (offline-safe, reviewable in plan, and structured in the
 * synthesized JSON so rules can inspect it). Never a string built by concatenation.
 */
export function policyDocument(scope: Construct, id: string, statements: readonly PolicyStatement[]): DataAwsIamPolicyDocument {
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: statements.map((statement) => ({
      ...(statement.sid !== undefined ? { sid: statement.sid } : {}),
      effect: statement.effect ?? "Allow",
      actions: [...statement.actions],
      ...(statement.resources !== undefined ? { resources: [...statement.resources] } : {}),
      ...(statement.principals !== undefined
        ? { principals: statement.principals.map((principal) => ({ type: principal.type, identifiers: [...principal.identifiers] })) }
        : {}),
      ...(statement.conditions !== undefined ? { condition: statement.conditions.map((condition) => ({ ...condition, values: [...condition.values] })) } : {}),
    })),
  });
}

/** Denies `actions` on `resources` to anyone not using TLS (`aws:SecureTransport` false). */
export function denyInsecureTransport(actions: readonly string[], resources: readonly string[]): PolicyStatement {
  return {
    sid: "DenyInsecureTransport",
    effect: "Deny",
    actions,
    resources,
    principals: [{ type: "*", identifiers: ["*"] }],
    conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
  };
}

/** Trust policy for a role that an AWS service assumes. */
export function serviceTrust(scope: Construct, id: string, service: string): DataAwsIamPolicyDocument {
  return policyDocument(scope, id, [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: [service] }] }]);
}

/**
 * What the account (and so its IAM policies) may do with a customer-managed key it owns: administer
 * it, never use it. Users of the key get their own statements.
 */
export const KEY_ADMINISTRATION_ACTIONS: readonly string[] = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RotateKeyOnDemand",
];
