/**
 * A pull-request comment from `terraform show -json` output: per stack, a warning block for anything
 * destroyed or replaced (stateful resources first), counts by action, then each changed resource,
 * most dangerous first (delete, replace, update, create), with the arguments that change folded in
 * `<details>` (before -> after, sensitive values masked, what forces a replacement), so that one
 * comment stays under GitHub's 65,536-character limit. tfcmt and Atlantis post Terraform's whole
 * plan text; this shows only the changed leaves, and the whole text goes to the job summary (--summary).
 *
 * This file is the command (`npm run plan:summary -- --help`); reading plans is lib/plan-document.ts,
 * rendering them lib/plan-render.ts. A plan names its stack through the `Stack` default tag every stack
 * sets; `--stack` overrides it, and the file name is the last resort. The same comment is written for a
 * failed init or plan (`--failed`), and for HCP Terraform's human plan output (`--text`), whose run URL it links.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { defineCommand, exitWith, parseCommandLine, processIo, runCommand, UsageError, type CliIo, type Parsed } from "../shared/cli-args.cjs";
import { stackProblem } from "./lib/options";
import { parsePlan, planFromText, stackNameFromFile, stackNameOfPlan } from "./lib/plan-document";
import { FAILED_PHASES, failureComment, jobSummary, summarize, type FailedPhase, type StackPlan } from "./lib/plan-render";

// The library's names, for the tools and tests that import them from the command.
export {
  STATEFUL_TYPES,
  actionOf,
  changesOf,
  countByAction,
  parsePlan,
  planFromText,
  stackNameFromFile,
  stackNameOfPlan,
  type Action,
  type Change,
  type PlanDocument,
  type PlanResourceChange,
} from "./lib/plan-document";
export {
  FAILED_PHASES,
  GITHUB_COMMENT_LIMIT,
  JOB_SUMMARY_LIMIT,
  changedInOrder,
  failureComment,
  fitSection,
  jobSummary,
  resourceItem,
  stackSection,
  summarize,
  warningBlock,
  type FailedPhase,
  type SectionOptions,
  type StackPlan,
} from "./lib/plan-render";

export const COMMAND = defineCommand({
  command: "npm run plan:summary --",
  name: "plan:summary",
  summary: "Markdown for a pull-request comment from `terraform show -json` output, on stdout.",
  positionals: { name: "PLAN.json ...", description: "one plan per stack (terraform show -json <planfile>)" },
  options: {
    stack: {
      type: "string",
      multiple: true,
      value: "NAME",
      description: "the stack of the next file (default: the plan's Stack default tag, else the file name)",
      check: stackProblem,
    },
    marker: { type: "string", value: "TEXT", description: 'first line of the comment, e.g. "<!-- plan:ami-tracker -->" (finds the sticky comment again)' },
    head: {
      type: "string",
      value: "SHA",
      description: "the commit planned, named in the footer",
      check: (value) => (value === "" || /^[0-9a-f]{7,40}$/.test(value) ? undefined : "expected a commit: 7 to 40 hexadecimal digits"),
    },
    "run-url": {
      type: "string",
      value: "URL",
      description: "link to the run (GitHub Actions job, or found in --text for HCP Terraform)",
      check: (value) =>
        value === "" || /^https?:\/\/\S+$/.test(value)
          ? undefined
          : "expected an http(s) URL, e.g. $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID",
    },
    text: { type: "boolean", description: "read Terraform's human plan output instead of JSON (HCP Terraform speculative plans)" },
    failed: {
      type: "string",
      value: "PHASE",
      description: "the comment for a failed PHASE: Terraform's error, trimmed and redacted, from --log FILE; exits 0 (the workflow fails the job itself)",
      choices: FAILED_PHASES,
    },
    log: { type: "string", value: "FILE", description: "Terraform's output of the failed phase" },
    summary: {
      type: "string",
      value: "FILE",
      description: 'also append the job summary to FILE (in a workflow: "$GITHUB_STEP_SUMMARY"): every changed resource with all its changed arguments',
    },
    "plan-text": {
      type: "string",
      multiple: true,
      value: "FILE",
      description: "`terraform show -no-color <planfile>` of the next plan, folded into the job summary",
    },
  },
  notes: 'e.g. npm run --silent plan:summary -- --stack ami-tracker --summary "$GITHUB_STEP_SUMMARY" --plan-text plan.txt plan.json',
});

type SummaryArguments = Parsed<typeof COMMAND.options>;

/** The Markdown the arguments ask for (and the job summary appended to --summary FILE). */
export function summaryOf(
  { values, positionals: files }: SummaryArguments,
  read: (file: string) => string = (file) => readFileSync(file, "utf8"),
  append: (file: string, text: string) => void = (file, text) => appendFileSync(file, text),
): string {
  const names = values.stack ?? [];
  const planTexts = values["plan-text"] ?? [];
  const common = {
    ...(values["run-url"] !== undefined && values["run-url"] !== "" ? { runUrl: values["run-url"] } : {}),
    ...(values.head !== undefined && values.head !== "" ? { head: values.head } : {}),
  };
  if (values.failed !== undefined) {
    if (values.log === undefined) throw new UsageError("--failed needs --log FILE (Terraform's output of the failed phase)");
    const stack = names[0];
    if (stack === undefined) throw new UsageError("--failed needs --stack NAME (there is no plan to read it from)");
    return failureComment(stack, values.failed as FailedPhase, read(values.log), {
      ...common,
      ...(values.marker !== undefined ? { marker: values.marker } : {}),
    });
  }
  if (files.length === 0) throw new UsageError("no plan file: pass PLAN.json (terraform show -json <planfile>)");
  if (names.length > 0 && names.length !== files.length)
    throw new UsageError(`${names.length} --stack name(s) for ${files.length} file(s); give one per file or none`);
  const stacks: StackPlan[] = files.map((file, index) => {
    if (values.text === true) {
      const parsed = planFromText(read(file));
      const runUrl = common.runUrl ?? parsed.runUrl;
      return { ...common, stack: names[index] ?? stackNameFromFile(file), plan: parsed.plan, ...(runUrl !== undefined ? { runUrl } : {}) };
    }
    const plan = parsePlan(read(file), file);
    return { ...common, stack: names[index] ?? stackNameOfPlan(plan) ?? stackNameFromFile(file), plan };
  });
  if (planTexts.length > 0 && planTexts.length !== files.length)
    throw new UsageError(`${planTexts.length} --plan-text file(s) for ${files.length} plan(s); give one per plan or none`);
  if (planTexts.length > 0 && values.summary === undefined) throw new UsageError("--plan-text goes into the job summary: add --summary FILE");
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

/** The Markdown for a command line (a UsageError for a bad one; --help is main's). */
export function run(argv: readonly string[], read?: (file: string) => string, append?: (file: string, text: string) => void): string {
  const parsed = parseCommandLine(COMMAND, argv);
  if (parsed === "help") throw new UsageError("--help is answered by main(), not run()");
  return summaryOf(parsed, read, append);
}

export function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCommand(COMMAND, argv, io, (parsed) => {
    // The comment ends with a newline already.
    io.out(summaryOf(parsed).replace(/\n$/, ""));
    return 0;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
