/** A field value a log line may carry. */
export type LogValue = string | number | boolean | null | undefined | readonly string[];

/** Extra fields of one log line. `undefined` values are left out. */
export type LogFields = Readonly<Record<string, LogValue>>;

export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVEL_ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where a finished line goes. @default console.log */
export type LogSink = (line: string) => void;

/** A tiny structured logger: one JSON object per line, with the fields it was created with. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. the correlation id). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Fields on every line. @default - none */
  readonly fields?: LogFields;
  /** Lines below this level are dropped. @default "info" */
  readonly level?: LogLevel;
  /** @default console.log */
  readonly sink?: LogSink;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const base = options.fields ?? {};
  const minLevel = LEVEL_ORDER[options.level ?? "info"];
  const sink: LogSink = options.sink ?? ((line) => console.log(line));
  const now = options.now ?? (() => new Date());

  const write = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (LEVEL_ORDER[level] < minLevel) return;
    const line: Record<string, LogValue> = { level, message, timestamp: now().toISOString() };
    for (const [key, value] of Object.entries({ ...base, ...fields })) {
      if (value !== undefined) line[key] = value;
    }
    sink(JSON.stringify(line));
  };

  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}
