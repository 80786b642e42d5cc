import { buildSync } from "esbuild";
import fc from "fast-check";
import { join } from "node:path";
import { ConfigError } from "../../config";
import { checkParameterName } from "../../config/validators";
import { ConfigError as HandlerConfigError, readConfig } from "../../handlers/ami-tracker/tracker";
import { parameterNameProblem } from "../../aws/ssm-parameter-name";

const ROOT = join(__dirname, "..", "..");

describe("one set of SSM parameter-name rules for the configuration and the tracker Lambda", () => {
  test("both accept and refuse the same names", () => {
    const nameCharacter = fc.constantFrom(..."aAzZ09_.-/ {}$".split(""));
    const names = fc.oneof(
      fc.array(nameCharacter, { maxLength: 40 }).map((characters) => characters.join("")),
      fc.constantFrom("/ec2-imagebuilder/latest", "latest-ami", "/aws/x", "SSM-x", "/a//b", "a/b", "/", `/${"x".repeat(1011)}`),
      fc.array(fc.constantFrom("a", "bb"), { minLength: 14, maxLength: 17 }).map((levels) => `/${levels.join("/")}`),
    );
    fc.assert(
      fc.property(names, (name) => {
        expect([name, checkParameterName(name, { allowPlaceholders: false }) === undefined]).toEqual([name, parameterNameProblem(name) === undefined]);
      }),
      { numRuns: 2000 },
    );
  });

  test("the Lambda's bundle holds the shared rules and the one ConfigError, and no schema library", () => {
    const result = buildSync({
      entryPoints: ["handlers/ami-tracker/index.ts"],
      absWorkingDir: ROOT,
      bundle: true,
      platform: "node",
      format: "cjs",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toEqual(expect.arrayContaining(["aws/ssm-parameter-name.ts", "config/errors.ts"]));
    expect(inputs.filter((input) => input.includes("typebox") || input.startsWith("config/sections/") || input === "config/reader.ts")).toEqual([]);
  });

  test("the Lambda throws the configuration's ConfigError, naming the setting", () => {
    expect(HandlerConfigError).toBe(ConfigError);
    expect(() => readConfig({ TRACKED_REGIONS: "us-est-1x" })).toThrow(ConfigError);
  });
});
