/**
 * Checks each step of the CI setup in docs/plan-review.md ("Setup checklist") against what exists:
 * the state bucket, the OIDC providers and the CI roles in the AWS account (where credentials allow),
 * the repository's variables, secrets and the protected GitHub environment (through GitHub's REST API,
 * where a token allows), and with HCP Terraform each stack's workspace, its execution mode and its
 * dynamic-credentials variables (through HCP Terraform's API, where a token allows); says what is
 * missing with the fix for each. The checks live in doctor/ (aws, github, hcp), the report in doctor/report.ts.
 *
 *   GITHUB_TOKEN=... APP_ENV=prod npm run ci:doctor              # AWS credentials of the account, if at hand
 *   TF_TOKEN_app_terraform_io=... APP_ENV=hcp-example npm run ci:doctor   # after npm run synth
 *   npm run --silent ci:doctor -- --token-variable              # TF_TOKEN_<host> for backend.hostname
 *
 * Exit codes: 0 every checked step is in place, 1 something is missing or wrong, 2 a usage error.
 */
import { readdirSync } from "node:fs";
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { type AppConfig, CONFIG_DIRECTORY, loadConfig } from "../../config";
import { STATE_BOOTSTRAP_STACK } from "../../stacks/state-bootstrap-stack";
import { type CliIo, defineCommand, exitWith, processIo, runCommand } from "../shared/cli-args.cjs";
import { type AwsClients, awsChecks, deployCommand } from "./doctor/aws";
import { type GitHubAccess, githubChecks } from "./doctor/github";
import { HcpClient } from "./doctor/hcp-api";
import { type HcpAccess, hcpChecks } from "./doctor/hcp";
import { exitCode, type Finding, report } from "./doctor/report";
import { githubClient } from "./lib/github";
import { terraformTokenVariable } from "./lib/terraform-token";

/** The HCP Terraform token Terraform's own variable does not hold: the workflows' secret name, as a fallback. */
export const HCP_TOKEN_FALLBACK = "TF_API_TOKEN";

const isUrl = (value: string): string | undefined => {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? undefined : "expected an http(s) URL";
  } catch {
    return "expected a URL, e.g. https://app.terraform.io/api/v2";
  }
};

const environments = (): string[] =>
  readdirSync(CONFIG_DIRECTORY)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();

export const COMMAND = defineCommand({
  command: "npm run ci:doctor --",
  name: "ci:doctor",
  summary:
    'Checks the CI setup of one environment (docs/plan-review.md, "Setup checklist") and prints what is missing, with the fix for each. ' +
    "GitHub through GITHUB_TOKEN or GH_TOKEN (read access to the repository's variables, secrets and environments); AWS through the " +
    "usual credential chain; HCP Terraform (backend.type cloud) through the token Terraform reads for backend.hostname " +
    `(TF_TOKEN_<host>), else ${HCP_TOKEN_FALLBACK}, reading the workspaces named in the synthesized stacks.`,
  options: {
    env: {
      type: "string",
      value: "NAME",
      description: 'the environment file config/environments/NAME.json (default: APP_ENV, else "default")',
      choices: environments,
    },
    repo: {
      type: "string",
      value: "OWNER/REPO",
      description: "the repository (default: GITHUB_REPOSITORY, else ciAccess.github.repository)",
      check: (value) => (/^[^/\s]+\/[^/\s]+$/.test(value) ? undefined : "expected OWNER/REPO, e.g. acme/ssm-patterns"),
    },
    "api-url": { type: "string", value: "URL", description: "GitHub's REST API (default: GITHUB_API_URL, else https://api.github.com)", check: isUrl },
    "hcp-url": { type: "string", value: "URL", description: "HCP Terraform's API (default: https://<backend.hostname>/api/v2)", check: isUrl },
    from: { type: "string", value: "DIR", description: "the synthesized folder whose cloud blocks name the workspaces (default: cdktf.out)" },
    "skip-aws": { type: "boolean", description: "do not call AWS" },
    "skip-github": { type: "boolean", description: "do not call GitHub" },
    "skip-hcp": { type: "boolean", description: "do not call HCP Terraform" },
    "token-variable": {
      type: "boolean",
      description:
        "print the variable Terraform reads the HCP Terraform token from (TF_TOKEN_<host> for backend.hostname, dots as _ and hyphens as __) and exit",
    },
  },
  notes: "exit: 0 all checked steps in place, 1 something missing or wrong, 2 usage error. A step that cannot be read is marked ?, not missing.",
});

export interface DoctorContext {
  readonly config: AppConfig;
  readonly github: GitHubAccess;
  /** undefined: AWS not checked (--skip-aws). */
  readonly aws?: AwsClients;
  readonly hcp: HcpAccess;
  /** The synthesized folder whose cloud blocks name the workspaces. */
  readonly outdir: string;
}

/** What the configuration itself lacks: no shared backend, no ciAccess, no HCP trust with the cloud backend. */
function configurationFindings(config: AppConfig): Finding[] {
  const file = `config/environments/${config.environment}.json`;
  const findings: Finding[] = [];
  if (config.backend.type === "local") {
    findings.push({
      step: 1,
      what: "a shared backend",
      status: "missing",
      detail: `backend.type is "local" in ${file}: CI cannot read this machine's state`,
      fix: `set backend.bucket (S3, after ${deployCommand(config, STATE_BOOTSTRAP_STACK)}) or backend.type "cloud"`,
    });
  }
  if (!config.ciAccess.enabled) {
    findings.push({
      step: 2,
      what: "ciAccess in the configuration",
      status: "missing",
      detail: "no ciAccess section: no OIDC provider or CI role is synthesized",
      fix: `add "ciAccess": { "github": { "repository": "<owner>/<repo>" } } to ${file}`,
    });
  } else if (config.backend.type === "cloud" && config.ciAccess.hcp === undefined) {
    findings.push({
      step: 2,
      what: "ciAccess.hcp in the configuration",
      status: "missing",
      detail: "backend.type is cloud but ciAccess has no hcp section: no role trusts the workspaces' runs",
      fix: `add "hcp": {} to "ciAccess" in ${file}, then deploy ci-access again`,
    });
  }
  return findings;
}

/** Every step, in checklist order. */
export async function doctor(context: DoctorContext): Promise<Finding[]> {
  const { config } = context;
  const aws = await awsChecks(config, context.aws);
  const findings = [
    ...configurationFindings(config),
    ...aws.findings,
    ...(await hcpChecks(config, context.hcp, context.outdir, aws.arns)),
    ...(await githubChecks(config, context.github, aws.arns)),
  ];
  // A stable sort: within a step, the order the checks ran in.
  return findings.sort((a, b) => a.step - b.step);
}

export interface DoctorIo extends CliIo {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Clients for tests; by default made from the environment. */
  readonly iam?: IAMClient;
  readonly s3?: S3Client;
  /** For HCP Terraform's API. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

function githubAccess(config: AppConfig, env: NodeJS.ProcessEnv, values: { repo?: string; "api-url"?: string; "skip-github"?: boolean }): GitHubAccess {
  const repository = values.repo ?? (env["GITHUB_REPOSITORY"] || undefined) ?? config.ciAccess.github?.repository;
  const token = env["GITHUB_TOKEN"] || env["GH_TOKEN"] || undefined;
  const where = repository !== undefined ? { repository } : {};
  if (values["skip-github"] === true) return { ...where, skipped: "GitHub not checked (--skip-github)" };
  if (token === undefined) return { ...where, skipped: "no GITHUB_TOKEN or GH_TOKEN" };
  const baseUrl = values["api-url"] ?? (env["GITHUB_API_URL"] || "https://api.github.com");
  return { ...where, client: githubClient({ token, apiUrl: baseUrl, userAgent: "ssm-patterns-ci-doctor" }) };
}

function hcpAccess(
  config: AppConfig,
  env: NodeJS.ProcessEnv,
  fetchImpl: typeof fetch | undefined,
  values: { "hcp-url"?: string; "skip-hcp"?: boolean },
): HcpAccess {
  const backend = config.backend;
  if (backend.type !== "cloud") return { skipped: "not HCP Terraform", fix: "" };
  if (values["skip-hcp"] === true) return { skipped: "HCP Terraform not checked (--skip-hcp)", fix: "run without --skip-hcp" };
  const variable = terraformTokenVariable(backend.hostname);
  const tokenSource = env[variable] ? variable : env[HCP_TOKEN_FALLBACK] ? HCP_TOKEN_FALLBACK : undefined;
  if (tokenSource === undefined) {
    return {
      skipped: `no HCP Terraform token: neither ${variable} nor ${HCP_TOKEN_FALLBACK} is set`,
      fix:
        `set ${variable} (the variable Terraform reads for ${backend.hostname}) to a token that may read the workspaces and their variables ` +
        `(a team token of ${backend.organization}, or terraform login ${backend.hostname}'s user token) and run ci:doctor again`,
    };
  }
  const baseUrl = values["hcp-url"] ?? `https://${backend.hostname}/api/v2`;
  return { client: new HcpClient({ baseUrl, token: env[tokenSource] ?? "", ...(fetchImpl !== undefined ? { fetch: fetchImpl } : {}) }), tokenSource };
}

/** The command: returns the exit code. */
export function main(argv: readonly string[], io: DoctorIo = processIo): Promise<number> {
  const env = io.env ?? process.env;
  return runCommand(COMMAND, argv, io, async ({ values }) => {
    const config = loadConfig(values.env ?? env["APP_ENV"] ?? "default");
    if (values["token-variable"] === true) {
      io.out(terraformTokenVariable(config.backend.type === "cloud" ? config.backend.hostname : undefined));
      return 0;
    }
    const region = config.backend.type === "s3" ? config.backend.region : config.region;
    const context: DoctorContext = {
      config,
      github: githubAccess(config, env, values),
      ...(values["skip-aws"] === true ? {} : { aws: { iam: io.iam ?? new IAMClient({ region: config.region }), s3: io.s3 ?? new S3Client({ region }) } }),
      hcp: hcpAccess(config, env, io.fetch, values),
      outdir: values.from ?? "cdktf.out",
    };
    const findings = await doctor(context);
    io.out(report(findings, config.environment).trimEnd());
    return exitCode(findings);
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
