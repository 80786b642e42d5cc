/**
 * The tracker Lambda's environment: names, types, defaults and the parse, declared once. The tracker stack
 * writes it with `trackerEnvironment` and the handler reads it with `readConfig`, so a renamed variable
 * or a changed format breaks both at compile time or in the round-trip test, never at run time.
 * Imported by the stack: it imports nothing of the handler's runtime (no SDK, no Powertools).
 */
import { REGION_PATTERN } from "../../aws/regions";
import { ConfigError } from "../../config/errors";
import { DEFAULT_PARAMETER_NAME } from "../../aws/ssm-parameter-name";

/** EMF metric names; their only dimension is `service` (see TRACKER_SERVICE). */
export const METRIC_BUILDS_FAILED = "BuildsFailed";
export const METRIC_PARAMETERS_WRITTEN = "ParametersWritten";
export const METRIC_MESSAGES_SKIPPED = "MessagesSkipped";
export const DEFAULT_METRICS_NAMESPACE = "AmiTracker";
/** Powertools' `service` key and metric dimension, unless POWERTOOLS_SERVICE_NAME says otherwise. */
export const TRACKER_SERVICE = "ami-tracker";

/** The variables, by what they hold. */
export const TRACKER_VARIABLES = {
  serviceName: "POWERTOOLS_SERVICE_NAME",
  parameterTemplate: "PARAMETER_NAME",
  trackedRegions: "TRACKED_REGIONS",
  metricsNamespace: "METRICS_NAMESPACE",
  advancedParameters: "ADVANCED_TIER_PARAMETERS",
} as const;

/** What the handler is configured with (from the environment, see `readConfig`). */
export interface TrackerConfig {
  /** The parameter to write; may contain `{pipeline}` and `{image}`. */
  readonly parameterTemplate: string;
  /** Regions whose AMIs are written. */
  readonly trackedRegions: readonly string[];
  /** The EMF namespace. */
  readonly metricsNamespace: string;
  /**
   * Parameters (resolved names) shared through AWS RAM, written with Tier "Advanced": RAM shares only
   * Advanced parameters. Others are written without a tier (the account's default, Standard), and again
   * with Tier "Advanced" if SSM refuses that as a downgrade of an Advanced parameter (ssm-store.ts).
   */
  readonly advancedParameters: readonly string[];
}

/** The variables that configure the tracker with `config`; ADVANCED_TIER_PARAMETERS only when there are some. */
export function trackerEnvironment(config: TrackerConfig): Record<string, string> {
  return {
    [TRACKER_VARIABLES.serviceName]: TRACKER_SERVICE,
    [TRACKER_VARIABLES.parameterTemplate]: config.parameterTemplate,
    [TRACKER_VARIABLES.trackedRegions]: config.trackedRegions.join(","),
    [TRACKER_VARIABLES.metricsNamespace]: config.metricsNamespace,
    ...(config.advancedParameters.length > 0 ? { [TRACKER_VARIABLES.advancedParameters]: config.advancedParameters.join(",") } : {}),
  };
}

/** Where the Lambda's configuration comes from, as ConfigError names it. */
const ENVIRONMENT = "the function's environment variables";

/**
 * Reads PARAMETER_NAME (@default "/ec2-imagebuilder/latest"), TRACKED_REGIONS (comma-separated;
 * @default the function's own AWS_REGION) and METRICS_NAMESPACE (@default "AmiTracker").
 */
export function readConfig(env: Readonly<Record<string, string | undefined>>): TrackerConfig {
  const parameterTemplate = env.PARAMETER_NAME?.trim() || DEFAULT_PARAMETER_NAME;
  const regionsText = env.TRACKED_REGIONS?.trim() || env.AWS_REGION?.trim() || "";
  const trackedRegions = regionsText
    .split(",")
    .map((region) => region.trim())
    .filter((region) => region.length > 0);
  for (const region of trackedRegions) {
    if (!REGION_PATTERN.test(region)) {
      throw new ConfigError(ENVIRONMENT, [{ path: "TRACKED_REGIONS", message: `"${region}" is not an AWS region (expected e.g. "us-east-1")` }]);
    }
  }
  if (trackedRegions.length === 0) {
    throw new ConfigError(ENVIRONMENT, [{ path: "TRACKED_REGIONS", message: `is empty and AWS_REGION is not set: set TRACKED_REGIONS (e.g. "us-east-1")` }]);
  }
  const metricsNamespace = env.METRICS_NAMESPACE?.trim() || DEFAULT_METRICS_NAMESPACE;
  const advancedParameters = (env.ADVANCED_TIER_PARAMETERS ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  for (const name of advancedParameters) {
    if (!name.startsWith("/") && name.includes("/")) {
      throw new ConfigError(ENVIRONMENT, [
        { path: "ADVANCED_TIER_PARAMETERS", message: `"${name}" is not a parameter name (a name with "/" starts with "/"); list full names, comma-separated` },
      ]);
    }
  }
  return { parameterTemplate, trackedRegions, metricsNamespace, advancedParameters };
}
