/**
 * SSM Parameter Store's naming rules, in one place for the configuration (checked at synth) and the
 * tracker Lambda (checked per message, after {pipeline} and {image} are filled in). The Lambda's
 * bundle includes this file, so it imports nothing.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
 */

export const DEFAULT_PARAMETER_NAME = "/ec2-imagebuilder/latest";

/** The tracker's placeholders, filled in per message. */
export const PARAMETER_NAME_PLACEHOLDERS = ["{pipeline}", "{image}"] as const;

export const PARAMETER_NAME_MAX_LENGTH = 1011;
export const PARAMETER_NAME_MAX_LEVELS = 15;

/** The rule a name breaks; each caller words it for its reader. */
export type ParameterNameRule = "empty" | "characters" | "no-leading-slash" | "reserved-prefix" | "empty-level" | "too-many-levels" | "too-long";

const ALLOWED = /^[a-zA-Z0-9_.\-/]+$/;

/** Undefined when `name` is a valid SSM parameter name, else the first rule it breaks. */
export function brokenParameterNameRule(name: string): ParameterNameRule | undefined {
  if (name.length === 0) return "empty";
  if (!ALLOWED.test(name)) return "characters";
  const hierarchical = name.includes("/");
  if (hierarchical && !name.startsWith("/")) return "no-leading-slash";
  const levels = hierarchical ? name.slice(1).split("/") : [name];
  const first = (levels[0] ?? "").toLowerCase();
  if (first.startsWith("aws") || first.startsWith("ssm")) return "reserved-prefix";
  if (levels.some((level) => level.length === 0)) return "empty-level";
  if (levels.length > PARAMETER_NAME_MAX_LEVELS) return "too-many-levels";
  if (name.length > PARAMETER_NAME_MAX_LENGTH) return "too-long";
  return undefined;
}

/** How a log line or an error words each rule. */
const REASONS: Readonly<Record<ParameterNameRule, string>> = {
  empty: "the name is empty",
  characters: "the name has characters other than a-z A-Z 0-9 _ . - /",
  "no-leading-slash": "a name with more than one level must start with /",
  "reserved-prefix": "the name starts with the reserved prefix aws or ssm",
  "empty-level": "the name has an empty level",
  "too-many-levels": `the name has more than ${PARAMETER_NAME_MAX_LEVELS} levels`,
  "too-long": `the name is longer than ${PARAMETER_NAME_MAX_LENGTH} characters`,
};

/** Undefined when `name` is a valid SSM parameter name, else why not. */
export function parameterNameProblem(name: string): string | undefined {
  const rule = brokenParameterNameRule(name);
  return rule === undefined ? undefined : REASONS[rule];
}
