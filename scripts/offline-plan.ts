/**
 * The offline plan tier: every synthesized stack through the real `terraform init`, `validate`,
 * `plan -out` and `show -json`, with dummy AWS credentials and local state, on a copy of the stack
 * folder (the folders `cdktf deploy` uses are never touched). No AWS account and no AWS call.
 *
 *   npm run plan:offline                      # synth APP_ENV (default "default") and plan its stacks
 *   npm run plan:offline -- --env fifo-example
 *   npm run plan:offline -- --all-envs        # every file in config/environments/
 *   npm run plan:offline -- --from cdktf.out  # plan what `cdktf synth` already wrote
 *
 * Options: --stack NAME (repeatable), --concurrency N (default 2), --archive auto|stand-in|provider,
 * --keep (leave the work folder for inspection). See docs/offline-plan.md.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { CONFIG_DIRECTORY, loadConfig, type AppConfig } from "../config";
import { buildApp } from "../stacks/app";
import { startAwsStandIn } from "./lib/aws-stand-ins";
import {
  backendOverride,
  declaresResource,
  isObject,
  planTimeDataSources,
  readsPublicAmiParameter,
  providerOverride,
  standInArchives,
  usesArchiveProvider,
  type ArchiveStandIn,
  type Json,
  type JsonObject,
} from "./lib/stack-json";
import {
  findProviderMirror,
  findTerraform,
  terraformEnvironment,
  writeCliConfig,
  type ProviderMirror,
} from "./lib/terraform-env";

export { findTerraform } from "./lib/terraform-env";

/** The part of `terraform show -json` the tier reads. */
export interface ResourceChange {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly provider_name: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before: Json;
    readonly after: Json;
    readonly after_unknown?: Json;
  };
}

export interface PlanJson {
  readonly format_version: string;
  readonly terraform_version: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly planned_values?: Json;
  readonly output_changes?: Json;
  readonly configuration?: Json;
}

export type Phase = "copy" | "refuse" | "archive" | "init" | "validate" | "plan" | "show";

export interface StackResult {
  /** `<label>/<stack>` when a label was given (e.g. the environment), else the stack name. */
  readonly id: string;
  readonly stack: string;
  readonly ok: boolean;
  /** Where it failed; undefined when it passed. */
  readonly failedPhase?: Phase;
  /** Terraform's own message (or the script's, for a refused data source). */
  readonly error?: string;
  readonly toAdd: number;
  readonly toChange: number;
  readonly toDestroy: number;
  /** Resources whose plan replaces them (delete and create). */
  readonly toReplace: number;
  /** Warning summaries reported by validate and plan. */
  readonly warnings: readonly string[];
  readonly archiveStandIns: readonly ArchiveStandIn[];
  /** Whether the stack's Step Functions definitions were checked by the local stand-in instead of AWS. */
  readonly sfnStandIn: boolean;
  /** Wall-clock seconds of the whole stack (copy, init, validate, plan, show). */
  readonly seconds: number;
  readonly phaseSeconds: Readonly<Partial<Record<Phase, number>>>;
  /** The copy that was planned (removed afterwards unless kept). */
  readonly workDirectory: string;
  readonly plan?: PlanJson;
}

export type ArchiveMode = "auto" | "stand-in" | "provider";

export interface PlanOptions {
  /** A synthesized output folder (holding stacks/<name>/cdk.tf.json). */
  readonly outdir: string;
  /** Only these stacks. @default every folder in <outdir>/stacks */
  readonly stacks?: readonly string[];
  /** Prefix of each result's id, e.g. the environment. @default - none */
  readonly label?: string;
  /** Stacks planned at once. @default 2 */
  readonly concurrency?: number;
  /**
   * "stand-in": replace `data.archive_file` with zips the script makes; "provider": plan as synthesized;
   * "auto": the stand-in when the provider mirror exists and lacks hashicorp/archive.
   * @default "auto", or OFFLINE_PLAN_ARCHIVE
   */
  readonly archive?: ArchiveMode;
  /** Folder for the copies. @default - a new folder in the OS temp folder, removed at the end */
  readonly workRoot?: string;
  /** Leave the copies for inspection. @default false */
  readonly keep?: boolean;
  /** Called with one line per finished stack (and per notice). @default - silent */
  readonly onProgress?: (line: string) => void;
}

export interface PlanReport {
  readonly results: readonly StackResult[];
  readonly ok: boolean;
  readonly seconds: number;
  readonly mirror: ProviderMirror | undefined;
  readonly archiveMode: Exclude<ArchiveMode, "auto">;
}

/** A bound on every terraform command: a hung provider download fails the tier instead of hanging it. */
const COMMAND_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * Plan requests go through a proxy that does not exist: the plan cannot reach AWS (or anything else)
 * even by mistake, so a passing plan proves it needed no network.
 */
export const NO_NETWORK: NodeJS.ProcessEnv = {
  HTTPS_PROXY: "http://127.0.0.1:9",
  HTTP_PROXY: "http://127.0.0.1:9",
  https_proxy: "http://127.0.0.1:9",
  http_proxy: "http://127.0.0.1:9",
  // Only the script's own local stand-ins are reachable.
  NO_PROXY: "127.0.0.1",
  no_proxy: "127.0.0.1",
};

const BLOCKED_HINT =
  "\n[offline-plan] the AWS provider tried to reach AWS while planning (the script blocks every network call: " +
  "proxy 127.0.0.1:9). Something in this stack needs AWS at plan time; keep such data sources and resources out of stacks, " +
  "or add an offline stand-in in scripts/lib/aws-stand-ins.ts.";

interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(binary: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(binary, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], timeout: COMMAND_TIMEOUT_MS });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => resolvePromise({ code: 127, stdout: "", stderr: error.message }));
    child.on("close", (code, signal) =>
      resolvePromise({
        code: code ?? 1,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8") + (signal ? `\n(terraform ${args[0] ?? ""} stopped by ${signal})` : ""),
      }),
    );
  });
}

function message(result: CommandResult): string {
  const text = [result.stderr.trim(), result.stdout.trim()].filter((part) => part !== "").join("\n");
  return text.includes("127.0.0.1:9") ? `${text}${BLOCKED_HINT}` : text;
}

/** `Warning: <summary>` lines of Terraform's human output. */
function warningSummaries(text: string): string[] {
  return [...text.matchAll(/^(?:│ )?Warning: (.+)$/gm)].map((match) => (match[1] ?? "").trim());
}

export function countActions(changes: readonly ResourceChange[]): { toAdd: number; toChange: number; toDestroy: number; toReplace: number } {
  let toAdd = 0;
  let toChange = 0;
  let toDestroy = 0;
  let toReplace = 0;
  for (const { change } of changes) {
    const actions = change.actions;
    if (actions.includes("create") && actions.includes("delete")) toReplace++;
    else if (actions.includes("create")) toAdd++;
    else if (actions.includes("delete")) toDestroy++;
    else if (actions.includes("update")) toChange++;
  }
  return { toAdd, toChange, toDestroy, toReplace };
}

function readStack(file: string): JsonObject {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Json;
  if (!isObject(parsed)) throw new Error(`${basename(file)} is not a JSON object`);
  return parsed;
}

/** The shared context of one run: the terraform binary, the mirror, the generated CLI config. */
export interface TerraformContext {
  readonly terraform: string;
  readonly mirror: ProviderMirror | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly archiveMode: Exclude<ArchiveMode, "auto">;
  /** The local stand-in of Step Functions' ValidateStateMachineDefinition. @default - none: such plans fail offline */
  readonly sfnEndpoint?: string;
}

/** Finds terraform and the mirror, writes the CLI config into `workRoot`. Throws when terraform is absent. */
export function prepareTerraform(workRoot: string, archive: ArchiveMode = "auto"): TerraformContext {
  const terraform = findTerraform();
  if (terraform === undefined) throw new Error("terraform is not on the PATH; install Terraform 1.11 to run the offline plan tier");
  const mirror = findProviderMirror();
  const cliConfig = writeCliConfig(join(workRoot, "terraformrc.hcl"), mirror);
  const requested = archive === "auto" ? archiveModeFromEnv() : archive;
  const archiveMode =
    requested !== "auto"
      ? requested
      : mirror !== undefined && !mirror.providers.includes("registry.terraform.io/hashicorp/archive")
        ? "stand-in"
        : "provider";
  return { terraform, mirror, env: terraformEnvironment(cliConfig), archiveMode };
}

function archiveModeFromEnv(): ArchiveMode {
  const value = process.env["OFFLINE_PLAN_ARCHIVE"];
  if (value === undefined || value === "") return "auto";
  if (value === "auto" || value === "stand-in" || value === "provider") return value;
  throw new Error(`OFFLINE_PLAN_ARCHIVE="${value}" is not one of auto, stand-in, provider`);
}

/** What is never copied: Terraform's own working files from an earlier run in the source folder. */
function copyFilter(source: string): boolean {
  const name = basename(source);
  return name !== ".terraform" && name !== ".terraform.lock.hcl" && !name.endsWith(".tfstate") && !name.endsWith(".tfstate.backup");
}

/**
 * Copies one stack folder to `target` and runs it through init, validate, plan and show.
 * Never throws for a failing stack: the result says where and why.
 */
export async function planStackDirectory(
  source: string,
  target: string,
  context: TerraformContext,
  id = basename(source),
): Promise<StackResult> {
  const started = performance.now();
  const phaseSeconds: Partial<Record<Phase, number>> = {};
  const stack = basename(source);
  let standIns: ArchiveStandIn[] = [];
  const warnings: string[] = [];
  const base = { id, stack, workDirectory: target, phaseSeconds, sfnStandIn: false };
  const finish = (extra: Partial<StackResult> & { ok: boolean }): StackResult => ({
    ...base,
    toAdd: 0,
    toChange: 0,
    toDestroy: 0,
    toReplace: 0,
    warnings: [...new Set(warnings)],
    archiveStandIns: standIns,
    seconds: (performance.now() - started) / 1000,
    ...extra,
  });
  const timed = async <T>(phase: Phase, work: () => Promise<T> | T): Promise<T> => {
    const phaseStart = performance.now();
    try {
      return await work();
    } finally {
      phaseSeconds[phase] = (performance.now() - phaseStart) / 1000;
    }
  };

  try {
    await timed("copy", () => {
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target, { recursive: true });
      cpSync(source, target, { recursive: true, filter: copyFilter });
    });
  } catch (error) {
    return finish({ ok: false, failedPhase: "copy", error: `copying ${stack}: ${(error as Error).message}` });
  }
  const stackFile = join(target, "cdk.tf.json");
  let json: JsonObject;
  try {
    json = readStack(stackFile);
  } catch (error) {
    return finish({ ok: false, failedPhase: "copy", error: `${stack}: cannot read cdk.tf.json: ${(error as Error).message}` });
  }

  const forbidden = planTimeDataSources(json);
  if (forbidden.length > 0) {
    const lines = forbidden.map(({ address, why }) => `  ${address}: ${why}`);
    return finish({
      ok: false,
      failedPhase: "refuse",
      error: `stack "${stack}" cannot be planned without an AWS account: it holds data sources that need AWS at plan time:\n${lines.join("\n")}`,
    });
  }

  if (context.archiveMode === "stand-in" && usesArchiveProvider(json)) {
    try {
      await timed("archive", () => {
        const replaced = standInArchives(json, target);
        json = replaced.stack;
        standIns = replaced.standIns;
        writeFileSync(stackFile, `${JSON.stringify(json, null, 2)}\n`);
      });
    } catch (error) {
      return finish({ ok: false, failedPhase: "archive", error: `${stack}: archive stand-in: ${(error as Error).message}` });
    }
  }

  writeFileSync(join(target, "zz_offline_plan_backend_override.tf.json"), `${JSON.stringify(backendOverride(), null, 2)}\n`);
  const sfnStandIn = context.sfnEndpoint !== undefined && declaresResource(json, "aws_sfn_state_machine");
  base.sfnStandIn = sfnStandIn;
  const parameterStandIn = context.sfnEndpoint !== undefined && readsPublicAmiParameter(json);
  const providers = providerOverride(json, {
    ...(sfnStandIn && context.sfnEndpoint !== undefined ? { sfnEndpoint: context.sfnEndpoint } : {}),
    ...(parameterStandIn && context.sfnEndpoint !== undefined ? { ssmEndpoint: context.sfnEndpoint } : {}),
  });
  if (providers) writeFileSync(join(target, "zz_offline_plan_provider_override.tf.json"), `${JSON.stringify(providers, null, 2)}\n`);

  const offline = { ...context.env, ...NO_NETWORK };
  const init = await timed("init", () => run(context.terraform, ["init", "-input=false", "-no-color"], target, context.env));
  if (init.code !== 0) return finish({ ok: false, failedPhase: "init", error: message(init) });

  // Human output: on failure it is Terraform's own message, with file and line. One provider start, not two.
  const validate = await timed("validate", () => run(context.terraform, ["validate", "-no-color"], target, offline));
  warnings.push(...warningSummaries(validate.stdout), ...warningSummaries(validate.stderr));
  if (validate.code !== 0) return finish({ ok: false, failedPhase: "validate", error: message(validate) });

  const plan = await timed("plan", () =>
    run(context.terraform, ["plan", "-input=false", "-lock=false", "-no-color", "-out=offline.tfplan"], target, offline),
  );
  warnings.push(...warningSummaries(plan.stdout), ...warningSummaries(plan.stderr));
  if (plan.code !== 0) return finish({ ok: false, failedPhase: "plan", error: message(plan) });

  const show = await timed("show", () => run(context.terraform, ["show", "-json", "-no-color", "offline.tfplan"], target, offline));
  if (show.code !== 0) return finish({ ok: false, failedPhase: "show", error: message(show) });
  let parsed: PlanJson;
  try {
    parsed = JSON.parse(show.stdout) as PlanJson;
  } catch (error) {
    return finish({ ok: false, failedPhase: "show", error: `terraform show -json printed no JSON: ${(error as Error).message}` });
  }
  return finish({ ok: true, ...countActions(parsed.resource_changes ?? []), plan: parsed });
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the items in the results. */
export async function runLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const item = items[index];
      if (item !== undefined) results[index] = await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** The stack folders of a synthesized output, sorted by name. */
export function listStacks(outdir: string): string[] {
  const folder = join(outdir, "stacks");
  if (!existsSync(folder)) throw new Error(`${folder} does not exist: synthesize first (npm run synth) or pass --env`);
  return readdirSync(folder)
    .filter((name) => statSync(join(folder, name)).isDirectory() && existsSync(join(folder, name, "cdk.tf.json")))
    .sort();
}

export function formatProgress(result: StackResult): string {
  const phases = (["init", "validate", "plan", "show"] as const)
    .filter((phase) => result.phaseSeconds[phase] !== undefined)
    .map((phase) => `${phase} ${(result.phaseSeconds[phase] ?? 0).toFixed(1)}`)
    .join(", ");
  const status = result.ok
    ? `ok: +${result.toAdd} ~${result.toChange} -${result.toDestroy} ±${result.toReplace}, ${result.warnings.length} warning(s)`
    : `FAILED at ${result.failedPhase ?? "?"}`;
  const standIn =
    (result.archiveStandIns.length > 0 ? `, archive stand-in for ${result.archiveStandIns.length} zip(s)` : "") +
    (result.sfnStandIn ? ", Step Functions definitions checked by the local stand-in" : "");
  return `[offline-plan] ${result.id}: ${status}${standIn} in ${result.seconds.toFixed(1)} s (${phases})`;
}

/** The summary table: stack, resources to add, warnings, seconds (plus change/destroy/replace and status). */
export function formatSummary(results: readonly StackResult[]): string {
  const header = ["stack", "add", "change", "destroy", "replace", "warnings", "seconds", "status"];
  const rows = results.map((r) => [
    r.id,
    String(r.toAdd),
    String(r.toChange),
    String(r.toDestroy),
    String(r.toReplace),
    String(r.warnings.length),
    r.seconds.toFixed(1),
    r.ok ? "ok" : `FAILED (${r.failedPhase ?? "?"})`,
  ]);
  const total = results.reduce((sum, r) => sum + r.seconds, 0);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  ").trimEnd();
  const mean = results.length > 0 ? total / results.length : 0;
  return [
    line(header),
    line(header.map((_, column) => "-".repeat(widths[column] ?? 0))),
    ...rows.map(line),
    `${results.length} stack(s), ${total.toFixed(1)} s of terraform in all, ${mean.toFixed(1)} s per stack`,
  ].join("\n");
}

/** One synthesized output folder to plan. */
export interface PlanTarget {
  /** A synthesized output folder (holding stacks/<name>/cdk.tf.json). */
  readonly outdir: string;
  /** Prefix of each result's id, e.g. the environment. @default - none */
  readonly label?: string;
  /** Only these stacks. @default every folder in <outdir>/stacks */
  readonly stacks?: readonly string[];
}

/** Plans every stack of a synthesized output folder; see PlanOptions. */
export function planStacks(options: PlanOptions): Promise<PlanReport> {
  const target: PlanTarget = {
    outdir: options.outdir,
    ...(options.label !== undefined ? { label: options.label } : {}),
    ...(options.stacks !== undefined ? { stacks: options.stacks } : {}),
  };
  return planTargets([target], options);
}

/** Plans the stacks of several synthesized folders in one pool (at most `concurrency` terraform runs at once). */
export async function planTargets(targets: readonly PlanTarget[], options: Omit<PlanOptions, "outdir" | "label" | "stacks"> = {}): Promise<PlanReport> {
  const started = performance.now();
  const ownWorkRoot = options.workRoot === undefined;
  const workRoot = options.workRoot ?? mkdtempSync(join(tmpdir(), "offline-plan-"));
  mkdirSync(workRoot, { recursive: true });
  let stopStandIn = async (): Promise<void> => undefined;
  try {
    const sfn = await startAwsStandIn();
    stopStandIn = sfn.close;
    const context: TerraformContext = { ...prepareTerraform(workRoot, options.archive ?? "auto"), sfnEndpoint: sfn.url };
    const progress = options.onProgress ?? ((): void => undefined);
    if (context.archiveMode === "stand-in") {
      progress(
        "[offline-plan] hashicorp/archive is not installable here: each data.archive_file is replaced by a zip this script makes " +
          "(same source folder, same output path, its own output_base64sha256); the rest of each stack is planned as synthesized",
      );
    }
    const jobs = targets.flatMap((target) =>
      (target.stacks ?? listStacks(target.outdir)).map((name) => ({
        source: join(target.outdir, "stacks", name),
        work: join(workRoot, target.label ?? "stacks", name),
        id: target.label === undefined ? name : `${target.label}/${name}`,
      })),
    );
    const results = await runLimited(jobs, options.concurrency ?? 2, async (job) => {
      const result = await planStackDirectory(job.source, job.work, context, job.id);
      progress(formatProgress(result));
      if (!options.keep) rmSync(job.work, { recursive: true, force: true });
      return result;
    });
    return {
      results,
      ok: results.every((result) => result.ok),
      seconds: (performance.now() - started) / 1000,
      mirror: context.mirror,
      archiveMode: context.archiveMode,
    };
  } finally {
    await stopStandIn();
    if (ownWorkRoot && !options.keep) rmSync(workRoot, { recursive: true, force: true });
  }
}

/** Every environment with a file in config/environments/, sorted. */
export function listEnvironments(directory = CONFIG_DIRECTORY): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

/** Synthesizes the app for one configuration into `outdir` (created if missing); returns outdir. */
export function synthesize(config: AppConfig, outdir: string): string {
  mkdirSync(outdir, { recursive: true });
  buildApp(config, { outdir }).synth();
  return outdir;
}

interface CliArguments {
  readonly environments: readonly string[];
  readonly from?: string;
  readonly stacks?: readonly string[];
  readonly concurrency: number;
  readonly archive: ArchiveMode;
  readonly keep: boolean;
}

const USAGE = `usage: npm run plan:offline -- [options]
  --env NAME          plan config/environments/NAME.json (repeatable; default APP_ENV, else "default")
  --all-envs          plan every file in config/environments/
  --from DIR          plan what was already synthesized into DIR (e.g. cdktf.out)
  --stack NAME        only this stack (repeatable)
  --concurrency N     stacks planned at once (default 2)
  --archive MODE      auto | stand-in | provider (default auto; see docs/offline-plan.md)
  --keep              keep the work folder and print where it is
  --help              this text`;

function parseArguments(argv: readonly string[]): CliArguments | "help" {
  const environments: string[] = [];
  const stacks: string[] = [];
  let from: string | undefined;
  let concurrency = 2;
  let archive: ArchiveMode = "auto";
  let keep = false;
  let all = false;
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${flag ?? ""} needs a value`);
      return next;
    };
    switch (flag) {
      case "--help":
      case "-h":
        return "help";
      case "--env":
        environments.push(value());
        break;
      case "--all-envs":
        all = true;
        break;
      case "--from":
        from = value();
        break;
      case "--stack":
        stacks.push(value());
        break;
      case "--concurrency":
        concurrency = Number.parseInt(value(), 10);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("--concurrency needs a whole number of at least 1");
        break;
      case "--archive": {
        const mode = value();
        if (mode !== "auto" && mode !== "stand-in" && mode !== "provider") throw new Error(`--archive ${mode}: expected auto, stand-in or provider`);
        archive = mode;
        break;
      }
      case "--keep":
        keep = true;
        break;
      default:
        throw new Error(`unknown argument ${flag ?? ""}\n${USAGE}`);
    }
  }
  const chosen = all ? listEnvironments() : environments.length > 0 ? environments : [process.env["APP_ENV"] ?? "default"];
  return { environments: chosen, ...(from !== undefined ? { from } : {}), ...(stacks.length > 0 ? { stacks } : {}), concurrency, archive, keep };
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  const workRoot = mkdtempSync(join(tmpdir(), "offline-plan-"));
  const log = (line: string): void => console.log(line);
  const results: StackResult[] = [];
  try {
    const targets: PlanTarget[] = [];
    if (args.from !== undefined) {
      targets.push({ outdir: resolve(args.from), ...(args.stacks !== undefined ? { stacks: args.stacks } : {}) });
    } else {
      for (const environment of args.environments) {
        const outdir = synthesize(loadConfig(environment), join(workRoot, "synth", environment));
        targets.push({ label: environment, outdir, ...(args.stacks !== undefined ? { stacks: args.stacks } : {}) });
      }
    }
    const report = await planTargets(targets, { workRoot: join(workRoot, "plan"), concurrency: args.concurrency, archive: args.archive, keep: args.keep, onProgress: log });
    results.push(...report.results);
  } finally {
    if (args.keep) log(`[offline-plan] work folder kept: ${workRoot}`);
    else rmSync(workRoot, { recursive: true, force: true });
  }
  log("");
  log(formatSummary(results));
  const failed = results.filter((result) => !result.ok);
  for (const result of failed) {
    console.error(`\n[offline-plan] ${result.id} failed at ${result.failedPhase ?? "?"}:\n${result.error ?? ""}`);
  }
  return failed.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`[offline-plan] ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
