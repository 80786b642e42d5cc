/**
 * npm run bench: synth, scale, tests, bundles and handlers, each beside its goal; prints a table and
 * writes BENCHMARKS.md. Every synth runs in a fresh process in a scratch folder (the tree's cdktf.out
 * is left alone). No figure here is asserted by `npm test`.
 *
 *   npm run bench                        # everything (the terraform tier takes minutes)
 *   npm run bench -- --skip-terraform    # all but the terraform test tier
 *   npm run bench -- --runs 7 --quick    # more synth runs; --quick: fewer scale points and iterations
 *   npm run bench -- --bundles-only      # bundles, Powertools and SDK clients only; prints, does not write BENCHMARKS.md
 *   npm run bench -- --tier-only [--npm-test] [--root DIR] [--env NAME] [--plan-arg ARG ...]
 *                                        # terraform calls and seconds per stack of plan:offline (scripts/bench/tier.ts)
 */
import { loadavg } from "node:os";
import { listEnvironments } from "../plan-tier/lib/environments";
import { defineCommand, exitWith, processIo, runCommand, UsageError, type CliIo } from "../shared/cli-args.cjs";
import { benchBundles, reportBundles } from "./bundles";
import { benchHandlers, reportHandlers } from "./handlers";
import { describeMachine } from "./measure";
import { benchPowertools, powertoolsTable, reportPowertools } from "./powertools";
import { writeReport } from "./report";
import { benchScale, reportScale } from "./scale";
import { benchSdk, reportSdk, sdkTable } from "./sdk";
import { summaryTable, type Options } from "./summary";
import { benchSynth, reportSynth } from "./synth";
import { benchTests, reportTests } from "./test-tiers";
import { benchTier, formatTier } from "./tier";

const TIER_ONLY_OPTIONS = ["npm-test", "root", "env", "plan-arg"] as const;

export const COMMAND = defineCommand({
  command: "npm run bench --",
  name: "bench",
  summary:
    "Synth, scale, bundle, handler and test-tier benchmarks, each beside its goal: prints a table and writes BENCHMARKS.md " +
    "(the terraform tier takes minutes). Every synth runs in a scratch folder; the tree's cdktf.out is left alone.",
  options: {
    runs: {
      type: "string",
      value: "N",
      description: "synth runs per measure (default 5)",
      check: (value) => (/^[1-9]\d*$/.test(value) ? undefined : "expected a whole number of at least 1, e.g. --runs 7"),
    },
    quick: { type: "boolean", description: "fewer scale points and iterations" },
    "skip-terraform": { type: "boolean", description: "everything but the terraform test tier" },
    "bundles-only": { type: "boolean", description: "bundles, Powertools and SDK clients only; prints, does not write BENCHMARKS.md" },
    "tier-only": { type: "boolean", description: "terraform calls and seconds per stack of plan:offline (scripts/bench/tier.ts); writes nothing" },
    "npm-test": { type: "boolean", description: "with --tier-only: time a whole npm test too" },
    root: { type: "string", value: "DIR", description: "with --tier-only: the project copy to run in (default this one)" },
    env: { type: "string", value: "NAME", description: "with --tier-only: the environment plan:offline plans", choices: () => listEnvironments() },
    "plan-arg": {
      type: "string",
      multiple: true,
      dashValue: true,
      value: "ARG",
      description: "with --tier-only: an option passed to plan:offline, e.g. --plan-arg --own-providers",
    },
  },
});

/** The CLI: one of the three runs (whole, --bundles-only, --tier-only). */
export function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCommand(COMMAND, argv, io, ({ values }) => {
    if (values["tier-only"] !== true) {
      const misplaced = TIER_ONLY_OPTIONS.filter((name) => values[name] !== undefined);
      if (misplaced.length > 0)
        throw new UsageError(
          `${misplaced.map((name) => `--${name}`).join(", ")} ${misplaced.length === 1 ? "applies" : "apply"} only with --tier-only; add --tier-only or leave ${misplaced.length === 1 ? "it" : "them"} out`,
        );
    }
    if (values["tier-only"] === true && values["bundles-only"] === true) throw new UsageError("--tier-only and --bundles-only exclude each other: give one");
    if (values["tier-only"] === true) {
      const started = new Date().toISOString();
      const figures = benchTier({
        ...(values.root !== undefined ? { root: values.root } : {}),
        ...(values.env !== undefined ? { environment: values.env } : {}),
        npmTest: values["npm-test"] === true,
        planArgs: values["plan-arg"] ?? [],
        loadavg,
      });
      io.out(`started ${started}, ended ${new Date().toISOString()}: ${formatTier(figures)}`);
      return 0;
    }
    runBench(
      {
        runs: values.runs !== undefined ? Number.parseInt(values.runs, 10) : 5,
        skipTerraform: values["skip-terraform"] === true,
        quick: values.quick === true,
      },
      values["bundles-only"] === true,
    );
    return 0;
  });
}

/** Everything, or with bundlesOnly the bundles, Powertools and SDK clients (printed, BENCHMARKS.md left alone). */
function runBench(options: Options, bundlesOnly: boolean): void {
  const machine = describeMachine();
  console.log(
    `${machine.date}: ${machine.cores} cores, ${machine.cpuModel}, Node.js ${machine.node}, load ${machine.loadAverage.map((value) => value.toFixed(2)).join(" ")}\n`,
  );
  if (bundlesOnly) {
    reportBundles(benchBundles());
    const powertools = benchPowertools();
    reportPowertools(powertools);
    const sdk = benchSdk();
    reportSdk(sdk);
    const load = loadavg()
      .map((value) => value.toFixed(2))
      .join(" ");
    const summary = summaryTable();
    console.log(`\nload at the end ${load}\n\n${summary}\n\n${powertoolsTable(powertools)}\n\n${sdkTable(sdk)}`);
    return;
  }
  const synth = benchSynth(options);
  reportSynth(synth);
  const scale = benchScale(options);
  reportScale(scale);
  reportBundles(benchBundles());
  const powertools = benchPowertools();
  reportPowertools(powertools);
  const sdk = benchSdk();
  reportSdk(sdk);
  reportHandlers(benchHandlers(options));
  const tests = benchTests(options);
  reportTests(tests);
  writeReport(machine, synth, scale, tests, options, powertools, sdk);
  console.log("\nwritten: BENCHMARKS.md");
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
