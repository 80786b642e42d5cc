/**
 * Ordering of Image Builder builds: `version` (MAJOR.MINOR.PATCH, compared numerically per part)
 * then `buildVersion`. Everything is a BigInt, so parts beyond 2^53 compare exactly.
 * The message's `semver` number is never used: JSON.parse rounds it.
 */

/** One build's position in the order. */
export interface BuildOrder {
  readonly version: readonly [bigint, bigint, bigint];
  readonly buildVersion: bigint;
}

const VERSION = /^(\d{1,64})\.(\d{1,64})\.(\d{1,64})$/;
const BUILD_VERSION = /^[1-9]\d{0,63}$/;

/** "1.6.1" -> [1n, 6n, 1n]; anything else -> undefined. */
export function parseVersion(text: string): readonly [bigint, bigint, bigint] | undefined {
  const match = VERSION.exec(text);
  if (match === null) return undefined;
  // The pattern has three groups, each in every match.
  const [, major, minor, patch] = match;
  return [BigInt(major), BigInt(minor), BigInt(patch)];
}

/** Reads an order from the text form kept in the parameter's tags; undefined if either part is unusable. */
export function parseBuildOrder(version: string | undefined, buildVersion: string | undefined): BuildOrder | undefined {
  // A missing tag reads as the text "undefined", which neither pattern accepts: no check of its own.
  const parsed = parseVersion(String(version));
  const build = String(buildVersion);
  if (parsed === undefined || !BUILD_VERSION.test(build)) return undefined;
  return { version: parsed, buildVersion: BigInt(build) };
}

/** Negative when a is older than b, 0 when the same build number, positive when newer. */
export function compareBuilds(a: BuildOrder, b: BuildOrder): number {
  // The parts in order of weight; the first that differs decides.
  const right = [...b.version, b.buildVersion];
  for (const [index, left] of [...a.version, a.buildVersion].entries()) {
    if (left < right[index]) return -1;
    if (left > right[index]) return 1;
  }
  return 0;
}
