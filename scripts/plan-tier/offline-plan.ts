/**
 * `npm run plan:offline`: the offline plan tier's command. It synthesizes (unless --from), plans every
 * stack with no AWS account (lib/plan-pool.ts, one stack: lib/plan-stack.ts), prints the summary table.
 *
 *   npm run plan:offline                      # synth APP_ENV (default "default") and plan its stacks
 *   npm run plan:offline -- --env fifo-example
 *   npm run plan:offline -- --all-envs        # every file in config/environments/
 *   npm run plan:offline -- --from cdktf.out  # plan what `cdktf synth` already wrote
 *
 * Options: --stack NAME (repeatable), --concurrency N (default 2), --archive auto|stand-in|provider,
 * --keep (leave the work folder for inspection). See docs/offline-plan.md.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../../config";
import { defineCommand, exitWith, processIo, runCommand, UsageError, type CliIo } from "../shared/cli-args.cjs";
import { listEnvironments, synthesize } from "./lib/environments";
import type { StackResult } from "./lib/plan-result";
import { DEFAULT_CONCURRENCY, planTargets, type PlanTarget } from "./lib/plan-pool";
import { formatSummary } from "./lib/plan-report";
import type { StackFormat } from "./lib/stack-file";
import { ARCHIVE_MODES, type ArchiveMode } from "./lib/terraform-context";

/** Where `--reuse-plans` and the terraform tier without CI keep passing plans (git-ignored). */
export const PLAN_CACHE_DIRECTORY = join(__dirname, "..", "..", ".build", "plan-cache");

export const COMMAND = defineCommand({
  command: "npm run plan:offline --",
  name: "plan:offline",
  summary:
    "A real terraform plan of each synthesized stack without AWS: dummy credentials, local state, a copy of each stack folder " +
    "(the folders cdktf deploy uses are never touched). See docs/offline-plan.md.",
  options: {
    env: {
      type: "string",
      multiple: true,
      value: "NAME",
      description: 'plan config/environments/NAME.json (default APP_ENV, else "default")',
      choices: () => listEnvironments(),
    },
    "all-envs": { type: "boolean", description: "plan every file in config/environments/" },
    from: { type: "string", value: "DIR", description: "plan what was already synthesized into DIR (e.g. cdktf.out), as JSON or HCL" },
    hcl: { type: "boolean", description: "synthesize as HCL (cdk.tf) instead of JSON before planning" },
    stack: { type: "string", multiple: true, value: "NAME", description: "only this stack" },
    concurrency: {
      type: "string",
      value: "N",
      description: `stacks planned at once (default ${DEFAULT_CONCURRENCY})`,
      check: (value) => (/^[1-9]\d*$/.test(value) ? undefined : "expected a whole number of at least 1, e.g. --concurrency 2"),
    },
    archive: {
      type: "string",
      value: "MODE",
      description: "how data.archive_file is planned (default auto; see docs/offline-plan.md)",
      choices: ARCHIVE_MODES,
    },
    keep: { type: "boolean", description: "keep the work folder and print where it is" },
    "own-providers": {
      type: "boolean",
      description: "let terraform start the aws provider itself for every stack (default: one running provider per worker, reattached)",
    },
    "reuse-plans": {
      type: "boolean",
      description: "give a stack unchanged since its last passing plan that plan back instead of running terraform (.build/plan-cache/)",
    },
  },
  notes: [
    "examples:",
    "  npm run plan:offline -- --env fifo-example",
    "  npm run plan:offline -- --all-envs",
    "  npm run plan:offline -- --from cdktf.out --stack ami-tracker",
  ].join("\n"),
});

/** The CLI: parses argv, synthesizes (unless --from), plans, prints the summary; the exit code. */
export function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCommand(COMMAND, argv, io, async ({ values }) => {
    if (values.from !== undefined && values.env !== undefined)
      throw new UsageError("--from and --env exclude each other: --from plans a folder already synthesized");
    if (values.from !== undefined && !existsSync(values.from))
      throw new UsageError(`--from ${JSON.stringify(values.from)}: no such folder; synthesize into it first (npm run synth writes cdktf.out)`);
    const environments = values["all-envs"] === true ? listEnvironments() : (values.env ?? [process.env["APP_ENV"] ?? "default"]);
    return planCommand(
      {
        environments,
        ...(values.from !== undefined ? { from: values.from } : {}),
        ...(values.stack !== undefined ? { stacks: values.stack } : {}),
        concurrency: values.concurrency !== undefined ? Number.parseInt(values.concurrency, 10) : DEFAULT_CONCURRENCY,
        archive: (values.archive as ArchiveMode | undefined) ?? "auto",
        keep: values.keep === true,
        format: values.hcl === true ? "hcl" : "json",
        sharedProvider: values["own-providers"] !== true,
        reusePlans: values["reuse-plans"] === true,
      },
      io,
    );
  });
}

interface CliArguments {
  readonly environments: readonly string[];
  readonly from?: string;
  readonly stacks?: readonly string[];
  readonly concurrency: number;
  readonly archive: ArchiveMode;
  readonly keep: boolean;
  readonly format: StackFormat;
  readonly sharedProvider: boolean;
  readonly reusePlans: boolean;
}

async function planCommand(args: CliArguments, io: CliIo): Promise<number> {
  const workRoot = mkdtempSync(join(tmpdir(), "offline-plan-"));
  const log = (line: string): void => io.out(line);
  const results: StackResult[] = [];
  try {
    const targets: PlanTarget[] = [];
    if (args.from !== undefined) {
      targets.push({ outdir: resolve(args.from), ...(args.stacks !== undefined ? { stacks: args.stacks } : {}) });
    } else {
      for (const environment of args.environments) {
        const outdir = synthesize(loadConfig(environment), join(workRoot, "synth", environment), args.format);
        targets.push({ label: environment, outdir, ...(args.stacks !== undefined ? { stacks: args.stacks } : {}) });
      }
    }
    const report = await planTargets(targets, {
      workRoot: join(workRoot, "plan"),
      concurrency: args.concurrency,
      sharedProvider: args.sharedProvider,
      archive: args.archive,
      keep: args.keep,
      onProgress: log,
      ...(args.reusePlans ? { cacheDirectory: PLAN_CACHE_DIRECTORY } : {}),
    });
    results.push(...report.results);
  } finally {
    if (args.keep) log(`[offline-plan] work folder kept: ${workRoot}`);
    else rmSync(workRoot, { recursive: true, force: true });
  }
  log("");
  log(formatSummary(results));
  const failed = results.filter((result) => !result.ok);
  for (const result of failed) {
    io.err(`\n[offline-plan] ${result.id} failed at ${result.failedPhase ?? "?"}:\n${result.error ?? ""}`);
  }
  return failed.length > 0 ? 1 : 0;
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
