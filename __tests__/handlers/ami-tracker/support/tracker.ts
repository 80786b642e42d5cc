import { createClientCache } from "../../../../handlers/ami-tracker/clients";
import type { Clock } from "../../../../handlers/ami-tracker/ssm-store";
import { createTracker, readConfig, type Tracker, type TrackerConfig } from "../../../../handlers/ami-tracker/tracker";
import type { FakeSsm } from "./fake-ssm";

/** A clock whose sleep returns at once and moves time forward: the wait's budget is spent without waiting. */
export class FakeClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }
}

/**
 * A tracker whose SSM clients are real SDK clients (serializers, error parsing, retry middleware)
 * talking to `fake` through a stub request handler, with zero backoff and a fake clock.
 */
export function trackerOverHttp(fake: FakeSsm, maxAttempts?: number, clock: Clock = new FakeClock()): Tracker {
  const clientFor = createClientCache({
    backoff: () => 0,
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    clientConfig: {
      requestHandler: fake.requestHandler(),
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    },
  });
  return createTracker({ clientFor, clock });
}

export function config(overrides: Record<string, string> = {}): TrackerConfig {
  return readConfig({ AWS_REGION: "us-west-1", ...overrides });
}
