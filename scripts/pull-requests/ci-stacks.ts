/**
 * The stacks CI plans, as a JSON list for a workflow matrix: every synthesized stack except the two
 * that a person applies with administrator credentials (state-bootstrap, ci-access).
 *
 *   npm run --silent ci:stacks              # reads cdktf.out/manifest.json
 *   npm run --silent ci:stacks -- other.out
 *   npm run --silent ci:stacks -- --backend # s3, cloud or local: which path the workflows take
 *   npm run --silent ci:stacks -- --github-output # the synth job's outputs: stacks, backend, token_variable
 *                                                  # (fails when backend.hostname needs another TF_TOKEN_ variable)
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CI_ACCESS_STACK } from "../../stacks/ci-access-stack";
import { STATE_BOOTSTRAP_STACK } from "../../stacks/state-bootstrap-stack";
import { defineCommand, exitWith, processIo, runCommand, type CliIo } from "../shared/cli-args.cjs";
import { DEFAULT_TERRAFORM_HOST, terraformTokenVariable } from "./lib/terraform-token";

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

/**
 * The variable plan.yml, apply.yml and drift.yml pass the HCP Terraform token in. GitHub Actions cannot
 * name an env variable from an expression, and the steps that see TF_API_TOKEN must stay plain terraform
 * calls, so the name is written in the workflows and checked here against backend.hostname.
 */
export const WORKFLOW_TOKEN_VARIABLE = "TF_TOKEN_app_terraform_io";

/** The host of a stack's `cloud` block (Terraform's default when it names none), or undefined without one. */
export function cloudHostname(stackText: string): string | undefined {
  const cloud = (JSON.parse(stackText) as { terraform?: { cloud?: { hostname?: string } } }).terraform?.cloud;
  return cloud === undefined ? undefined : (cloud.hostname ?? DEFAULT_TERRAFORM_HOST);
}

/** The token variable the workload stacks' backend needs; throws when the workflows pass another. */
export function workloadTokenVariable(outdir: string, stacks: readonly string[], workflowVariable = WORKFLOW_TOKEN_VARIABLE): string {
  const hosts = [...new Set(stacks.map((stack) => cloudHostname(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"))))].filter(
    (host): host is string => host !== undefined,
  );
  const variable = terraformTokenVariable(hosts[0] ?? DEFAULT_TERRAFORM_HOST);
  if (hosts.length > 0 && variable !== workflowVariable) {
    throw new Error(
      `backend.hostname is "${hosts[0]}": Terraform reads its token from ${variable}, but the workflows pass TF_PLAN_TOKEN and TF_API_TOKEN as ${workflowVariable}; ` +
        `rename ${workflowVariable} to ${variable} in .github/workflows/plan.yml, apply.yml and drift.yml and in WORKFLOW_TOKEN_VARIABLE (scripts/pull-requests/ci-stacks.ts)`,
    );
  }
  return variable;
}

/** The synth job's outputs, as lines of $GITHUB_OUTPUT. */
export function githubOutputLines(outdir: string): string {
  const stacks = workloadStacks(readFileSync(join(outdir, "manifest.json"), "utf8"));
  const backend = stacks.length === 0 ? "local" : workloadBackend(outdir);
  return `stacks=${JSON.stringify(stacks)}\nbackend=${backend}\ntoken_variable=${workloadTokenVariable(outdir, stacks)}\n`;
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
    "github-output": {
      type: "boolean",
      description:
        "append the synth job's outputs (stacks, backend, token_variable) to $GITHUB_OUTPUT and print them; fails when backend.hostname needs another TF_TOKEN_ variable",
    },
  },
});

/** The CLI: the list (or the backend) on stdout; a missing manifest says to synthesize first. */
export function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCommand(COMMAND, argv, io, ({ values, positionals }) => {
    const outdir = positionals[0] ?? "cdktf.out";
    const manifest = join(outdir, "manifest.json");
    if (!existsSync(manifest)) throw new Error(`${manifest} does not exist; run npm run synth first (or name the synthesized folder)`);
    if (values["github-output"] === true) {
      const file = process.env["GITHUB_OUTPUT"];
      if (file === undefined || file === "") throw new Error("--github-output needs GITHUB_OUTPUT (set by GitHub Actions in every step)");
      const lines = githubOutputLines(outdir);
      appendFileSync(file, lines);
      io.out(lines.trimEnd());
      return 0;
    }
    try {
      io.out(values.backend === true ? workloadBackend(outdir) : JSON.stringify(workloadStacks(readFileSync(manifest, "utf8"))));
    } catch (error) {
      throw new Error(`${manifest}: ${error instanceof Error ? error.message : String(error)}; synthesize again (npm run synth)`);
    }
    return 0;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
