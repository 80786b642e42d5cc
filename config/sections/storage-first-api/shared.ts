import type { TObject } from "@sinclair/typebox";
import type { ConfigReader } from "../../reader";
import { describe, joinPath } from "../../reader";

/** The section's name in the configuration file. */
export const SECTION = "storageFirstApi";

/** Keys of queues and state machines, and the API's name. */
export const NAME = /^[a-z][a-z0-9-]{0,19}$/;

export function readEnum<T extends string>(
  reader: ConfigReader,
  settings: TObject,
  record: Record<string, unknown>,
  key: string,
  path: string,
  fallback?: T,
): T {
  const schema = settings.properties[key] as unknown as { readonly enum: readonly T[]; readonly default?: T };
  const allowed = schema.enum;
  fallback = fallback ?? (schema.default as T);
  const value = reader.string(record, key, path, fallback);
  if ((allowed as readonly string[]).includes(value)) return value as T;
  reader.fail(joinPath(path, key), `${describe(value)} is not allowed; use one of ${allowed.map((item) => `"${item}"`).join(", ")}`);
  return fallback;
}

export function readMap(reader: ConfigReader, record: Record<string, unknown>, key: string, path: string): Record<string, unknown> | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    reader.fail(joinPath(path, key), `${describe(value)} is not an object; write it as { "name": { ... } } or leave it out`);
    return {};
  }
  return value as Record<string, unknown>;
}
