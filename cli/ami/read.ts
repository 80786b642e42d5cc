/**
 * The CLI's one read of pointers: their kept versions (GetParameterHistory), then the AMIs those versions
 * hold (DescribeImages by ID, one call per region for every pointer read), and what a change needs to know
 * of a pointer before it writes.
 */
import { type Build, buildFromDescription, buildFromImageArn } from "../../ami-pointers/channels";
import { type ImageFacts, imagesById } from "./ec2";
import type { PointerRef } from "./sdk";
import { type ParameterVersion, parameterHistory, parameterTags } from "./ssm";
import { type CommandDeps, sameBuild } from "./target";

/** The build an AMI is: its Image Builder ARN tag, else what the writer put in the version's description. */
export function buildOf(amiId: string, images: ReadonlyMap<string, ImageFacts>, description?: string): Build | undefined {
  return buildFromImageArn(images.get(amiId)?.imageArn) ?? buildFromDescription(description);
}

/** One pointer in one region as read. */
export interface PointerRead {
  readonly ref: PointerRef;
  /** Every kept version, oldest first; undefined when the parameter does not exist. */
  readonly versions?: readonly ParameterVersion[];
  /** The newest version. */
  readonly current?: ParameterVersion;
}

export interface PointersRead {
  /** In the order of the refs. */
  readonly pointers: readonly PointerRead[];
  /** The described AMIs that exist (a deregistered one is absent). */
  readonly images: ReadonlyMap<string, ImageFacts>;
  /** The build a version holds (buildOf with these images). */
  buildOf(entry: ParameterVersion): Build | undefined;
}

export interface ReadOptions {
  /** Whose AMIs to describe: every kept version's (history, finding a build), the current ones (status), or none. */
  readonly describe: "every-version" | "current" | "none";
  /** Describe disabled AMIs too (a revoked build; DescribeImages' IncludeDisabled). @default false */
  readonly includeDisabled?: boolean;
}

/** Reads `refs` (pointers of one region) and describes their AMIs in one DescribeImages. */
export async function readPointers(
  deps: Pick<CommandDeps, "clients">,
  partition: string,
  region: string,
  refs: readonly PointerRef[],
  options: ReadOptions,
): Promise<PointersRead> {
  const pointers: PointerRead[] = [];
  for (const ref of refs) {
    const versions = await parameterHistory(deps.clients, ref);
    const current = versions?.[versions.length - 1];
    pointers.push({ ref, ...(versions !== undefined ? { versions } : {}), ...(current !== undefined ? { current } : {}) });
  }
  const amiIds = pointers.flatMap((pointer) => {
    if (options.describe === "every-version") return (pointer.versions ?? []).map((entry) => entry.value);
    if (options.describe === "current" && pointer.current !== undefined) return [pointer.current.value];
    return [];
  });
  const images =
    amiIds.length > 0 ? await imagesById(deps.clients, partition, region, amiIds, options.includeDisabled === true) : new Map<string, ImageFacts>();
  return { pointers, images, buildOf: (entry) => buildOf(entry.value, images, entry.description) };
}

/** The newest kept version of the first pointer read that holds `build` (what promote --build and revoke look for in latest). */
export function newestHolding(read: PointersRead, build: Build): ParameterVersion | undefined {
  return [...(read.pointers[0]?.versions ?? [])].reverse().find((entry) => sameBuild(read.buildOf(entry), build));
}

/** What one region's pointer holds before a change. */
export interface Before {
  readonly exists: boolean;
  readonly version?: number;
  readonly amiId?: string;
  readonly description?: string;
  /** The current version's tier (GetParameterHistory). */
  readonly tier?: string;
  readonly tags: ReadonlyMap<string, string>;
}

/** A pointer before a change: its current version and tags, and its kept versions. */
export async function readBefore(deps: Pick<CommandDeps, "clients">, ref: PointerRef): Promise<{ before: Before; history?: readonly ParameterVersion[] }> {
  const versions = await parameterHistory(deps.clients, ref);
  const current = versions?.[versions.length - 1];
  if (versions === undefined || current === undefined) return { before: { exists: false, tags: new Map() } };
  const tags = (await parameterTags(deps.clients, ref)) ?? new Map<string, string>();
  return {
    before: {
      exists: true,
      version: current.version,
      amiId: current.value,
      ...(current.description ? { description: current.description } : {}),
      ...(current.tier ? { tier: current.tier } : {}),
      tags,
    },
    history: versions,
  };
}
