/**
 * The shared aws provider of the offline plan (scripts/plan-tier/lib/shared-provider.ts), with stand-in provider
 * binaries (shell scripts) in place of the 675 MB one: it starts, reports a failing start loudly, says
 * how it exited, and stops.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  installedAwsProvider,
  parseReattachLine,
  reattachSocket,
  SharedProviderPool,
  startSharedProvider,
} from "../../../scripts/plan-tier/lib/shared-provider";

const REATTACH =
  '{"registry.terraform.io/hashicorp/aws":{"Protocol":"grpc","ProtocolVersion":5,"Pid":1,"Test":true,"Addr":{"Network":"unix","String":"/tmp/p"}}}';

let folder = "";
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "shared-provider-"));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = join(folder, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** What terraform-provider-aws prints in -debug mode (tf5server.WithManagedDebug), then it waits. */
const debugProvider = (): string =>
  script(
    "provider",
    `[ "$1" = "-debug" ] || exit 3\ncat <<'EOF'\nProvider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='${REATTACH}'\nEOF\nexec sleep 60`,
  );

describe("parseReattachLine", () => {
  it("reads the value the provider prints", () => {
    expect(parseReattachLine(`Provider started.\n\n\tTF_REATTACH_PROVIDERS='${REATTACH}'\n`)).toBe(REATTACH);
  });

  it("waits for more output while the line is missing", () => {
    expect(parseReattachLine("Provider started. To attach")).toBeUndefined();
  });

  it("gives the unix socket to remove after a killed provider", () => {
    expect(reattachSocket(REATTACH)).toBe("/tmp/p");
    expect(reattachSocket('{"registry.terraform.io/hashicorp/aws":{"Addr":{"Network":"tcp","String":"127.0.0.1:1"}}}')).toBeUndefined();
  });

  it("refuses a configuration that names another provider", () => {
    expect(() => parseReattachLine(`TF_REATTACH_PROVIDERS='{"registry.terraform.io/hashicorp/archive":{}}'`)).toThrow(
      /names no registry.terraform.io\/hashicorp\/aws/,
    );
  });
});

describe("startSharedProvider", () => {
  it("starts the binary with -debug, returns its reattach value, and stops it", async () => {
    // Act
    const provider = await startSharedProvider(debugProvider(), {});
    // Assess
    expect(provider.reattach).toBe(REATTACH);
    expect(provider.exited()).toBeUndefined();
    await provider.stop();
    expect(provider.exited()).toEqual({ code: null, signal: "SIGINT" });
  });

  it("fails loudly, with the provider's stderr, when it exits before printing the reattach line", async () => {
    const broken = script("broken", "echo 'panic: cannot load schema' >&2\nexit 2");
    await expect(startSharedProvider(broken, {})).rejects.toThrow(
      /exited before printing its reattach configuration[\s\S]*exited with code 2[\s\S]*panic: cannot load schema/,
    );
  });

  it("fails when the provider stays silent past the bound", async () => {
    const silent = script("silent", "exec sleep 60");
    await expect(startSharedProvider(silent, {}, 300)).rejects.toThrow(/printed no TF_REATTACH_PROVIDERS line within 0.3 s/);
  });

  it("says how a running provider died", async () => {
    const provider = await startSharedProvider(debugProvider(), {});
    process.kill(provider.pid, "SIGKILL");
    await provider.stop();
    expect(provider.exited()).toEqual({ code: null, signal: "SIGKILL" });
    expect(provider.describeExit()).toMatch(/the shared aws provider process \(.*provider -debug, pid \d+\) was stopped by SIGKILL/);
  });
});

describe("SharedProviderPool", () => {
  it("keeps one process per worker slot and starts a new one after an exit", async () => {
    // Prepare
    const binary = debugProvider();
    const pool = new SharedProviderPool({});
    try {
      // Act
      const first = await pool.acquire(0, binary);
      const again = await pool.acquire(0, binary);
      const other = await pool.acquire(1, binary);
      process.kill(first.pid, "SIGKILL");
      await first.stop();
      const restarted = await pool.acquire(0, binary);
      // Assess
      expect(again.pid).toBe(first.pid);
      expect(other.pid).not.toBe(first.pid);
      expect(restarted.pid).not.toBe(first.pid);
      expect(pool.pids()).toEqual([first.pid, other.pid, restarted.pid]);
    } finally {
      await pool.stopAll();
    }
  });
});

describe("installedAwsProvider", () => {
  const installed = (stack: string): string => join(stack, ".terraform", "providers", "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64");

  it("is the mirror's binary that init linked into the stack folder", () => {
    const mirrored = debugProvider();
    const stack = join(folder, "stack");
    mkdirSync(installed(stack), { recursive: true });
    symlinkSync(mirrored, join(installed(stack), "terraform-provider-aws_v5.100.0_x5"));
    expect(installedAwsProvider(stack)).toBe(mirrored);
  });

  it("is none for a copy inside the stack folder (downloaded from the registry) or no provider", () => {
    const stack = join(folder, "stack");
    mkdirSync(installed(stack), { recursive: true });
    expect(installedAwsProvider(stack)).toBeUndefined();
    writeFileSync(join(installed(stack), "terraform-provider-aws_v5.100.0_x5"), "");
    expect(installedAwsProvider(stack)).toBeUndefined();
  });
});
