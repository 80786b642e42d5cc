import type { ConfigReader } from "../reader";
import { joinPath } from "../reader";
import { checkLogRetention, checkParameterName, checkRegion } from "../validators";
import { LOG_LEVEL_KEYS, readLogLevels, type LambdaLogLevels } from "./lambda-logging";

/** The latest-AMI tracker: Image Builder -> SNS -> Lambda -> SSM Parameter Store. */
export interface AmiTrackerConfig extends LambdaLogLevels {
  /** Deploy the tracker stack. @default true */
  readonly enabled: boolean;
  /**
   * The parameter the tracker writes; may hold `{pipeline}` and `{image}`.
   * @default "/ec2-imagebuilder/latest"
   */
  readonly parameterName: string;
  /** Regions whose AMIs are written, each to the parameter in that region. @default [the app's region] */
  readonly trackedRegions: readonly string[];
  /** @default 128 (MB); the handler's peak is far below it */
  readonly memoryMb: number;
  /** @default 60 (seconds): room for SSM's retries with backoff (about 25 s at worst per region) */
  readonly timeoutSeconds: number;
  /** @default 30 (days) */
  readonly logRetentionDays: number;
  /** Lambda's own retries of a failed asynchronous invocation (0-2). @default 2 */
  readonly maxRetryAttempts: number;
  /** How long an event may wait for a retry before it goes to the dead-letter queue. @default 3600 (seconds) */
  readonly maxEventAgeSeconds: number;
  /**
   * Reserved concurrency. Unset by default: new accounts have a concurrency quota of 10, and
   * reserving any of it fails the deploy there; builds end minutes apart, so bursts do not happen.
   * @default - unreserved
   */
  readonly reservedConcurrency?: number;
  /** CloudWatch namespace of the tracker's metrics (Embedded Metric Format). @default "AmiTracker" */
  readonly metricsNamespace: string;
}

export const DEFAULT_PARAMETER_NAME = "/ec2-imagebuilder/latest";

const KEYS = [
  "enabled",
  "parameterName",
  "trackedRegions",
  "memoryMb",
  "timeoutSeconds",
  "logRetentionDays",
  "maxRetryAttempts",
  "maxEventAgeSeconds",
  "reservedConcurrency",
  "metricsNamespace",
  ...LOG_LEVEL_KEYS,
] as const;

export function readAmiTracker(reader: ConfigReader, raw: unknown, defaults: { readonly region: string }): AmiTrackerConfig {
  const path = "amiTracker";
  const record = reader.object(raw, path, KEYS);

  const parameterName = reader.string(record, "parameterName", path, DEFAULT_PARAMETER_NAME);
  const nameProblem = checkParameterName(parameterName, { allowPlaceholders: true });
  if (nameProblem) reader.fail(joinPath(path, "parameterName"), nameProblem);

  const trackedRegions = reader.stringArray(record, "trackedRegions", path, [defaults.region]);
  if (trackedRegions.length === 0) {
    reader.fail(joinPath(path, "trackedRegions"), `is empty; list at least one region, e.g. ["${defaults.region}"], or leave it out`);
  }
  // A defaulted list holds the app's region, which is checked (and reported) once, at "region".
  if (record["trackedRegions"] !== undefined) trackedRegions.forEach((region, index) => {
    const problem = checkRegion(region);
    if (problem) reader.fail(joinPath(joinPath(path, "trackedRegions"), index), problem);
  });
  const duplicates = trackedRegions.filter((region, index) => trackedRegions.indexOf(region) !== index);
  if (duplicates.length > 0) {
    reader.fail(joinPath(path, "trackedRegions"), `lists ${duplicates.join(", ")} twice; list each region once`);
  }

  const timeoutSeconds = reader.integer(record, "timeoutSeconds", path, 60, { min: 3, max: 900 });
  const logRetentionDays = reader.integer(record, "logRetentionDays", path, 30, { min: 1, max: 3653 });
  const retentionProblem = checkLogRetention(logRetentionDays);
  if (retentionProblem) reader.fail(joinPath(path, "logRetentionDays"), retentionProblem);

  const reservedConcurrency =
    record["reservedConcurrency"] === undefined
      ? undefined
      : reader.integer(record, "reservedConcurrency", path, 1, { min: 1, max: 1000 });

  const metricsNamespace = reader.string(record, "metricsNamespace", path, "AmiTracker");
  if (!/^[A-Za-z0-9_./#:-]{1,255}$/.test(metricsNamespace) || metricsNamespace.startsWith("AWS/")) {
    reader.fail(joinPath(path, "metricsNamespace"), `"${metricsNamespace}" is not a custom CloudWatch namespace; use letters, digits and . _ - / # :, not starting with "AWS/"`);
  }

  return {
    enabled: reader.boolean(record, "enabled", path, true),
    parameterName,
    trackedRegions: [...new Set(trackedRegions)],
    memoryMb: reader.integer(record, "memoryMb", path, 128, { min: 128, max: 10240 }),
    timeoutSeconds,
    logRetentionDays,
    maxRetryAttempts: reader.integer(record, "maxRetryAttempts", path, 2, { min: 0, max: 2 }),
    maxEventAgeSeconds: reader.integer(record, "maxEventAgeSeconds", path, 3600, { min: 60, max: 21600 }),
    ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
    metricsNamespace,
    ...readLogLevels(reader, record, path),
  };
}
