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
  const [, major = "", minor = "", patch = ""] = match;
  return [BigInt(major), BigInt(minor), BigInt(patch)];
}

/** Reads an order from the text form kept in the parameter's tags; undefined if either part is unusable. */
export function parseBuildOrder(version: string | undefined, buildVersion: string | undefined): BuildOrder | undefined {
  if (version === undefined || buildVersion === undefined) return undefined;
  const parsed = parseVersion(version);
  if (parsed === undefined || !BUILD_VERSION.test(buildVersion)) return undefined;
  return { version: parsed, buildVersion: BigInt(buildVersion) };
}

/** Negative when a is older than b, 0 when the same build number, positive when newer. */
export function compareBuilds(a: BuildOrder, b: BuildOrder): number {
  for (let i = 0; i < 3; i++) {
    const left = a.version[i] ?? 0n;
    const right = b.version[i] ?? 0n;
    if (left !== right) return left < right ? -1 : 1;
  }
  if (a.buildVersion === b.buildVersion) return 0;
  return a.buildVersion < b.buildVersion ? -1 : 1;
}
