/** The summary every measurement adds its rows to (printed as it goes, written to BENCHMARKS.md at the end), and a run's options. */

/** The options of a whole run (npm run bench -- --runs N --quick --skip-terraform). */
export interface Options {
  readonly runs: number;
  readonly skipTerraform: boolean;
  readonly quick: boolean;
}

/** One line of the summary table. */
export interface Row {
  readonly section: string;
  readonly measure: string;
  readonly value: string;
  readonly goal: string;
  /** true/false where there is a goal, undefined where the figure is context. */
  readonly holds: boolean | undefined;
}

const rows: Row[] = [];

/** Adds one line to the summary and prints it. */
export function row(section: string, measure: string, value: string, goal = "", holds: boolean | undefined = undefined): void {
  rows.push({ section, measure, value, goal, holds });
  const verdict = holds === undefined ? "" : holds ? "  [holds]" : "  [MISSED]";
  console.log(`${section.padEnd(8)} ${measure.padEnd(58)} ${value.padEnd(24)} ${goal}${verdict}`);
}

export function table(headers: readonly string[], lines: readonly (readonly string[])[]): string {
  return [`| ${headers.join(" | ")} |`, `| ${headers.map(() => "---").join(" | ")} |`, ...lines.map((line) => `| ${line.join(" | ")} |`)].join("\n");
}

export function verdict(holds: boolean | undefined): string {
  return holds === undefined ? "" : holds ? "holds" : "**missed**";
}

/** The summary so far, as a Markdown table. */
export function summaryTable(): string {
  return table(
    ["section", "measure", "value", "goal", "verdict"],
    rows.map((line) => [line.section, line.measure, line.value, line.goal, verdict(line.holds)]),
  );
}
