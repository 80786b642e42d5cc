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
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { buildOptions, bundleHandler, runWorker, SCHEMA_KEY_PACKAGES } from "../../stacks/constructs/bundle";
import { directoryEntries, makeZip } from "../shared/zip";
import { describeMachine, firstLines, kb, mb, median, ms, PROJECT_ROOT, runProcess, series, type Machine, type ProcessRun, type Series } from "./measure";
import { summarizeProfile, type ProfileSummary } from "./profile";
import { listEnvironments } from "../plan-tier/lib/environments";
import { defineCommand, exitWith, processIo, runCommand, UsageError, type CliIo } from "../shared/cli-args.cjs";
import { benchTier, formatTier } from "./tier";

interface Options {
  readonly runs: number;
  readonly skipTerraform: boolean;
  readonly quick: boolean;
}

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

/** One line of the summary table. */
interface Row {
  readonly section: string;
  readonly measure: string;
  readonly value: string;
  readonly goal: string;
  /** true/false where there is a goal, undefined where the figure is context. */
  readonly holds: boolean | undefined;
}

const rows: Row[] = [];
function row(section: string, measure: string, value: string, goal = "", holds: boolean | undefined = undefined): void {
  rows.push({ section, measure, value, goal, holds });
  const verdict = holds === undefined ? "" : holds ? "  [holds]" : "  [MISSED]";
  console.log(`${section.padEnd(8)} ${measure.padEnd(58)} ${value.padEnd(24)} ${goal}${verdict}`);
}

const BIN = join(PROJECT_ROOT, "node_modules", ".bin");
const TSX = join(BIN, "tsx");
const SYNTH = join(PROJECT_ROOT, "scripts", "synth.cjs");
const BENCH_BUILD = join(PROJECT_ROOT, ".build", "bench");
/** Built at run time so that no committed file imports the barrel. */
const BARREL = ["@cdktf", "provider-aws"].join("/");

// ---------------------------------------------------------------------------------------------- synth

interface SynthVariant {
  readonly name: string;
  readonly description: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Files to write into the scratch folder first. */
  readonly files?: Readonly<Record<string, string>>;
  readonly runs: number;
}

interface SynthResult {
  readonly variant: SynthVariant;
  readonly series: Series;
  /** Whether its cdk.tf.json files equal the app's own synth, byte for byte. */
  readonly sameBytes: boolean | undefined;
}

function stackFiles(outdir: string): Map<string, string> {
  const files = new Map<string, string>();
  const stacks = join(outdir, "stacks");
  if (!existsSync(stacks)) return files;
  for (const stack of readdirSync(stacks).sort()) files.set(stack, readFileSync(join(stacks, stack, "cdk.tf.json"), "utf8"));
  return files;
}

function sameFiles(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size > 0 && a.size === b.size && [...a].every(([stack, text]) => b.get(stack) === text);
}

function runSynthVariant(variant: SynthVariant, reference: Map<string, string> | undefined): SynthResult {
  let outputs = new Map<string, string>();
  const result = series(variant.runs, () => {
    const scratch = mkdtempSync(join(tmpdir(), "bench-synth-"));
    for (const [name, text] of Object.entries(variant.files ?? {})) writeFileSync(join(scratch, name), text);
    const run = runProcess(variant.command, variant.args, { cwd: scratch, env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
    outputs = stackFiles(join(scratch, "cdktf.out"));
    rmSync(scratch, { recursive: true, force: true });
    return run;
  });
  return { variant, series: result, sameBytes: reference === undefined ? undefined : sameFiles(reference, outputs) };
}

function generateBarrelVariants(): { tsxEntry: string; precompiledEntry: string } {
  mkdirSync(BENCH_BUILD, { recursive: true });
  const tsxEntry = join(BENCH_BUILD, "barrel-main.ts");
  writeFileSync(
    tsxEntry,
    [
      "// Generated by scripts/bench/index.ts: the same app, written the conventional way (every binding loaded through the barrel).",
      `import * as aws from "${BARREL}";`,
      `import "../../main";`,
      'if (Object.keys(aws).length === 0) throw new Error("the barrel exported nothing");',
      "",
    ].join("\n"),
  );
  const precompiledEntry = join(BENCH_BUILD, "barrel-precompiled.cjs");
  writeFileSync(
    precompiledEntry,
    [
      "// Generated by scripts/bench/index.ts: the barrel loaded, then the precompiled app as npm run synth runs it.",
      `const aws = require(${JSON.stringify(BARREL)});`,
      'if (Object.keys(aws).length === 0) throw new Error("the barrel exported nothing");',
      `require(${JSON.stringify(SYNTH)});`,
      "",
    ].join("\n"),
  );
  return { tsxEntry, precompiledEntry };
}

const PHASES = ["loadConfig", "buildApp", "bundleHandler", "synth", "prepareStack", "invokeAspects", "toTerraform", "writeFileSync"];

function profileSynth(): ProfileSummary | undefined {
  const scratch = mkdtempSync(join(tmpdir(), "bench-profile-"));
  const profiles = join(scratch, "profiles");
  const run = runProcess(process.execPath, ["--cpu-prof", "--cpu-prof-dir", profiles, SYNTH], { cwd: scratch });
  const file = existsSync(profiles) ? readdirSync(profiles).find((name) => name.endsWith(".cpuprofile")) : undefined;
  const summary = run.status === 0 && file !== undefined ? summarizeProfile(join(profiles, file), PHASES) : undefined;
  rmSync(scratch, { recursive: true, force: true });
  return summary;
}

interface SynthSection {
  readonly results: readonly SynthResult[];
  readonly prime: ProcessRun;
  readonly profile: ProfileSummary | undefined;
}

function benchSynth(options: Options): SynthSection {
  // Untimed: brings .build/synth (bundle and code cache) and the handler bundles up to date.
  const prime = runProcess(process.execPath, [SYNTH], { cwd: mkdtempSync(join(tmpdir(), "bench-prime-")) });
  const { tsxEntry, precompiledEntry } = generateBarrelVariants();
  const tsconfig = join(PROJECT_ROOT, "tsconfig.json");
  const cliRuns = Math.max(1, Math.min(3, options.runs));
  const variants: SynthVariant[] = [
    {
      name: "app: npm run synth",
      description: "node scripts/synth.cjs: the precompiled bundle, V8 code cache",
      command: process.execPath,
      args: [SYNTH],
      runs: options.runs,
    },
    {
      name: "app: tsx main.ts",
      description: "the same app from its sources, transpiled by tsx on the fly",
      command: TSX,
      args: ["--tsconfig", tsconfig, join(PROJECT_ROOT, "main.ts")],
      runs: options.runs,
    },
    {
      name: "app: cdktf synth",
      description: "node_modules/.bin/cdktf synth, with cdktf.json's app (node scripts/synth.cjs)",
      command: join(BIN, "cdktf"),
      args: ["synth"],
      files: {
        "cdktf.json": JSON.stringify({
          language: "typescript",
          app: `node ${SYNTH}`,
          projectId: "bench",
          sendCrashReports: "false",
          terraformProviders: [],
          terraformModules: [],
          context: {},
        }),
      },
      runs: cliRuns,
    },
    {
      name: "barrel variant: tsx",
      description: `the app as conventionally written and run: import * as aws from the barrel, then main.ts, by tsx`,
      command: TSX,
      args: ["--tsconfig", tsconfig, tsxEntry],
      runs: options.runs,
    },
    {
      name: "barrel variant: precompiled",
      description: "require of the barrel, then scripts/synth.cjs: the import cost alone",
      command: process.execPath,
      args: [precompiledEntry],
      runs: options.runs,
    },
  ];
  const results: SynthResult[] = [];
  let reference: Map<string, string> | undefined;
  for (const variant of variants) {
    if (reference === undefined) {
      const scratch = mkdtempSync(join(tmpdir(), "bench-reference-"));
      runProcess(process.execPath, [SYNTH], { cwd: scratch });
      reference = stackFiles(join(scratch, "cdktf.out"));
      rmSync(scratch, { recursive: true, force: true });
    }
    results.push(runSynthVariant(variant, reference));
  }
  return { results, prime, profile: profileSynth() };
}

function reportSynth(section: SynthSection): void {
  const [app, tsx, cli, barrelTsx, barrelPrecompiled] = section.results;
  for (const result of section.results) {
    const s = result.series;
    const value = s.failure ?? `${ms(s.wallMs)} wall, ${ms(s.cpuMs)} CPU, ${mb(s.peakRssMb)}`;
    const isApp = result === app;
    row(
      "synth",
      `${result.variant.name} (median of ${s.runs.length})${result.sameBytes === false ? " [output differs]" : ""}`,
      value,
      isApp ? "< 1.0 s wall, < 250 MB" : "",
      isApp ? s.failure === undefined && s.wallMs < 1000 && (s.peakRssMb ?? Infinity) < 250 : undefined,
    );
  }
  if (app && barrelTsx)
    row(
      "synth",
      "barrel variant (tsx) / app: wall ratio",
      `${(barrelTsx.series.wallMs / app.series.wallMs).toFixed(1)}x`,
      ">= 4x",
      barrelTsx.series.wallMs / app.series.wallMs >= 4,
    );
  if (app && barrelPrecompiled)
    row(
      "synth",
      "barrel variant (precompiled) / app: wall ratio",
      `${(barrelPrecompiled.series.wallMs / app.series.wallMs).toFixed(1)}x`,
      ">= 4x",
      barrelPrecompiled.series.wallMs / app.series.wallMs >= 4,
    );
  if (app && tsx) row("synth", "tsx main.ts / npm run synth: wall ratio", `${(tsx.series.wallMs / app.series.wallMs).toFixed(1)}x`);
  if (cli) row("synth", "cdktf synth overhead over the app (wall)", ms(cli.series.wallMs - (app?.series.wallMs ?? 0)));
}

// ---------------------------------------------------------------------------------------------- scale

interface ScalePoint {
  readonly kind: "pipelines" | "routes";
  readonly count: number;
  readonly totalMs: number;
  readonly buildMs: number;
  readonly synthMs: number;
  readonly maxRssMb: number;
  readonly resources: number;
}

function benchScale(options: Options): ScalePoint[] {
  const plan: [ScalePoint["kind"], readonly number[]][] = [
    ["pipelines", options.quick ? [1, 10, 100] : [1, 10, 100, 500]],
    ["routes", [10, 50, 200]],
  ];
  const points: ScalePoint[] = [];
  for (const [kind, counts] of plan) {
    for (const count of counts) {
      const run = runProcess(TSX, [join(__dirname, "scale-child.ts"), kind, String(count)]);
      const line = run.stdout.trim().split("\n").pop() ?? "";
      if (run.status !== 0 || !line.startsWith("{")) throw new Error(`scale ${kind} ${count} failed: ${firstLines(run.stderr, 8)}`);
      const parsed = JSON.parse(line) as Omit<ScalePoint, "kind" | "count">;
      points.push({ kind, count, ...parsed });
    }
  }
  return points;
}

/** Cost per added item between consecutive points, and whether it stays flat (no segment above 2x the first). */
function slopes(points: readonly ScalePoint[]): { perItemMs: number[]; perItemMb: number[]; flat: boolean } {
  const perItemMs: number[] = [];
  const perItemMb: number[] = [];
  for (let index = 1; index < points.length; index++) {
    const previous = points[index - 1];
    const current = points[index];
    if (previous === undefined || current === undefined) continue;
    perItemMs.push((current.totalMs - previous.totalMs) / (current.count - previous.count));
    perItemMb.push((current.maxRssMb - previous.maxRssMb) / (current.count - previous.count));
  }
  const first = perItemMs[0] ?? 0;
  const flat = perItemMs.every((slope) => slope <= Math.max(2 * first, first + 2));
  return { perItemMs, perItemMb, flat };
}

function reportScale(points: readonly ScalePoint[]): void {
  for (const kind of ["pipelines", "routes"] as const) {
    const ofKind = points.filter((point) => point.kind === kind);
    for (const point of ofKind)
      row("scale", `${point.count} ${kind} (${point.resources} resources): build + synth`, `${ms(point.totalMs)}, ${mb(point.maxRssMb)}`);
    const { perItemMs, perItemMb, flat } = slopes(ofKind);
    row(
      "scale",
      `cost per added ${kind.slice(0, -1)}, segment by segment`,
      `${perItemMs.map((value) => ms(value)).join(" / ")}; ${perItemMb.map((value) => `${value.toFixed(2)} MB`).join(" / ")}`,
      "flat (no segment > 2x the first)",
      flat,
    );
  }
}

// ---------------------------------------------------------------------------------------------- tests

interface TestRun {
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

function benchTests(options: Options): TestRun[] {
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

function reportTests(tiers: readonly TestRun[]): void {
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

// ---------------------------------------------------------------------------------------------- bundles

interface BundleFigures {
  readonly name: string;
  readonly indexBytes: number;
  readonly mapBytes: number;
  readonly zipBytes: number;
  readonly initMs: number;
  readonly initCpuMs: number;
}

const INIT_PROBE = `
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
require(process.argv[1]);
const used = process.cpuUsage(cpu);
process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6) + " " + String((used.user + used.system) / 1e3));
`;

/** Module init of a bundle: 20 cold `require`s, each in a fresh Node.js process; medians of wall and CPU (user + system) time. */
function measureInit(file: string, env: NodeJS.ProcessEnv, what: string): { wallMs: number; cpuMs: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let run = 0; run < 20; run++) {
    const result = spawnSync(process.execPath, ["-e", INIT_PROBE, file], { env, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`init of ${what} failed: ${firstLines(result.stderr, 6)}`);
    const [wall, cpu] = result.stdout.trim().split(" ").map(Number);
    walls.push(wall ?? Number.NaN);
    cpus.push(cpu ?? Number.NaN);
  }
  return { wallMs: median(walls), cpuMs: median(cpus) };
}

function benchBundles(): BundleFigures[] {
  const figures: BundleFigures[] = [];
  for (const name of ["ami-tracker", "sqs-consumer"]) {
    // The bundle synth writes (built here if a change made it stale).
    const { directory } = bundleHandler(name, `handlers/${name}/index.ts`);
    const zip = makeZip(directoryEntries(directory));
    const env = { ...process.env, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" };
    const init = measureInit(join(directory, "index.js"), env, name);
    figures.push({
      name,
      indexBytes: readFileSync(join(directory, "index.js")).length,
      mapBytes: readFileSync(join(directory, "index.js.map")).length,
      zipBytes: zip.length,
      initMs: init.wallMs,
      initCpuMs: init.cpuMs,
    });
  }
  return figures;
}

/** Budgets of issue 14 (Powertools in both handlers): zip with source maps, and module init. */
const ZIP_BUDGET_KB: Readonly<Record<string, number>> = { "ami-tracker": 300, "sqs-consumer": 280 };
const INIT_BUDGET_MS = 120;

function reportBundles(figures: readonly BundleFigures[]): void {
  for (const bundle of figures) {
    const budget = ZIP_BUDGET_KB[bundle.name] ?? Number.POSITIVE_INFINITY;
    row("bundles", `${bundle.name}: index.js / index.js.map`, `${kb(bundle.indexBytes)} / ${kb(bundle.mapBytes)}`);
    row(
      "bundles",
      `${bundle.name}: zip (deflate, as archive_file, source map included)`,
      kb(bundle.zipBytes),
      `<= ${budget} KB, SDK and Powertools bundled`,
      bundle.zipBytes <= budget * 1024,
    );
    row(
      "bundles",
      `${bundle.name}: module init, require to ready (median of 20)`,
      `${ms(bundle.initMs)} wall, ${ms(bundle.initCpuMs)} CPU`,
      `<= ${INIT_BUDGET_MS} ms`,
      bundle.initMs <= INIT_BUDGET_MS,
    );
  }
}

// ---------------------------------------------------------------------------------------------- powertools

const POWERTOOLS_PACKAGES = ["logger", "metrics", "batch", "commons"] as const;

interface PowertoolsFigure {
  readonly name: string;
  /** Minified bytes of the package's own files inside each handler's index.js (esbuild metafile). */
  readonly inHandler: Readonly<Record<string, number>>;
  /** The package bundled alone (minified, with what it imports): index.js bytes, zip bytes with its map, init median. */
  readonly aloneBytes: number;
  readonly aloneZipBytes: number;
  readonly aloneInitMs: number;
}

/** What each Powertools package costs: its bytes in each handler's bundle, and the package alone (bytes, zip, init). */
function benchPowertools(): PowertoolsFigure[] {
  const esbuild = require("esbuild") as typeof import("esbuild");
  // The handlers' options (stacks/constructs/bundle.ts).
  const base: import("esbuild").BuildOptions = {
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    legalComments: "none",
    mainFields: ["module", "main"],
    logLevel: "error",
    absWorkingDir: PROJECT_ROOT,
  };
  const perHandler = new Map<string, Record<string, number>>();
  for (const handler of ["ami-tracker", "sqs-consumer"]) {
    // Through the handlers' own build (bundle.ts), literal schema keys included.
    const metafile = runWorker({
      options: { ...base, entryPoints: [`handlers/${handler}/index.ts`], outfile: join(BENCH_BUILD, `${handler}.js`), write: false },
      schemaPackages: SCHEMA_KEY_PACKAGES,
    });
    const output = Object.values(metafile.outputs).find((entry) => entry.entryPoint !== undefined);
    const sums: Record<string, number> = {};
    for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
      const match = /node_modules\/@aws-lambda-powertools\/([^/]+)\//.exec(input);
      if (match?.[1] !== undefined) sums[match[1]] = (sums[match[1]] ?? 0) + bytesInOutput;
    }
    perHandler.set(handler, sums);
  }
  mkdirSync(BENCH_BUILD, { recursive: true });
  const env = { ...process.env, AWS_REGION: "us-east-1" };
  return POWERTOOLS_PACKAGES.map((name) => {
    const directory = join(BENCH_BUILD, `powertools-${name}`);
    rmSync(directory, { recursive: true, force: true });
    esbuild.buildSync({
      ...base,
      stdin: { contents: `module.exports = require("@aws-lambda-powertools/${name}");`, resolveDir: PROJECT_ROOT, loader: "js" },
      outfile: join(directory, "index.js"),
      sourcemap: "external",
      sourcesContent: false,
    });
    const init = measureInit(join(directory, "index.js"), env, `@aws-lambda-powertools/${name}`);
    return {
      name: `@aws-lambda-powertools/${name}`,
      inHandler: Object.fromEntries([...perHandler].map(([handler, sums]) => [handler, sums[name] ?? 0])),
      aloneBytes: readFileSync(join(directory, "index.js")).length,
      aloneZipBytes: makeZip(directoryEntries(directory)).length,
      aloneInitMs: init.wallMs,
    };
  });
}

function reportPowertools(figures: readonly PowertoolsFigure[]): void {
  for (const figure of figures) {
    const inHandlers = Object.entries(figure.inHandler)
      .map(([handler, bytes]) => `${handler} ${kb(bytes)}`)
      .join(", ");
    row("powertools", `${figure.name}: in the handlers' index.js`, inHandlers);
    row(
      "powertools",
      `${figure.name}: alone: index.js / zip / init (median of 20)`,
      `${kb(figure.aloneBytes)} / ${kb(figure.aloneZipBytes)} / ${ms(figure.aloneInitMs)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------- sdk

/** The tracker's SDK clients, in the order of the table. */
const SDK_GROUPS = ["@aws-sdk/client-ec2", "@aws-sdk/client-ssm", "@aws-sdk/* (other)", "@smithy/*"] as const;

interface SdkFigure {
  readonly variant: string;
  /** Minified bytes in the tracker's index.js, per SDK_GROUPS entry. */
  readonly groups: Readonly<Record<string, number>>;
  readonly indexBytes: number;
  readonly zipBytes: number;
  readonly initMs: number;
  readonly initCpuMs: number;
}

function sdkGroup(input: string): string | undefined {
  const match = /node_modules\/((@aws-sdk|@smithy)\/[^/]+)\//.exec(input);
  if (match?.[1] === undefined) return undefined;
  if ((SDK_GROUPS as readonly string[]).includes(match[1])) return match[1];
  return match[2] === "@smithy" ? "@smithy/*" : "@aws-sdk/* (other)";
}

/**
 * The tracker built twice with the handlers' options: with literal schema keys (as bundle.ts builds
 * it) and with the SDK's files as published (computed keys, nothing of EC2's schemas dropped).
 */
function benchSdk(): SdkFigure[] {
  const variants = [
    { variant: "literal schema keys (bundle.ts, deployed)", schemaPackages: SCHEMA_KEY_PACKAGES, folder: "tracker-literal-keys" },
    { variant: "computed schema keys (the SDK as published)", schemaPackages: [], folder: "tracker-computed-keys" },
  ];
  const env = { ...process.env, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" };
  return variants.map(({ variant, schemaPackages, folder }) => {
    const directory = join(BENCH_BUILD, folder);
    rmSync(directory, { recursive: true, force: true });
    const metafile = runWorker({
      options: { ...buildOptions("handlers/ami-tracker/index.ts"), absWorkingDir: PROJECT_ROOT, outfile: join(directory, "index.js") },
      schemaPackages,
    });
    const output = Object.values(metafile.outputs).find((entry) => entry.entryPoint !== undefined);
    const groups: Record<string, number> = Object.fromEntries(SDK_GROUPS.map((group) => [group, 0]));
    for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
      const group = sdkGroup(input);
      if (group !== undefined) groups[group] = (groups[group] ?? 0) + bytesInOutput;
    }
    const init = measureInit(join(directory, "index.js"), env, `the tracker (${variant})`);
    return {
      variant,
      groups,
      indexBytes: readFileSync(join(directory, "index.js")).length,
      zipBytes: makeZip(directoryEntries(directory)).length,
      initMs: init.wallMs,
      initCpuMs: init.cpuMs,
    };
  });
}

function reportSdk(figures: readonly SdkFigure[]): void {
  for (const figure of figures) {
    const groups = SDK_GROUPS.map((group) => `${group} ${kb(figure.groups[group] ?? 0)}`).join(", ");
    row(
      "sdk",
      `tracker, ${figure.variant}: index.js / zip / init`,
      `${kb(figure.indexBytes)} / ${kb(figure.zipBytes)} / ${ms(figure.initMs)} wall, ${ms(figure.initCpuMs)} CPU`,
    );
    row("sdk", `tracker, ${figure.variant}: in index.js`, groups);
  }
}

function sdkTable(figures: readonly SdkFigure[]): string {
  return table(
    ["tracker built with", ...SDK_GROUPS, "index.js", "zip (with map)", "init wall / CPU (median of 20)"],
    figures.map((figure) => [
      figure.variant,
      ...SDK_GROUPS.map((group) => kb(figure.groups[group] ?? 0)),
      kb(figure.indexBytes),
      kb(figure.zipBytes),
      `${ms(figure.initMs)} / ${ms(figure.initCpuMs)}`,
    ]),
  );
}

// ---------------------------------------------------------------------------------------------- handlers

interface HandlerFigure {
  readonly name: string;
  readonly cpuMicros: number;
  readonly iterations: number;
  readonly awsCalls: number;
}

function benchHandlers(options: Options): HandlerFigure[] {
  const run = runProcess(TSX, [join(__dirname, "handler-child.ts"), String(options.quick ? 1000 : 5000)]);
  const line = run.stdout.trim().split("\n").pop() ?? "";
  if (run.status !== 0 || !line.startsWith("[")) throw new Error(`handler benchmark failed: ${firstLines(run.stderr, 8)}`);
  return JSON.parse(line) as HandlerFigure[];
}

function reportHandlers(figures: readonly HandlerFigure[]): void {
  for (const figure of figures) {
    const unit = figure.name.startsWith("sqs-consumer") ? "per batch" : "per message";
    row(
      "handler",
      `${figure.name.startsWith("sqs-consumer") ? figure.name : `tracker: ${figure.name}`} (${figure.awsCalls} AWS calls)`,
      `${figure.cpuMicros.toFixed(0)} us CPU ${unit}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------- report

function table(headers: readonly string[], lines: readonly (readonly string[])[]): string {
  return [`| ${headers.join(" | ")} |`, `| ${headers.map(() => "---").join(" | ")} |`, ...lines.map((line) => `| ${line.join(" | ")} |`)].join("\n");
}

function powertoolsTable(powertools: readonly PowertoolsFigure[]): string {
  return table(
    ["package", "ami-tracker index.js", "sqs-consumer index.js", "alone: index.js", "alone: zip", "alone: init"],
    powertools.map((figure) => [
      figure.name,
      kb(figure.inHandler["ami-tracker"] ?? 0),
      kb(figure.inHandler["sqs-consumer"] ?? 0),
      kb(figure.aloneBytes),
      kb(figure.aloneZipBytes),
      ms(figure.aloneInitMs),
    ]),
  );
}

const SDK_SECTION = [
  "## What the AWS SDK clients cost the tracker",
  "",
  "The tracker bundles `@aws-sdk/client-ssm` and `@aws-sdk/client-ec2` (CreateTags, DeleteTags, DescribeImages). Since SDK",
  "3.930.0 each client's generated `schemas_0.js` writes its traits as computed keys (`{ [_xN]: _m }`), which esbuild cannot",
  "prove free of side effects, so it keeps every schema with a trait and what those reference: 481 KB of EC2's 3,728 schemas",
  "(aws/aws-sdk-js-v3#7607). bundle.ts rewrites those keys as the string literals they name (stacks/constructs/bundle-worker.ts,",
  "an esbuild plugin in a child process), and esbuild drops the schemas the tracker never uses. Both builds below use the",
  "handlers' options (written to .build/bench/, so their zips differ from the deployed one by the source map's relative paths);",
  "bytes per package are esbuild's metafile; init as in the bundle rows, wall and CPU (user + system) medians of 20 fresh",
  "processes, both builds in the same minute.",
];

function verdict(holds: boolean | undefined): string {
  return holds === undefined ? "" : holds ? "holds" : "**missed**";
}

function writeReport(
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
    table(
      ["section", "measure", "value", "goal", "verdict"],
      rows.map((line) => [line.section, line.measure, line.value, line.goal, verdict(line.holds)]),
    ),
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
    const summary = table(
      ["section", "measure", "value", "goal", "verdict"],
      rows.map((line) => [line.section, line.measure, line.value, line.goal, verdict(line.holds)]),
    );
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
