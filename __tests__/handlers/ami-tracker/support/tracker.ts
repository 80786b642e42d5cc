import { createClientCache } from "../../../../handlers/ami-tracker/clients";
import type { Clock } from "../../../../handlers/ami-tracker/ssm-store";
import { createTracker, readConfig, type Tracker, type TrackerConfig } from "../../../../handlers/ami-tracker/tracker";
import type { FakeSsm } from "./fake-ssm";

/** A clock whose sleep returns at once and moves time forward: the wait's budget is spent without waiting. */
/** The acceptance and fault tests' scenario: the docs' AVAILABLE message replaces build 2 by build 3. */
export const NAME = "/ec2-imagebuilder/latest";
export const DOCS = "sns-message-available-docs.json";
export const NEW_AMI = "ami-01a23bc4def5a6789";
export const NEW_IMAGE_ARN = "arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/3";
export const OLD_TAGS = {
  Source: "EC2 Image Builder",
  AMI_ID: "ami-0aaaaaaaaaaaaaaaa",
  IMAGE_ARN: "arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/2",
  IMAGE_VERSION: "1.0.0",
  IMAGE_BUILD_VERSION: "2",
};

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
