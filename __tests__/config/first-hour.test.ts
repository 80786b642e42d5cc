import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, parseConfig } from "../../config";

function pipelineWith(settings: Record<string, unknown>): Record<string, unknown> {
  return { imageBuilder: { pipelines: [{ name: "web", ...settings }] } };
}

describe("the first hour: messages a new user meets", () => {
  test.each([
    [
      "amiTracker.reservedConcurrency",
      { amiTracker: { reservedConcurrency: -1 } },
      /amiTracker\.reservedConcurrency: -1 is not a whole number from 1 to 1000; the default is unreserved: leave it out/,
    ],
    [
      "storageFirstApi.consumer.reservedConcurrency",
      { storageFirstApi: { consumer: { reservedConcurrency: 1 } } },
      /storageFirstApi\.consumer\.reservedConcurrency: 1 is not a whole number from 2 to 1000; the default is unreserved: leave it out/,
    ],
  ])("a wrong %s says the default is unreserved, not a number", (_setting, raw, message) => {
    expect(() => parseConfig(raw, "test")).toThrow(message);
    expect(() => parseConfig(raw, "test")).not.toThrow(/the default is \d/);
  });

  test("a misspelt time zone fails, with the zone it probably meant", () => {
    expect(() => parseConfig(pipelineWith({ scheduleTimezone: "Europe/Pariss" }), "test")).toThrow(
      /imageBuilder\.pipelines\[0\]\.scheduleTimezone: "Europe\/Pariss" is not an IANA time zone \(did you mean "Europe\/Paris"\?\)/,
    );
  });

  test.each(["Etc/UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5", "US/Eastern"])("time zone %s is accepted", (zone) => {
    expect(parseConfig(pipelineWith({ scheduleTimezone: zone }), "test").imageBuilder.pipelines[0]?.scheduleTimezone).toBe(zone);
  });

  describe("files", () => {
    let directory: string;
    beforeEach(() => {
      directory = mkdtempSync(join(tmpdir(), "config-"));
    });
    afterEach(() => rmSync(directory, { recursive: true, force: true }));

    test("a JSON syntax error gives line and column, not a position", () => {
      writeFileSync(join(directory, "broken.json"), '{\n  "project": "demo",\n  region: "us-east-1"\n}\n');
      expect(() => loadConfig("broken", directory)).toThrow(/\(file\): is not valid JSON: line 3, column 3: /);
      expect(() => loadConfig("broken", directory)).not.toThrow(/position/);
    });

    test("APP_ENV naming no file lists the environments that exist", () => {
      writeFileSync(join(directory, "default.json"), "{}");
      writeFileSync(join(directory, "staging.json"), "{}");
      let error: unknown;
      try {
        loadConfig("prod", directory);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(
        /APP_ENV: "prod" has no file config\/environments\/prod\.json; create it or set APP_ENV to one of: default, staging/,
      );
    });

    test("the shipped environments are listed when APP_ENV names none of them", () => {
      expect(() => loadConfig("prod")).toThrow(/set APP_ENV to one of: (?=.*\bdefault\b)(?=.*\bhcp-example\b)/);
    });
  });
});
