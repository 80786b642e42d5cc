/**
 * One stack through the real `terraform init` and one schema-loading command, `terraform test -json
 * -verbose` with a single `command = plan` run: it validates, plans and prints the plan as JSON in one
 * process, so the 675 MB aws provider loads its schema once per stack instead of three times (validate,
 * plan, show). Dummy AWS credentials and local state, on a copy of the stack folder. No AWS call.
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { planCacheKey } from "./plan-cache";
import { countActions, readTestOutput, type Phase, type StackResult } from "./plan-result";
import { initSignature, type InitializedProviders } from "./shared-init";
import { installedAwsProvider, type SharedProviderPool } from "./shared-provider";
import { readStackFile, standInArchivesHcl, type StackFormat } from "./stack-file";
import {
  awsProviderAliases,
  backendOverride,
  declaresResource,
  isObject,
  planTimeDataSources,
  providerOverride,
  readsPublicAmiParameter,
  standInArchives,
  usesArchiveProvider,
  type ArchiveStandIn,
  type JsonObject,
} from "./stack-json";
import { BLOCKED_HINT, failureText, NO_NETWORK, runTerraform, type CommandResult, type TerraformContext } from "./terraform-context";

/** The one run block the tier gives each stack: plan mode, nothing applied, nothing asserted by Terraform. */
const PLAN_TEST_FILE = "zz_offline_plan.tftest.hcl";
const PLAN_TEST = 'run "offline_plan" {\n  command = plan\n}\n';

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

  /** init and one plan: the stack's result (terraform's own message when it fails). */
  const planAfresh = async (): Promise<StackResult> => {
    const offline = { ...context.env, ...NO_NETWORK };
    const terraform = (args: readonly string[], env: NodeJS.ProcessEnv): Promise<CommandResult> => {
      commands.push(args[0] ?? "");
      return runTerraform(context.terraform, args, target, env);
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
        return finish({ ok: false, failedPhase: "init", error: failureText(firstInit.result) });
      }
      if (initialized !== undefined && !first) copyFileSync(initialized.lockFile, join(target, ".terraform.lock.hcl"));
    }
    if (initialized === undefined) {
      const init = await timed("init", () => terraform(initArgs, context.env));
      if (init.code !== 0) return finish({ ok: false, failedPhase: "init", error: failureText(init) });
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
      const text = [outcome.errors.join("\n\n"), failureText(test)].filter((part) => part !== "").join("\n");
      return finish({ ok: false, failedPhase: "plan", error: `${shared.describeExit()}\n${text}` });
    }
    if (test.code !== 0 || outcome.errors.length > 0 || outcome.plan === undefined) {
      const text = outcome.errors.length > 0 ? outcome.errors.join("\n\n") : failureText(test);
      return finish({ ok: false, failedPhase: "plan", error: text.includes("127.0.0.1:9") ? `${text}${BLOCKED_HINT}` : text });
    }
    const counts = countActions(outcome.plan.resource_changes ?? []);
    return finish({ ok: true, ...counts, plan: outcome.plan });
  };

  // Everything terraform will read is in place: an unchanged stack gets its earlier passing plan back,
  // and a passing plan is kept for the next run (only passing ones).
  const cache = useCache ? context.cache : undefined;
  if (cache === undefined) return planAfresh();
  const fresh: { result?: StackResult } = {};
  const kept = await cache.readOrPlan(planCacheKey(target, cache.toolchain), async () => {
    const result = await planAfresh();
    fresh.result = result;
    if (!result.ok || result.plan === undefined) return undefined;
    const { toAdd, toChange, toDestroy, toReplace, plan } = result;
    return { plannedAt: new Date().toISOString(), toAdd, toChange, toDestroy, toReplace, warnings: result.warnings, plan };
  });
  if (fresh.result !== undefined) return fresh.result;
  if (kept === undefined) throw new Error(`${stack}: the plan cache gave nothing back and nothing was planned`);
  const { plannedAt, ...planned } = kept;
  warnings.push(...planned.warnings);
  return finish({ ok: true, ...planned, cachedFrom: plannedAt });
}
