/** BENCHMARKS.md: the summary and each measurement's own table, with what they measure and how. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { mb, ms, PROJECT_ROOT, type Machine } from "./measure";
import { powertoolsTable, type PowertoolsFigure } from "./powertools";
import type { ScalePoint } from "./scale";
import { SDK_SECTION, sdkTable, type SdkFigure } from "./sdk";
import { summaryTable, table, type Options } from "./summary";
import type { SynthSection } from "./synth";
import type { TestRun } from "./test-tiers";

export function writeReport(
  machine: Machine,
  synth: SynthSection,
  scale: readonly ScalePoint[],
  tests: readonly TestRun[],
  options: Options,
  powertools: readonly PowertoolsFigure[],
  sdk: readonly SdkFigure[],
): void {
  const profile = synth.profile;
  const machineLine =
    `${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGb.toFixed(1)} GB memory, Node.js ${machine.node}; ` +
    `load average at start ${machine.loadAverage.map((value) => value.toFixed(2)).join(" / ")} (1 / 5 / 15 min)`;
  const text = [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (scripts/bench/); nothing here is asserted by `npm test`.",
    "",
    `- Date: ${machine.date}`,
    `- Machine: ${machineLine}`,
    `- Options: ${options.runs} runs per synth variant${options.skipTerraform ? ", terraform tier skipped" : ""}${options.quick ? ", quick" : ""}`,
    "",
    "Wall time on a shared machine depends on what else runs: a load average above the core count means",
    "every process waits for a core. CPU time (user + system) is the steadier figure; both are given.",
    "",
    "## Summary",
    "",
    summaryTable(),
    "",
    "## What Powertools for AWS Lambda costs",
    "",
    "Both handlers use `@aws-lambda-powertools/logger`, `metrics` and `batch` (the tracker: logger and metrics), one pinned version.",
    "\"In the handlers\" is the package's own minified bytes inside each handler's index.js (esbuild's metafile; `commons` is shared by",
    'the three). "Alone" is the package bundled by itself with the handlers\' esbuild options (so with `commons` and whatever else',
    "it imports): its index.js, its zip with the source map as archive_file would make it, and the median of 20 cold",
    "`require`s in a fresh Node.js process. The bundle rows above are the whole handlers, Powertools included.",
    "",
    powertoolsTable(powertools),
    "",
    ...SDK_SECTION,
    "",
    sdkTable(sdk),
    "",
    "## Synth variants",
    "",
    "Each run is a fresh process in an empty scratch folder (its `cdktf.out` is compared with the app's, byte for byte).",
    "",
    table(
      ["variant", "what runs", "wall (median)", "CPU", "peak RSS", "same bytes"],
      synth.results.map((result) => [
        result.variant.name,
        result.variant.description,
        result.series.failure ?? ms(result.series.wallMs),
        ms(result.series.cpuMs),
        mb(result.series.peakRssMb),
        result.sameBytes === undefined ? "" : result.sameBytes ? "yes" : "no",
      ]),
    ),
    "",
    `The first synth after a change to main.ts, config/, stacks/ or node_modules rebuilds .build/synth/ (esbuild, about a second) and writes the code cache; the untimed priming run of this benchmark took ${ms(synth.prime.wallMs)}.`,
    "",
    "The barrel variants are generated into .build/bench/ (gitignored) at run time; no committed file imports the barrel:",
    '`barrel-main.ts` is `import * as aws from "@cdktf/provider-aws"` followed by `import "../../main"`, run by tsx (the app as',
    "CDKTF projects are usually written and run); `barrel-precompiled.cjs` requires the barrel and then scripts/synth.cjs, so its",
    "difference to `npm run synth` is the barrel's import cost alone.",
    "",
    "## Where the time of `npm run synth` goes",
    "",
    profile === undefined
      ? "The CPU profile could not be taken."
      : [
          `One run under \`node --cpu-prof\` (${ms(profile.totalMs)} of samples; profiling adds its own overhead). Inclusive time of the phases:`,
          "",
          table(
            ["function", "inclusive"],
            profile.phases.map(([name, value]) => [`\`${name}\``, ms(value)]),
          ),
          "",
          "Self time by module and by function:",
          "",
          table(
            ["module", "self"],
            profile.byModule.map(([name, value]) => [`\`${name}\``, ms(value)]),
          ),
          "",
          table(
            ["function", "self"],
            profile.byFunction.map(([name, value]) => [`\`${name}\``, ms(value)]),
          ),
        ].join("\n"),
    "",
    "## Scale",
    "",
    "The default configuration with N tracked pipelines (`imageBuilder.pipelines`, parameter `/ec2-imagebuilder/{pipeline}/latest`)",
    "or N API routes (its ten routes repeated under `/vN/...`), validated by parseConfig, built and synthesized in a fresh",
    "process (tsx; peak RSS includes tsx's loader).",
    "",
    table(
      ["kind", "N", "resources", "build", "synth", "total", "peak RSS"],
      scale.map((point) => [
        point.kind,
        String(point.count),
        String(point.resources),
        ms(point.buildMs),
        ms(point.synthMs),
        ms(point.totalMs),
        mb(point.maxRssMb),
      ]),
    ),
    "",
    "## Tests",
    "",
    table(
      ["tier", "wall", "sum of the files' own times", "result"],
      tests.map((test) => [test.tier, test.run === undefined ? "" : ms(test.run.wallMs), ms(test.fileSumMs), test.summary]),
    ),
    "",
    `jest runs max(cores - 1, 1) workers by default: ${machine.cores > 2 ? "several" : "one"} here. The slowest files:`,
    "",
    table(
      ["tier", "file", "wall"],
      tests.flatMap((test) => test.slowest.map(([file, time]) => [test.tier, file, ms(time)])),
    ),
    "",
  ].join("\n");
  writeFileSync(join(PROJECT_ROOT, "BENCHMARKS.md"), text);
}
