/** Powertools for AWS Lambda: each package's bytes in the handlers' bundles, and the package alone (bytes, zip, init). */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runWorker, SCHEMA_KEY_PACKAGES } from "../../stacks/constructs/bundle";
import { directoryEntries, makeZip } from "../shared/zip";
import { BENCH_BUILD, kb, measureInit, ms, PROJECT_ROOT } from "./measure";
import { row, table } from "./summary";

const POWERTOOLS_PACKAGES = ["logger", "metrics", "batch", "commons"] as const;

export interface PowertoolsFigure {
  readonly name: string;
  /** Minified bytes of the package's own files inside each handler's index.js (esbuild metafile). */
  readonly inHandler: Readonly<Record<string, number>>;
  /** The package bundled alone (minified, with what it imports): index.js bytes, zip bytes with its map, init median. */
  readonly aloneBytes: number;
  readonly aloneZipBytes: number;
  readonly aloneInitMs: number;
}

/** What each Powertools package costs: its bytes in each handler's bundle, and the package alone (bytes, zip, init). */
export function benchPowertools(): PowertoolsFigure[] {
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

export function reportPowertools(figures: readonly PowertoolsFigure[]): void {
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

export function powertoolsTable(powertools: readonly PowertoolsFigure[]): string {
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
