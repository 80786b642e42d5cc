/**
 * What every check of `npm run ci:doctor` returns, and the report printed from them: one line per
 * finding, its fix under it, and a closing count.
 */

/** ok: in place; missing: checked and absent or wrong; unchecked: could not be read (no token, no access). */
export type Status = "ok" | "missing" | "unchecked";

export interface Finding {
  /** The ci:doctor step (docs/plan-review.md, "Setup checklist", column "checked by ci:doctor as"). */
  readonly step: number;
  readonly what: string;
  readonly status: Status;
  /** What was found, or why it could not be checked. */
  readonly detail: string;
  /** What to do, when missing or unchecked. */
  readonly fix?: string;
}

/** A check's outcome before it is named: the caller adds step, what and fix. */
export interface Outcome {
  readonly status: Status;
  readonly detail: string;
}

/** Puts a check's outcome under its name, with the fix unless it is ok. */
export function finding(step: number, what: string, fix: string, outcome: Outcome): Finding {
  return { step, what, ...outcome, ...(outcome.status === "ok" ? {} : { fix }) };
}

const MARK: Readonly<Record<Status, string>> = { ok: "ok     ", missing: "MISSING", unchecked: "?      " };

export function report(findings: readonly Finding[], environmentName: string): string {
  const lines = [`CI setup of environment "${environmentName}" (docs/plan-review.md, Setup checklist):`];
  for (const entry of findings) {
    lines.push(`  ${MARK[entry.status]} step ${entry.step}: ${entry.what}: ${entry.detail}`);
    if (entry.status !== "ok" && entry.fix !== undefined) lines.push(`          fix: ${entry.fix}`);
  }
  const missing = findings.filter((entry) => entry.status === "missing").length;
  const unchecked = findings.filter((entry) => entry.status === "unchecked").length;
  const checked = findings.length - unchecked;
  const notChecked = unchecked > 0 ? `; ${unchecked} not checked (marked ?)` : "";
  lines.push(missing === 0 ? `${checked} step(s) checked, all in place${notChecked}.` : `${missing} of ${checked} checked step(s) missing${notChecked}.`);
  return `${lines.join("\n")}\n`;
}

/** The exit code: 1 when a checked step is missing, else 0 (a step that could not be read is not a failure). */
export function exitCode(findings: readonly Finding[]): number {
  return findings.some((entry) => entry.status === "missing") ? 1 : 0;
}
