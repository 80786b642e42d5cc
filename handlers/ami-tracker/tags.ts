/**
 * The parameter's tags: the six of the AWS sample (kept for compatibility with what reads them)
 * plus the three the ordering needs. Written after the value, so they are the commit point.
 */
import type { AmiOutput, ImageMessage } from "./message";

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export const TAG_SOURCE = "Source";
export const TAG_AMI_REGION = "AMI_REGION";
export const TAG_AMI_ID = "AMI_ID";
export const TAG_AMI_NAME = "AMI_NAME";
export const TAG_RECIPE_NAME = "RECIPE_NAME";
export const TAG_SOURCE_PIPELINE_ARN = "SOURCE_PIPELINE_ARN";
export const TAG_IMAGE_ARN = "IMAGE_ARN";
export const TAG_IMAGE_VERSION = "IMAGE_VERSION";
export const TAG_IMAGE_BUILD_VERSION = "IMAGE_BUILD_VERSION";

export const SOURCE_VALUE = "EC2 Image Builder";
const MAX_TAG_VALUE = 256;

/** Keeps what SSM allows in a tag value (letters, digits, spaces, `_ . : / = + - @`), at most 256 characters. */
export function sanitizeTagValue(value: string): string {
  const cleaned = value.replace(/[^\p{L}\p{N} _.:/=+\-@]/gu, "_");
  return Array.from(cleaned).slice(0, MAX_TAG_VALUE).join("");
}

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
