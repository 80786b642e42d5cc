/**
 * The arguments a resource change changes, read from `terraform show -json`: each changed leaf by its
 * path (`tags.Env`, `ingress[0].cidr_blocks[1]`), before and after, with sensitive values masked and
 * unknown ones shown as Terraform shows them. Format: https://developer.hashicorp.com/terraform/internals/json-format#change-representation
 * (`before_sensitive`/`after_sensitive` and `after_unknown` mirror the value's shape, `true` marking a
 * sensitive or unknown value and everything below it; `replace_paths` lists the paths that force a replacement).
 */

export const SENSITIVE = "(sensitive)";
export const UNKNOWN = "(known after apply)";
/** A value longer than this is shortened, with a marker saying how much was left out. */
export const VALUE_MAX = 120;

export interface ArgumentChange {
  /** `tags.Env`, `ingress[0].cidr_blocks[1]`, `tags["a b"]`. */
  readonly path: string;
  /** Rendered: JSON for known values, SENSITIVE, UNKNOWN, or undefined when absent (created or removed). */
  readonly before: string | undefined;
  readonly after: string | undefined;
  /** This path (or one above it) is in `replace_paths`. */
  readonly forcesReplacement: boolean;
}

/** The change fields this module reads. */
export interface ValueChange {
  readonly actions: readonly string[];
  readonly before?: unknown;
  readonly after?: unknown;
  readonly after_unknown?: unknown;
  readonly before_sensitive?: unknown;
  readonly after_sensitive?: unknown;
  readonly replace_paths?: readonly unknown[];
}

/** A step into a value: a key, an index, or into the document a JSON string holds (a policy). */
type Segment = string | number | typeof INSIDE_JSON;
const INSIDE_JSON: unique symbol = Symbol("inside JSON");

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function formatPath(path: readonly Segment[]): string {
  let text = "";
  for (const segment of path) {
    if (segment === INSIDE_JSON) text += " (JSON) ";
    else if (typeof segment === "number") text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === "" || text.endsWith(" ") ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The mask below one key or index: `true` covers everything under it. */
function child(mask: unknown, key: Segment): unknown {
  if (mask === true) return true;
  if (Array.isArray(mask) && typeof key === "number") return mask[key];
  if (isObject(mask) && typeof key === "string") return mask[key];
  return undefined;
}

/** Shortens a rendered value to VALUE_MAX characters, saying how many were left out. */
export function shorten(text: string, max = VALUE_MAX): string {
  if (text.length <= max) return text;
  const kept = [...text].slice(0, max).join("");
  return `${kept}… (${text.length - kept.length} more characters)`;
}

function render(value: unknown): string {
  return shorten(JSON.stringify(value) ?? "null");
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0);
}

/** The object or array a string holds as JSON (an IAM policy, a state machine definition), or undefined. */
function jsonDocument(value: unknown): object | undefined {
  if (typeof value !== "string" || !/^\s*[[{]/.test(value)) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function samePath(a: readonly unknown[], b: readonly Segment[]): boolean {
  return a.length <= b.length && a.every((segment, index) => segment === b[index]);
}

interface Side {
  readonly value: unknown;
  readonly sensitive: unknown;
  readonly unknown: unknown;
}

/**
 * The changed leaves between before and after. A sensitive or unknown value is a leaf (nothing below it
 * is read), so no part of a sensitive value reaches the result. For a create, the arguments set (empty
 * and unknown ones left out); for a delete, nothing.
 */
export function changedArguments(change: ValueChange): ArgumentChange[] {
  // The comment renders a section several times to fit GitHub's limit: each change is read once.
  const cached = CACHE.get(change);
  if (cached !== undefined) return [...cached];
  const computed = computeChangedArguments(change);
  CACHE.set(change, computed);
  return [...computed];
}

const CACHE = new WeakMap<ValueChange, readonly ArgumentChange[]>();

function computeChangedArguments(change: ValueChange): ArgumentChange[] {
  const actions = change.actions;
  if (actions.length === 1 && (actions[0] === "delete" || actions[0] === "no-op" || actions[0] === "read")) return [];
  const creating = !actions.includes("update") && actions.includes("create") && !actions.includes("delete");
  const replacePaths = (change.replace_paths ?? []).filter((path): path is unknown[] => Array.isArray(path));
  const results: ArgumentChange[] = [];
  // Computed attributes with no value yet that become unknown: shown only when nothing else changes.
  const pending: ArgumentChange[] = [];
  const visit = (path: Segment[], before: Side, after: Side): void => {
    const beforeSensitive = before.sensitive === true;
    const afterSensitive = after.sensitive === true;
    const afterUnknown = after.unknown === true;
    const bothContainers =
      !beforeSensitive &&
      !afterSensitive &&
      !afterUnknown &&
      ((isObject(before.value) && isObject(after.value)) || (Array.isArray(before.value) && Array.isArray(after.value)));
    // Walk into a container the after side knows, also for a create (before is null there).
    const afterContainer = !afterSensitive && !afterUnknown && (isObject(after.value) || Array.isArray(after.value));
    const nothingBefore = !beforeSensitive && (before.value === undefined || before.value === null);
    if (bothContainers || (afterContainer && nothingBefore)) {
      const keys: Segment[] = Array.isArray(after.value)
        ? Array.from({ length: Math.max(after.value.length, Array.isArray(before.value) ? before.value.length : 0) }, (_, index) => index)
        : [...new Set([...Object.keys(isObject(before.value) ? before.value : {}), ...Object.keys(after.value as Record<string, unknown>)])].sort();
      for (const key of keys) {
        visit(
          [...path, key],
          { value: childValue(before.value, key), sensitive: child(before.sensitive, key), unknown: undefined },
          { value: childValue(after.value, key), sensitive: child(after.sensitive, key), unknown: child(after.unknown, key) },
        );
      }
      return;
    }
    // Two JSON documents (a policy before and after): the changed leaves inside, as Terraform shows them.
    const documents = !creating && !beforeSensitive && !afterSensitive && !afterUnknown ? [jsonDocument(before.value), jsonDocument(after.value)] : [];
    if (documents[0] !== undefined && documents[1] !== undefined && before.value !== after.value) {
      visit(
        [...path, INSIDE_JSON],
        { value: documents[0], sensitive: undefined, unknown: undefined },
        { value: documents[1], sensitive: undefined, unknown: undefined },
      );
      return;
    }
    if (creating) {
      if (afterUnknown || isEmpty(after.value)) return;
    } else {
      const same = !afterUnknown && beforeSensitive === afterSensitive && JSON.stringify(before.value) === JSON.stringify(after.value);
      if (same) return;
      if (afterUnknown && isEmpty(before.value) && !replacePaths.some((replace) => samePath(replace, path))) {
        pending.push({
          path: formatPath(path),
          before: before.value === undefined ? undefined : render(before.value),
          after: UNKNOWN,
          forcesReplacement: false,
        });
        return;
      }
    }
    const show = (side: Side, sensitive: boolean, unknown: boolean): string | undefined => {
      if (sensitive) return SENSITIVE;
      if (unknown) return UNKNOWN;
      return side.value === undefined || (creating && side === before) ? undefined : render(side.value);
    };
    results.push({
      path: formatPath(path),
      before: creating ? undefined : show(before, beforeSensitive, false),
      after: show(after, afterSensitive, afterUnknown),
      forcesReplacement: replacePaths.some((replace) => samePath(replace, path) || samePath(path, replace as Segment[])),
    });
  };
  const before = creating ? undefined : change.before;
  visit(
    [],
    { value: before ?? undefined, sensitive: change.before_sensitive, unknown: undefined },
    {
      value: change.after ?? undefined,
      sensitive: change.after_sensitive,
      unknown: change.after_unknown,
    },
  );
  if (results.length === 0) results.push(...pending);
  // A replacement forced by a path with no changed leaf of its own (a removed block): still say so.
  for (const replace of replacePathsOf(change)) {
    if (!results.some((result) => result.forcesReplacement && (result.path === replace || result.path.startsWith(replace)))) {
      results.push({ path: replace, before: undefined, after: undefined, forcesReplacement: true });
    }
  }
  return results.sort((a, b) => Number(b.forcesReplacement) - Number(a.forcesReplacement));
}

function childValue(value: unknown, key: Segment): unknown {
  if (Array.isArray(value) && typeof key === "number") return value[key];
  if (isObject(value) && typeof key === "string") return value[key];
  return undefined;
}

/** The paths in `replace_paths`, formatted. */
export function replacePathsOf(change: ValueChange): string[] {
  return (change.replace_paths ?? [])
    .filter((path): path is unknown[] => Array.isArray(path))
    .map((path) => formatPath(path.filter((segment): segment is Segment => typeof segment === "string" || typeof segment === "number")));
}
