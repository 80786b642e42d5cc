/**
 * A pull-request comment from `terraform show -json` output: per stack, a warning block for anything
 * destroyed or replaced (stateful resources first), counts by action and a table of changed
 * resources, folded so that one comment stays under GitHub's 65,536-character limit.
 *
 *   npm run plan:summary -- plan.json [more.json ...]           # Markdown on stdout
 *   npm run plan:summary -- --stack ami-tracker plan.json       # name the stack (default: the file name)
 *   npm run plan:summary -- --marker "<!-- plan:ami-tracker -->" plan.json
 *
 * A file name like `ami-tracker.json` or `ami-tracker.plan.json` names its stack.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** GitHub rejects issue and pull-request comments longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** Resource types whose destruction loses data or breaks what depends on their identity. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  "aws_s3_bucket",
  "aws_s3_object",
  "aws_sqs_queue",
  "aws_kinesis_stream",
  "aws_dynamodb_table",
  "aws_kms_key",
  "aws_ssm_parameter",
  "aws_sns_topic",
  "aws_sfn_state_machine",
  "aws_cloudwatch_log_group",
  "aws_cloudwatch_event_bus",
  "aws_secretsmanager_secret",
  "aws_rds_cluster",
  "aws_db_instance",
  "aws_efs_file_system",
  "aws_ecr_repository",
  "aws_appconfig_hosted_configuration_version",
  "aws_iam_openid_connect_provider",
]);

/** Tables longer than this are folded into <details>. */
export const FOLD_AFTER_ROWS = 15;

export type Action = "create" | "update" | "replace" | "delete" | "no-op" | "read";
const ACTION_ORDER: readonly Action[] = ["create", "update", "replace", "delete", "no-op", "read"];
const SYMBOL: Readonly<Record<Action, string>> = { create: "+", update: "~", replace: "-/+", delete: "-", "no-op": " ", read: "<=" };

/** The part of `terraform show -json` the summary reads. */
export interface PlanResourceChange {
  readonly address: string;
  readonly mode?: string;
  readonly type: string;
  readonly name?: string;
  readonly action_reason?: string;
  readonly change: { readonly actions: readonly string[]; readonly replace_paths?: readonly unknown[] };
}

export interface PlanDocument {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly PlanResourceChange[];
}

export interface Change {
  readonly address: string;
  readonly type: string;
  readonly action: Action;
  readonly stateful: boolean;
  /** Why Terraform replaces or deletes it, in its own words (action_reason), or undefined. */
  readonly reason: string | undefined;
}

export interface StackPlan {
  readonly stack: string;
  readonly plan: PlanDocument;
}

export function actionOf(actions: readonly string[]): Action {
  if (actions.includes("create") && actions.includes("delete")) return "replace";
  if (actions.includes("create")) return "create";
  if (actions.includes("delete")) return "delete";
  if (actions.includes("update")) return "update";
  if (actions.includes("read")) return "read";
  return "no-op";
}

/** The managed resource changes of a plan, each with its one action. */
export function changesOf(plan: PlanDocument): Change[] {
  return (plan.resource_changes ?? [])
    .filter((change) => change.mode === undefined || change.mode === "managed")
    .map((change) => ({
      address: change.address,
      type: change.type,
      action: actionOf(change.change.actions),
      stateful: STATEFUL_TYPES.has(change.type),
      reason: change.action_reason,
    }));
}

export function countByAction(changes: readonly Change[]): Record<Action, number> {
  const counts: Record<Action, number> = { create: 0, update: 0, replace: 0, delete: 0, "no-op": 0, read: 0 };
  for (const change of changes) counts[change.action]++;
  return counts;
}

const REASONS: Readonly<Record<string, string>> = {
  replace_because_cannot_update: "an argument that cannot change in place",
  replace_because_tainted: "tainted",
  replace_by_request: "-replace requested",
  replace_by_triggers: "replace_triggered_by",
  delete_because_no_resource_config: "removed from the code",
  delete_because_no_module: "its module was removed",
  delete_because_wrong_repetition: "count/for_each changed",
  delete_because_count_index: "count index out of range",
  delete_because_each_key: "for_each key removed",
};

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The warning block: destroyed or replaced resources, stateful ones first and marked. */
export function warningBlock(changes: readonly Change[], maxLines = Number.POSITIVE_INFINITY): string | undefined {
  const destructive = changes.filter((change) => change.action === "delete" || change.action === "replace");
  if (destructive.length === 0) return undefined;
  const ordered = [...destructive].sort((a, b) => Number(b.stateful) - Number(a.stateful) || a.address.localeCompare(b.address));
  const stateful = ordered.filter((change) => change.stateful).length;
  const headline =
    stateful > 0
      ? `> [!CAUTION]\n> **${stateful} stateful resource(s) will be destroyed or replaced: their data (messages, records, objects, keys, parameter values) is lost.**`
      : `> [!WARNING]\n> **${destructive.length} resource(s) will be destroyed or replaced.**`;
  const shown = ordered.slice(0, Math.max(1, maxLines));
  const lines = shown.map((change) => {
    const why = change.reason !== undefined ? ` (${REASONS[change.reason] ?? change.reason})` : "";
    return `> - ${change.stateful ? "**STATEFUL** " : ""}\`${change.address}\`: ${change.action === "replace" ? "replaced" : "destroyed"}${why}`;
  });
  const hidden = ordered.length - shown.length;
  const hiddenStateful = stateful - shown.filter((change) => change.stateful).length;
  if (hidden > 0) lines.push(`> - ... and ${hidden} more destroyed or replaced (${hiddenStateful} of them stateful); see the job log`);
  return [headline, ">", ...lines].join("\n");
}

/** One stack's section: warnings first, then the counts, then the table (folded). */
export function stackSection(stack: string, plan: PlanDocument, options: { readonly maxRows?: number } = {}): string {
  const changes = changesOf(plan);
  const counts = countByAction(changes);
  const changed = changes
    .filter((change) => change.action !== "no-op" && change.action !== "read")
    .sort((a, b) => ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action) || a.address.localeCompare(b.address));
  const parts: string[] = [`### Plan: \`${stack}\``];
  const warning = warningBlock(changes, options.maxRows);
  if (warning !== undefined) parts.push(warning);
  parts.push(
    `**${counts.create} to create, ${counts.update} to update, ${counts.replace} to replace, ${counts.delete} to delete**, ${counts["no-op"]} unchanged` +
      (plan.terraform_version !== undefined ? ` (Terraform ${plan.terraform_version})` : ""),
  );
  if (changed.length === 0) {
    parts.push("No changes.");
    return parts.join("\n\n");
  }
  const maxRows = options.maxRows ?? changed.length;
  const rows = changed.slice(0, maxRows).map((change) => `| \`${SYMBOL[change.action]}\` ${change.action} | \`${escapeCell(change.address)}\` | ${change.stateful ? "yes" : ""} |`);
  const omitted = changed.length - rows.length;
  const table = ["| action | resource | stateful |", "| --- | --- | --- |", ...rows].join("\n");
  const note = omitted > 0 ? `\n\n_${omitted} more changed resource(s) not listed to keep this comment under GitHub's size limit; see the job log for the full plan._` : "";
  // A short table reads best open; a long one is folded so the warnings and counts stay on screen.
  parts.push(
    changed.length <= FOLD_AFTER_ROWS
      ? `${table}${note}`
      : `<details><summary>${changed.length} changed resource(s)</summary>\n\n${table}${note}\n\n</details>`,
  );
  return parts.join("\n\n");
}

/**
 * The whole comment. Each stack gets an equal share of the limit; a stack over its share lists fewer
 * rows (warnings and counts are never cut), and the result is cut hard with a note as a last resort.
 */
export function summarize(stacks: readonly StackPlan[], options: { readonly marker?: string; readonly limit?: number } = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const header = options.marker !== undefined ? `${options.marker}\n` : "";
  const share = Math.floor((limit - header.length - 200) / Math.max(1, stacks.length));
  const sections = stacks.map(({ stack, plan }) => {
    let section = stackSection(stack, plan);
    let rows = changesOf(plan).length;
    while (section.length > share && rows > 0) {
      rows = Math.floor(rows / 2);
      section = stackSection(stack, plan, { maxRows: rows });
    }
    return section;
  });
  const text = `${header}${sections.join("\n\n---\n\n")}\n`;
  if (text.length <= limit) return text;
  const note = "\n\n_Truncated to stay under GitHub's comment size limit; see the job log for the full plan._\n";
  return `${text.slice(0, limit - note.length)}${note}`;
}

/** A stack's name from its plan file: `ami-tracker.json`, `ami-tracker.plan.json` or `plan-ami-tracker.json`. */
export function stackNameFromFile(file: string): string {
  return basename(file).replace(/\.json$/, "").replace(/\.plan$/, "").replace(/^plan[-_.]/, "");
}

export function parsePlan(text: string, source: string): PlanDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON (${(error as Error).message}); pass the output of \`terraform show -json <planfile>\``);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || !("format_version" in parsed)) {
    throw new Error(`${source} is not a Terraform plan in JSON (no format_version); pass the output of \`terraform show -json <planfile>\``);
  }
  return parsed as PlanDocument;
}

function main(argv: readonly string[]): number {
  const files: string[] = [];
  const names: string[] = [];
  let marker: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? "";
    if (argument === "--stack" || argument === "--marker") {
      const value = argv[++index];
      if (value === undefined) throw new Error(`${argument} needs a value`);
      if (argument === "--stack") names.push(value);
      else marker = value;
    } else if (argument.startsWith("--")) {
      throw new Error(`unknown option ${argument}; see the top of scripts/plan-summary.ts`);
    } else files.push(argument);
  }
  if (files.length === 0) throw new Error("no plan file; usage: npm run plan:summary -- <plan.json> [...]");
  if (names.length > 0 && names.length !== files.length) throw new Error(`${names.length} --stack name(s) for ${files.length} file(s); give one per file or none`);
  const stacks = files.map((file, index) => ({ stack: names[index] ?? stackNameFromFile(file), plan: parsePlan(readFileSync(file, "utf8"), file) }));
  process.stdout.write(summarize(stacks, marker !== undefined ? { marker } : {}));
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`[plan-summary] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
