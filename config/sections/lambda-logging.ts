import type { ConfigReader } from "../reader";
import { joinPath } from "../reader";
import type { TObject } from "@sinclair/typebox";
import { Defaulted, OneOf, type Resolved } from "../settings";

/**
 * A function's log levels, applied by Lambda's advanced logging controls (logging_config, JSON format).
 * Lambda passes the application level to the function as AWS_LAMBDA_LOG_LEVEL, which Powertools' Logger obeys.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
 */
export const APPLICATION_LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const;
export const SYSTEM_LOG_LEVELS = ["DEBUG", "INFO", "WARN"] as const;
export type ApplicationLogLevel = (typeof APPLICATION_LOG_LEVELS)[number];
export type SystemLogLevel = (typeof SYSTEM_LOG_LEVELS)[number];

/** The two settings, for a section's schema (the reader also takes them in lower case). */
export const LOG_LEVEL_SETTINGS = {
  applicationLogLevel: Defaulted(
    OneOf(APPLICATION_LOG_LEVELS, "Lines of the function's own code below this level are dropped (Lambda's JSON log format)."),
    "INFO",
  ),
  systemLogLevel: Defaulted(OneOf(SYSTEM_LOG_LEVELS, "Lambda's platform lines (START, REPORT, ...) below this level are dropped."), "INFO"),
};

/** A function's two log levels, once read. */
export type LambdaLogLevels = Resolved<TObject<typeof LOG_LEVEL_SETTINGS>>;

function level<K extends keyof typeof LOG_LEVEL_SETTINGS, T extends string>(
  reader: ConfigReader,
  record: Record<string, unknown>,
  key: K,
  path: string,
  allowed: readonly T[],
): T {
  const value = reader.string(record, key, path, LOG_LEVEL_SETTINGS[key].default);
  const match = allowed.find((candidate) => candidate === value.toUpperCase());
  if (match === undefined) {
    reader.fail(joinPath(path, key), `"${value}" is not a Lambda log level; use one of ${allowed.join(", ")} (default INFO)`);
    return "INFO" as T;
  }
  return match;
}

export function readLogLevels(reader: ConfigReader, record: Record<string, unknown>, path: string): LambdaLogLevels {
  return {
    applicationLogLevel: level(reader, record, "applicationLogLevel", path, APPLICATION_LOG_LEVELS),
    systemLogLevel: level(reader, record, "systemLogLevel", path, SYSTEM_LOG_LEVELS),
  };
}
