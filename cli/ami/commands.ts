/**
 * The operator commands: status, history, promote, rollback. Each reads everything first, decides in
 * full (a plan per region), and only then writes; promote and rollback are all or nothing across
 * regions: when one region fails, what was done is undone in reverse, and the report says precisely
 * what is left if an undo fails too. Nothing half-done is reported as done.
 */
import {
  type AmiFacts,
  type Build,
  buildFromDescription,
  buildFromImageArn,
  buildText,
  parseBuildText,
  type ChangeRecord,
  type InUseMove,
  LATEST,
  planInUseMove,
  pointerParameterName,
  pointerTags,
  readChangeRecord,
  staleTagKeys,
  type PointerChange,
  isWriterTagKey,
} from "../../ami-pointers/channels";
import { parameterArn } from "../../ami-pointers/operator-policy";
import { sanitizeTagValue, type Tag, TAG_AMI_ID, TAG_RECIPE_NAME, TAG_SOURCE_PIPELINE_ARN } from "../../ami-pointers/tags";
import { type ChannelGate, gateProblems, revokedTagKey, revokedTagValue, TAG_GATE_OVERRIDE } from "../../ami-pointers/gates";
import { afterVersion, converge, operatorDescription, type PointerPort } from "../../ami-pointers/newest-wins";
import {
  addParameterTags,
  type AwsClients,
  type Caller,
  callerIdentity,
  createAmiTags,
  currentVersion,
  deleteAmiTags,
  deleteParameter,
  deprecateImage,
  disableImage,
  enableImage,
  type ImageFacts,
  type ImageScan,
  imageScan,
  imagesById,
  undeprecateImage,
  inUseHolders,
  parameterHistory,
  parameterTags,
  type ParameterVersion,
  type PointerRef,
  putImageValue,
  removeParameterTags,
  type Sleep,
  waitForVersion,
  type WriteTier,
} from "./aws";

/** One tracked parameter (the tracker's `latest`), its regions and the channels beside it. */
export interface Target {
  readonly parameter: string;
  readonly regions: readonly string[];
  readonly channels: readonly string[];
  /**
   * The pointers are shared through AWS RAM (the configuration's `share`): written in the Advanced tier,
   * which RAM requires. @default false: the tier each pointer has now (Standard for a new one)
   */
  readonly advanced?: boolean;
  /** Promotion gates of some channels (configuration: channelGates). @default none */
  readonly gates?: readonly ChannelGate[];
}

export interface CommandDeps {
  readonly clients: AwsClients;
  readonly now: () => Date;
  readonly sleep: Sleep;
}

/** A request that cannot be carried out as asked (nothing was written). */
export class OperatorError extends Error {
  override readonly name = "OperatorError";
}

function refFor(caller: Caller, region: string, name: string): PointerRef {
  return { name, region, arn: parameterArn(caller.partition, region, caller.account, name) };
}

function buildOf(amiId: string, images: ReadonlyMap<string, ImageFacts>, description?: string): Build | undefined {
  return buildFromImageArn(images.get(amiId)?.imageArn) ?? buildFromDescription(description);
}

function sameBuild(a: Build | undefined, b: Build | undefined): boolean {
  return a !== undefined && b !== undefined && a.version === b.version && a.buildVersion === b.buildVersion;
}

// ---------------------------------------------------------------- status

export interface StatusRow {
  readonly parameter: string;
  readonly pointer: string;
  readonly name: string;
  readonly region: string;
  readonly arn: string;
  readonly exists: boolean;
  readonly amiId?: string;
  readonly build?: string;
  readonly version?: number;
  readonly modified?: string;
  readonly ageSeconds?: number;
  /** The IAM identity SSM recorded for the current version. */
  readonly writtenBy?: string;
  /** The operator tags, when they describe the current value (a promote or a rollback). */
  readonly change?: ChangeRecord;
}

export interface StatusReport {
  readonly command: "status";
  readonly rows: readonly StatusRow[];
}

export async function status(deps: CommandDeps, targets: readonly Target[]): Promise<StatusReport> {
  const caller = await callerIdentity(deps.clients, firstRegion(targets));
  const rows: StatusRow[] = [];
  for (const target of targets) {
    for (const region of target.regions) {
      const pointers = [LATEST, ...target.channels];
      const found: Array<{ pointer: string; ref: PointerRef; current?: ParameterVersion; tags?: Map<string, string> }> = [];
      for (const pointer of pointers) {
        const ref = refFor(caller, region, pointerParameterName(target.parameter, pointer));
        const history = await parameterHistory(deps.clients, ref);
        const current = history?.[history.length - 1];
        const tags = current === undefined ? undefined : await parameterTags(deps.clients, ref);
        found.push({ pointer, ref, ...(current ? { current } : {}), ...(tags ? { tags } : {}) });
      }
      const amiIds = found.flatMap((entry) => (entry.current ? [entry.current.value] : []));
      const images = amiIds.length > 0 ? await imagesById(deps.clients, caller.partition, region, amiIds) : new Map<string, ImageFacts>();
      for (const entry of found) {
        const base = { parameter: target.parameter, pointer: entry.pointer, name: entry.ref.name, region, arn: entry.ref.arn };
        if (entry.current === undefined) {
          rows.push({ ...base, exists: false });
          continue;
        }
        const { current } = entry;
        const change = entry.tags ? readChangeRecord(entry.tags, current.value) : undefined;
        rows.push({
          ...base,
          exists: true,
          amiId: current.value,
          build: buildText(buildOf(current.value, images, current.description)),
          version: current.version,
          ...(current.modified
            ? { modified: current.modified.toISOString(), ageSeconds: Math.max(0, Math.round((deps.now().getTime() - current.modified.getTime()) / 1000)) }
            : {}),
          ...(current.user ? { writtenBy: current.user } : {}),
          ...(change ? { change } : {}),
        });
      }
    }
  }
  return { command: "status", rows };
}

// ---------------------------------------------------------------- history

export interface HistoryEntry {
  readonly version: number;
  readonly amiId: string;
  readonly build: string;
  readonly modified?: string;
  readonly user?: string;
  readonly current: boolean;
}

export interface HistoryReport {
  readonly command: "history";
  readonly parameter: string;
  readonly pointer: string;
  readonly regions: ReadonlyArray<{ readonly region: string; readonly arn: string; readonly exists: boolean; readonly versions: readonly HistoryEntry[] }>;
}

export async function history(deps: CommandDeps, target: Target, pointer: string): Promise<HistoryReport> {
  const caller = await callerIdentity(deps.clients, firstRegion([target]));
  const name = pointerParameterName(target.parameter, pointer);
  const regions: Array<HistoryReport["regions"][number]> = [];
  for (const region of target.regions) {
    const ref = refFor(caller, region, name);
    const versions = await parameterHistory(deps.clients, ref);
    if (versions === undefined) {
      regions.push({ region, arn: ref.arn, exists: false, versions: [] });
      continue;
    }
    const images =
      versions.length > 0
        ? await imagesById(
            deps.clients,
            caller.partition,
            region,
            versions.map((entry) => entry.value),
          )
        : new Map<string, ImageFacts>();
    const last = versions[versions.length - 1]?.version;
    regions.push({
      region,
      arn: ref.arn,
      exists: true,
      versions: versions.map((entry) => ({
        version: entry.version,
        amiId: entry.value,
        build: buildText(buildOf(entry.value, images, entry.description)),
        ...(entry.modified ? { modified: entry.modified.toISOString() } : {}),
        ...(entry.user ? { user: entry.user } : {}),
        current: entry.version === last,
      })),
    });
  }
  return { command: "history", parameter: target.parameter, pointer, regions };
}

// ---------------------------------------------------------------- the change engine (promote, rollback)

/** What one region's pointer holds before a change. */
interface Before {
  readonly exists: boolean;
  readonly version?: number;
  readonly amiId?: string;
  readonly description?: string;
  /** The current version's tier (GetParameterHistory). */
  readonly tier?: string;
  readonly tags: ReadonlyMap<string, string>;
}

/**
 * The Tier a write sends, always explicit (without it SSM applies the account's default tier setting):
 * Advanced for a shared pointer (RAM shares only Advanced parameters) and for one that is Advanced
 * already (SSM refuses to downgrade Advanced to Standard: "You can change a standard parameter to an
 * advanced parameter any time. But you can't revert an advanced parameter to a standard parameter",
 * PutParameter API reference, Tier; hashicorp/terraform-provider-aws internal/service/ssm/parameter.go
 * quotes the ValidationException); Standard otherwise, which costs nothing.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-default-tier.html
 */
export function writeTier(target: Pick<Target, "advanced">, before: Pick<Before, "tier">): WriteTier {
  return target.advanced === true || before.tier === "Advanced" ? "Advanced" : "Standard";
}

/** One region's decided change. */
interface RegionPlan {
  readonly region: string;
  readonly ref: PointerRef;
  readonly before: Before;
  readonly toAmiId: string;
  readonly toBuild?: Build;
  readonly fromBuild?: Build;
  /** The Tier every write of this pointer sends, the undo's too (an upgrade to Advanced cannot be undone). */
  readonly tier: WriteTier;
  readonly tags: readonly Tag[];
  readonly staleKeys: readonly string[];
  readonly description: string;
  readonly inUse: InUseMove;
  readonly unchanged: boolean;
}

export type RegionStatus = "changed" | "unchanged" | "would-change" | "undone" | "failed" | "not-attempted" | "undo-failed";

export interface RegionOutcome {
  readonly region: string;
  readonly arn: string;
  readonly status: RegionStatus;
  readonly fromAmiId?: string;
  readonly fromBuild?: string;
  readonly toAmiId: string;
  readonly toBuild: string;
  /** The Tier the write sends (or would send). */
  readonly tier: WriteTier;
  /** In-use tag edits on AMIs (ami-in-use.ts), as `+key on ami` / `-key on ami`. */
  readonly amiTags: readonly string[];
  /** The error that stopped this region, or the undo that failed. */
  readonly error?: string;
  /** What is still in place after a failed undo. */
  readonly leftInPlace?: readonly string[];
}

export interface ChangeReport {
  readonly command: "promote" | "rollback";
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly parameter: string;
  readonly pointer: string;
  readonly from: string;
  readonly by: string;
  readonly regions: readonly RegionOutcome[];
  /** Why the change did not happen, when `ok` is false. */
  readonly error?: string;
  /** The channel's gate: what it found, and the override that passed it. */
  readonly gate?: { readonly channel: string; readonly problems: readonly string[]; readonly override?: string };
}

interface Done {
  readonly region: string;
  readonly what: string;
  readonly undo: () => Promise<void>;
}

function editText(move: InUseMove): string[] {
  return [...move.create.map((edit) => `+${edit.key} on ${edit.imageId}`), ...move.remove.map((edit) => `-${edit.key} on ${edit.imageId}`)];
}

function ownedTags(tags: ReadonlyMap<string, string>): Tag[] {
  return [...tags.entries()].filter(([key]) => isWriterTagKey(key)).map(([Key, Value]) => ({ Key, Value }));
}

async function applyRegion(deps: CommandDeps, caller: Caller, plan: RegionPlan, done: Done[]): Promise<void> {
  const { clients } = deps;
  const { ref, before, region } = plan;
  // Another writer (the tracker, another operator) since the plan was read: stop rather than overwrite.
  const seen = await currentVersion(clients, ref);
  if (seen !== before.version) {
    throw new OperatorError(
      `${ref.arn} changed since it was read (version ${before.version ?? "none"}, now ${seen ?? "none"}): someone else wrote it; run the command again`,
    );
  }
  const version = await putImageValue(clients, ref, plan.toAmiId, plan.description, plan.tier);
  const regionSteps = done.length;
  if (before.exists && before.amiId !== undefined) {
    const oldAmi = before.amiId;
    done.push({
      region,
      what: `${ref.name} holds ${plan.toAmiId} (was ${oldAmi})`,
      undo: async () => {
        // An operator write that saw this command's own version: it wins the fold (newest-wins.ts).
        const restored = await putImageValue(clients, ref, oldAmi, afterVersion(before.description ?? "", version), plan.tier);
        await waitForVersion(clients, ref, restored, oldAmi, deps.sleep);
      },
    });
  } else {
    done.push({ region, what: `${ref.name} created holding ${plan.toAmiId}`, undo: () => deleteParameter(clients, ref) });
  }
  await waitForVersion(clients, ref, version, plan.toAmiId, deps.sleep);

  await removeParameterTags(clients, ref, plan.staleKeys);
  await addParameterTags(clients, ref, plan.tags);
  if (before.exists) {
    const previous = ownedTags(before.tags);
    const previousKeys = new Set(previous.map((tag) => tag.Key));
    done.push({
      region,
      what: `tags of ${ref.name} describe ${plan.toAmiId}`,
      undo: async () => {
        await removeParameterTags(
          clients,
          ref,
          plan.tags.map((tag) => tag.Key).filter((key) => !previousKeys.has(key)),
        );
        await addParameterTags(clients, ref, previous);
      },
    });
  }

  for (const edit of plan.inUse.create) {
    await createAmiTags(clients, caller.partition, region, [edit]);
    done.push({ region, what: `+${edit.key} on ${edit.imageId}`, undo: () => deleteAmiTags(clients, caller.partition, region, [edit]) });
  }
  for (const edit of plan.inUse.remove) {
    await deleteAmiTags(clients, caller.partition, region, [edit]);
    done.push({ region, what: `-${edit.key} on ${edit.imageId}`, undo: () => createAmiTags(clients, caller.partition, region, [edit]) });
  }
  // The same rule as the tracker's: if a newer build was written concurrently, it wins, and the
  // parameter's value, tags and in-use marks are brought to it; this region then has nothing to undo.
  const converged = await converge(pointerPort(deps, caller, ref, plan.tier));
  const winner = converged?.decision.winner;
  if (winner !== undefined && winner.value !== plan.toAmiId) {
    done.splice(regionSteps);
    throw new OperatorError(
      `${ref.arn}: ${winner.value} (${buildText(winner.record.build)}) was written concurrently and wins over ${plan.toAmiId} (newest build wins); the parameter holds it`,
    );
  }
}

/** One pointer in one region as newest-wins.ts reaches it, through the CLI's SDK edge. */
function pointerPort(deps: CommandDeps, caller: Caller, ref: PointerRef, tier: WriteTier): PointerPort {
  const { clients } = deps;
  return {
    region: ref.region,
    history: () => parameterHistory(clients, ref),
    currentVersion: () => currentVersion(clients, ref),
    async put(value, description) {
      const written = await putImageValue(clients, ref, value, description, tier);
      await waitForVersion(clients, ref, written, value, deps.sleep);
    },
    tags: async () => (await parameterTags(clients, ref)) ?? new Map<string, string>(),
    async setTags(add, remove) {
      await removeParameterTags(clients, ref, remove);
      await addParameterTags(clients, ref, add);
    },
    async moveInUse(from, to) {
      const holders = await inUseHolders(clients, caller.partition, ref.region, ref.name);
      const move = planInUseMove(ref.name, from, to, holders);
      await createAmiTags(clients, caller.partition, ref.region, move.create);
      await deleteAmiTags(clients, caller.partition, ref.region, move.remove);
    },
  };
}

function outcome(plan: RegionPlan, status: RegionStatus, extra: { error?: string; leftInPlace?: string[] } = {}): RegionOutcome {
  return {
    region: plan.region,
    arn: plan.ref.arn,
    status,
    ...(plan.before.amiId !== undefined ? { fromAmiId: plan.before.amiId, fromBuild: buildText(plan.fromBuild) } : {}),
    toAmiId: plan.toAmiId,
    toBuild: buildText(plan.toBuild),
    tier: plan.tier,
    amiTags: plan.unchanged ? [] : editText(plan.inUse),
    ...(extra.error !== undefined ? { error: extra.error } : {}),
    ...(extra.leftInPlace !== undefined && extra.leftInPlace.length > 0 ? { leftInPlace: extra.leftInPlace } : {}),
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Undoes in reverse; an undo that fails leaves its step (and every earlier one of that region) in place. */
async function undoAll(done: readonly Done[]): Promise<{ undoErrors: Map<string, string>; left: Map<string, string[]> }> {
  const undoErrors = new Map<string, string>();
  const left = new Map<string, string[]>();
  for (const step of [...done].reverse()) {
    if (undoErrors.has(step.region)) {
      left.get(step.region)?.push(step.what);
      continue;
    }
    try {
      await step.undo();
    } catch (error) {
      undoErrors.set(step.region, `undo of "${step.what}" failed: ${message(error)}`);
      left.set(step.region, [step.what]);
    }
  }
  return { undoErrors, left };
}

/** Applies every region's plan; on the first failure undoes everything done, in reverse. */
async function applyAll(deps: CommandDeps, caller: Caller, plans: readonly RegionPlan[]): Promise<{ ok: boolean; regions: RegionOutcome[]; error?: string }> {
  const done: Done[] = [];
  let failedRegion: string | undefined;
  let failure: string | undefined;
  for (const plan of plans) {
    if (plan.unchanged) continue;
    try {
      await applyRegion(deps, caller, plan, done);
    } catch (error) {
      failedRegion = plan.region;
      failure = message(error);
      break;
    }
  }
  if (failedRegion === undefined) return { ok: true, regions: plans.map((plan) => outcome(plan, plan.unchanged ? "unchanged" : "changed")) };

  const { undoErrors, left } = await undoAll(done);
  const attempted = new Set(done.map((step) => step.region));
  let reached = false;
  const regions = plans.map((plan) => {
    const isFailed = plan.region === failedRegion;
    const after = reached;
    if (isFailed) reached = true;
    const undoError = undoErrors.get(plan.region);
    const leftInPlace = left.get(plan.region) ?? [];
    if (undoError !== undefined) {
      return outcome(plan, "undo-failed", { error: isFailed ? `${failure}; then ${undoError}` : undoError, leftInPlace });
    }
    if (isFailed) return outcome(plan, "failed", { ...(failure !== undefined ? { error: failure } : {}) });
    if (plan.unchanged) return outcome(plan, "unchanged");
    if (after || !attempted.has(plan.region)) return outcome(plan, "not-attempted");
    return outcome(plan, "undone");
  });
  const stuck = [...undoErrors.keys()];
  const error =
    stuck.length === 0
      ? `${failedRegion} failed (${failure}); every region is back as it was`
      : `${failedRegion} failed (${failure}); the undo failed in ${stuck.join(", ")}: see leftInPlace`;
  return { ok: false, regions, error };
}

// ---------------------------------------------------------------- promote

export interface PromoteRequest {
  readonly target: Target;
  /** The channel to write. */
  readonly to: string;
  /** Where the build comes from: `latest` or another channel. @default "latest" */
  readonly from?: string;
  /** A build (`1.2.0/3`) from `latest`'s history instead of the source's current value. */
  readonly build?: Build;
  readonly dryRun: boolean;
  /** Promote although the channel's gate refuses the build; recorded on the channel (GATE_OVERRIDE). */
  readonly override?: string;
}

async function readBefore(deps: CommandDeps, ref: PointerRef): Promise<{ before: Before; history?: ParameterVersion[] }> {
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

function amiFacts(region: string, image: ImageFacts, sourceTags: ReadonlyMap<string, string> | undefined): AmiFacts {
  const sameAmi = sourceTags?.get(TAG_AMI_ID) === image.amiId;
  const recipe = sameAmi ? sourceTags?.get(TAG_RECIPE_NAME) : undefined;
  const pipeline = sameAmi ? sourceTags?.get(TAG_SOURCE_PIPELINE_ARN) : undefined;
  return {
    region,
    amiId: image.amiId,
    ...(image.name ? { amiName: image.name } : {}),
    ...(image.imageArn ? { imageArn: image.imageArn } : {}),
    ...(recipe ? { recipeName: recipe } : {}),
    ...(pipeline ? { sourcePipelineArn: pipeline } : {}),
  };
}

async function planRegion(
  deps: CommandDeps,
  caller: Caller,
  region: string,
  ref: PointerRef,
  before: Before,
  toAmiId: string,
  change: PointerChange,
  sourceTags: ReadonlyMap<string, string> | undefined,
  tier: WriteTier,
): Promise<RegionPlan> {
  const images = await imagesById(deps.clients, caller.partition, region, [toAmiId, ...(before.amiId ? [before.amiId] : [])]);
  const image = images.get(toAmiId);
  if (image === undefined) throw new OperatorError(`${toAmiId} no longer exists in ${region} (deregistered?): ${ref.arn} cannot point to it`);
  const facts = amiFacts(region, image, sourceTags);
  const tags = pointerTags(facts, change);
  const holders = await inUseHolders(deps.clients, caller.partition, region, ref.name);
  const unchanged = before.exists && before.amiId === toAmiId && !change.rollback;
  const toBuild = buildFromImageArn(image.imageArn);
  const fromBuild = before.amiId ? buildOf(before.amiId, images, before.description) : undefined;
  return {
    region,
    ref,
    before,
    toAmiId,
    ...(toBuild ? { toBuild } : {}),
    ...(fromBuild ? { fromBuild } : {}),
    tier,
    tags,
    // A gate override describes the promote that wrote it: any later change removes it.
    staleKeys: [...staleTagKeys(before.tags, tags), ...(before.tags.has(TAG_GATE_OVERRIDE) ? [TAG_GATE_OVERRIDE] : [])],
    description: operatorDescription(facts, change, before.version ?? 0),
    inUse: planInUseMove(ref.name, before.amiId, toAmiId, holders),
    unchanged,
  };
}

function firstRegion(targets: readonly Target[]): string {
  const region = targets[0]?.regions[0];
  if (region === undefined) throw new OperatorError("no region: pass --region or configure amiTracker.trackedRegions");
  return region;
}

export async function promote(deps: CommandDeps, request: PromoteRequest): Promise<ChangeReport> {
  const { target } = request;
  const from = request.from ?? LATEST;
  const channelName = pointerParameterName(target.parameter, request.to);
  if (request.to === from) throw new OperatorError(`promote: --to ${request.to} and --from ${from} are the same pointer; pick another channel`);
  const sourceName = pointerParameterName(target.parameter, from);
  const caller = await callerIdentity(deps.clients, firstRegion([target]));
  const at = deps.now();

  const plans: RegionPlan[] = [];
  const problems: string[] = [];
  for (const region of target.regions) {
    const trackedRef = refFor(caller, region, target.parameter);
    const sourceRef = refFor(caller, region, sourceName);
    const channelRef = refFor(caller, region, channelName);
    const trackedHistory = await parameterHistory(deps.clients, trackedRef);
    if (trackedHistory === undefined || trackedHistory.length === 0) {
      problems.push(`${region}: ${trackedRef.arn} does not exist; nothing was ever latest there`);
      continue;
    }
    let toAmiId: string | undefined;
    let sourceTags: ReadonlyMap<string, string> | undefined;
    if (request.build !== undefined) {
      const revoked = (await parameterTags(deps.clients, trackedRef))?.get(revokedTagKey(request.build));
      if (revoked !== undefined) {
        problems.push(`${region}: build ${buildText(request.build)} was revoked (${revoked}); \`npm run ami -- restore ${buildText(request.build)}\` lifts it`);
        continue;
      }
      const images = await imagesById(
        deps.clients,
        caller.partition,
        region,
        trackedHistory.map((entry) => entry.value),
        true,
      );
      const match = [...trackedHistory].reverse().find((entry) => sameBuild(buildOf(entry.value, images, entry.description), request.build));
      if (match === undefined) {
        problems.push(`${region}: build ${buildText(request.build)} is not among the ${trackedHistory.length} kept versions of ${trackedRef.arn}`);
        continue;
      }
      toAmiId = match.value;
    } else {
      const source = await readBefore(deps, sourceRef);
      if (!source.before.exists || source.before.amiId === undefined) {
        problems.push(`${region}: the source ${sourceRef.arn} does not exist`);
        continue;
      }
      toAmiId = source.before.amiId;
      sourceTags = source.before.tags;
    }
    // The invariant: a channel only ever holds a build that was once latest in that region.
    if (!trackedHistory.some((entry) => entry.value === toAmiId)) {
      problems.push(
        `${region}: ${toAmiId} was never latest among the ${trackedHistory.length} kept versions of ${trackedRef.arn}; a channel only holds builds that were latest`,
      );
      continue;
    }
    const { before } = await readBefore(deps, channelRef);
    const change: PointerChange = {
      tracked: target.parameter,
      pointer: request.to,
      by: caller.arn,
      at,
      from,
      rollback: false,
      ...(before.amiId && before.amiId !== toAmiId ? { replacedAmiId: before.amiId } : {}),
    };
    plans.push(await planRegion(deps, caller, region, channelRef, before, toAmiId, change, sourceTags, writeTier(target, before)));
  }
  if (problems.length > 0) throw new OperatorError(`promote to ${request.to}: nothing was written:\n  - ${problems.join("\n  - ")}`);

  const builds = new Set(plans.map((plan) => buildText(plan.toBuild)));
  if (builds.size > 1) {
    const detail = plans.map((plan) => `${plan.region}: ${plan.toAmiId} (${buildText(plan.toBuild)})`).join(", ");
    throw new OperatorError(
      `promote to ${request.to}: ${from} holds different builds across regions (${detail}); nothing was written. Wait for the tracker, or pass --build VERSION/BUILD`,
    );
  }
  await refuseRevoked(deps, caller, target, plans, `promote to ${request.to}`);
  const gate = target.gates?.find((entry) => entry.channel === request.to);
  const gateProblemList = gate === undefined ? [] : await checkGate(deps, caller, gate, plans);
  if (gateProblemList.length > 0 && request.override === undefined) {
    throw new OperatorError(
      `promote to ${request.to}: the channel's gate refuses ${buildText(plans[0]?.toBuild)}; nothing was written:\n  - ${gateProblemList.join("\n  - ")}\n  Pass --override REASON to promote anyway (the reason is recorded on the channel).`,
    );
  }
  const overrideText =
    request.override !== undefined && gateProblemList.length > 0
      ? sanitizeTagValue(`${request.override} - by ${caller.arn} - ${gateProblemList.join(" - ")}`)
      : undefined;
  const gated = plans.map((plan) => withOverride(plan, overrideText));
  const report = await finish(deps, caller, "promote", request.dryRun, target.parameter, request.to, from, gated);
  return gate === undefined
    ? report
    : { ...report, gate: { channel: gate.channel, problems: gateProblemList, ...(overrideText !== undefined ? { override: overrideText } : {}) } };
}

/** The channel's GATE_OVERRIDE tag: written with an override, removed by any other change. */
function withOverride(plan: RegionPlan, overrideText: string | undefined): RegionPlan {
  if (overrideText === undefined) return plan;
  return {
    ...plan,
    tags: [...plan.tags, { Key: TAG_GATE_OVERRIDE, Value: overrideText }],
    staleKeys: plan.staleKeys.filter((key) => key !== TAG_GATE_OVERRIDE),
  };
}

/** A revoked build (its tag on the tracked parameter, gates.ts) is never promoted again until restored. */
async function refuseRevoked(deps: CommandDeps, caller: Caller, target: Target, plans: readonly RegionPlan[], what: string): Promise<void> {
  const problems: string[] = [];
  for (const plan of plans) {
    if (plan.toBuild === undefined) continue;
    const tags = await parameterTags(deps.clients, refFor(caller, plan.region, target.parameter));
    const record = tags?.get(revokedTagKey(plan.toBuild));
    if (record !== undefined)
      problems.push(`${plan.region}: build ${buildText(plan.toBuild)} was revoked (${record}); \`npm run ami -- restore ${buildText(plan.toBuild)}\` lifts it`);
  }
  if (problems.length > 0) throw new OperatorError(`${what}: nothing was written:\n  - ${problems.join("\n  - ")}`);
}

/** The gate's verdict in every region: bake time from the AMI's CreationDate, findings from Image Builder's scan. */
async function checkGate(deps: CommandDeps, caller: Caller, gate: ChannelGate, plans: readonly RegionPlan[]): Promise<string[]> {
  const scans = new Map<string, ImageScan>();
  const problems: string[] = [];
  for (const plan of plans) {
    const images = await imagesById(deps.clients, caller.partition, plan.region, [plan.toAmiId]);
    const image = images.get(plan.toAmiId);
    let scan: ImageScan | undefined;
    if (gate.maxSeverity !== undefined && image?.imageArn !== undefined) {
      scan = scans.get(image.imageArn) ?? (await imageScan(deps.clients, image.imageArn));
      scans.set(image.imageArn, scan);
    }
    problems.push(
      ...gateProblems(
        gate,
        { region: plan.region, amiId: plan.toAmiId, ...(image?.created ? { created: image.created } : {}), ...(scan ? { scan } : {}) },
        deps.now(),
      ),
    );
  }
  return problems;
}

async function finish(
  deps: CommandDeps,
  caller: Caller,
  command: "promote" | "rollback",
  dryRun: boolean,
  parameter: string,
  pointer: string,
  from: string,
  plans: readonly RegionPlan[],
): Promise<ChangeReport> {
  const base = { command, dryRun, parameter, pointer, from, by: caller.arn };
  if (dryRun) return { ...base, ok: true, regions: plans.map((plan) => outcome(plan, plan.unchanged ? "unchanged" : "would-change")) };
  const result = await applyAll(deps, caller, plans);
  return { ...base, ok: result.ok, regions: result.regions, ...(result.error !== undefined ? { error: result.error } : {}) };
}

// ---------------------------------------------------------------- rollback

export interface RollbackRequest {
  readonly target: Target;
  /** `latest` or a channel. */
  readonly pointer: string;
  readonly dryRun: boolean;
}

/** The most recent version before the current one that holds another AMI. */
export function previousValue(versions: readonly ParameterVersion[]): ParameterVersion | undefined {
  const current = versions[versions.length - 1];
  if (current === undefined) return undefined;
  return [...versions].reverse().find((entry) => entry.value !== current.value);
}

export async function rollback(deps: CommandDeps, request: RollbackRequest): Promise<ChangeReport> {
  const { target, pointer } = request;
  const name = pointerParameterName(target.parameter, pointer);
  const caller = await callerIdentity(deps.clients, firstRegion([target]));
  const at = deps.now();
  const plans: RegionPlan[] = [];
  const problems: string[] = [];
  for (const region of target.regions) {
    const ref = refFor(caller, region, name);
    const { before, history: versions } = await readBefore(deps, ref);
    if (!before.exists || versions === undefined) {
      problems.push(`${region}: ${ref.arn} does not exist`);
      continue;
    }
    const previous = previousValue(versions);
    if (previous === undefined) {
      problems.push(`${region}: ${ref.arn} has no previous build to roll back to (its ${versions.length} kept version(s) all hold ${before.amiId})`);
      continue;
    }
    const change: PointerChange = {
      tracked: target.parameter,
      pointer,
      by: caller.arn,
      at,
      from: pointer,
      rollback: true,
      ...(before.amiId ? { replacedAmiId: before.amiId } : {}),
    };
    plans.push(await planRegion(deps, caller, region, ref, before, previous.value, change, undefined, writeTier(target, before)));
  }
  if (problems.length > 0) throw new OperatorError(`rollback of ${pointer}: nothing was written:\n  - ${problems.join("\n  - ")}`);
  return finish(deps, caller, "rollback", request.dryRun, target.parameter, pointer, pointer, plans);
}

// ---------------------------------------------------------------- revoke, restore

export interface RevokeRequest {
  readonly target: Target;
  /** A build (`1.2.0/3`) or one of its AMI IDs (in any of the target's regions). */
  readonly subject: string;
  readonly reason?: string;
  readonly dryRun: boolean;
}

export type RevokeStatus = "revoked" | "restored" | "would-revoke" | "would-restore" | "undone" | "failed" | "not-attempted" | "undo-failed";

export interface RevokeRegion {
  readonly region: string;
  readonly amiId: string;
  readonly status: RevokeStatus;
  /** The pointers that held the AMI and were moved back to their previous build (revoke only). */
  readonly moved: ReadonlyArray<{ readonly pointer: string; readonly arn: string; readonly toAmiId: string; readonly toBuild: string }>;
  readonly error?: string;
  readonly leftInPlace?: readonly string[];
}

export interface RevokeReport {
  readonly command: "revoke" | "restore";
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly parameter: string;
  readonly build: string;
  readonly by: string;
  readonly reason?: string;
  readonly regions: readonly RevokeRegion[];
  readonly error?: string;
  /** What the command does not do. */
  readonly note?: string;
}

/** The build a subject names, from its text or from the AMI's `Ec2ImageBuilderArn` tag. */
async function subjectBuild(deps: CommandDeps, caller: Caller, target: Target, subject: string): Promise<Build> {
  const build = parseBuildText(subject);
  if (build !== undefined) return build;
  // The AMI's existence is what DescribeImages checks below; the shape only tells an AMI from a build.
  if (!/^ami-[0-9a-z]{1,17}$/.test(subject))
    throw new OperatorError(`"${subject.slice(0, 64)}" is neither a build (VERSION/BUILD, e.g. 1.2.0/3) nor an AMI ID (ami-...)`);
  for (const region of target.regions) {
    const image = (await imagesById(deps.clients, caller.partition, region, [subject], true)).get(subject);
    const found = buildFromImageArn(image?.imageArn);
    if (found !== undefined) return found;
    if (image !== undefined) throw new OperatorError(`${subject} in ${region} has no Ec2ImageBuilderArn tag: it is not a build of the loop`);
  }
  throw new OperatorError(`${subject} exists in none of ${target.regions.join(", ")}`);
}

/** The build's AMI in one region: the newest kept version of `latest` that holds it. */
async function buildAmi(deps: CommandDeps, caller: Caller, target: Target, region: string, build: Build): Promise<string | undefined> {
  const versions = (await parameterHistory(deps.clients, refFor(caller, region, target.parameter))) ?? [];
  const images =
    versions.length > 0
      ? await imagesById(
          deps.clients,
          caller.partition,
          region,
          versions.map((entry) => entry.value),
          true,
        )
      : new Map();
  return [...versions].reverse().find((entry) => sameBuild(buildOf(entry.value, images, entry.description), build))?.value;
}

/** DeprecateAt may not be in the past and rounds to the minute: the next whole minute, plus one. */
export function deprecateAt(now: Date): Date {
  return new Date(Math.ceil(now.getTime() / 60_000) * 60_000 + 60_000);
}

interface RevokeUnit {
  readonly region: string;
  readonly amiId: string;
  readonly pointers: readonly RegionPlan[];
}

async function runUnits(
  units: readonly RevokeUnit[],
  apply: (unit: RevokeUnit, done: Done[]) => Promise<void>,
  okStatus: RevokeStatus,
): Promise<{ ok: boolean; regions: RevokeRegion[]; error?: string }> {
  const done: Done[] = [];
  let failedRegion: string | undefined;
  let failure: string | undefined;
  for (const unit of units) {
    try {
      await apply(unit, done);
    } catch (error) {
      failedRegion = unit.region;
      failure = message(error);
      break;
    }
  }
  const moved = (unit: RevokeUnit) =>
    unit.pointers.map((plan) => ({ pointer: plan.ref.name, arn: plan.ref.arn, toAmiId: plan.toAmiId, toBuild: buildText(plan.toBuild) }));
  if (failedRegion === undefined)
    return { ok: true, regions: units.map((unit) => ({ region: unit.region, amiId: unit.amiId, status: okStatus, moved: moved(unit) })) };
  const { undoErrors, left } = await undoAll(done);
  const attempted = new Set(done.map((step) => step.region));
  let reached = false;
  const regions = units.map((unit): RevokeRegion => {
    const base = { region: unit.region, amiId: unit.amiId, moved: moved(unit) };
    const isFailed = unit.region === failedRegion;
    const after = reached;
    if (isFailed) reached = true;
    const undoError = undoErrors.get(unit.region);
    if (undoError !== undefined)
      return { ...base, status: "undo-failed", error: isFailed ? `${failure}; then ${undoError}` : undoError, leftInPlace: left.get(unit.region) ?? [] };
    if (isFailed) return { ...base, status: "failed", ...(failure !== undefined ? { error: failure } : {}) };
    if (after || !attempted.has(unit.region)) return { ...base, status: "not-attempted" };
    return { ...base, status: "undone" };
  });
  const stuck = [...undoErrors.keys()];
  const error =
    stuck.length === 0
      ? `${failedRegion} failed (${failure}); every region is back as it was`
      : `${failedRegion} failed (${failure}); the undo failed in ${stuck.join(", ")}: see leftInPlace`;
  return { ok: false, regions, error };
}

/**
 * Revoke: in every region, every pointer (latest and the channels) that holds the build goes back to its
 * previous build (the rollback's plan and writes), the tracked parameter records who, when and why
 * (a `ami-loop:revoked:<build>` tag that promote refuses), and the AMI is deprecated and disabled. All or
 * nothing: a region that fails is undone, and so is every region before it.
 */
export async function revoke(deps: CommandDeps, request: RevokeRequest): Promise<RevokeReport> {
  const { target } = request;
  const caller = await callerIdentity(deps.clients, firstRegion([target]));
  const build = await subjectBuild(deps, caller, target, request.subject);
  const at = deps.now();
  const units: RevokeUnit[] = [];
  const problems: string[] = [];
  for (const region of target.regions) {
    const amiId = await buildAmi(deps, caller, target, region, build);
    if (amiId === undefined) {
      problems.push(`${region}: build ${buildText(build)} is not among the kept versions of ${refFor(caller, region, target.parameter).arn}`);
      continue;
    }
    const pointers: RegionPlan[] = [];
    for (const pointer of [LATEST, ...target.channels]) {
      const ref = refFor(caller, region, pointerParameterName(target.parameter, pointer));
      const { before, history: versions } = await readBefore(deps, ref);
      if (!before.exists || before.amiId !== amiId || versions === undefined) continue;
      const previous = [...versions].reverse().find((entry) => entry.value !== amiId);
      if (previous === undefined) {
        problems.push(`${region}: ${ref.arn} holds ${amiId} and has no earlier build to move back to; promote another build there first`);
        continue;
      }
      const change: PointerChange = { tracked: target.parameter, pointer, by: caller.arn, at, from: pointer, rollback: true, replacedAmiId: amiId };
      pointers.push(await planRegion(deps, caller, region, ref, before, previous.value, change, undefined, writeTier(target, before)));
    }
    units.push({ region, amiId, pointers });
  }
  const base = {
    command: "revoke" as const,
    dryRun: request.dryRun,
    parameter: target.parameter,
    build: buildText(build),
    by: caller.arn,
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
  };
  if (problems.length > 0) throw new OperatorError(`revoke of ${buildText(build)}: nothing was changed:\n  - ${problems.join("\n  - ")}`);
  if (request.dryRun) {
    return {
      ...base,
      ok: true,
      regions: units.map((unit) => ({
        region: unit.region,
        amiId: unit.amiId,
        status: "would-revoke" as const,
        moved: unit.pointers.map((plan) => ({ pointer: plan.ref.name, arn: plan.ref.arn, toAmiId: plan.toAmiId, toBuild: buildText(plan.toBuild) })),
      })),
    };
  }
  const key = revokedTagKey(build);
  const value = revokedTagValue(caller.arn, at, request.reason);
  const result = await runUnits(
    units,
    async (unit, done) => {
      // Pointers first: a consumer never resolves a pointer to a disabled AMI.
      for (const plan of unit.pointers) await applyRegion(deps, caller, plan, done);
      const trackedRef = refFor(caller, unit.region, target.parameter);
      await addParameterTags(deps.clients, trackedRef, [{ Key: key, Value: value }]);
      done.push({ region: unit.region, what: `${key} on ${trackedRef.name}`, undo: () => removeParameterTags(deps.clients, trackedRef, [key]) });
      await deprecateImage(deps.clients, caller.partition, unit.region, unit.amiId, deprecateAt(at));
      done.push({
        region: unit.region,
        what: `${unit.amiId} deprecated`,
        undo: () => undeprecateImage(deps.clients, caller.partition, unit.region, unit.amiId),
      });
      await disableImage(deps.clients, caller.partition, unit.region, unit.amiId);
      done.push({ region: unit.region, what: `${unit.amiId} disabled`, undo: () => enableImage(deps.clients, caller.partition, unit.region, unit.amiId) });
    },
    "revoked",
  );
  return { ...base, ok: result.ok, regions: result.regions, ...(result.error !== undefined ? { error: result.error } : {}) };
}

/**
 * Restore: undoes a revoke's marks (EnableImage, DisableImageDeprecation, the revoked tag), so that the
 * build may be promoted again. Pointers are not moved forward: promote it (or wait for a newer build).
 */
export async function restore(deps: CommandDeps, request: RevokeRequest): Promise<RevokeReport> {
  const { target } = request;
  const caller = await callerIdentity(deps.clients, firstRegion([target]));
  const build = await subjectBuild(deps, caller, target, request.subject);
  const key = revokedTagKey(build);
  const units: Array<RevokeUnit & { readonly record?: string }> = [];
  const problems: string[] = [];
  for (const region of target.regions) {
    const amiId = await buildAmi(deps, caller, target, region, build);
    if (amiId === undefined) {
      problems.push(`${region}: build ${buildText(build)} is not among the kept versions of ${refFor(caller, region, target.parameter).arn}`);
      continue;
    }
    const record = (await parameterTags(deps.clients, refFor(caller, region, target.parameter)))?.get(key);
    units.push({ region, amiId, pointers: [], ...(record !== undefined ? { record } : {}) });
  }
  const note = "restore moves no pointer forward: promote the build again, or wait for the tracker's next build";
  const base = { command: "restore" as const, dryRun: request.dryRun, parameter: target.parameter, build: buildText(build), by: caller.arn, note };
  if (problems.length > 0) throw new OperatorError(`restore of ${buildText(build)}: nothing was changed:\n  - ${problems.join("\n  - ")}`);
  if (request.dryRun)
    return { ...base, ok: true, regions: units.map((unit) => ({ region: unit.region, amiId: unit.amiId, status: "would-restore" as const, moved: [] })) };
  const result = await runUnits(
    units,
    async (unit, done) => {
      await enableImage(deps.clients, caller.partition, unit.region, unit.amiId);
      done.push({ region: unit.region, what: `${unit.amiId} enabled`, undo: () => disableImage(deps.clients, caller.partition, unit.region, unit.amiId) });
      await undeprecateImage(deps.clients, caller.partition, unit.region, unit.amiId);
      done.push({
        region: unit.region,
        what: `${unit.amiId} no longer deprecated`,
        undo: () => deprecateImage(deps.clients, caller.partition, unit.region, unit.amiId, deprecateAt(deps.now())),
      });
      const record = units.find((entry) => entry.region === unit.region)?.record;
      if (record !== undefined) {
        const trackedRef = refFor(caller, unit.region, target.parameter);
        await removeParameterTags(deps.clients, trackedRef, [key]);
        done.push({ region: unit.region, what: `${key} removed`, undo: () => addParameterTags(deps.clients, trackedRef, [{ Key: key, Value: record }]) });
      }
    },
    "restored",
  );
  return { ...base, ok: result.ok, regions: result.regions, ...(result.error !== undefined ? { error: result.error } : {}) };
}
