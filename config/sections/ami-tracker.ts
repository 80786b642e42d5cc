import type { ConfigReader } from "../reader";
import { joinPath } from "../reader";
import { Defaulted, Flag, keysOf, Matching, Optional, RegionList, RetentionDays, Section, WholeNumber, type Resolved } from "../settings";
import { PARAMETER_NAME_TEMPLATE } from "../patterns";
import { checkLogRetention, checkParameterName, checkRegion } from "../validators";
import { DEFAULT_PARAMETER_NAME } from "../../aws/ssm-parameter-name";
import { LOG_LEVEL_SETTINGS, readLogLevels } from "./lambda-logging";

export { DEFAULT_PARAMETER_NAME };

/** A custom CloudWatch namespace: not AWS's own ("AWS/..."). */
const METRICS_NAMESPACE = /^(?!AWS\/)[A-Za-z0-9_./#:-]{1,255}$/;

/** The latest-AMI tracker: Image Builder -> SNS -> Lambda -> SSM Parameter Store. */
export const AmiTrackerSettings = Section(
  {
    enabled: Defaulted(Flag("Deploy the tracker stack."), true),
    parameterName: Defaulted(Matching(PARAMETER_NAME_TEMPLATE, "The parameter the tracker writes; may hold {pipeline} and {image}."), DEFAULT_PARAMETER_NAME),
    trackedRegions: Optional(RegionList("Regions whose AMIs are written, each to the parameter in that region. Default: [the app's region].")),
    memoryMb: Defaulted(WholeNumber(128, 10240, "Lambda memory (MB); the handler's peak is far below the default."), 128),
    timeoutSeconds: Defaulted(WholeNumber(3, 900, "Lambda timeout (seconds): room for SSM's retries with backoff (about 25 s at worst per region)."), 60),
    logRetentionDays: Defaulted(RetentionDays("Log retention (days), a value CloudWatch Logs accepts."), 30),
    maxRetryAttempts: Defaulted(WholeNumber(0, 2, "Lambda's own retries of a failed asynchronous invocation."), 2),
    maxEventAgeSeconds: Defaulted(WholeNumber(60, 21600, "How long an event may wait for a retry before it goes to the dead-letter queue (seconds)."), 3600),
    reservedConcurrency: Optional(
      WholeNumber(
        1,
        1000,
        "Reserved concurrency. Default: unreserved, since new accounts have a concurrency quota of 10 and reserving any of it fails the deploy there; builds end minutes apart, so bursts do not happen.",
      ),
    ),
    metricsNamespace: Defaulted(Matching(METRICS_NAMESPACE, "CloudWatch namespace of the tracker's metrics (Embedded Metric Format)."), "AmiTracker"),
    ...LOG_LEVEL_SETTINGS,
  },
  "The latest-AMI tracker: Image Builder -> SNS -> Lambda -> SSM Parameter Store.",
);

export type AmiTrackerConfig = Resolved<typeof AmiTrackerSettings, "trackedRegions">;

/** What a reserved concurrency left out means, in the message of a wrong one. */
export const UNRESERVED = "unreserved: leave it out";

export function readAmiTracker(reader: ConfigReader, raw: unknown, defaults: { readonly region: string }): AmiTrackerConfig {
  const path = "amiTracker";
  const settings = AmiTrackerSettings;
  const record = reader.object(raw, path, keysOf(settings));

  const parameterName = reader.read(settings, record, "parameterName", path);
  const nameProblem = checkParameterName(parameterName, { allowPlaceholders: true });
  if (nameProblem) reader.fail(joinPath(path, "parameterName"), nameProblem);

  const trackedRegions = reader.read(settings, record, "trackedRegions", path, { fallback: [defaults.region] });
  if (trackedRegions.length === 0) {
    reader.fail(joinPath(path, "trackedRegions"), `is empty; list at least one region, e.g. ["${defaults.region}"], or leave it out`);
  }
  // A defaulted list holds the app's region, which is checked (and reported) once, at "region".
  if (record["trackedRegions"] !== undefined)
    trackedRegions.forEach((region, index) => {
      const problem = checkRegion(region);
      if (problem) reader.fail(joinPath(joinPath(path, "trackedRegions"), index), problem);
    });
  const duplicates = trackedRegions.filter((region, index) => trackedRegions.indexOf(region) !== index);
  if (duplicates.length > 0) {
    reader.fail(joinPath(path, "trackedRegions"), `lists ${duplicates.join(", ")} twice; list each region once`);
  }

  const logRetentionDays = reader.read(settings, record, "logRetentionDays", path);
  const retentionProblem = checkLogRetention(logRetentionDays);
  if (retentionProblem) reader.fail(joinPath(path, "logRetentionDays"), retentionProblem);

  const reservedConcurrency = reader.read(settings, record, "reservedConcurrency", path, { unset: UNRESERVED });

  const metricsNamespace = reader.read(settings, record, "metricsNamespace", path);
  if (!METRICS_NAMESPACE.test(metricsNamespace)) {
    reader.fail(
      joinPath(path, "metricsNamespace"),
      `"${metricsNamespace}" is not a custom CloudWatch namespace; use letters, digits and . _ - / # :, not starting with "AWS/"`,
    );
  }

  return {
    ...reader.rest(settings, record, path, [
      "parameterName",
      "trackedRegions",
      "logRetentionDays",
      "reservedConcurrency",
      "metricsNamespace",
      "applicationLogLevel",
      "systemLogLevel",
    ]),
    parameterName,
    trackedRegions: [...new Set(trackedRegions)],
    logRetentionDays,
    ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
    metricsNamespace,
    ...readLogLevels(reader, record, path),
  };
}
