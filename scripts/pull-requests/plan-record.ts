/**
 * The pull-request side of plan review (plan.yml's plan job): writes the stack's review file, the one
 * thing the trusted plan-review workflow (plan-attest.yml, scripts/pull-requests/plan-attest.ts) reads from this run.
 * It holds either the plan's review record (scripts/pull-requests/lib/plan-digest.ts: secret-free, sensitive values as
 * markers) or a failure (the phase and Terraform's error, trimmed and redacted here, where the job's
 * secrets are known). This job runs the pull request's code: nothing it writes is trusted for more than
 * "this is what is shown and what the digest covers".
 *
 *   npm run --silent ci:plan-record -- --stack S --head SHA --out review.json plan.json [--lock-file F]
 *   npm run --silent ci:plan-record -- --stack S --head SHA --out review.json --hcp-log plan.log [--lock-file F]
 *   npm run --silent ci:plan-record -- --stack S --head SHA --out review.json --failed plan --log plan.log
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { defineCommand, exitWith, parseCommandLine, processIo, runCommand, UsageError, type CliIo, type Parsed } from "../shared/cli-args.cjs";
import { parsePlan } from "./lib/plan-document";
import { FAILED_PHASES } from "./lib/plan-render";
import { fetchRunPlanJson, runFromLog } from "./lib/hcp-plan";
import { terraformTokenVariable } from "./lib/terraform-token";
import { commitProblem, stackProblem } from "./lib/options";
import { reviewRecord, type ReviewRecord } from "./lib/plan-digest";
import { safeTerraformError, secretsFromEnvironment } from "./lib/redact";

export type ReviewFile =
  | { readonly kind: "plan"; readonly head: string; readonly record: ReviewRecord }
  | { readonly kind: "failed"; readonly stack: string; readonly head: string; readonly phase: string; readonly error: string };

export const COMMAND = defineCommand({
  command: "npm run --silent ci:plan-record --",
  name: "ci:plan-record",
  summary:
    "Writes a stack's review file, the one thing the trusted plan-review workflow reads from a plan run: the plan's secret-free review record, or the failure (Terraform's error, trimmed and redacted).",
  positionals: { name: "PLAN.json", description: "the plan (terraform show -json plan.tfplan), unless --hcp-log or --failed", max: 1 },
  options: {
    stack: { type: "string", value: "NAME", description: "the stack planned (required)", check: stackProblem },
    head: { type: "string", value: "SHA", description: "the 40-hex-digit commit planned (required)", check: commitProblem },
    out: { type: "string", value: "FILE", description: "where to write the review file (required)" },
    "lock-file": { type: "string", value: "FILE", description: "the stack's .terraform.lock.hcl (its providers go into the record)" },
    "hcp-log": { type: "string", value: "FILE", description: "HCP Terraform: Terraform's output, whose run URL names the JSON plan to fetch" },
    failed: { type: "string", value: "PHASE", description: "record a failed PHASE instead of a plan", choices: FAILED_PHASES },
    log: { type: "string", value: "FILE", description: "Terraform's output of the failed phase (with --failed)" },
  },
  notes: "env: PLAN_DIGEST_KEY (optional), TF_TOKEN_<host> (with --hcp-log: the plan-only team token).",
});

type RecordArguments = Parsed<typeof COMMAND.options>;

function parsed(argv: readonly string[]): RecordArguments {
  const result = parseCommandLine(COMMAND, argv);
  if (result === "help") throw new UsageError("--help is for the command line (npm run ci:plan-record -- --help)");
  return result;
}

export interface RecordEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly read: (file: string) => string;
  readonly exists: (file: string) => boolean;
  readonly fetch?: typeof fetch;
}

/** The review file the arguments describe (argv as the command line gives it, or already parsed). */
export async function buildReviewFile(argv: readonly string[] | RecordArguments, context: RecordEnvironment): Promise<ReviewFile> {
  const { values, positionals: files } = Array.isArray(argv) ? parsed(argv) : (argv as RecordArguments);
  const stack = values.stack;
  const head = values.head;
  if (stack === undefined || head === undefined) throw new UsageError("--stack NAME and --head SHA are required");
  if (values.failed !== undefined) {
    const log = values.log !== undefined && context.exists(values.log) ? context.read(values.log) : "(no log)";
    return { kind: "failed", stack, head, phase: values.failed, error: safeTerraformError(log, secretsFromEnvironment(context.env)) };
  }
  let planText: string;
  if (values["hcp-log"] !== undefined) {
    const run = runFromLog(context.read(values["hcp-log"]));
    if (run === undefined) throw new Error(`${values["hcp-log"]}: no HCP Terraform run URL in Terraform's output`);
    const token = context.env[terraformTokenVariable(run.host)];
    if (!token) throw new Error(`${terraformTokenVariable(run.host)} is not set: the plan job passes the plan-only team token (secret TF_PLAN_TOKEN)`);
    planText = await fetchRunPlanJson(run.host, run.runId, token, context.fetch);
  } else {
    const file = files[0];
    if (file === undefined) throw new Error("no plan: pass plan.json (terraform show -json) or --hcp-log plan.log");
    planText = context.read(file);
  }
  const lockFile = values["lock-file"] !== undefined && context.exists(values["lock-file"]) ? context.read(values["lock-file"]) : undefined;
  const key = context.env["PLAN_DIGEST_KEY"];
  const record = reviewRecord(parsePlan(planText, files[0] ?? "the run's JSON plan"), {
    stack,
    ...(lockFile !== undefined ? { lockFile } : {}),
    ...(key ? { key } : {}),
  });
  return { kind: "plan", head, record };
}

export function main(argv: readonly string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runCommand(COMMAND, argv, io, async (args) => {
    const out = args.values.out;
    if (out === undefined) throw new UsageError("--out FILE is required (where the review file goes)");
    const file = await buildReviewFile(args, { env, read: (path) => readFileSync(path, "utf8"), exists: existsSync });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(file)}\n`);
    io.out(`[plan-record] ${file.kind === "plan" ? file.record.stack : file.stack}: ${file.kind} -> ${out}`);
    return 0;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
