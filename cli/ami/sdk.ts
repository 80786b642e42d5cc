/**
 * The SDK edge of the AMI operator CLI: its clients (the project's client factory, `interactive` retry
 * profile) and the errors of a call. Every call names its IAM action and the ARN it acts on, so an error
 * says what failed where (and, for AccessDenied, which permission is missing; with no credentials, how to
 * get them).
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { ImagebuilderClient } from "@aws-sdk/client-imagebuilder";
import { SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type Backoff, createClientFactory, RETRY_PROFILES } from "../../aws-clients/factory";

export const MAX_ATTEMPTS = RETRY_PROFILES.interactive.maxAttempts;

/** The clients of each region, created once. */
export interface AwsClients {
  ssm(region: string): SSMClient;
  ec2(region: string): EC2Client;
  sts(region: string): STSClient;
  imagebuilder(region: string): ImagebuilderClient;
}

export interface AwsClientOptions {
  /** @default 6 */
  readonly maxAttempts?: number;
  /** @default the interactive profile's exponential backoff (~100 ms, 200 ms, 400 ms, ... capped at 20 s) */
  readonly backoff?: Backoff;
  /** Anything else for every client (tests pass a stub `requestHandler` and credentials). @default - none */
  readonly clientConfig?: Readonly<Record<string, unknown>>;
}

/** Clients with the usual credential chain (AWS_PROFILE, environment, SSO, instance role). */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const clientsOf = createClientFactory({ profile: "interactive", ...options });
  return { ssm: clientsOf(SSMClient), ec2: clientsOf(EC2Client), sts: clientsOf(STSClient), imagebuilder: clientsOf(ImagebuilderClient) };
}

/** An AWS call that still failed after the SDK's retries. */
export class AwsCallError extends Error {
  override readonly name = "AwsCallError";
  constructor(
    /** The IAM action, e.g. "ssm:PutParameter". */
    readonly action: string,
    /** The ARN acted on. */
    readonly arn: string,
    /** The AWS error code, e.g. "AccessDeniedException"; "" for an error that is not AWS's (a network error). */
    readonly awsErrorName: string,
    readonly awsMessage: string,
  ) {
    super(
      isAccessDenied(awsErrorName)
        ? `${action} on ${arn} was denied (${awsErrorName}): the caller lacks permission "${action}" on ${arn}; \`npm run ami -- policy\` prints the policy an operator needs`
        : `${action} on ${arn} failed: ${awsErrorName === "" ? "" : `${awsErrorName}: `}${awsMessage}`,
    );
  }
}

/** The credential chain found nothing usable (no profile, no environment keys, an expired SSO session). */
export class NoCredentialsError extends Error {
  override readonly name = "NoCredentialsError";
  constructor(
    readonly action: string,
    detail: string,
  ) {
    super(
      `no usable AWS credentials for ${action} (${detail}): set AWS_PROFILE to a profile of ~/.aws/config (AWS_PROFILE=NAME npm run ami -- ...), or run \`aws sso login --profile NAME\` when that profile uses IAM Identity Center, then run the command again`,
    );
  }
}

/** SSM says AccessDeniedException, EC2 UnauthorizedOperation, STS AccessDenied. */
export function isAccessDenied(errorName: string): boolean {
  return errorName === "AccessDeniedException" || errorName === "AccessDenied" || errorName === "UnauthorizedOperation";
}

/** An error's name and message, also across realms (duck-typed: a jest VM or a worker is another realm). */
function fields(error: unknown): { name?: string; message: string } {
  if (typeof error === "object" && error !== null && "message" in error) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    return { ...(typeof name === "string" ? { name } : {}), message: String(message) };
  }
  return { message: String(error) };
}

/**
 * What the SDK's credential providers throw when the chain finds nothing ("Could not load credentials from
 * any providers") or an SSO token is missing or expired, and what STS says of an expired session token.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-credentials-node.html
 */
export function isMissingCredentials(error: unknown): boolean {
  const { name, message } = fields(error);
  return (
    ["CredentialsProviderError", "TokenProviderError", "ExpiredToken", "ExpiredTokenException"].includes(name ?? "") ||
    /Could not load credentials/i.test(message)
  );
}

/** JavaScript's own error classes: not an AWS error code, so not worth showing. */
const JAVASCRIPT_ERRORS = new Set(["Error", "TypeError", "RangeError", "ReferenceError", "SyntaxError"]);

/** The AWS error code (e.g. "ThrottlingException"), or "" for an error that is not AWS's. */
export function errorName(error: unknown): string {
  const { name } = fields(error);
  return name === undefined || JAVASCRIPT_ERRORS.has(name) ? "" : name;
}

/** The error a failed call surfaces: the CLI's own errors as they are, credentials with the hint, the rest named by action and ARN. */
export function callError(action: string, arn: string, error: unknown): Error {
  if (error instanceof AwsCallError || error instanceof NoCredentialsError) return error;
  const { message } = fields(error);
  if (isMissingCredentials(error)) return new NoCredentialsError(action, message.replace(/\.$/, ""));
  return new AwsCallError(action, arn, errorName(error), message);
}

export async function call<T>(action: string, arn: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw callError(action, arn, error);
  }
}

/** One pointer (parameter) in one region. */
export interface PointerRef {
  readonly name: string;
  readonly region: string;
  readonly arn: string;
}

export interface Caller {
  readonly arn: string;
  readonly account: string;
  readonly partition: string;
}

export async function callerIdentity(clients: AwsClients, region: string): Promise<Caller> {
  const output = await call("sts:GetCallerIdentity", `sts.${region}`, () => clients.sts(region).send(new GetCallerIdentityCommand({})));
  const arn = output.Arn ?? "unknown";
  return { arn, account: output.Account ?? "unknown", partition: arn.split(":")[1] || "aws" };
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
