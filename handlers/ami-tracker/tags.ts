/**
 * The parameter's tags the tracker writes for one build, after the value, so they are the commit point.
 * Keys and the value rules: ami-pointers/tags.ts.
 */
import { buildTagEntries, sanitizeTagValue, type Tag } from "../../ami-pointers/tags";
import type { AmiOutput, ImageMessage } from "./message";

/** The tags that describe `ami` of `image`, values sanitized. */
export function buildTags(image: ImageMessage, ami: AmiOutput): Tag[] {
  const tags = buildTagEntries({
    region: ami.region,
    amiId: ami.image,
    amiName: ami.name,
    recipeName: image.recipeName ?? image.name,
    sourcePipelineArn: image.sourcePipelineArn,
    imageArn: image.arn,
    version: image.version,
    buildVersion: String(image.buildVersion),
  });
  return tags.flatMap(([Key, value]) => (value === undefined ? [] : [{ Key, Value: sanitizeTagValue(value) }]));
}
