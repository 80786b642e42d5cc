/**
 * Every IAM policy of a synthesized stack, checked against the Service Authorization Reference: actions
 * exist, resources fit the action's resource types (an action that takes only "*" gets no ARN), the
 * resource types the reference marks required are covered, and condition keys exist for the action.
 *
 * Terraform expressions in a resource are resolved, never skipped: `${<type>.<name>.arn}` at the start
 * becomes the ARN format of the IAM resource type TERRAFORM_ARN_TYPES maps `<type>` to; an expression
 * inside a literal `arn:...` (partition, region, account, an ID) becomes a wildcard, the literal giving
 * the shape. Anything else is a finding ("cannot resolve"), so a new kind of reference fails until mapped.
 */
import { StackIndex, isJsonObject, jsonStatements } from "../../../stacks/rules/stack-index";
import type { JsonObject, Statement } from "../../../stacks/rules/types";
import type { IamReference, ReferenceAction } from "./reference";

/** Terraform resource type -> the IAM resource type (service, key) its `arn` attribute is. */
export const TERRAFORM_ARN_TYPES: Readonly<Record<string, readonly [service: string, resourceType: string]>> = {
  aws_appconfig_application: ["appconfig", "application"],
  aws_appconfig_configuration_profile: ["appconfig", "configurationprofile"],
  aws_appconfig_environment: ["appconfig", "environment"],
  aws_cloudwatch_event_bus: ["events", "event-bus"],
  aws_cloudwatch_log_group: ["logs", "log-group"],
  aws_iam_role: ["iam", "role"],
  aws_kinesis_stream: ["kinesis", "stream"],
  aws_kms_key: ["kms", "key"],
  aws_lambda_function: ["lambda", "function"],
  aws_s3_bucket: ["s3", "bucket"],
  aws_sfn_state_machine: ["states", "stateMachine"],
  aws_sns_topic: ["sns", "topic"],
  aws_sqs_queue: ["sqs", "queue"],
  aws_ssm_parameter: ["ssm", "parameter"],
};

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

/**
 * Where the reference and AWS differ, with the source. IAM's web identity keys `<provider>:aud`, `:sub`,
 * `:amr` (and `:oaud`) exist for every OIDC provider (HCP Terraform's `app.terraform.io`, GitHub's
 * `token.actions.githubusercontent.com`), but the reference lists only some providers and not `aud`/`sub`
 * for GitHub.
 */
export const REFERENCE_EXCEPTIONS = {
  webIdentityKeys: {
    action: "sts:AssumeRoleWithWebIdentity",
    key: /^[a-z0-9.-]+(\/[^:]*)?:(aud|sub|amr|oaud)$/i,
    source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif",
  },
  /**
   * The data files API Gateway V1 and V2 under one prefix: its GET/POST/PUT/PATCH/DELETE rows keep only V1's
   * resource types, while the V2 page lists the HTTP API ones (`/apis`, `/apis/${ApiId}`, ...) for the same actions.
   */
  apigatewayV2: {
    actions: ["apigateway:DELETE", "apigateway:GET", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT"],
    formats: /^arn:\$\{Partition\}:apigateway:\$\{Region\}::\/apis/,
    source: "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigatewaymanagementv2.html",
  },
} as const;

/** An action of the reference with the documented exceptions applied. */
function withExceptions(action: ReferenceAction, reference: IamReference): ReferenceAction {
  const v2 = REFERENCE_EXCEPTIONS.apigatewayV2;
  if (!(v2.actions as readonly string[]).includes(action.name)) return action;
  const extra = reference.resourceTypesOf("apigateway").filter((type) => v2.formats.test(type.arn));
  return { ...action, resourceTypes: [...action.resourceTypes, ...extra.map((type) => ({ ...type, required: false }))] };
}

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

/** One part of a resource pattern: a literal character or a wildcard (any run of characters). */
type Token = string | typeof ANY;
const ANY = Symbol("any");

/** An ARN format of the reference (`arn:${Partition}:sqs:${Region}:${Account}:${QueueName}`) as tokens: each variable a wildcard. */
export function formatTokens(format: string): Token[] {
  const tokens: Token[] = [];
  for (let index = 0; index < format.length; ) {
    if (format.startsWith("${", index)) {
      tokens.push(ANY);
      index = format.indexOf("}", index) + 1;
    } else tokens.push(format[index++] ?? "");
  }
  return tokens;
}

/** A policy resource (IAM wildcards `*` and `?` kept) as tokens, with Terraform expressions resolved; or why it cannot be. */
export function resolveResource(resource: string, reference: IamReference): { tokens: Token[] } | { unresolved: string } {
  const tokens: Token[] = [];
  for (let index = 0; index < resource.length; ) {
    if (resource.startsWith("${", index)) {
      let depth = 0;
      let end = index;
      for (; end < resource.length; end++) {
        if (resource[end] === "{") depth++;
        else if (resource[end] === "}" && --depth === 0) break;
      }
      const expression = resource.slice(index + 2, end);
      if (index === 0) {
        const match = /^(?:data\.)?([a-z0-9_]+)\.[A-Za-z0-9_-]+\.arn$/.exec(expression);
        const mapped = match?.[1] !== undefined ? TERRAFORM_ARN_TYPES[match[1]] : undefined;
        const format = mapped !== undefined ? reference.resourceTypeArn(mapped[0], mapped[1]) : undefined;
        if (format === undefined) {
          return {
            unresolved: `cannot resolve \${${expression}} to an IAM resource type: map its Terraform type in TERRAFORM_ARN_TYPES (scripts/generators/iam-reference/check.ts)`,
          };
        }
        tokens.push(...formatTokens(format));
      } else if (resource.startsWith("arn:")) {
        tokens.push(ANY);
      } else {
        return { unresolved: `cannot resolve \${${expression}}: the resource is neither a literal arn:... nor \${<type>.<name>.arn}...` };
      }
      index = end + 1;
    } else {
      const char = resource[index++] ?? "";
      tokens.push(char === "*" || char === "?" ? ANY : char);
    }
  }
  return { tokens };
}

/** Splits tokens into an ARN's six parts (arn, partition, service, region, account, resource) at its first five literal colons. */
function arnParts(tokens: readonly Token[]): Token[][] | undefined {
  const parts: Token[][] = [[]];
  for (const token of tokens) {
    if (token === ":" && parts.length < 6) parts.push([]);
    else parts[parts.length - 1]?.push(token);
  }
  return parts.length === 6 ? parts : undefined;
}

/**
 * True when some ARN fits both patterns. A wildcard (a `*`, a reference variable, a resolved expression)
 * matches any run of characters within its part of the ARN: partition, service, region and account are
 * compared part by part, so `${Partition}` cannot swallow `:sqs:...`.
 */
export function intersects(a: readonly Token[], b: readonly Token[]): boolean {
  const partsA = arnParts(a);
  const partsB = arnParts(b);
  if (partsA === undefined || partsB === undefined) return tokensIntersect(a, b);
  return partsA.every((part, index) => tokensIntersect(part, partsB[index] ?? []));
}

function tokensIntersect(a: readonly Token[], b: readonly Token[]): boolean {
  const memo = new Map<number, boolean>();
  const step = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (a[i] === ANY) result = step(i + 1, j) || (j < b.length && step(i, j + 1));
    else if (b[j] === ANY) result = step(i, j + 1) || (i < a.length && step(i + 1, j));
    else result = i < a.length && j < b.length && String(a[i]).toLowerCase() === String(b[j]).toLowerCase() && step(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return step(0, 0);
}

const fitsAction = (tokens: readonly Token[], action: ReferenceAction): boolean =>
  action.resourceTypes.some((type) => intersects(tokens, formatTokens(type.arn)));

const isWildcard = (pattern: string): boolean => /[*?]/.test(pattern);

/** A condition key of the reference (`aws:RequestTag/${TagKey}`, lower case) matches a key used in a policy. */
function keyMatches(referenceKey: string, used: string): boolean {
  const body = referenceKey
    .split(/\$\{[^}]*\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".+");
  return new RegExp(`^${body}$`, "i").test(used);
}

/** The services a policy names in its actions (and that the resolver may need), to load the reference for. */
export function servicesOf(policies: readonly PolicyUnderTest[]): { services: Set<string>; globalKeys: Set<string> } {
  const services = new Set<string>(Object.values(TERRAFORM_ARN_TYPES).map(([service]) => service));
  const globalKeys = new Set<string>();
  for (const policy of policies) {
    for (const statement of policy.statements) {
      for (const action of [...statement.actions, ...statement.notActions]) if (action.includes(":")) services.add(action.split(":")[0]?.toLowerCase() ?? "");
      for (const condition of statement.conditions) if (condition.variable.toLowerCase().startsWith("aws:")) globalKeys.add(condition.variable);
    }
  }
  return { services, globalKeys };
}

/** Every finding of one policy. */
export function checkPolicy(policy: PolicyUnderTest, reference: IamReference): Finding[] {
  const findings: Finding[] = [];
  const find = (action: string, problem: string, resource?: string): void => {
    findings.push({ address: policy.address, action, problem, ...(resource !== undefined ? { resource } : {}) });
  };
  const ownTokens = policy.own !== undefined ? reference.resourceTypeArn(policy.own[0], policy.own[1]) : undefined;
  // Per action (lower case): the resource patterns of every Allow statement of the document granting it by name.
  const granted = new Map<string, { resource: string; tokens: Token[] | "any" }[]>();
  const checked: { action: ReferenceAction; statement: Statement }[] = [];

  for (const statement of policy.statements) {
    if (statement.notActions.length > 0 || statement.notResources.length > 0) {
      find(
        statement.notActions.join(",") || statement.actions.join(","),
        "NotAction/NotResource cannot be checked against the reference: name the actions and resources",
      );
      continue;
    }
    // Resources as patterns: a resource-based policy's "*" (or no Resource at all) is its own resource.
    const resources: { resource: string; tokens: Token[] | "any" }[] = [];
    const raw = statement.resources.length === 0 && policy.kind === "resource" ? ["*"] : statement.resources;
    for (const resource of raw) {
      if (resource === "*") {
        resources.push({ resource, tokens: policy.kind === "resource" && ownTokens !== undefined ? formatTokens(ownTokens) : "any" });
        continue;
      }
      const resolved = resolveResource(resource, reference);
      if ("unresolved" in resolved) {
        find(statement.actions.join(","), resolved.unresolved, resource);
        // Counts as covering every type, so the unresolved resource is reported once, not again as a missing type.
        resources.push({ resource, tokens: "any" });
      } else resources.push({ resource, tokens: resolved.tokens });
    }

    const explicit = statement.actions
      .filter((pattern) => !isWildcard(pattern))
      .map((pattern) => {
        const action = reference.action(pattern);
        return action === undefined ? undefined : withExceptions(action, reference);
      });
    if (policy.kind !== "trust" && explicit.length === statement.actions.length && explicit.every((action) => action !== undefined)) {
      for (const { resource, tokens } of resources) {
        if (tokens === "any" || explicit.some((action) => action !== undefined && (action.resourceTypes.length === 0 || fitsAction(tokens, action)))) continue;
        find(statement.actions.join(","), "the resource fits the resource types of none of the statement's actions", resource);
      }
    }
    for (const pattern of statement.actions) {
      if (pattern === "*") continue;
      const actions = reference.expand(pattern).map((action) => withExceptions(action, reference));
      if (actions.length === 0) {
        find(pattern, `no such action in the Service Authorization Reference (data ${reference.version})`);
        continue;
      }
      // Condition keys: global aws: keys, the web identity exception, or a key of the action (any expansion for a wildcard).
      for (const condition of statement.conditions) {
        const key = condition.variable;
        if (key.toLowerCase().startsWith("aws:")) {
          if (!reference.isGlobalConditionKey(key)) find(pattern, `condition key ${key} is not a global condition key`);
          continue;
        }
        const exception = REFERENCE_EXCEPTIONS.webIdentityKeys;
        if (pattern.toLowerCase() === exception.action.toLowerCase() && exception.key.test(key)) continue;
        if (!actions.some((action) => action.conditionKeys.some((known) => keyMatches(known, key)))) {
          find(pattern, `condition key ${key} does not exist for this action (it has: ${actions[0]?.conditionKeys.join(", ") || "none"})`);
        }
      }
      if (policy.kind === "trust") continue;
      if (isWildcard(pattern)) {
        for (const { resource, tokens } of resources) {
          if (tokens === "any") continue;
          if (actions.every((action) => action.resourceTypes.length === 0))
            find(pattern, 'every action it matches takes only Resource "*": the grant is void', resource);
          else if (!actions.some((action) => action.resourceTypes.some((type) => intersects(tokens, formatTokens(type.arn))))) {
            find(pattern, "fits none of the resource types of the actions it matches", resource);
          }
        }
        continue;
      }
      const action = actions[0];
      if (action === undefined) continue;
      const arns = resources.filter((entry): entry is { resource: string; tokens: Token[] } => entry.tokens !== "any");
      if (action.resourceTypes.length === 0) {
        if (policy.kind === "identity") for (const { resource } of arns) find(action.name, 'takes only Resource "*": a grant on an ARN is void', resource);
      } else if (arns.length > 0 && arns.length === resources.length && !arns.some(({ tokens }) => fitsAction(tokens, action))) {
        // A statement's resources may serve different actions of it; the action's grant is void only when none fits it.
        find(
          action.name,
          `none of the statement's resources fits its resource types (${action.resourceTypes.map((type) => `${type.name}: ${type.arn}`).join("; ")})`,
          arns.map(({ resource }) => resource).join(", "),
        );
      }
      if (statement.effect === "Allow" && policy.kind === "identity") {
        const list = granted.get(action.name.toLowerCase()) ?? [];
        list.push(...resources);
        granted.set(action.name.toLowerCase(), list);
        checked.push({ action, statement });
      }
    }
  }

  // Required resource types: covered by the Allow statements of this document that grant the action.
  const reported = new Set<string>();
  for (const { action } of checked) {
    if (reported.has(action.name)) continue;
    reported.add(action.name);
    const resources = granted.get(action.name.toLowerCase()) ?? [];
    for (const type of action.resourceTypes.filter((candidate) => candidate.required)) {
      const format = formatTokens(type.arn);
      if (!resources.some(({ tokens }) => tokens === "any" || intersects(tokens, format))) {
        find(action.name, `the reference marks resource type ${type.name} (${type.arn}) required, and no statement of this policy grants the action on it`);
      }
    }
  }
  return findings;
}
