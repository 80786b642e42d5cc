/**
 * The change engine of promote, rollback and revoke: a plan per region, decided in full before anything is
 * written, then applied region by region; when one region fails, what was done is undone in reverse, and
 * the report says precisely what is left if an undo fails too. Nothing half-done is reported as done.
 */
import {
  type AmiFacts,
  type Build,
  buildFromImageArn,
  buildText,
  type InUseMove,
  isWriterTagKey,
  planInUseMove,
  type PointerChange,
  pointerTags,
  staleTagKeys,
} from "../../ami-pointers/channels";
import { TAG_GATE_OVERRIDE } from "../../ami-pointers/gates";
import { afterVersion, converge, operatorDescription, type PointerPort } from "../../ami-pointers/newest-wins";
import { type Tag, TAG_AMI_ID, TAG_RECIPE_NAME, TAG_SOURCE_PIPELINE_ARN } from "../../ami-pointers/tags";
import { createAmiTags, deleteAmiTags, type ImageFacts, imagesById, inUseHolders } from "./ec2";
import { type Before, buildOf } from "./read";
import type { Caller, PointerRef } from "./sdk";
import {
  addParameterTags,
  currentVersion,
  deleteParameter,
  parameterHistory,
  parameterTags,
  putImageValue,
  removeParameterTags,
  waitForVersion,
  type WriteTier,
} from "./ssm";
import { type CommandDeps, message, OperatorError, type Target } from "./target";

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
export interface RegionPlan {
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

export interface Done {
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

export async function applyRegion(deps: CommandDeps, caller: Caller, plan: RegionPlan, done: Done[]): Promise<void> {
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

export function outcome(plan: RegionPlan, status: RegionStatus, extra: { error?: string; leftInPlace?: string[] } = {}): RegionOutcome {
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

/** Undoes in reverse; an undo that fails leaves its step (and every earlier one of that region) in place. */
export async function undoAll(done: readonly Done[]): Promise<{ undoErrors: Map<string, string>; left: Map<string, string[]> }> {
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
export async function applyAll(
  deps: CommandDeps,
  caller: Caller,
  plans: readonly RegionPlan[],
): Promise<{ ok: boolean; regions: RegionOutcome[]; error?: string }> {
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

export async function planRegion(
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

export async function finish(
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
