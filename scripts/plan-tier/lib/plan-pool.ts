/**
 * Many stacks, of one or several synthesized folders, planned in one pool: at most `concurrency`
 * terraform runs at once, one shared aws provider per worker, one `init` per set of providers, the
 * local AWS stand-in started once, and the plan cache when asked for.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProviderMirror } from "../../../stacks/terraform-env";
import { didYouMean, UsageError } from "../../shared/cli-args.cjs";
import { startAwsStandIn } from "./aws-stand-ins";
import type { StackResult } from "./plan-result";
import { formatProgress } from "./plan-report";
import { planStackDirectory } from "./plan-stack";
import { InitPool } from "./shared-init";
import { SharedProviderPool } from "./shared-provider";
import { stackFormat } from "./stack-file";
import { NO_NETWORK, openCache, prepareTerraform, type ArchiveMode, type TerraformContext } from "./terraform-context";

/**
 * Stacks planned at once: one per core of the 2-core machines this runs on. Each stack's one command is
 * CPU-bound while the provider loads its schema, so more processes than cores only queue.
 */
export const DEFAULT_CONCURRENCY = 2;

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
