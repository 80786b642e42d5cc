/** Tests: the wall time of each jest tier and its slowest files. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, firstLines, ms, runProcess, type ProcessRun } from "./measure";
import { row, type Options } from "./summary";

export interface TestRun {
  readonly tier: string;
  readonly run: ProcessRun | undefined;
  readonly summary: string;
  /** The slowest test files, with their own wall time (jest --json). */
  readonly slowest: readonly (readonly [string, number])[];
  /** The sum of every file's wall time: with one jest worker, about the tier's wall time. */
  readonly fileSumMs: number;
}

interface JestJson {
  readonly testResults: readonly { readonly name: string; readonly startTime: number; readonly endTime: number }[];
}

function fileTimes(file: string): { slowest: [string, number][]; fileSumMs: number } {
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as JestJson;
    const times = json.testResults.map((result): [string, number] => [result.name.slice(result.name.indexOf("__tests__/")), result.endTime - result.startTime]);
    times.sort((a, b) => b[1] - a[1]);
    return { slowest: times.slice(0, 6), fileSumMs: times.reduce((sum, [, time]) => sum + time, 0) };
  } catch {
    return { slowest: [], fileSumMs: Number.NaN };
  }
}

export function benchTests(options: Options): TestRun[] {
  const tiers: TestRun[] = [];
  for (const tier of ["unit", "terraform"]) {
    if (tier === "terraform" && options.skipTerraform) {
      tiers.push({ tier, run: undefined, summary: "skipped (--skip-terraform)", slowest: [], fileSumMs: Number.NaN });
      continue;
    }
    const scratch = mkdtempSync(join(tmpdir(), "bench-jest-"));
    const jsonFile = join(scratch, "results.json");
    const run = runProcess(join(BIN, "jest"), ["--selectProjects", tier, "--json", "--outputFile", jsonFile], { timeoutMs: 30 * 60 * 1000 });
    const { slowest, fileSumMs } = fileTimes(jsonFile);
    rmSync(scratch, { recursive: true, force: true });
    const summary = firstLines(
      run.stderr
        .split("\n")
        .filter((line) => /^(Tests|Test Suites):/.test(line.trim()))
        .join("\n"),
      2,
    );
    tiers.push({ tier, run, summary, slowest, fileSumMs });
  }
  return tiers;
}

export function reportTests(tiers: readonly TestRun[]): void {
  for (const { tier, run, summary } of tiers) {
    if (run === undefined) {
      row("tests", `${tier} tier`, summary);
      continue;
    }
    const value = `${ms(run.wallMs)} (${summary || `exit ${String(run.status)}`})`;
    if (tier === "unit") row("tests", "unit tier: jest --selectProjects unit", value, "< 20 s", run.wallMs < 20_000);
    else row("tests", `${tier} tier: jest --selectProjects ${tier}`, value);
  }
}
