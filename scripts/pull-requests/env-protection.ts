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
import { defineCommand, exitWith, processIo, runCommand, UsageError, type CliIo } from "../shared/cli-args.cjs";
import { githubFromEnv, statusOf, type GitHub, type Repository } from "./lib/github";

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

export async function checkEnvironment(github: GitHub, repository: Repository, name: string): Promise<ProtectionVerdict> {
  if (name === "") throw new Error("no environment name: pass the environment apply.yml runs in (vars.APP_ENV)");
  let environment: Environment | undefined;
  try {
    environment = (await github.rest.repos.getEnvironment({ ...repository, environment_name: name })).data as Environment;
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
  return judge(`${repository.owner}/${repository.repo}`, name, environment);
}

/** An environment name as GitHub takes it: not blank, at most 255 characters. */
function environmentProblem(value: string): string | undefined {
  if (value.trim() === "") return "expected the environment's name (vars.APP_ENV), e.g. prod";
  if (value.length > 255) return `expected an environment name of at most 255 characters (got ${value.length})`;
  return undefined;
}

export const COMMAND = defineCommand({
  command: "npm run --silent ci:env-check --",
  name: "ci:env-check",
  summary:
    "Fails unless the GitHub environment the apply runs in exists with required reviewers or a wait timer (GitHub would create a missing one unprotected).",
  positionals: { name: "ENVIRONMENT", description: "the environment apply.yml runs in (vars.APP_ENV)", max: 1 },
  options: {},
  notes: "env: GITHUB_TOKEN, GITHUB_REPOSITORY (owner/repo), GITHUB_API_URL (optional). Exit 0 protected, 1 not (saying what to set up).",
});

export function main(argv: readonly string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runCommand(COMMAND, argv, io, async ({ positionals }) => {
    const name = positionals[0];
    if (name === undefined) throw new UsageError("no environment name: pass the environment apply.yml runs in (vars.APP_ENV)");
    const problem = environmentProblem(name);
    if (problem !== undefined) throw new UsageError(`ENVIRONMENT ${JSON.stringify(name)}: ${problem}`);
    const { github, repository } = githubFromEnv(env);
    const verdict = await checkEnvironment(github, repository, name);
    (verdict.ok ? io.out : io.err)(`[env-check] ${verdict.message}`);
    return verdict.ok ? 0 : 1;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
