import { loadConfig, parseConfig } from "../../config";
import { checkImageBuilderCron, templateCovers } from "../../config/sections/image-builder";

const pipeline = (extra: Record<string, unknown> = {}) => ({ name: "web", ...extra });
const withPipelines = (pipelines: unknown[], extra: Record<string, unknown> = {}) => ({ imageBuilder: { pipelines }, ...extra });

describe("imageBuilder configuration", () => {
  test("defaults: no pipeline (bring your own); a pipeline gets tracker mode, the app's region, a weekly cron and the arm64 AL2023 parent", () => {
    expect(parseConfig({}, "test").imageBuilder).toEqual({
      pipelines: [],
      loopAlarms: {
        fleetRefreshFailed: { severity: 2, category: "Availability" },
        parameterRejected: { severity: 2, category: "Availability" },
        pointerStale: { severity: 2, category: "Availability" },
      },
      logRetentionDays: 30,
      securityGroupIds: [],
    });
    expect(parseConfig(withPipelines([pipeline()]), "test").imageBuilder.pipelines[0]).toEqual({
      name: "web",
      resourceName: "ssm-patterns-test-web",
      mode: "tracker",
      parameterName: "/ec2-imagebuilder/latest",
      regions: ["us-east-1"],
      schedule: "cron(0 4 ? * MON *)",
      scheduleTimezone: "Etc/UTC",
      onlyWhenUpdated: true,
      parentImage: "amazon-linux-2023-arm64",
      instanceTypes: ["t4g.small"],
      recipeVersion: "1.0.0",
      volumeSizeGb: 10,
      exampleLaunchTemplate: false,
      channels: [],
      fleetRefresh: [],
      imageScanning: false,
    });
  });

  test("the default environment has one example pipeline and its launch template; every environment file is valid", () => {
    const pipelines = loadConfig("default").imageBuilder.pipelines;
    expect(pipelines.map((entry) => [entry.name, entry.mode, entry.exampleLaunchTemplate])).toEqual([["example", "tracker", true]]);
    expect(loadConfig("multi-pipeline").imageBuilder.pipelines.map((entry) => entry.mode)).toEqual(["tracker", "tracker", "native"]);
    expect(loadConfig("bring-your-own").imageBuilder.pipelines).toEqual([]);
  });

  test("tracker mode resolves {pipeline} and {image} with the Image Builder name of the pipeline", () => {
    const config = parseConfig(withPipelines([pipeline()], { amiTracker: { parameterName: "/amis/{pipeline}/{image}" } }), "test");
    expect(config.imageBuilder.pipelines[0]?.parameterName).toBe("/amis/ssm-patterns-test-web/ssm-patterns-test-web");
  });

  test("native mode resolves its own template and defaults to /ec2-imagebuilder/{pipeline}/latest", () => {
    const config = parseConfig(withPipelines([pipeline({ mode: "native" }), { name: "db", mode: "native", parameterName: "/golden/db" }]), "test");
    expect(config.imageBuilder.pipelines.map((entry) => entry.parameterName)).toEqual(["/ec2-imagebuilder/ssm-patterns-test-web/latest", "/golden/db"]);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      "duplicate pipeline names",
      withPipelines([pipeline(), pipeline()]),
      /imageBuilder\.pipelines\[1\]\.name: "web" is already the name of pipelines\[0\]; give each pipeline its own name/,
    ],
    [
      "a native-mode pipeline writing the tracker's parameter",
      withPipelines([pipeline({ mode: "native", parameterName: "/ec2-imagebuilder/latest" })]),
      /imageBuilder\.pipelines\[0\]\.parameterName: "\/ec2-imagebuilder\/latest" in us-east-1 is a native-mode parameter, but the tracker may write it too \(amiTracker\.parameterName "\/ec2-imagebuilder\/latest" covers it\); choose a name outside that pattern, or set this pipeline's mode to "tracker"/,
    ],
    [
      "a native-mode pipeline inside the tracker's templated pattern",
      withPipelines([pipeline({ mode: "native" })], { amiTracker: { parameterName: "/ec2-imagebuilder/{pipeline}/latest" } }),
      /pipelines\[0\]\.parameterName: "\/ec2-imagebuilder\/ssm-patterns-test-web\/latest" in us-east-1 is a native-mode parameter, but the tracker may write it too/,
    ],
    [
      "two tracker-mode pipelines on one fixed parameter",
      withPipelines([pipeline(), { name: "db" }]),
      /pipelines\[1\]\.parameterName: "\/ec2-imagebuilder\/latest" in us-east-1 is also written by pipelines\[0\] \("web"\); .*put "\{pipeline\}" in amiTracker\.parameterName/,
    ],
    [
      "two native pipelines on one parameter",
      withPipelines([pipeline({ mode: "native", parameterName: "/golden/x" }), { name: "db", mode: "native", parameterName: "/golden/x" }]),
      /pipelines\[1\]\.parameterName: "\/golden\/x" in us-east-1 is also written by pipelines\[0\] \("web"\); .*give each pipeline its own parameterName/,
    ],
    [
      "a tracker-mode parameter the tracker would not write",
      withPipelines([pipeline({ parameterName: "/other/name" })]),
      /pipelines\[0\]\.parameterName: "\/other\/name" is not what the tracker writes for this pipeline \("\/ec2-imagebuilder\/latest", from amiTracker\.parameterName "\/ec2-imagebuilder\/latest"\); leave it out/,
    ],
    ["an unknown mode", withPipelines([pipeline({ mode: "both" })]), /pipelines\[0\]\.mode: "both" is not a mode; use "tracker" .* or "native"/],
    [
      "a bad cron",
      withPipelines([pipeline({ schedule: "0 4 * * 1" })]),
      /pipelines\[0\]\.schedule: "0 4 \* \* 1" is not a cron expression; write cron\(\.\.\.\) with six fields/,
    ],
    ["a five-field cron", withPipelines([pipeline({ schedule: "cron(0 4 * * ?)" })]), /has 5 fields, Image Builder needs six/],
    ["an hour out of range", withPipelines([pipeline({ schedule: "cron(0 25 ? * MON *)" })]), /hour "25" must be 0-23/],
    ["both day fields set", withPipelines([pipeline({ schedule: "cron(0 4 * * MON *)" })]), /exactly one of day-of-month and day-of-week must be "\?"/],
    [
      "a bad region",
      withPipelines([pipeline({ regions: ["us-east-1", "eu-wst-1"] })]),
      /pipelines\[0\]\.regions\[1\]: "eu-wst-1" is not an AWS region \(did you mean "eu-west-1"/,
    ],
    ["no region", withPipelines([pipeline({ regions: [] })]), /pipelines\[0\]\.regions: is empty; list at least one region/],
    ["a region twice", withPipelines([pipeline({ regions: ["eu-west-1", "eu-west-1"] })]), /pipelines\[0\]\.regions: lists eu-west-1 twice/],
    [
      "a bad pipeline name",
      withPipelines([pipeline({ name: "Web_Server" })]),
      /pipelines\[0\]\.name: "Web_Server" must be 1-40 lowercase letters, digits or "-"/,
    ],
    ["a pipeline without a name", withPipelines([{ regions: ["us-east-1"] }]), /pipelines\[0\]\.name: nothing is set; name the pipeline/],
    ["pipelines not a list", { imageBuilder: { pipelines: { name: "web" } } }, /imageBuilder\.pipelines: .* is not a list/],
    [
      "an x86 instance for an arm64 parent",
      withPipelines([pipeline({ instanceTypes: ["t3.small"] })]),
      /instanceTypes\[0\]: "t3\.small" is x86_64 but parentImage "amazon-linux-2023-arm64" is arm64; use a Graviton type/,
    ],
    ["a bad parent image", withPipelines([pipeline({ parentImage: "Amazon Linux!" })]), /pipelines\[0\]\.parentImage: "Amazon Linux!" is not a parent image/],
    ["a bad recipe version", withPipelines([pipeline({ recipeVersion: "1.0" })]), /recipeVersion: "1\.0" is not a semantic version/],
    [
      "a launch template in a region the pipeline skips",
      withPipelines([pipeline({ regions: ["eu-west-1"], exampleLaunchTemplate: true })]),
      /exampleLaunchTemplate: is true but regions \["eu-west-1"\] leave out the app's region "us-east-1"/,
    ],
    [
      "a subnet without security groups",
      { imageBuilder: { subnetId: "subnet-0123456789abcdef0" } },
      /imageBuilder\.securityGroupIds: is empty but subnetId is set/,
    ],
    ["an unknown pipeline setting", withPipelines([pipeline({ cron: "x" })]), /pipelines\[0\]\.cron: unknown setting/],
    [
      "a log retention CloudWatch refuses",
      { imageBuilder: { logRetentionDays: 10 } },
      /imageBuilder\.logRetentionDays: 10 is not a retention CloudWatch Logs accepts/,
    ],
  ])("refuses %s, naming the setting, the value and the fix", (_name, raw, message) => {
    expect(() => parseConfig(raw, "test")).toThrow(message);
  });

  test.each([
    ["cron(0 4 ? * MON *)", true],
    ["cron(30 2 1 * ? *)", true],
    ["cron(0 0/6 ? * MON-FRI *)", true],
    ["cron(0 4 L * ? *)", true],
    ["cron(0 4 ? * 2#1 *)", true],
    ["rate(1 day)", false],
    ["cron(60 4 ? * MON *)", false],
    ["cron(0 4 ? * MON * *)", false],
  ])("cron %s is accepted: %s", (expression, ok) => {
    expect(checkImageBuilderCron(expression) === undefined).toBe(ok);
  });

  test("the tracker's pattern covers a name the way IAM's * does (across levels)", () => {
    expect(templateCovers("/ec2-imagebuilder/{pipeline}/latest", "/ec2-imagebuilder/web/latest")).toBe(true);
    expect(templateCovers("/ec2-imagebuilder/{pipeline}/latest", "/ec2-imagebuilder/a/b/latest")).toBe(true);
    expect(templateCovers("/ec2-imagebuilder/{pipeline}/latest", "/golden/web")).toBe(false);
    expect(templateCovers("/ec2-imagebuilder/latest", "/ec2-imagebuilder/latest")).toBe(true);
    expect(templateCovers("/a.b/latest", "/axb/latest")).toBe(false);
  });
});

describe("alarms configuration", () => {
  test("defaults: enabled, no e-mail, severities 2/2/3 and categories Availability/Recovery/Availability", () => {
    expect(parseConfig({}, "test").alarms).toEqual({
      enabled: true,
      emailAddresses: [],
      trackerErrors: { severity: 2, category: "Availability", threshold: 1, periodSeconds: 300, evaluationPeriods: 1 },
      deadLetterMessages: { severity: 2, category: "Recovery", threshold: 1, periodSeconds: 300, evaluationPeriods: 1 },
      buildsFailed: { severity: 3, category: "Availability", threshold: 1, periodSeconds: 300, evaluationPeriods: 1 },
    });
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      "severity 0",
      { trackerErrors: { severity: 0 } },
      /alarms\.trackerErrors\.severity: 0 is not an OpsItem severity; use 1 \(critical\), 2, 3 or 4 \(low\); the default is 2/,
    ],
    ["severity 5", { buildsFailed: { severity: 5 } }, /alarms\.buildsFailed\.severity: 5 is not an OpsItem severity/],
    ["severity as a string", { buildsFailed: { severity: "2" } }, /alarms\.buildsFailed\.severity: "2" is not an OpsItem severity/],
    [
      "an unknown category",
      { deadLetterMessages: { category: "Outage" } },
      /alarms\.deadLetterMessages\.category: "Outage" is not an OpsItem category; use one of Availability, Cost, Performance, Recovery, Security/,
    ],
    [
      "a category in the wrong case",
      { deadLetterMessages: { category: "recovery" } },
      /category: "recovery" is not an OpsItem category; write "Recovery" \(case matters\)/,
    ],
    ["a period not a multiple of 60", { trackerErrors: { periodSeconds: 90 } }, /alarms\.trackerErrors\.periodSeconds: 90 is not a multiple of 60/],
    ["more than a day of periods", { trackerErrors: { periodSeconds: 3600, evaluationPeriods: 25 } }, /evaluationPeriods: 25 periods of 3600 s exceed one day/],
    ["a bad e-mail address", { emailAddresses: ["ops"] }, /alarms\.emailAddresses\[0\]: "ops" is not an e-mail address/],
    ["an unknown alarm", { lambdaThrottles: {} }, /alarms\.lambdaThrottles: unknown setting; expected one of/],
  ])("refuses %s", (_name, alarms, message) => {
    expect(() => parseConfig({ alarms }, "test")).toThrow(message);
  });
});
