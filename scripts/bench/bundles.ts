/** Bundles: each handler's deployed bundle (bytes, zip as archive_file makes it, module init) against its budget. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleHandler } from "../../stacks/constructs/bundle";
import { directoryEntries, makeZip } from "../shared/zip";
import { kb, measureInit, ms } from "./measure";
import { row } from "./summary";

export interface BundleFigures {
  readonly name: string;
  readonly indexBytes: number;
  readonly mapBytes: number;
  readonly zipBytes: number;
  readonly initMs: number;
  readonly initCpuMs: number;
}

export function benchBundles(): BundleFigures[] {
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

export function reportBundles(figures: readonly BundleFigures[]): void {
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
