import { ConfigError, loadConfig, parseConfig } from "../../config";
import { targetsFromConfig } from "../../cli/ami/cli";

/** The AMI loop's settings of a pipeline (config/sections/ami-loop.ts): defaults, and what a wrong value says. */
const withPipeline = (extra: Record<string, unknown>, mode = "tracker") => ({ imageBuilder: { pipelines: [{ name: "web", mode, ...extra }] } });

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw, "test");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe("AMI loop settings of a pipeline", () => {
  test("defaults: no channel, no refresh, no example fleet, share or cleanup", () => {
    const [pipeline] = parseConfig(withPipeline({}), "test").imageBuilder.pipelines;
    expect(pipeline).toMatchObject({ channels: [], fleetRefresh: [] });
    expect(pipeline?.exampleFleet).toBeUndefined();
    expect(pipeline?.share).toBeUndefined();
    expect(pipeline?.cleanup).toBeUndefined();
  });

  test("defaults inside each setting: refresh 90 % of latest, example fleet in <region>a on the first channel, read-only share, age 90 DAYS keeping 3", () => {
    const [pipeline] = parseConfig(
      withPipeline({
        channels: ["stable"],
        fleetRefresh: [{ autoScalingGroupName: "web" }],
        exampleFleet: { enabled: true },
        share: { accounts: ["444455556666"] },
        cleanup: {},
      }),
      "test",
    ).imageBuilder.pipelines;
    expect(pipeline?.fleetRefresh).toEqual([{ autoScalingGroupName: "web", channel: "latest", region: "us-east-1", minHealthyPercentage: 90 }]);
    expect(pipeline?.exampleFleet).toEqual({ channel: "stable", region: "us-east-1", instanceType: "t4g.small", availabilityZones: ["us-east-1a"] });
    expect(pipeline?.share).toEqual({ accounts: ["444455556666"], organizationalUnitArns: [], permission: "read-only", allowExternalPrincipals: false });
    expect(pipeline?.cleanup).toEqual({ type: "age", value: 90, unit: "DAYS", retainAtLeast: 3, protectLaunchedWithinDays: 30, previousRecipeVersions: [] });
  });

  test("an example fleet that is not enabled builds nothing", () => {
    expect(parseConfig(withPipeline({ exampleFleet: { enabled: false } }), "test").imageBuilder.pipelines[0]?.exampleFleet).toBeUndefined();
  });

  test.each<[string, Record<string, unknown>, string, RegExp]>([
    ["a channel named latest", { channels: ["latest"] }, "tracker", /channels\[0\]: "latest" is the tracker's own parameter/],
    ["a channel with capitals", { channels: ["Stable"] }, "tracker", /channels\[0\]: "Stable" is not a channel name; use 1-32 lowercase/],
    [
      "a refresh of an undeclared channel",
      { fleetRefresh: [{ autoScalingGroupName: "web", channel: "prod" }] },
      "tracker",
      /fleetRefresh\[0\]\.channel: "prod" is not a pointer of this pipeline; use one of "latest" \(add it to channels first\)/,
    ],
    [
      "skip matching",
      { fleetRefresh: [{ autoScalingGroupName: "web", skipMatching: true }] },
      "tracker",
      /fleetRefresh\[0\]\.skipMatching: true would replace no instance/,
    ],
    [
      "auto rollback",
      { fleetRefresh: [{ autoScalingGroupName: "web", autoRollback: true }] },
      "tracker",
      /fleetRefresh\[0\]\.autoRollback: true is refused by Auto Scaling .* roll back the pointer/,
    ],
    ["a refresh without group", { fleetRefresh: [{}] }, "tracker", /fleetRefresh\[0\]\.autoScalingGroupName: "" is not an Auto Scaling group name/],
    [
      "a zone of another region",
      { exampleFleet: { enabled: true, availabilityZones: ["eu-west-1a"] } },
      "tracker",
      /exampleFleet\.availabilityZones\[0\]: "eu-west-1a" is not an availability zone of "us-east-1"/,
    ],
    ["a share with nobody", { share: {} }, "tracker", /share: shares with nobody; give accounts, organizationArn or organizationalUnitArns/],
    ["a short account ID", { share: { accounts: ["1234"] } }, "tracker", /share\.accounts\[0\]: "1234" is not a 12-digit account ID/],
    [
      "an OU that is an organization",
      { share: { organizationalUnitArns: ["arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5"] } },
      "tracker",
      /share\.organizationalUnitArns\[0\]: .* is not an OU ARN/,
    ],
    [
      "a share of a native pipeline",
      { share: { accounts: ["444455556666"] } },
      "native",
      /share: is set on a native-mode pipeline, whose distribution writes the parameter in the Standard tier/,
    ],
    [
      "cleanup of a native pipeline",
      { cleanup: {} },
      "native",
      /cleanup: is set on a native-mode pipeline: Image Builder writes its parameter and tags no AMI in use/,
    ],
    ["an age unit in lowercase", { cleanup: { unit: "days" } }, "tracker", /cleanup\.unit: "days" is not a unit; use "DAYS"/],
    ["a count of 0", { cleanup: { type: "count", value: 0 } }, "tracker", /cleanup\.value: 0 is not a whole number from 1 to 1000; the default is 90/],
    [
      "a previous recipe version that is not semantic",
      { cleanup: { previousRecipeVersions: ["1.0"] } },
      "tracker",
      /cleanup\.previousRecipeVersions\[0\]: "1.0" is not a semantic version/,
    ],
    [
      "a refresh outside the app's region",
      { regions: ["eu-west-1"], fleetRefresh: [{ autoScalingGroupName: "web" }] },
      "tracker",
      /fleetRefresh: is set but the pipeline's regions \["eu-west-1"\] leave out the app's region "us-east-1"/,
    ],
    [
      "a group in a region the pipeline does not distribute to",
      { regions: ["us-east-1", "eu-west-1"], fleetRefresh: [{ autoScalingGroupName: "web", region: "ap-south-1" }] },
      "tracker",
      /fleetRefresh\[0\]\.region: "ap-south-1" is not one of the pipeline's regions \["us-east-1","eu-west-1"\], where its parameter and channels are written; use one of them, or add "ap-south-1" to regions/,
    ],
    [
      "an example fleet in a region the pipeline does not distribute to",
      { regions: ["us-east-1", "eu-west-1"], exampleFleet: { enabled: true, region: "us-west-2" } },
      "tracker",
      /exampleFleet\.region: "us-west-2" is not one of the pipeline's regions \["us-east-1","eu-west-1"\]/,
    ],
    [
      "an example fleet's zone outside its region",
      { regions: ["us-east-1", "eu-west-1"], exampleFleet: { enabled: true, region: "eu-west-1", availabilityZones: ["us-east-1a"] } },
      "tracker",
      /exampleFleet\.availabilityZones\[0\]: "us-east-1a" is not an availability zone of "eu-west-1"; write it like "eu-west-1a"/,
    ],
    [
      "an unencrypted share without a reason",
      { share: { accounts: ["444455556666"], unencryptedReason: "test" } },
      "tracker",
      /share\.unencryptedReason: "test" does not say why the shared AMIs may be unencrypted; write the reason/,
    ],
    [
      "a disable stage before the deprecate stage",
      { cleanup: { deprecateAfter: 60, disableAfter: 30 } },
      "tracker",
      /cleanup\.disableAfter: 30 must be more than deprecateAfter 60 \(DAYS\): AMIs are deprecated, then disabled, then deleted/,
    ],
    [
      "a stage at or after the deletion",
      { cleanup: { type: "count", value: 5, deprecateAfter: 5 } },
      "tracker",
      /cleanup\.deprecateAfter: 5 must be less than value 5 \(newest AMIs kept\), when the AMIs are deleted; raise value or lower deprecateAfter/,
    ],
    ["a launch backstop past a year", { cleanup: { protectLaunchedWithinDays: 400 } }, "tracker", /cleanup\.protectLaunchedWithinDays/],
    ["a staleness limit of 0 days", { staleAfterDays: 0 }, "tracker", /staleAfterDays/],
    [
      "a staleness alarm over more pointers than one check reads",
      { channels: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], staleAfterDays: 30 },
      "tracker",
      /staleAfterDays: watches "latest" and 10 channels, 11 pointers, but one check reads at most 10 \(SSM GetParameters\); use at most 9 channels/,
    ],
  ])("%s: the message names the field, the value and the fix", (_case, extra, mode, expected) => {
    expect(problems(withPipeline(extra, mode)).join("\n")).toMatch(expected);
  });

  test("issue 25 settings: unencrypted share with its reason, stages, backstop off, scanning and staleness", () => {
    const [pipeline] = parseConfig(
      withPipeline({
        share: { accounts: ["444455556666"], unencryptedReason: "public demo image, no data at rest" },
        cleanup: { type: "count", value: 10, deprecateAfter: 3, disableAfter: 6, protectLaunchedWithinDays: 0 },
        imageScanning: true,
        staleAfterDays: 45,
      }),
      "test",
    ).imageBuilder.pipelines;
    expect(pipeline?.share?.unencryptedReason).toBe("public demo image, no data at rest");
    expect(pipeline?.cleanup).toMatchObject({ deprecateAfter: 3, disableAfter: 6, protectLaunchedWithinDays: 0 });
    expect(pipeline).toMatchObject({ imageScanning: true, staleAfterDays: 45 });
    expect(parseConfig(withPipeline({}), "test").imageBuilder.pipelines[0]).toMatchObject({ imageScanning: false });
  });

  test("a refresh's region is any of the pipeline's regions; left out, the app's", () => {
    const [pipeline] = parseConfig(
      withPipeline({
        regions: ["us-east-1", "eu-west-1"],
        fleetRefresh: [
          { autoScalingGroupName: "web", region: "us-east-1" },
          { autoScalingGroupName: "web-eu", region: "eu-west-1" },
          { autoScalingGroupName: "web-default" },
        ],
      }),
      "test",
    ).imageBuilder.pipelines;
    expect(pipeline?.fleetRefresh).toEqual([
      { autoScalingGroupName: "web", channel: "latest", region: "us-east-1", minHealthyPercentage: 90 },
      { autoScalingGroupName: "web-eu", channel: "latest", region: "eu-west-1", minHealthyPercentage: 90 },
      { autoScalingGroupName: "web-default", channel: "latest", region: "us-east-1", minHealthyPercentage: 90 },
    ]);
  });

  test("a pipeline that leaves out the app's region may refresh a group in one of its own regions", () => {
    const config = withPipeline({
      regions: ["eu-west-1"],
      fleetRefresh: [{ autoScalingGroupName: "web", region: "eu-west-1" }],
      exampleFleet: { enabled: true, region: "eu-west-1" },
    });
    expect(problems(config)).toEqual([]);
    const [pipeline] = parseConfig(config, "test").imageBuilder.pipelines;
    expect(pipeline?.exampleFleet).toMatchObject({ region: "eu-west-1", availabilityZones: ["eu-west-1a"] });
  });

  test("loop alarms: severity and category of the OpsItems, checked", () => {
    expect(problems({ imageBuilder: { loopAlarms: { parameterRejected: { severity: 5, category: "availability" } } } })).toEqual([
      "imageBuilder.loopAlarms.parameterRejected.severity: 5 is not an OpsItem severity; use 1 (critical), 2, 3 or 4 (low); the default is 2",
      'imageBuilder.loopAlarms.parameterRejected.category: "availability" is not an OpsItem category; use one of Availability, Cost, Performance, Recovery, Security (case matters)',
    ]);
  });

  test("the shipped ami-loop environment turns every part on", () => {
    const [web] = loadConfig("ami-loop").imageBuilder.pipelines;
    expect(web?.channels).toEqual(["stable", "prod"]);
    expect(web?.fleetRefresh.length).toBeGreaterThan(0);
    expect(web?.exampleFleet).toBeDefined();
    expect(web?.share?.accounts).toEqual(["444455556666"]);
    expect(web?.cleanup).toBeDefined();
  });
});

describe("channelGates (promotion gates, ami-pointers/gates.ts)", () => {
  test("a gate per channel reaches the pointer model and the CLI's targets", () => {
    const config = parseConfig(withPipeline({ channels: ["stable", "prod"], channelGates: [{ channel: "prod", bakeHours: 24, maxSeverity: "HIGH" }] }), "test");
    expect(config.imageBuilder.pipelines[0]?.channelGates).toEqual([{ channel: "prod", bakeHours: 24, maxSeverity: "HIGH" }]);
    expect(targetsFromConfig(config)[0]?.gates).toEqual([{ channel: "prod", bakeHours: 24, maxSeverity: "HIGH" }]);
    expect(parseConfig(withPipeline({}), "test").imageBuilder.pipelines[0]?.channelGates).toEqual([]);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      "a gate on an undeclared channel",
      { channelGates: [{ channel: "prod", bakeHours: 1 }] },
      /channelGates\[0\]\.channel: "prod" is not one of the pipeline's channels \[\]/,
    ],
    [
      "two gates on one channel",
      {
        channels: ["stable"],
        channelGates: [
          { channel: "stable", bakeHours: 1 },
          { channel: "stable", bakeHours: 2 },
        ],
      },
      /channelGates\[1\]\.channel: "stable" has a gate already/,
    ],
    [
      "a gate that gates nothing",
      { channels: ["stable"], channelGates: [{ channel: "stable" }] },
      /channelGates\[0\]: gates nothing; give bakeHours, maxSeverity or both/,
    ],
    ["a lowercase severity", { channels: ["stable"], channelGates: [{ channel: "stable", maxSeverity: "high" }] }, /channelGates\[0\]\.maxSeverity: .*"high"/],
  ])("%s is refused, naming the setting", (_label, extra, expected) => {
    expect(problems(withPipeline(extra)).join("\n")).toMatch(expected);
  });
});
