/**
 * Promotion channels: besides the parameter the tracker writes (`latest`), a channel (e.g. `stable`,
 * `prod`) is an SSM parameter of its own, DataType `aws:ec2:image`, that only ever holds a build that
 * was once `latest` in that region. No SSM labels: a label on a parameter's oldest version blocks
 * further writes once 100 versions exist, so every channel is its own parameter with its own history.
 *
 * Pure: names, tags and the in-use tag moves (ami-pointers/in-use.ts). The SDK calls are in
 * cli/ami/.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-labels.html
 */
import { parameterNameProblem } from "../aws/ssm-parameter-name";
import { parseBuildOrder } from "./build-order";
import {
  buildTagEntries,
  sanitizeTagValue,
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
} from "./tags";
import { inUseTagKey } from "./in-use";

/** The pointer the tracker writes; not a channel name. */
export const LATEST = "latest";

/**
 * A channel name: lowercase letters, digits and "-", starting with a letter, at most 32 (safe as a path level
 * and in a tag value), and not "latest". Exported for the configuration's schema, so editors check it too.
 */
export const CHANNEL_NAME = /^(?!latest$)[a-z][a-z0-9-]{0,31}$/;

/** Tags a promote or rollback adds to the pointer it writes, besides the build tags of tags.ts. */
export const TAG_CHANNEL = "CHANNEL";
export const TAG_CHANNEL_OF = "CHANNEL_OF";
export const TAG_PROMOTED_BY = "PROMOTED_BY";
export const TAG_PROMOTED_AT = "PROMOTED_AT";
export const TAG_PROMOTED_FROM = "PROMOTED_FROM";
/** `"true"` when the change was a rollback, `"false"` for a promote. */
export const TAG_ROLLBACK = "ROLLBACK";
/** The AMI the pointer held before the change (what a rollback rolled back from). */
export const TAG_REPLACED_AMI_ID = "REPLACED_AMI_ID";
/**
 * The AMI the operator tags describe. The tracker overwrites only its own build tags when it writes
 * `latest` again, so operator tags whose PROMOTED_AMI_ID differs from the value are stale.
 */
export const TAG_PROMOTED_AMI_ID = "PROMOTED_AMI_ID";

/** Build tags a writer owns (tags.ts) and operator tags: a write replaces all of them. */
export const BUILD_TAG_KEYS = [
  TAG_SOURCE,
  TAG_AMI_REGION,
  TAG_AMI_ID,
  TAG_AMI_NAME,
  TAG_RECIPE_NAME,
  TAG_SOURCE_PIPELINE_ARN,
  TAG_IMAGE_ARN,
  TAG_IMAGE_VERSION,
  TAG_IMAGE_BUILD_VERSION,
] as const;
export const OPERATOR_TAG_KEYS = [
  TAG_CHANNEL,
  TAG_CHANNEL_OF,
  TAG_PROMOTED_BY,
  TAG_PROMOTED_AT,
  TAG_PROMOTED_FROM,
  TAG_ROLLBACK,
  TAG_REPLACED_AMI_ID,
  TAG_PROMOTED_AMI_ID,
] as const;
/**
 * Every tag key a writer of a pointer owns (the tracker or the operator CLI): a write replaces all of them,
 * drift never reports them, and Terraform ignores them on seeded pointers. The one list: the stack's
 * ignore_changes follows this order, so reordering it changes the synthesized JSON.
 */
export const WRITER_TAG_KEYS: readonly string[] = [...BUILD_TAG_KEYS, ...OPERATOR_TAG_KEYS];
const WRITER_TAG_KEY_SET: ReadonlySet<string> = new Set(WRITER_TAG_KEYS);

/** True when a pointer writer owns the tag `key` (WRITER_TAG_KEYS). */
export function isWriterTagKey(key: string): boolean {
  return WRITER_TAG_KEY_SET.has(key);
}

/** Undefined when `channel` can name a channel, else why not. */
export function channelNameProblem(channel: string): string | undefined {
  if (channel === LATEST) return `"latest" is the tracker's own parameter, not a channel; pick another name, e.g. "stable"`;
  if (!CHANNEL_NAME.test(channel))
    return `"${channel.slice(0, 64)}" is not a channel name; use 1-32 lowercase letters, digits or "-", starting with a letter, e.g. "stable"`;
  return undefined;
}

/** A bad channel or parameter name, with the field, the value and the fix in the message. */
export class ChannelNameError extends Error {
  override readonly name = "ChannelNameError";
}

/**
 * The channel's parameter name. Rule: when the tracked name ends in the level `latest`, that level is
 * replaced by the channel (`/ec2-imagebuilder/latest` -> `/ec2-imagebuilder/stable`); otherwise the
 * channel is appended as a new level (`/golden/web` -> `/golden/web/stable`), or with "-" for a name
 * without levels (`web-ami` -> `web-ami-stable`). The result is checked against SSM's name rules.
 */
export function channelParameterName(tracked: string, channel: string): string {
  const trackedProblem = parameterNameProblem(tracked);
  if (trackedProblem !== undefined) throw new ChannelNameError(`parameter: "${tracked.slice(0, 200)}" is not an SSM parameter name: ${trackedProblem}`);
  const channelProblem = channelNameProblem(channel);
  if (channelProblem !== undefined) throw new ChannelNameError(`channel: ${channelProblem}`);
  let name: string;
  if (tracked === LATEST) name = channel;
  else if (tracked.endsWith(`/${LATEST}`)) name = `${tracked.slice(0, -LATEST.length)}${channel}`;
  else if (tracked.includes("/")) name = `${tracked}/${channel}`;
  else name = `${tracked}-${channel}`;
  const problem = parameterNameProblem(name);
  if (problem !== undefined)
    throw new ChannelNameError(
      `channel: "${channel}" of "${tracked.slice(0, 200)}" gives "${name.slice(0, 200)}", which SSM rejects: ${problem}; use a shorter parameter or channel name`,
    );
  return name;
}

/** The pointer a name refers to: `latest` is the tracked parameter itself. */
export function pointerParameterName(tracked: string, pointer: string): string {
  return pointer === LATEST ? tracked : channelParameterName(tracked, pointer);
}

/** A build as Image Builder numbers it: `1.2.0/3`. */
export interface Build {
  readonly version: string;
  readonly buildVersion: string;
}

export function buildText(build: Build | undefined): string {
  return build === undefined ? "unknown build" : `${build.version}/${build.buildVersion}`;
}

/** `1.2.0/3` -> a Build; anything else -> undefined. */
export function parseBuildText(text: string): Build | undefined {
  const [version, buildVersion, ...rest] = text.split("/");
  if (rest.length > 0 || version === undefined || buildVersion === undefined) return undefined;
  return parseBuildOrder(version, buildVersion) === undefined ? undefined : { version, buildVersion };
}

/** `arn:aws:imagebuilder:us-east-1:111122223333:image/name/1.2.0/3` -> 1.2.0/3. */
export function buildFromImageArn(imageArn: string | undefined): Build | undefined {
  if (imageArn === undefined) return undefined;
  const match = /^arn:[a-z-]+:imagebuilder:[a-z0-9-]+:(?:\d{12}|aws):image\/[^/]+\/([^/]+)\/([^/]+)$/.exec(imageArn);
  if (match === null) return undefined;
  return parseBuildText(`${match[1]}/${match[2]}`);
}

/** The tracker's and a channel's descriptions end in `<image name> <version>/<build>`. */
export function buildFromDescription(description: string | undefined): Build | undefined {
  const match = /(\d+\.\d+\.\d+)\/(\d+)(?:\s|$)/.exec(description ?? "");
  return match === null ? undefined : parseBuildText(`${match[1]}/${match[2]}`);
}

/** What is known of the AMI a pointer is set to (from ec2:DescribeImages and the source's tags). */
export interface AmiFacts {
  readonly region: string;
  readonly amiId: string;
  readonly amiName?: string;
  /** The `Ec2ImageBuilderArn` tag Image Builder puts on the AMIs it creates. */
  readonly imageArn?: string;
  /** RECIPE_NAME and SOURCE_PIPELINE_ARN of the source pointer, when it holds the same AMI. */
  readonly recipeName?: string;
  readonly sourcePipelineArn?: string;
}

/** Who changed a pointer, when, from where, and whether it was a rollback. */
export interface PointerChange {
  /** The tracked (`latest`) parameter's name. */
  readonly tracked: string;
  /** `latest` or a channel name: the pointer written. */
  readonly pointer: string;
  /** The caller's ARN (sts:GetCallerIdentity). */
  readonly by: string;
  readonly at: Date;
  /** `latest` or a channel: where the build came from (for a rollback, the pointer's own history). */
  readonly from: string;
  readonly rollback: boolean;
  /** The AMI the pointer held before, if any. */
  readonly replacedAmiId?: string;
}

/** The pointer's tags after a change: build tags like the tracker's, then the operator tags. */
export function pointerTags(ami: AmiFacts, change: PointerChange): Tag[] {
  const build = buildFromImageArn(ami.imageArn);
  const entries: Array<[string, string | undefined]> = [
    ...buildTagEntries({ ...ami, version: build?.version, buildVersion: build?.buildVersion }),
    [TAG_CHANNEL, change.pointer === LATEST ? undefined : change.pointer],
    [TAG_CHANNEL_OF, change.tracked],
    [TAG_PROMOTED_BY, change.by],
    [TAG_PROMOTED_AT, change.at.toISOString()],
    [TAG_PROMOTED_FROM, change.from],
    [TAG_ROLLBACK, String(change.rollback)],
    [TAG_REPLACED_AMI_ID, change.replacedAmiId],
    [TAG_PROMOTED_AMI_ID, ami.amiId],
  ];
  return entries.flatMap(([Key, value]) => (value === undefined || value === "" ? [] : [{ Key, Value: sanitizeTagValue(value) }]));
}

/** Keys the pointer has now that a write of `next` would leave stale: remove them. */
export function staleTagKeys(current: ReadonlyMap<string, string>, next: readonly Tag[]): string[] {
  const kept = new Set(next.map((tag) => tag.Key));
  return [...current.keys()].filter((key) => isWriterTagKey(key) && !kept.has(key)).sort();
}

/** The parameter's description (at most 1024 characters); it ends in the build, as the tracker's does. */
export function pointerDescription(ami: AmiFacts, change: PointerChange): string {
  const what = change.rollback ? `rolled back from ${change.replacedAmiId ?? "nothing"}` : `promoted from ${change.from}`;
  const name = ami.amiName ?? ami.amiId;
  const build = buildFromImageArn(ami.imageArn);
  const text = `${change.pointer === LATEST ? "Latest AMI" : `Channel ${change.pointer}`} of ${change.tracked}, ${what}: ${name}${build === undefined ? "" : ` ${buildText(build)}`}`;
  return text.slice(0, 1024);
}

/** What the operator tags say about the pointer's current value (undefined when they are stale or absent). */
export interface ChangeRecord {
  readonly by: string;
  readonly at: string;
  readonly from: string;
  readonly rollback: boolean;
  readonly replacedAmiId?: string;
}

export function readChangeRecord(tags: ReadonlyMap<string, string>, value: string): ChangeRecord | undefined {
  if (tags.get(TAG_PROMOTED_AMI_ID) !== value) return undefined;
  const replaced = tags.get(TAG_REPLACED_AMI_ID);
  return {
    by: tags.get(TAG_PROMOTED_BY) ?? "unknown",
    at: tags.get(TAG_PROMOTED_AT) ?? "unknown",
    from: tags.get(TAG_PROMOTED_FROM) ?? "unknown",
    rollback: tags.get(TAG_ROLLBACK) === "true",
    ...(replaced !== undefined ? { replacedAmiId: replaced } : {}),
  };
}

/** One EC2 tag to create or delete on one AMI. */
export interface AmiTagEdit {
  readonly imageId: string;
  readonly key: string;
}

/** The in-use tag edits of one pointer move. */
export interface InUseMove {
  readonly create: readonly AmiTagEdit[];
  readonly remove: readonly AmiTagEdit[];
}

/** Which AMIs carry the pointer's in-use keys now (from ec2:DescribeImages). */
export interface InUseHolders {
  readonly current: readonly string[];
  readonly previous: readonly string[];
}

/**
 * The move of ami-in-use.ts: the pointer goes from `from` to `to`; `to` gets the current key,
 * `from` the previous key (the rollback target stays protected), and every other AMI loses them.
 * Tags already in place are not created again.
 */
export function planInUseMove(pointer: string, from: string | undefined, to: string, holders: InUseHolders): InUseMove {
  const currentKey = inUseTagKey(pointer, "current");
  const previousKey = inUseTagKey(pointer, "previous");
  const previousTarget = from !== undefined && from !== to ? from : undefined;
  const create: AmiTagEdit[] = [];
  const remove: AmiTagEdit[] = [];
  if (!holders.current.includes(to)) create.push({ imageId: to, key: currentKey });
  if (previousTarget !== undefined && !holders.previous.includes(previousTarget)) create.push({ imageId: previousTarget, key: previousKey });
  for (const imageId of holders.current) if (imageId !== to) remove.push({ imageId, key: currentKey });
  for (const imageId of holders.previous) if (imageId !== previousTarget) remove.push({ imageId, key: previousKey });
  return { create, remove };
}
