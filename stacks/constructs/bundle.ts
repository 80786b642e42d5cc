import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { buildSync } from "esbuild";

/** The project folder: bundles are written below it so source map paths are the same on every machine. */
export const PROJECT_ROOT = join(__dirname, "..", "..");

export interface Bundle {
  /** Absolute path of the folder holding index.js and index.js.map. */
  readonly directory: string;
  /** SHA-256 over the bundle's files: the same source gives the same hash on any machine. */
  readonly hash: string;
}

const bundles = new Map<string, Bundle>();

/**
 * Bundles a handler with esbuild (Node.js 22, CommonJS, minified, external source map, AWS SDK
 * included so the code runs against the SDK version it was tested with). Cached per process.
 */
export function bundleHandler(name: string, entry: string): Bundle {
  const cached = bundles.get(entry);
  if (cached) return cached;
  const directory = join(PROJECT_ROOT, ".build", name);
  rmSync(directory, { recursive: true, force: true });
  buildSync({
    entryPoints: [join(PROJECT_ROOT, entry)],
    outfile: join(directory, "index.js"),
    absWorkingDir: PROJECT_ROOT,
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
  });
  normalizeSourceMap(join(directory, "index.js.map"), directory);
  const hash = createHash("sha256");
  for (const file of readdirSync(directory).sort()) {
    hash.update(file).update(readFileSync(join(directory, file)));
  }
  const bundle = { directory, hash: hash.digest("hex").slice(0, 32) };
  bundles.set(entry, bundle);
  return bundle;
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
  const map = JSON.parse(readFileSync(mapFile, "utf8")) as { sources: string[]; sourceRoot?: string };
  map.sources = map.sources.map((source) => {
    const absolute = resolve(directory, source);
    const inModules = absolute.lastIndexOf("/node_modules/");
    return inModules >= 0 ? absolute.slice(inModules + 1) : projectPath(absolute);
  });
  writeFileSync(mapFile, JSON.stringify(map));
}
