/**
 * apply.yml's first step before any apply: the GitHub environment that gates the run must exist and be
 * protected. GitHub creates an environment a job names but that does not exist, with no protection
 * rules (GitHub Actions docs, "Managing environments for deployment": "If the environment does not
 * exist, it will be created"), so an apply would run with nobody's approval. This asks the REST API
 * (GET /repos/{owner}/{repo}/environments/{environment_name}) and fails, saying what to set up, unless the
 * environment has required reviewers (at least one) or a wait timer.
 *
 *   npm run --silent ci:env-check -- ENVIRONMENT
 *   env: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL (optional)
 */
import { githubRequest, requiredEnv, type GitHubRequest } from "./lib/github";

interface ProtectionRule {
  readonly type?: string;
  readonly wait_timer?: number;
  readonly reviewers?: readonly unknown[];
  readonly prevent_self_review?: boolean;
}

interface Environment {
  readonly name?: string;
  readonly protection_rules?: readonly ProtectionRule[];
  readonly deployment_branch_policy?: { readonly protected_branches?: boolean; readonly custom_branch_policies?: boolean } | null;
}

export interface ProtectionVerdict {
  readonly ok: boolean;
  readonly message: string;
}

export function setupStep(repository: string, environment: string): string {
  return (
    `Set it up: Settings -> Environments -> New environment "${environment}" (https://github.com/${repository}/settings/environments), ` +
    `add Required reviewers (and tick "Prevent self-review") or a Wait timer, and limit Deployment branches to the main branch. ` +
    `See docs/plan-review.md#the-trust-model.`
  );
}

/** Is `environment` (the API's answer, or undefined for a 404) protected enough to apply behind? */
export function judge(repository: string, name: string, environment: Environment | undefined): ProtectionVerdict {
  if (environment === undefined) {
    return {
      ok: false,
      message: `the GitHub environment "${name}" does not exist: GitHub would create it without protection and apply unreviewed. ${setupStep(repository, name)}`,
    };
  }
  const rules = environment.protection_rules ?? [];
  const reviewers = rules.find((rule) => rule.type === "required_reviewers" && (rule.reviewers?.length ?? 0) > 0);
  const timer = rules.find((rule) => rule.type === "wait_timer" && (rule.wait_timer ?? 0) > 0);
  if (reviewers === undefined && timer === undefined) {
    return {
      ok: false,
      message: `the GitHub environment "${name}" has neither required reviewers nor a wait timer: nothing would hold the apply. ${setupStep(repository, name)}`,
    };
  }
  const held = [
    ...(reviewers !== undefined
      ? [`${reviewers.reviewers?.length} required reviewer(s)${reviewers.prevent_self_review ? ", self-review prevented" : ""}`]
      : []),
    ...(timer !== undefined ? [`a ${timer.wait_timer}-minute wait timer`] : []),
  ];
  return { ok: true, message: `the GitHub environment "${name}" is protected: ${held.join(" and ")}` };
}

export async function checkEnvironment(request: GitHubRequest, repository: string, name: string): Promise<ProtectionVerdict> {
  if (name === "") throw new Error("no environment name: pass the environment apply.yml runs in (vars.APP_ENV)");
  let environment: Environment | undefined;
  try {
    environment = (await request("GET", `/environments/${encodeURIComponent(name)}`)) as Environment;
  } catch (error) {
    if (!/: 404 /.test((error as Error).message)) throw error;
  }
  return judge(repository, name, environment);
}

async function main(name: string | undefined): Promise<number> {
  const repository = requiredEnv("GITHUB_REPOSITORY");
  const apiUrl = process.env["GITHUB_API_URL"];
  const request = githubRequest({ token: requiredEnv("GITHUB_TOKEN"), repository, ...(apiUrl ? { apiUrl } : {}) });
  const verdict = await checkEnvironment(request, repository, name ?? "");
  (verdict.ok ? process.stdout : process.stderr).write(`[env-check] ${verdict.message}\n`);
  return verdict.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv[2]).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`[env-check] ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
