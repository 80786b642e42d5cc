import { readFileSync } from "node:fs";
import { join } from "node:path";
import { callsPerStack, secondsPerStack } from "../../../scripts/bench/tier";
import { PROJECT_ROOT } from "../../../stacks/constructs/bundle";

const read = (file: string): string => readFileSync(join(PROJECT_ROOT, file), "utf8");
const packageJson = JSON.parse(read("package.json")) as { version: string; license: string; scripts: Record<string, string> };

describe("files a new user looks for", () => {
  it("has an MIT LICENSE, as package.json says", () => {
    expect(packageJson.license).toBe("MIT");
    expect(read("LICENSE")).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
    expect(read("LICENSE")).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  it("has a CHANGELOG.md with an Unreleased section and the package's version", () => {
    const changelog = read("CHANGELOG.md");
    expect(changelog).toMatch(/^# Changelog\n/);
    expect(changelog).toContain("## [Unreleased]");
    expect(changelog).toContain(`## [${packageJson.version}]`);
  });
});

describe("the version check of cdktf and terraform", () => {
  // Scripts that run cdktf or terraform (directly or through the tier, the offline plan, HCL fmt or the bench).
  it.each(["synth", "synth:hcl", "synth:tsx", "bench", "plan:offline", "cdktf"])("is off in npm run %s", (script) => {
    expect(packageJson.scripts[script]).toMatch(/^CHECKPOINT_DISABLE=1 /);
  });

  it("is off for jest in npm test (the env prefix applies to the command right after it)", () => {
    expect(packageJson.scripts["test"]).toMatch(/&& CHECKPOINT_DISABLE=1 jest$/);
  });

  it("is explained in the README", () => {
    expect(read("README.md")).toMatch(/CHECKPOINT_DISABLE=1/);
  });
});

describe("npm run bench -- --tier-only", () => {
  it("counts calls per stack folder from the PATH wrapper's log, init aside", () => {
    const log = [
      "/tmp/x/plan/default/ami-tracker\tinit",
      "/tmp/x/plan/default/ami-tracker\tvalidate",
      "/tmp/x/plan/default/ami-tracker\tplan",
      "/tmp/x/plan/default/ami-tracker\tshow",
      "/tmp/x/plan/default/api\tinit",
      "/tmp/x/plan/default/api\ttest",
      "",
    ].join("\n");
    expect(callsPerStack(log)).toEqual([
      { stack: "default/ami-tracker", commands: ["init", "validate", "plan", "show"], loads: 3 },
      { stack: "default/api", commands: ["init", "test"], loads: 1 },
    ]);
  });

  it("reads seconds per stack from plan:offline's summary table", () => {
    const summary = [
      "stack                add  change  destroy  replace  warnings  seconds  status",
      "-------------------  ---  ------  -------  -------  --------  -------  ------",
      "default/ami-tracker   31       0        0        0         0     24.4  ok",
      "3 stack(s), 24.4 s of terraform in all, 24.4 s per stack",
    ].join("\n");
    expect([...secondsPerStack(summary)]).toEqual([["default/ami-tracker", 24.4]]);
  });
});
