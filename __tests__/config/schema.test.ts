import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { ConfigError, CONFIG_DIRECTORY, parseConfig } from "../../config";
import { configJsonSchemaText } from "../../config/schema";
import { CONFIG_SCHEMA_FILE } from "../../scripts/generators/config-schema";

// ajv is an independent validator of config/schema.json: the app's own reader never uses it.
const schemaText = readFileSync(CONFIG_SCHEMA_FILE, "utf8");
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(schemaText) as object);
const environments = readdirSync(CONFIG_DIRECTORY)
  .filter((file) => file.endsWith(".json"))
  .sort();

function appProblems(raw: unknown): string[] {
  try {
    parseConfig(raw, "test");
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
}

describe("config/schema.json", () => {
  test("is current: npm run config:schema writes the same bytes", () => {
    expect(schemaText).toBe(configJsonSchemaText());
  });

  test("every shipped environment names it in $schema", () => {
    expect(environments.length).toBeGreaterThanOrEqual(5);
    for (const file of environments) {
      const raw = JSON.parse(readFileSync(join(CONFIG_DIRECTORY, file), "utf8")) as Record<string, unknown>;
      expect([file, raw["$schema"]]).toEqual([file, "../schema.json"]);
    }
  });

  test.each(environments)("%s validates against it with ajv", (file) => {
    const raw: unknown = JSON.parse(readFileSync(join(CONFIG_DIRECTORY, file), "utf8"));
    expect(validate(raw) ? [] : validate.errors).toEqual([]);
  });

  test.each([
    ["a misspelt top-level key", { regoin: "us-east-1" }, "/", "regoin", ""],
    ["a misspelt amiTracker key", { amiTracker: { trackedRegion: ["us-east-1"] } }, "/amiTracker", "trackedRegion", "amiTracker.trackedRegion"],
    [
      "a misspelt pipeline key",
      { imageBuilder: { pipelines: [{ name: "web", schedul: "cron(0 4 ? * MON *)" }] } },
      "/imageBuilder/pipelines/0",
      "schedul",
      "imageBuilder.pipelines[0].schedul",
    ],
    [
      "a misspelt route key",
      { storageFirstApi: { routes: { "POST /x": { integration: { subtype: "SQS-SendMessage", paramters: {} } } } } },
      "/storageFirstApi/routes/POST ~1x/integration",
      "paramters",
      'storageFirstApi.routes["POST /x"].integration.paramters',
    ],
  ])("%s is an error for ajv and for the app", (_what, raw, instancePath, key, appPath) => {
    // Prepare / Act
    const ajvAccepts = validate(raw);
    const problems = appProblems(raw);
    // Assess
    expect(ajvAccepts).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ keyword: "additionalProperties", instancePath: instancePath === "/" ? "" : instancePath, params: { additionalProperty: key } }),
    );
    expect(problems.some((problem) => problem.startsWith(`${appPath === "" ? key : appPath}: unknown setting; expected one of:`))).toBe(true);
  });

  test("a broken file (wrong types, out of range, unknown enum value) is rejected by both", () => {
    const broken = {
      $schema: "../schema.json",
      amiTracker: { memoryMb: "256", reservedConcurrency: -1 },
      backend: { type: "gcs" },
      alarms: { trackerErrors: { severity: 7 } },
    };
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath)).toEqual(
      expect.arrayContaining(["/amiTracker/memoryMb", "/amiTracker/reservedConcurrency", "/backend/type", "/alarms/trackerErrors/severity"]),
    );
    expect(appProblems(broken).map((problem) => problem.split(":")[0])).toEqual(
      expect.arrayContaining(["amiTracker.memoryMb", "amiTracker.reservedConcurrency", "backend.type", "alarms.trackerErrors.severity"]),
    );
  });

  test("each setting's default is written once, in the schema, and the app applies it", () => {
    const properties = (JSON.parse(schemaText) as { properties: Record<string, { properties: Record<string, { default?: unknown }> }> }).properties;
    const config = parseConfig({}, "test");
    expect(config.amiTracker.memoryMb).toBe(properties["amiTracker"]?.properties["memoryMb"]?.default);
    expect(config.amiTracker.parameterName).toBe(properties["amiTracker"]?.properties["parameterName"]?.default);
    expect(config.stateBootstrap.noncurrentVersionDays).toBe(properties["stateBootstrap"]?.properties["noncurrentVersionDays"]?.default);
    expect(config.project).toBe((properties["project"] as unknown as { default: string }).default);
  });
});
