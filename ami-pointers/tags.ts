/**
 * The tag keys every writer of a pointer (the tracker, the operator CLI) puts on the parameter: the six of
 * the AWS sample (kept for compatibility with what reads them) plus the three the ordering needs.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-tag.html
 */

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

/** What the build tags say: one AMI of one Image Builder build, each fact optional but the AMI. */
export interface BuildTagFacts {
  readonly region: string;
  readonly amiId: string;
  readonly amiName?: string | undefined;
  readonly recipeName?: string | undefined;
  readonly sourcePipelineArn?: string | undefined;
  readonly imageArn?: string | undefined;
  readonly version?: string | undefined;
  readonly buildVersion?: string | undefined;
}

/** The build tags every writer puts first, in order, values not yet sanitized; the caller drops what it leaves out. */
export function buildTagEntries(facts: BuildTagFacts): Array<[key: string, value: string | undefined]> {
  return [
    [TAG_SOURCE, SOURCE_VALUE],
    [TAG_AMI_REGION, facts.region],
    [TAG_AMI_ID, facts.amiId],
    [TAG_AMI_NAME, facts.amiName],
    [TAG_RECIPE_NAME, facts.recipeName],
    [TAG_SOURCE_PIPELINE_ARN, facts.sourcePipelineArn],
    [TAG_IMAGE_ARN, facts.imageArn],
    [TAG_IMAGE_VERSION, facts.version],
    [TAG_IMAGE_BUILD_VERSION, facts.buildVersion],
  ];
}
