import { createClientCache } from "../../../../handlers/ami-tracker/clients";
import { createTracker, readConfig, type Tracker, type TrackerConfig } from "../../../../handlers/ami-tracker/tracker";
import type { FakeSsm } from "./fake-ssm";

/**
 * A tracker whose SSM clients are real SDK clients (serializers, error parsing, retry middleware)
 * talking to `fake` through a stub request handler, with zero backoff.
 */
export function trackerOverHttp(fake: FakeSsm, maxAttempts?: number): Tracker {
  const clientFor = createClientCache({
    backoff: () => 0,
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    clientConfig: {
      requestHandler: fake.requestHandler(),
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    },
  });
  return createTracker({ clientFor });
}

export function config(overrides: Record<string, string> = {}): TrackerConfig {
  return readConfig({ AWS_REGION: "us-west-1", ...overrides });
}
