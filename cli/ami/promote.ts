/**
 * promote (a build once latest into a channel, past the channel's gate) and rollback (a pointer back to its
 * previous build): every region, all or nothing (change.ts).
 */
import { type Build, buildText, LATEST, type PointerChange, pointerParameterName } from "../../ami-pointers/channels";
import { type ChannelGate, gateProblems, revokedTagKey, TAG_GATE_OVERRIDE } from "../../ami-pointers/gates";
import { sanitizeTagValue } from "../../ami-pointers/tags";
import { type ChangeReport, finish, planRegion, type RegionPlan, writeTier } from "./change";
import { imagesById } from "./ec2";
import { type ImageScan, imageScan } from "./imagebuilder";
import { newestHolding, readBefore, readPointers } from "./read";
import { type Caller, callerIdentity } from "./sdk";
import { type ParameterVersion, parameterTags } from "./ssm";
import { type CommandDeps, firstRegion, OperatorError, refFor, type Target } from "./target";

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
    const tracked = await readPointers(deps, caller.partition, region, [trackedRef], {
      describe: request.build === undefined ? "none" : "every-version",
      includeDisabled: true,
    });
    const trackedHistory = tracked.pointers[0]?.versions;
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
      const match = newestHolding(tracked, request.build);
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
