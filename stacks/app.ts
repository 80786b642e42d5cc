import { App, TerraformStack } from "cdktf";
import type { AppConfig } from "../config";
import { AmiConsumerStack, type AmiConsumerStackProps } from "./ami-consumer-stack";
import { AmiTrackerStack, type AmiTrackerStackProps } from "./ami-tracker-stack";
import { appStackProps } from "./app-stack";
import { CiAccessStack, type CiAccessStackProps } from "./ci-access-stack";
import { StateBootstrapStack, type StateBootstrapStackProps } from "./state-bootstrap-stack";
import { StorageFirstApiStack, type StorageFirstApiStackProps } from "./storage-first-api-stack";

export interface BuildOptions {
  /** Where synth writes; relative paths resolve against the working directory. @default CDKTF_OUTDIR (set by `cdktf synth --output`), else "cdktf.out" */
  readonly outdir?: string;
}

/** The ami-tracker stack's slice of the configuration. */
export function amiTrackerStackProps(config: AppConfig): AmiTrackerStackProps {
  return { ...appStackProps(config), amiTracker: config.amiTracker, imageBuilder: config.imageBuilder, alarms: config.alarms };
}

/** The ami-consumer stack's slice of the configuration. */
export function amiConsumerStackProps(config: AppConfig): AmiConsumerStackProps {
  return { ...appStackProps(config), amiConsumer: config.amiConsumer };
}

/** The ci-access stack's slice of the configuration. */
export function ciAccessStackProps(config: AppConfig): CiAccessStackProps {
  const { kmsKeyArn } = config.stateBootstrap;
  return { ...appStackProps(config), ciAccess: config.ciAccess, stateBootstrap: kmsKeyArn !== undefined ? { kmsKeyArn } : {} };
}

/** The storage-first-api stack's slice of the configuration. */
export function storageFirstApiStackProps(config: AppConfig): StorageFirstApiStackProps {
  return { ...appStackProps(config), storageFirstApi: config.storageFirstApi };
}

/** The state-bootstrap stack's slice of the configuration. */
export function stateBootstrapStackProps(config: AppConfig): StateBootstrapStackProps {
  return { ...appStackProps(config), stateBootstrap: config.stateBootstrap };
}

/** Every stack of the app, from one validated configuration. */
export function buildApp(config: AppConfig, options: BuildOptions = {}): App {
  // No stack traces in annotations: they hold absolute paths and would make manifest.json differ per machine.
  const app = new App({ ...(options.outdir !== undefined ? { outdir: options.outdir } : {}), skipValidation: false, stackTraces: false });
  if (config.amiTracker.enabled) new AmiTrackerStack(app, amiTrackerStackProps(config));
  if (config.storageFirstApi.enabled) new StorageFirstApiStack(app, storageFirstApiStackProps(config));
  if (config.amiConsumer.enabled) new AmiConsumerStack(app, amiConsumerStackProps(config));
  // The workload stacks are the ones above; state-bootstrap and ci-access are applied by a person (docs/plan-review.md).
  const workloads = app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack);
  if (config.stateBootstrap.enabled) new StateBootstrapStack(app, stateBootstrapStackProps(config));
  // Last: it reads the workload stacks' resource types to grant CI exactly their services.
  if (config.ciAccess.enabled) new CiAccessStack(app, ciAccessStackProps(config), workloads);
  return app;
}
