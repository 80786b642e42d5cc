/**
 * One pass over a synthesized stack (`stack.toTerraform()`, the object written as cdk.tf.json):
 * every resource and data source as a block, and who references whom, so rules can follow
 * `${aws_x.name.attr}` references without scanning the stack again.
 */
import type { Json, JsonObject, PolicyRead, StackLookup, Statement, SynthesizedBlock } from "./types";

export function isJsonObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as a list: Terraform JSON takes a block as an object or a list of objects. */
export function asList(value: Json | undefined): readonly Json[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value as Json];
}

/** The first object of a block given as an object or a one-element list. */
export function firstBlock(value: Json | undefined): JsonObject | undefined {
  const first = asList(value)[0];
  return isJsonObject(first) ? first : undefined;
}

export function stringsOf(value: Json | undefined): string[] {
  return asList(value).filter((item): item is string => typeof item === "string");
}

/** True for a string that holds a Terraform expression (a reference or a function call). */
export function isExpression(value: Json | undefined): boolean {
  return typeof value === "string" && value.includes("${");
}

const REFERENCE = /(?:^|[^A-Za-z0-9_.])(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)/g;

/** The `type.name` / `data.type.name` addresses named inside the `${...}` spans of a string. */
function addressesIn(text: string, into: Set<string>): void {
  let start = text.indexOf("${");
  while (start >= 0) {
    let depth = 0;
    let end = start + 1;
    for (; end < text.length; end++) {
      const char = text[end];
      if (char === "{") depth++;
      else if (char === "}" && --depth === 0) break;
    }
    const span = text.slice(start + 2, end);
    for (const match of span.matchAll(REFERENCE)) {
      into.add(`${match[1] ?? ""}${match[2] ?? ""}.${match[3] ?? ""}`);
    }
    start = text.indexOf("${", end);
  }
}

function collectAddresses(value: Json | undefined, into: Set<string>): void {
  if (typeof value === "string") {
    if (value.includes("${")) addressesIn(value, into);
  } else if (Array.isArray(value)) {
    for (const item of value) collectAddresses(item, into);
  } else if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value)) if (key !== "//") collectAddresses(item, into);
  }
}

function metadataPath(config: JsonObject): string | undefined {
  const meta = config["//"];
  const inner = isJsonObject(meta) ? meta.metadata : undefined;
  const path = isJsonObject(inner) ? inner.path : undefined;
  return typeof path === "string" ? path : undefined;
}

function scalars(value: Json | undefined): string[] {
  return asList(value)
    .filter((item): item is string | number | boolean => typeof item === "string" || typeof item === "number" || typeof item === "boolean")
    .map(String);
}

/** `{ "Bool": { "aws:SecureTransport": "false" } }` (IAM JSON) -> condition blocks. */
function jsonConditions(value: Json | undefined): Statement["conditions"] {
  if (!isJsonObject(value)) return [];
  return Object.entries(value).flatMap(([test, variables]) =>
    isJsonObject(variables) ? Object.entries(variables).map(([variable, values]) => ({ test, variable, values: scalars(values) })) : [],
  );
}

/** A statement of an IAM JSON policy (`Action`, `Resource`, ...). */
function fromJsonStatement(value: Json): Statement | undefined {
  if (!isJsonObject(value)) return undefined;
  return {
    sid: typeof value.Sid === "string" ? value.Sid : undefined,
    effect: value.Effect === "Deny" ? "Deny" : "Allow",
    actions: stringsOf(value.Action),
    notActions: stringsOf(value.NotAction),
    resources: stringsOf(value.Resource),
    notResources: stringsOf(value.NotResource),
    conditions: jsonConditions(value.Condition),
  };
}

/** A `statement` block of a `data.aws_iam_policy_document`. */
function fromDocumentStatement(value: Json): Statement | undefined {
  if (!isJsonObject(value)) return undefined;
  return {
    sid: typeof value.sid === "string" ? value.sid : undefined,
    effect: value.effect === "Deny" ? "Deny" : "Allow",
    actions: stringsOf(value.actions),
    notActions: stringsOf(value.not_actions),
    resources: stringsOf(value.resources),
    notResources: stringsOf(value.not_resources),
    conditions: asList(value.condition)
      .filter(isJsonObject)
      .map((condition) => ({ test: String(condition.test ?? ""), variable: String(condition.variable ?? ""), values: stringsOf(condition.values) })),
  };
}

/** The statements of an IAM JSON policy document already parsed (`{ Statement: [...] }`). */
export function jsonStatements(document: Json | undefined): Statement[] {
  return isJsonObject(document)
    ? asList(document.Statement)
        .map(fromJsonStatement)
        .filter((s): s is Statement => s !== undefined)
    : [];
}

const DOCUMENT_REFERENCE = /^\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json\}$/;

export class StackIndex implements StackLookup {
  readonly blocks: readonly SynthesizedBlock[];
  private readonly byAddress = new Map<string, SynthesizedBlock>();
  private readonly byType = new Map<string, SynthesizedBlock[]>();
  /** Target address -> the blocks whose configuration names it. */
  private readonly referrers = new Map<string, SynthesizedBlock[]>();

  /** @param synthesized the stack as `stack.toTerraform()` returns it (or cdk.tf.json parsed). */
  constructor(synthesized: JsonObject) {
    const blocks: SynthesizedBlock[] = [];
    for (const kind of ["resource", "data"] as const) {
      const section = synthesized[kind];
      if (!isJsonObject(section)) continue;
      for (const [type, named] of Object.entries(section)) {
        if (!isJsonObject(named)) continue;
        for (const [name, config] of Object.entries(named)) {
          if (!isJsonObject(config)) continue;
          const address = kind === "data" ? `data.${type}.${name}` : `${type}.${name}`;
          blocks.push({ kind, type, name, address, config, path: metadataPath(config) });
        }
      }
    }
    this.blocks = blocks;
    for (const block of blocks) {
      this.byAddress.set(block.address, block);
      if (block.kind === "resource") {
        const list = this.byType.get(block.type) ?? [];
        list.push(block);
        this.byType.set(block.type, list);
      }
      const named = new Set<string>();
      collectAddresses(block.config, named);
      for (const address of named) {
        const list = this.referrers.get(address) ?? [];
        list.push(block);
        this.referrers.set(address, list);
      }
    }
  }

  /** The resources (not data sources) of the stack. */
  get resources(): readonly SynthesizedBlock[] {
    return this.blocks.filter((block) => block.kind === "resource");
  }

  resourcesOfType(type: string): readonly SynthesizedBlock[] {
    return this.byType.get(type) ?? [];
  }

  referencing(target: SynthesizedBlock, type: string): readonly SynthesizedBlock[] {
    return (this.referrers.get(target.address) ?? []).filter((block) => block.type === type);
  }

  referenced(expression: Json | undefined): SynthesizedBlock | undefined {
    if (typeof expression !== "string") return undefined;
    const named = new Set<string>();
    addressesIn(expression, named);
    for (const address of named) {
      const block = this.byAddress.get(address);
      if (block !== undefined) return block;
    }
    return undefined;
  }

  policy(value: Json | undefined): PolicyRead {
    return this.readPolicy(value, 0);
  }

  private readPolicy(value: Json | undefined, depth: number): PolicyRead {
    if (typeof value !== "string" || value.length === 0) return { readable: false, why: "no policy text" };
    const reference = DOCUMENT_REFERENCE.exec(value);
    if (reference !== null) {
      const document = this.byAddress.get(`data.aws_iam_policy_document.${reference[1] ?? ""}`);
      if (document === undefined) return { readable: false, why: `${value} is not in this stack` };
      const statements = asList(document.config.statement)
        .map(fromDocumentStatement)
        .filter((s): s is Statement => s !== undefined);
      const merged = [...statements];
      for (const key of ["source_policy_documents", "override_policy_documents"]) {
        for (const nested of stringsOf(document.config[key])) {
          if (depth > 5) return { readable: false, why: `${document.address}: policy documents nest too deep` };
          const read = this.readPolicy(nested, depth + 1);
          if (!read.readable) return read;
          merged.push(...read.statements);
        }
      }
      return { readable: true, statements: merged, source: document.address };
    }
    if (value.includes("${")) return { readable: false, why: "the policy is a Terraform expression, not a data.aws_iam_policy_document reference" };
    try {
      const parsed = JSON.parse(value) as Json;
      const list = isJsonObject(parsed) ? asList(parsed.Statement) : [];
      const statements = list.map(fromJsonStatement).filter((s): s is Statement => s !== undefined);
      return { readable: true, statements, source: "inline JSON" };
    } catch {
      return { readable: false, why: "the policy is neither JSON nor a policy document reference" };
    }
  }
}
