/** The tier's lines for people: one per finished stack, and the summary table. */
import type { StackResult } from "./plan-result";

export function formatProgress(result: StackResult): string {
  const phases = (["init", "provider", "plan"] as const)
    .filter((phase) => result.phaseSeconds[phase] !== undefined)
    .map((phase) => `${phase} ${(result.phaseSeconds[phase] ?? 0).toFixed(1)}`)
    .join(", ");
  const status = result.ok
    ? `ok: +${result.toAdd} ~${result.toChange} -${result.toDestroy} ±${result.toReplace}, ${result.warnings.length} warning(s)`
    : `${failureLabel(result)} at ${result.failedPhase ?? "?"}`;
  const standIn =
    (result.archiveStandIns.length > 0 ? `, archive stand-in for ${result.archiveStandIns.length} zip(s)` : "") +
    (result.sfnStandIn ? ", Step Functions definitions checked by the local stand-in" : "");
  if (result.cachedFrom !== undefined) {
    return `[offline-plan] ${result.id}: ${status}${standIn}: unchanged since its plan of ${result.cachedFrom}, reused (${result.seconds.toFixed(1)} s)`;
  }
  return `[offline-plan] ${result.id}: ${status}${standIn} in ${result.seconds.toFixed(1)} s (${phases})`;
}

/**
 * A fixture meant to fail is labelled so in a passing run; one that fails unexpectedly is FAILED, and one
 * meant to fail that passed is flagged by its test, not here (its row says ok).
 */
export function failureLabel(result: Pick<StackResult, "ok" | "expectedToFail">): string {
  return result.expectedToFail ? "failed as expected" : "FAILED";
}

/** The summary table: stack, resources to add, warnings, seconds (plus change/destroy/replace and status). */
export function formatSummary(results: readonly StackResult[]): string {
  const header = ["stack", "add", "change", "destroy", "replace", "warnings", "seconds", "status"];
  const rows = results.map((r) => [
    r.id,
    String(r.toAdd),
    String(r.toChange),
    String(r.toDestroy),
    String(r.toReplace),
    String(r.warnings.length),
    r.seconds.toFixed(1),
    r.ok ? (r.cachedFrom !== undefined ? "ok (plan reused: unchanged)" : "ok") : `${failureLabel(r)} (${r.failedPhase ?? "?"})`,
  ]);
  const total = results.reduce((sum, r) => sum + r.seconds, 0);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  const mean = results.length > 0 ? total / results.length : 0;
  return [
    line(header),
    line(header.map((_, column) => "-".repeat(widths[column] ?? 0))),
    ...rows.map(line),
    `${results.length} stack(s), ${total.toFixed(1)} s of terraform in all, ${mean.toFixed(1)} s per stack`,
  ].join("\n");
}
