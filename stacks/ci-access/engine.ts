/**
 * The engine of the deploy permissions: from the blocks the workload stacks declare to the CI roles'
 * policy statements. It checks the table (permissions/) covers every block, gathers the actions each
 * role needs by scope (scopes.ts), writes one statement per scope and packs statements into managed
 * policies under IAM's size limit.
 */
import { STAR_ONLY_ACTIONS } from "../../aws/iam-star-only";
import type { AwsLocation } from "../../aws/arn";
import type { PolicyStatement } from "../constructs/iam";
import { DATA_SOURCE_PERMISSIONS, PERMISSIONS_DIRECTORY, permissionsFile, RESOURCE_PERMISSIONS } from "./permissions";
import { SCOPES, scopeResources, type Scope, type ScopeName } from "./scopes";
import type { Calls, Grant } from "./table";

/** Terraform meta-arguments: no API call of their own. */
export const META_ARGUMENTS: ReadonlySet<string> = new Set(["depends_on", "lifecycle", "provider", "count", "for_each", "provisioner", "connection"]);

const PHASES = ["create", "read", "update", "delete"] as const;

/** One resource or data source as synthesized: its type and top-level arguments with their values. */
export interface DeclaredBlock {
  readonly kind: "resource" | "data";
  readonly type: string;
  readonly address: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  /** The region of the aliased provider the block is declared with. @default - the stack's region (its default provider) */
  readonly region?: string;
}

/** What the CI roles need for some declared blocks: actions by scope, for plan and for apply. */
export interface RequiredPermissions {
  readonly plan: ReadonlyMap<ScopeName, ReadonlySet<string>>;
  readonly apply: ReadonlyMap<ScopeName, ReadonlySet<string>>;
  /**
   * Per scope, the regions besides the stack's own where blocks of that scope are declared (an aliased
   * provider): the scope's resources are granted in each of them too.
   */
  readonly otherRegions: ReadonlyMap<ScopeName, ReadonlySet<string>>;
}

const add = (into: Map<ScopeName, Set<string>>, grants: readonly Grant[] | undefined, regions?: Map<ScopeName, Set<string>>, region?: string): void => {
  for (const grant of grants ?? []) {
    for (const action of grant.actions) {
      // The reference lists no resource type for these (aws/iam-star-only.ts, generated from it): only "*" grants them.
      const scope: ScopeName = STAR_ONLY_ACTIONS.has(action) ? "any" : grant.scope;
      let actions = into.get(scope);
      if (actions === undefined) into.set(scope, (actions = new Set()));
      actions.add(action);
      if (regions !== undefined && region !== undefined && scope !== "any") {
        let scopeRegions = regions.get(scope);
        if (scopeRegions === undefined) regions.set(scope, (scopeRegions = new Set()));
        scopeRegions.add(region);
      }
    }
  }
};

/** Every problem: a type, data source, argument or value the table does not cover, with where to add it. */
export function coverageProblems(blocks: Iterable<DeclaredBlock>): string[] {
  const problems = new Set<string>();
  // A new type goes into its service's file, named after the provider's internal/service/<service>/ folder.
  const newRow = `${PERMISSIONS_DIRECTORY}/<service>.ts (a new file is listed in ${PERMISSIONS_DIRECTORY}/index.ts)`;
  for (const block of blocks) {
    if (block.kind === "data") {
      if (DATA_SOURCE_PERMISSIONS[block.type] === undefined) {
        problems.add(
          `data source ${block.type} (${block.address}): add its read calls to the dataSources of ${newRow}, citing the provider's *_data_source.go`,
        );
      }
      continue;
    }
    const entry = RESOURCE_PERMISSIONS[block.type];
    if (entry === undefined) {
      problems.add(
        `resource type ${block.type} (${block.address}): add its create/read/update/delete calls to the resources of ${newRow}, citing internal/service/<service>/<resource>.go`,
      );
      continue;
    }
    const where = permissionsFile("resource", block.type);
    for (const [name, value] of Object.entries(block.arguments)) {
      if (META_ARGUMENTS.has(name) || name.startsWith("//")) continue;
      const argument = entry.arguments[name];
      if (argument === undefined) {
        problems.add(
          `argument ${block.type}.${name} (${block.address}): add arguments["${name}"] to ${block.type} in ${where} with the calls it adds (or { why } when none)`,
        );
        continue;
      }
      const unsupported = argument.unsupported?.(value);
      if (unsupported !== undefined) problems.add(`argument ${block.type}.${name} (${block.address}): ${unsupported}, in ${where}`);
    }
  }
  return [...problems].sort();
}

/** The actions the plan role (read calls) and the apply role (all calls) need for the declared blocks; throws naming every gap. */
export function requiredPermissions(blocks: readonly DeclaredBlock[]): RequiredPermissions {
  const problems = coverageProblems(blocks);
  if (problems.length > 0) throw new Error(`ciAccess: the deploy permission table does not cover what the stacks declare:\n  - ${problems.join("\n  - ")}`);
  const plan = new Map<ScopeName, Set<string>>();
  const apply = new Map<ScopeName, Set<string>>();
  const otherRegions = new Map<ScopeName, Set<string>>();
  for (const block of blocks) {
    if (block.kind === "data") {
      const entry = DATA_SOURCE_PERMISSIONS[block.type];
      add(plan, entry?.read, otherRegions, block.region);
      add(apply, entry?.read);
      continue;
    }
    const entry = RESOURCE_PERMISSIONS[block.type];
    if (entry === undefined) continue;
    const sources: Calls[] = [entry];
    for (const [name, value] of Object.entries(block.arguments)) {
      const argument = entry.arguments[name];
      if (argument !== undefined && (argument.when === undefined || argument.when(value))) sources.push(argument);
    }
    for (const calls of sources) {
      add(plan, calls.read, otherRegions, block.region);
      for (const phase of PHASES) add(apply, calls[phase], otherRegions, block.region);
    }
  }
  return { plan, apply, otherRegions };
}

/** IAM's limit on a managed policy (whitespace not counted); packing stays below it with room for long partitions. */
const POLICY_BUDGET = 5500;

/** One statement per scope of `required` (sorted by scope name; "any" is left to unscopedActions), for the plan or apply role. */
export function scopeStatements(
  phase: "plan" | "apply",
  required: ReadonlyMap<ScopeName, ReadonlySet<string>>,
  otherRegions: ReadonlyMap<ScopeName, ReadonlySet<string>>,
  location: AwsLocation,
  namePrefix: string,
): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  for (const scope of [...required.keys()].sort()) {
    if (scope === "any") continue;
    const definition: Scope = SCOPES[scope];
    statements.push({
      sid: `${capitalize(scope)}${phase === "plan" ? "Read" : "Deploy"}`,
      actions: [...(required.get(scope) ?? [])].sort(),
      resources: scopeResources(definition, location, namePrefix, otherRegions.get(scope)),
      ...(definition.conditions !== undefined ? { conditions: definition.conditions } : {}),
    });
  }
  return statements;
}

/** The actions IAM accepts only on "*" (scope "any"), sorted. */
export function unscopedActions(required: ReadonlyMap<ScopeName, ReadonlySet<string>>): string[] {
  return [...(required.get("any") ?? [])].sort();
}

/** Statements into groups whose JSON (with room for a long partition and an account ID) stays under the budget. */
export function pack(statements: readonly PolicyStatement[]): PolicyStatement[][] {
  const groups: PolicyStatement[][] = [];
  let current: PolicyStatement[] = [];
  let size = 0;
  for (const statement of statements) {
    const length = estimatedLength(statement);
    if (current.length > 0 && size + length > POLICY_BUDGET) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(statement);
    size += length;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function estimatedLength(statement: PolicyStatement): number {
  // Tokens (partition, account) render as ${...} placeholders here: count each as the longest value it can take.
  const text = JSON.stringify({ Sid: statement.sid, Effect: statement.effect ?? "Allow", Action: statement.actions, Resource: statement.resources });
  return text.replace(/\$\{TfToken\[[^\]]*\]\}/g, "aws-us-gov-123456789012").length;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Statements for `required` on resources named exactly, one per scope (sids `<sidPrefix><Scope>Read`): the
 * plan role's reads of the ci-access stack's own blocks, on its own roles, policies and OIDC providers rather
 * than on a scope's name pattern. A scope `resources` does not name, or names nothing for, throws: a block type
 * added to ci-access reaches the plan role only with its resources named.
 */
export function exactStatements(
  sidPrefix: string,
  required: ReadonlyMap<ScopeName, ReadonlySet<string>>,
  resources: Readonly<Partial<Record<ScopeName, readonly string[]>>>,
): PolicyStatement[] {
  return [...required.keys()].sort().map((scope) => {
    const actions = [...(required.get(scope) ?? [])].sort();
    const named = resources[scope] ?? [];
    if (named.length === 0) {
      throw new Error(
        `ciAccess: ${sidPrefix} needs ${actions.join(", ")} (scope "${scope}") but names no resource for that scope; ` +
          "add the exact ARNs of the stack's own resources of that scope to its own-read resources (stacks/ci-access-stack.ts)",
      );
    }
    return { sid: `${sidPrefix}${capitalize(scope)}Read`, actions, resources: [...named] };
  });
}
