import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
import { OPS_ITEM_CATEGORIES, OPS_ITEM_SEVERITIES, type OpsItemCategory, type OpsItemSeverity } from "../../aws/ops-center";

import { Unsafe } from "@sinclair/typebox";
import { Defaulted, Flag, keysOf, ListOf, Matching, OneOf, Optional, Section, WholeNumber, type Resolved } from "../settings";

export { OPS_ITEM_CATEGORIES, type OpsItemCategory, type OpsItemSeverity };

interface AlarmDefaults {
  readonly severity: OpsItemSeverity;
  readonly category: OpsItemCategory;
}

/** One alarm whose action opens an OpsItem in Systems Manager OpsCenter; its severity and category defaults differ per alarm. */
export function opsAlarmSettings(defaults: AlarmDefaults, description: string) {
  return Section(
    {
      severity: Defaulted(
        Unsafe<OpsItemSeverity>({ type: "integer", enum: [...OPS_ITEM_SEVERITIES], description: "OpsItem severity, 1 (critical) to 4 (low)." }),
        defaults.severity,
      ),
      category: Defaulted(OneOf(OPS_ITEM_CATEGORIES, "OpsItem category (case matters)."), defaults.category),
      threshold: Defaulted(WholeNumber(1, 1_000_000, "The alarm fires when the statistic over one period reaches this."), 1),
      periodSeconds: Defaulted({ ...WholeNumber(60, 86400, "Period of the metric (seconds, a multiple of 60)."), multipleOf: 60 }, 300),
      evaluationPeriods: Defaulted(WholeNumber(1, 100, "Periods that must breach before the alarm fires."), 1),
    },
    description,
  );
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type OpsAlarmConfig = Resolved<ReturnType<typeof opsAlarmSettings>>;

const SECTION = "alarms";
const TRACKER_ERRORS: AlarmDefaults = { severity: 2, category: "Availability" };
const DEAD_LETTER_MESSAGES: AlarmDefaults = { severity: 2, category: "Recovery" };
const BUILDS_FAILED: AlarmDefaults = { severity: 3, category: "Availability" };

/** The tracker's alarms into OpsCenter (the `alarms` section). */
export const OpsAlarmsSettings = Section(
  {
    enabled: Defaulted(Flag("Create the alarms."), true),
    emailAddresses: Defaulted(
      ListOf(
        Matching(EMAIL),
        "Also notify these addresses, through an SNS topic encrypted with a customer-managed key (each address confirms its subscription by e-mail). Default: none, no topic.",
      ),
      [],
    ),
    trackerErrors: Optional(opsAlarmSettings(TRACKER_ERRORS, "Lambda Errors of the tracker.")),
    deadLetterMessages: Optional(opsAlarmSettings(DEAD_LETTER_MESSAGES, "Messages visible in the tracker's dead-letter queue.")),
    buildsFailed: Optional(opsAlarmSettings(BUILDS_FAILED, "Image Builder builds that ended FAILED (the tracker's EMF metric BuildsFailed).")),
  },
  "The tracker's CloudWatch alarms, whose actions open OpsItems in OpsCenter.",
);

export type OpsAlarmsConfig = Resolved<
  typeof OpsAlarmsSettings,
  never,
  { trackerErrors: OpsAlarmConfig; deadLetterMessages: OpsAlarmConfig; buildsFailed: OpsAlarmConfig }
>;

export function readOpsAlarms(reader: ConfigReader, raw: unknown): OpsAlarmsConfig {
  const settings = OpsAlarmsSettings;
  const record = reader.object(raw, SECTION, keysOf(settings));
  const emailAddresses = reader.read(settings, record, "emailAddresses", SECTION);
  emailAddresses.forEach((address, index) => {
    if (!EMAIL.test(address))
      reader.fail(joinPath(joinPath(SECTION, "emailAddresses"), index), `${describe(address)} is not an e-mail address; write it like "ops@example.com"`);
  });
  return {
    enabled: reader.read(settings, record, "enabled", SECTION),
    emailAddresses: [...new Set(emailAddresses)],
    trackerErrors: readOpsAlarm(reader, record, "trackerErrors", SECTION, TRACKER_ERRORS),
    deadLetterMessages: readOpsAlarm(reader, record, "deadLetterMessages", SECTION, DEAD_LETTER_MESSAGES),
    buildsFailed: readOpsAlarm(reader, record, "buildsFailed", SECTION, BUILDS_FAILED),
  };
}

/** One alarm's settings at `<parentPath>.<key>`; every section with an OpsCenter alarm reads it here. */
export function readOpsAlarm(reader: ConfigReader, parent: Record<string, unknown>, key: string, parentPath: string, defaults: AlarmDefaults): OpsAlarmConfig {
  const path = joinPath(parentPath, key);
  const settings = opsAlarmSettings(defaults, "");
  const record = reader.object(parent[key], path, keysOf(settings));
  const severityValue = record["severity"];
  let severity = defaults.severity;
  if (severityValue !== undefined) {
    if (severityValue === 1 || severityValue === 2 || severityValue === 3 || severityValue === 4) severity = severityValue;
    else
      reader.fail(
        joinPath(path, "severity"),
        `${describe(severityValue)} is not an OpsItem severity; use 1 (critical), 2, 3 or 4 (low); the default is ${defaults.severity}`,
      );
  }
  const categoryText = reader.read(settings, record, "category", path);
  const category = OPS_ITEM_CATEGORIES.find((allowed) => allowed === categoryText);
  if (category === undefined) {
    const close = OPS_ITEM_CATEGORIES.find((allowed) => allowed.toLowerCase() === categoryText.toLowerCase());
    reader.fail(
      joinPath(path, "category"),
      `${describe(categoryText)} is not an OpsItem category; ${close ? `write "${close}" (case matters)` : `use one of ${OPS_ITEM_CATEGORIES.join(", ")}`}`,
    );
  }
  const periodSeconds = reader.read(settings, record, "periodSeconds", path);
  if (periodSeconds % 60 !== 0) reader.fail(joinPath(path, "periodSeconds"), `${periodSeconds} is not a multiple of 60; use e.g. 300`);
  const evaluationPeriods = reader.read(settings, record, "evaluationPeriods", path);
  if (evaluationPeriods * periodSeconds > 86400) {
    reader.fail(
      joinPath(path, "evaluationPeriods"),
      `${evaluationPeriods} periods of ${periodSeconds} s exceed one day, the most CloudWatch evaluates; lower one of them`,
    );
  }
  return {
    severity,
    category: category ?? defaults.category,
    threshold: reader.read(settings, record, "threshold", path),
    periodSeconds,
    evaluationPeriods,
  };
}
