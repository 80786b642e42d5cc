/**
 * The parameter name: a template with `{pipeline}` and `{image}`, resolved per message and then
 * checked against SSM's naming rules (config/ssm-parameter-name.ts, shared with the configuration).
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
 */
import {
  brokenParameterNameRule,
  DEFAULT_PARAMETER_NAME,
  PARAMETER_NAME_MAX_LENGTH,
  PARAMETER_NAME_MAX_LEVELS,
  type ParameterNameRule,
} from "../../config/ssm-parameter-name";
import type { ImageMessage } from "./message";

export { DEFAULT_PARAMETER_NAME };

export type NameResult = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly reason: string };

/** How the Lambda's log words each rule. */
const REASONS: Readonly<Record<ParameterNameRule, string>> = {
  empty: "the name is empty",
  characters: "the name has characters other than a-z A-Z 0-9 _ . - /",
  "no-leading-slash": "a name with more than one level must start with /",
  "reserved-prefix": "the name starts with the reserved prefix aws or ssm",
  "empty-level": "the name has an empty level",
  "too-many-levels": `the name has more than ${PARAMETER_NAME_MAX_LEVELS} levels`,
  "too-long": `the name is longer than ${PARAMETER_NAME_MAX_LENGTH} characters`,
};

/** `arn:aws:imagebuilder:us-east-1:111:image-pipeline/my-pipe` -> `my-pipe`. */
export function pipelineName(sourcePipelineArn: string): string {
  const segments = sourcePipelineArn.split("/");
  return segments[segments.length - 1] ?? "";
}

/** Undefined when `name` is a valid SSM parameter name, else why not. */
export function parameterNameProblem(name: string): string | undefined {
  const rule = brokenParameterNameRule(name);
  return rule === undefined ? undefined : REASONS[rule];
}

/** Fills the template from the message and validates the result. */
export function resolveParameterName(template: string, image: ImageMessage): NameResult {
  let name = template;
  if (name.includes("{pipeline}")) {
    if (image.sourcePipelineArn === undefined) return { ok: false, reason: "the parameter name needs {pipeline} but the message has no sourcePipelineArn" };
    const pipeline = pipelineName(image.sourcePipelineArn);
    name = name.split("{pipeline}").join(pipeline);
  }
  if (name.includes("{image}")) name = name.split("{image}").join(image.name);
  const problem = parameterNameProblem(name);
  if (problem !== undefined) return { ok: false, reason: `resolved parameter name "${name.slice(0, 200)}" is invalid: ${problem}` };
  return { ok: true, name };
}
