#!/usr/bin/env node
// @ts-check
/**
 * The precompiled synth: `npm run synth` and cdktf.json's `app` run this with plain node.
 *
 * main.ts with config/, stacks/ and the node_modules they import (cdktf, constructs, the provider
 * bindings' deep modules) is bundled by esbuild into one CommonJS file, .build/synth/main.js, and run
 * with a V8 code cache beside it. Both are rebuilt only when an input changed, so a synth neither
 * transpiles TypeScript nor resolves ~430 modules nor parses ~9 MB of JavaScript again.
 * `npx tsx main.ts` does the same synth from the sources (same bytes out): it is what the tests run.
 *
 * Inputs are this file and esbuild's version (the key), and the files esbuild read (recorded after each
 * build): the project's by content hash; node_modules' as a whole by the content hash of
 * node_modules/.package-lock.json, which npm rewrites on every change to node_modules (without that
 * file, e.g. with another package manager, every node_modules input is hashed too). The cache helper
 * is lib/build-cache.cjs, which stacks/constructs/bundle.ts and the plan tier use too.
 *
 *   node scripts/synth.cjs            # build if stale, then synthesize
 *   node scripts/synth.cjs --env NAME # config/environments/NAME.json (the same as APP_ENV=NAME)
 *   node scripts/synth.cjs --build    # build if stale, print the bundle's path, do not synthesize
 *   node scripts/synth.cjs --hcl      # every stack as HCL (cdk.tf, terraform fmt-clean) instead of JSON
 *   node scripts/synth.cjs --help     # the options; nothing is built or written
 */
"use strict";
const { randomBytes } = require("node:crypto");
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } = require("node:fs");
const Module = require("node:module");
const { dirname, join, relative, sep } = require("node:path");
const vm = require("node:vm");
const { inputKey, inputsUnchanged, readOrBuildAsync, recordInputs, sha256, writeFileAtomic } = require("../lib/build-cache.cjs");
const { defineCommand, runMain } = require("./shared/cli-args.cjs");

const ROOT = join(__dirname, "..");
const OUT = join(ROOT, ".build", "synth");
const BUNDLE = join(OUT, "main.js");
const RECORD = join(OUT, "inputs.json");

/**
 * @typedef {{ key: string, bundleHash: string, inputs: Record<string, string>, seconds?: number }} BuildRecord
 */

/** The key of the build: this file (its build options) and esbuild's version; the files esbuild reads are recorded apart. */
function buildKey() {
  const esbuildVersion = JSON.parse(readFileSync(require.resolve("esbuild/package.json", { paths: [ROOT] }), "utf8")).version;
  return inputKey({ root: ROOT, files: ["scripts/synth.cjs"], values: { esbuildVersion } });
}

/**
 * The record of the current bundle: kept while the key and every recorded input are unchanged, else built.
 * @returns {Promise<BuildRecord>}
 */
async function currentRecord() {
  const key = buildKey();
  /** @type {{ entry: BuildRecord | undefined }} */
  const { entry } = await readOrBuildAsync(
    RECORD,
    /** @param {BuildRecord} record */ (record) => record.key === key && existsSync(BUNDLE) && inputsUnchanged(ROOT, record.inputs),
    /** @param {BuildRecord | undefined} previous */ (previous) => build(key, previous),
  );
  if (entry === undefined) throw new Error(`synth: building ${relative(ROOT, BUNDLE)} recorded nothing`);
  return entry;
}

/**
 * esbuild leaves `__dirname` as the bundle's folder; each source's `__dirname` becomes its own folder
 * again (config/ finds environments/, stacks/constructs/ finds the project root).
 * @type {import("esbuild").Plugin}
 */
const sourceDirname = {
  name: "source-dirname",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const folder = relative(OUT, dirname(args.path)).split(sep).join("/");
      const source = readFileSync(args.path, "utf8");
      return { contents: source.replace(/\b__dirname\b/g, `require("node:path").join(__dirname, ${JSON.stringify(folder)})`), loader: "ts" };
    });
  },
};

/**
 * Says on stderr what is taking time once it has taken a second, and how long it took at the end; silent
 * under jest and under the cdktf CLI (which shows its own spinner and labels stderr [ERROR]).
 * @param {string} what
 * @param {string} hint
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 * @template T
 */
async function withProgress(what, hint, work) {
  if (process.env.JEST_WORKER_ID !== undefined || process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== undefined) return work();
  const started = Date.now();
  let shown = false;
  const timer = setTimeout(() => {
    shown = true;
    process.stderr.write(`${what} (${hint})...\n`);
  }, 1000);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
    if (shown) process.stderr.write(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

/**
 * Bundles into a private folder and renames into place: concurrent synths never see half a file. Returns
 * the record, which readOrBuildAsync writes after the bundle is in place.
 * @param {string} key
 * @param {BuildRecord | undefined} previous
 * @returns {Promise<BuildRecord>}
 */
async function build(key, previous) {
  /** @type {typeof import("esbuild")} */
  const esbuild = require(require.resolve("esbuild", { paths: [ROOT] }));
  mkdirSync(OUT, { recursive: true });
  const scratch = join(OUT, `.build-${process.pid}-${randomBytes(4).toString("hex")}`);
  const started = Date.now();
  // Measured from an empty .build/ on a busy 2-core machine: ~6 s for this bundle, ~10 s and ~4 s for the two handlers.
  const hint =
    previous?.seconds === undefined
      ? "first synth: this and the Lambda handlers take ~25 s, once"
      : `a source changed; the last build took ${previous.seconds} s`;
  const result = await withProgress("bundling the synth app (main.ts and its imports)", hint, () =>
    esbuild.build({
      entryPoints: [join(ROOT, "main.ts")],
      absWorkingDir: ROOT,
      outfile: join(scratch, "main.js"),
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      // Loaded lazily by stacks/constructs/bundle.ts, and native: stays a require of node_modules.
      external: ["esbuild"],
      legalComments: "none",
      logLevel: "error",
      metafile: true,
      plugins: [sourceDirname],
    }),
  );
  const bundleText = readFileSync(join(scratch, "main.js"));
  const bundleHash = sha256(bundleText).slice(0, 16);
  /** @type {BuildRecord} */
  const record = { key, bundleHash, inputs: recordInputs(ROOT, Object.keys(result.metafile.inputs)), seconds: Math.round((Date.now() - started) / 100) / 10 };
  renameSync(join(scratch, "main.js"), BUNDLE);
  rmSync(scratch, { recursive: true, force: true });
  // Code caches of earlier bundles are never valid again.
  for (const file of readdirSync(OUT)) {
    if (file.endsWith(".v8cache") && !file.startsWith(`main-${bundleHash}-`)) rmSync(join(OUT, file), { force: true });
  }
  return record;
}

/**
 * Runs the bundle as a CommonJS module, with V8's code cache: compiled functions are kept in
 * main-<bundle hash>-<node version>.v8cache after the first run, so later runs skip most parsing.
 * @param {BuildRecord} record
 */
function run(record) {
  const cacheFile = join(OUT, `main-${record.bundleHash}-${process.version}-${process.arch}.v8cache`);
  const source = readFileSync(BUNDLE, "utf8");
  /** @type {Buffer | undefined} */
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: BUNDLE, cachedData });
  if (cachedData === undefined || script.cachedDataRejected === true) {
    // After the synth, so the cache also holds the functions it compiled lazily.
    process.once("exit", () => {
      try {
        writeFileAtomic(cacheFile, script.createCachedData());
      } catch {
        // A read-only checkout: the next run compiles again, nothing else changes.
      }
    });
  }
  const bundleModule = new Module(BUNDLE, module);
  bundleModule.filename = BUNDLE;
  bundleModule.paths = module.paths;
  const bundleRequire = Module.createRequire(BUNDLE);
  script.runInThisContext()(bundleModule.exports, bundleRequire, bundleModule, BUNDLE, OUT);
}

/** The environments there are: config/environments/*.json, read only when --env is given. */
function environments() {
  return readdirSync(join(ROOT, "config", "environments"))
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

const COMMAND = defineCommand({
  command: "npm run synth --",
  name: "synth",
  summary:
    "Synthesizes every stack of one environment into cdktf.out/stacks/<stack>/ (CDKTF_OUTDIR moves it); stack folders of an " +
    "earlier synth that this one lacks are removed. The rule pack prints one line per stack; its failures go to stderr.",
  options: {
    env: {
      type: "string",
      value: "NAME",
      description: "synthesize config/environments/NAME.json (the same as APP_ENV=NAME; default: APP_ENV, else default)",
      choices: environments,
    },
    hcl: { type: "boolean", description: "write each stack as HCL (cdk.tf, terraform fmt-clean) instead of cdk.tf.json" },
    build: { type: "boolean", description: "only build the synth bundle if stale and print its path; synthesize nothing" },
    verbose: { type: "boolean", short: "v", description: "print every rule pack finding, acknowledged ones included, not only the summary" },
  },
  notes: "npm run synth:hcl is npm run synth -- --hcl. Bundles are cached in .build/: a first synth builds them (progress on stderr).",
});

runMain(COMMAND, async ({ values }) => {
  if (typeof values.env === "string") process.env.APP_ENV = values.env;
  // Read by the rule pack (stacks/rules/rule-pack.ts) in the bundle.
  if (values.verbose === true) process.env.RULE_PACK_VERBOSE = "1";
  const record = await currentRecord();
  if (values.build === true) {
    console.log(relative(ROOT, BUNDLE));
    return 0;
  }
  // cdktf's own switch, as `cdktf synth --hcl` sets it.
  if (values.hcl === true) process.env.SYNTH_HCL_OUTPUT = "true";
  run(record);
  return process.exitCode === undefined ? 0 : Number(process.exitCode);
});
