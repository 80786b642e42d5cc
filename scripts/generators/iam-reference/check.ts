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
import type { Statement } from "../../../stacks/rules/types";
import { formatTokens, intersects, TERRAFORM_ARN_TYPES, resolveResource, type Token } from "./arn-pattern";
import type { Finding, PolicyUnderTest } from "./policies";
import type { IamReference, ReferenceAction } from "./reference";

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
