/**
 * SSM clients, one per region, created once and reused across invocations.
 * Retries: ~6 attempts with exponential backoff (PutParameter is throttled at a few TPS).
 */
import { EC2Client, type EC2ClientConfig } from "@aws-sdk/client-ec2";
import { SSMClient, type SSMClientConfig } from "@aws-sdk/client-ssm";
import { ConfiguredRetryStrategy } from "@smithy/util-retry";

export const MAX_ATTEMPTS = 6;

/** Delay in ms before retry number `attempt` (1 = the first retry). */
export type Backoff = (attempt: number) => number;

/** Exponential backoff with jitter: ~250 ms, 500 ms, 1 s, 2 s, 4 s (capped at 20 s). */
export const exponentialBackoff: Backoff = (attempt) => {
  const ceiling = Math.min(20_000, 125 * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
};

export interface ClientCacheOptions {
  /** @default exponentialBackoff */
  readonly backoff?: Backoff;
  /** @default 6 */
  readonly maxAttempts?: number;
  /** Anything else for the client (tests pass a stub `requestHandler` and credentials). @default - none */
  readonly clientConfig?: Omit<SSMClientConfig, "region" | "retryStrategy">;
}

/** `create(region)` called once per region, the result reused across invocations. */
function perRegion<T>(create: (region: string) => T): (region: string) => T {
  const clients = new Map<string, T>();
  return (region) => {
    const cached = clients.get(region);
    if (cached !== undefined) return cached;
    const client = create(region);
    clients.set(region, client);
    return client;
  };
}

/** A `clientFor(region)` that creates each region's client on first use and caches it. */
export function createClientCache(options: ClientCacheOptions = {}): (region: string) => SSMClient {
  return perRegion(
    (region) =>
      new SSMClient({
        ...options.clientConfig,
        region,
        retryStrategy: new ConfiguredRetryStrategy(options.maxAttempts ?? MAX_ATTEMPTS, options.backoff ?? exponentialBackoff),
      }),
  );
}

/** The same for EC2 (the in-use tags of AMIs): one client per region, the same retries. */
export function createEc2ClientCache(
  options: Omit<ClientCacheOptions, "clientConfig"> & { readonly clientConfig?: Omit<EC2ClientConfig, "region" | "retryStrategy"> } = {},
): (region: string) => EC2Client {
  return perRegion(
    (region) =>
      new EC2Client({
        ...options.clientConfig,
        region,
        retryStrategy: new ConfiguredRetryStrategy(options.maxAttempts ?? MAX_ATTEMPTS, options.backoff ?? exponentialBackoff),
      }),
  );
}
