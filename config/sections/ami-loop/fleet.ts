/** Fleet refresh of a pipeline's Auto Scaling groups, and its example fleet. */
import { INSTANCE_TYPE } from "../../patterns";
import { describe, joinPath } from "../../reader";
import { Defaulted, Flag, keysOf, ListOf, Matching, Optional, Region, Section, Text, WholeNumber, type Resolved } from "../../settings";
import { LATEST_POINTER, list, type LoopContext } from "./context";

const GROUP_NAME = /^[\x20-\x7e]{1,255}$/;
const AVAILABILITY_ZONE = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;

export const FleetRefreshSettings = Section(
  {
    autoScalingGroupName: Matching(
      GROUP_NAME,
      "The Auto Scaling group to refresh (this account, in region); its launch template reads the pointer by resolve:ssm:.",
    ),
    channel: Optional(Text('The pointer the group\'s launch template reads: "latest" or one of the pipeline\'s channels. Default: "latest".')),
    region: Optional(
      Region(
        "The group's region: one of the pipeline's regions (where its parameter and channels are written); the refresh and the rejection alarm are built there. Default: the app's region.",
      ),
    ),
    minHealthyPercentage: Defaulted(WholeNumber(0, 100, "Percentage of the group that stays in service during the refresh."), 90),
    instanceWarmupSeconds: Optional(WholeNumber(0, 86400, "Seconds a new instance gets before it counts as healthy. Default: the group's instance warmup.")),
    skipMatching: Defaulted(
      Flag("Must stay false: a resolve:ssm: launch template keeps its version when the parameter moves, so skip matching would replace nothing."),
      false,
    ),
    autoRollback: Defaulted(
      Flag("Must stay false: Auto Scaling cannot roll back a launch template that reads an SSM parameter; roll the parameter back instead."),
      false,
    ),
  },
  "Refresh an Auto Scaling group when the pointer its launch template reads changes (EventBridge -> Step Functions -> StartInstanceRefresh).",
);

export const ExampleFleetSettings = Section(
  {
    enabled: Defaulted(
      Flag("An example launch template and Auto Scaling group (desired capacity 0, costs nothing), refreshed when its pointer changes."),
      false,
    ),
    channel: Optional(Text('The pointer the example reads: "latest" or one of the pipeline\'s channels. Default: the first channel, else "latest".')),
    region: Optional(
      Region("The example's region: one of the pipeline's regions; its refresh and rejection alarm are built there. Default: the app's region."),
    ),
    instanceType: Optional(Matching(INSTANCE_TYPE, "Instance type of the example. Default: the pipeline's first build instance type.")),
    availabilityZones: Optional(
      ListOf(Matching(AVAILABILITY_ZONE), 'Availability zones of the default VPC for the group. Default: ["<region>a"].', { minItems: 1 }),
    ),
  },
  "An example group of desired capacity 0 whose launch template reads a pointer, refreshed on change.",
);

/** A fleet refresh once read: its pointer and region resolved (skipMatching and autoRollback must stay false, so they are not kept). */
export type FleetRefreshConfig = Omit<Resolved<typeof FleetRefreshSettings, "channel" | "region">, "skipMatching" | "autoRollback">;
/** An enabled example fleet, its defaults resolved. */
export type ExampleFleetConfig = Omit<Resolved<typeof ExampleFleetSettings, "channel" | "region" | "instanceType" | "availabilityZones">, "enabled">;

/** Reads `fleetRefresh`: each group in one of the pipeline's regions (the app's by default), reading one of its pointers. */
export function readFleetRefresh(context: LoopContext, record: Record<string, unknown>): FleetRefreshConfig[] {
  const { reader, path, pipeline, checkPointer, inAppRegion, inPipelineRegions } = context;
  const fleetPath = joinPath(path, "fleetRefresh");
  let defaultRegion = false;
  const fleetRefresh = list(reader, record["fleetRefresh"], fleetPath).map((raw, index): FleetRefreshConfig => {
    const at = joinPath(fleetPath, index);
    const settings = FleetRefreshSettings;
    const entry = reader.object(raw, at, keysOf(settings));
    const autoScalingGroupName = reader.read(settings, entry, "autoScalingGroupName", at, { fallback: "" });
    if (!GROUP_NAME.test(autoScalingGroupName))
      reader.fail(
        joinPath(at, "autoScalingGroupName"),
        `${describe(autoScalingGroupName)} is not an Auto Scaling group name; give the group's name (1-255 printable characters)`,
      );
    const channel = reader.read(settings, entry, "channel", at, { fallback: LATEST_POINTER });
    checkPointer(channel, joinPath(at, "channel"));
    // The loop's per-region pieces are built where the group is: a region where the pipeline's parameter
    // (and the CLI's channels) are written, else nothing would ever change the pointer it watches.
    const region = reader.read(settings, entry, "region", at);
    if (region === undefined) defaultRegion = true;
    else inPipelineRegions(region, joinPath(at, "region"));
    if (reader.read(settings, entry, "skipMatching", at)) {
      reader.fail(
        joinPath(at, "skipMatching"),
        "true would replace no instance: a resolve:ssm: launch template keeps its version when the parameter changes (Auto Scaling user guide, skip matching); set it false or leave it out",
      );
    }
    if (reader.read(settings, entry, "autoRollback", at)) {
      reader.fail(
        joinPath(at, "autoRollback"),
        "true is refused by Auto Scaling for a launch template that reads the AMI from an SSM parameter; leave it out and roll back the pointer (`npm run ami -- rollback`), which starts another refresh",
      );
    }
    return {
      ...reader.rest(settings, entry, at, ["autoScalingGroupName", "channel", "region", "skipMatching", "autoRollback"]),
      autoScalingGroupName,
      channel,
      region: region ?? pipeline.region,
    };
  });
  if (defaultRegion) inAppRegion("fleetRefresh");

  return fleetRefresh;
}

/** Reads `exampleFleet`: undefined unless enabled (and placed in one of the pipeline's regions). */
export function readExampleFleet(context: LoopContext, record: Record<string, unknown>): ExampleFleetConfig | undefined {
  const { reader, path, pipeline, channels, checkPointer, inAppRegion, inPipelineRegions } = context;
  let exampleFleet: ExampleFleetConfig | undefined;
  if (record["exampleFleet"] !== undefined) {
    const at = joinPath(path, "exampleFleet");
    const settings = ExampleFleetSettings;
    const entry = reader.object(record["exampleFleet"], at, keysOf(settings));
    const region = reader.read(settings, entry, "region", at);
    const placed = (): boolean => (region === undefined ? inAppRegion("exampleFleet") : inPipelineRegions(region, joinPath(at, "region")));
    if (reader.read(settings, entry, "enabled", at) && placed()) {
      const where = region ?? pipeline.region;
      const channel = reader.read(settings, entry, "channel", at, { fallback: channels[0] ?? LATEST_POINTER });
      checkPointer(channel, joinPath(at, "channel"));
      const instanceType = reader.read(settings, entry, "instanceType", at, { fallback: pipeline.instanceTypes[0] ?? "t4g.small" });
      if (!INSTANCE_TYPE.test(instanceType))
        reader.fail(joinPath(at, "instanceType"), `${describe(instanceType)} is not an instance type; write it like "t4g.micro"`);
      const availabilityZones = reader.read(settings, entry, "availabilityZones", at, { fallback: [`${where}a`] });
      if (availabilityZones.length === 0)
        reader.fail(joinPath(at, "availabilityZones"), `is empty; list at least one zone, e.g. ["${where}a"], or leave it out`);
      availabilityZones.forEach((zone, index) => {
        if (!AVAILABILITY_ZONE.test(zone) || !zone.startsWith(where)) {
          reader.fail(
            joinPath(joinPath(at, "availabilityZones"), index),
            `${describe(zone)} is not an availability zone of "${where}"; write it like "${where}a"`,
          );
        }
      });
      exampleFleet = { channel, region: where, instanceType, availabilityZones };
    }
  }

  return exampleFleet;
}
