/**
 * Newest build wins, whatever the timing: the rule every writer of a pointer (the tracker's `latest`, a
 * channel) obeys, shared by the tracker (handlers/ami-tracker) and the operator CLI (scripts/ami).
 *
 * SSM offers no compare-and-set: PutParameter has no condition (only `Overwrite`), and tags are separate
 * calls (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html). What it
 * does offer is a total order: every PutParameter gets the parameter's next version number, and
 * GetParameterHistory returns every kept version (up to 100) with its description and LastModifiedUser
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameterHistory.html). So each
 * write's description is a record (what was written, by which kind of writer, after which version), the
 * state a pointer must end in is a pure function of its history (`decide`), and every writer, once its
 * own version is visible, converges the parameter on it (`converge`): it rewrites the winner's value when
 * another value is current, the winner's tags when the tags describe another value, and the in-use
 * marks. No lock, no reserved concurrency: two writers that converge at once write the same things.
 *
 * The fold (`decide`), version by version:
 * - a tracker write ("Latest AMI from EC2 Image Builder: ...") wins when its build is newer than the
 *   winner's (the tracker's own rule: never back to an older build; the same build does not win twice);
 * - an operator write (promote, rollback, revoke, restore: `| after v<N>`) wins when its writer saw the
 *   winner (the winner's version <= N: a deliberate change, e.g. a rollback) or, written concurrently,
 *   when its build is newer;
 * - a repair (`| copy of v<N>`) changes nothing: it only makes the winner's value current again;
 * - anything else (a seed, a console edit) wins: it was written by something outside the loop.
 */
import { type AmiFacts, type Build, buildFromDescription, isWriterTagKey, type PointerChange, pointerDescription, pointerTags, staleTagKeys } from "./channels";
import { compareBuilds, parseBuildOrder } from "./build-order";
import { buildTagEntries, sanitizeTagValue, TAG_AMI_ID, TAG_IMAGE_BUILD_VERSION, TAG_IMAGE_VERSION, type Tag } from "./tags";

/** The tracker's description starts with this (kept from before records, so old versions still parse). */
export const TRACKER_HEAD = "Latest AMI from EC2 Image Builder: ";
/** Separates a description's fields. None of AMI, image and recipe names or ARNs may contain "|". */
const SEPARATOR = " | ";
/** SSM descriptions hold 1024 characters; a record keeps room for the `after`/`copy of` marker. */
const MAX_DESCRIPTION = 1024;
const MAX_RECORD = 990;

export type WriterKind = "tracker" | "operator" | "copy" | "external";

/** What a description records about its version. */
export interface PointerRecord {
  readonly kind: WriterKind;
  readonly build?: Build;
  /** operator: the version its writer saw last (it decided knowing every version up to this one). */
  readonly after?: number;
  /** copy: the version whose value it restores. */
  readonly copyOf?: number;
  /** `image`, `ami`, `recipe`, `pipeline`, `pointer`, `of`, `source`, `replaced`, `rollback`. */
  readonly fields: ReadonlyMap<string, string>;
}

/** One kept version, as GetParameterHistory gives it. */
export interface PointerVersion {
  readonly version: number;
  readonly value: string;
  readonly description?: string;
  readonly modified?: Date;
  readonly user?: string;
}

const FIELD = /^(image|ami|recipe|pipeline|pointer|of|source|replaced|rollback) (.+)$/;
const AFTER = /^after v(\d+)$/;
const COPY = /^copy of v(\d+)$/;

/** A description from its head and fields (values without "|"; empty ones left out), at most 990 characters. */
export function recordDescription(head: string, fields: ReadonlyArray<readonly [string, string | undefined]>): string {
  // "|" becomes "_", as sanitizeTagValue makes it, so tags read back from a record equal the writer's.
  let text = head.replaceAll("|", "_");
  for (const [key, value] of fields) {
    if (value === undefined || value === "") continue;
    const part = `${SEPARATOR}${key} ${value.replaceAll("|", "_")}`;
    // A field that does not fit is left out whole rather than cut (a cut ARN would name another image).
    if (text.length + part.length <= MAX_RECORD) text += part;
  }
  return text.slice(0, MAX_RECORD);
}

/**
 * An operator's (the CLI's) description: channels.ts's text, the record recordTags reads back, and the
 * version its writer read last (`seen`, 0 for a new parameter).
 */
export function operatorDescription(ami: AmiFacts, change: PointerChange, seen: number): string {
  const record = recordDescription(pointerDescription(ami, change), [
    ["image", ami.imageArn],
    ["ami", ami.amiName],
    ["recipe", ami.recipeName],
    ["pipeline", ami.sourcePipelineArn],
    ["pointer", change.pointer],
    ["of", change.tracked],
    ["source", change.from],
    ["replaced", change.replacedAmiId],
    ["rollback", change.rollback ? "true" : undefined],
  ]);
  return afterVersion(record, seen);
}

/** Appends the operator marker: the writer decided after reading version `seen`. */
export function afterVersion(description: string, seen: number): string {
  return `${stripMarkers(description).slice(0, MAX_RECORD)}${SEPARATOR}after v${seen}`.slice(0, MAX_DESCRIPTION);
}

/** The description of a repair that makes `winner`'s value current again. */
export function copyDescription(winner: PointerVersion): string {
  const record = parseRecord(winner.description);
  const of = record.kind === "copy" && record.copyOf !== undefined ? record.copyOf : winner.version;
  return `${stripMarkers(winner.description ?? "").slice(0, MAX_RECORD)}${SEPARATOR}copy of v${of}`.slice(0, MAX_DESCRIPTION);
}

/** The description without its `after`/`copy of` markers. */
export function stripMarkers(description: string): string {
  return description
    .split(SEPARATOR)
    .filter((part, index) => index === 0 || !(AFTER.test(part) || COPY.test(part)))
    .join(SEPARATOR);
}

export function parseRecord(description: string | undefined): PointerRecord {
  const parts = (description ?? "").split(SEPARATOR);
  const head = parts[0] ?? "";
  const fields = new Map<string, string>();
  let after: number | undefined;
  let copyOf: number | undefined;
  for (const part of parts.slice(1)) {
    const field = FIELD.exec(part);
    if (field !== null && field[1] !== undefined && field[2] !== undefined) fields.set(field[1], field[2]);
    const afterMatch = AFTER.exec(part);
    if (afterMatch?.[1] !== undefined) after = Number(afterMatch[1]);
    const copyMatch = COPY.exec(part);
    if (copyMatch?.[1] !== undefined) copyOf = Number(copyMatch[1]);
  }
  const build = buildFromDescription(head);
  const kind: WriterKind = copyOf !== undefined ? "copy" : after !== undefined ? "operator" : head.startsWith(TRACKER_HEAD) ? "tracker" : "external";
  return {
    kind,
    ...(build !== undefined ? { build } : {}),
    ...(after !== undefined ? { after } : {}),
    ...(copyOf !== undefined ? { copyOf } : {}),
    fields,
  };
}

/** True when `a` is a build newer than `b`; an unknown `b` is older than any build, an unknown `a` newer than nothing. */
function newer(a: Build | undefined, b: Build | undefined): boolean {
  const left = a === undefined ? undefined : parseBuildOrder(a.version, a.buildVersion);
  if (left === undefined) return false;
  const right = b === undefined ? undefined : parseBuildOrder(b.version, b.buildVersion);
  return right === undefined || compareBuilds(left, right) > 0;
}

export interface Decided extends PointerVersion {
  readonly record: PointerRecord;
}

/** Where the fold ends: the version whose value the pointer must hold, and the winner before it. */
export interface Decision {
  readonly winner: Decided;
  /** The last earlier winner that held another AMI (the rollback target, the `previous` in-use mark). */
  readonly previous?: Decided;
}

/**
 * The fold over the kept versions (any order in; sorted by version). `buildOf` may name a version's build
 * when its description does not (the CLI reads it from the AMI's `Ec2ImageBuilderArn` tag).
 */
export function decide(versions: readonly PointerVersion[], buildOf?: (version: PointerVersion) => Build | undefined): Decision | undefined {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  let winner: Decided | undefined;
  let previous: Decided | undefined;
  for (const version of sorted) {
    const parsed = parseRecord(version.description);
    const build = parsed.build ?? buildOf?.(version);
    const entry: Decided = { ...version, record: { ...parsed, ...(build !== undefined ? { build } : {}) } };
    if (entry.record.kind === "copy" && winner !== undefined) continue;
    let wins: boolean;
    if (winner === undefined) wins = true;
    // A tracker version whose build cannot be read (written before records) wins, as it did when written.
    else if (entry.record.kind === "tracker") wins = entry.record.build === undefined || newer(entry.record.build, winner.record.build);
    else if (entry.record.kind === "operator")
      wins = (entry.record.after !== undefined && winner.version <= entry.record.after) || newer(entry.record.build, winner.record.build);
    else wins = true;
    if (!wins) continue;
    if (winner !== undefined && winner.value !== entry.value) previous = winner;
    winner = entry;
  }
  if (winner === undefined) return undefined;
  return { winner, ...(previous !== undefined ? { previous } : {}) };
}

/**
 * The tags the winner's version implies, from its record alone, so that any writer can write them:
 * a tracker version gets the tracker's tags (tags.ts), an operator version the CLI's (pointerTags, with
 * SSM's LastModifiedUser and LastModifiedDate as who and when), anything else none.
 */
export function recordTags(region: string, winner: Decided): Tag[] {
  const { record } = winner;
  const field = (key: string) => record.fields.get(key);
  if (record.kind === "tracker") {
    const entries = buildTagEntries({
      region,
      amiId: winner.value,
      amiName: field("ami"),
      recipeName: field("recipe"),
      sourcePipelineArn: field("pipeline"),
      imageArn: field("image"),
      version: record.build?.version,
      buildVersion: record.build?.buildVersion,
    });
    return entries.flatMap(([Key, value]) => (value === undefined ? [] : [{ Key, Value: sanitizeTagValue(value) }]));
  }
  if (record.kind === "operator") {
    const tracked = field("of");
    const pointer = field("pointer");
    if (tracked === undefined || pointer === undefined) return [];
    const replaced = field("replaced");
    const image = field("image");
    const amiName = field("ami");
    const recipe = field("recipe");
    const pipeline = field("pipeline");
    return pointerTags(
      {
        region,
        amiId: winner.value,
        ...(amiName !== undefined ? { amiName } : {}),
        ...(image !== undefined ? { imageArn: image } : {}),
        ...(recipe !== undefined ? { recipeName: recipe } : {}),
        ...(pipeline !== undefined ? { sourcePipelineArn: pipeline } : {}),
      },
      {
        tracked,
        pointer,
        by: winner.user ?? "unknown",
        at: winner.modified ?? new Date(0),
        from: field("source") ?? pointer,
        rollback: field("rollback") === "true",
        ...(replaced !== undefined ? { replacedAmiId: replaced } : {}),
      },
    );
  }
  return [];
}

/** True when the parameter's tags describe the winner's value (its AMI and, when known, its build). */
export function tagsDescribe(tags: ReadonlyMap<string, string>, winner: Decided): boolean {
  const wanted = recordTags("", winner);
  if (wanted.length === 0) return ![...tags.keys()].some((key) => isWriterTagKey(key));
  if (tags.get(TAG_AMI_ID) !== winner.value) return false;
  const build = winner.record.build;
  if (build !== undefined && (tags.get(TAG_IMAGE_VERSION) !== build.version || tags.get(TAG_IMAGE_BUILD_VERSION) !== build.buildVersion)) return false;
  return true;
}

/** One pointer in one region, as a writer reaches it: the SDK edge differs between the tracker and the CLI. */
export interface PointerPort {
  readonly region: string;
  /** Every kept version, or undefined when the parameter does not exist. */
  history(): Promise<PointerVersion[] | undefined>;
  /** The version GetParameter shows now (undefined: none). */
  currentVersion(): Promise<number | undefined>;
  /** Writes the value and waits until SSM shows it (aws:ec2:image values are validated asynchronously). */
  put(value: string, description: string): Promise<void>;
  tags(): Promise<ReadonlyMap<string, string>>;
  setTags(add: readonly Tag[], remove: readonly string[]): Promise<void>;
  /** Moves the in-use marks (ami-in-use.ts): `to` current, `from` previous, nothing else. Left out: no marks. */
  moveInUse?(from: string | undefined, to: string): Promise<void>;
}

export interface Converged {
  readonly decision: Decision;
  /** Repairs written (PutParameter of the winner's value). */
  readonly repairs: number;
  /** Whether the tags were rewritten. */
  readonly tagsWritten: boolean;
  readonly passes: number;
}

/** The parameter kept changing under the writer for `passes` passes: fail, so the caller retries. */
export class NotConvergedError extends Error {
  override readonly name = "NotConvergedError";
}

/** Passes before giving up: each is one more concurrent write seen; Lambda's retry starts again. */
export const MAX_PASSES = 5;

/** The previous mark goes only on an AMI a loop writer put there (a seeded public AMI cannot be tagged). */
function previousMark(decision: Decision): string | undefined {
  const previous = decision.previous;
  if (previous === undefined || previous.record.kind === "external") return undefined;
  return previous.value;
}

/**
 * Brings the parameter to the state its history decides: value, tags, in-use marks. Call after the
 * caller's own write is visible. A pass ends with GetParameter: an unchanged version means no write
 * landed during the pass, so what it wrote stands (a write that lands later is converged by its writer).
 */
export async function converge(
  port: PointerPort,
  buildOf?: (version: PointerVersion) => Build | undefined,
  maxPasses = MAX_PASSES,
): Promise<Converged | undefined> {
  let repairs = 0;
  let tagsWritten = false;
  for (let pass = 1; pass <= maxPasses; pass++) {
    const versions = await port.history();
    if (versions === undefined || versions.length === 0) return undefined;
    const decision = decide(versions, buildOf);
    const last = versions.reduce((a, b) => (b.version > a.version ? b : a));
    if (decision === undefined) return undefined;
    if (last.value !== decision.winner.value) {
      await port.put(decision.winner.value, copyDescription(decision.winner));
      repairs++;
      continue;
    }
    // In-use marks before the tags: if they fail, the tags still name what was there, and the retry moves again.
    if (port.moveInUse !== undefined) await port.moveInUse(previousMark(decision), decision.winner.value);
    const tags = await port.tags();
    if (!tagsDescribe(tags, decision.winner)) {
      const wanted = recordTags(port.region, decision.winner);
      await port.setTags(wanted, staleTagKeys(tags, wanted));
      tagsWritten = true;
    }
    if ((await port.currentVersion()) === last.version) return { decision, repairs, tagsWritten, passes: pass };
  }
  throw new NotConvergedError(`the parameter changed during each of ${maxPasses} passes; a retry converges it`);
}
