/**
 * The terraform tier's cost: terraform calls per stack (counted by a `terraform` wrapper put first on the
 * PATH, so any version of scripts/plan-tier/offline-plan.ts can be measured, before and after a change), seconds per
 * stack (the script's own summary), and optionally the whole `npm test`.
 *
 *   npm run bench -- --tier-only                         # plan:offline of the default environment, counted
 *   npm run bench -- --tier-only --npm-test              # and time the whole npm test: plans made afresh, then reused
 *   npm run bench -- --tier-only --root /tmp/old-copy    # measure another checkout (e.g. the commit before)
 *   npm run bench -- --tier-only --plan-arg --own-providers  # pass an option to plan:offline (repeatable)
 *
 * `npm test` is timed as a user runs it: without CI the terraform tier plans the covering stacks, with
 * CI=true in the environment every stack (docs/offline-plan.md#which-stacks-the-tier-plans). Without CI it
 * runs twice: first with .build/plan-cache/ emptied (every plan made afresh, as on a first run), then
 * again with what that run kept (a second run with nothing changed: unchanged stacks' plans reused).
 */
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { findTerraform } from "../../stacks/terraform-env";
import { PROJECT_ROOT, runProcess } from "./measure";

/** Subcommands that start no provider (mirrors SCHEMA_FREE_COMMANDS of scripts/plan-tier/lib/plan-result.ts, kept apart so old checkouts can be measured). */
const SCHEMA_FREE = new Set(["init", "version", "fmt"]);

export interface StackCalls {
  /** `<environment>/<stack>`: the last two parts of the folder terraform ran in. */
  readonly stack: string;
  readonly commands: readonly string[];
  /** Commands that load the provider's schema (all but init, version, fmt). */
  readonly loads: number;
}

/** Reads the wrapper's log (`<folder>\t<subcommand>` per call) into calls per stack folder. */
export function callsPerStack(log: string): StackCalls[] {
  const byFolder = new Map<string, string[]>();
  for (const line of log.split("\n")) {
    const [folder, command] = line.split("\t");
    if (!folder || command === undefined) continue;
    const stack = folder.split("/").slice(-2).join("/");
    byFolder.set(stack, [...(byFolder.get(stack) ?? []), command]);
  }
  return [...byFolder.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([stack, commands]) => ({ stack, commands, loads: commands.filter((command) => !SCHEMA_FREE.has(command)).length }));
}

/** Seconds per stack from plan:offline's summary table (`<env>/<stack>  add ... seconds  status`). */
export function secondsPerStack(summary: string): Map<string, number> {
  const seconds = new Map<string, number>();
  for (const line of summary.split("\n")) {
    const match = /^(\S+\/\S+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+([\d.]+)\s+/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) seconds.set(match[1], Number(match[2]));
  }
  return seconds;
}

export interface TierFigures {
  readonly root: string;
  readonly environment: string;
  readonly stacks: readonly (StackCalls & { readonly seconds: number | undefined })[];
  readonly wallMs: number;
  readonly status: number | null;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly planArgs: readonly string[];
  readonly npmTest?: readonly NpmTestRun[];
}

export interface NpmTestRun {
  /** What .build/plan-cache/ held at the start: "emptied" (every plan afresh), "kept" (the previous run's), or "unused" (CI set). */
  readonly planCache: "emptied" | "kept" | "unused";
  /** Entries in .build/plan-cache/ at the end of the run. */
  readonly keptPlans: number;
  readonly wallMs: number;
  readonly status: number | null;
  readonly summary: string;
  readonly ci: boolean;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

export function benchTier(options: {
  root?: string;
  environment?: string;
  npmTest?: boolean;
  planArgs?: readonly string[];
  loadavg: () => number[];
}): TierFigures {
  const root = options.root ?? PROJECT_ROOT;
  const environment = options.environment ?? "default";
  const real = findTerraform();
  if (real === undefined) throw new Error("terraform is not on the PATH: the tier cannot be measured");
  const scratch = mkdtempSync(join(tmpdir(), "bench-tier-"));
  const log = join(scratch, "calls.log");
  writeFileSync(log, "");
  writeFileSync(join(scratch, "terraform"), `#!/bin/sh\nprintf '%s\\t%s\\n' "$PWD" "$1" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(join(scratch, "terraform"), 0o755);
  const env = { ...process.env, PATH: `${scratch}${delimiter}${process.env["PATH"] ?? ""}`, CHECKPOINT_DISABLE: "1" };
  const loadBefore = options.loadavg();
  const planArgs = options.planArgs ?? [];
  const run = runProcess(join(root, "node_modules", ".bin", "tsx"), ["scripts/plan-tier/offline-plan.ts", "--env", environment, ...planArgs], {
    cwd: root,
    env,
    timeoutMs: 30 * 60 * 1000,
  });
  const seconds = secondsPerStack(run.stdout);
  const stacks = callsPerStack(readFileSync(log, "utf8")).map((calls) => ({ ...calls, seconds: seconds.get(calls.stack) }));
  const loadAfter = options.loadavg();
  let npmTest: NpmTestRun[] | undefined;
  if (options.npmTest) {
    const ci = (process.env["CI"] ?? "").trim().toLowerCase();
    const ciSet = !(ci === "" || ci === "false" || ci === "0");
    const cache = join(root, ".build", "plan-cache");
    const kept = (): number => {
      try {
        return readdirSync(cache).length;
      } catch {
        return 0;
      }
    };
    const timeNpmTest = (planCache: NpmTestRun["planCache"]): NpmTestRun => {
      const testLoadBefore = options.loadavg();
      const test = runProcess("npm", ["test"], { cwd: root, env: { ...process.env, CHECKPOINT_DISABLE: "1" }, timeoutMs: 60 * 60 * 1000 });
      const testLoadAfter = options.loadavg();
      const summary = test.stderr
        .split("\n")
        .filter((line) => /^(Tests|Test Suites):/.test(line.trim()))
        .join("; ");
      // The failing tests' names, so a failed run says what failed.
      const failed = [...new Set(test.stderr.split("\n").filter((line) => /^\s+● .+ › /.test(line)))].map((line) => line.trim());
      return {
        planCache,
        keptPlans: kept(),
        wallMs: test.wallMs,
        status: test.status,
        summary: failed.length > 0 ? `${summary}; failed: ${failed.join(" | ")}` : summary,
        ci: ciSet,
        loadBefore: testLoadBefore,
        loadAfter: testLoadAfter,
      };
    };
    if (ciSet) npmTest = [timeNpmTest("unused")];
    else {
      rmSync(cache, { recursive: true, force: true });
      const cold = timeNpmTest("emptied");
      npmTest = [cold, timeNpmTest("kept")];
    }
  }
  rmSync(scratch, { recursive: true, force: true });
  return { root, environment, stacks, wallMs: run.wallMs, status: run.status, loadBefore, loadAfter, planArgs, ...(npmTest ? { npmTest } : {}) };
}

const PLAN_CACHE_WORDS: Readonly<Record<NpmTestRun["planCache"], string>> = {
  emptied: ".build/plan-cache/ emptied first: every plan made afresh, as on a first run (tsc's and jest's caches are kept)",
  kept: "the previous run's plans kept: unchanged stacks' plans reused",
  unused: "no plan reused",
};

export function formatTier(figures: TierFigures): string {
  const lines = figures.stacks.map(
    (stack) => `| ${stack.stack} | ${stack.commands.join(", ")} | ${stack.loads} | ${stack.seconds === undefined ? "?" : stack.seconds.toFixed(1)} |`,
  );
  const measured = figures.stacks.filter((stack) => stack.seconds !== undefined);
  const mean = measured.reduce((sum, stack) => sum + (stack.seconds ?? 0), 0) / Math.max(1, measured.length);
  const load = (values: readonly number[]): string => values.map((value) => value.toFixed(1)).join(" / ");
  return [
    `plan:offline --env ${figures.environment}${figures.planArgs.length > 0 ? ` ${figures.planArgs.join(" ")}` : ""} (${figures.root}), load average (1 / 5 / 15 min) before ${load(figures.loadBefore)}, after ${load(figures.loadAfter)}:`,
    "",
    "| stack | terraform calls | schema loads | seconds |",
    "| --- | --- | --- | --- |",
    ...lines,
    "",
    `${figures.stacks.length} stack(s), ${mean.toFixed(1)} s per stack, ${(figures.wallMs / 1000).toFixed(1)} s wall for the command (exit ${String(figures.status)})`,
    ...(figures.npmTest ?? []).map(
      (test) =>
        `whole npm test${test.ci ? " (CI set: every stack, every plan afresh)" : ` (no CI: the covering stacks; ${PLAN_CACHE_WORDS[test.planCache]})`}: ` +
        `${(test.wallMs / 1000).toFixed(1)} s wall (exit ${String(test.status)}; ${test.summary}); ${test.keptPlans} plans kept at the end; ` +
        `load average before ${load(test.loadBefore)}, after ${load(test.loadAfter)}`,
    ),
  ].join("\n");
}
