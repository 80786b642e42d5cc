/**
 * The offline plan tier: every synthesized stack (cdk.tf.json or cdk.tf) through the real `terraform init`
 * and one schema-loading command, `terraform test -json -verbose` with a single `command = plan` run:
 * it validates, plans and prints the plan as JSON in one process, so the 675 MB aws provider loads its
 * schema once per stack instead of three times (validate, plan, show). Dummy AWS credentials and local
 * state, on a copy of the stack folder (the folders `cdktf deploy` uses are never touched). No AWS call.
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
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { CONFIG_DIRECTORY, loadConfig, type AppConfig } from "../../config";
import { synthesizeApp } from "../../stacks/synth-output";
import { defineCommand, didYouMean, exitWith, processIo, runCommand, UsageError, type CliIo } from "../shared/cli-args.cjs";
import { startAwsStandIn } from "./lib/aws-stand-ins";
import { readStackFile, stackFormat, standInArchivesHcl, type StackFormat } from "./lib/stack-file";
import { installedAwsProvider, SharedProviderPool } from "./lib/shared-provider";
import { PlanCache, planCacheKey, toolchainDigest } from "./lib/plan-cache";
import { InitPool, initSignature, type InitializedProviders } from "./lib/shared-init";
import {
  awsProviderAliases,
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
import { findProviderMirror, findTerraform, terraformEnvironment, writeCliConfig, type ProviderMirror } from "../../stacks/terraform-env";

export { findTerraform } from "../../stacks/terraform-env";

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

/**
 * "plan" is the one schema-loading command: Terraform's validation (the provider's argument checks
 * included) and the plan both fail there, with Terraform's own message, file and line.
 */
export type Phase = "copy" | "refuse" | "archive" | "init" | "provider" | "plan";

/** Subcommands that load no provider schema; every other one started per stack is counted as a provider load. */
export const SCHEMA_FREE_COMMANDS: ReadonlySet<string> = new Set(["init", "version", "fmt"]);

export interface StackResult {
  /** `<label>/<stack>` when a label was given (e.g. the environment), else the stack name. */
  readonly id: string;
  readonly stack: string;
  readonly ok: boolean;
  /** The stack was planned as an example of a failure (a fixture); its failure is labelled as expected. */
  readonly expectedToFail: boolean;
  /** Which file the stack was synthesized as. */
  readonly format: StackFormat;
  /** The terraform subcommands run for this stack, in order (e.g. ["init", "test"]). */
  readonly terraformCommands: readonly string[];
  /** Where it failed; undefined when it passed. */
  readonly failedPhase?: Phase;
  /** Terraform's own message (or the script's, for a refused data source). */
  readonly error?: string;
  readonly toAdd: number;
  readonly toChange: number;
  readonly toDestroy: number;
  /** Resources whose plan replaces them (delete and create). */
  readonly toReplace: number;
  /** Warning summaries Terraform reported (validation and plan). */
  readonly warnings: readonly string[];
  readonly archiveStandIns: readonly ArchiveStandIn[];
  /** Whether the stack's Step Functions definitions were checked by the local stand-in instead of AWS. */
  readonly sfnStandIn: boolean;
  /** Process id of the shared aws provider the plan used; undefined: terraform started its own (see shared-provider.ts). */
  readonly sharedProviderPid?: number;
  /** When terraform made the plan this result reuses (ISO 8601); undefined: planned in this run (see plan-cache.ts). */
  readonly cachedFrom?: string;
  /** Wall-clock seconds of the whole stack (copy, init, plan). */
  readonly seconds: number;
  readonly phaseSeconds: Readonly<Partial<Record<Phase, number>>>;
  /** The copy that was planned (removed afterwards unless kept). */
  readonly workDirectory: string;
  readonly plan?: PlanJson;
}

export const ARCHIVE_MODES = ["auto", "stand-in", "provider"] as const;
export type ArchiveMode = (typeof ARCHIVE_MODES)[number];

export interface PlanOptions {
  /** A synthesized output folder (holding stacks/<name>/cdk.tf.json or cdk.tf). */
  readonly outdir: string;
  /** Only these stacks. @default every folder in <outdir>/stacks */
  readonly stacks?: readonly string[];
  /** Prefix of each result's id, e.g. the environment. @default - none */
  readonly label?: string;
  /** Stacks planned at once. @default DEFAULT_CONCURRENCY */
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
  /** The terraform binary (e.g. a counting wrapper). @default - the one on the PATH */
  readonly terraform?: string;
  /**
   * Plan through one running aws provider per worker (TF_REATTACH_PROVIDERS) instead of terraform starting
   * the provider three times per stack; stacks with aliased aws providers keep their own. @default true
   */
  readonly sharedProvider?: boolean;
  /**
   * Reuse passing plans kept in this folder when a stack, terraform, the provider mirror and the planning
   * code are unchanged (scripts/plan-tier/lib/plan-cache.ts); used only with a provider mirror. @default - none: every stack is planned
   */
  readonly cacheDirectory?: string;
}

export interface PlanReport {
  readonly results: readonly StackResult[];
  readonly ok: boolean;
  readonly seconds: number;
  readonly mirror: ProviderMirror | undefined;
  readonly archiveMode: Exclude<ArchiveMode, "auto">;
  /** Process ids of the shared aws providers started, in order (empty when none was used). */
  readonly sharedProviderPids: readonly number[];
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
  "or add an offline stand-in in scripts/plan-tier/lib/aws-stand-ins.ts.";

/**
 * Stacks planned at once: one per core of the 2-core machines this runs on. Each stack's one command is
 * CPU-bound while the provider loads its schema, so more processes than cores only queue.
 */
export const DEFAULT_CONCURRENCY = 2;

/** The one run block the tier gives each stack: plan mode, nothing applied, nothing asserted by Terraform. */
const PLAN_TEST_FILE = "zz_offline_plan.tftest.hcl";
const PLAN_TEST = 'run "offline_plan" {\n  command = plan\n}\n';

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

/** The shared context of one run: the terraform binary, the mirror, the generated CLI config. */
export interface TerraformContext {
  readonly terraform: string;
  readonly mirror: ProviderMirror | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly archiveMode: Exclude<ArchiveMode, "auto">;
  /** The local stand-in of Step Functions' ValidateStateMachineDefinition. @default - none: such plans fail offline */
  readonly sfnEndpoint?: string;
  /** Running aws providers that stacks plan through. @default - none: terraform starts its own */
  readonly sharedProviders?: SharedProviderPool;
  /** Passing plans of earlier runs. @default - none */
  readonly cache?: PlanCache<PlanJson>;
  /** One `init` per set of required providers (shared-init.ts). @default - none: every stack runs its own */
  readonly initPool?: InitPool;
}

/** Finds terraform and the mirror, writes the CLI config into `workRoot`. Throws when terraform is absent. */
export function prepareTerraform(workRoot: string, archive: ArchiveMode = "auto", binary?: string): TerraformContext {
  const terraform = binary ?? findTerraform();
  if (terraform === undefined) throw new Error("terraform is not on the PATH; install Terraform 1.11 to run the offline plan tier");
  const mirror = findProviderMirror();
  const cliConfig = writeCliConfig(join(workRoot, "terraformrc.hcl"), mirror);
  const requested = archive === "auto" ? archiveModeFromEnv() : archive;
  const archiveMode =
    requested !== "auto" ? requested : mirror !== undefined && !mirror.providers.includes("registry.terraform.io/hashicorp/archive") ? "stand-in" : "provider";
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
 * Copies one stack folder to `target` and runs it through init and one plan (see the top of this file).
 * Never throws for a failing stack: the result says where and why.
 */
export async function planStackDirectory(
  source: string,
  target: string,
  context: TerraformContext,
  id = basename(source),
  expectedToFail = false,
  /** The worker running this stack: it owns one shared provider process. */
  slot = 0,
  /** Reuse a kept plan when the context has a cache. */
  useCache = true,
): Promise<StackResult> {
  const started = performance.now();
  const phaseSeconds: Partial<Record<Phase, number>> = {};
  const stack = basename(source);
  let standIns: ArchiveStandIn[] = [];
  const warnings: string[] = [];
  const commands: string[] = [];
  const base = {
    id,
    stack,
    workDirectory: target,
    phaseSeconds,
    sfnStandIn: false,
    expectedToFail,
    format: "json" as StackFormat,
    terraformCommands: commands,
    sharedProviderPid: undefined as number | undefined,
  };
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
  let stackFile: string;
  let json: JsonObject;
  try {
    const read = await readStackFile(target);
    stackFile = read.file;
    json = read.json;
    base.format = read.format;
  } catch (error) {
    return finish({ ok: false, failedPhase: "copy", error: `${stack}: cannot read the stack: ${(error as Error).message}` });
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
        standIns = replaced.standIns;
        if (base.format === "json") {
          json = replaced.stack;
          writeFileSync(stackFile, `${JSON.stringify(json, null, 2)}\n`);
        } else {
          // HCL keeps its text: the blocks go, references read locals defined in an override file.
          const names = standIns.map((standIn) => standIn.address.slice("data.archive_file.".length));
          writeFileSync(stackFile, standInArchivesHcl(readFileSync(stackFile, "utf8"), names));
          const locals = isObject(replaced.stack["locals"]) ? replaced.stack["locals"] : {};
          const archiveLocals = Object.fromEntries(names.map((name) => [`archive_file_${name}`, locals[`archive_file_${name}`] ?? null]));
          writeFileSync(join(target, "zz_offline_plan_archive_stand_in.tf.json"), `${JSON.stringify({ locals: archiveLocals }, null, 2)}\n`);
        }
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
  writeFileSync(join(target, PLAN_TEST_FILE), PLAN_TEST);

  // Everything terraform will read is in place: an unchanged stack gets its earlier passing plan back.
  const cache = useCache ? context.cache : undefined;
  const key = cache !== undefined ? planCacheKey(target, cache.toolchain) : undefined;
  const kept = key !== undefined ? cache?.get(key) : undefined;
  if (kept !== undefined) {
    const { plannedAt, ...planned } = kept;
    warnings.push(...planned.warnings);
    return finish({ ok: true, ...planned, cachedFrom: plannedAt });
  }

  const offline = { ...context.env, ...NO_NETWORK };
  const terraform = (args: readonly string[], env: NodeJS.ProcessEnv): Promise<CommandResult> => {
    commands.push(args[0] ?? "");
    return run(context.terraform, args, target, env);
  };
  // One `init` per set of required providers in the run; a stack that calls modules, or whose set's first
  // `init` failed, runs its own.
  const initArgs = ["init", "-input=false", "-no-color"] as const;
  // HCL stacks are read through hcl2json, whose shape the signature does not parse: they run their own.
  const signature = context.initPool !== undefined && base.format === "json" ? initSignature(json) : undefined;
  let initialized: InitializedProviders | undefined;
  if (context.initPool !== undefined && signature !== undefined) {
    const firstInit: { result?: CommandResult } = {};
    const { first, ready } = context.initPool.providers(signature, target, async (dataDirectory) => {
      firstInit.result = await timed("init", () => terraform(initArgs, { ...context.env, TF_DATA_DIR: dataDirectory }));
      return firstInit.result.code === 0;
    });
    initialized = await ready;
    if (first && firstInit.result !== undefined && firstInit.result.code !== 0) {
      return finish({ ok: false, failedPhase: "init", error: message(firstInit.result) });
    }
    if (initialized !== undefined && !first) copyFileSync(initialized.lockFile, join(target, ".terraform.lock.hcl"));
  }
  if (initialized === undefined) {
    const init = await timed("init", () => terraform(initArgs, context.env));
    if (init.code !== 0) return finish({ ok: false, failedPhase: "init", error: message(init) });
  }
  const dataDirectory = initialized?.dataDirectory ?? join(target, ".terraform");

  // One schema load: `terraform test` validates, plans and prints the plan (-verbose) in one process,
  // through this worker's running provider when the stack has one aws provider configuration.
  let testEnv: NodeJS.ProcessEnv = initialized !== undefined ? { ...offline, TF_DATA_DIR: dataDirectory } : offline;
  let shared: Awaited<ReturnType<SharedProviderPool["acquire"]>> | undefined;
  const providerBinary =
    context.sharedProviders !== undefined && awsProviderAliases(json).length === 1 ? installedAwsProvider(target, dataDirectory) : undefined;
  if (context.sharedProviders !== undefined && providerBinary !== undefined) {
    const pool = context.sharedProviders;
    try {
      shared = await timed("provider", () => pool.acquire(slot, providerBinary));
    } catch (error) {
      return finish({ ok: false, failedPhase: "provider", error: `${stack}: ${(error as Error).message}` });
    }
    base.sharedProviderPid = shared.pid;
    testEnv = { ...testEnv, TF_REATTACH_PROVIDERS: shared.reattach };
  }
  const test = await timed("plan", () => terraform(["test", "-json", "-verbose", "-no-color"], testEnv));
  const outcome = readTestOutput(test.stdout);
  warnings.push(...outcome.warnings);
  // A shared provider that died fails the stack it served, loudly, whatever terraform printed.
  if (shared?.exited() !== undefined) {
    const text = [outcome.errors.join("\n\n"), message(test)].filter((part) => part !== "").join("\n");
    return finish({ ok: false, failedPhase: "plan", error: `${shared.describeExit()}\n${text}` });
  }
  if (test.code !== 0 || outcome.errors.length > 0 || outcome.plan === undefined) {
    const text = outcome.errors.length > 0 ? outcome.errors.join("\n\n") : message(test);
    return finish({ ok: false, failedPhase: "plan", error: text.includes("127.0.0.1:9") ? `${text}${BLOCKED_HINT}` : text });
  }
  const counts = countActions(outcome.plan.resource_changes ?? []);
  if (cache !== undefined && key !== undefined) {
    cache.put(key, { plannedAt: new Date().toISOString(), ...counts, warnings: [...new Set(warnings)], plan: outcome.plan });
  }
  return finish({ ok: true, ...counts, plan: outcome.plan });
}

/** What one `terraform test -json -verbose` run printed: its plan, and its diagnostics as Terraform's human text. */
export interface TestOutput {
  readonly plan?: PlanJson;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

interface Diagnostic {
  readonly severity?: string;
  readonly summary?: string;
  readonly detail?: string;
  readonly range?: { readonly filename?: string; readonly start?: { readonly line?: number } };
  readonly snippet?: { readonly context?: string | null; readonly code?: string };
}

/** Terraform's human form of a diagnostic: `Error: summary`, `on FILE line N, in CONTEXT:`, the code, the detail. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const level = diagnostic.severity === "warning" ? "Warning" : "Error";
  const lines = [`${level}: ${diagnostic.summary ?? ""}`];
  const file = diagnostic.range?.filename;
  const line = diagnostic.range?.start?.line;
  if (file !== undefined && line !== undefined) {
    const context = diagnostic.snippet?.context;
    lines.push("", `  on ${file} line ${line}${context ? `, in ${context}` : ""}:`);
    if (diagnostic.snippet?.code !== undefined) lines.push(`  ${line}: ${diagnostic.snippet.code.trim()}`);
  }
  if (diagnostic.detail) lines.push("", diagnostic.detail);
  return lines.join("\n");
}

/** Reads the streamed JSON lines of `terraform test -json -verbose`. */
export function readTestOutput(stdout: string): TestOutput {
  let plan: PlanJson | undefined;
  let terraformVersion = "";
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    let entry: {
      type?: string;
      terraform?: string;
      diagnostic?: Diagnostic;
      test_plan?: Omit<PlanJson, "format_version" | "terraform_version"> & { plan_format_version?: string; provider_schemas?: unknown };
    };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.type === "version" && typeof entry.terraform === "string") terraformVersion = entry.terraform;
    else if (entry.type === "test_plan" && entry.test_plan) {
      // The schemas of every provider ride along (megabytes); nothing reads them. The two version fields
      // are named as `terraform show -json` names them, so plan:summary reads either.
      const { provider_schemas: _schemas, plan_format_version: formatVersion, ...rest } = entry.test_plan;
      plan = { format_version: formatVersion ?? "", terraform_version: terraformVersion, ...rest };
    } else if (entry.type === "diagnostic" && entry.diagnostic) {
      if (entry.diagnostic.severity === "warning") warnings.push((entry.diagnostic.summary ?? "").trim());
      else errors.push(formatDiagnostic(entry.diagnostic));
    }
  }
  return { ...(plan !== undefined ? { plan } : {}), errors, warnings };
}

/**
 * Runs `work` over `items`, at most `limit` at a time, keeping the order of the items in the results;
 * `slot` (0 to limit - 1) names the worker, which runs one item at a time.
 */
export async function runLimited<T, R>(items: readonly T[], limit: number, work: (item: T, slot: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (_: unknown, slot: number): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const item = items[index];
      if (item !== undefined) results[index] = await work(item, slot);
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
    .filter((name) => statSync(join(folder, name)).isDirectory() && stackFormat(join(folder, name)) !== undefined)
    .sort();
}

export function formatProgress(result: StackResult): string {
  const phases = (["init", "provider", "plan"] as const)
    .filter((phase) => result.phaseSeconds[phase] !== undefined)
    .map((phase) => `${phase} ${(result.phaseSeconds[phase] ?? 0).toFixed(1)}`)
    .join(", ");
  const status = result.ok
    ? `ok: +${result.toAdd} ~${result.toChange} -${result.toDestroy} ±${result.toReplace}, ${result.warnings.length} warning(s)`
    : `${failureLabel(result)} at ${result.failedPhase ?? "?"}`;
  const standIn =
    (result.archiveStandIns.length > 0 ? `, archive stand-in for ${result.archiveStandIns.length} zip(s)` : "") +
    (result.sfnStandIn ? ", Step Functions definitions checked by the local stand-in" : "");
  if (result.cachedFrom !== undefined) {
    return `[offline-plan] ${result.id}: ${status}${standIn}: unchanged since its plan of ${result.cachedFrom}, reused (${result.seconds.toFixed(1)} s)`;
  }
  return `[offline-plan] ${result.id}: ${status}${standIn} in ${result.seconds.toFixed(1)} s (${phases})`;
}

/**
 * A fixture meant to fail is labelled so in a passing run; one that fails unexpectedly is FAILED, and one
 * meant to fail that passed is flagged by its test, not here (its row says ok).
 */
export function failureLabel(result: Pick<StackResult, "ok" | "expectedToFail">): string {
  return result.expectedToFail ? "failed as expected" : "FAILED";
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
    r.ok ? (r.cachedFrom !== undefined ? "ok (plan reused: unchanged)" : "ok") : `${failureLabel(r)} (${r.failedPhase ?? "?"})`,
  ]);
  const total = results.reduce((sum, r) => sum + r.seconds, 0);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
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
  /** A synthesized output folder (holding stacks/<name>/cdk.tf.json or cdk.tf). */
  readonly outdir: string;
  /** Prefix of each result's id, e.g. the environment. @default - none */
  readonly label?: string;
  /** Only these stacks. @default every folder in <outdir>/stacks */
  readonly stacks?: readonly string[];
  /** Stacks meant to fail (fixtures): their rows read "failed as expected", not FAILED. @default - none */
  readonly expectedToFail?: readonly string[];
  /** Reuse kept plans for these stacks when PlanOptions.cacheDirectory is set. @default true */
  readonly cache?: boolean;
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

/** A target's stacks: its `stacks`, each of which must be a folder of its outdir, or every stack there. */
function chosenStacks(target: PlanTarget): string[] {
  const present = listStacks(target.outdir);
  if (target.stacks === undefined) return present;
  const where = target.label !== undefined ? `environment ${target.label}` : target.outdir;
  for (const name of target.stacks) {
    if (!present.includes(name))
      throw new UsageError(`--stack ${JSON.stringify(name)}: ${where} has no such stack; its stacks are ${present.join(", ")}${didYouMean(name, present)}`);
  }
  return [...target.stacks];
}

/** Plans the stacks of several synthesized folders in one pool (at most `concurrency` terraform runs at once). */
export async function planTargets(targets: readonly PlanTarget[], options: Omit<PlanOptions, "outdir" | "label" | "stacks"> = {}): Promise<PlanReport> {
  const started = performance.now();
  // Stack names are checked before anything starts: a typo is listed against the stacks there are.
  const chosen = targets.map((target) => ({ target, names: chosenStacks(target) }));
  const ownWorkRoot = options.workRoot === undefined;
  const workRoot = options.workRoot ?? mkdtempSync(join(tmpdir(), "offline-plan-"));
  const jobs = chosen.flatMap(({ target, names }) =>
    names.map((name) => ({
      source: join(target.outdir, "stacks", name),
      work: join(workRoot, target.label ?? "stacks", name),
      id: target.label === undefined ? name : `${target.label}/${name}`,
      expectedToFail: target.expectedToFail?.includes(name) ?? false,
      useCache: target.cache ?? true,
    })),
  );
  mkdirSync(workRoot, { recursive: true });
  let stopStandIn = async (): Promise<void> => undefined;
  let sharedProviders: SharedProviderPool | undefined;
  try {
    const sfn = await startAwsStandIn();
    stopStandIn = sfn.close;
    const prepared = prepareTerraform(workRoot, options.archive ?? "auto", options.terraform);
    // The provider reads proxies and AWS variables from its own environment: the same as the plans'.
    if (options.sharedProvider ?? true) sharedProviders = new SharedProviderPool({ ...prepared.env, ...NO_NETWORK });
    const cache = options.cacheDirectory !== undefined ? await openCache(options.cacheDirectory, prepared, workRoot) : undefined;
    const context: TerraformContext = {
      ...prepared,
      sfnEndpoint: sfn.url,
      ...(sharedProviders !== undefined ? { sharedProviders } : {}),
      ...(cache !== undefined ? { cache } : {}),
      initPool: new InitPool(join(workRoot, "init")),
    };
    const progress = options.onProgress ?? ((): void => undefined);
    if (context.archiveMode === "stand-in") {
      progress(
        "[offline-plan] hashicorp/archive is not installable here: each data.archive_file is replaced by a zip this script makes " +
          "(same source folder, same output path, its own output_base64sha256); the rest of each stack is planned as synthesized",
      );
    }
    const results = await runLimited(jobs, options.concurrency ?? DEFAULT_CONCURRENCY, async (job, slot) => {
      const result = await planStackDirectory(job.source, job.work, context, job.id, job.expectedToFail, slot, job.useCache);
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
      sharedProviderPids: sharedProviders?.pids() ?? [],
    };
  } finally {
    await sharedProviders?.stopAll();
    await stopStandIn();
    if (ownWorkRoot && !options.keep) rmSync(workRoot, { recursive: true, force: true });
  }
}

/** The plan cache of this terraform and provider mirror, or undefined without a mirror (the providers then come from elsewhere). */
async function openCache(directory: string, context: TerraformContext, workRoot: string): Promise<PlanCache<PlanJson> | undefined> {
  if (context.mirror === undefined) return undefined;
  const version = await run(context.terraform, ["version", "-json"], workRoot, context.env);
  if (version.code !== 0) return undefined;
  const { terraform_version: release, platform } = JSON.parse(version.stdout) as { terraform_version?: string; platform?: string };
  if (release === undefined) return undefined;
  const cache = new PlanCache<PlanJson>(directory, toolchainDigest(`${release} ${platform ?? ""}`, context.mirror.path));
  cache.prune();
  return cache;
}

/** Every environment with a file in config/environments/, sorted. */
export function listEnvironments(directory = CONFIG_DIRECTORY): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

/** Synthesizes the app for one configuration into `outdir` (created if missing), as JSON or HCL; returns outdir. */
export function synthesize(config: AppConfig, outdir: string, format: StackFormat = "json"): string {
  mkdirSync(outdir, { recursive: true });
  synthesizeApp(config, { outdir, hcl: format === "hcl" });
  return outdir;
}

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
