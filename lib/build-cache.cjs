// @ts-check
/**
 * The one build-cache helper of the project: the synth bundle (scripts/synth.cjs), the handler bundles
 * (stacks/constructs/bundle.ts) and the offline plan cache (scripts/plan-tier/lib/plan-cache.ts) keep
 * what they built with it. Three parts:
 *
 * - a key: a content hash over a declared list of inputs (values such as tool versions and options, and
 *   files by their bytes), so an entry is found again exactly when every input is unchanged;
 * - a record of the files a build read, when they are known only after it (esbuild's metafile), checked
 *   again by content before the entry is reused;
 * - atomic writes (a temp file beside the target, then rename) and read-or-build: jest's workers and a
 *   synth beside a test run build the same entry at once; each reader sees an old or a new whole file,
 *   never half of one. Two builders of one key both build; the last rename wins, with the same content.
 *
 * Plain CommonJS with no dependency: synth.cjs runs it before anything is compiled (types: build-cache.d.cts).
 */
"use strict";
const { createHash, randomBytes } = require("node:crypto");
const { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");

/** What a missing input hashes to: its absence is part of the key, and its arrival changes it. */
const MISSING = "missing";

/**
 * npm rewrites node_modules/.package-lock.json on every change to node_modules: its hash stands for
 * the thousands of package files a bundle reads (hashing them all took ~150 ms of every synth).
 */
const INSTALLED_LOCKFILE = "node_modules/.package-lock.json";

/** @param {string | Buffer} data */
function sha256(data) {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * The SHA-256 of a file's bytes, or "missing".
 * @param {string} file
 */
function hashFile(file) {
  try {
    return sha256(readFileSync(file));
  } catch {
    return MISSING;
  }
}

/**
 * The key of a declared list of inputs: `values` (JSON, e.g. tool versions and build options) and
 * each file of `files` (paths relative to `root`) by its path and bytes, in the order given. `transform`
 * may mask what is not an input (a port number that changes every run) before a file is hashed.
 * @param {{ root: string, files?: readonly string[], values?: unknown, transform?: (file: string, data: Buffer) => Buffer }} inputs
 */
function inputKey({ root, files = [], values = null, transform }) {
  const hash = createHash("sha256");
  hash.update(`values ${JSON.stringify(values)}\n`);
  for (const file of files) {
    let data;
    try {
      data = readFileSync(join(root, file));
    } catch {
      hash.update(`file ${file} ${MISSING}\n`);
      continue;
    }
    const content = transform === undefined ? data : transform(file, data);
    hash.update(`file ${file} ${content.length}\n`);
    hash.update(content);
  }
  return hash.digest("hex");
}

/**
 * The hash of each file a build read (paths relative to `root`, sorted). Files below node_modules/ are
 * recorded as one, node_modules/.package-lock.json, when npm wrote it; without it (another package
 * manager) each is hashed.
 * @param {string} root
 * @param {readonly string[]} files
 * @returns {Record<string, string>}
 */
function recordInputs(root, files) {
  const lockfile = existsSync(join(root, INSTALLED_LOCKFILE));
  const kept = lockfile ? [...files.filter((file) => !file.startsWith("node_modules/")), INSTALLED_LOCKFILE] : [...files];
  /** @type {Record<string, string>} */
  const inputs = {};
  for (const file of [...new Set(kept)].sort()) inputs[file] = hashFile(join(root, file));
  return inputs;
}

/**
 * Whether every recorded input still has the recorded content.
 * @param {string} root
 * @param {Readonly<Record<string, string>>} inputs
 */
function inputsUnchanged(root, inputs) {
  if (inputs === null || typeof inputs !== "object") return false;
  return Object.entries(inputs).every(([file, hash]) => hashFile(join(root, file)) === hash);
}

/**
 * A JSON file's value, or undefined when it is missing or not JSON.
 * @param {string} file
 * @returns {any}
 */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Writes `data` to a temp file beside `file` (same folder, so the same file system), then renames it
 * over `file`: a reader sees the old whole file or the new one. The folder is created if missing.
 * @param {string} file
 * @param {string | Uint8Array} data
 */
function writeFileAtomic(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, data);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Moves a folder built in `scratch` to `target`, whose name says its content (a hash): when another
 * process placed it first, ours is the same and is removed. Returns whether ours was placed.
 * @param {string} scratch
 * @param {string} target
 */
function placeDirectory(scratch, target) {
  try {
    renameSync(scratch, target);
    return true;
  } catch (error) {
    if (!existsSync(target)) throw error;
    rmSync(scratch, { recursive: true, force: true });
    return false;
  }
}

/**
 * The entry kept in `file`, when it is a JSON object and `current` holds for it (a `current` that throws on
 * an entry of another shape counts as stale).
 * @template T
 * @param {string} file
 * @param {(entry: T) => boolean} current
 * @returns {{ kept: T | undefined, previous: T | undefined }}
 */
function readEntry(file, current) {
  const value = readJson(file);
  /** @type {T | undefined} */
  const previous = value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  if (previous === undefined) return { kept: undefined, previous };
  try {
    return { kept: current(previous) ? previous : undefined, previous };
  } catch {
    return { kept: undefined, previous: undefined };
  }
}

/**
 * The entry kept in `file` when there is one and `current(entry)` holds; else `build(previous)`'s, which is
 * written atomically (nothing is kept when it returns undefined). `previous` is the stale entry, if any.
 * @template T
 * @param {string} file
 * @param {(entry: T) => boolean} current
 * @param {(previous: T | undefined) => T | undefined} build
 * @returns {{ entry: T | undefined, built: boolean }}
 */
function readOrBuild(file, current, build) {
  const { kept, previous } = readEntry(file, current);
  if (kept !== undefined) return { entry: kept, built: false };
  const entry = build(previous);
  if (entry !== undefined) writeFileAtomic(file, JSON.stringify(entry));
  return { entry, built: true };
}

/**
 * readOrBuild with a build that takes time (esbuild's asynchronous API, a terraform plan).
 * @template T
 * @param {string} file
 * @param {(entry: T) => boolean} current
 * @param {(previous: T | undefined) => Promise<T | undefined>} build
 * @returns {Promise<{ entry: T | undefined, built: boolean }>}
 */
async function readOrBuildAsync(file, current, build) {
  const { kept, previous } = readEntry(file, current);
  if (kept !== undefined) return { entry: kept, built: false };
  const entry = await build(previous);
  if (entry !== undefined) writeFileAtomic(file, JSON.stringify(entry));
  return { entry, built: true };
}

module.exports = {
  INSTALLED_LOCKFILE,
  MISSING,
  hashFile,
  inputKey,
  inputsUnchanged,
  placeDirectory,
  readJson,
  readOrBuild,
  readOrBuildAsync,
  recordInputs,
  sha256,
  writeFileAtomic,
};
