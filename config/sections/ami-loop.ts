/**
 * A pipeline's part of the AMI loop (issue 15): promotion channels, fleet refresh, an example fleet,
 * sharing through AWS RAM and in-use-aware cleanup; plus the OpsItems of the loop's alarms. The
 * constructs that build them (stacks/constructs/{fleet-refresh,parameter-share,ami-lifecycle-policy}.ts)
 * check the same AWS limits again; here each problem is reported with the setting, the value and the fix.
 */
import { Unsafe, type TObject } from "@sinclair/typebox";
import { CHANNEL_NAME, channelNameProblem } from "../../ami-pointers/channels";
import { type ChannelGate, SEVERITIES } from "../../ami-pointers/gates";
import { DEFAULT_PROTECT_LAUNCHED_WITHIN_DAYS, GET_PARAMETERS_MAX_NAMES, MAX_STALENESS_DAYS } from "../../aws/ami-loop";
import { OPS_ITEM_CATEGORIES, type OpsItemSeverity } from "../../aws/ops-center";
import { PARAMETER_SHARE_PERMISSIONS, type ParameterSharePermission } from "../../aws/ram";
import { ACCOUNT_ID, INSTANCE_TYPE, SEMANTIC_VERSION } from "../patterns";
import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
import { Defaulted, Flag, keysOf, ListOf, Matching, OneOf, Optional, Region, Section, Text, WholeNumber, type Resolved } from "../settings";

/** The pointer a group's launch template reads: the pipeline's own parameter. */
export const LATEST_POINTER = "latest";

const ORGANIZATION_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;
const OU_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;
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

export const ShareSettings = Section(
  {
    accounts: Defaulted(ListOf(Matching(ACCOUNT_ID), "12-digit account IDs to share the pipeline's parameter and channels with."), []),
    organizationArn: Optional(Matching(ORGANIZATION_ARN, 'Share with a whole organization: "arn:aws:organizations::<management account>:organization/o-...".')),
    organizationalUnitArns: Defaulted(ListOf(Matching(OU_ARN), 'Share with OUs: "arn:aws:organizations::<management account>:ou/o-.../ou-...".'), []),
    permission: Defaulted(
      OneOf(Object.keys(PARAMETER_SHARE_PERMISSIONS) as ParameterSharePermission[], "The AWS managed RAM permission the consumers get."),
      "read-only",
    ),
    allowExternalPrincipals: Defaulted(
      Flag(
        "false (the default): every account in accounts must be in this account's AWS Organization (with RAM sharing enabled in it); true: an account outside it gets a RAM invitation that it must accept before its launch templates resolve the parameter. organizationArn and organizationalUnitArns need neither.",
      ),
      false,
    ),
    unencryptedReason: Optional(
      Text(
        "Leave out (the default) to encrypt the shared AMIs with a customer-managed KMS key per region that the consumers may use (the AWS managed EBS key's snapshots cannot be shared). Set only to share unencrypted AMIs, saying why.",
      ),
    ),
  },
  "Share the pipeline's parameter and channels (in the app's region) through AWS RAM, and its AMIs (launch permissions in every region, under a customer-managed key per region the consumers may use) with the same accounts, organization or OUs. Plain account IDs work only inside this account's organization unless allowExternalPrincipals is true. Needs the Advanced tier: USD 0.05 per parameter per month.",
);

export const CleanupSettings = Section(
  {
    type: Defaulted(OneOf(["age", "count"] as const, 'Delete AMIs older than value unit ("age") or beyond the newest value ("count").'), "age"),
    value: Defaulted(WholeNumber(1, 1000, "Age (in unit) or count of AMIs to keep."), 90),
    unit: Defaulted(OneOf(["DAYS", "WEEKS", "MONTHS", "YEARS"] as const, "Unit of an age rule."), "DAYS"),
    retainAtLeast: Defaulted(WholeNumber(1, 10, "An age rule keeps at least this many AMIs."), 3),
    protectLaunchedWithinDays: Defaulted(
      WholeNumber(0, 365, "Also keep every AMI launched within this many days, whatever its tags (a backstop); 0 turns it off."),
      DEFAULT_PROTECT_LAUNCHED_WITHIN_DAYS,
    ),
    deprecateAfter: Optional(
      WholeNumber(1, 1000, "Deprecate AMIs first: older than this many units (age) or beyond the newest this many (count); less than disableAfter and value."),
    ),
    disableAfter: Optional(
      WholeNumber(
        1,
        1000,
        "Then disable them (private and unlaunchable: every consumer loses them; EnableImage undoes it): older than this many units (age) or beyond the newest this many (count); less than value.",
      ),
    ),
    previousRecipeVersions: Defaulted(
      ListOf(
        Matching(SEMANTIC_VERSION),
        'Older recipe versions whose AMIs the policy also cleans up (list the old recipeVersion after a bump), e.g. ["1.0.0"].',
      ),
      [],
    ),
  },
  "An Image Builder lifecycle policy for the pipeline's AMIs that never deletes one a parameter or channel points to now or before (in-use tags). Tracker mode only.",
);

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

const OpsItemSettings = Section(
  {
    severity: Defaulted(Unsafe<OpsItemSeverity>({ type: "integer", enum: [1, 2, 3, 4], description: "OpsItem severity, 1 (critical) to 4 (low)." }), 2),
    category: Defaulted(OneOf(OPS_ITEM_CATEGORIES, "OpsItem category (case matters)."), "Availability"),
  },
  "The OpsItem an alarm opens.",
);

export const LoopAlarmsSettings = Section(
  {
    fleetRefreshFailed: Optional(OpsItemSettings),
    parameterRejected: Optional(OpsItemSettings),
    pointerStale: Optional(OpsItemSettings),
  },
  "OpsItems of the AMI loop's alarms: a fleet refresh that failed, an aws:ec2:image value SSM refused, a pointer that has not moved for staleAfterDays. Default: severity 2, Availability.",
);

/** A fleet refresh once read: its pointer and region resolved (skipMatching and autoRollback must stay false, so they are not kept). */
export type FleetRefreshConfig = Omit<Resolved<typeof FleetRefreshSettings, "channel" | "region">, "skipMatching" | "autoRollback">;
/** An enabled example fleet, its defaults resolved. */
export type ExampleFleetConfig = Omit<Resolved<typeof ExampleFleetSettings, "channel" | "region" | "instanceType" | "availabilityZones">, "enabled">;
export type ShareConfig = Resolved<typeof ShareSettings>;
export type CleanupConfig = Resolved<typeof CleanupSettings>;
export type OpsItemConfig = Resolved<typeof OpsItemSettings>;
export type LoopAlarmsConfig = Resolved<
  typeof LoopAlarmsSettings,
  never,
  { fleetRefreshFailed: OpsItemConfig; parameterRejected: OpsItemConfig; pointerStale: OpsItemConfig }
>;
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

interface PipelineFacts {
  readonly region: string;
  readonly mode: "tracker" | "native";
  readonly regions: readonly string[];
  readonly instanceTypes: readonly string[];
}

function list(reader: ConfigReader, value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  reader.fail(path, `${describe(value)} is not a list; write it as [{ ... }] or leave it out`);
  return [];
}

/** Reads the loop's settings of one pipeline (`record` is the pipeline's object, `path` its path). */
export function readPipelineLoop(reader: ConfigReader, record: Record<string, unknown>, path: string, pipeline: PipelineFacts): PipelineLoopConfig {
  const channelsPath = joinPath(path, "channels");
  const channels = reader.stringArray(record, "channels", path, []);
  channels.forEach((channel, index) => {
    const problem = channelNameProblem(channel);
    if (problem) reader.fail(joinPath(channelsPath, index), problem);
  });
  const repeated = channels.filter((channel, index) => channels.indexOf(channel) !== index);
  if (repeated.length > 0) reader.fail(channelsPath, `lists ${repeated.join(", ")} twice; list each channel once`);
  const pointers = [LATEST_POINTER, ...channels];
  const checkPointer = (value: string, at: string): void => {
    if (!pointers.includes(value))
      reader.fail(
        at,
        `${describe(value)} is not a pointer of this pipeline; use one of ${pointers.map((p) => `"${p}"`).join(", ")} (add it to channels first)`,
      );
  };
  const inAppRegion = (setting: string): boolean => {
    if (pipeline.regions.includes(pipeline.region)) return true;
    reader.fail(
      joinPath(path, setting),
      `is set but the pipeline's regions ${JSON.stringify(pipeline.regions)} leave out the app's region "${pipeline.region}", where it is built; add "${pipeline.region}" to regions or remove ${setting}`,
    );
    return false;
  };

  const inPipelineRegions = (region: string, at: string): boolean => {
    if (pipeline.regions.includes(region)) return true;
    reader.fail(
      at,
      `${describe(region)} is not one of the pipeline's regions ${JSON.stringify(pipeline.regions)}, where its parameter and channels are written; use one of them, or add ${describe(region)} to regions`,
    );
    return false;
  };

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

  let share: ShareConfig | undefined;
  if (record["share"] !== undefined) {
    const at = joinPath(path, "share");
    const settings = ShareSettings;
    const entry = reader.object(record["share"], at, keysOf(settings));
    const accounts = reader.read(settings, entry, "accounts", at);
    accounts.forEach((account, index) => {
      if (!ACCOUNT_ID.test(account))
        reader.fail(joinPath(joinPath(at, "accounts"), index), `${describe(account)} is not a 12-digit account ID; write it like "444455556666"`);
    });
    const organizationArn = reader.read(settings, entry, "organizationArn", at);
    if (organizationArn !== undefined && !ORGANIZATION_ARN.test(organizationArn)) {
      reader.fail(
        joinPath(at, "organizationArn"),
        `${describe(organizationArn)} is not an organization ARN; write it like "arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5"`,
      );
    }
    const organizationalUnitArns = reader.read(settings, entry, "organizationalUnitArns", at);
    organizationalUnitArns.forEach((ou, index) => {
      if (!OU_ARN.test(ou))
        reader.fail(
          joinPath(joinPath(at, "organizationalUnitArns"), index),
          `${describe(ou)} is not an OU ARN; write it like "arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56"`,
        );
    });
    if (accounts.length === 0 && organizationArn === undefined && organizationalUnitArns.length === 0) {
      reader.fail(at, "shares with nobody; give accounts, organizationArn or organizationalUnitArns, or remove share");
    }
    const permissionText: string = reader.read(settings, entry, "permission", at);
    const permission = (Object.keys(PARAMETER_SHARE_PERMISSIONS) as ParameterSharePermission[]).find((known) => known === permissionText);
    if (permission === undefined)
      reader.fail(joinPath(at, "permission"), `${describe(permissionText)} is not a permission; use "read-only" or "read-only-with-history"`);
    if (pipeline.mode === "native") {
      reader.fail(
        at,
        'is set on a native-mode pipeline, whose distribution writes the parameter in the Standard tier, which RAM cannot share; set mode "tracker" (the tracker writes Advanced) or remove share',
      );
    }
    const unencryptedReason = reader.read(settings, entry, "unencryptedReason", at);
    if (unencryptedReason !== undefined && unencryptedReason.trim().length < 10) {
      reader.fail(
        joinPath(at, "unencryptedReason"),
        `${describe(unencryptedReason)} does not say why the shared AMIs may be unencrypted; write the reason (10 characters at least), or leave it out to encrypt them with a key of the pipeline's own`,
      );
    }
    inAppRegion("share");
    share = {
      accounts: [...new Set(accounts)],
      ...(organizationArn !== undefined ? { organizationArn } : {}),
      organizationalUnitArns: [...new Set(organizationalUnitArns)],
      permission: permission ?? "read-only",
      ...reader.rest(settings, entry, at, ["accounts", "organizationArn", "organizationalUnitArns", "permission"]),
    };
  }

  let cleanup: CleanupConfig | undefined;
  if (record["cleanup"] !== undefined) {
    const at = joinPath(path, "cleanup");
    const settings = CleanupSettings;
    const entry = reader.object(record["cleanup"], at, keysOf(settings));
    const type = reader.read(settings, entry, "type", at) as string;
    if (type !== "age" && type !== "count") reader.fail(joinPath(at, "type"), `${describe(type)} is not a rule type; use "age" or "count"`);
    const unit = reader.read(settings, entry, "unit", at) as string;
    if (!["DAYS", "WEEKS", "MONTHS", "YEARS"].includes(unit))
      reader.fail(joinPath(at, "unit"), `${describe(unit)} is not a unit; use "DAYS", "WEEKS", "MONTHS" or "YEARS" (capitals)`);
    const previousRecipeVersions = reader.read(settings, entry, "previousRecipeVersions", at);
    previousRecipeVersions.forEach((version, index) => {
      if (!SEMANTIC_VERSION.test(version))
        reader.fail(joinPath(joinPath(at, "previousRecipeVersions"), index), `${describe(version)} is not a semantic version; write it like "1.0.0"`);
    });
    if (pipeline.mode === "native") {
      reader.fail(
        at,
        'is set on a native-mode pipeline: Image Builder writes its parameter and tags no AMI in use, so the policy could delete the AMI the parameter points to; set mode "tracker" or remove cleanup',
      );
    }
    const value = reader.read(settings, entry, "value", at);
    const deprecateAfter = reader.read(settings, entry, "deprecateAfter", at);
    const disableAfter = reader.read(settings, entry, "disableAfter", at);
    // Deprecate, then disable, then delete: each threshold below the next (a stage after DELETE never acts).
    const terms = type === "count" ? "newest AMIs kept" : unit;
    if (deprecateAfter !== undefined && disableAfter !== undefined && disableAfter <= deprecateAfter) {
      reader.fail(
        joinPath(at, "disableAfter"),
        `${disableAfter} must be more than deprecateAfter ${deprecateAfter} (${terms}): AMIs are deprecated, then disabled, then deleted`,
      );
    }
    for (const [setting, stage] of [
      ["deprecateAfter", deprecateAfter],
      ["disableAfter", disableAfter],
    ] as const) {
      if (stage !== undefined && stage >= value) {
        reader.fail(joinPath(at, setting), `${stage} must be less than value ${value} (${terms}), when the AMIs are deleted; raise value or lower ${setting}`);
      }
    }
    cleanup = {
      ...reader.rest(settings, entry, at, ["type", "unit", "previousRecipeVersions"]),
      type: type === "count" ? "count" : "age",
      unit: (["DAYS", "WEEKS", "MONTHS", "YEARS"].includes(unit) ? unit : "DAYS") as CleanupConfig["unit"],
      previousRecipeVersions: [...new Set(previousRecipeVersions)],
    };
  }

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

  const loopSettings = Section(AMI_LOOP_PIPELINE_SETTINGS, "A pipeline's AMI loop settings.");
  const staleAfterDays = reader.read(loopSettings, record, "staleAfterDays", path);
  if (staleAfterDays !== undefined) {
    inAppRegion("staleAfterDays");
    if (pointers.length > GET_PARAMETERS_MAX_NAMES) {
      reader.fail(
        joinPath(path, "staleAfterDays"),
        `watches "latest" and ${channels.length} channels, ${pointers.length} pointers, but one check reads at most ${GET_PARAMETERS_MAX_NAMES} (SSM GetParameters); use at most ${GET_PARAMETERS_MAX_NAMES - 1} channels`,
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

function readOpsItem(reader: ConfigReader, raw: unknown, path: string): OpsItemConfig {
  const settings = OpsItemSettings;
  const record = reader.object(raw, path, keysOf(settings));
  const severityValue = record["severity"];
  let severity: OpsItemSeverity = 2;
  if (severityValue !== undefined) {
    if (severityValue === 1 || severityValue === 2 || severityValue === 3 || severityValue === 4) severity = severityValue;
    else reader.fail(joinPath(path, "severity"), `${describe(severityValue)} is not an OpsItem severity; use 1 (critical), 2, 3 or 4 (low); the default is 2`);
  }
  const categoryText: string = reader.read(settings, record, "category", path);
  const category = OPS_ITEM_CATEGORIES.find((allowed) => allowed === categoryText);
  if (category === undefined)
    reader.fail(
      joinPath(path, "category"),
      `${describe(categoryText)} is not an OpsItem category; use one of ${OPS_ITEM_CATEGORIES.join(", ")} (case matters)`,
    );
  return { severity, category: category ?? "Availability" };
}

export function readLoopAlarms(reader: ConfigReader, raw: unknown, path: string): LoopAlarmsConfig {
  const record = reader.object(raw, path, keysOf(LoopAlarmsSettings));
  return {
    fleetRefreshFailed: readOpsItem(reader, record["fleetRefreshFailed"], joinPath(path, "fleetRefreshFailed")),
    parameterRejected: readOpsItem(reader, record["parameterRejected"], joinPath(path, "parameterRejected")),
    pointerStale: readOpsItem(reader, record["pointerStale"], joinPath(path, "pointerStale")),
  };
}
