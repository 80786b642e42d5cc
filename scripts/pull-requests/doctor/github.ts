/**
 * ci:doctor's GitHub side, through GitHub's REST API (lib/github.ts's Octokit client): the repository
 * variables and secrets the workflows read, and the protected environment the apply job waits in. A
 * token that cannot read them marks the step not checked, never missing.
 */
import type { AppConfig } from "../../../config";
import { type GitHub, statusOf } from "../lib/github";
import { terraformTokenVariable } from "../lib/terraform-token";
import type { RoleArns } from "./aws";
import { type Finding, finding, type Outcome } from "./report";

/** Variables the workflows read (`vars.*` in .github/workflows/). */
export const REPOSITORY_VARIABLES = ["APP_ENV", "AWS_REGION", "AWS_PLAN_ROLE_ARN", "AWS_APPLY_ROLE_ARN"] as const;
/** The secrets the workflows pass to Terraform as TF_TOKEN_<host> with HCP Terraform: plan-only, and apply. */
export const HCP_TOKEN_SECRETS = {
  TF_PLAN_TOKEN: "a team token with only the plan permission, for pull requests and drift",
  TF_API_TOKEN: "a team token that may apply, seen only by apply.yml's terraform steps",
} as const;

export interface GitHubAccess {
  /** `owner/repo`, or undefined when none is known. */
  readonly repository?: string;
  /** undefined: GitHub not checked, for the reason in `skipped`. */
  readonly client?: GitHub;
  readonly skipped?: string;
}

function splitRepository(repository: string): { owner: string; repo: string } {
  const [owner = "", repo = ""] = repository.split("/");
  return { owner, repo };
}

async function githubCheck(
  github: GitHubAccess,
  step: number,
  what: string,
  fix: string,
  check: (client: GitHub, where: { owner: string; repo: string }) => Promise<Outcome>,
): Promise<Finding> {
  if (github.client === undefined || github.repository === undefined) {
    const why = github.skipped ?? (github.repository === undefined ? "no repository (--repo OWNER/REPO)" : "GitHub not checked");
    return finding(step, what, fix, { status: "unchecked", detail: why });
  }
  try {
    return finding(step, what, fix, await check(github.client, splitRepository(github.repository)));
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) return finding(step, what, fix, { status: "missing", detail: `not found in ${github.repository}` });
    if (status === 401 || status === 403) {
      return finding(step, what, fix, {
        status: "unchecked",
        detail: `GitHub answered ${status}: the token cannot read this (it needs read access to variables, secrets and environments)`,
      });
    }
    throw error;
  }
}

async function repositoryVariables(config: AppConfig, github: GitHubAccess, arns: RoleArns): Promise<Finding[]> {
  const where = github.repository ?? "<owner>/<repo>";
  const expected: Record<(typeof REPOSITORY_VARIABLES)[number], string | undefined> = {
    APP_ENV: config.environment,
    AWS_REGION: config.region,
    AWS_PLAN_ROLE_ARN: arns.plan,
    AWS_APPLY_ROLE_ARN: arns.apply,
  };
  // With HCP Terraform the workspaces get AWS credentials themselves (TFC_AWS_*), but ci-access runs locally on
  // the runner: with ciAccess.github its plan (pull requests, drift) takes the plan role and the region.
  const cloudNames = config.ciAccess.github !== undefined ? (["APP_ENV", "AWS_REGION", "AWS_PLAN_ROLE_ARN"] as const) : (["APP_ENV"] as const);
  const names = config.backend.type === "cloud" ? cloudNames : REPOSITORY_VARIABLES;
  const findings: Finding[] = [];
  for (const name of names) {
    const want = expected[name];
    const value = want ?? (name === "AWS_PLAN_ROLE_ARN" ? "<output plan_role_arn of ci-access>" : "<output apply_role_arn of ci-access>");
    const fix = `gh variable set ${name} --repo ${where} --body "${value}"`;
    findings.push(
      await githubCheck(github, 5, `repository variable ${name}`, fix, async (client, repo) => {
        const variable = (await client.rest.actions.getRepoVariable({ ...repo, name })).data;
        if (want !== undefined && variable.value !== want) return { status: "missing", detail: `is "${variable.value}", expected "${want}"` };
        return { status: "ok", detail: `"${variable.value}"` };
      }),
    );
  }
  const backend = config.backend;
  if (backend.type === "cloud") {
    for (const [secret, what] of Object.entries(HCP_TOKEN_SECRETS)) {
      const fix = `gh secret set ${secret} --repo ${where} (${what}, of ${backend.organization} on ${backend.hostname}; Terraform reads it as ${terraformTokenVariable(backend.hostname)})`;
      findings.push(
        await githubCheck(github, 5, `repository secret ${secret}`, fix, async (client, repo) => {
          await client.rest.actions.getRepoSecret({ ...repo, secret_name: secret });
          return { status: "ok", detail: "set (its value cannot be read back)" };
        }),
      );
    }
  }
  return findings;
}

interface ProtectionRule {
  readonly type?: string;
  readonly wait_timer?: number;
  readonly reviewers?: readonly unknown[];
}

/** The environment the apply job waits in must exist and hold it: GitHub creates a missing one, unprotected, on first use. */
async function environment(config: AppConfig, github: GitHubAccess): Promise<Finding> {
  const name = config.environment;
  const where = github.repository ?? "<owner>/<repo>";
  const fix =
    `before anything merges: Settings > Environments > New environment "${name}" with Required reviewers (or ` +
    `gh api -X PUT repos/${where}/environments/${name} -F "reviewers[][type]=Team" -F "reviewers[][id]=<team id>"); ` +
    `a missing environment is created by the first apply run without protection`;
  return githubCheck(github, 6, `GitHub environment ${name} with required reviewers`, fix, async (client, repo) => {
    const found = (await client.rest.repos.getEnvironment({ ...repo, environment_name: name })).data;
    const rules = (found.protection_rules ?? []) as readonly ProtectionRule[];
    const reviewers = rules.find((rule) => rule.type === "required_reviewers" && (rule.reviewers?.length ?? 0) > 0);
    const timer = rules.find((rule) => rule.type === "wait_timer" && (rule.wait_timer ?? 0) > 0);
    if (reviewers === undefined && timer === undefined)
      return { status: "missing", detail: "exists without required reviewers or a wait timer: applies would run unapproved" };
    return { status: "ok", detail: reviewers !== undefined ? `${reviewers.reviewers?.length} required reviewer(s)` : `wait timer ${timer?.wait_timer} min` };
  });
}

/** Steps 5 and 6: the repository's variables and secrets, and the protected environment. */
export async function githubChecks(config: AppConfig, github: GitHubAccess, arns: RoleArns): Promise<Finding[]> {
  return [...(await repositoryVariables(config, github, arns)), await environment(config, github)];
}
