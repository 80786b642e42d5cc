/**
 * The one client factory (aws-clients/factory.ts): each profile's retries and user agent, shown through the
 * SDK's real middleware (a stub HTTP handler answers SSM's JSON protocol, so the retry strategy is what
 * retries and the header is what the SDK sends), and that the tracker and the CLI build clients only with it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { Readable } from "node:stream";
import { EC2Client } from "@aws-sdk/client-ec2";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { HttpResponse, type HttpRequest } from "@smithy/protocol-http";
import { ConfiguredRetryStrategy } from "@smithy/util-retry";
import { clientConfig, createClientFactory, exponentialBackoff, RETRY_PROFILES, type ProfileName } from "../../aws-clients/factory";
import { createClientCache, createEc2ClientCache } from "../../handlers/ami-tracker/clients";
import { createAwsClients } from "../../cli/ami/sdk";

const ROOT = resolve(__dirname, "../..");
const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

/** Answers `failures` ThrottlingExceptions, then a parameter; records each request's user agent. */
function stub(failures: number) {
  const userAgents: string[] = [];
  let left = failures;
  const json = (statusCode: number, body: unknown, errorType?: string) =>
    new HttpResponse({
      statusCode,
      headers: { "content-type": "application/x-amz-json-1.1", ...(errorType !== undefined ? { "x-amzn-errortype": errorType } : {}) },
      body: Readable.from([Buffer.from(JSON.stringify(body))]),
    });
  const requestHandler = {
    handle: async (request: HttpRequest) => {
      userAgents.push(`${request.headers["user-agent"] ?? ""} ${request.headers["x-amz-user-agent"] ?? ""}`);
      if (left-- > 0) return { response: json(400, { __type: "ThrottlingException", message: "Rate exceeded" }, "ThrottlingException") };
      return { response: json(200, { Parameter: { Name: "/p", Value: "ami-0123456789abcdef0", Version: 1 } }) };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return { userAgents, clientConfig: { requestHandler, credentials: CREDENTIALS } };
}

describe("profiles", () => {
  test.each(Object.keys(RETRY_PROFILES) as ProfileName[])("%s: standard retry mode with the profile's attempts, region and user agent", async (name) => {
    const config = clientConfig({ profile: name }, "eu-west-1");
    expect(config.region).toBe("eu-west-1");
    expect(config.retryStrategy).toBeInstanceOf(ConfiguredRetryStrategy);
    expect(config.retryStrategy.mode).toBe("standard");
    expect(await config.retryStrategy.maxAttempts()).toBe(RETRY_PROFILES[name].maxAttempts);
    expect(config.customUserAgent).toBe(RETRY_PROFILES[name].userAgent);
  });

  test("where they differ on purpose: the Lambda waits longer between attempts than the CLI a person waits on", () => {
    expect(RETRY_PROFILES.lambda).toEqual({ maxAttempts: 6, baseDelayMs: 125, maxDelayMs: 20_000, userAgent: "ami-loop-tracker" });
    expect(RETRY_PROFILES.interactive).toEqual({ maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 20_000, userAgent: "ami-loop-cli" });
  });

  test.each(Object.keys(RETRY_PROFILES) as ProfileName[])("%s backoff: base * 2^attempt, jittered in its upper half, capped", (name) => {
    const profile = RETRY_PROFILES[name];
    const backoff = exponentialBackoff(profile);
    for (let attempt = 1; attempt <= 5; attempt++) {
      for (let sample = 0; sample < 50; sample++) {
        const delay = backoff(attempt);
        expect(delay).toBeGreaterThanOrEqual((profile.baseDelayMs * 2 ** attempt) / 2);
        expect(delay).toBeLessThanOrEqual(profile.baseDelayMs * 2 ** attempt);
      }
    }
    expect(backoff(30)).toBeLessThanOrEqual(profile.maxDelayMs);
    expect(backoff(30)).toBeGreaterThanOrEqual(profile.maxDelayMs / 2);
  });

  test("maxAttempts and backoff may be overridden; anything else goes to the client as given", async () => {
    const config = clientConfig({ profile: "lambda", maxAttempts: 2, backoff: () => 7, clientConfig: { credentials: CREDENTIALS } }, "us-east-1");
    expect(await config.retryStrategy.maxAttempts()).toBe(2);
    expect((config as unknown as { credentials: unknown }).credentials).toBe(CREDENTIALS);
  });
});

describe("the factory", () => {
  test("one client per class and region, created on first use and reused", async () => {
    const clientsOf = createClientFactory({ profile: "interactive" });
    const ssmFor = clientsOf(SSMClient);
    const ec2For = clientsOf(EC2Client);
    expect(ssmFor("us-east-1")).toBe(ssmFor("us-east-1"));
    expect(ssmFor("us-east-2")).not.toBe(ssmFor("us-east-1"));
    expect(ec2For("us-east-1")).toBeInstanceOf(EC2Client);
    expect(await ssmFor("us-east-2").config.region()).toBe("us-east-2");
  });

  test.each([
    [
      "the tracker (lambda)",
      "ami-loop-tracker",
      (config: Record<string, unknown>) => createClientCache({ backoff: () => 0, clientConfig: config })("us-east-1"),
    ],
    [
      "the CLI (interactive)",
      "ami-loop-cli",
      (config: Record<string, unknown>) => createAwsClients({ backoff: () => 0, clientConfig: config }).ssm("us-east-1"),
    ],
  ])("%s: throttled 5 times, answered on the 6th attempt, every request sending %s", async (_side, userAgent, create) => {
    const { userAgents, clientConfig: config } = stub(5);
    const output = await create(config).send(new GetParameterCommand({ Name: "/p" }));
    expect(output.Parameter?.Value).toBe("ami-0123456789abcdef0");
    expect(userAgents).toHaveLength(6);
    for (const header of userAgents) expect(header).toContain(userAgent);
  });

  test.each([
    ["the tracker (lambda)", (config: Record<string, unknown>) => createClientCache({ backoff: () => 0, clientConfig: config })("us-east-1")],
    ["the CLI (interactive)", (config: Record<string, unknown>) => createAwsClients({ backoff: () => 0, clientConfig: config }).ssm("us-east-1")],
  ])("%s: throttled on every attempt, gives up after 6", async (_side, create) => {
    const { userAgents, clientConfig: config } = stub(100);
    await expect(create(config).send(new GetParameterCommand({ Name: "/p" }))).rejects.toThrow("Rate exceeded");
    expect(userAgents).toHaveLength(6);
  });

  test("the tracker's EC2 clients come from the same factory and profile", async () => {
    const ec2 = createEc2ClientCache()("us-west-2");
    expect(ec2).toBeInstanceOf(EC2Client);
    const strategy = await ec2.config.retryStrategy();
    expect(strategy).toBeInstanceOf(ConfiguredRetryStrategy);
    expect(await (strategy as ConfiguredRetryStrategy).maxAttempts()).toBe(RETRY_PROFILES.lambda.maxAttempts);
  });
});

describe("one factory", () => {
  function sourceFiles(folder: string): string[] {
    return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
      .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
  }

  test("no handler or CLI file sets up SDK retries itself: only aws-clients/factory.ts names a retry strategy", () => {
    const setUp = ["handlers", "cli", "aws-clients"]
      .flatMap(sourceFiles)
      .filter((file) => /RetryStrategy|maxAttempts:\s|retryMode/.test(readFileSync(join(ROOT, file), "utf8")));
    expect(setUp).toEqual(["aws-clients/factory.ts"]);
  });

  test("aws-clients/ imports only the SDK's packages, so the tracker's bundle and the CLI may both import it", () => {
    const imports = sourceFiles("aws-clients").flatMap((file) =>
      [...readFileSync(join(ROOT, file), "utf8").matchAll(/\bfrom\s*["']([^"']+)["']/g)].map((match) => String(match[1])),
    );
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((specifier) => !/^@(aws-sdk|smithy)\//.test(specifier))).toEqual([]);
  });
});
