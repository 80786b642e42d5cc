/**
 * The parameter name: a template with `{pipeline}` and `{image}`, resolved per message and then
 * checked against SSM's naming rules (aws/ssm-parameter-name.ts, shared with the configuration).
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
 */
import { DEFAULT_PARAMETER_NAME, parameterNameProblem } from "../../aws/ssm-parameter-name";
import type { ImageMessage } from "./message";

export { DEFAULT_PARAMETER_NAME, parameterNameProblem };

export type NameResult = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly reason: string };

/** `arn:aws:imagebuilder:us-east-1:111:image-pipeline/my-pipe` -> `my-pipe`. */
export function pipelineName(sourcePipelineArn: string): string {
  const segments = sourcePipelineArn.split("/");
  return segments[segments.length - 1] ?? "";
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
