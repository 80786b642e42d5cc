/**
 * The stacks CI plans and applies, as JSON lists for workflow matrices. CI plans (pull requests, drift.yml)
 * every synthesized stack but state-bootstrap, whose state is always local; it applies the workload stacks
 * only: state-bootstrap and ci-access are applied by a person with administrator credentials.
 *
 *   npm run --silent ci:stacks              # the stacks CI plans; reads cdktf.out/manifest.json
 *   npm run --silent ci:stacks -- other.out
 *   npm run --silent ci:stacks -- --backend # the workload stacks' backend, s3, cloud or local
 *   npm run --silent ci:stacks -- --github-output # the synth job's outputs: stacks, apply_stacks, backends, token_variable
 *                                                  # (fails when backend.hostname needs another TF_TOKEN_ variable)
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CI_ACCESS_STACK, GITHUB_OIDC_HOST } from "../../stacks/ci-access-stack";
import { STATE_BOOTSTRAP_STACK } from "../../stacks/state-bootstrap-stack";
import { defineCommand, exitWith, processIo, runCommand, type CliIo } from "../shared/cli-args.cjs";
import { DEFAULT_TERRAFORM_HOST, terraformTokenVariable } from "./lib/terraform-token";

/** The stacks a person applies with administrator credentials: never in apply.yml. */
export const ADMIN_STACKS: readonly string[] = [STATE_BOOTSTRAP_STACK, CI_ACCESS_STACK];

/**
 * The administrator's stacks CI still plans, read-only, on pull requests and in drift.yml (the plan role reads
 * them, stacks/ci-access-stack.ts). state-bootstrap is not one: its state stays on the administrator's machine.
 */
export const PLANNED_ADMIN_STACKS: readonly string[] = [CI_ACCESS_STACK];

const manifestStacks = (manifestText: string): string[] => Object.keys((JSON.parse(manifestText) as { stacks?: Record<string, unknown> }).stacks ?? {});

/** The workload stacks named in a cdktf manifest, sorted: the stacks CI applies. */
export function workloadStacks(manifestText: string): string[] {
  return manifestStacks(manifestText)
    .filter((stack) => !ADMIN_STACKS.includes(stack))
    .sort();
}

/**
 * The stacks CI plans (pull requests, drift.yml), sorted: the workload stacks, and ci-access when
 * `githubMayPlan` says the workflows can assume its plan role.
 */
export function plannedStacks(manifestText: string, githubMayPlan: (stack: string) => boolean = () => true): string[] {
  return manifestStacks(manifestText)
    .filter((stack) => !ADMIN_STACKS.includes(stack) || (PLANNED_ADMIN_STACKS.includes(stack) && githubMayPlan(stack)))
    .sort();
}

/**
 * Whether the workflows may assume a synthesized ci-access stack's plan role: its trust names GitHub's OIDC
 * subject. Without `ciAccess.github` (HCP Terraform's own credentials only) a workflow has no AWS credential to
 * plan ci-access with, so it is left out.
 */
export function trustsGitHub(stackText: string): boolean {
  return stackText.includes(`"${GITHUB_OIDC_HOST}:sub"`);
}

const plannedIn = (outdir: string, manifestText: string): string[] =>
  plannedStacks(manifestText, (stack) => trustsGitHub(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")));

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

/**
 * How CI plans a stack: `cloud`, a run in its HCP Terraform workspace (the plan-only token, no AWS
 * credential on the runner); `cloud-local`, the HCP Terraform backend with the workspace in local execution
 * mode (ci-access: HCP Terraform holds the state, terraform runs on the runner with the plan role's AWS
 * credentials and the token); otherwise the backend kind (`s3`, `local`): terraform on the runner with the plan role.
 */
export type PlanBackend = BackendKind | "cloud-local";

export function planBackend(stack: string, kind: BackendKind): PlanBackend {
  return kind === "cloud" && ADMIN_STACKS.includes(stack) ? "cloud-local" : kind;
}

/**
 * The synth job's outputs, as lines of $GITHUB_OUTPUT: `stacks` (plan.yml's and drift.yml's matrix),
 * `apply_stacks` (apply.yml's: the workload stacks only), `backends` (each planned stack's PlanBackend, as a
 * JSON object) and `token_variable`.
 */
export function githubOutputLines(outdir: string): string {
  const manifest = readFileSync(join(outdir, "manifest.json"), "utf8");
  const apply = workloadStacks(manifest);
  // Throws when the workload stacks do not share one backend.
  if (apply.length > 0) workloadBackend(outdir);
  const stacks = plannedIn(outdir, manifest);
  const backends = Object.fromEntries(
    stacks.map((stack) => [stack, planBackend(stack, backendOf(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")))]),
  );
  return (
    `stacks=${JSON.stringify(stacks)}\napply_stacks=${JSON.stringify(apply)}\nbackends=${JSON.stringify(backends)}\n` +
    `token_variable=${workloadTokenVariable(outdir, stacks)}\n`
  );
}

export const COMMAND = defineCommand({
  command: "npm run --silent ci:stacks --",
  name: "ci:stacks",
  summary:
    `Prints the stacks CI plans as a JSON list for a workflow matrix: every synthesized stack but ${STATE_BOOTSTRAP_STACK} ` +
    `(CI applies them all but ${ADMIN_STACKS.join(" and ")}, which a person applies with administrator credentials).`,
  positionals: { name: "OUTDIR", description: "the synthesized folder to read (default cdktf.out)", max: 1 },
  options: {
    backend: { type: "boolean", description: "print the workload stacks' backend instead (s3, cloud or local): which path the workflows take" },
    "github-output": {
      type: "boolean",
      description:
        "append the synth job's outputs (stacks: to plan, apply_stacks: to apply, backends: how each is planned, token_variable) to $GITHUB_OUTPUT " +
        "and print them; fails when backend.hostname needs another TF_TOKEN_ variable",
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
      io.out(values.backend === true ? workloadBackend(outdir) : JSON.stringify(plannedIn(outdir, readFileSync(manifest, "utf8"))));
    } catch (error) {
      throw new Error(`${manifest}: ${error instanceof Error ? error.message : String(error)}; synthesize again (npm run synth)`);
    }
    return 0;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
