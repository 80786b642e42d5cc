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
 * Inputs are the files esbuild read: the project's by content hash; node_modules' as a whole by the
 * content hash of node_modules/.package-lock.json, which npm rewrites on every change to node_modules
 * (without that file, e.g. with another package manager, every node_modules input is hashed too).
 *
 *   node scripts/synth.cjs           # build if stale, then synthesize
 *   node scripts/synth.cjs --build   # build if stale, print the bundle's path, do not synthesize
 *   node scripts/synth.cjs --hcl     # every stack as HCL (cdk.tf, terraform fmt-clean) instead of JSON
 */
"use strict";
const { createHash, randomBytes } = require("node:crypto");
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { dirname, join, relative, sep } = require("node:path");
const vm = require("node:vm");

const ROOT = join(__dirname, "..");
const OUT = join(ROOT, ".build", "synth");
const BUNDLE = join(OUT, "main.js");
const RECORD = join(OUT, "inputs.json");
const LOCKFILE = "node_modules/.package-lock.json";
/** Bump when the build options or the record's meaning change. */
const FORMAT = 1;

/**
 * @typedef {{ key: string, bundleHash: string, inputs: Record<string, string> }} BuildRecord
 */

/** @param {string | Buffer} data */
function sha256(data) {
  return createHash("sha256").update(data).digest("hex");
}

/** @param {string} input a project-relative path */
function hashInput(input) {
  try {
    return sha256(readFileSync(join(ROOT, input)));
  } catch {
    return "missing";
  }
}

function buildKey() {
  const esbuildVersion = JSON.parse(readFileSync(require.resolve("esbuild/package.json", { paths: [ROOT] }), "utf8")).version;
  return sha256(JSON.stringify({ FORMAT, esbuildVersion }));
}

/** @returns {BuildRecord | undefined} the record, when the bundle is current */
function currentRecord() {
  /** @type {BuildRecord} */
  let record;
  try {
    record = JSON.parse(readFileSync(RECORD, "utf8"));
  } catch {
    return undefined;
  }
  if (!existsSync(BUNDLE)) return undefined;
  for (const [input, hash] of Object.entries(record.inputs)) {
    if (hashInput(input) !== hash) return undefined;
  }
  return record.key === buildKey() ? record : undefined;
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

/** Bundles into a private folder and renames into place: concurrent synths never see half a file. */
async function build() {
  /** @type {typeof import("esbuild")} */
  const esbuild = require(require.resolve("esbuild", { paths: [ROOT] }));
  mkdirSync(OUT, { recursive: true });
  const scratch = join(OUT, `.build-${process.pid}-${randomBytes(4).toString("hex")}`);
  const result = await esbuild.build({
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
  });
  const bundleText = readFileSync(join(scratch, "main.js"));
  const bundleHash = sha256(bundleText).slice(0, 16);
  const lockfile = existsSync(join(ROOT, LOCKFILE));
  /** @type {Record<string, string>} */
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs).sort()) {
    if (lockfile && input.startsWith("node_modules/")) continue;
    inputs[input] = hashInput(input);
  }
  if (lockfile) inputs[LOCKFILE] = hashInput(LOCKFILE);
  /** @type {BuildRecord} */
  const record = { key: buildKey(), bundleHash, inputs };
  writeFileSync(join(scratch, "inputs.json"), JSON.stringify(record, null, 1));
  renameSync(join(scratch, "main.js"), BUNDLE);
  renameSync(join(scratch, "inputs.json"), RECORD);
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
        const scratch = `${cacheFile}.${process.pid}`;
        writeFileSync(scratch, script.createCachedData());
        renameSync(scratch, cacheFile);
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

async function main() {
  const record = currentRecord() ?? (await build());
  if (process.argv.includes("--build")) {
    console.log(relative(ROOT, BUNDLE));
    return;
  }
  // cdktf's own switch, as `cdktf synth --hcl` sets it.
  if (process.argv.includes("--hcl")) process.env.SYNTH_HCL_OUTPUT = "true";
  run(record);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
