/**
 * revoke (a bad build: every pointer holding it moves back, the AMI is deprecated and disabled, promote
 * refuses it) and restore (undoes a revoke's marks): every region, all or nothing.
 */
import { type Build, buildFromImageArn, buildText, LATEST, type PointerChange, parseBuildText, pointerParameterName } from "../../ami-pointers/channels";
import { revokedTagKey, revokedTagValue } from "../../ami-pointers/gates";
import { applyRegion, type Done, planRegion, type RegionPlan, undoAll, writeTier } from "./change";
import { deprecateImage, disableImage, enableImage, imagesById, undeprecateImage } from "./ec2";
import { newestHolding, readBefore, readPointers } from "./read";
import { type Caller, callerIdentity } from "./sdk";
import { addParameterTags, parameterTags, removeParameterTags } from "./ssm";
import { type CommandDeps, firstRegion, message, OperatorError, refFor, type Target } from "./target";

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
  const read = await readPointers(deps, caller.partition, region, [refFor(caller, region, target.parameter)], {
    describe: "every-version",
    includeDisabled: true,
  });
  return newestHolding(read, build)?.value;
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
