/**
 * The stacks CI plans, as a JSON list for a workflow matrix: every synthesized stack except the two
 * that a person applies with administrator credentials (state-bootstrap, ci-access).
 *
 *   npm run --silent ci:stacks              # reads cdktf.out/manifest.json
 *   npm run --silent ci:stacks -- other.out
 *   npm run --silent ci:stacks -- --backend # s3, cloud or local: which path the workflows take
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CI_ACCESS_STACK } from "../stacks/ci-access-stack";
import { STATE_BOOTSTRAP_STACK } from "../stacks/state-bootstrap-stack";
import { defineCommand, exitWith, processIo, runCommand, type CliIo } from "./lib/cli-args.cjs";

export const ADMIN_STACKS: readonly string[] = [STATE_BOOTSTRAP_STACK, CI_ACCESS_STACK];

/** The workload stacks named in a cdktf manifest, sorted. */
export function workloadStacks(manifestText: string): string[] {
  const manifest = JSON.parse(manifestText) as { stacks?: Record<string, unknown> };
  return Object.keys(manifest.stacks ?? {})
    .filter((stack) => !ADMIN_STACKS.includes(stack))
    .sort();
}

export type BackendKind = "s3" | "cloud" | "local" | "other";

/** The backend a synthesized stack (cdk.tf.json) declares: the `cloud` block, an S3 backend, local, or another. */
export function backendOf(stackText: string): BackendKind {
  const terraform = (JSON.parse(stackText) as { terraform?: { cloud?: unknown; backend?: Record<string, unknown> } }).terraform ?? {};
  if (terraform.cloud !== undefined) return "cloud";
  const kinds = Object.keys(terraform.backend ?? {});
  if (kinds.length === 0 || kinds[0] === "local") return "local";
  return kinds[0] === "s3" ? "s3" : "other";
}

/** The one backend of the workload stacks (they share the configuration's backend). */
export function workloadBackend(outdir: string): BackendKind {
  const stacks = workloadStacks(readFileSync(join(outdir, "manifest.json"), "utf8"));
  const kinds = [...new Set(stacks.map((stack) => backendOf(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"))))];
  if (kinds.length !== 1)
    throw new Error(`the workload stacks use ${kinds.length === 0 ? "no stack at all" : `several backends (${kinds.join(", ")})`}; expected exactly one`);
  return kinds[0] ?? "local";
}

export const COMMAND = defineCommand({
  command: "npm run --silent ci:stacks --",
  name: "ci:stacks",
  summary:
    "Prints the stacks CI plans as a JSON list for a workflow matrix: every synthesized stack but the two a person applies " +
    `with administrator credentials (${ADMIN_STACKS.join(", ")}).`,
  positionals: { name: "OUTDIR", description: "the synthesized folder to read (default cdktf.out)", max: 1 },
  options: {
    backend: { type: "boolean", description: "print the workload stacks' backend instead (s3, cloud or local): which path the workflows take" },
  },
});

/** The CLI: the list (or the backend) on stdout; a missing manifest says to synthesize first. */
export function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCommand(COMMAND, argv, io, ({ values, positionals }) => {
    const outdir = positionals[0] ?? "cdktf.out";
    const manifest = join(outdir, "manifest.json");
    if (!existsSync(manifest)) throw new Error(`${manifest} does not exist; run npm run synth first (or name the synthesized folder)`);
    try {
      io.out(values.backend === true ? workloadBackend(outdir) : JSON.stringify(workloadStacks(readFileSync(manifest, "utf8"))));
    } catch (error) {
      throw new Error(`${manifest}: ${error instanceof Error ? error.message : String(error)}; synthesize again (npm run synth)`);
    }
    return 0;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
