/** The environments there are (config/environments/), and one synthesized into a folder of its own to plan. */
import { mkdirSync, readdirSync } from "node:fs";
import { CONFIG_DIRECTORY, type AppConfig } from "../../../config";
import { synthesizeApp } from "../../../stacks/synth-output";
import type { StackFormat } from "./stack-file";

/** Every environment with a file in config/environments/, sorted. */
export function listEnvironments(directory = CONFIG_DIRECTORY): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

/** Synthesizes the app for one configuration into `outdir` (created if missing), as JSON or HCL; returns outdir. */
export function synthesize(config: AppConfig, outdir: string, format: StackFormat = "json"): string {
  mkdirSync(outdir, { recursive: true });
  synthesizeApp(config, { outdir, hcl: format === "hcl" });
  return outdir;
}
