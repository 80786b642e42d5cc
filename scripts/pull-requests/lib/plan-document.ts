/**
 * The part of `terraform show -json` the pull-request tools read, and how they read it: each managed
 * resource's one action, the stack a plan names, a plan from Terraform's human output (HCP Terraform),
 * and the checks that a file is a plan at all.
 */
import { basename } from "node:path";
import type { ValueChange } from "../../shared/plan-diff";

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

export type Action = "create" | "update" | "replace" | "delete" | "no-op" | "read";

/** The part of `terraform show -json` the summary reads. */
export interface PlanResourceChange {
  readonly address: string;
  readonly mode?: string;
  readonly type: string;
  readonly name?: string;
  readonly action_reason?: string;
  readonly change: ValueChange;
}

export interface PlanDocument {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly PlanResourceChange[];
  /** Output name -> { actions, before, after }. */
  readonly output_changes?: unknown;
  readonly configuration?: unknown;
}

export interface Change {
  readonly address: string;
  readonly type: string;
  readonly action: Action;
  readonly stateful: boolean;
  /** Why Terraform replaces or deletes it, in its own words (action_reason), or undefined. */
  readonly reason: string | undefined;
  /** The values before and after (JSON plans; a plan read from text has none). */
  readonly change?: ValueChange;
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
      change: change.change,
    }));
}

export function countByAction(changes: readonly Change[]): Record<Action, number> {
  const counts: Record<Action, number> = { create: 0, update: 0, replace: 0, delete: 0, "no-op": 0, read: 0 };
  for (const change of changes) counts[change.action]++;
  return counts;
}

/** The stack a plan belongs to: the `Stack` default tag of its aws provider (every stack sets it), or undefined. */
export function stackNameOfPlan(plan: PlanDocument): string | undefined {
  const providers = (
    plan.configuration as
      | { provider_config?: Record<string, { name?: string; expressions?: { default_tags?: Array<{ tags?: { constant_value?: Record<string, unknown> } }> } }> }
      | undefined
  )?.provider_config;
  for (const provider of Object.values(providers ?? {})) {
    const stack = provider.expressions?.default_tags?.[0]?.tags?.constant_value?.["Stack"];
    if (provider.name === "aws" && typeof stack === "string" && stack !== "") return stack;
  }
  return undefined;
}

const TEXT_ACTIONS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/ must be replaced$| will be replaced, as requested$/, ["delete", "create"]],
  [/ will be created$/, ["create"]],
  [/ will be updated in-place$/, ["update"]],
  [/ will be destroyed$/, ["delete"]],
  [/ will be read during apply$/, ["read"]],
];

/** The type of a resource address (`module.a.aws_s3_bucket.b["x"]` -> aws_s3_bucket). */
function typeOfAddress(address: string): string {
  const parts = address.replace(/\[[^\]]*\]/g, "").split(".");
  const managed = parts[0] === "data" ? parts.slice(1) : parts;
  const withoutModules: string[] = [];
  for (let index = 0; index < managed.length; index++) {
    if (managed[index] === "module") index++;
    else withoutModules.push(managed[index] ?? "");
  }
  return withoutModules[0] ?? "";
}

/**
 * A plan read from Terraform's human output: what HCP Terraform streams back for a speculative plan
 * (CLI-driven runs give no JSON). Each `# <address> will be ...` header becomes one change.
 */
export function planFromText(text: string): { plan: PlanDocument; runUrl: string | undefined } {
  const resource_changes: PlanResourceChange[] = [];
  const clean = text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
  for (const line of clean.split("\n")) {
    const header = /^\s*# (\S+?)(?: \(deposed object \w+\))? (.+)$/.exec(line);
    if (header === null) continue;
    const [, address = "", rest = ""] = header;
    const found = TEXT_ACTIONS.find(([pattern]) => pattern.test(` ${rest}`));
    if (found === undefined) continue;
    const reason = /must be replaced$/.test(rest) ? "replace_because_cannot_update" : undefined;
    resource_changes.push({
      address,
      mode: address.startsWith("data.") ? "data" : "managed",
      type: typeOfAddress(address),
      change: { actions: found[1] },
      ...(reason ? { action_reason: reason } : {}),
    });
  }
  const version = /Terraform v(\d+\.\d+\.\d+)/.exec(clean)?.[1];
  const runUrl = /https:\/\/\S+\/app\/\S+\/runs\/run-[A-Za-z0-9]+/.exec(clean)?.[0];
  return { plan: { format_version: "text", ...(version !== undefined ? { terraform_version: version } : {}), resource_changes }, runUrl };
}

/** A stack's name from its plan file: `ami-tracker.json`, `ami-tracker.plan.json` or `plan-ami-tracker.json`. */
export function stackNameFromFile(file: string): string {
  return basename(file)
    .replace(/\.(json|txt)$/, "")
    .replace(/\.plan$/, "")
    .replace(/^plan[-_.]/, "");
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
