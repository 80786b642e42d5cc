/**
 * Logging through Powertools for AWS Lambda's Logger: one JSON object per line with its keys (`level`,
 * `message`, `timestamp`, `service`, `cold_start`, `function_request_id`, `xray_trace_id`, ...). The
 * level comes from Lambda's logging_config (`AWS_LAMBDA_LOG_LEVEL`), else `POWERTOOLS_LOG_LEVEL`, else INFO.
 *
 * The handlers log through `Logger` below: a child carries fields (correlation id, region) without
 * creating a Powertools Logger per record.
 */
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";

/** A field value a log line may carry; an Error is written as `{ name, location, message, stack }`. */
export type LogValue = string | number | boolean | null | undefined | readonly string[] | Error;

/** Extra fields of one log line. `undefined` values are left out. */
export type LogFields = Readonly<Record<string, LogValue>>;

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. the correlation id). */
  child(fields: LogFields): Logger;
}

export { PowertoolsLogger };

/** A Powertools Logger for `serviceName` (`POWERTOOLS_SERVICE_NAME` wins when set, as Powertools documents). */
export function createPowertoolsLogger(serviceName: string): PowertoolsLogger {
  return new PowertoolsLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || serviceName });
}

/** The handlers' Logger over a Powertools Logger, with `fields` on every line. */
export function loggerOver(powertools: PowertoolsLogger, fields: LogFields = {}): Logger {
  const line = (extra: LogFields | undefined): Record<string, LogValue> => ({ ...fields, ...extra });
  return {
    debug: (message, extra) => powertools.debug(message, line(extra)),
    info: (message, extra) => powertools.info(message, line(extra)),
    warn: (message, extra) => powertools.warn(message, line(extra)),
    error: (message, extra) => powertools.error(message, line(extra)),
    child: (extra) => loggerOver(powertools, { ...fields, ...extra }),
  };
}
