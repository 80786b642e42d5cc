import type { Static, TObject, TProperties, TSchema } from "@sinclair/typebox";
import type { ConfigProblem } from "./errors";
import type { Resolved } from "./settings";

/** What reading a setting gives: always a value when the schema has a default or a fallback is given. */
type Read<S extends TSchema, Given> = [Given] extends [undefined] ? (S extends { readonly default: unknown } ? Static<S> : Static<S> | undefined) : Static<S>;

interface ReadOptions<T> {
  /** The default when it depends on other settings (the schema then has none). */
  readonly fallback?: T;
  /** What leaving the setting out means, for settings with no default value (e.g. "unreserved"). */
  readonly unset?: string;
}

/** Reads untyped JSON field by field, collecting every problem instead of stopping at the first. */
export class ConfigReader {
  readonly problems: ConfigProblem[] = [];

  fail(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /**
   * One setting of `section`, read as its schema says: its type, range and default come from there,
   * and a wrong value gets the same message for every setting of that type.
   */
  read<P extends TProperties, K extends keyof P & string, G extends Static<P[K]> | undefined = undefined>(
    section: TObject<P>,
    record: Record<string, unknown>,
    key: K,
    path: string,
    options: ReadOptions<G> = {},
  ): Read<P[K], G> {
    const schema = section.properties[key] as TSchema & { readonly default?: unknown; readonly minimum?: number; readonly maximum?: number };
    const fallback = (options.fallback ?? schema.default) as never;
    switch (schema["type"]) {
      case "integer":
        return this.integer(record, key, path, fallback, { min: schema.minimum ?? 0, max: schema.maximum ?? Number.MAX_SAFE_INTEGER }, options.unset) as never;
      case "boolean":
        return this.boolean(record, key, path, fallback) as never;
      case "array":
        return this.stringArray(record, key, path, fallback ?? []) as never;
      case "object":
        return this.stringMap(record, key, path) as never;
      default:
        return (fallback === undefined ? this.optionalString(record, key, path) : this.string(record, key, path, fallback)) as never;
    }
  }

  /**
   * Every setting of `section` but the `handled` ones, read as `read` reads each (type, range, default
   * from the schema): a setting that needs no check of its own is read here, so adding one to the
   * schema is the whole change. Only for scalar and list settings.
   */
  rest<P extends TProperties, H extends keyof P & string>(
    section: TObject<P>,
    record: Record<string, unknown>,
    path: string,
    handled: readonly H[],
  ): Resolved<TObject<Omit<P, H>>> {
    const values: Record<string, unknown> = {};
    for (const key of Object.keys(section.properties)) {
      if ((handled as readonly string[]).includes(key)) continue;
      const schema = section.properties[key] as TSchema & { readonly properties?: unknown; readonly items?: { readonly type?: unknown } };
      if (schema.properties !== undefined || schema.items?.type === "object") {
        throw new Error(`${joinPath(path, key)}: a nested section is read by its own read function; list "${key}" as handled`);
      }
      const value: unknown = this.read(section, record, key, path);
      if (value !== undefined) values[key] = value;
    }
    return values as Resolved<TObject<Omit<P, H>>>;
  }

  /** An object at `path`; `undefined` stands for `{}` so that every section may be left out. */
  object(value: unknown, path: string, allowedKeys: readonly string[]): Record<string, unknown> {
    if (value === undefined) return {};
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.fail(path, `${describe(value)} is not an object; write it as { ... } or leave it out for the defaults`);
      return {};
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowedKeys.includes(key)) {
        this.fail(joinPath(path, key), `unknown setting; expected one of: ${allowedKeys.join(", ")}`);
      }
    }
    return record;
  }

  string(record: Record<string, unknown>, key: string, path: string, fallback: string): string {
    const value = record[key];
    if (value === undefined) return fallback;
    if (typeof value !== "string") {
      this.fail(joinPath(path, key), `${describe(value)} is not a string; write it in double quotes`);
      return fallback;
    }
    return value;
  }

  optionalString(record: Record<string, unknown>, key: string, path: string): string | undefined {
    const value = record[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") {
      this.fail(joinPath(path, key), `${describe(value)} is not a string; write it in double quotes or leave it out`);
      return undefined;
    }
    return value;
  }

  boolean(record: Record<string, unknown>, key: string, path: string, fallback: boolean): boolean {
    const value = record[key];
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      this.fail(joinPath(path, key), `${describe(value)} is not a boolean; write true or false`);
      return fallback;
    }
    return value;
  }

  integer(
    record: Record<string, unknown>,
    key: string,
    path: string,
    fallback: number,
    range: { readonly min: number; readonly max: number },
    unset?: string,
  ): number {
    const value = record[key];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < range.min || value > range.max) {
      this.fail(joinPath(path, key), `${describe(value)} is not a whole number from ${range.min} to ${range.max}; the default is ${unset ?? fallback}`);
      return fallback;
    }
    return value;
  }

  stringArray(record: Record<string, unknown>, key: string, path: string, fallback: readonly string[]): string[] {
    const value = record[key];
    if (value === undefined) return [...fallback];
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
      this.fail(joinPath(path, key), `${describe(value)} is not a list of strings; write it as ["a", "b"]`);
      return [...fallback];
    }
    return value as string[];
  }

  stringMap(record: Record<string, unknown>, key: string, path: string): Record<string, string> {
    const value = record[key];
    if (value === undefined) return {};
    if (typeof value !== "object" || value === null || Array.isArray(value) || Object.values(value).some((item) => typeof item !== "string")) {
      this.fail(joinPath(path, key), `${describe(value)} is not a map of strings; write it as { "Key": "value" }`);
      return {};
    }
    return { ...(value as Record<string, string>) };
  }
}

export function joinPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** A value as it appears in the configuration file, for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
