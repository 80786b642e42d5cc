/**
 * Every IAM policy of a synthesized stack, read out of its resources (identity, trust and resource-based
 * policies) and its `operator_policy`-style outputs, for check.ts to hold against the reference.
 */
import { StackIndex, isJsonObject, jsonStatements } from "../../../stacks/rules/stack-index";
import type { JsonObject, Statement } from "../../../stacks/rules/types";

/** The resource a resource-based policy sits on: what its Resource "*" means. */
const OWN_RESOURCE: Readonly<Record<string, readonly [service: string, resourceType: string]>> = {
  aws_kms_key: ["kms", "key"],
  aws_kms_key_policy: ["kms", "key"],
  aws_sns_topic_policy: ["sns", "topic"],
  aws_sqs_queue_policy: ["sqs", "queue"],
};

/** Where each type keeps a policy, and what kind of policy it is. */
const POLICY_ATTRIBUTES: Readonly<Record<string, { readonly attribute: string; readonly kind: PolicyKind }>> = {
  aws_iam_policy: { attribute: "policy", kind: "identity" },
  aws_iam_role_policy: { attribute: "policy", kind: "identity" },
  aws_iam_user_policy: { attribute: "policy", kind: "identity" },
  aws_iam_group_policy: { attribute: "policy", kind: "identity" },
  aws_kms_key: { attribute: "policy", kind: "resource" },
  aws_kms_key_policy: { attribute: "policy", kind: "resource" },
  aws_sns_topic_policy: { attribute: "policy", kind: "resource" },
  aws_sqs_queue_policy: { attribute: "policy", kind: "resource" },
  aws_s3_bucket_policy: { attribute: "policy", kind: "resource" },
  aws_cloudwatch_log_resource_policy: { attribute: "policy_document", kind: "resource" },
  aws_cloudwatch_event_bus_policy: { attribute: "policy", kind: "resource" },
};

export type PolicyKind = "identity" | "trust" | "resource";

export interface PolicyUnderTest {
  /** `<stack>/<terraform address>`. */
  readonly address: string;
  readonly kind: PolicyKind;
  /** For a resource-based policy on a key, topic or queue: its own resource type. */
  readonly own?: readonly [service: string, resourceType: string];
  readonly statements: readonly Statement[];
}

export interface Finding {
  readonly address: string;
  readonly action: string;
  readonly resource?: string;
  readonly problem: string;
}

export const formatFinding = (finding: Finding): string =>
  `${finding.address}: ${finding.action}${finding.resource !== undefined ? ` on ${finding.resource}` : ""}: ${finding.problem}`;

/** Every policy of one synthesized stack (cdk.tf.json parsed), plus findings for policies that cannot be read. */
export function policiesOf(stackName: string, synthesized: JsonObject): { policies: PolicyUnderTest[]; unreadable: Finding[] } {
  const index = new StackIndex(synthesized);
  const policies: PolicyUnderTest[] = [];
  const unreadable: Finding[] = [];
  const read = (address: string, kind: PolicyKind, value: unknown, own?: readonly [string, string]): void => {
    const policy = index.policy(value as JsonObject[string]);
    if (!policy.readable) {
      unreadable.push({ address: `${stackName}/${address}`, action: "(policy)", problem: `cannot be read: ${policy.why}` });
      return;
    }
    policies.push({ address: `${stackName}/${address}`, kind, statements: policy.statements, ...(own !== undefined ? { own } : {}) });
  };
  for (const block of index.resources) {
    if (block.type === "aws_iam_role") {
      read(block.address, "trust", block.config["assume_role_policy"]);
      for (const inline of Array.isArray(block.config["inline_policy"]) ? block.config["inline_policy"] : []) {
        if (isJsonObject(inline) && inline["policy"] !== undefined) read(`${block.address}.inline_policy`, "identity", inline["policy"]);
      }
      continue;
    }
    const where = POLICY_ATTRIBUTES[block.type];
    if (where !== undefined && block.config[where.attribute] !== undefined) {
      read(block.address, where.kind, block.config[where.attribute], OWN_RESOURCE[block.type]);
      continue;
    }
    // A policy document used by a type this module does not know is a policy left unchecked.
    if (JSON.stringify(block.config).includes("${data.aws_iam_policy_document.")) {
      unreadable.push({
        address: `${stackName}/${block.address}`,
        action: "(policy)",
        problem: `${block.type} holds a policy document: add it to POLICY_ATTRIBUTES`,
      });
    }
  }
  const outputs = synthesized["output"];
  if (isJsonObject(outputs)) {
    for (const [name, output] of Object.entries(outputs)) {
      const value = isJsonObject(output) ? output["value"] : undefined;
      if (typeof value !== "string" || !value.startsWith("${jsonencode({") || !value.includes('"Statement" = ')) continue;
      const document = hclObjectToJson(value.slice("${jsonencode(".length, -")}".length)) as JsonObject[string];
      if (!isJsonObject(document) || document["Statement"] === undefined) continue;
      policies.push({ address: `${stackName}/output.${name}`, kind: "identity", statements: jsonStatements(document) });
    }
  }
  return { policies, unreadable };
}

/**
 * The object literal of a `jsonencode({...})` CDKTF writes (`{"Key" = "value", "List" = [...]}`) as JSON:
 * `=` between a key and its value becomes `:`; strings (with `${...}` interpolations, which may hold quotes) are kept.
 */
export function hclObjectToJson(text: string): unknown {
  let out = "";
  let index = 0;
  while (index < text.length) {
    const char = text[index] ?? "";
    if (char !== '"') {
      out += char === "=" ? ":" : char;
      index++;
      continue;
    }
    out += '"';
    index++;
    while (index < text.length && text[index] !== '"') {
      if (text[index] === "\\") {
        out += text.slice(index, index + 2);
        index += 2;
      } else if (text.startsWith("${", index)) {
        // An interpolation is an expression: its own quotes are escaped to stay inside the JSON string.
        let depth = 0;
        let end = index;
        for (; end < text.length; end++) {
          if (text[end] === "{") depth++;
          else if (text[end] === "}" && --depth === 0) break;
        }
        out += text.slice(index, end + 1).replace(/"/g, '\\"');
        index = end + 1;
      } else out += text[index++];
    }
    out += '"';
    index++;
  }
  return JSON.parse(out) as unknown;
}
