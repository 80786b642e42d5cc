/**
 * The plan cache (scripts/plan-tier/lib/plan-cache.ts) through planStackDirectory, with a stand-in `terraform` that
 * logs its calls and prints a fixed `terraform test -json` plan: which changes plan again, which reuse.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import type { PlanJson } from "../../../scripts/plan-tier/lib/plan-result";
import { planStackDirectory } from "../../../scripts/plan-tier/lib/plan-stack";
import type { TerraformContext } from "../../../scripts/plan-tier/lib/terraform-context";
import { PLANNING_CODE, PlanCache, planCacheKey, toolchainDigest, withoutStandInPorts } from "../../../scripts/plan-tier/lib/plan-cache";

const PLAN_LINE = JSON.stringify({
  type: "test_plan",
  test_plan: {
    plan_format_version: "1.2",
    resource_changes: [
      {
        address: "aws_sns_topic.t",
        mode: "managed",
        type: "aws_sns_topic",
        name: "t",
        provider_name: "aws",
        change: { actions: ["create"], before: null, after: {} },
      },
    ],
  },
});

const STACK = {
  terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "~> 5.100" } } },
  provider: { aws: [{ region: "us-east-1" }] },
  resource: { aws_sns_topic: { t: { name: "t" } } },
};

describe("reusing passing plans", () => {
  // Each test starts the stand-in terraform several times: seconds, not milliseconds, on a busy 2-core machine.
  jest.setTimeout(30_000);

  let root = "";
  let calls = "";
  let source = "";
  let context: TerraformContext;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "plan-cache-"));
    calls = join(root, "calls.log");
    const terraform = join(root, "terraform");
    writeFileSync(
      terraform,
      `#!/bin/sh\necho "$1" >> '${calls}'\nif [ "$1" = test ]; then cat <<'PLAN'\n${JSON.stringify({ type: "version", terraform: "1.11.4" })}\n${PLAN_LINE}\nPLAN\nfi\n`,
    );
    chmodSync(terraform, 0o755);
    writeFileSync(calls, "");
    source = join(root, "source", "stack");
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, "cdk.tf.json"), JSON.stringify(STACK));
    const mirror = join(root, "mirror");
    mkdirSync(mirror);
    writeFileSync(join(mirror, "terraform-provider-aws"), "binary");
    context = {
      terraform,
      mirror: undefined,
      env: process.env,
      archiveMode: "provider",
      cache: new PlanCache<PlanJson>(join(root, "cache"), toolchainDigest("1.11.4 linux_amd64", mirror)),
    };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const commands = (): string[] => readFileSync(calls, "utf8").split("\n").filter(Boolean);
  const plan = (folder: string, planContext = context) => planStackDirectory(source, join(root, "work", folder), planContext);

  it("plans a stack once, then gives the same plan back without running terraform", async () => {
    // Act
    const first = await plan("a");
    const second = await plan("b");

    // Assess
    expect(first).toMatchObject({ ok: true, toAdd: 1, terraformCommands: ["init", "test"] });
    expect(first.cachedFrom).toBeUndefined();
    expect(second).toMatchObject({ ok: true, toAdd: 1, terraformCommands: [] });
    expect(second.cachedFrom).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(second.plan).toEqual(first.plan);
    expect(commands()).toEqual(["init", "test"]);
  });

  it("plans again when a byte of the stack changes", async () => {
    await plan("a");
    writeFileSync(join(source, "cdk.tf.json"), JSON.stringify({ ...STACK, resource: { aws_sns_topic: { t: { name: "u" } } } }));
    const changed = await plan("b");
    expect(changed.cachedFrom).toBeUndefined();
    expect(commands()).toEqual(["init", "test", "init", "test"]);
  });

  it("plans again under another toolchain: terraform, a provider binary, or the planning code", async () => {
    await plan("a");
    const cache = join(root, "cache");
    const otherTerraform = { ...context, cache: new PlanCache<PlanJson>(cache, toolchainDigest("1.12.0 linux_amd64", join(root, "mirror"))) };
    expect((await plan("b", otherTerraform)).cachedFrom).toBeUndefined();
    utimesSync(join(root, "mirror", "terraform-provider-aws"), new Date(0), new Date(0));
    const otherProvider = { ...context, cache: new PlanCache<PlanJson>(cache, toolchainDigest("1.11.4 linux_amd64", join(root, "mirror"))) };
    expect((await plan("c", otherProvider)).cachedFrom).toBeUndefined();
    // A change of the planning code (every file in PLANNING_CODE, below): a stand-in of the project's tree.
    const code = join(root, "code");
    for (const file of PLANNING_CODE) {
      mkdirSync(dirname(join(code, file)), { recursive: true });
      writeFileSync(join(code, file), file);
    }
    const before = toolchainDigest("1.11.4 linux_amd64", join(root, "mirror"), code);
    writeFileSync(join(code, "aws/arn.ts"), "changed");
    expect(toolchainDigest("1.11.4 linux_amd64", join(root, "mirror"), code)).not.toBe(before);
    expect(commands()).toEqual(["init", "test", "init", "test", "init", "test"]);
  });

  it("keeps no failing plan, and plans afresh when asked not to reuse", async () => {
    const failing = join(root, "terraform-failing");
    writeFileSync(failing, `#!/bin/sh\necho "$1" >> '${calls}'\n[ "$1" = init ] || exit 1\n`);
    chmodSync(failing, 0o755);
    expect((await plan("a", { ...context, terraform: failing })).ok).toBe(false);
    expect((await plan("b")).cachedFrom).toBeUndefined();
    const fresh = await planStackDirectory(source, join(root, "work", "c"), context, "stack", false, 0, false);
    expect(fresh.cachedFrom).toBeUndefined();
    expect(commands()).toEqual(["init", "test", "init", "test", "init", "test"]);
  });

  it("keys a folder by its bytes, not by the stand-ins' port of the run", () => {
    const folder = join(root, "keyed");
    mkdirSync(folder);
    const override = (port: number) => JSON.stringify({ provider: { aws: [{ endpoints: [{ sfn: `http://127.0.0.1:${port}` }] }] } });
    writeFileSync(join(folder, "zz_offline_plan_provider_override.tf.json"), override(40001));
    const first = planCacheKey(folder, "toolchain");
    writeFileSync(join(folder, "zz_offline_plan_provider_override.tf.json"), override(40002));
    expect(planCacheKey(folder, "toolchain")).toBe(first);
    expect(planCacheKey(folder, "another toolchain")).not.toBe(first);
    writeFileSync(join(folder, "cdk.tf.json"), "{}");
    expect(planCacheKey(folder, "toolchain")).not.toBe(first);
    expect(withoutStandInPorts("http://127.0.0.1:8080/x")).toBe("http://127.0.0.1:PORT/x");
  });

  it("forgets entries nobody used for two weeks", async () => {
    await plan("a");
    const cache = new PlanCache<PlanJson>(join(root, "cache"), "unused");
    cache.prune(Date.now() + 13 * 24 * 60 * 60 * 1000);
    expect((await plan("b")).cachedFrom).toBeDefined();
    cache.prune(Date.now() + 15 * 24 * 60 * 60 * 1000);
    expect((await plan("c")).cachedFrom).toBeUndefined();
  });
});

describe("the plan cache's key", () => {
  const PROJECT = resolve(__dirname, "../../..");
  let code = "";
  let mirror = "";
  const key = () => toolchainDigest("1.11.4 linux_amd64", mirror, code);

  beforeAll(() => {
    const root = mkdtempSync(join(tmpdir(), "plan-cache-key-"));
    code = join(root, "code");
    mirror = join(root, "mirror");
    mkdirSync(mirror);
    for (const file of [...PLANNING_CODE, "scripts/plan-tier/plan-fixtures.ts", "README.md"]) {
      mkdirSync(dirname(join(code, file)), { recursive: true });
      writeFileSync(join(code, file), `the text of ${file}`);
    }
  });
  afterAll(() => rmSync(dirname(code), { recursive: true, force: true }));

  it.each(PLANNING_CODE)("changes when %s changes", (file) => {
    const before = key();
    writeFileSync(join(code, file), `another text of ${file}`);
    expect(key()).not.toBe(before);
  });

  it.each(["scripts/plan-tier/plan-fixtures.ts", "README.md"])("stays the same when %s, which no plan reads, changes", (file) => {
    const before = key();
    writeFileSync(join(code, file), "changed");
    expect(key()).toBe(before);
  });

  it("declares every project file the pool imports, transitively (aws/arn.ts through the stand-ins, the cache helper)", () => {
    const specifiers = (file: string): string[] =>
      [...readFileSync(join(PROJECT, file), "utf8").matchAll(/(?:\bfrom\s*|\brequire\s*\(\s*)["'](\.[^"']+)["']/g)].map((match) => String(match[1]));
    const resolveImport = (from: string, specifier: string): string => {
      const target = relative(PROJECT, resolve(PROJECT, dirname(from), specifier));
      return /\.c?[jt]s$/.test(target) ? target : `${target}.ts`;
    };
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of specifiers(file)) visit(resolveImport(file, specifier));
    };
    visit("scripts/plan-tier/lib/plan-pool.ts");

    expect([...seen].sort()).toEqual([...PLANNING_CODE].sort());
  });
});
