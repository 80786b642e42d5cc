/**
 * SSM and EC2 clients, one per region, created once and reused across invocations, from the project's
 * one client factory (aws-clients/factory.ts) with its `lambda` retry profile: 6 attempts, exponential
 * backoff from ~250 ms (PutParameter is throttled at a few TPS).
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { type Backoff, createClientFactory, exponentialBackoff as backoffOf, RETRY_PROFILES } from "../../aws-clients/factory";

export type { Backoff } from "../../aws-clients/factory";

export const MAX_ATTEMPTS = RETRY_PROFILES.lambda.maxAttempts;

/** The tracker's backoff: ~250 ms, 500 ms, 1 s, 2 s, 4 s (capped at 20 s). */
export const exponentialBackoff: Backoff = backoffOf(RETRY_PROFILES.lambda);

export interface ClientCacheOptions {
  /** @default exponentialBackoff */
  readonly backoff?: Backoff;
  /** @default 6 */
  readonly maxAttempts?: number;
  /** Anything else for the client (tests pass a stub `requestHandler` and credentials). @default - none */
  readonly clientConfig?: Readonly<Record<string, unknown>>;
}

function factory(options: ClientCacheOptions) {
  return createClientFactory({ profile: "lambda", ...options });
}

/** A `clientFor(region)` that creates each region's client on first use and caches it. */
export function createClientCache(options: ClientCacheOptions = {}): (region: string) => SSMClient {
  return factory(options)(SSMClient);
}

/** The same for EC2 (the in-use tags of AMIs): one client per region, the same retries. */
export function createEc2ClientCache(options: ClientCacheOptions = {}): (region: string) => EC2Client {
  return factory(options)(EC2Client);
}
