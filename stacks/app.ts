import { App } from "cdktf";
import type { AppConfig } from "../config";
import { AmiTrackerStack } from "./ami-tracker-stack";
import { StorageFirstApiStack } from "./storage-first-api-stack";

export interface BuildOptions {
  /** Where synth writes; relative paths resolve against the working directory. @default "cdktf.out" */
  readonly outdir?: string;
}

/** Every stack of the app, from one validated configuration. */
export function buildApp(config: AppConfig, options: BuildOptions = {}): App {
  const app = new App({ outdir: options.outdir ?? "cdktf.out", skipValidation: false });
  if (config.amiTracker.enabled) new AmiTrackerStack(app, config);
  if (config.storageFirstApi.enabled) new StorageFirstApiStack(app, config);
  return app;
}
