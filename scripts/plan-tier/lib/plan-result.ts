/**
 * What terraform printed, read: the shape of the plan JSON the tier keeps, one stack's result, and the
 * streamed lines of `terraform test -json -verbose` read back into a plan, errors and warnings.
 */
import type { StackFormat } from "./stack-file";
import type { ArchiveStandIn, Json } from "./stack-json";

/** The part of `terraform show -json` the tier reads. */
export interface ResourceChange {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly provider_name: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before: Json;
    readonly after: Json;
    readonly after_unknown?: Json;
  };
}

export interface PlanJson {
  readonly format_version: string;
  readonly terraform_version: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly planned_values?: Json;
  readonly output_changes?: Json;
  readonly configuration?: Json;
}

/**
 * "plan" is the one schema-loading command: Terraform's validation (the provider's argument checks
 * included) and the plan both fail there, with Terraform's own message, file and line.
 */
export type Phase = "copy" | "refuse" | "archive" | "init" | "provider" | "plan";

/** Subcommands that load no provider schema; every other one started per stack is counted as a provider load. */
export const SCHEMA_FREE_COMMANDS: ReadonlySet<string> = new Set(["init", "version", "fmt"]);

export interface StackResult {
  /** `<label>/<stack>` when a label was given (e.g. the environment), else the stack name. */
  readonly id: string;
  readonly stack: string;
  readonly ok: boolean;
  /** The stack was planned as an example of a failure (a fixture); its failure is labelled as expected. */
  readonly expectedToFail: boolean;
  /** Which file the stack was synthesized as. */
  readonly format: StackFormat;
  /** The terraform subcommands run for this stack, in order (e.g. ["init", "test"]). */
  readonly terraformCommands: readonly string[];
  /** Where it failed; undefined when it passed. */
  readonly failedPhase?: Phase;
  /** Terraform's own message (or the script's, for a refused data source). */
  readonly error?: string;
  readonly toAdd: number;
  readonly toChange: number;
  readonly toDestroy: number;
  /** Resources whose plan replaces them (delete and create). */
  readonly toReplace: number;
  /** Warning summaries Terraform reported (validation and plan). */
  readonly warnings: readonly string[];
  readonly archiveStandIns: readonly ArchiveStandIn[];
  /** Whether the stack's Step Functions definitions were checked by the local stand-in instead of AWS. */
  readonly sfnStandIn: boolean;
  /** Process id of the shared aws provider the plan used; undefined: terraform started its own (see shared-provider.ts). */
  readonly sharedProviderPid?: number;
  /** When terraform made the plan this result reuses (ISO 8601); undefined: planned in this run (see plan-cache.ts). */
  readonly cachedFrom?: string;
  /** Wall-clock seconds of the whole stack (copy, init, plan). */
  readonly seconds: number;
  readonly phaseSeconds: Readonly<Partial<Record<Phase, number>>>;
  /** The copy that was planned (removed afterwards unless kept). */
  readonly workDirectory: string;
  readonly plan?: PlanJson;
}

export function countActions(changes: readonly ResourceChange[]): { toAdd: number; toChange: number; toDestroy: number; toReplace: number } {
  let toAdd = 0;
  let toChange = 0;
  let toDestroy = 0;
  let toReplace = 0;
  for (const { change } of changes) {
    const actions = change.actions;
    if (actions.includes("create") && actions.includes("delete")) toReplace++;
    else if (actions.includes("create")) toAdd++;
    else if (actions.includes("delete")) toDestroy++;
    else if (actions.includes("update")) toChange++;
  }
  return { toAdd, toChange, toDestroy, toReplace };
}

/** What one `terraform test -json -verbose` run printed: its plan, and its diagnostics as Terraform's human text. */
export interface TestOutput {
  readonly plan?: PlanJson;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

interface Diagnostic {
  readonly severity?: string;
  readonly summary?: string;
  readonly detail?: string;
  readonly range?: { readonly filename?: string; readonly start?: { readonly line?: number } };
  readonly snippet?: { readonly context?: string | null; readonly code?: string };
}

/** Terraform's human form of a diagnostic: `Error: summary`, `on FILE line N, in CONTEXT:`, the code, the detail. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const level = diagnostic.severity === "warning" ? "Warning" : "Error";
  const lines = [`${level}: ${diagnostic.summary ?? ""}`];
  const file = diagnostic.range?.filename;
  const line = diagnostic.range?.start?.line;
  if (file !== undefined && line !== undefined) {
    const context = diagnostic.snippet?.context;
    lines.push("", `  on ${file} line ${line}${context ? `, in ${context}` : ""}:`);
    if (diagnostic.snippet?.code !== undefined) lines.push(`  ${line}: ${diagnostic.snippet.code.trim()}`);
  }
  if (diagnostic.detail) lines.push("", diagnostic.detail);
  return lines.join("\n");
}

/** Reads the streamed JSON lines of `terraform test -json -verbose`. */
export function readTestOutput(stdout: string): TestOutput {
  let plan: PlanJson | undefined;
  let terraformVersion = "";
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    let entry: {
      type?: string;
      terraform?: string;
      diagnostic?: Diagnostic;
      test_plan?: Omit<PlanJson, "format_version" | "terraform_version"> & { plan_format_version?: string; provider_schemas?: unknown };
    };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.type === "version" && typeof entry.terraform === "string") terraformVersion = entry.terraform;
    else if (entry.type === "test_plan" && entry.test_plan) {
      // The schemas of every provider ride along (megabytes); nothing reads them. The two version fields
      // are named as `terraform show -json` names them, so plan:summary reads either.
      const { provider_schemas: _schemas, plan_format_version: formatVersion, ...rest } = entry.test_plan;
      plan = { format_version: formatVersion ?? "", terraform_version: terraformVersion, ...rest };
    } else if (entry.type === "diagnostic" && entry.diagnostic) {
      if (entry.diagnostic.severity === "warning") warnings.push((entry.diagnostic.summary ?? "").trim());
      else errors.push(formatDiagnostic(entry.diagnostic));
    }
  }
  return { ...(plan !== undefined ? { plan } : {}), errors, warnings };
}
