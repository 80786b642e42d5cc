/**
 * Which parameters, regions and channels a command acts on: the AMI-pointer model of a configuration
 * (ami-pointers/model.ts, the same the tracker stack builds its parameters and operator_policy from),
 * narrowed or replaced by --parameter, --region and --channel.
 */
import { channelNameProblem, LATEST } from "../../ami-pointers/channels";
import { trackedParameters } from "../../ami-pointers/model";
import { type AppConfig, loadConfig } from "../../config";
import { UsageError } from "../../scripts/shared/cli-args.cjs";
import type { Command } from "./options";
import type { Target } from "./target";

/** What the targets depend on: the parsed options of one command. */
export interface TargetOptions {
  readonly command: Command;
  readonly positional?: string;
  readonly parameters: readonly string[];
  readonly regions: readonly string[];
  /** undefined: the configuration's channels (imageBuilder.pipelines[].channels). */
  readonly channels?: readonly string[];
  readonly env?: string;
  readonly to?: string;
  readonly from?: string;
}

export type ConfigLoader = (environment?: string) => AppConfig;

/** The tracked parameters of a configuration. Channels: `channels` when given (--channel), else the configured ones. */
export function targetsFromConfig(config: AppConfig, channels?: readonly string[]): Target[] {
  return trackedParameters({ tracker: config.amiTracker, pipelines: config.imageBuilder.pipelines }).map((tracked) => ({
    parameter: tracked.parameter,
    regions: [...tracked.regions],
    channels: [...(channels ?? tracked.channels)],
    ...(tracked.gates.length > 0 ? { gates: [...tracked.gates] } : {}),
    ...(tracked.tier === "Advanced" ? { advanced: true } : {}),
  }));
}

/** The channels a command names (--to, --from, a rollback's or history's pointer): an explicit target always covers them. */
function namedChannels(options: TargetOptions): string[] {
  const named = [options.to, options.from, options.command === "rollback" || options.command === "history" ? options.positional : undefined];
  return named.filter((name): name is string => name !== undefined && name !== LATEST && channelNameProblem(name) === undefined);
}

/**
 * With --parameter and --region, exactly those (the configuration is not read); otherwise the
 * configuration's tracked parameters, narrowed by --parameter and --region, which must name what it tracks.
 */
export function resolveTargets(options: TargetOptions, load: ConfigLoader = loadConfig): Target[] {
  if (options.parameters.length > 0 && options.regions.length > 0) {
    const channels = [...new Set([...(options.channels ?? []), ...namedChannels(options)])];
    return options.parameters.map((parameter) => ({ parameter, regions: options.regions, channels }));
  }
  const config = load(options.env);
  const configured = targetsFromConfig(config, options.channels);
  const where = `configuration "${config.environment}"`;
  if (configured.length === 0) {
    throw new UsageError(`the ${where} names no tracked parameter without a placeholder; pass --parameter NAME --region REGION`);
  }
  let targets = configured;
  if (options.parameters.length > 0) {
    targets = options.parameters.map((parameter) => {
      const known = configured.find((target) => target.parameter === parameter);
      if (known === undefined) {
        throw new UsageError(
          `--parameter: "${parameter}" is not tracked by the ${where} (it tracks ${configured.map((target) => target.parameter).join(", ")}); name one of those, or add --region REGION to act on an untracked parameter`,
        );
      }
      return known;
    });
  }
  if (options.regions.length > 0) {
    targets = targets.map((target) => {
      const outside = options.regions.filter((region) => !target.regions.includes(region));
      if (outside.length > 0) {
        throw new UsageError(
          `--region: ${outside.join(", ")} is not a region of ${target.parameter} in the ${where} (its regions: ${target.regions.join(", ")})`,
        );
      }
      return { ...target, regions: options.regions };
    });
  }
  if (options.channels === undefined) {
    for (const channel of namedChannels(options)) {
      const missing = targets.find((target) => !target.channels.includes(channel));
      if (missing !== undefined) {
        throw new UsageError(
          `"${channel}" is not a channel of ${missing.parameter} in the ${where} (its channels: ${missing.channels.join(", ") || "none"}); add it to the pipeline's "channels" there, or pass --channel ${channel} to act on it anyway`,
        );
      }
    }
  }
  return targets;
}

/** The parameters a configuration tracks, for a message about one that does not exist; undefined when it cannot be read. */
export function configuredParameters(env: string | undefined, load: ConfigLoader = loadConfig): { environment: string; parameters: string[] } | undefined {
  try {
    const config = load(env);
    return { environment: config.environment, parameters: targetsFromConfig(config).map((target) => target.parameter) };
  } catch {
    return undefined;
  }
}

export function oneTarget(targets: readonly Target[]): Target {
  const [only, ...more] = targets;
  if (only === undefined) throw new UsageError("no tracked parameter; pass --parameter NAME");
  if (more.length > 0) throw new UsageError(`${targets.length} tracked parameters (${targets.map((t) => t.parameter).join(", ")}); pick one with --parameter`);
  return only;
}
