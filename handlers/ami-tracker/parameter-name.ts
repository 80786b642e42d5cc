/**
 * The parameter name: a template with `{pipeline}` and `{image}`, resolved per message and then
 * checked against SSM's naming rules.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
 */
import type { ImageMessage } from "./message";

export const DEFAULT_PARAMETER_NAME = "/ec2-imagebuilder/latest";

export type NameResult = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly reason: string };

const ALLOWED = /^[a-zA-Z0-9_.\-/]+$/;
const MAX_LENGTH = 1011;
const MAX_LEVELS = 15;

/** `arn:aws:imagebuilder:us-east-1:111:image-pipeline/my-pipe` -> `my-pipe`. */
export function pipelineName(sourcePipelineArn: string): string {
  const segments = sourcePipelineArn.split("/");
  return segments[segments.length - 1] ?? "";
}

/** Undefined when `name` is a valid SSM parameter name, else why not. */
export function parameterNameProblem(name: string): string | undefined {
  if (name.length === 0) return "the name is empty";
  if (name.length > MAX_LENGTH) return `the name is longer than ${MAX_LENGTH} characters`;
  if (!ALLOWED.test(name)) return "the name has characters other than a-z A-Z 0-9 _ . - /";
  const hierarchical = name.includes("/");
  if (hierarchical && !name.startsWith("/")) return "a name with more than one level must start with /";
  const segments = hierarchical ? name.slice(1).split("/") : [name];
  if (segments.some((segment) => segment.length === 0)) return "the name has an empty level";
  if (segments.length > MAX_LEVELS) return `the name has more than ${MAX_LEVELS} levels`;
  const first = (segments[0] ?? "").toLowerCase();
  if (first.startsWith("aws") || first.startsWith("ssm")) return "the name starts with the reserved prefix aws or ssm";
  return undefined;
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
