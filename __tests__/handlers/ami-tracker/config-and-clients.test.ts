import { ConfiguredRetryStrategy } from "@smithy/util-retry";
import { createClientCache, exponentialBackoff } from "../../../handlers/ami-tracker/clients";
import { readConfig } from "../../../handlers/ami-tracker/tracker";

describe("readConfig", () => {
  test("defaults: /ec2-imagebuilder/latest, the function's own region, AmiTracker", () => {
    expect(readConfig({ AWS_REGION: "eu-west-1" })).toEqual({
      parameterTemplate: "/ec2-imagebuilder/latest",
      trackedRegions: ["eu-west-1"],
      metricsNamespace: "AmiTracker",
      advancedParameters: [],
    });
  });

  test("reads PARAMETER_NAME, TRACKED_REGIONS (comma-separated, spaces allowed) and METRICS_NAMESPACE", () => {
    const config = readConfig({
      AWS_REGION: "eu-west-1",
      PARAMETER_NAME: "/ami/{pipeline}",
      TRACKED_REGIONS: "us-east-1, us-east-2",
      METRICS_NAMESPACE: "Ops",
    });
    expect(config).toEqual({
      parameterTemplate: "/ami/{pipeline}",
      trackedRegions: ["us-east-1", "us-east-2"],
      metricsNamespace: "Ops",
      advancedParameters: [],
    });
  });

  test("reads ADVANCED_TIER_PARAMETERS (comma-separated full names): the shared parameters", () => {
    expect(readConfig({ AWS_REGION: "eu-west-1", ADVANCED_TIER_PARAMETERS: "/ec2-imagebuilder/web/latest, /b" }).advancedParameters).toEqual([
      "/ec2-imagebuilder/web/latest",
      "/b",
    ]);
    expect(() => readConfig({ AWS_REGION: "eu-west-1", ADVANCED_TIER_PARAMETERS: "ec2/web" })).toThrow(
      /ADVANCED_TIER_PARAMETERS: "ec2\/web" is not a parameter name/,
    );
  });

  test("a region that is not a region is rejected, naming it", () => {
    expect(() => readConfig({ TRACKED_REGIONS: "us-est-1x" })).toThrow(/TRACKED_REGIONS: "us-est-1x" is not an AWS region/);
  });

  test("no region at all is rejected", () => {
    expect(() => readConfig({})).toThrow(/TRACKED_REGIONS: is empty and AWS_REGION is not set/);
  });
});

describe("SSM clients", () => {
  test("one client per region, reused, with 6 attempts", async () => {
    // Prepare
    const clientFor = createClientCache();

    // Act
    const first = clientFor("us-east-1");
    const again = clientFor("us-east-1");
    const other = clientFor("us-east-2");

    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(await first.config.region()).toBe("us-east-1");
    const strategy = await first.config.retryStrategy();
    expect(strategy).toBeInstanceOf(ConfiguredRetryStrategy);
    expect(await (strategy as ConfiguredRetryStrategy).maxAttempts()).toBe(6);
  });

  test("backoff grows exponentially with jitter and is capped", () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const ceiling = 125 * 2 ** attempt;
      const delay = exponentialBackoff(attempt);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
    expect(exponentialBackoff(30)).toBeLessThanOrEqual(20_000);
  });
});
