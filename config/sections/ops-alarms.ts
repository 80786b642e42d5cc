import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
// The AWS facts (allowed categories, severities) live with the reusable construct that uses them.
import { OPS_ITEM_CATEGORIES, type OpsItemCategory, type OpsItemSeverity } from "../../stacks/constructs/ops-center-alarm";

export { OPS_ITEM_CATEGORIES, type OpsItemCategory, type OpsItemSeverity };

/** One alarm whose action opens an OpsItem in Systems Manager OpsCenter. */
export interface OpsAlarmConfig {
  /** OpsItem severity, 1 (critical) to 4 (low). */
  readonly severity: OpsItemSeverity;
  /** OpsItem category: Availability, Cost, Performance, Recovery or Security. */
  readonly category: OpsItemCategory;
  /** The alarm fires when the statistic over one period reaches this. @default 1 */
  readonly threshold: number;
  /** Period of the metric (seconds, a multiple of 60). @default 300 */
  readonly periodSeconds: number;
  /** Periods that must breach before the alarm fires. @default 1 */
  readonly evaluationPeriods: number;
}

/** The tracker's alarms into OpsCenter (the `alarms` section). */
export interface OpsAlarmsConfig {
  /** Create the alarms. @default true */
  readonly enabled: boolean;
  /**
   * Also notify these addresses, through an SNS topic encrypted with a customer-managed key
   * (each address confirms its subscription by e-mail). @default [] (no topic)
   */
  readonly emailAddresses: readonly string[];
  /** Lambda `Errors` of the tracker. @default severity 2, Availability */
  readonly trackerErrors: OpsAlarmConfig;
  /** Messages visible in the tracker's dead-letter queue. @default severity 2, Recovery */
  readonly deadLetterMessages: OpsAlarmConfig;
  /** Image Builder builds that ended FAILED (the tracker's EMF metric `BuildsFailed`). @default severity 3, Availability */
  readonly buildsFailed: OpsAlarmConfig;
}

const SECTION = "alarms";
const KEYS = ["enabled", "emailAddresses", "trackerErrors", "deadLetterMessages", "buildsFailed"] as const;
const ALARM_KEYS = ["severity", "category", "threshold", "periodSeconds", "evaluationPeriods"] as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function readOpsAlarms(reader: ConfigReader, raw: unknown): OpsAlarmsConfig {
  const record = reader.object(raw, SECTION, KEYS);
  const emailAddresses = reader.stringArray(record, "emailAddresses", SECTION, []);
  emailAddresses.forEach((address, index) => {
    if (!EMAIL.test(address)) reader.fail(joinPath(joinPath(SECTION, "emailAddresses"), index), `${describe(address)} is not an e-mail address; write it like "ops@example.com"`);
  });
  return {
    enabled: reader.boolean(record, "enabled", SECTION, true),
    emailAddresses: [...new Set(emailAddresses)],
    trackerErrors: readOpsAlarm(reader, record, "trackerErrors", SECTION, { severity: 2, category: "Availability" }),
    deadLetterMessages: readOpsAlarm(reader, record, "deadLetterMessages", SECTION, { severity: 2, category: "Recovery" }),
    buildsFailed: readOpsAlarm(reader, record, "buildsFailed", SECTION, { severity: 3, category: "Availability" }),
  };
}

/** One alarm's settings at `<parentPath>.<key>`; every section with an OpsCenter alarm reads it here. */
export function readOpsAlarm(
  reader: ConfigReader,
  parent: Record<string, unknown>,
  key: string,
  parentPath: string,
  defaults: { readonly severity: OpsItemSeverity; readonly category: OpsItemCategory },
): OpsAlarmConfig {
  const path = joinPath(parentPath, key);
  const record = reader.object(parent[key], path, ALARM_KEYS);
  const severityValue = record["severity"];
  let severity = defaults.severity;
  if (severityValue !== undefined) {
    if (severityValue === 1 || severityValue === 2 || severityValue === 3 || severityValue === 4) severity = severityValue;
    else reader.fail(joinPath(path, "severity"), `${describe(severityValue)} is not an OpsItem severity; use 1 (critical), 2, 3 or 4 (low); the default is ${defaults.severity}`);
  }
  const categoryText = reader.string(record, "category", path, defaults.category);
  const category = OPS_ITEM_CATEGORIES.find((allowed) => allowed === categoryText);
  if (category === undefined) {
    const close = OPS_ITEM_CATEGORIES.find((allowed) => allowed.toLowerCase() === categoryText.toLowerCase());
    reader.fail(
      joinPath(path, "category"),
      `${describe(categoryText)} is not an OpsItem category; ${close ? `write "${close}" (case matters)` : `use one of ${OPS_ITEM_CATEGORIES.join(", ")}`}`,
    );
  }
  const periodSeconds = reader.integer(record, "periodSeconds", path, 300, { min: 60, max: 86400 });
  if (periodSeconds % 60 !== 0) reader.fail(joinPath(path, "periodSeconds"), `${periodSeconds} is not a multiple of 60; use e.g. 300`);
  const evaluationPeriods = reader.integer(record, "evaluationPeriods", path, 1, { min: 1, max: 100 });
  if (evaluationPeriods * periodSeconds > 86400) {
    reader.fail(joinPath(path, "evaluationPeriods"), `${evaluationPeriods} periods of ${periodSeconds} s exceed one day, the most CloudWatch evaluates; lower one of them`);
  }
  return {
    severity,
    category: category ?? defaults.category,
    threshold: reader.integer(record, "threshold", path, 1, { min: 1, max: 1_000_000 }),
    periodSeconds,
    evaluationPeriods,
  };
}
