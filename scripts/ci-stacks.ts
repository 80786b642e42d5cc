/**
 * The stacks CI plans, as a JSON list for a workflow matrix: every synthesized stack except the two
 * that a person applies with administrator credentials (state-bootstrap, ci-access).
 *
 *   npm run --silent ci:stacks              # reads cdktf.out/manifest.json
 *   npm run --silent ci:stacks -- other.out
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CI_ACCESS_STACK } from "../stacks/ci-access-stack";
import { STATE_BOOTSTRAP_STACK } from "../stacks/state-bootstrap-stack";

export const ADMIN_STACKS: readonly string[] = [STATE_BOOTSTRAP_STACK, CI_ACCESS_STACK];

/** The workload stacks named in a cdktf manifest, sorted. */
export function workloadStacks(manifestText: string): string[] {
  const manifest = JSON.parse(manifestText) as { stacks?: Record<string, unknown> };
  return Object.keys(manifest.stacks ?? {})
    .filter((stack) => !ADMIN_STACKS.includes(stack))
    .sort();
}

if (require.main === module) {
  const outdir = process.argv[2] ?? "cdktf.out";
  try {
    process.stdout.write(`${JSON.stringify(workloadStacks(readFileSync(join(outdir, "manifest.json"), "utf8")))}\n`);
  } catch (error) {
    console.error(`[ci-stacks] ${outdir}/manifest.json: ${error instanceof Error ? error.message : String(error)}; run npm run synth first`);
    process.exitCode = 1;
  }
}
