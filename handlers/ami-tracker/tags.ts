/**
 * The parameter's tags the tracker writes for one build, after the value, so they are the commit point.
 * Keys and the value rules: ami-pointers/tags.ts.
 */
import {
  sanitizeTagValue,
  SOURCE_VALUE,
  TAG_AMI_ID,
  TAG_AMI_NAME,
  TAG_AMI_REGION,
  TAG_IMAGE_ARN,
  TAG_IMAGE_BUILD_VERSION,
  TAG_IMAGE_VERSION,
  TAG_RECIPE_NAME,
  TAG_SOURCE,
  TAG_SOURCE_PIPELINE_ARN,
  type Tag,
} from "../../ami-pointers/tags";
import type { AmiOutput, ImageMessage } from "./message";

/** The tags that describe `ami` of `image`, values sanitized. */
export function buildTags(image: ImageMessage, ami: AmiOutput): Tag[] {
  const tags: Array<[string, string | undefined]> = [
    [TAG_SOURCE, SOURCE_VALUE],
    [TAG_AMI_REGION, ami.region],
    [TAG_AMI_ID, ami.image],
    [TAG_AMI_NAME, ami.name],
    [TAG_RECIPE_NAME, image.recipeName ?? image.name],
    [TAG_SOURCE_PIPELINE_ARN, image.sourcePipelineArn],
    [TAG_IMAGE_ARN, image.arn],
    [TAG_IMAGE_VERSION, image.version],
    [TAG_IMAGE_BUILD_VERSION, String(image.buildVersion)],
  ];
  return tags.flatMap(([Key, value]) => (value === undefined ? [] : [{ Key, Value: sanitizeTagValue(value) }]));
}
