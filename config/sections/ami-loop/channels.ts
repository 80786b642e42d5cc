/** Promotion channels of a pipeline and their gates. */
import { channelNameProblem } from "../../../ami-pointers/channels";
import { type ChannelGate, SEVERITIES } from "../../../ami-pointers/gates";
import type { ConfigReader } from "../../reader";
import { describe, joinPath } from "../../reader";
import { keysOf, OneOf, Optional, Section, Text, WholeNumber } from "../../settings";
import { list, type LoopContext } from "./context";

export const ChannelGateSettings = Section(
  {
    channel: Text("The channel the gate guards: one of the pipeline's channels."),
    bakeHours: Optional(WholeNumber(1, 8760, "The build's AMI must be at least this many hours old. Default: no bake time.")),
    maxSeverity: Optional(
      OneOf(SEVERITIES, "Refuse a build with an image scan finding (Amazon Inspector) at or above this severity; needs image scanning on the pipeline."),
    ),
  },
  "A promotion gate: `npm run ami -- promote --to <channel>` refuses a build that fails it, unless --override REASON (recorded on the channel).",
);

/** Reads a pipeline's channels: each a valid name, listed once. */
export function readChannels(reader: ConfigReader, record: Record<string, unknown>, path: string): string[] {
  const channelsPath = joinPath(path, "channels");
  const channels = reader.stringArray(record, "channels", path, []);
  channels.forEach((channel, index) => {
    const problem = channelNameProblem(channel);
    if (problem) reader.fail(joinPath(channelsPath, index), problem);
  });
  const repeated = channels.filter((channel, index) => channels.indexOf(channel) !== index);
  if (repeated.length > 0) reader.fail(channelsPath, `lists ${repeated.join(", ")} twice; list each channel once`);
  return channels;
}

/** Reads the promotion gates: at most one per channel, each gating something. */
export function readChannelGates(context: LoopContext, record: Record<string, unknown>): ChannelGate[] {
  const { reader, path, channels } = context;
  const channelGates: ChannelGate[] = [];
  list(reader, record["channelGates"], joinPath(path, "channelGates")).forEach((raw, index) => {
    const at = joinPath(joinPath(path, "channelGates"), index);
    const settings = ChannelGateSettings;
    const entry = reader.object(raw, at, keysOf(settings));
    const channel = reader.read(settings, entry, "channel", at, { fallback: "" });
    if (!channels.includes(channel))
      reader.fail(
        joinPath(at, "channel"),
        `${describe(channel)} is not one of the pipeline's channels ${JSON.stringify(channels)}; a gate guards a channel: add it to channels first`,
      );
    if (channelGates.some((gate) => gate.channel === channel))
      reader.fail(joinPath(at, "channel"), `${describe(channel)} has a gate already; give each channel one gate`);
    const bakeHours = reader.read(settings, entry, "bakeHours", at);
    const severityText = reader.read(settings, entry, "maxSeverity", at) as string | undefined;
    const maxSeverity = SEVERITIES.find((severity) => severity === severityText);
    if (severityText !== undefined && maxSeverity === undefined)
      reader.fail(joinPath(at, "maxSeverity"), `${describe(severityText)} is not a severity; use one of ${SEVERITIES.join(", ")} (capitals)`);
    if (bakeHours === undefined && severityText === undefined) reader.fail(at, "gates nothing; give bakeHours, maxSeverity or both, or remove the gate");
    channelGates.push({ channel, ...(bakeHours !== undefined ? { bakeHours } : {}), ...(maxSeverity !== undefined ? { maxSeverity } : {}) });
  });

  return channelGates;
}
