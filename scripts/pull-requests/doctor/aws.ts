/**
 * ci:doctor's AWS side: the state bucket (S3 backend), the OIDC providers and the CI roles the ci-access
 * stack creates, read with whatever credentials are at hand. Credentials that cannot tell mark a step
 * not checked, never missing.
 */
import { GetBucketVersioningCommand, HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { GetRoleCommand, type IAMClient, ListOpenIDConnectProvidersCommand } from "@aws-sdk/client-iam";
import type { AppConfig } from "../../../config";
import { CI_ACCESS_STACK, ciRoleName, GITHUB_OIDC_HOST } from "../../../stacks/ci-access-stack";
import { STATE_BOOTSTRAP_STACK } from "../../../stacks/state-bootstrap-stack";
import { type Finding, finding, type Outcome } from "./report";

export interface AwsClients {
  readonly iam: IAMClient;
  readonly s3: S3Client;
}

/** The CI roles' ARNs as IAM returned them (only those found). */
export type RoleArns = Partial<Record<"plan" | "apply", string>>;

export const deployCommand = (config: AppConfig, stack: string): string => `APP_ENV=${config.environment} npx cdktf deploy ${stack}`;

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

async function awsCheck(aws: AwsClients | undefined, step: number, what: string, fix: string, check: (aws: AwsClients) => Promise<Outcome>): Promise<Finding> {
  if (aws === undefined) return finding(step, what, fix, { status: "unchecked", detail: "AWS not checked (--skip-aws)" });
  try {
    return finding(step, what, fix, await check(aws));
  } catch (error) {
    const reason = unreadable(error);
    if (reason !== undefined) return finding(step, what, fix, { status: "unchecked", detail: `${reason}; run with the account's credentials to check` });
    if (notFound(error)) return finding(step, what, fix, { status: "missing", detail: "not found in the account" });
    throw error;
  }
}

async function stateBucket(config: AppConfig, aws: AwsClients | undefined): Promise<Finding[]> {
  const backend = config.backend;
  if (backend.type !== "s3") return [];
  const fix =
    `create it with administrator credentials: ${deployCommand(config, STATE_BOOTSTRAP_STACK)}, then paste its backend_config output ` +
    `into config/environments/${config.environment}.json as "backend"`;
  return [
    await awsCheck(aws, 1, `state bucket ${backend.bucket}`, fix, async ({ s3 }) => {
      await s3.send(new HeadBucketCommand({ Bucket: backend.bucket }));
      const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: backend.bucket }));
      if (versioning.Status !== "Enabled")
        return { status: "missing", detail: `exists, but versioning is ${versioning.Status ?? "off"} (old state versions would be lost)` };
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

async function oidcProviders(config: AppConfig, aws: AwsClients | undefined): Promise<Finding[]> {
  const fix = `deploy the ci-access stack locally with administrator credentials: ${deployCommand(config, CI_ACCESS_STACK)} (its roles do not trust its own runs, so CI cannot create them)`;
  const findings: Finding[] = [];
  for (const provider of expectedProviders(config)) {
    findings.push(
      await awsCheck(aws, 2, `OIDC provider ${provider.host}`, fix, async ({ iam }) => {
        const listed = await iam.send(new ListOpenIDConnectProvidersCommand({}));
        const arns = (listed.OpenIDConnectProviderList ?? []).map((entry) => entry.Arn ?? "");
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

async function roles(config: AppConfig, aws: AwsClients | undefined): Promise<{ findings: Finding[]; arns: RoleArns }> {
  const arns: RoleArns = {};
  if (!config.ciAccess.enabled) return { findings: [], arns };
  const fix = `deploy the ci-access stack locally with administrator credentials: ${deployCommand(config, CI_ACCESS_STACK)}`;
  const findings: Finding[] = [];
  for (const phase of ["plan", "apply"] as const) {
    const name = ciRoleName(config, phase);
    findings.push(
      await awsCheck(aws, 3, `${phase} role ${name}`, fix, async ({ iam }) => {
        const role = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role;
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

/** Steps 1-3: the bucket, the OIDC providers, the roles (and the roles' ARNs for the variables' checks). */
export async function awsChecks(config: AppConfig, aws: AwsClients | undefined): Promise<{ findings: Finding[]; arns: RoleArns }> {
  const findings = [...(await stateBucket(config, aws)), ...(await oidcProviders(config, aws))];
  const roleResult = await roles(config, aws);
  return { findings: [...findings, ...roleResult.findings], arns: roleResult.arns };
}
