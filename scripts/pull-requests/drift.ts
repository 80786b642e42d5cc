/**
 * Drift detection for one stack: reads `terraform plan -detailed-exitcode` (its exit code and the
 * plan's JSON), drops the values the tracker owns, and keeps ONE open issue per drifted stack:
 * opened or updated while it drifts, closed with a comment by the first clean run.
 *
 *   npm run --silent drift -- --stack ami-tracker --exit-code 2 plan.json
 *   npm run --silent drift -- --stack ami-tracker --exit-code 1 --log plan.log     # the plan failed
 *   npm run --silent drift -- --stack ami-tracker --exit-code 2 --text plan.txt    # HCP Terraform
 *   npm run --silent drift -- --stack ami-tracker --from drift                      # what drift.yml's plan job left
 *   env: GITHUB_TOKEN (the plan-review App's token), GITHUB_REPOSITORY, APP_ENV, DRIFT_ISSUE_AUTHOR (the App's
 *   bot login); exits 1 when the plan failed. The job that runs this holds no AWS credentials and runs no
 *   terraform: it reads the plan job's artifact (plan.json or the log).
 *
 * What the tracker owns (never drift): the value, version and the writers' tags of every parameter the
 * tracker, a native-mode pipeline or the operator CLI writes (amiTracker.parameterName,
 * imageBuilder.pipelines[].parameterName and its channels, `{pipeline}`/`{image}` as wildcards). Terraform
 * seeds some of them with lifecycle ignore_changes; whatever their writers change later never opens an issue.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type AppConfig } from "../../config";
import { isWriterTagKey, LATEST, pointerParameterName } from "../../ami-pointers/channels";
import { IN_USE_TAG_PREFIX } from "../../ami-pointers/in-use";
import { CI_ACCESS_STACK } from "../../stacks/ci-access-stack";
import { defineCommand, exitWith, processIo, runCommand, UsageError, type CliIo } from "../shared/cli-args.cjs";
import { githubFromEnv, requiredEnv, runUrlFromEnv, type GitHubRepository } from "./lib/github";
import { stackProblem } from "./lib/options";
import { fenced } from "./lib/markdown";
import { safeTerraformError } from "./lib/redact";
import { parsePlan, planFromText, type PlanDocument, type PlanResourceChange } from "./lib/plan-document";
import { stackSection } from "./lib/plan-render";

/** Attributes of aws_ssm_parameter whose changes the tracker makes. */
export const TRACKER_OWNED_ATTRIBUTES: ReadonlySet<string> = new Set(["value", "insecure_value", "version", "tags", "tags_all"]);

export const DRIFT_LABEL = "drift";

export function driftMarker(stack: string): string {
  return `<!-- drift:${stack} -->`;
}

function patternOf(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\{(pipeline|image)\\\}/g, "[^/]+");
  return new RegExp(`^${escaped}$`);
}

/** The parameter names the tracker, the native-mode pipelines and the operator CLI (channels) write, as patterns. */
export function trackerParameterPatterns(config: AppConfig): RegExp[] {
  const names = new Set([
    config.amiTracker.parameterName,
    ...config.imageBuilder.pipelines.flatMap((pipeline) =>
      [LATEST, ...pipeline.channels].map((pointer) => pointerParameterName(pipeline.parameterName, pointer)),
    ),
  ]);
  return [...names].map(patternOf);
}

function isTrackerTag(key: string): boolean {
  return isWriterTagKey(key) || key.startsWith(IN_USE_TAG_PREFIX);
}

type Values = Readonly<Record<string, unknown>>;

function withoutTrackerTags(tags: unknown): Values {
  if (tags === null || typeof tags !== "object") return {};
  return Object.fromEntries(Object.entries(tags as Values).filter(([key]) => !isTrackerTag(key)));
}

/** The attributes an update changes (before vs after), counting unknown ones. */
export function changedAttributes(change: PlanResourceChange["change"]): string[] {
  const before = (change.before ?? {}) as Values;
  const after = (change.after ?? {}) as Values;
  const unknown = (change.after_unknown ?? {}) as Values;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => unknown[key] === true || JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}

/** An update of a tracker parameter that touches only what the tracker writes. */
export function isTrackerOwned(change: PlanResourceChange, patterns: readonly RegExp[]): boolean {
  if (change.type !== "aws_ssm_parameter" || change.change.actions.join() !== "update") return false;
  const before = (change.change.before ?? {}) as Values;
  const name = String(before["name"] ?? (change.change.after as Values | undefined)?.["name"] ?? "");
  if (!patterns.some((pattern) => pattern.test(name))) return false;
  const after = (change.change.after ?? {}) as Values;
  return changedAttributes(change.change).every((attribute) => {
    if (!TRACKER_OWNED_ATTRIBUTES.has(attribute)) return false;
    if (attribute !== "tags" && attribute !== "tags_all") return true;
    // A tag someone else changed is drift; the tracker's own tags are not.
    return JSON.stringify(withoutTrackerTags(before[attribute])) === JSON.stringify(withoutTrackerTags(after[attribute]));
  });
}

export interface DriftResult {
  /** The plan without the tracker's values: what the issue shows. */
  readonly plan: PlanDocument;
  readonly drifted: readonly string[];
  /** Addresses whose only differences are the tracker's values. */
  readonly ignored: readonly string[];
}

export function classifyDrift(plan: PlanDocument, patterns: readonly RegExp[]): DriftResult {
  const ignored: string[] = [];
  const kept = (plan.resource_changes ?? []).map((change) => {
    if (isTrackerOwned(change, patterns)) {
      ignored.push(change.address);
      return { ...change, change: { ...change.change, actions: ["no-op"] } };
    }
    return change;
  });
  const drifted = kept
    .filter(
      (change) => (change.mode === undefined || change.mode === "managed") && !change.change.actions.every((action) => action === "no-op" || action === "read"),
    )
    .map((change) => change.address)
    .sort();
  return { plan: { ...plan, resource_changes: kept }, drifted, ignored: ignored.sort() };
}

export interface DriftReport {
  readonly stack: string;
  readonly environment: string;
  readonly runUrl?: string;
  /** When the check ran (ISO 8601). */
  readonly checkedAt: string;
}

export function driftIssueTitle(stack: string, environment: string): string {
  return `Drift: ${stack} (${environment}) differs from the main branch`;
}

/** The issue body for a drifted stack: the summary of what Terraform would change back, and what to do. */
export function driftIssueBody(report: DriftReport, result: DriftResult): string {
  const section = stackSection(report.stack, result.plan);
  return [
    driftMarker(report.stack),
    `**${result.drifted.length} resource(s) of \`${report.stack}\` (${report.environment}) differ from what the main branch's configuration says.** ` +
      `Found by the scheduled drift check at ${report.checkedAt}${report.runUrl !== undefined ? ` ([the run](${report.runUrl}))` : ""}, with the read-only plan role.`,
    "",
    section,
    "",
    ...(result.ignored.length > 0
      ? [`Not drift, left out above: the value and tags the tracker writes on ${result.ignored.map((address) => `\`${address}\``).join(", ")}.`, ""]
      : []),
    (report.stack === CI_ACCESS_STACK
      ? "**What to do.** A change made by hand in AWS is reverted when an administrator applies `ci-access` (`npx cdktf deploy ci-access` with administrator credentials; the apply workflow never applies it); "
      : "**What to do.** A change made by hand in AWS is reverted by the next apply (run the apply workflow); ") +
      "a change to keep goes into the code through a pull request. A plan the main branch has not applied yet also shows here. " +
      "This issue is updated by each run and closed by the first clean one.",
    "",
  ].join("\n");
}

/** The issue body when the drift check itself failed. */
export function driftFailureBody(report: DriftReport, log: string, secrets?: readonly string[]): string {
  return [
    driftMarker(report.stack),
    `**The drift check of \`${report.stack}\` (${report.environment}) failed at ${report.checkedAt}**${report.runUrl !== undefined ? ` ([the run](${report.runUrl}))` : ""}: drift is unknown until it plans again.`,
    "",
    fenced(safeTerraformError(log, secrets)),
    "",
  ].join("\n");
}

export interface Issue {
  readonly number: number;
  readonly body?: string | null;
  readonly state?: string;
  readonly pull_request?: unknown;
  readonly user?: { readonly login?: string } | null;
}

/** The issue calls the drift check makes. */
export interface DriftIssues {
  listOpen(): Promise<readonly Issue[]>;
  create(title: string, body: string): Promise<void>;
  update(issue: number, body: string): Promise<void>;
  close(issue: number, comment: string): Promise<void>;
}

export type DriftOutcome = "opened" | "updated" | "closed" | "clean";

/**
 * Opens or updates the stack's one issue when `body` is given, else closes it if open. Only an issue
 * `author` wrote counts (the plan-review App's bot login): anyone can open an issue with the marker, and a
 * decoy that the check updated or closed would hide a real drift.
 */
export async function reconcileDriftIssue(api: DriftIssues, report: DriftReport, body: string | undefined, author: string): Promise<DriftOutcome> {
  if (author === "") throw new Error("the drift issues' author is not known: set DRIFT_ISSUE_AUTHOR to the App's bot login (<app-slug>[bot])");
  const marker = driftMarker(report.stack);
  if (body !== undefined && !body.startsWith(marker)) throw new Error(`the issue body must start with ${marker}, or the next run cannot find the issue`);
  const open = (await api.listOpen()).find(
    (issue) => issue.pull_request === undefined && issue.user?.login === author && (issue.body ?? "").startsWith(marker),
  );
  if (body !== undefined) {
    if (open === undefined) {
      await api.create(driftIssueTitle(report.stack, report.environment), body);
      return "opened";
    }
    await api.update(open.number, body);
    return "updated";
  }
  if (open === undefined) return "clean";
  await api.close(
    open.number,
    `Clean at ${report.checkedAt}${report.runUrl !== undefined ? ` ([the run](${report.runUrl}))` : ""}: the stack matches the main branch again.`,
  );
  return "closed";
}

export function githubDriftIssues({ github, repository }: GitHubRepository): DriftIssues {
  return {
    listOpen: () => github.paginate(github.rest.issues.listForRepo, { ...repository, state: "open", labels: DRIFT_LABEL, per_page: 100 }),
    async create(title, body) {
      await github.rest.issues.create({ ...repository, title, body, labels: [DRIFT_LABEL] });
    },
    async update(issue, body) {
      await github.rest.issues.update({ ...repository, issue_number: issue, body, labels: [DRIFT_LABEL] });
    },
    async close(issue, comment) {
      await github.rest.issues.createComment({ ...repository, issue_number: issue, body: comment });
      await github.rest.issues.update({ ...repository, issue_number: issue, state: "closed", state_reason: "completed" });
    },
  };
}

export interface Arguments {
  readonly stack: string;
  readonly exitCode: number;
  readonly plan?: string;
  readonly text?: string;
  readonly log?: string;
}

/** terraform plan -detailed-exitcode: 0 no changes, 1 error, 2 changes. */
function exitCodeProblem(value: string): string | undefined {
  return /^[0-9]{1,3}$/.test(value) ? undefined : "expected terraform plan -detailed-exitcode's exit code (0 clean, 1 error, 2 changes)";
}

export const COMMAND = defineCommand({
  command: "npm run --silent drift --",
  name: "drift",
  summary:
    "Drift of one stack from a read-only plan, without the values the tracker owns; keeps one open issue per drifted stack (opened or updated while it drifts, closed by the first clean run).",
  positionals: { name: "PLAN.json", description: "the plan (terraform show -json), when not read from --from or --text", max: 1 },
  options: {
    stack: { type: "string", value: "NAME", description: "the stack planned", check: stackProblem },
    from: { type: "string", value: "DIR", description: "read what drift.yml's plan job left in DIR: exit-code, plan.log, plan.json" },
    "exit-code": {
      type: "string",
      value: "N",
      description: "terraform plan -detailed-exitcode's exit code (0 clean, 1 error, 2 changes)",
      check: exitCodeProblem,
    },
    text: { type: "string", value: "FILE", description: "Terraform's human plan output instead of JSON (HCP Terraform)" },
    log: { type: "string", value: "FILE", description: "Terraform's output, shown in the issue when the plan failed" },
  },
  notes:
    "env: GITHUB_TOKEN (the plan-review App's token), GITHUB_REPOSITORY, APP_ENV, DRIFT_ISSUE_AUTHOR (the App's bot login), BACKEND (with --from), GITHUB_API_URL (optional).\n" +
    "Exits 1 when the plan failed.",
});

type DriftValues = { readonly [K in "stack" | "from" | "exit-code" | "text" | "log"]?: string | undefined };

/**
 * The arguments, completed from `--from DIR` (what the plan job left in DIR: `exit-code`, `plan.log`,
 * and `plan.json` (S3 backend) or the log's text (BACKEND=cloud)).
 */
export function resolveArguments(
  values: DriftValues,
  positionals: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  read: (file: string) => string = (file) => readFileSync(file, "utf8"),
  exists: (file: string) => boolean = existsSync,
): Arguments {
  const resolved: { -readonly [K in keyof DriftValues]: DriftValues[K] } = { ...values };
  const files = [...positionals];
  const from = values.from;
  if (from !== undefined && from !== "") {
    const code = exists(join(from, "exit-code")) ? read(join(from, "exit-code")).trim() : "1";
    resolved["exit-code"] = code;
    resolved.log = join(from, "plan.log");
    if (code !== "1" && env["BACKEND"] === "cloud") resolved.text = join(from, "plan.log");
    else if (code !== "1" && exists(join(from, "plan.json"))) files.unshift(join(from, "plan.json"));
  }
  const stack = resolved.stack;
  if (!stack) throw new UsageError("--stack NAME is required (the stack planned)");
  const exitCode = Number.parseInt(resolved["exit-code"] ?? "", 10);
  if (!Number.isInteger(exitCode)) throw new UsageError("give --from DIR, or --exit-code N with PLAN.json, --text FILE or --log FILE");
  return {
    stack,
    exitCode,
    ...(files[0] !== undefined ? { plan: files[0] } : {}),
    ...(resolved.text ? { text: resolved.text } : {}),
    ...(resolved.log ? { log: resolved.log } : {}),
  };
}

export function main(argv: readonly string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runCommand(COMMAND, argv, io, async ({ values, positionals }) => {
    const args = resolveArguments(values, positionals, env);
    const environment = env["APP_ENV"] ?? "default";
    const runUrl = runUrlFromEnv(env);
    const report: DriftReport = { stack: args.stack, environment, checkedAt: new Date().toISOString(), ...(runUrl !== undefined ? { runUrl } : {}) };
    const author = requiredEnv("DRIFT_ISSUE_AUTHOR", env);
    const api = githubDriftIssues(githubFromEnv(env));
    // -detailed-exitcode: 0 no changes, 1 error, 2 changes.
    if (args.exitCode === 1 || args.exitCode > 2) {
      const log = args.log !== undefined && existsSync(args.log) ? readFileSync(args.log, "utf8") : "(no log)";
      const outcome = await reconcileDriftIssue(api, report, driftFailureBody(report, log), author);
      io.out(`[drift] ${args.stack}: the plan failed; issue ${outcome}`);
      return 1;
    }
    const plan =
      args.text !== undefined
        ? planFromText(readFileSync(args.text, "utf8")).plan
        : args.plan !== undefined
          ? parsePlan(readFileSync(args.plan, "utf8"), args.plan)
          : undefined;
    if (plan === undefined) throw new UsageError("no plan: pass PLAN.json or --text FILE");
    const result = classifyDrift(plan, trackerParameterPatterns(loadConfig(environment)));
    const outcome = await reconcileDriftIssue(api, report, result.drifted.length > 0 ? driftIssueBody(report, result) : undefined, author);
    io.out(
      `[drift] ${args.stack}: ${result.drifted.length} drifted, ${result.ignored.length} tracker-owned ignored (terraform exit ${args.exitCode}); issue ${outcome}`,
    );
    return 0;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
