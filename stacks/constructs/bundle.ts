import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { BuildOptions, Metafile } from "esbuild";
import { inputKey, inputsUnchanged, placeDirectory, readOrBuild, recordInputs } from "../../lib/build-cache.cjs";
import type { BundleRequest } from "./bundle-worker";

/** The project folder: bundles are written below it so source map paths are the same on every machine. */
export const PROJECT_ROOT = join(__dirname, "..", "..");

export interface Bundle {
  /** Absolute path of the folder holding index.js and index.js.map. */
  readonly directory: string;
  /** SHA-256 over the bundle's files: the same source gives the same hash on any machine. */
  readonly hash: string;
}

/** What a bundle was built from: reused only while every input file still has the same content. */
interface BuildRecord {
  readonly key: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly hash: string;
  /** How long the build took, for the next rebuild's progress line. */
  readonly seconds?: number;
}

const bundles = new Map<string, Bundle>();

/**
 * SDK clients whose generated schemas are rewritten with literal keys so that esbuild drops the
 * shapes a handler never sends (bundle-worker.ts says why). The tracker's clients: EC2's schemas are
 * ~480 KB of its bundle otherwise. The consumer's EventBridge client is left as it is, as are the
 * credential chain's SSO clients: their schemas are small and their bundles already within budget.
 */
export const SCHEMA_KEY_PACKAGES: readonly string[] = ["@aws-sdk/client-ec2", "@aws-sdk/client-ssm"];

/**
 * Bundles a handler with esbuild (Node.js 22, CommonJS, minified, external source map, AWS SDK
 * included so the code runs against the SDK version it was tested with). esbuild takes about a
 * second for the SDK, so a bundle is rebuilt only when one of its input files changed
 * (lib/build-cache.cjs: the key, the record of the files esbuild read, atomic writes).
 */
export function bundleHandler(name: string, entry: string): Bundle {
  const cached = bundles.get(entry);
  if (cached) return cached;
  const options = buildOptions(entry);
  const key = bundleKey(options);
  const { entry: record } = readOrBuild<BuildRecord>(
    join(BUILD_ROOT, `${name}.inputs.json`),
    (kept) => kept.key === key && inputsUnchanged(PROJECT_ROOT, kept.inputs) && existsSync(join(bundleDirectory(name, kept.hash), "index.js")),
    (previous) =>
      withProgress(`bundling ${entry}`, previous?.seconds === undefined ? "first build" : `an input changed; the last build took ${previous.seconds} s`, () =>
        build(name, options, key),
      ),
  );
  if (record === undefined) throw new Error(`bundling ${entry} recorded nothing`);
  const bundle = { directory: bundleDirectory(name, record.hash), hash: record.hash };
  bundles.set(entry, bundle);
  return bundle;
}

/** What a handler bundle is built with, besides the files esbuild reads (recorded after each build): the key of its record. */
export function bundleKey(options: BuildOptions, root = PROJECT_ROOT, schemaPackages: readonly string[] = SCHEMA_KEY_PACKAGES): string {
  return inputKey({ root, files: [WORKER_FILE], values: { options, esbuild: esbuildVersion(), schemaPackages } });
}

/**
 * A rebuild takes seconds (esbuild over the AWS SDK, in a child process): says so on stderr before and
 * after. Silent under jest, and under the cdktf CLI, which shows its own spinner and labels stderr [ERROR].
 */
function withProgress<T>(what: string, hint: string, work: () => T, env: NodeJS.ProcessEnv = process.env): T {
  if (env["JEST_WORKER_ID"] !== undefined || env["CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"] !== undefined) return work();
  const started = Date.now();
  process.stderr.write(`${what} (${hint})...\n`);
  const result = work();
  process.stderr.write(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}

const BUILD_ROOT = join(PROJECT_ROOT, ".build");

/** A finished bundle's folder is named after its hash, so it is never rewritten once there. */
function bundleDirectory(name: string, hash: string): string {
  return join(BUILD_ROOT, `${name}-${hash}`);
}

/** The esbuild options of every handler bundle (the bench builds its variants from them too). */
export function buildOptions(entry: string): BuildOptions {
  return {
    entryPoints: [relative(PROJECT_ROOT, join(PROJECT_ROOT, entry))],
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    sourcemap: "external",
    sourcesContent: false,
    legalComments: "none",
    mainFields: ["module", "main"],
    logLevel: "error",
  };
}

/**
 * Builds into a private folder, then renames it into place: two processes synthesizing at once
 * (jest's workers, a synth beside a test run) never see each other's half-written files. Returns the
 * record, which readOrBuild writes.
 */
function build(name: string, options: BuildOptions, key: string): BuildRecord {
  const started = Date.now();
  const scratch = join(BUILD_ROOT, `.${name}-${process.pid}-${randomBytes(4).toString("hex")}`);
  const metafile = runWorker({
    options: { ...options, outfile: join(scratch, "index.js"), absWorkingDir: PROJECT_ROOT },
    schemaPackages: SCHEMA_KEY_PACKAGES,
  });
  normalizeSourceMap(join(scratch, "index.js.map"), scratch);
  const hash = createHash("sha256");
  for (const file of readdirSync(scratch).sort()) {
    hash.update(file).update(readFileSync(join(scratch, file)));
  }
  const bundleHash = hash.digest("hex").slice(0, 32);
  // Another process may have placed the same bundle first: same hash, same bytes.
  placeDirectory(scratch, bundleDirectory(name, bundleHash));
  const inputs = recordInputs(PROJECT_ROOT, Object.keys(metafile.inputs));
  return { key, inputs, hash: bundleHash, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

const WORKER_FILE = "stacks/constructs/bundle-worker.ts";
const WORKER_SOURCE = join(PROJECT_ROOT, WORKER_FILE);

/**
 * Compiles bundle-worker.ts into .build/ (where it finds esbuild in node_modules) and runs it with this
 * Node.js, synchronously: esbuild's plugins need its asynchronous API. Each build compiles its own
 * worker file and removes it after.
 */
export function runWorker(request: BundleRequest): Metafile {
  // Loaded here, not at the top: a synth whose bundles are current never starts esbuild.
  const esbuild = require("esbuild") as typeof import("esbuild");
  const workerFile = join(BUILD_ROOT, `.worker-${process.pid}-${randomBytes(4).toString("hex")}.cjs`);
  esbuild.buildSync({
    entryPoints: [WORKER_SOURCE],
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile: workerFile,
    logLevel: "error",
  });
  try {
    const output = execFileSync(process.execPath, [workerFile], {
      cwd: PROJECT_ROOT,
      input: JSON.stringify(request),
      maxBuffer: 64 * 1024 * 1024,
      stdio: "pipe",
    });
    return JSON.parse(output.toString("utf8")) as Metafile;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString("utf8").trim();
    throw new Error(`esbuild failed for ${projectPath(String(request.options.outfile))}: ${stderr || String(error)}`);
  } finally {
    rmSync(workerFile, { force: true });
  }
}

function esbuildVersion(): string {
  return (JSON.parse(readFileSync(require.resolve("esbuild/package.json"), "utf8")) as { version: string }).version;
}

/** For messages: a path relative to the project, never the machine's absolute path. */
export function projectPath(absolute: string): string {
  return relative(PROJECT_ROOT, absolute).split("\\").join("/");
}

/**
 * esbuild writes each source relative to the bundle; where node_modules is a link (pnpm, a CI cache)
 * that path names the machine's folders. Rewrite every source as "node_modules/..." or project-relative.
 */
function normalizeSourceMap(mapFile: string, directory: string): void {
  const map = JSON.parse(readFileSync(mapFile, "utf8")) as { sources: string[] };
  map.sources = map.sources.map((source) => {
    const absolute = resolve(directory, source);
    const inModules = absolute.lastIndexOf("/node_modules/");
    return inModules >= 0 ? absolute.slice(inModules + 1) : projectPath(absolute);
  });
  writeFileSync(mapFile, JSON.stringify(map));
}
