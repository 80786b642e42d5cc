/**
 * The one way this project makes AWS SDK v3 clients, for the tracker Lambda and the operator CLI: region,
 * retries and user agent in one place. Both use the SDK's standard retry mode (throttling, 5xx and transient
 * network errors are retried; `ConfiguredRetryStrategy` is standard mode with a chosen backoff):
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 * What differs between them on purpose is a named profile (RETRY_PROFILES), not a second set-up.
 */
import { ConfiguredRetryStrategy } from "@smithy/util-retry";

/** Delay in ms before retry number `attempt` (1 = the first retry). */
export type Backoff = (attempt: number) => number;

export interface RetryProfile {
  /** Attempts in all, the first included (the SDK's `maxAttempts`). */
  readonly maxAttempts: number;
  /** The first retry waits between half of and twice this; each later one doubles it. */
  readonly baseDelayMs: number;
  /** No single wait is longer. */
  readonly maxDelayMs: number;
  /** Appended to the SDK's user agent (`customUserAgent`), so CloudTrail tells the callers apart. */
  readonly userAgent: string;
}

/**
 * `lambda`: the tracker, invoked by SNS with minutes to spare and writing PutParameter, which SSM throttles at
 * a few TPS: waits of ~250 ms, 500 ms, 1 s, 2 s, 4 s. `interactive`: the operator CLI, where a person waits:
 * the same attempts starting at ~100 ms.
 */
export const RETRY_PROFILES = {
  lambda: { maxAttempts: 6, baseDelayMs: 125, maxDelayMs: 20_000, userAgent: "ami-loop-tracker" },
  interactive: { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 20_000, userAgent: "ami-loop-cli" },
} as const satisfies Record<string, RetryProfile>;

export type ProfileName = keyof typeof RETRY_PROFILES;

/** Exponential backoff, jittered in the upper half: `base * 2^attempt`, capped, halved at most. */
export function exponentialBackoff(profile: Pick<RetryProfile, "baseDelayMs" | "maxDelayMs">): Backoff {
  return (attempt) => {
    const ceiling = Math.min(profile.maxDelayMs, profile.baseDelayMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  };
}

export interface ClientFactoryOptions {
  readonly profile: ProfileName;
  /** @default the profile's */
  readonly maxAttempts?: number;
  /** @default exponentialBackoff of the profile */
  readonly backoff?: Backoff;
  /** Anything else for every client (tests pass a stub `requestHandler` and credentials). @default - none */
  readonly clientConfig?: Readonly<Record<string, unknown>>;
}

/** The configuration every client of a profile gets in `region`. */
export interface ClientConfig {
  readonly region: string;
  readonly retryStrategy: ConfiguredRetryStrategy;
  readonly customUserAgent: string;
}

export function clientConfig(options: ClientFactoryOptions, region: string): ClientConfig {
  const profile: RetryProfile = RETRY_PROFILES[options.profile];
  return {
    ...options.clientConfig,
    region,
    retryStrategy: new ConfiguredRetryStrategy(options.maxAttempts ?? profile.maxAttempts, options.backoff ?? exponentialBackoff(profile)),
    customUserAgent: profile.userAgent,
  };
}

/** A client class of SDK v3: `new SSMClient(config)`. */
export type ClientClass<C> = new (config: ClientConfig) => C;

/**
 * `clientsOf(SSMClient)` gives `(region) => SSMClient`: each region's client created on first use, then
 * reused (across Lambda invocations, or across one CLI command's calls).
 */
export function createClientFactory(options: ClientFactoryOptions): <C>(Client: ClientClass<C>) => (region: string) => C {
  return <C>(Client: ClientClass<C>) => {
    const clients = new Map<string, C>();
    return (region: string) => {
      const cached = clients.get(region);
      if (cached !== undefined) return cached;
      const client = new Client(clientConfig(options, region));
      clients.set(region, client);
      return client;
    };
  };
}
