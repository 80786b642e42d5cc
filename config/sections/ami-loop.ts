/**
 * A pipeline's part of the AMI loop (issue 15): promotion channels, fleet refresh, an example fleet,
 * sharing through AWS RAM and in-use-aware cleanup; plus the OpsItems of the loop's alarms. The
 * constructs that build them (stacks/constructs/{fleet-refresh,parameter-share,ami-lifecycle-policy}.ts)
 * check the same AWS limits again; here each problem is reported with the setting, the value and the fix.
 * One file per part in ami-loop/: channels and gates, fleet refresh and the example fleet, sharing,
 * cleanup, the alarms' OpsItems; this one puts a pipeline's part together.
 */
import type { TObject } from "@sinclair/typebox";
import { CHANNEL_NAME } from "../../ami-pointers/channels";
import type { ChannelGate } from "../../ami-pointers/gates";
import { GET_PARAMETERS_MAX_NAMES, MAX_STALENESS_DAYS } from "../../aws/ami-loop";
import type { ConfigReader } from "../reader";
import { joinPath } from "../reader";
import { Defaulted, Flag, ListOf, Matching, Optional, Section, WholeNumber, type Resolved } from "../settings";
import { ChannelGateSettings, readChannelGates, readChannels } from "./ami-loop/channels";
import { CleanupSettings, readCleanup, type CleanupConfig } from "./ami-loop/cleanup";
import { loopContext, type PipelineFacts } from "./ami-loop/context";
import {
  ExampleFleetSettings,
  FleetRefreshSettings,
  readExampleFleet,
  readFleetRefresh,
  type ExampleFleetConfig,
  type FleetRefreshConfig,
} from "./ami-loop/fleet";
import { readShare, ShareSettings, type ShareConfig } from "./ami-loop/sharing";

export { LoopAlarmsSettings, readLoopAlarms, type LoopAlarmsConfig, type OpsItemConfig } from "./ami-loop/alarms";
export { ChannelGateSettings } from "./ami-loop/channels";
export { CleanupSettings, type CleanupConfig } from "./ami-loop/cleanup";
export { LATEST_POINTER } from "./ami-loop/context";
export { ExampleFleetSettings, FleetRefreshSettings, type ExampleFleetConfig, type FleetRefreshConfig } from "./ami-loop/fleet";
export { ShareSettings, type ShareConfig } from "./ami-loop/sharing";

/** The pipeline settings of the loop, spread into PipelineSettings. */
export const AMI_LOOP_PIPELINE_SETTINGS = {
  channels: Defaulted(
    ListOf(
      Matching(CHANNEL_NAME),
      'Promotion channels beside "latest", e.g. ["stable"]: each a parameter of its own that `npm run ami -- promote` writes. 1-32 lowercase letters, digits or "-", starting with a letter.',
      { uniqueItems: true },
    ),
    [],
  ),
  channelGates: Defaulted(ListOf(ChannelGateSettings, "Promotion gates, at most one per channel."), []),
  fleetRefresh: Defaulted(ListOf(FleetRefreshSettings, "Auto Scaling groups refreshed when their pointer changes."), []),
  exampleFleet: Optional(ExampleFleetSettings),
  share: Optional(ShareSettings),
  cleanup: Optional(CleanupSettings),
  imageScanning: Defaulted(
    Flag(
      "Keep the findings of Amazon Inspector's scan of each build's test instance (image_scanning_configuration). Needs Amazon Inspector activated in the account (a paid service).",
    ),
    false,
  ),
  staleAfterDays: Optional(
    WholeNumber(
      1,
      MAX_STALENESS_DAYS,
      'Open an OpsItem when "latest" or a channel has not moved for more than this many days (measured every 6 hours in the app\'s region). Make it longer than the build schedule. Default: no staleness alarm.',
    ),
  ),
};

/** A pipeline's loop settings once read; exampleFleet is there only when enabled. */
export type PipelineLoopConfig = Resolved<
  TObject<typeof AMI_LOOP_PIPELINE_SETTINGS>,
  never,
  {
    channelGates: readonly ChannelGate[];
    fleetRefresh: readonly FleetRefreshConfig[];
    exampleFleet?: ExampleFleetConfig;
    share?: ShareConfig;
    cleanup?: CleanupConfig;
  }
>;

/** Reads the loop's settings of one pipeline (`record` is the pipeline's object, `path` its path). */
export function readPipelineLoop(reader: ConfigReader, record: Record<string, unknown>, path: string, pipeline: PipelineFacts): PipelineLoopConfig {
  const channels = readChannels(reader, record, path);
  const context = loopContext(reader, path, pipeline, channels);
  // Read in this order: a configuration's problems are reported in the order of the settings.
  const fleetRefresh = readFleetRefresh(context, record);
  const exampleFleet = readExampleFleet(context, record);
  const share = readShare(context, record);
  const cleanup = readCleanup(context, record);
  const channelGates = readChannelGates(context, record);

  const loopSettings = Section(AMI_LOOP_PIPELINE_SETTINGS, "A pipeline's AMI loop settings.");
  const staleAfterDays = reader.read(loopSettings, record, "staleAfterDays", path);
  if (staleAfterDays !== undefined) {
    context.inAppRegion("staleAfterDays");
    if (context.pointers.length > GET_PARAMETERS_MAX_NAMES) {
      reader.fail(
        joinPath(path, "staleAfterDays"),
        `watches "latest" and ${channels.length} channels, ${context.pointers.length} pointers, but one check reads at most ${GET_PARAMETERS_MAX_NAMES} (SSM GetParameters); use at most ${GET_PARAMETERS_MAX_NAMES - 1} channels`,
      );
    }
  }

  return {
    channels,
    channelGates,
    fleetRefresh,
    ...(exampleFleet !== undefined ? { exampleFleet } : {}),
    ...(share !== undefined ? { share } : {}),
    ...(cleanup !== undefined ? { cleanup } : {}),
    imageScanning: reader.read(loopSettings, record, "imageScanning", path),
    ...(staleAfterDays !== undefined ? { staleAfterDays } : {}),
  };
}
