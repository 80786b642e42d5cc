import { createHash } from "node:crypto";
import { readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { inputKey, readOrBuildAsync } from "../../../lib/build-cache.cjs";
import { directoryEntries } from "../../shared/zip";

/**
 * Passing offline plans, kept by what produced them, for `npm test` on a developer's machine: a stack whose
 * prepared work folder is byte for byte that of an earlier passing plan, planned by the same terraform,
 * the same aws provider binaries and the same planning code, gets that plan back without running
 * terraform. Terraform's plan of a configuration that reads nothing from AWS (the tier refuses data
 * sources that would) is a function of those inputs alone. CI never uses it: a fresh clone has no cache,
 * and with CI set the tier plans every stack afresh.
 */

/** How long an entry nobody read or wrote is kept. */
const KEEP_UNUSED_MS = 14 * 24 * 60 * 60 * 1000;

/** The project folder: the planning code's paths are relative to it. */
const PROJECT_ROOT = join(__dirname, "..", "..", "..");

/**
 * The planning code: a change to any of these files changes every key. It is every project file the pool
 * (plan-pool.ts) imports, transitively (__tests__/scripts/plan-tier/plan-cache.test.ts checks the list).
 */
export const PLANNING_CODE: readonly string[] = [
  "scripts/plan-tier/lib/plan-pool.ts",
  "scripts/plan-tier/lib/plan-stack.ts",
  "scripts/plan-tier/lib/terraform-context.ts",
  "scripts/plan-tier/lib/plan-result.ts",
  "scripts/plan-tier/lib/plan-report.ts",
  "scripts/plan-tier/lib/plan-cache.ts",
  "scripts/plan-tier/lib/stack-json.ts",
  "scripts/plan-tier/lib/stack-file.ts",
  "scripts/plan-tier/lib/aws-stand-ins.ts",
  "scripts/plan-tier/lib/shared-provider.ts",
  "scripts/plan-tier/lib/shared-init.ts",
  "scripts/shared/cli-args.cjs",
  // cli-args.cjs requires it for its did-you-mean.
  "config/did-you-mean.cjs",
  "scripts/shared/zip.ts",
  "stacks/terraform-env.ts",
  // aws-stand-ins.ts builds the stand-ins' parameter ARNs with it.
  "aws/arn.ts",
  "lib/build-cache.cjs",
];

/** The local stand-ins listen on a new port every run; the port is not an input of the plan. */
export function withoutStandInPorts(text: string): string {
  return text.replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT");
}

/** Every file below `folder` by path, size and modification time: the identity of installed binaries without reading 675 MB. */
function statDigest(folder: string): string {
  const hash = createHash("sha256");
  const walk = (current: string): void => {
    let names: string[];
    try {
      names = readdirSync(current).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(current, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else hash.update(`${path} ${stat.size} ${stat.mtimeMs}\n`);
    }
  };
  walk(folder);
  return hash.digest("hex");
}

/**
 * What every key of one run shares: the terraform version (as `terraform version -json` prints it), the
 * provider mirror's files, and the planning code (`root` holds it: the project, or a stand-in in tests).
 */
export function toolchainDigest(terraformVersion: string, providerMirror: string, root = PROJECT_ROOT): string {
  return inputKey({ root, files: PLANNING_CODE, values: { terraform: terraformVersion, providerMirror: statDigest(providerMirror) } });
}

/**
 * The key of one prepared stack folder under one toolchain: every file below it (sorted by path) with its
 * bytes, the stand-ins' ports masked in the overrides. It is taken before `init`, on a fresh copy: no file
 * of Terraform's own is there yet.
 */
export function planCacheKey(folder: string, toolchain: string): string {
  const files = directoryEntries(folder)
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return inputKey({
    root: folder,
    files,
    values: { toolchain },
    transform: (file, data) => (file.split("/").pop()?.startsWith("zz_offline_plan") ? Buffer.from(withoutStandInPorts(data.toString("utf8"))) : data),
  });
}

/** What a hit gives back: the parts of a passing result that terraform produced. */
export interface CachedPlan<Plan> {
  /** When terraform made this plan (ISO 8601). */
  readonly plannedAt: string;
  readonly toAdd: number;
  readonly toChange: number;
  readonly toDestroy: number;
  readonly toReplace: number;
  readonly warnings: readonly string[];
  readonly plan: Plan;
}

export class PlanCache<Plan> {
  constructor(
    private readonly directory: string,
    readonly toolchain: string,
  ) {}

  private file(key: string): string {
    return join(this.directory, `${key}.json`);
  }

  /**
   * The plan kept under `key`, or `plan()`'s, kept when it gives one (a passing plan). A missing or
   * unreadable entry (a file from an older format) is planned again; a hit is touched so prune keeps it.
   */
  async readOrPlan(key: string, plan: () => Promise<CachedPlan<Plan> | undefined>): Promise<CachedPlan<Plan> | undefined> {
    const file = this.file(key);
    const { entry, built } = await readOrBuildAsync<CachedPlan<Plan>>(file, (kept) => typeof kept.plannedAt === "string", plan);
    if (!built) {
      try {
        const now = new Date();
        utimesSync(file, now, now);
      } catch {
        // Pruned by another run meanwhile: the entry read is still whole.
      }
    }
    return entry;
  }

  /** Removes entries nobody read or wrote for two weeks. */
  prune(now = Date.now()): void {
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(this.directory, name);
      if (now - statSync(path).mtimeMs > KEEP_UNUSED_MS) rmSync(path, { force: true });
    }
  }
}
