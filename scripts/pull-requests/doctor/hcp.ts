/**
 * ci:doctor's HCP Terraform side: each stack's workspace, named in its synthesized `cloud` block, read
 * through HCP Terraform's API (hcp-api.ts): that it exists in the configured project, runs where the
 * project needs it to, and (workload stacks) holds the dynamic-credentials variables.
 *
 * Execution mode: ci-access's workspace must be `local` (its roles do not trust its own runs, so it is
 * applied from a laptop with administrator credentials, the workspace keeping only its state); the
 * workload workspaces must run remotely (`remote`, or `agent` on your own agents): the workflows start
 * their plans there and dynamic credentials exist only in such runs (a `local` workspace "will be used
 * for state storage only", Workspaces API, `execution-mode`).
 *
 * Variables (https://developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/aws-configuration,
 * "Configure HCP Terraform"): environment variables (category `env`); `TFC_AWS_PROVIDER_AUTH` "must be
 * present and set to true"; `TFC_AWS_PLAN_ROLE_ARN` / `TFC_AWS_APPLY_ROLE_ARN` name each phase's role and
 * each "will fall back to the value of TFC_AWS_RUN_ROLE_ARN"; `TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE` defaults to
 * `aws.workload.identity`. The ci-access roles trust one phase each (plan role: run_phase:plan, apply
 * role: run_phase:apply), so one run role for both phases fails one of them.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AppConfig, CloudBackendConfig } from "../../../config";
import { CI_ACCESS_STACK, ciRoleName } from "../../../stacks/ci-access-stack";
import type { RoleArns } from "./aws";
import { executionMode, HcpApiError, type HcpClient, type WorkspaceVariable } from "./hcp-api";
import { type Finding, finding, type Outcome } from "./report";

/** The default audience of HCP Terraform's workload identity token for AWS. */
export const DEFAULT_AWS_AUDIENCE = "aws.workload.identity";

/** One stack's `cloud` block, as synthesized. */
export interface CloudWorkspace {
  readonly stack: string;
  readonly organization: string;
  readonly hostname: string;
  readonly name?: string;
  readonly tags?: readonly string[];
  readonly project?: string;
}

interface CloudBlock {
  readonly hostname?: string;
  readonly organization?: string;
  readonly workspaces?: { readonly name?: string; readonly tags?: readonly string[]; readonly project?: string };
}

/** The `cloud` blocks of a synthesized folder's stacks (stacks without one left out); undefined when nothing is synthesized there. */
export function synthesizedWorkspaces(outdir: string): CloudWorkspace[] | undefined {
  const manifest = join(outdir, "manifest.json");
  if (!existsSync(manifest)) return undefined;
  const stacks = Object.keys((JSON.parse(readFileSync(manifest, "utf8")) as { stacks?: Record<string, unknown> }).stacks ?? {}).sort();
  const found: CloudWorkspace[] = [];
  for (const stack of stacks) {
    const file = join(outdir, "stacks", stack, "cdk.tf.json");
    if (!existsSync(file)) continue;
    const cloud = (JSON.parse(readFileSync(file, "utf8")) as { terraform?: { cloud?: CloudBlock } }).terraform?.cloud;
    if (cloud === undefined) continue;
    const workspaces = cloud.workspaces ?? {};
    found.push({
      stack,
      organization: cloud.organization ?? "",
      // Terraform's default host when the block names none.
      hostname: cloud.hostname ?? "app.terraform.io",
      ...(workspaces.name !== undefined ? { name: workspaces.name } : {}),
      ...(workspaces.tags !== undefined ? { tags: workspaces.tags } : {}),
      ...(workspaces.project !== undefined ? { project: workspaces.project } : {}),
    });
  }
  return found;
}

/** How ci:doctor reaches HCP Terraform, or why it does not. */
export type HcpAccess =
  | { readonly client: HcpClient; readonly tokenSource: string }
  | { readonly skipped: string; readonly fix: string; readonly client?: undefined };

export interface RoleExpectation {
  readonly phase: "plan" | "apply";
  readonly name: string;
  /** The ARN IAM returned, when AWS was read. */
  readonly arn?: string;
}

const roleShown = (role: RoleExpectation): string => role.arn ?? `<arn of ${role.name}: output ${role.phase}_role_arn of ci-access>`;

/** What is wrong with a workload workspace's variables for the project's dynamic credentials; empty when nothing. */
export function variableProblems(
  variables: readonly WorkspaceVariable[],
  roles: { readonly plan: RoleExpectation; readonly apply: RoleExpectation },
  audience: string,
): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  const env = (key: string): WorkspaceVariable | undefined =>
    variables.find((variable) => variable.attributes.key === key && variable.attributes.category === "env");
  const keys = ["TFC_AWS_PROVIDER_AUTH", "TFC_AWS_PLAN_ROLE_ARN", "TFC_AWS_APPLY_ROLE_ARN", "TFC_AWS_RUN_ROLE_ARN", "TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE"];
  for (const key of keys) {
    const other = variables.find((variable) => variable.attributes.key === key && variable.attributes.category !== "env");
    if (other !== undefined && env(key) === undefined)
      problems.push(`${key} is a ${other.attributes.category} variable, not an environment variable (category env), so runs do not see it`);
  }
  const auth = env("TFC_AWS_PROVIDER_AUTH");
  if (auth === undefined) problems.push("TFC_AWS_PROVIDER_AUTH is not set: runs get no AWS credentials");
  else if (auth.attributes.sensitive) notes.push("TFC_AWS_PROVIDER_AUTH is sensitive, its value not compared");
  else if ((auth.attributes.value ?? "").trim().toLowerCase() !== "true")
    problems.push(`TFC_AWS_PROVIDER_AUTH is "${auth.attributes.value ?? ""}", must be "true": runs get no AWS credentials`);
  for (const role of [roles.plan, roles.apply]) {
    const own = `TFC_AWS_${role.phase.toUpperCase()}_ROLE_ARN`;
    const variable = env(own) ?? env("TFC_AWS_RUN_ROLE_ARN");
    const key = variable?.attributes.key ?? own;
    if (variable === undefined) {
      problems.push(`${own} is not set (nor TFC_AWS_RUN_ROLE_ARN): the ${role.phase} phase has no role`);
    } else if (variable.attributes.sensitive) {
      notes.push(`${key} is sensitive, its value not compared`);
    } else if (!isRole(variable.attributes.value ?? "", role)) {
      const hint = key === "TFC_AWS_RUN_ROLE_ARN" ? `; set ${own}: the ${role.phase} role trusts only run_phase:${role.phase}` : "";
      problems.push(`the ${role.phase} phase gets ${key} "${variable.attributes.value ?? ""}", expected ${roleShown(role)}${hint}`);
    }
  }
  const audienceVariable = env("TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE");
  const sent = audienceVariable?.attributes.value ?? DEFAULT_AWS_AUDIENCE;
  if (audienceVariable?.attributes.sensitive !== true && sent !== audience)
    problems.push(`the token's audience is "${sent}" (TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE), the OIDC provider expects "${audience}" (ciAccess.hcp.audience)`);
  return { problems, notes };
}

function isRole(value: string, role: RoleExpectation): boolean {
  if (role.arn !== undefined) return value === role.arn;
  // Without AWS: an IAM role ARN of that name, in any account and partition.
  return /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[^\s]*\/)?([^/\s]+)$/.exec(value)?.[1] === role.name;
}

/** The fix lines, which name the place in HCP Terraform's UI. */
function workspaceUrl(backend: CloudBackendConfig, name: string, page = ""): string {
  return `https://${backend.hostname}/app/${backend.organization}/workspaces/${name}${page}`;
}

/** Why HCP Terraform did not answer a call, said once for all workspaces (401, network) or for this one. */
function failure(error: unknown, backend: CloudBackendConfig, tokenSource: string): { all: boolean; outcome: Outcome; fix?: string } {
  if (error instanceof HcpApiError && error.status === 401) {
    return {
      all: true,
      // A token that is set but refused is a setup step done wrong, not one left unread: it fails the doctor.
      outcome: {
        status: "missing",
        detail: `${backend.hostname} answered 401 Unauthorized to the token in ${tokenSource}: it is expired, revoked or not a token of this host`,
      },
      fix:
        `create a token that may read the workspaces and their variables (a team token of ${backend.organization}, or a user token: terraform login ${backend.hostname}) ` +
        `and set it in ${tokenSource}`,
    };
  }
  if (error instanceof HcpApiError) return { all: false, outcome: { status: "unchecked", detail: `${error.message}` } };
  const message = error instanceof Error ? error.message : String(error);
  return { all: true, outcome: { status: "unchecked", detail: `HCP Terraform at ${backend.hostname} could not be read: ${message}` } };
}

/** Whether a synthesized cloud block is of this configuration's backend (else the folder is another environment's). */
function ofBackend(workspace: CloudWorkspace, backend: CloudBackendConfig): boolean {
  return (
    workspace.organization === backend.organization &&
    workspace.hostname === backend.hostname &&
    (workspace.name === undefined || workspace.name.startsWith(backend.workspacePrefix))
  );
}

/** Step 4: the workspaces of every stack with a `cloud` block, and the workload workspaces' variables. */
export async function hcpChecks(config: AppConfig, access: HcpAccess, outdir: string, arns: RoleArns): Promise<Finding[]> {
  const backend = config.backend;
  if (backend.type !== "cloud") return [];
  const synthesized = synthesizedWorkspaces(outdir);
  if (access.client === undefined) {
    const names = (synthesized?.every((workspace) => ofBackend(workspace, backend)) ? synthesized : [])
      .map((workspace) => workspace.name ?? `(tags of ${workspace.stack})`)
      .join(", ");
    return [finding(4, `HCP Terraform workspaces${names === "" ? "" : ` ${names}`}`, access.fix, { status: "unchecked", detail: access.skipped })];
  }
  const synthFix = `synthesize this environment first: APP_ENV=${config.environment} npm run synth (ci:doctor reads each stack's cloud block), or name the folder with --from`;
  if (synthesized === undefined || synthesized.length === 0) {
    return [
      finding(4, "HCP Terraform workspaces", synthFix, {
        status: "unchecked",
        detail:
          synthesized === undefined
            ? `${join(outdir, "manifest.json")} not found: the workspaces are named by the synthesized cloud blocks`
            : `no stack in ${outdir} has a cloud block`,
      }),
    ];
  }
  const stray = synthesized.find((workspace) => !ofBackend(workspace, backend));
  if (stray !== undefined) {
    return [
      finding(4, "HCP Terraform workspaces", synthFix, {
        status: "unchecked",
        detail:
          `${outdir} holds another configuration: stack ${stray.stack} names workspace ${stray.name ?? "(by tags)"} of ${stray.organization} on ${stray.hostname}, ` +
          `config/environments/${config.environment}.json gives <${backend.workspacePrefix}stack> of ${backend.organization} on ${backend.hostname}`,
      }),
    ];
  }
  const roles = {
    plan: { phase: "plan" as const, name: ciRoleName(config, "plan"), ...(arns.plan !== undefined ? { arn: arns.plan } : {}) },
    apply: { phase: "apply" as const, name: ciRoleName(config, "apply"), ...(arns.apply !== undefined ? { arn: arns.apply } : {}) },
  };
  const audience = config.ciAccess.hcp?.audience ?? DEFAULT_AWS_AUDIENCE;
  const findings: Finding[] = [];
  for (const workspace of synthesized) {
    const local = workspace.stack === CI_ACCESS_STACK;
    if (workspace.name === undefined) {
      findings.push(
        finding(
          4,
          `HCP Terraform workspaces of ${workspace.stack}`,
          "name the workspace (the project's cloud blocks use named workspaces: stacks/backend.ts)",
          {
            status: "unchecked",
            detail: `the cloud block selects workspaces by tags (${(workspace.tags ?? []).join(", ")}); ci:doctor checks named workspaces only`,
          },
        ),
      );
      continue;
    }
    const name = workspace.name;
    const project = workspace.project ?? backend.project;
    const mode = local ? "Local" : "Remote (or Agent)";
    const createFix =
      `create it in ${backend.organization}, project "${project}": a CLI-driven workspace named ${name} ` +
      `(https://${backend.hostname}/app/${backend.organization}/workspaces/new), or terraform init in cdktf.out/stacks/${workspace.stack} with the token, ` +
      `which creates it; then set Execution Mode "${mode}" (${workspaceUrl(backend, name, "/settings/general")})`;
    const what = `HCP Terraform workspace ${name}`;
    let found: Awaited<ReturnType<HcpClient["workspace"]>>;
    try {
      found = await access.client.workspace(backend.organization, name);
    } catch (error) {
      if (error instanceof HcpApiError && error.status === 404) {
        findings.push(
          finding(4, what, createFix, {
            status: "missing",
            detail: `not found in organization ${backend.organization} (HCP Terraform answers 404 also when the token's team may not read it)`,
          }),
        );
        continue;
      }
      const why = failure(error, backend, access.tokenSource);
      findings.push(finding(4, why.all ? "HCP Terraform API" : what, why.fix ?? createFix, why.outcome));
      if (why.all) return findings;
      continue;
    }
    const actual = executionMode(found);
    const modeOk = local ? actual === "local" : actual === "remote" || actual === "agent";
    const projectId = found.relationships?.project?.data?.id;
    // A token that may read the workspace but not its project leaves the project uncompared.
    const projectName = !local && projectId !== undefined ? await access.client.projectName(projectId).catch(() => undefined) : undefined;
    const problems = [
      ...(modeOk
        ? []
        : [
            local
              ? `execution mode is ${actual}, must be local: its roles do not trust its own runs, so it is applied from a laptop with administrator credentials`
              : `execution mode is ${actual}, must be remote (or agent): the workflows' plans run in the workspace, and only runs there get dynamic AWS credentials`,
          ]),
      ...(projectName !== undefined && projectName !== project
        ? [`is in project "${projectName}", the cloud block names "${project}": the CI roles trust the workspaces of project "${project}" only`]
        : []),
    ];
    const fix = `on ${workspaceUrl(backend, name, "/settings/general")} set Execution Mode "${mode}"${projectName !== undefined && projectName !== project ? ` and move it to project "${project}"` : ""}`;
    findings.push(
      finding(
        4,
        what,
        fix,
        problems.length > 0
          ? { status: "missing", detail: `exists, but ${problems.join("; ")}` }
          : { status: "ok", detail: `exists, execution mode ${actual}` },
      ),
    );
    if (local) continue;
    findings.push(await variablesFinding(access, backend, name, project, found.id, roles, audience));
  }
  return findings;
}

async function variablesFinding(
  access: { readonly client: HcpClient; readonly tokenSource: string },
  backend: CloudBackendConfig,
  name: string,
  project: string,
  workspaceId: string,
  roles: { readonly plan: RoleExpectation; readonly apply: RoleExpectation },
  audience: string,
): Promise<Finding> {
  const values = [
    "TFC_AWS_PROVIDER_AUTH=true",
    `TFC_AWS_PLAN_ROLE_ARN=${roleShown(roles.plan)}`,
    `TFC_AWS_APPLY_ROLE_ARN=${roleShown(roles.apply)}`,
    ...(audience !== DEFAULT_AWS_AUDIENCE ? [`TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE=${audience}`] : []),
  ];
  const fix = `on ${workspaceUrl(backend, name, "/variables")} (or a variable set on project "${project}") set the environment variables ${values.join(", ")}`;
  const what = `variables of workspace ${name}`;
  try {
    const { variables, withVariableSets } = await access.client.workspaceVariables(workspaceId);
    const { problems, notes } = variableProblems(variables, roles, audience);
    const scope = withVariableSets ? "" : " (this host has no all-vars endpoint: variable sets not read)";
    if (problems.length > 0) return finding(4, what, fix, { status: "missing", detail: `${problems.join("; ")}${scope}` });
    return finding(4, what, fix, { status: "ok", detail: `dynamic AWS credentials set${notes.length > 0 ? ` (${notes.join("; ")})` : ""}${scope}` });
  } catch (error) {
    if (error instanceof HcpApiError && (error.status === 403 || error.status === 404)) {
      return finding(4, what, `give the token's team "Read variables" on the workspace, or run with a token that has it`, {
        status: "unchecked",
        detail: `${backend.hostname} answered ${error.status}: the token in ${access.tokenSource} may read the workspace but not its variables`,
      });
    }
    return finding(4, what, fix, failure(error, backend, access.tokenSource).outcome);
  }
}
