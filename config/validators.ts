import { LOG_RETENTION_DAYS } from "../aws/logs";
import { AWS_REGIONS, isAwsRegion } from "../aws/regions";
import { closest } from "./did-you-mean.cjs";
import { BUCKET_NAME } from "./patterns";
import { describe } from "./reader";
import {
  brokenParameterNameRule,
  PARAMETER_NAME_MAX_LENGTH,
  PARAMETER_NAME_MAX_LEVELS,
  PARAMETER_NAME_PLACEHOLDERS,
  type ParameterNameRule,
} from "../aws/ssm-parameter-name";

/** Each returns `undefined` when the value is fine, or the problem and its fix. */

export function checkRegion(value: string): string | undefined {
  if (isAwsRegion(value)) return undefined;
  const close = nearest(value, AWS_REGIONS);
  const hint = close.length > 0 ? `did you mean ${close.map((region) => `"${region}"`).join(" or ")}?` : `expected e.g. "us-east-1"`;
  return `${describe(value)} is not an AWS region (${hint})`;
}

/** The candidates at the smallest edit distance from `value`, if it is at most 2. */
export function nearest(value: string, candidates: readonly string[]): string[] {
  return closest(value, candidates, 2);
}

/** UTC under its IANA names, which supportedValuesOf (canonical zones only) leaves out; "Etc/UTC" is the default. */
const UTC_NAMES = /^(Etc\/)?(UTC|UCT|GMT|Universal|Zulu|Greenwich)$|^Etc\/GMT[+-](\d|1[0-4])$/;

/**
 * An IANA time zone this Node.js knows: one of Intl.supportedValuesOf("timeZone") (canonical names),
 * or an alias its Intl resolves (e.g. "Etc/UTC", "US/Eastern"). A misspelt zone would otherwise
 * synthesize and plan, and fail only when Image Builder is called.
 */
export function checkTimeZone(value: string): string | undefined {
  const zones = Intl.supportedValuesOf("timeZone");
  if (zones.includes(value) || UTC_NAMES.test(value)) return undefined;
  // The first Intl.DateTimeFormat loads ICU's date data (60-110 ms measured here): only for other aliases.
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    if (/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(value)) return undefined;
  } catch {
    // not a zone: reported below
  }
  const close = nearest(value, zones);
  const hint = close.length > 0 ? `did you mean ${close.map((zone) => `"${zone}"`).join(" or ")}?` : `write it like "Etc/UTC" or "Europe/Paris"`;
  return `${describe(value)} is not an IANA time zone (${hint})`;
}

/** How the configuration words each rule (`fix` is how to write a valid name). */
const MESSAGES: Readonly<Record<ParameterNameRule, (value: string, fix: string) => string>> = {
  empty: (value, fix) => `${value} is empty; ${fix}`,
  characters: (value, fix) => `${value} has characters SSM rejects; ${fix}`,
  "no-leading-slash": (value, fix) => `${value} has levels but does not start with "/"; ${fix}`,
  "reserved-prefix": (value) => `${value} starts with "aws" or "ssm", which SSM reserves; choose another first level`,
  "empty-level": (value, fix) => `${value} has an empty level; ${fix}`,
  "too-many-levels": (value) => `${value} has more than ${PARAMETER_NAME_MAX_LEVELS} levels, the SSM limit`,
  "too-long": (value) => `${value} is longer than ${PARAMETER_NAME_MAX_LENGTH} characters, the SSM limit`,
};

/**
 * An SSM parameter name, which may hold the tracker's placeholders `{pipeline}` and `{image}`.
 * The rules are aws/ssm-parameter-name.ts's, which the tracker Lambda applies too.
 */
export function checkParameterName(value: string, options: { readonly allowPlaceholders: boolean }): string | undefined {
  const fix = `use letters, digits and _ . - / only, starting with "/", e.g. "/ec2-imagebuilder/latest"`;
  if (value.trim() === "") return MESSAGES.empty(describe(value), fix);
  const unknown = value.match(/\{[^}]*\}/g)?.filter((token) => !(PARAMETER_NAME_PLACEHOLDERS as readonly string[]).includes(token));
  if (unknown && unknown.length > 0) {
    return `${describe(value)} has unknown placeholder ${unknown.join(", ")}; only {pipeline} and {image} exist`;
  }
  if (!options.allowPlaceholders && /\{(pipeline|image)\}/.test(value)) {
    return `${describe(value)} has a placeholder, which only the tracker can fill in; name one fixed parameter`;
  }
  const rule = brokenParameterNameRule(value.replace(/\{(pipeline|image)\}/g, "x"));
  return rule === undefined ? undefined : MESSAGES[rule](describe(value), fix);
}

/** An S3 bucket name: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
export function checkBucketName(value: string): string | undefined {
  if (BUCKET_NAME.test(value)) return undefined;
  return `${describe(value)} is not a valid S3 bucket name (3-63 lowercase letters, digits, "." or "-")`;
}

/** A name prefix that fits every resource it ends up in (Lambda, SQS, IAM, S3 key): 1-24 characters, not ending in "-". */
export const NAME_PREFIX = /^[a-z](?:[a-z0-9-]{0,22}[a-z0-9])?$/;

export function checkNamePrefix(value: string): string | undefined {
  if (NAME_PREFIX.test(value)) return undefined;
  return `${describe(value)} must be 1-24 lowercase letters, digits or "-", starting with a letter, e.g. "ssm-patterns"`;
}

export { LOG_RETENTION_DAYS };

export function checkLogRetention(value: number): string | undefined {
  if ((LOG_RETENTION_DAYS as readonly number[]).includes(value)) return undefined;
  return `${value} is not a retention CloudWatch Logs accepts; use one of ${LOG_RETENTION_DAYS.join(", ")}`;
}
