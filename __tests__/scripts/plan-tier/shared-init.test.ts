/**
 * One `terraform init` per set of required providers (scripts/plan-tier/lib/shared-init.ts) through planStackDirectory,
 * with a stand-in `terraform` that logs each call with its TF_DATA_DIR and writes a lock file on init.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planStackDirectory } from "../../../scripts/plan-tier/lib/plan-stack";
import type { TerraformContext } from "../../../scripts/plan-tier/lib/terraform-context";
import { InitPool, initSignature } from "../../../scripts/plan-tier/lib/shared-init";

const PLAN_LINE = JSON.stringify({
  type: "test_plan",
  test_plan: { plan_format_version: "1.2", resource_changes: [] },
});

const stack = (version: string, extra: Record<string, unknown> = {}) => ({
  terraform: { required_providers: { aws: { source: "aws", version } } },
  provider: { aws: [{ region: "us-east-1" }] },
  resource: { aws_sns_topic: { t: { name: "t" } } },
  ...extra,
});

describe("one terraform init per set of required providers", () => {
  // Each test starts the stand-in terraform several times: seconds, not milliseconds, on a busy 2-core machine.
  jest.setTimeout(30_000);

  let root = "";
  let calls = "";
  let context: TerraformContext;

  const terraformScript = (initExit: number) =>
    `#!/bin/sh\necho "$1 \${TF_DATA_DIR:-own}" >> '${calls}'\n` +
    `if [ "$1" = init ]; then [ ${initExit} = 0 ] || { echo "Error: no provider" >&2; exit ${initExit}; }; echo 'provider "aws" {}' > .terraform.lock.hcl; mkdir -p "\${TF_DATA_DIR:-.terraform}"; fi\n` +
    `if [ "$1" = test ]; then [ -f .terraform.lock.hcl ] || exit 3; echo '${PLAN_LINE}'; fi\n`;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "shared-init-"));
    calls = join(root, "calls.log");
    writeFileSync(calls, "");
    const terraform = join(root, "terraform");
    writeFileSync(terraform, terraformScript(0));
    chmodSync(terraform, 0o755);
    context = { terraform, mirror: undefined, env: process.env, archiveMode: "provider", initPool: new InitPool(join(root, "init")) };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const source = (name: string, json: object): string => {
    const folder = join(root, "source", name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "cdk.tf.json"), JSON.stringify(json));
    return folder;
  };
  const logged = (): string[] => readFileSync(calls, "utf8").split("\n").filter(Boolean);

  it("initializes once for stacks that require the same providers, and plans each with that data directory", async () => {
    // Act
    const first = await planStackDirectory(source("a", stack("~> 5.100")), join(root, "work", "a"), context, "a");
    const second = await planStackDirectory(source("b", stack("~> 5.100")), join(root, "work", "b"), context, "b");

    // Assess
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect(first.terraformCommands).toEqual(["init", "test"]);
    expect(second.terraformCommands).toEqual(["test"]);
    const dataDirectory = join(root, "init", "0", ".terraform");
    expect(logged()).toEqual([`init ${dataDirectory}`, `test ${dataDirectory}`, `test ${dataDirectory}`]);
    expect(readFileSync(join(root, "work", "b", ".terraform.lock.hcl"), "utf8")).toBe('provider "aws" {}\n');
  });

  it("initializes again for other providers, and a stack that calls a module initializes on its own", async () => {
    await planStackDirectory(source("a", stack("~> 5.100")), join(root, "work", "a"), context, "a");
    const pinned = await planStackDirectory(source("b", stack("5.100.0")), join(root, "work", "b"), context, "b");
    const withModule = await planStackDirectory(source("c", stack("~> 5.100", { module: { m: { source: "./m" } } })), join(root, "work", "c"), context, "c");
    expect(pinned.terraformCommands).toEqual(["init", "test"]);
    expect(withModule.terraformCommands).toEqual(["init", "test"]);
    expect(logged().filter((line) => line.startsWith("init"))).toEqual([
      `init ${join(root, "init", "0", ".terraform")}`,
      `init ${join(root, "init", "1", ".terraform")}`,
      "init own",
    ]);
  });

  it("reports a failing first init on that stack, and lets the next stack run its own", async () => {
    writeFileSync(context.terraform, terraformScript(1));
    const first = await planStackDirectory(source("a", stack("~> 5.100")), join(root, "work", "a"), context, "a");
    const second = await planStackDirectory(source("b", stack("~> 5.100")), join(root, "work", "b"), context, "b");
    expect(first).toMatchObject({ ok: false, failedPhase: "init" });
    expect(first.error).toContain("Error: no provider");
    expect(second).toMatchObject({ ok: false, failedPhase: "init", terraformCommands: ["init"] });
    expect(logged()).toEqual([`init ${join(root, "init", "0", ".terraform")}`, "init own"]);
  });

  it("keys a stack by its required providers, sorted, and not at all when it calls modules", () => {
    const a = initSignature({ terraform: { required_providers: { aws: { version: "~> 5.100" }, archive: { version: "~> 2.7" } } } });
    const b = initSignature({ terraform: { required_providers: { archive: { version: "~> 2.7" }, aws: { version: "~> 5.100" } } } });
    expect(a).toBe(b);
    expect(initSignature({ terraform: { required_providers: { aws: { version: "5.100.0" } } } })).not.toBe(a);
    expect(initSignature({ module: {}, terraform: {} })).toBeUndefined();
  });
});
