/**
 * The Markdown of a plan for people: per stack a warning block for anything destroyed or replaced
 * (stateful resources first), counts by action, then each changed resource, most dangerous first, with
 * the arguments that change folded in `<details>`; fitted to GitHub's comment and job-summary limits.
 * Everything from the plan is escaped (./markdown.ts).
 */
import { changedArguments, replacePathsOf, SENSITIVE, UNKNOWN, type ValueChange } from "../../shared/plan-diff";
import { code, escapeHtml, escapeMarkdown, fenced } from "./markdown";
import { changesOf, countByAction, type Action, type Change, type PlanDocument } from "./plan-document";
import { safeTerraformError } from "./redact";

/** GitHub rejects issue and pull-request comments longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;

const SYMBOL: Readonly<Record<Action, string>> = { create: "+", update: "~", replace: "-/+", delete: "-", "no-op": " ", read: "<=" };

export interface StackPlan {
  readonly stack: string;
  readonly plan: PlanDocument;
  /** The commit planned, named in the footer. @default - not named */
  readonly head?: string;
  /** The run to link (GitHub Actions job or HCP Terraform run). @default - no link */
  readonly runUrl?: string;
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

/** A link target that cannot end the Markdown link early. */
function safeUrl(url: string): string {
  return url.replace(/[\s()<>[\]`"'\\|]/g, (character) => encodeURIComponent(character));
}

function footer(entry: StackPlan): string | undefined {
  const parts = [
    entry.head !== undefined ? `planned at ${code(entry.head.slice(0, 12))}` : undefined,
    entry.runUrl !== undefined ? `[the run](${safeUrl(entry.runUrl)})` : undefined,
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
  const tail = footer(entry);
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
 * as a last resort.
 */
export function summarize(stacks: readonly StackPlan[], options: { readonly marker?: string; readonly limit?: number } = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const header = options.marker !== undefined ? `${options.marker}\n` : "";
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

export const FAILED_PHASES = ["init", "validate", "plan", "show"] as const;
export type FailedPhase = (typeof FAILED_PHASES)[number];

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
