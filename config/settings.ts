/**
 * The building blocks of the configuration schema (TypeBox: each schema is plain JSON Schema, so
 * config/schema.json is the sections' schemas written out, with no conversion step).
 * A setting's default is written once, as the schema's `default`; ConfigReader.read applies it, and
 * the JSON Schema shows it in editors. Settings whose default depends on other settings (the app's
 * region, the backend, ...) have no `default` here: their description says what it is, and the
 * section passes it to ConfigReader.read.
 */
import { AWS_REGIONS } from "../aws/regions";
import { LOG_RETENTION_DAYS } from "../aws/logs";
// Named imports, not the `Type` namespace, so that esbuild keeps only these builders in the synth bundle.
import {
  Array as ArraySchema,
  type ArrayOptions,
  Boolean as BooleanSchema,
  Integer,
  Object as ObjectSchema,
  Optional as OptionalSchema,
  String as StringSchema,
  Unknown,
  Unsafe,
  type Static,
  type TObject,
  type TOptional,
  type TProperties,
  type TSchema,
} from "@sinclair/typebox";

/** A section or nested object: every key it accepts is listed, any other key is an error. */
export function Section<P extends TProperties>(properties: P, description?: string): TObject<P> {
  return ObjectSchema(properties, { additionalProperties: false, ...(description !== undefined ? { description } : {}) });
}

/** A setting that may be left out, and then takes `value`. */
export function Defaulted<S extends TSchema>(schema: S, value: Static<S>): TOptional<S> & { readonly default: Static<S> } {
  return OptionalSchema({ ...schema, default: value }) as TOptional<S> & { readonly default: Static<S> };
}

/** A setting that may be left out, with no fixed default (the description says what happens then). */
export const Optional = OptionalSchema;

/** A whole number within `[minimum, maximum]`, with an optional description. */
export function WholeNumber(minimum: number, maximum: number, description?: string): ReturnType<typeof Integer> {
  return Integer({ minimum, maximum, ...(description !== undefined ? { description } : {}) });
}

/** One of a fixed list of strings. */
export function OneOf<const T extends readonly string[]>(values: T, description?: string) {
  return Unsafe<T[number]>({ type: "string", enum: [...values], ...(description !== undefined ? { description } : {}) });
}

/** A string that matches `pattern` (JSON Schema "pattern"; the section tests the same RegExp for its message). */
export function Matching(pattern: RegExp, description?: string) {
  return StringSchema({ pattern: pattern.source, ...(description !== undefined ? { description } : {}) });
}

export const Text = (description?: string) => StringSchema(description !== undefined ? { description } : {});
export const Flag = (description?: string) => BooleanSchema(description !== undefined ? { description } : {});
export const TextList = (description?: string, options: ArrayOptions = {}) =>
  ArraySchema(StringSchema(), { ...options, ...(description !== undefined ? { description } : {}) });
export const TextMap = (description?: string) => MapOf(StringSchema(), description);

/** A list of `item`; `options` carries minItems and uniqueItems where synth rejects an empty list or a repeat. */
export const ListOf = <S extends TSchema>(item: S, description?: string, options: ArrayOptions = {}) =>
  ArraySchema(item, { ...options, ...(description !== undefined ? { description } : {}) });

/**
 * An object whose keys the user chooses, each value an `item` (JSON Schema patternProperties, as
 * TypeBox's Record writes it); with `keys`, a key that does not match it is an error.
 */
export function MapOf<S extends TSchema>(item: S, description?: string, keys?: RegExp) {
  return Unsafe<Record<string, Static<S>>>({
    ...(description !== undefined ? { description } : {}),
    type: "object",
    patternProperties: { [keys === undefined ? "^(.*)$" : keys.source]: item },
    ...(keys !== undefined ? { additionalProperties: false } : {}),
  });
}

/** One AWS region (aws/regions.ts, the one list): editors complete it. */
export const Region = (description?: string) => OneOf(AWS_REGIONS, description);

/** Regions: at least one, each once. */
export const RegionList = (description?: string) => ListOf(Region(), description, { minItems: 1, uniqueItems: true });

/**
 * Days of log retention, one of the values CloudWatch Logs' PutRetentionPolicy accepts
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
 * minimum and maximum stay for the reader's range message; the enum is what editors offer.
 */
export const RetentionDays = (description?: string) =>
  Unsafe<number>({
    type: "integer",
    minimum: LOG_RETENTION_DAYS[0],
    maximum: LOG_RETENTION_DAYS[LOG_RETENTION_DAYS.length - 1],
    enum: [...LOG_RETENTION_DAYS],
    ...(description !== undefined ? { description } : {}),
  });

/** Any JSON value. */
export const AnyValue = Unknown;

/** The keys a section accepts, in the order its "unknown setting" message lists them. */
export function keysOf(schema: TObject): readonly string[] {
  return Object.keys(schema.properties);
}

/** Always there once read: it has a default, or the schema requires it. */
type HasDefault<S> = S extends { readonly default: unknown } ? true : S extends TOptional<TSchema> ? false : true;

/**
 * A section's settings once read: a setting with a default, or one named in `Given` (its default
 * comes from elsewhere), is always there; any other setting may be absent. `Nested` gives the read
 * type of nested sections and of settings the reader turns into something else.
 */
export type Resolved<T extends TObject, Given extends string = never, Nested extends object = {}> = Omit<Flat<T, Given>, keyof Nested> & Readonly<Nested>;

type Flat<T extends TObject, Given extends string> = {
  readonly [K in keyof T["properties"] as HasDefault<T["properties"][K]> extends true ? K : K extends Given ? K : never]: Static<T["properties"][K]>;
} & {
  readonly [K in keyof T["properties"] as HasDefault<T["properties"][K]> extends true ? never : K extends Given ? never : K]?: Static<T["properties"][K]>;
};
