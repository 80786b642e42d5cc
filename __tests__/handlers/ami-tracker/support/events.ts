import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Context, SNSEvent } from "aws-lambda";
import { captureOutput, type CapturedOutput } from "../../support/output";

const FIXTURES = join(__dirname, "..", "..", "..", "fixtures", "image-builder");

/** A fixture's raw text (kept as text: `semver` must not go through JSON.parse and back). */
export function fixtureText(file: string): string {
  return readFileSync(join(FIXTURES, file), "utf8");
}

/** A fixture parsed, for tests that mutate it. */
export function fixtureJson(file: string): Record<string, unknown> {
  const value: unknown = JSON.parse(fixtureText(file));
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${file} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Wraps SNS `Message` texts into the Lambda event SNS delivers. */
export function snsEvent(...messages: string[]): SNSEvent {
  return {
    Records: messages.map((message, index) => ({
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: "arn:aws:sns:us-east-1:123456789012:ib-notices:00000000-0000-0000-0000-000000000000",
      Sns: {
        Type: "Notification",
        MessageId: `message-${index + 1}`,
        TopicArn: "arn:aws:sns:us-east-1:123456789012:ib-notices",
        Subject: "",
        Message: message,
        Timestamp: "2024-08-27T20:07:10.268Z",
        SignatureVersion: "1",
        Signature: "EXAMPLE",
        SigningCertUrl: "https://sns.us-east-1.amazonaws.com/cert.pem",
        UnsubscribeUrl: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
        MessageAttributes: {},
      },
    })),
  };
}

/** A Lambda context whose function ARN names `account` and `region`. */
export function lambdaContext(account: string, region = "us-east-1"): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "ami-tracker",
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:ami-tracker`,
    memoryLimitInMB: "256",
    awsRequestId: "request-1",
    logGroupName: "/aws/lambda/ami-tracker",
    logStreamName: "2024/08/27/[$LATEST]0000",
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Captures the log and EMF lines (Powertools writes them to stdout/stderr), so they can be asserted and the test output stays quiet. */
export function captureConsole(): CapturedOutput {
  return captureOutput();
}

/** The EMF lines among captured lines that carry `metric`. */
export function emfLines(lines: Array<Record<string, unknown>>, metric: string): Array<Record<string, unknown>> {
  return lines.filter((line) => "_aws" in line && metric in line);
}
