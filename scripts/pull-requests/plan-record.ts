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
import { parsePlan } from "./plan-summary";
import { fetchRunPlanJson, runFromLog, tokenVariable } from "./lib/hcp-plan";
import { reviewRecord, type ReviewRecord } from "./lib/plan-digest";
import { safeTerraformError, secretsFromEnvironment } from "./lib/redact";

export type ReviewFile =
  | { readonly kind: "plan"; readonly head: string; readonly record: ReviewRecord }
  | { readonly kind: "failed"; readonly stack: string; readonly head: string; readonly phase: string; readonly error: string };

const OPTIONS = ["--stack", "--head", "--out", "--lock-file", "--hcp-log", "--failed", "--log"] as const;
type Option = (typeof OPTIONS)[number] extends `--${infer Name}` ? Name : never;

export function parseArguments(argv: readonly string[]): { values: Partial<Record<Option, string>>; files: string[] } {
  const values: Partial<Record<Option, string>> = {};
  const files: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? "";
    if ((OPTIONS as readonly string[]).includes(argument)) {
      const value = argv[++index];
      if (value === undefined || value === "") throw new Error(`${argument} needs a value`);
      values[argument.slice(2) as Option] = value;
    } else if (argument.startsWith("--")) throw new Error(`unknown option ${argument}`);
    else files.push(argument);
  }
  return { values, files };
}

export interface RecordEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly read: (file: string) => string;
  readonly exists: (file: string) => boolean;
  readonly fetch?: typeof fetch;
}

export async function buildReviewFile(argv: readonly string[], context: RecordEnvironment): Promise<ReviewFile> {
  const { values, files } = parseArguments(argv);
  const stack = values.stack;
  const head = values.head;
  if (stack === undefined || head === undefined) throw new Error("--stack and --head are required");
  if (!/^[0-9a-f]{40}$/.test(head)) throw new Error(`--head ${head}: expected the 40-hex-digit commit planned`);
  if (values.failed !== undefined) {
    const log = values.log !== undefined && context.exists(values.log) ? context.read(values.log) : "(no log)";
    return { kind: "failed", stack, head, phase: values.failed, error: safeTerraformError(log, secretsFromEnvironment(context.env)) };
  }
  let planText: string;
  if (values["hcp-log"] !== undefined) {
    const run = runFromLog(context.read(values["hcp-log"]));
    if (run === undefined) throw new Error(`${values["hcp-log"]}: no HCP Terraform run URL in Terraform's output`);
    const token = context.env[tokenVariable(run.host)];
    if (!token) throw new Error(`${tokenVariable(run.host)} is not set: the plan job passes the plan-only team token (secret TF_PLAN_TOKEN)`);
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

async function main(argv: readonly string[]): Promise<void> {
  const out = parseArguments(argv).values.out;
  if (out === undefined) throw new Error("--out FILE is required");
  const file = await buildReviewFile(argv, { env: process.env, read: (path) => readFileSync(path, "utf8"), exists: existsSync });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(file)}\n`);
  process.stdout.write(`[plan-record] ${file.kind === "plan" ? file.record.stack : file.stack}: ${file.kind} -> ${out}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`[plan-record] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
