/**
 * The AMI-pointer model: from the configuration's tracker and pipelines, which pointers exist (a tracked
 * parameter, `latest`, and its channels), in which regions, at which tier and who writes them. The tracker
 * stack (its parameters, the tracker's environment, the lifecycle policy, the operator policy output) and
 * the operator CLI (`npm run ami`) both take it from here, so they cannot disagree.
 *
 * Below config/, stacks/, handlers/ and scripts/: it takes plain data (the configuration's types fit it)
 * and imports nothing but its own folder and aws/.
 */
import { LATEST, pointerParameterName } from "./channels";
import type { ChannelGate } from "./gates";

/** Who writes a pipeline's `latest`: the tracker Lambda, or the pipeline's distribution (`ssm_parameter_configuration`). */
export type PointerWriter = "tracker" | "native";

/** SSM's tier: a parameter shared through AWS RAM must be Advanced, and a tier never goes back to Standard. */
export type ParameterTier = "Standard" | "Advanced";

/** What the model needs of one pipeline (config's PipelineConfig fits). */
export interface PointerPipeline {
  readonly name: string;
  /** The resolved parameter that holds the pipeline's latest AMI ID. */
  readonly parameterName: string;
  /** The regions the distribution copies the AMI to, and the parameter is written in. */
  readonly regions: readonly string[];
  readonly mode: PointerWriter;
  /** Promotion channels beside `latest`, each a parameter of its own. */
  readonly channels: readonly string[];
  /** Promotion gates of some channels (`npm run ami -- promote` checks them). @default none */
  readonly channelGates?: readonly ChannelGate[];
  /** Present when the pointers are shared through AWS RAM. */
  readonly share?: unknown;
}

/** What the model needs of the tracker (config's AmiTrackerConfig fits). */
export interface PointerTracker {
  /** The parameter name, possibly a template with `{pipeline}` or `{image}`. */
  readonly parameterName: string;
  /** Regions the tracker writes in besides every tracker-mode pipeline's. */
  readonly trackedRegions: readonly string[];
}

export interface PointerSources {
  readonly tracker: PointerTracker;
  readonly pipelines: readonly PointerPipeline[];
}

/** One tracked parameter (`latest`) and its channels, with where and how they are written. */
export interface TrackedParameter {
  /** The `latest` parameter's name. */
  readonly parameter: string;
  /** The pipeline it belongs to; absent for the tracker's own parameter (no pipeline configured). */
  readonly pipeline?: string;
  readonly writer: PointerWriter;
  /** The regions the parameter and its channels live in, in configuration order. */
  readonly regions: readonly string[];
  /** The configured channels, in configuration order (none unless configured). */
  readonly channels: readonly string[];
  /** The configured promotion gates, one per gated channel. */
  readonly gates: readonly ChannelGate[];
  /** The tier every write sends, in every region. */
  readonly tier: ParameterTier;
}

const PLACEHOLDER = /\{(pipeline|image)\}/;

/** True when a parameter name is a template the tracker fills in per message. */
export function isTemplate(parameterName: string): boolean {
  return PLACEHOLDER.test(parameterName);
}

/**
 * The regions the tracker writes in (its TRACKED_REGIONS): its own list, then each tracker-mode
 * pipeline's regions, each once, in that order.
 */
export function trackerRegions(sources: PointerSources): string[] {
  const regions = [...sources.tracker.trackedRegions];
  for (const pipeline of sources.pipelines) if (pipeline.mode === "tracker") regions.push(...pipeline.regions);
  return [...new Set(regions)];
}

/**
 * Every tracked parameter: each pipeline's, in the pipeline's regions (the tracker writes a tracker-mode
 * pipeline's parameter wherever the distribution put an AMI, a native pipeline's distribution writes its
 * own), Advanced when the pipeline is shared; without pipelines, the tracker's parameter in its tracked
 * regions when it has no placeholder (a template's names are known only per message).
 */
export function trackedParameters(sources: PointerSources): TrackedParameter[] {
  const tracked: TrackedParameter[] = sources.pipelines.map((pipeline) => ({
    parameter: pipeline.parameterName,
    pipeline: pipeline.name,
    writer: pipeline.mode,
    regions: [...new Set(pipeline.regions)],
    channels: [...pipeline.channels],
    gates: [...(pipeline.channelGates ?? [])],
    tier: pipeline.share !== undefined ? "Advanced" : "Standard",
  }));
  const { parameterName, trackedRegions } = sources.tracker;
  if (sources.pipelines.length === 0 && !isTemplate(parameterName) && trackedRegions.length > 0) {
    tracked.push({ parameter: parameterName, writer: "tracker", regions: [...new Set(trackedRegions)], channels: [], gates: [], tier: "Standard" });
  }
  return tracked;
}

/** `latest`, then the channels, of one tracked parameter. */
export function pointersOf(tracked: Pick<TrackedParameter, "channels">): string[] {
  return [LATEST, ...tracked.channels];
}

/** The parameter names of `latest` and every channel of one tracked parameter. */
export function pointerNamesOf(tracked: Pick<TrackedParameter, "parameter" | "channels">): string[] {
  return pointersOf(tracked).map((pointer) => pointerParameterName(tracked.parameter, pointer));
}

/** The parameters the tracker writes in the Advanced tier (its ADVANCED_TIER_PARAMETERS): shared tracker-mode pipelines'. */
export function advancedTierParameters(sources: PointerSources): string[] {
  return trackedParameters(sources)
    .filter((tracked) => tracked.writer === "tracker" && tracked.tier === "Advanced")
    .map((tracked) => tracked.parameter);
}
