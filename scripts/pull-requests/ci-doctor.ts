/**
 * Checks each step of the CI setup in docs/plan-review.md ("Setup checklist") against what exists:
 * the state bucket, the OIDC providers and the CI roles in the AWS account (where credentials allow),
 * the repository's variables, secret and the protected GitHub environment (through GitHub's REST API,
 * where a token allows), and says what is missing with the fix for each.
 *
 *   GITHUB_TOKEN=... APP_ENV=prod npm run ci:doctor              # AWS credentials of the account, if at hand
 *   npm run --silent ci:doctor -- --token-variable              # TF_TOKEN_<host> for backend.hostname
 *
 * Exit codes: 0 every checked step is in place, 1 something is missing or wrong, 2 a usage error.
 */
import { GetBucketVersioningCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { GetRoleCommand, IAMClient, ListOpenIDConnectProvidersCommand } from "@aws-sdk/client-iam";
import { Octokit } from "@octokit/rest";
import { type AppConfig, loadConfig } from "../../config";
import { CI_ACCESS_STACK, ciRoleName, GITHUB_OIDC_HOST } from "../../stacks/ci-access-stack";
import { STATE_BOOTSTRAP_STACK } from "../../stacks/state-bootstrap-stack";
import { terraformTokenVariable } from "./lib/terraform-token";

export const USAGE = `usage: npm run ci:doctor -- [options]
  Checks the CI setup of one environment (docs/plan-review.md, "Setup checklist") and prints what is
  missing, with the fix for each. GitHub through GITHUB_TOKEN or GH_TOKEN (read access to the
  repository's variables, secrets and environments: a fine-grained token with "Variables", "Secrets"
  and "Environments" read, or gh auth token); AWS through the usual credential chain.
  --env NAME          the environment file config/environments/NAME.json (default: APP_ENV, else "default")
  --repo OWNER/REPO   the repository (default: GITHUB_REPOSITORY, else ciAccess.github.repository)
  --api-url URL       GitHub's REST API (default: GITHUB_API_URL, else https://api.github.com)
  --skip-aws          do not call AWS
  --skip-github       do not call GitHub
  --token-variable    print the variable Terraform reads the HCP Terraform token from (TF_TOKEN_<host>
                      for backend.hostname, dots as _ and hyphens as __) and exit
  --help              this text
exit: 0 all checked steps in place, 1 something missing or wrong, 2 usage error`;

export type Status = "ok" | "missing" | "unchecked";

export interface Finding {
  /** The checklist step (docs/plan-review.md) this checks. */
  readonly step: number;
  readonly what: string;
  readonly status: Status;
  /** What was found, or why it could not be checked. */
  readonly detail: string;
  /** What to do, when missing or unchecked. */
  readonly fix?: string;
}

export interface DoctorContext {
  readonly config: AppConfig;
  /** `owner/repo`, or undefined when none is known. */
  readonly repository?: string;
  /** undefined: GitHub not checked (no token, or --skip-github). */
  readonly github?: Octokit;
  readonly githubSkipped?: string;
  /** undefined: AWS not checked (--skip-aws). */
  readonly iam?: IAMClient;
  readonly s3?: S3Client;
}

/** Variables the workflows read (`vars.*` in .github/workflows/). */
export const REPOSITORY_VARIABLES = ["APP_ENV", "AWS_REGION", "AWS_PLAN_ROLE_ARN", "AWS_APPLY_ROLE_ARN"] as const;
/** The secret the workflows pass to Terraform as TF_TOKEN_<host> with HCP Terraform. */
export const HCP_TOKEN_SECRET = "TF_API_TOKEN";

/** AWS errors that mean "these credentials cannot tell", not "it does not exist". */
function unreadable(error: unknown): string | undefined {
  const name = (error as { name?: string } | null)?.name ?? "";
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (name === "CredentialsProviderError" || /credential/i.test(name)) return "no AWS credentials";
  if (name === "AccessDenied" || name === "AccessDeniedException" || name === "Forbidden" || status === 403) return `access denied (${name || status})`;
  if (name === "ExpiredToken" || name === "InvalidClientTokenId") return `credentials rejected (${name})`;
  return undefined;
}

function notFound(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? "";
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return name === "NoSuchEntity" || name === "NoSuchEntityException" || name === "NotFound" || name === "NoSuchBucket" || status === 404;
}

function githubStatus(error: unknown): number | undefined {
  return (error as { status?: number } | null)?.status;
}

const deploy = (config: AppConfig, stack: string): string => `APP_ENV=${config.environment} npx cdktf deploy ${stack}`;

async function awsCheck(
  context: DoctorContext,
  step: number,
  what: string,
  fix: string,
  check: () => Promise<{ status: Status; detail: string }>,
): Promise<Finding> {
  if (context.iam === undefined || context.s3 === undefined) return { step, what, status: "unchecked", detail: "AWS not checked (--skip-aws)", fix };
  try {
    const result = await check();
    return { step, what, ...result, ...(result.status === "ok" ? {} : { fix }) };
  } catch (error) {
    const reason = unreadable(error);
    if (reason !== undefined) return { step, what, status: "unchecked", detail: `${reason}; run with the account's credentials to check`, fix };
    if (notFound(error)) return { step, what, status: "missing", detail: "not found in the account", fix };
    throw error;
  }
}

async function stateBucket(context: DoctorContext): Promise<Finding[]> {
  const { config } = context;
  const backend = config.backend;
  if (backend.type !== "s3") return [];
  const fix =
    `create it with administrator credentials: ${deploy(config, STATE_BOOTSTRAP_STACK)}, then paste its backend_config output ` +
    `into config/environments/${config.environment}.json as "backend"`;
  return [
    await awsCheck(context, 1, `state bucket ${backend.bucket}`, fix, async () => {
      await context.s3?.send(new HeadBucketCommand({ Bucket: backend.bucket }));
      const versioning = await context.s3?.send(new GetBucketVersioningCommand({ Bucket: backend.bucket }));
      if (versioning?.Status !== "Enabled")
        return { status: "missing", detail: `exists, but versioning is ${versioning?.Status ?? "off"} (old state versions would be lost)` };
      return { status: "ok", detail: "exists, versioning enabled" };
    }),
  ];
}

/** The OIDC providers ci-access creates or names, by host. */
function expectedProviders(config: AppConfig): { host: string; arn?: string }[] {
  const ci = config.ciAccess;
  if (!ci.enabled) return [];
  return [
    ...(ci.github !== undefined ? [{ host: GITHUB_OIDC_HOST, ...(ci.github.oidcProviderArn !== undefined ? { arn: ci.github.oidcProviderArn } : {}) }] : []),
    ...(ci.hcp !== undefined ? [{ host: ci.hcp.hostname, ...(ci.hcp.oidcProviderArn !== undefined ? { arn: ci.hcp.oidcProviderArn } : {}) }] : []),
  ];
}

async function oidcProviders(context: DoctorContext): Promise<Finding[]> {
  const fix = `deploy the ci-access stack locally with administrator credentials: ${deploy(context.config, CI_ACCESS_STACK)} (its roles do not trust its own runs, so CI cannot create them)`;
  const findings: Finding[] = [];
  for (const provider of expectedProviders(context.config)) {
    findings.push(
      await awsCheck(context, 2, `OIDC provider ${provider.host}`, fix, async () => {
        const listed = await context.iam?.send(new ListOpenIDConnectProvidersCommand({}));
        const arns = (listed?.OpenIDConnectProviderList ?? []).map((entry) => entry.Arn ?? "");
        const found =
          provider.arn !== undefined ? arns.find((arn) => arn === provider.arn) : arns.find((arn) => arn.endsWith(`:oidc-provider/${provider.host}`));
        return found !== undefined
          ? { status: "ok", detail: found }
          : { status: "missing", detail: provider.arn !== undefined ? `${provider.arn} (oidcProviderArn) is not in the account` : "not in the account" };
      }),
    );
  }
  return findings;
}

/** The subjects each role must trust: GitHub's from ciAccess.github, HCP Terraform's from the workspace prefix. */
function expectedSubjects(config: AppConfig, phase: "plan" | "apply"): string[] {
  const { github, hcp } = config.ciAccess;
  return [
    ...(github !== undefined
      ? [phase === "plan" ? `repo:${github.repository}:pull_request` : `repo:${github.repository}:ref:refs/heads/${github.mainBranch}`]
      : []),
    ...(hcp !== undefined ? [`organization:${hcp.organization}:project:${hcp.project}:workspace:${hcp.workspacePrefix}`] : []),
  ];
}

async function roles(context: DoctorContext): Promise<{ findings: Finding[]; arns: Partial<Record<"plan" | "apply", string>> }> {
  const { config } = context;
  const arns: Partial<Record<"plan" | "apply", string>> = {};
  if (!config.ciAccess.enabled) return { findings: [], arns };
  const fix = `deploy the ci-access stack locally with administrator credentials: ${deploy(config, CI_ACCESS_STACK)}`;
  const findings: Finding[] = [];
  for (const phase of ["plan", "apply"] as const) {
    const name = ciRoleName(config, phase);
    findings.push(
      await awsCheck(context, 3, `${phase} role ${name}`, fix, async () => {
        const role = (await context.iam?.send(new GetRoleCommand({ RoleName: name })))?.Role;
        if (role?.Arn !== undefined) arns[phase] = role.Arn;
        // GetRole returns the trust policy URL-encoded (IAM API reference, Role.AssumeRolePolicyDocument).
        const trust = decodeURIComponent(role?.AssumeRolePolicyDocument ?? "");
        const absent = expectedSubjects(config, phase).filter((subject) => !trust.includes(subject));
        if (absent.length > 0)
          return { status: "missing", detail: `exists, but its trust policy lacks ${absent.join(", ")} (deployed from another configuration?)` };
        return { status: "ok", detail: role?.Arn ?? name };
      }),
    );
  }
  return { findings, arns };
}

function splitRepository(repository: string): { owner: string; repo: string } {
  const [owner = "", repo = ""] = repository.split("/");
  return { owner, repo };
}

async function githubCheck(
  context: DoctorContext,
  step: number,
  what: string,
  fix: string,
  check: (github: Octokit, where: { owner: string; repo: string }) => Promise<{ status: Status; detail: string }>,
): Promise<Finding> {
  if (context.github === undefined || context.repository === undefined) {
    const why = context.githubSkipped ?? (context.repository === undefined ? "no repository (--repo OWNER/REPO)" : "GitHub not checked");
    return { step, what, status: "unchecked", detail: why, fix };
  }
  try {
    const result = await check(context.github, splitRepository(context.repository));
    return { step, what, ...result, ...(result.status === "ok" ? {} : { fix }) };
  } catch (error) {
    const status = githubStatus(error);
    if (status === 404) return { step, what, status: "missing", detail: `not found in ${context.repository}`, fix };
    if (status === 401 || status === 403) {
      return {
        step,
        what,
        status: "unchecked",
        detail: `GitHub answered ${status}: the token cannot read this (it needs read access to variables, secrets and environments)`,
        fix,
      };
    }
    throw error;
  }
}

async function repositoryVariables(context: DoctorContext, arns: Partial<Record<"plan" | "apply", string>>): Promise<Finding[]> {
  const { config } = context;
  const where = context.repository ?? "<owner>/<repo>";
  const expected: Record<(typeof REPOSITORY_VARIABLES)[number], string | undefined> = {
    APP_ENV: config.environment,
    AWS_REGION: config.region,
    AWS_PLAN_ROLE_ARN: arns.plan,
    AWS_APPLY_ROLE_ARN: arns.apply,
  };
  // With HCP Terraform the workspaces get AWS credentials themselves (TFC_AWS_*): the role variables are unused.
  const names = config.backend.type === "cloud" ? (["APP_ENV"] as const) : REPOSITORY_VARIABLES;
  const findings: Finding[] = [];
  for (const name of names) {
    const want = expected[name];
    const value = want ?? (name === "AWS_PLAN_ROLE_ARN" ? "<output plan_role_arn of ci-access>" : "<output apply_role_arn of ci-access>");
    const fix = `gh variable set ${name} --repo ${where} --body "${value}"`;
    findings.push(
      await githubCheck(context, 5, `repository variable ${name}`, fix, async (github, repo) => {
        const variable = (await github.rest.actions.getRepoVariable({ ...repo, name })).data;
        if (want !== undefined && variable.value !== want) return { status: "missing", detail: `is "${variable.value}", expected "${want}"` };
        return { status: "ok", detail: `"${variable.value}"` };
      }),
    );
  }
  if (config.backend.type === "cloud") {
    findings.push(
      await githubCheck(
        context,
        5,
        `repository secret ${HCP_TOKEN_SECRET}`,
        `gh secret set ${HCP_TOKEN_SECRET} --repo ${where} (a team token of ${config.backend.organization} on ${config.backend.hostname}; Terraform reads it as ${terraformTokenVariable(config.backend.hostname)})`,
        async (github, repo) => {
          await github.rest.actions.getRepoSecret({ ...repo, secret_name: HCP_TOKEN_SECRET });
          return { status: "ok", detail: "set (its value cannot be read back)" };
        },
      ),
    );
  }
  return findings;
}

interface ProtectionRule {
  readonly type?: string;
  readonly wait_timer?: number;
  readonly reviewers?: readonly unknown[];
}

/** The environment the apply job waits in must exist and hold it: GitHub creates a missing one, unprotected, on first use. */
async function environment(context: DoctorContext): Promise<Finding> {
  const name = context.config.environment;
  const where = context.repository ?? "<owner>/<repo>";
  const fix =
    `before anything merges: Settings > Environments > New environment "${name}" with Required reviewers (or ` +
    `gh api -X PUT repos/${where}/environments/${name} -F "reviewers[][type]=Team" -F "reviewers[][id]=<team id>"); ` +
    `a missing environment is created by the first apply run without protection`;
  return githubCheck(context, 6, `GitHub environment ${name} with required reviewers`, fix, async (github, repo) => {
    const found = (await github.rest.repos.getEnvironment({ ...repo, environment_name: name })).data;
    const rules = (found.protection_rules ?? []) as readonly ProtectionRule[];
    const reviewers = rules.find((rule) => rule.type === "required_reviewers" && (rule.reviewers?.length ?? 0) > 0);
    const timer = rules.find((rule) => rule.type === "wait_timer" && (rule.wait_timer ?? 0) > 0);
    if (reviewers === undefined && timer === undefined)
      return { status: "missing", detail: "exists without required reviewers or a wait timer: applies would run unapproved" };
    return { status: "ok", detail: reviewers !== undefined ? `${reviewers.reviewers?.length} required reviewer(s)` : `wait timer ${timer?.wait_timer} min` };
  });
}

/** HCP Terraform's side, which this command cannot read: said as a step to do by hand. */
function hcpWorkspaces(config: AppConfig): Finding[] {
  const backend = config.backend;
  if (backend.type !== "cloud") return [];
  const plan = ciRoleName(config, "plan");
  const apply = ciRoleName(config, "apply");
  return [
    {
      step: 4,
      what: `HCP Terraform workspaces ${backend.workspacePrefix}<stack> in ${backend.organization}/${backend.project}`,
      status: "unchecked",
      detail: `not read by this command (HCP Terraform's API is not called); check on https://${backend.hostname}/app/${backend.organization}/workspaces`,
      fix:
        `an organization owner creates one workspace per workload stack (CLI-driven) and, once ci-access is deployed, sets on each (or a project variable set) ` +
        `TFC_AWS_PROVIDER_AUTH=true, TFC_AWS_PLAN_ROLE_ARN=<arn of ${plan}>, TFC_AWS_APPLY_ROLE_ARN=<arn of ${apply}>`,
    },
  ];
}

/** Every step, in checklist order. */
export async function doctor(context: DoctorContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  if (context.config.backend.type === "local") {
    findings.push({
      step: 1,
      what: "a shared backend",
      status: "missing",
      detail: `backend.type is "local" in config/environments/${context.config.environment}.json: CI cannot read this machine's state`,
      fix: `set backend.bucket (S3, after ${deploy(context.config, STATE_BOOTSTRAP_STACK)}) or backend.type "cloud"`,
    });
  }
  if (!context.config.ciAccess.enabled) {
    findings.push({
      step: 2,
      what: "ciAccess in the configuration",
      status: "missing",
      detail: "no ciAccess section: no OIDC provider or CI role is synthesized",
      fix: `add "ciAccess": { "github": { "repository": "<owner>/<repo>" } } to config/environments/${context.config.environment}.json`,
    });
  }
  findings.push(...(await stateBucket(context)));
  findings.push(...(await oidcProviders(context)));
  const roleResult = await roles(context);
  findings.push(...roleResult.findings);
  findings.push(...hcpWorkspaces(context.config));
  findings.push(...(await repositoryVariables(context, roleResult.arns)));
  findings.push(await environment(context));
  return findings.sort((a, b) => a.step - b.step);
}

const MARK: Readonly<Record<Status, string>> = { ok: "ok     ", missing: "MISSING", unchecked: "?      " };

export function report(findings: readonly Finding[], environmentName: string): string {
  const lines = [`CI setup of environment "${environmentName}" (docs/plan-review.md, Setup checklist):`];
  for (const finding of findings) {
    lines.push(`  ${MARK[finding.status]} step ${finding.step}: ${finding.what}: ${finding.detail}`);
    if (finding.status !== "ok" && finding.fix !== undefined) lines.push(`          fix: ${finding.fix}`);
  }
  const missing = findings.filter((finding) => finding.status === "missing").length;
  const unchecked = findings.filter((finding) => finding.status === "unchecked").length;
  const checked = findings.length - unchecked;
  const notChecked = unchecked > 0 ? `; ${unchecked} not checked (marked ?)` : "";
  lines.push(missing === 0 ? `${checked} step(s) checked, all in place${notChecked}.` : `${missing} of ${checked} checked step(s) missing${notChecked}.`);
  return `${lines.join("\n")}\n`;
}

export class UsageError extends Error {}

export interface Options {
  readonly env?: string;
  readonly repo?: string;
  readonly apiUrl?: string;
  readonly skipAws: boolean;
  readonly skipGithub: boolean;
  readonly tokenVariable: boolean;
  readonly help: boolean;
}

export function parseArgs(argv: readonly string[]): Options {
  const values: { env?: string; repo?: string; apiUrl?: string } = {};
  const flags = { skipAws: false, skipGithub: false, tokenVariable: false, help: false };
  const valued: Readonly<Record<string, keyof typeof values>> = { "--env": "env", "--repo": "repo", "--api-url": "apiUrl" };
  const switches: Readonly<Record<string, keyof typeof flags>> = {
    "--skip-aws": "skipAws",
    "--skip-github": "skipGithub",
    "--token-variable": "tokenVariable",
    "--help": "help",
    "-h": "help",
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? "";
    const [name = "", inline] = argument.startsWith("--") && argument.includes("=") ? argument.split(/=(.*)/s, 2) : [argument, undefined];
    const key = valued[name];
    const flag = switches[name];
    if (key !== undefined) {
      const value = inline ?? argv[++index];
      if (value === undefined || value === "") throw new UsageError(`${name} needs a value; see npm run ci:doctor -- --help`);
      values[key] = value;
    } else if (flag !== undefined && inline === undefined) {
      flags[flag] = true;
    } else {
      throw new UsageError(`unknown option ${argument}; see npm run ci:doctor -- --help for the options`);
    }
  }
  if (values.repo !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(values.repo))
    throw new UsageError(`--repo ${values.repo}: expected OWNER/REPO, e.g. acme/ssm-patterns`);
  return { ...values, ...flags };
}

export interface Io {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Clients for tests; by default made from the environment. */
  readonly iam?: IAMClient;
  readonly s3?: S3Client;
}

/** The command: returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`[ci-doctor] ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig(options.env ?? io.env["APP_ENV"] ?? "default");
  if (options.tokenVariable) {
    io.out(`${terraformTokenVariable(config.backend.type === "cloud" ? config.backend.hostname : undefined)}\n`);
    return 0;
  }
  const repository = options.repo ?? (io.env["GITHUB_REPOSITORY"] || undefined) ?? config.ciAccess.github?.repository;
  const token = io.env["GITHUB_TOKEN"] || io.env["GH_TOKEN"] || undefined;
  const github =
    options.skipGithub || token === undefined
      ? undefined
      : new Octokit({ auth: token, baseUrl: options.apiUrl ?? (io.env["GITHUB_API_URL"] || "https://api.github.com"), userAgent: "ssm-patterns-ci-doctor" });
  const region = config.backend.type === "s3" ? config.backend.region : config.region;
  const context: DoctorContext = {
    config,
    ...(repository !== undefined ? { repository } : {}),
    ...(github !== undefined ? { github } : {}),
    ...(options.skipGithub
      ? { githubSkipped: "GitHub not checked (--skip-github)" }
      : token === undefined
        ? { githubSkipped: "no GITHUB_TOKEN or GH_TOKEN" }
        : {}),
    ...(options.skipAws ? {} : { iam: io.iam ?? new IAMClient({ region: config.region }), s3: io.s3 ?? new S3Client({ region }) }),
  };
  const findings = await doctor(context);
  io.out(report(findings, config.environment));
  return findings.some((finding) => finding.status === "missing") ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2), { env: process.env, out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      process.stderr.write(`[ci-doctor] ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
