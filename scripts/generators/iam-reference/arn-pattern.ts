/**
 * ARN patterns as tokens (a literal character or a wildcard), for asking whether a policy's resource can
 * name an ARN of a reference resource type. Terraform expressions are resolved, never skipped (check.ts says how).
 */
import type { IamReference } from "./reference";

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

/** One part of a resource pattern: a literal character or a wildcard (any run of characters). */
export type Token = string | typeof ANY;
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
            unresolved: `cannot resolve \${${expression}} to an IAM resource type: map its Terraform type in TERRAFORM_ARN_TYPES (scripts/generators/iam-reference/arn-pattern.ts)`,
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
