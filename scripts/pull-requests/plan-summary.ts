/**
 * A pull-request comment from `terraform show -json` output: per stack, a warning block for anything
 * destroyed or replaced (stateful resources first), counts by action, then each changed resource,
 * most dangerous first (delete, replace, update, create), with the arguments that change folded in
 * `<details>` (before -> after, sensitive values masked, what forces a replacement), so that one
 * comment stays under GitHub's 65,536-character limit. tfcmt and Atlantis post Terraform's whole
 * plan text; this shows only the changed leaves, and the whole text goes to the job summary (--summary).
 *
 * `npm run plan:summary -- --help` prints the options (USAGE below). A plan names its stack through the
 * `Stack` default tag every stack sets; `--stack` overrides it, and the file name is the last resort.
 * The same comment is written for a failed init or plan (`--failed`), and for HCP Terraform's
 * human plan output (`--text`), whose run URL it links.
 */
import { canonical } from "./lib/plan-digest";
import { createHash } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { code, escapeHtml, escapeMarkdown, fenced } from "./lib/markdown";
import { changedArguments, replacePathsOf, SENSITIVE, UNKNOWN, type ValueChange } from "../shared/plan-diff";
import { safeTerraformError } from "./lib/redact";

export const USAGE = `usage: npm run plan:summary -- [options] <plan.json> [more.json ...]
  Markdown for a pull-request comment from \`terraform show -json\` output, on stdout.
  --stack NAME        the stack of the next file (default: the plan's Stack default tag, else the file name)
  --marker TEXT       first line of the comment, e.g. "<!-- plan:ami-tracker -->" (finds the sticky comment again)
  --head SHA          the commit planned: recorded in the comment with the plan's digest, for the apply gate
  --run-url URL       link to the run (GitHub Actions job, or found in --text for HCP Terraform)
  --text FILE         read Terraform's human plan output instead of JSON (HCP Terraform speculative plans)
  --failed PHASE      the comment for a failed PHASE (init, validate, plan): Terraform's error, trimmed and
                      redacted, from --log FILE; exits 0 (the workflow fails the job itself)
  --log FILE          Terraform's output of the failed phase
  --summary FILE      also append the job summary to FILE (in a workflow: "$GITHUB_STEP_SUMMARY"): every changed
                      resource with all its changed arguments, and --plan-text folded below
  --plan-text FILE    \`terraform show -no-color <planfile>\` of the next plan, for the job summary
  --help              this text`;

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

export type Action = "create" | "update" | "replace" | "delete" | "no-op" | "read";
const SYMBOL: Readonly<Record<Action, string>> = { create: "+", update: "~", replace: "-/+", delete: "-", "no-op": " ", read: "<=" };

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

export interface StackPlan {
  readonly stack: string;
  readonly plan: PlanDocument;
  /** The commit planned; with it the comment records the plan's digest for the apply gate. @default - not recorded */
  readonly head?: string;
  /** The run to link (GitHub Actions job or HCP Terraform run). @default - no link */
  readonly runUrl?: string;
  /** The digest when the plan is not JSON (HCP Terraform's text output). @default planDigest(plan) */
  readonly digest?: string;
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
  const lines = shown.map(
    (change) =>
      `> - ${change.stateful ? "**STATEFUL** " : ""}${code(change.address)}: ${change.action === "replace" ? "replaced" : "destroyed"}${reasonText(change)}`,
  );
  const hidden = ordered.length - shown.length;
  const hiddenStateful = stateful - shown.filter((change) => change.stateful).length;
  if (hidden > 0) lines.push(`> - ... and ${hidden} more destroyed or replaced (${hiddenStateful} of them stateful); see the job log`);
  return [headline, ">", ...lines].join("\n");
}

function reasonText(change: Change): string {
  return change.reason !== undefined ? ` (${REASONS[change.reason] ?? escapeMarkdown(change.reason)})` : "";
}

/** Most dangerous first: what loses data, then what changes in place, then what is added. */
const DANGER: readonly Action[] = ["delete", "replace", "update", "create"];

/** The changed resources of a plan in the order the comment shows them: by danger, stateful first, then by address. */
export function changedInOrder(plan: PlanDocument): Change[] {
  return changesOf(plan)
    .filter((change) => DANGER.includes(change.action))
    .sort((a, b) => DANGER.indexOf(a.action) - DANGER.indexOf(b.action) || Number(b.stateful) - Number(a.stateful) || a.address.localeCompare(b.address));
}

function cell(value: string | undefined): string {
  if (value === undefined) return "_(none)_";
  if (value === SENSITIVE || value === UNKNOWN) return `_${value}_`;
  return code(value);
}

/**
 * One resource: a `<details>` whose summary names the action, the resource and what forces a
 * replacement, holding a table of the changed arguments; with `detailed` false (or nothing to show),
 * one line. Everything from the plan is escaped (scripts/pull-requests/lib/markdown.ts).
 */
export function resourceItem(change: Change, detailed: boolean): string {
  const key = change.change;
  if (key === undefined) return renderItem(change, detailed);
  const cached = ITEMS.get(key)?.[detailed ? 1 : 0];
  if (cached !== undefined) return cached;
  const rendered = renderItem(change, detailed);
  const entry = ITEMS.get(key) ?? [undefined, undefined];
  entry[detailed ? 1 : 0] = rendered;
  ITEMS.set(key, entry);
  return rendered;
}

/** Rendered items by the plan's change object (line, details): fitting a section renders it several times. */
const ITEMS = new WeakMap<ValueChange, [string | undefined, string | undefined]>();

function renderItem(change: Change, detailed: boolean): string {
  const args = change.change !== undefined ? changedArguments(change.change) : [];
  const forced = change.change !== undefined ? replacePathsOf(change.change) : [];
  const stateful = change.stateful && (change.action === "delete" || change.action === "replace");
  const forcedText = forced.length > 0 ? `: forced by ${forced.map((path) => code(path, { html: true })).join(", ")}` : "";
  const count = args.length > 0 && change.action !== "delete" ? ` (${args.length} argument${args.length === 1 ? "" : "s"})` : "";
  if (!detailed || args.length === 0) {
    const forcedLine = forced.length > 0 ? `: forced by ${forced.map((path) => code(path)).join(", ")}` : "";
    return `- \`${SYMBOL[change.action]}\` ${change.action} ${stateful ? "**STATEFUL** " : ""}${code(change.address)}${forcedLine || reasonText(change)}${count}`;
  }
  const rows =
    change.action === "create"
      ? ["| argument | value |", "| --- | --- |", ...args.map((arg) => `| ${code(arg.path)} | ${cell(arg.after)} |`)]
      : [
          "| argument | before | after |",
          "| --- | --- | --- |",
          ...args.map((arg) => `| ${code(arg.path)}${arg.forcesReplacement ? " **forces replacement**" : ""} | ${cell(arg.before)} | ${cell(arg.after)} |`),
        ];
  const summary = `<code>${escapeHtml(SYMBOL[change.action])}</code> ${change.action} ${stateful ? "<b>STATEFUL</b> " : ""}${code(change.address, { html: true })}${forcedText}${count}`;
  return `<details><summary>${summary}</summary>\n\n${rows.join("\n")}\n\n</details>`;
}

export interface SectionOptions {
  /** List at most this many changed resources (the most dangerous). @default all */
  readonly maxRows?: number;
  /** Of those, fold the changed arguments of the first this many. @default all */
  readonly detailed?: number;
  /** Where the full plan is, named in the notes about what was left out. @default "the job summary" */
  readonly elsewhere?: string;
}

/** One stack's section: warnings first, then the counts, then each changed resource, most dangerous first. */
export function stackSection(stack: string, plan: PlanDocument, options: SectionOptions = {}): string {
  const changes = changesOf(plan);
  const counts = countByAction(changes);
  const changed = changedInOrder(plan);
  const version = plan.terraform_version !== undefined ? `, Terraform ${escapeMarkdown(plan.terraform_version)}` : "";
  // Nothing to review: one line, so the comments that matter stand out.
  if (changed.length === 0) return `### Plan: ${code(stack)}: no changes (${counts["no-op"]} unchanged${version})`;
  const parts: string[] = [`### Plan: ${code(stack)}`];
  const warning = warningBlock(changes, options.maxRows);
  if (warning !== undefined) parts.push(warning);
  parts.push(
    `**${counts.create} to create, ${counts.update} to update, ${counts.replace} to replace, ${counts.delete} to delete**, ${counts["no-op"]} unchanged` +
      (plan.terraform_version !== undefined ? ` (Terraform ${escapeMarkdown(plan.terraform_version)})` : ""),
  );
  const listed = changed.slice(0, options.maxRows ?? changed.length);
  const detailed = options.detailed ?? listed.length;
  const items = listed.map((change, index) => resourceItem(change, index < detailed));
  parts.push(...items);
  const elsewhere = options.elsewhere ?? "the job summary";
  const undetailed = listed.slice(detailed).filter((change) => change.change !== undefined && changedArguments(change.change).length > 0);
  if (undetailed.length > 0) {
    const actions = [...new Set(undetailed.map((change) => change.action))].join(", ");
    parts.push(
      `_The changed arguments of the last ${undetailed.length} resource(s) (${actions}) are left out to keep this comment under GitHub's size limit; ${elsewhere} has them._`,
    );
  }
  const omitted = changed.length - listed.length;
  if (omitted > 0) {
    parts.push(`_${omitted} more changed resource(s) not listed to keep this comment under GitHub's size limit; see ${elsewhere} for the full plan._`);
  }
  return parts.join("\n\n");
}

/** How the comment records what was planned, read back by the apply gate (scripts/pull-requests/apply-gate.ts). */
export interface PlanMeta {
  readonly stack: string;
  readonly head: string;
  readonly digest: string;
  /** address -> action of every change, or undefined when too many to record. */
  readonly changes?: Readonly<Record<string, Action>>;
}

const META_PREFIX = "<!-- plan-meta ";
/** More changes than this are not listed in the metadata (the digest still covers them). */
const META_MAX_CHANGES = 300;

export function metaComment(meta: PlanMeta): string {
  return `${META_PREFIX}${JSON.stringify(meta).replace(/--/g, "-\\u002d")} -->`;
}

/** The metadata of a comment written by summarize, or undefined. */
export function parseMeta(body: string): PlanMeta | undefined {
  const start = body.indexOf(META_PREFIX);
  if (start < 0) return undefined;
  const end = body.indexOf(" -->", start);
  try {
    const parsed = JSON.parse(body.slice(start + META_PREFIX.length, end)) as Partial<PlanMeta>;
    if (typeof parsed.stack !== "string" || typeof parsed.head !== "string" || typeof parsed.digest !== "string") return undefined;
    return parsed as PlanMeta;
  } catch {
    return undefined;
  }
}

/** Changed resources (not no-op or read) as address -> action. */
export function changeMap(plan: PlanDocument): Record<string, Action> {
  return Object.fromEntries(
    changesOf(plan)
      .filter((change) => change.action !== "no-op" && change.action !== "read")
      .map((change) => [change.address, change.action]),
  );
}

/**
 * A plan's fingerprint: sha256 over every changed resource's address, actions and before/after values,
 * and every changed output. Two plans with the same digest make the same changes; the timestamp, the
 * Terraform version and unchanged resources do not count. First 16 hex digits.
 */
export function planDigest(plan: PlanDocument): string {
  const resources = (plan.resource_changes ?? [])
    .filter((change) => change.mode === undefined || change.mode === "managed")
    .filter((change) => !change.change.actions.every((action) => action === "no-op" || action === "read"))
    .map((change) => canonical({ address: change.address, change: change.change }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const outputs = Object.entries((plan.output_changes ?? {}) as Record<string, { actions: readonly string[] }>)
    .filter(([, change]) => !change.actions.every((action) => action === "no-op"))
    .map(([name, change]) => canonical({ name, change }));
  return createHash("sha256").update(JSON.stringify({ resources, outputs })).digest("hex").slice(0, 16);
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
export function planFromText(text: string): { plan: PlanDocument; runUrl: string | undefined; digest: string } {
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
  // The resource blocks, from the first header to the "Plan:" line: the same text for the same changes.
  const start = clean.search(/^\s*# \S+ (will be|must be)/m);
  const end = clean.search(/^Plan: /m);
  const body = start >= 0 ? clean.slice(start, end > start ? end : undefined) : "";
  return {
    plan: { format_version: "text", ...(version !== undefined ? { terraform_version: version } : {}), resource_changes },
    runUrl,
    digest: createHash("sha256")
      .update(body.replace(/[ \t]+$/gm, ""))
      .digest("hex")
      .slice(0, 16),
  };
}

/** A link target that cannot end the Markdown link early. */
function safeUrl(url: string): string {
  return url.replace(/[\s()<>[\]`"'\\|]/g, (character) => encodeURIComponent(character));
}

function footer(entry: StackPlan, digest: string): string | undefined {
  const parts = [
    entry.head !== undefined ? `planned at ${code(entry.head.slice(0, 12))}` : undefined,
    entry.runUrl !== undefined ? `[the run](${safeUrl(entry.runUrl)})` : undefined,
    entry.head !== undefined ? `plan digest ${code(digest)}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length > 0 ? `<sub>${parts.join(" · ")}</sub>` : undefined;
}

/**
 * The largest n in [0, max] for which fits(n) holds, given that fits is monotone (true up to some n);
 * 0 when none fits. A binary search: each try renders a section, and a plan may have thousands of resources.
 */
function largestFitting(max: number, fits: (n: number) => boolean): number {
  let low = 0;
  let high = max;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

/**
 * One stack's section within `share` characters: every changed resource with its arguments if it fits;
 * else the arguments of the least dangerous resources are left out first (creates, then updates, ...),
 * then the least dangerous resources themselves. Warnings and counts are never cut.
 */
export function fitSection(entry: StackPlan, share: number, elsewhere?: string): string {
  const digest = entry.digest ?? planDigest(entry.plan);
  const tail = footer(entry, digest);
  const render = (options: SectionOptions): string => {
    const section = stackSection(entry.stack, entry.plan, { ...options, ...(elsewhere !== undefined ? { elsewhere } : {}) });
    return tail !== undefined ? `${section}\n\n${tail}` : section;
  };
  const total = changedInOrder(entry.plan).length;
  const full = render({});
  if (full.length <= share) return full;
  const detailed = largestFitting(total, (n) => render({ detailed: n }).length <= share);
  if (detailed > 0 || render({ detailed: 0 }).length <= share) return render({ detailed });
  const rows = largestFitting(total, (n) => render({ detailed: 0, maxRows: n }).length <= share);
  return render({ detailed: 0, maxRows: rows });
}

/**
 * The whole comment. Each stack gets an equal share of the limit; a stack over its share shows fewer
 * details, then fewer rows (warnings and counts are never cut), and the result is cut hard with a note
 * as a last resort. With one stack and a head commit, the comment records the plan's metadata for the apply gate.
 */
export function summarize(stacks: readonly StackPlan[], options: { readonly marker?: string; readonly limit?: number } = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const metas = stacks.flatMap((entry) => {
    if (entry.head === undefined) return [];
    const changes = changeMap(entry.plan);
    const meta: PlanMeta = {
      stack: entry.stack,
      head: entry.head,
      digest: entry.digest ?? planDigest(entry.plan),
      ...(Object.keys(changes).length <= META_MAX_CHANGES ? { changes } : {}),
    };
    return [metaComment(meta)];
  });
  const header = [...(options.marker !== undefined ? [options.marker] : []), ...metas].map((line) => `${line}\n`).join("");
  const share = Math.floor((limit - header.length - 200) / Math.max(1, stacks.length));
  const sections = stacks.map((entry) => fitSection(entry, share));
  const text = `${header}${sections.join("\n\n---\n\n")}\n`;
  if (text.length <= limit) return text;
  const note = "\n\n_Truncated to stay under GitHub's comment size limit; see the job summary for the full plan._\n";
  return `${text.slice(0, limit - note.length)}${note}`;
}

/** GitHub's limit on one step's job summary: 1 MiB (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#step-isolation-and-limits). */
export const JOB_SUMMARY_LIMIT = 1024 * 1024;

/**
 * The job summary: every changed resource with all its changed arguments, and Terraform's own plan
 * text (`terraform show -no-color plan.tfplan`) folded below it, shortened to fit GitHub's limit.
 */
export function jobSummary(stacks: readonly StackPlan[], planTexts: readonly (string | undefined)[] = [], limit = JOB_SUMMARY_LIMIT): string {
  const share = Math.floor((limit - 200) / Math.max(1, stacks.length));
  const sections = stacks.map((entry, index) => {
    const section = fitSection(entry, Math.floor(share / 2), "the plan text below");
    const planText = planTexts[index];
    if (planText === undefined) return section;
    const room = share - section.length - 200;
    const clean = planText.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
    const shown =
      clean.length <= room
        ? clean
        : `${clean.slice(0, Math.max(0, room))}\n... (${clean.length - Math.max(0, room)} more characters; the job log has the whole plan)`;
    return `${section}\n\n<details><summary>Terraform's plan for ${code(entry.stack, { html: true })}</summary>\n\n${fenced(shown)}\n\n</details>`;
  });
  return `${sections.join("\n\n---\n\n")}\n`;
}

export type FailedPhase = "init" | "validate" | "plan" | "show";

/**
 * The comment for a stack whose init or plan failed: what failed, Terraform's error (trimmed, secrets
 * redacted) and the run's link. The job still fails: the workflow posts this, then exits non-zero.
 */
export function failureComment(
  stack: string,
  phase: FailedPhase,
  log: string,
  options: { readonly marker?: string; readonly runUrl?: string; readonly head?: string; readonly secrets?: readonly string[] } = {},
): string {
  const error = safeTerraformError(log, options.secrets);
  const lines = [
    ...(options.marker !== undefined ? [options.marker] : []),
    `### Plan: ${code(stack)}: \`terraform ${phase}\` failed`,
    "",
    `> [!CAUTION]\n> **No plan for this stack${options.head !== undefined ? ` at \`${options.head.slice(0, 12)}\`` : ""}: nothing here can be reviewed or applied until it plans.**`,
    "",
    fenced(error),
    "",
    options.runUrl !== undefined ? `The whole log: [the run](${options.runUrl}).` : "The whole log is in the job that posted this.",
  ];
  return `${lines.join("\n")}\n`;
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

const PHASES: readonly FailedPhase[] = ["init", "validate", "plan", "show"];

/** Reads the command line; returns the Markdown to print (and appends the job summary to --summary FILE). */
export function run(
  argv: readonly string[],
  read: (file: string) => string = (file) => readFileSync(file, "utf8"),
  append: (file: string, text: string) => void = (file, text) => appendFileSync(file, text),
): string {
  const files: string[] = [];
  const names: string[] = [];
  const planTexts: string[] = [];
  const values: Partial<Record<"marker" | "head" | "run-url" | "failed" | "log" | "summary", string>> = {};
  let text = false;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? "";
    if (argument === "--help" || argument === "-h") return `${USAGE}\n`;
    if (argument === "--text") {
      text = true;
    } else if (["--stack", "--marker", "--head", "--run-url", "--failed", "--log", "--summary", "--plan-text"].includes(argument)) {
      const value = argv[++index];
      if (value === undefined) throw new Error(`${argument} needs a value\n${USAGE}`);
      if (argument === "--stack") names.push(value);
      else if (argument === "--plan-text") planTexts.push(value);
      else values[argument.slice(2) as keyof typeof values] = value;
    } else if (argument.startsWith("--")) {
      throw new Error(`unknown option ${argument}\n${USAGE}`);
    } else files.push(argument);
  }
  const common = {
    ...(values["run-url"] !== undefined && values["run-url"] !== "" ? { runUrl: values["run-url"] } : {}),
    ...(values.head !== undefined && values.head !== "" ? { head: values.head } : {}),
  };
  if (values.failed !== undefined) {
    const phase = values.failed as FailedPhase;
    if (!PHASES.includes(phase)) throw new Error(`--failed ${values.failed}: expected one of ${PHASES.join(", ")}`);
    if (values.log === undefined) throw new Error("--failed needs --log FILE (Terraform's output of the failed phase)");
    const stack = names[0];
    if (stack === undefined) throw new Error("--failed needs --stack NAME (there is no plan to read it from)");
    return failureComment(stack, phase, read(values.log), { ...common, ...(values.marker !== undefined ? { marker: values.marker } : {}) });
  }
  if (files.length === 0) throw new Error(`no plan file\n${USAGE}`);
  if (names.length > 0 && names.length !== files.length)
    throw new Error(`${names.length} --stack name(s) for ${files.length} file(s); give one per file or none`);
  const stacks: StackPlan[] = files.map((file, index) => {
    if (text) {
      const parsed = planFromText(read(file));
      const runUrl = common.runUrl ?? parsed.runUrl;
      return {
        ...common,
        stack: names[index] ?? stackNameFromFile(file),
        plan: parsed.plan,
        digest: parsed.digest,
        ...(runUrl !== undefined ? { runUrl } : {}),
      };
    }
    const plan = parsePlan(read(file), file);
    return { ...common, stack: names[index] ?? stackNameOfPlan(plan) ?? stackNameFromFile(file), plan };
  });
  if (planTexts.length > 0 && planTexts.length !== files.length)
    throw new Error(`${planTexts.length} --plan-text file(s) for ${files.length} plan(s); give one per plan or none`);
  if (planTexts.length > 0 && values.summary === undefined) throw new Error("--plan-text goes into the job summary: add --summary FILE");
  if (values.summary !== undefined)
    append(
      values.summary,
      jobSummary(
        stacks,
        planTexts.map((file) => read(file)),
      ),
    );
  return summarize(stacks, values.marker !== undefined ? { marker: values.marker } : {});
}

if (require.main === module) {
  try {
    process.stdout.write(run(process.argv.slice(2)));
  } catch (error) {
    console.error(`[plan-summary] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
