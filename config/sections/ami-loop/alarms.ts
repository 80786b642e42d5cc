/** The OpsItems the AMI loop's alarms open (imageBuilder.loopAlarms). */
import { Unsafe } from "@sinclair/typebox";
import { OPS_ITEM_CATEGORIES, type OpsItemSeverity } from "../../../aws/ops-center";
import type { ConfigReader } from "../../reader";
import { describe, joinPath } from "../../reader";
import { Defaulted, keysOf, OneOf, Optional, Section, type Resolved } from "../../settings";

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

export type OpsItemConfig = Resolved<typeof OpsItemSettings>;
export type LoopAlarmsConfig = Resolved<
  typeof LoopAlarmsSettings,
  never,
  { fleetRefreshFailed: OpsItemConfig; parameterRejected: OpsItemConfig; pointerStale: OpsItemConfig }
>;

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
