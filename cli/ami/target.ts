/** What every command acts on (a tracked parameter, its regions and channels) and what it runs with. */
import type { Build } from "../../ami-pointers/channels";
import type { ChannelGate } from "../../ami-pointers/gates";
import { parameterArn } from "../../ami-pointers/operator-policy";
import type { AwsClients, Caller, PointerRef, Sleep } from "./sdk";

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

export function refFor(caller: Caller, region: string, name: string): PointerRef {
  return { name, region, arn: parameterArn(caller.partition, region, caller.account, name) };
}

export function sameBuild(a: Build | undefined, b: Build | undefined): boolean {
  return a !== undefined && b !== undefined && a.version === b.version && a.buildVersion === b.buildVersion;
}

export function firstRegion(targets: readonly Target[]): string {
  const region = targets[0]?.regions[0];
  if (region === undefined) throw new OperatorError("no region: pass --region or configure amiTracker.trackedRegions");
  return region;
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
