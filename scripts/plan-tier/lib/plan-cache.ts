import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

/** The planning code: a change to any of these files changes every key. */
const PLANNING_CODE = [
  "./plan-pool.ts",
  "./plan-stack.ts",
  "./terraform-context.ts",
  "./plan-result.ts",
  "./plan-report.ts",
  "./plan-cache.ts",
  "./stack-json.ts",
  "./stack-file.ts",
  "./aws-stand-ins.ts",
  "./shared-provider.ts",
  "./shared-init.ts",
  "../../../stacks/terraform-env.ts",
  "../../shared/zip.ts",
  // aws-stand-ins.ts builds the stand-ins' parameter ARNs with it.
  "../../../aws/arn.ts",
];

/** The local stand-ins listen on a new port every run; the port is not an input of the plan. */
export function withoutStandInPorts(text: string): string {
  return text.replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT");
}

/**
 * Every file below `folder` (sorted by path), with its bytes; the stand-ins' ports masked in the overrides.
 * The key is taken before `init`, on a fresh copy: no file of Terraform's own is there yet.
 */
function folderDigest(folder: string, hash: ReturnType<typeof createHash>): void {
  const entries = directoryEntries(folder).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, data } of entries) {
    const content = name.split("/").pop()?.startsWith("zz_offline_plan") ? Buffer.from(withoutStandInPorts(data.toString("utf8"))) : data;
    hash.update(`file ${name} ${content.length}\n`);
    hash.update(content);
  }
}

/** Every file below `folder` by path, size and modification time: the identity of installed binaries without reading 675 MB. */
function statDigest(folder: string, hash: ReturnType<typeof createHash>): void {
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
}

/**
 * What every key of one run shares: the terraform version (as `terraform version -json` prints it), the
 * provider mirror's files, and the planning code.
 */
export function toolchainDigest(terraformVersion: string, providerMirror: string, codeDirectory = __dirname): string {
  const hash = createHash("sha256");
  hash.update(`terraform ${terraformVersion}\n`);
  statDigest(providerMirror, hash);
  for (const file of PLANNING_CODE) hash.update(readFileSync(join(codeDirectory, file)));
  return hash.digest("hex");
}

/** The key of one prepared stack folder under one toolchain. */
export function planCacheKey(folder: string, toolchain: string): string {
  const hash = createHash("sha256");
  hash.update(`toolchain ${toolchain}\n`);
  folderDigest(folder, hash);
  return hash.digest("hex");
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

  get(key: string): CachedPlan<Plan> | undefined {
    const file = this.file(key);
    try {
      const entry = JSON.parse(readFileSync(file, "utf8")) as CachedPlan<Plan>;
      const now = new Date();
      utimesSync(file, now, now);
      return entry;
    } catch {
      // Missing or unreadable (a half-written file from a killed run): planned again.
      return undefined;
    }
  }

  put(key: string, entry: CachedPlan<Plan>): void {
    mkdirSync(this.directory, { recursive: true });
    // Written aside, then renamed: a reader never sees half a file.
    const partial = `${this.file(key)}.${process.pid}.partial`;
    writeFileSync(partial, JSON.stringify(entry));
    renameSync(partial, this.file(key));
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
