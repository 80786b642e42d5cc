import { readFileSync } from "node:fs";
import Ajv, { type ErrorObject } from "ajv";
import fc from "fast-check";
import { ConfigError, parseConfig } from "../../config";
import { PARAMETER_NAME_TEMPLATE } from "../../config/patterns";
import { checkParameterName } from "../../config/validators";
import { CONFIG_SCHEMA_FILE } from "../../scripts/generators/config-schema";

/**
 * Every mistake in one setting that synth rejects, config/schema.json rejects too (so an editor flags it
 * while typing), and synth says which setting, which value and the fix. ajv is a dev dependency; the
 * app never loads it.
 */
const schema = JSON.parse(readFileSync(CONFIG_SCHEMA_FILE, "utf8")) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function ajvErrors(raw: unknown): ErrorObject[] {
  return validate(raw) ? [] : (validate.errors ?? []);
}

function synthProblems(raw: unknown): string[] {
  try {
    parseConfig(raw, "test");
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
}

const pipeline = (extra: Record<string, unknown>) => ({ imageBuilder: { pipelines: [{ name: "web", ...extra }] } });

// [mistake, raw configuration, the instance path ajv reports, synth's message: setting, value and fix]
const MISTAKES: readonly [string, Record<string, unknown>, string, RegExp][] = [
  ["region typo", { region: "eu-wset-1" }, "/region", /^region: "eu-wset-1" is not an AWS region \(did you mean "eu-west-1"\?\)/],
  [
    "tracked region typo",
    { amiTracker: { trackedRegions: ["eu-wset-1"] } },
    "/amiTracker/trackedRegions/0",
    /trackedRegions\[0\]: "eu-wset-1" is not an AWS region/,
  ],
  [
    "pipeline region typo",
    pipeline({ regions: ["us-east-1", "eu-wset-1"] }),
    "/imageBuilder/pipelines/0/regions/1",
    /regions\[1\]: "eu-wset-1" is not an AWS region/,
  ],
  ["backend region typo", { backend: { bucket: "acme-state", region: "eu-wset-1" } }, "/backend/region", /backend\.region: "eu-wset-1" is not an AWS region/],
  [
    "a region listed twice",
    pipeline({ regions: ["us-east-1", "us-east-1"] }),
    "/imageBuilder/pipelines/0/regions",
    /regions: lists us-east-1 twice; list each region once/,
  ],
  ["no region at all", { amiTracker: { trackedRegions: [] } }, "/amiTracker/trackedRegions", /trackedRegions: is empty; list at least one region/],
  [
    "logRetentionDays 45",
    { amiTracker: { logRetentionDays: 45 } },
    "/amiTracker/logRetentionDays",
    /amiTracker\.logRetentionDays: 45 is not a retention CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30/,
  ],
  [
    "API access log retention 45",
    { storageFirstApi: { stage: { accessLogRetentionDays: 45 } } },
    "/storageFirstApi/stage/accessLogRetentionDays",
    /45 is not a retention/,
  ],
  [
    "project with capitals and _",
    { project: "Acme_Corp" },
    "/project",
    /^project: "Acme_Corp" must be 1-24 lowercase letters, digits or "-", starting with a letter/,
  ],
  ["project ending in -", { project: "acme-" }, "/project", /^project: "acme-" must be/],
  [
    "SSM parameter name with a space",
    { amiTracker: { parameterName: "/ec2 images/latest" } },
    "/amiTracker/parameterName",
    /amiTracker\.parameterName: "\/ec2 images\/latest" has characters SSM rejects; use letters, digits and _ \. - \/ only/,
  ],
  [
    "SSM parameter name under aws",
    { amiTracker: { parameterName: "/aws/latest" } },
    "/amiTracker/parameterName",
    /starts with "aws" or "ssm", which SSM reserves/,
  ],
  [
    "SSM parameter name with an unknown placeholder",
    { amiTracker: { parameterName: "/ami/{name}" } },
    "/amiTracker/parameterName",
    /unknown placeholder \{name\}/,
  ],
  ["pipeline name with capitals", pipeline({ name: "Web" }), "/imageBuilder/pipelines/0/name", /pipelines\[0\]\.name: "Web" must be 1-40 lowercase letters/],
  [
    "memory below Lambda's 128 MB",
    { amiTracker: { memoryMb: 64 } },
    "/amiTracker/memoryMb",
    /amiTracker\.memoryMb: 64 is not a whole number from 128 to 10240; the default is 128/,
  ],
  ["timeout over 900 s", { amiTracker: { timeoutSeconds: 901 } }, "/amiTracker/timeoutSeconds", /901 is not a whole number from 3 to 900/],
  [
    "alarm period not a multiple of 60",
    { alarms: { trackerErrors: { periodSeconds: 90 } } },
    "/alarms/trackerErrors/periodSeconds",
    /periodSeconds: 90 is not a multiple of 60/,
  ],
  ["OpsItem severity 7", { alarms: { trackerErrors: { severity: 7 } } }, "/alarms/trackerErrors/severity", /severity: 7 is not an OpsItem severity/],
  ["unknown top-level key", { regoin: "us-east-1" }, "", /^regoin: unknown setting; expected one of:/],
  ["unknown nested key", { backend: { bucket: "acme-state", lockfile: true } }, "/backend", /backend\.lockfile: unknown setting/],
  ["a tag key under aws:", { tags: { "aws:owner": "me" } }, "/tags", /tags\.aws:owner: tag keys starting with "aws:" are reserved by AWS/],
  ["an account ID of 11 digits", { accountId: "44445555666" }, "/accountId", /accountId: "44445555666" is not a 12-digit AWS account ID/],
  ["a bucket name with capitals", { backend: { bucket: "Acme-State" } }, "/backend/bucket", /backend\.bucket: "Acme-State" is not a valid S3 bucket name/],
  ["a key prefix ending in /", { backend: { bucket: "acme-state", keyPrefix: "team/" } }, "/backend/keyPrefix", /keyPrefix: "team\/" is not a key prefix/],
  [
    "a KMS key that is none of its forms",
    { backend: { bucket: "acme-state", kmsKeyId: "my-key" } },
    "/backend/kmsKeyId",
    /kmsKeyId: "my-key" is not a KMS key reference/,
  ],
  ["an instance type without a size", pipeline({ instanceTypes: ["t4g"] }), "/imageBuilder/pipelines/0/instanceTypes/0", /"t4g" is not an instance type/],
  ["a recipe version of two parts", pipeline({ recipeVersion: "1.0" }), "/imageBuilder/pipelines/0/recipeVersion", /"1\.0" is not a semantic version/],
  [
    "a share account of letters",
    pipeline({ share: { accounts: ["acme"] } }),
    "/imageBuilder/pipelines/0/share/accounts/0",
    /"acme" is not a 12-digit account ID/,
  ],
  ["a channel listed twice", pipeline({ channels: ["stable", "stable"] }), "/imageBuilder/pipelines/0/channels", /channels: lists stable twice/],
  ["a channel with capitals", pipeline({ channels: ["Prod"] }), "/imageBuilder/pipelines/0/channels/0", /"Prod" is not a channel name/],
  ["a channel named latest", pipeline({ channels: ["latest"] }), "/imageBuilder/pipelines/0/channels/0", /"latest" is the tracker's own parameter/],
  [
    "a queue key with capitals",
    { storageFirstApi: { queues: { Orders: {} } } },
    "/storageFirstApi/queues",
    /queues\.Orders: "Orders" is not a usable queue key/,
  ],
  [
    "a route key without a method",
    { storageFirstApi: { routes: { "/orders": { integration: { subtype: "SQS-SendMessage" } } } } },
    "/storageFirstApi/routes",
    /"\/orders" is not a route key; write "METHOD \/path"/,
  ],
  [
    "a GitHub repository without owner",
    { ciAccess: { github: { repository: "ssm-patterns" } } },
    "/ciAccess/github/repository",
    /"ssm-patterns" is not a GitHub repository/,
  ],
  [
    "a branch written as a ref",
    { ciAccess: { github: { repository: "acme/app", mainBranch: "refs/heads/main" } } },
    "/ciAccess/github/mainBranch",
    /"refs\/heads\/main" is not a branch name/,
  ],
  ["an e-mail address without a domain", { alarms: { emailAddresses: ["ops"] } }, "/alarms/emailAddresses/0", /"ops" is not an e-mail address/],
];

describe("a mistake in one setting: ajv with config/schema.json and synth both reject it", () => {
  test.each(MISTAKES)("%s", (_mistake, raw, instancePath, message) => {
    // Act
    const errors = ajvErrors(raw);
    const problems = synthProblems(raw);

    // Assess
    expect(errors.map((error) => error.instancePath)).toContain(instancePath);
    expect(problems).toContainEqual(expect.stringMatching(message));
  });

  test('every pattern in the schema compiles with the "u" flag, as ajv and VS Code\'s JSON language service compile it', () => {
    const patterns: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === "object" && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === "pattern" && typeof value === "string") patterns.push(value);
          if (key === "patternProperties" && typeof value === "object" && value !== null) patterns.push(...Object.keys(value));
          walk(value);
        }
      }
    };
    walk(schema);
    expect(patterns.length).toBeGreaterThan(30);
    for (const pattern of patterns) expect(() => new RegExp(pattern, "u")).not.toThrow();
  });

  test("the parameter-name pattern and synth's SSM name rules agree on any name (placeholders allowed, length aside)", () => {
    const level = fc.stringMatching(/^([a-zA-Z0-9_.-]|\{pipeline\}|\{image\}|\{x\}| |a|w|s|m|S|\/){0,8}$/);
    fc.assert(
      fc.property(fc.array(level, { maxLength: 17 }), fc.boolean(), (levels, leadingSlash) => {
        const name = (leadingSlash ? "/" : "") + levels.join("/");
        expect([name, PARAMETER_NAME_TEMPLATE.test(name)]).toEqual([name, checkParameterName(name, { allowPlaceholders: true }) === undefined]);
      }),
      { numRuns: 2000 },
    );
  });

  test("what stays synth-only, and why", () => {
    // Unique by a property (two pipelines, launch templates or fleet refreshes with one name): JSON Schema has
    // uniqueItems (whole items) and nothing for one property; ajv-keywords' uniqueItemProperties is not
    // standard, and VS Code's JSON language service ignores keywords it does not know. Keyed maps (queues,
    // routes, stateMachines) are unique by construction.
    const twoPipelines = { imageBuilder: { pipelines: [{ name: "web" }, { name: "web", parameterName: "/ami/other" }] } };
    expect(ajvErrors(twoPipelines)).toEqual([]);
    expect(synthProblems(twoPipelines)).toContainEqual(expect.stringMatching(/pipelines\[1\]\.name: "web" is already the name of pipelines\[0\]/));
    // Depends on other settings or on this Node.js: cron fields, IANA time zones (Intl), one writer per
    // parameter, regions a fleet must share with its pipeline, subtype parameters of a route, the CI role
    // name's length (project, environment file name and region together).
    const zone = pipeline({ scheduleTimezone: "Europe/Pariss" });
    expect(ajvErrors(zone)).toEqual([]);
    expect(synthProblems(zone)).toContainEqual(expect.stringMatching(/"Europe\/Pariss" is not an IANA time zone \(did you mean "Europe\/Paris"\?\)/));
  });
});

describe("a new setting is one edit: what the schema says is what synth reads", () => {
  const properties = (schema as { properties: Record<string, { properties?: Record<string, { default?: unknown }> }> }).properties;

  test.each(["amiTracker", "imageBuilder", "alarms", "stateBootstrap", "storageFirstApi", "amiConsumer"])(
    "%s: every setting with a default in config/schema.json is read with that default from an empty file",
    (section) => {
      const read = parseConfig({}, "test") as unknown as Record<string, Record<string, unknown>>;
      const defaults = Object.entries(properties[section]?.properties ?? {}).filter(([, setting]) => setting.default !== undefined);
      expect(defaults.length).toBeGreaterThan(0);
      for (const [key, setting] of defaults) expect([key, read[section]?.[key]]).toEqual([key, setting.default]);
    },
  );

  test("a pipeline's settings with a default, its loop's included, are read with that default", () => {
    const pipelineSchema = (
      properties["imageBuilder"]?.properties as unknown as {
        pipelines: { items: { properties: Record<string, { default?: unknown; properties?: Record<string, { default?: unknown }> }> } };
      }
    ).pipelines.items.properties;
    const config = parseConfig(
      {
        imageBuilder: {
          pipelines: [
            {
              name: "web",
              share: { organizationArn: "arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5" },
              cleanup: {},
              fleetRefresh: [{ autoScalingGroupName: "web" }],
            },
          ],
        },
      },
      "test",
    );
    const pipeline = config.imageBuilder.pipelines[0] as unknown as Record<string, Record<string, unknown>>;
    const withDefault = (settings: Record<string, { default?: unknown }> | undefined) =>
      Object.entries(settings ?? {}).filter(([, setting]) => setting.default !== undefined);
    for (const [key, setting] of withDefault(pipelineSchema).filter(([key]) => key !== "fleetRefresh")) {
      expect([key, pipeline[key]]).toEqual([key, setting.default]);
    }
    for (const nested of ["share", "cleanup"]) {
      for (const [key, setting] of withDefault(pipelineSchema[nested]?.properties))
        expect([nested, key, pipeline[nested]?.[key]]).toEqual([nested, key, setting.default]);
    }
    const fleet = (pipelineSchema["fleetRefresh"] as unknown as { items: { properties: Record<string, { default?: unknown }> } }).items.properties;
    const refresh = (pipeline["fleetRefresh"] as unknown as Record<string, unknown>[])[0] ?? {};
    for (const [key, setting] of withDefault(fleet).filter(([key]) => key !== "skipMatching" && key !== "autoRollback")) {
      expect([key, refresh[key]]).toEqual([key, setting.default]);
    }
  });
});
