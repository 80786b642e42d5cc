import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, parseConfig } from "../../config";
import { checkParameterName } from "../../config/validators";

describe("configuration", () => {
  test("the default environment file is valid and has the documented defaults", () => {
    const config = loadConfig("default");
    expect(config).toMatchObject({
      environment: "default",
      project: "ssm-patterns",
      region: "us-east-1",
      backend: { type: "local" },
      amiTracker: {
        enabled: true,
        parameterName: "/ec2-imagebuilder/latest",
        trackedRegions: ["us-east-1"],
        memoryMb: 128,
        timeoutSeconds: 60,
        logRetentionDays: 30,
        maxRetryAttempts: 2,
        maxEventAgeSeconds: 3600,
        metricsNamespace: "AmiTracker",
      },
    });
  });

  test("log levels default to INFO and are read case-insensitively", () => {
    const defaults = parseConfig({}, "test");
    expect(defaults.amiTracker).toMatchObject({ applicationLogLevel: "INFO", systemLogLevel: "INFO" });
    const set = parseConfig(
      { amiTracker: { applicationLogLevel: "debug" }, storageFirstApi: { consumer: { applicationLogLevel: "WARN", systemLogLevel: "DEBUG" } } },
      "test",
    );
    expect(set.amiTracker.applicationLogLevel).toBe("DEBUG");
    expect(set.storageFirstApi?.consumer).toMatchObject({ applicationLogLevel: "WARN", systemLogLevel: "DEBUG" });
  });

  test("tracked regions default to the app's region", () => {
    expect(parseConfig({ region: "eu-west-1" }, "test").amiTracker.trackedRegions).toEqual(["eu-west-1"]);
  });

  test("a bucket selects the S3 backend with a key per environment, encryption and S3-native locking", () => {
    const config = parseConfig({ region: "eu-west-1", backend: { bucket: "acme-tf-state" } }, "prod");
    expect(config.backend).toEqual({
      type: "s3",
      bucket: "acme-tf-state",
      region: "eu-west-1",
      keyPrefix: "ssm-patterns/prod",
      useLockfile: true,
    });
  });

  test.each([
    // [what, raw config, expected message: field, value, fix]
    ["an unknown region", { region: "us-est-1" }, /region: "us-est-1" is not an AWS region \(did you mean "us-east-1"/],
    [
      "an unknown tracked region",
      { amiTracker: { trackedRegions: ["us-east-1", "eu-wset-1"] } },
      /amiTracker\.trackedRegions\[1\]: "eu-wset-1" is not an AWS region \(did you mean "eu-west-1"\?\)/,
    ],
    ["no tracked region", { amiTracker: { trackedRegions: [] } }, /amiTracker\.trackedRegions: is empty; list at least one region/],
    [
      "a parameter name with a space",
      { amiTracker: { parameterName: "/ec2 imagebuilder/latest" } },
      /amiTracker\.parameterName: "\/ec2 imagebuilder\/latest" has characters SSM rejects; use letters, digits and _ \. - \/ only/,
    ],
    [
      "a parameter name with levels but no leading slash",
      { amiTracker: { parameterName: "ec2-imagebuilder/latest" } },
      /amiTracker\.parameterName: "ec2-imagebuilder\/latest" has levels but does not start with "\/"/,
    ],
    [
      "an unknown placeholder",
      { amiTracker: { parameterName: "/amis/{recipe}/latest" } },
      /amiTracker\.parameterName: "\/amis\/\{recipe\}\/latest" has unknown placeholder \{recipe\}; only \{pipeline\} and \{image\} exist/,
    ],
    ["a reserved prefix", { amiTracker: { parameterName: "/aws/latest" } }, /amiTracker\.parameterName: "\/aws\/latest" starts with "aws" or "ssm"/],
    [
      "an empty bucket name",
      { backend: { type: "s3", bucket: "" } },
      /backend\.bucket: "" is empty; set it to the name of your state bucket, or remove backend\.type/,
    ],
    ["an S3 backend without a bucket", { backend: { type: "s3" } }, /backend\.bucket: nothing is empty; set it to the name of your state bucket/],
    ["an invalid bucket name", { backend: { bucket: "My_Bucket" } }, /backend\.bucket: "My_Bucket" is not a valid S3 bucket name/],
    ["an unknown backend", { backend: { type: "gcs" } }, /backend\.type: "gcs" is not a backend; use "s3" or "local"/],
    [
      "a misspelt setting",
      { amiTracker: { trackedRegion: ["us-east-1"] } },
      /amiTracker\.trackedRegion: unknown setting; expected one of: enabled, parameterName, trackedRegions/,
    ],
    ["a wrong type", { amiTracker: { memoryMb: "256" } }, /amiTracker\.memoryMb: "256" is not a whole number from 128 to 10240; the default is 128/],
    [
      "a retention CloudWatch refuses",
      { amiTracker: { logRetentionDays: 10 } },
      /amiTracker\.logRetentionDays: 10 is not a retention CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30/,
    ],
    [
      "a log level Lambda does not know",
      { amiTracker: { applicationLogLevel: "VERBOSE" } },
      /amiTracker\.applicationLogLevel: "VERBOSE" is not a Lambda log level; use one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL \(default INFO\)/,
    ],
    [
      "a system log level Lambda does not take",
      { storageFirstApi: { consumer: { systemLogLevel: "ERROR" } } },
      /storageFirstApi\.consumer\.systemLogLevel: "ERROR" is not a Lambda log level; use one of DEBUG, INFO, WARN \(default INFO\)/,
    ],
    ["a reserved tag key", { tags: { "aws:owner": "me" } }, /tags\.aws:owner: tag keys starting with "aws:" are reserved/],
    ["an invalid project name", { project: "My Project" }, /project: "My Project" must be 1-24 lowercase letters/],
  ])("%s fails with the setting, the value and the fix", (_what, raw, message) => {
    expect(() => parseConfig(raw, "test")).toThrow(ConfigError);
    expect(() => parseConfig(raw, "test")).toThrow(message);
  });

  test("every problem is reported at once, not only the first", () => {
    let error: unknown;
    try {
      parseConfig({ region: "mars-1", amiTracker: { parameterName: "bad name", memoryMb: 1 } }, "test");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.path)).toEqual(["region", "amiTracker.parameterName", "amiTracker.memoryMb"]);
  });

  test("APP_ENV names a file that must exist, and a file must be valid JSON", () => {
    const directory = mkdtempSync(join(tmpdir(), "config-"));
    expect(() => loadConfig("staging", directory)).toThrow(/APP_ENV: "staging" has no file config\/environments\/staging\.json/);
    writeFileSync(join(directory, "broken.json"), "{ region: us-east-1 }");
    expect(() => loadConfig("broken", directory)).toThrow(/config\/environments\/broken\.json[\s\S]*is not valid JSON/);
  });

  test.each([
    ["/ec2-imagebuilder/latest", true],
    ["/ec2-imagebuilder/{pipeline}/latest", true],
    ["/ec2-imagebuilder/{pipeline}/{image}", true],
    ["latest-ami", true],
    ["/a//b", false],
    ["/ssm/x", false],
    [`/${Array.from({ length: 16 }, () => "x").join("/")}`, false],
  ])("parameter name %s is valid: %s", (name, valid) => {
    expect(checkParameterName(name, { allowPlaceholders: true }) === undefined).toBe(valid);
  });
});
