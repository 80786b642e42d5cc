/**
 * Which AMIs something still points to, written on the AMIs themselves as EC2 tags, so that cleanup
 * (an Image Builder lifecycle policy's `exclusion_rules.amis.tag_map`) can skip them.
 *
 * Every pointer (the tracker's parameter or a channel) owns two tag keys:
 * - `ami-loop:current:<pointer>`  on the AMI the pointer holds now;
 * - `ami-loop:previous:<pointer>` on the AMI it held before (the rollback target).
 * A writer that moves a pointer from A to B tags B current, moves the previous tag from the old previous
 * AMI to A, and removes A's current tag. One key per pointer and role (not one shared key) because an AMI
 * can be held by several pointers at once: removing one pointer's tag never unprotects it for another.
 * Both keys carry the value `"true"`: a lifecycle policy's tag map matches a key with one exact value.
 *
 * Shared by the tracker (handlers/ami-tracker), the operator CLI and the lifecycle policy construct.
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_LifecyclePolicyDetailExclusionRulesAmis.html
 */
import { createHash } from "node:crypto";

export type PointerRole = "current" | "previous";

export const IN_USE_TAG_PREFIX = "ami-loop:";
export const IN_USE_TAG_VALUE = "true";

/** EC2 and Image Builder tag keys are at most 128 characters. */
const MAX_TAG_KEY = 128;
const HASH_CHARS = 16;

/**
 * The tag key that marks an AMI as held by `pointer` (an SSM parameter name) in `role`.
 * Names too long for a tag key keep their tail and gain a short hash of the whole name, so two long
 * names never share a key and the same name always gives the same key.
 */
export function inUseTagKey(pointer: string, role: PointerRole): string {
  const prefix = `${IN_USE_TAG_PREFIX}${role}:`;
  const room = MAX_TAG_KEY - prefix.length;
  if (pointer.length <= room) return `${prefix}${pointer}`;
  const hash = createHash("sha256").update(pointer).digest("hex").slice(0, HASH_CHARS);
  const tail = pointer.slice(pointer.length - (room - HASH_CHARS - 1));
  // `:` separates: it is in the tag-key alphabet of EC2 and of both patterns Image Builder documents (`~` and `@` are not).
  return `${prefix}${hash}:${tail}`;
}

/** Both keys of a pointer, as a lifecycle policy's exclusion tag map wants them. */
export function inUseExclusionTags(pointers: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pointer of pointers) {
    tags[inUseTagKey(pointer, "current")] = IN_USE_TAG_VALUE;
    tags[inUseTagKey(pointer, "previous")] = IN_USE_TAG_VALUE;
  }
  return tags;
}
