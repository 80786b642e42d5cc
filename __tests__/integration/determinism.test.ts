import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../../stacks/constructs/bundle";

const SOURCES = [
  "main.ts",
  "cdktf.json",
  "package.json",
  "tsconfig.json",
  "aws",
  "aws-clients",
  "ami-pointers",
  "config",
  "stacks",
  "handlers",
  "scripts",
  "cli",
];

/** A copy of the project in a fresh folder (no .build/ cache), node_modules linked as a CI cache would be. */
function copyProject(): string {
  const root = mkdtempSync(join(tmpdir(), "synth-"));
  for (const source of SOURCES) cpSync(join(PROJECT_ROOT, source), join(root, source), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(root, "node_modules"));
  return root;
}

/** A fresh build on a busy 2-core machine can take minutes. */
const SYNTH_TIMEOUT_MS = 10 * 60_000;

function runSynth(root: string, environment: string): Promise<{ status: number | null; stderr: string }> {
  // `npm run synth`: the precompiled entry, built from scratch in the fresh folder.
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ["scripts/synth.cjs"], {
      cwd: root,
      env: { ...process.env, APP_ENV: environment },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("close", (status) => resolvePromise({ status, stderr }));
  });
}

function filesBelow(directory: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (current: string): void => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(directory, path), readFileSync(path));
    }
  };
  walk(directory);
  return files;
}

describe("synth output", () => {
  const roots = [copyProject(), copyProject()];
  let outputs: Map<string, Buffer>[] = [];
  // Both fresh folders at once: each synth waits on its own esbuild builds.
  // SYNTH_TIMEOUT_MS bounds a hang, it is not a speed check.
  beforeAll(async () => {
    outputs = await Promise.all(
      roots.map(async (root) => {
        const { status, stderr } = await runSynth(root, "default");
        if (status !== 0) throw new Error(`synth failed in a fresh folder:\n${stderr}`);
        return filesBelow(join(root, "cdktf.out"));
      }),
    );
  }, SYNTH_TIMEOUT_MS);
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  test("is byte-identical when synthesized in two different folders", () => {
    const [first, second] = outputs as [Map<string, Buffer>, Map<string, Buffer>];
    expect([...first.keys()].sort()).toEqual([...second.keys()].sort());
    for (const [file, bytes] of first) expect({ file, same: bytes.equals(second.get(file) ?? Buffer.alloc(0)) }).toEqual({ file, same: true });
    expect([...first.keys()].some((file) => file.endsWith("index.js"))).toBe(true);
  });

  test("contains no absolute path of the machine it ran on", () => {
    const [first] = outputs as [Map<string, Buffer>];
    for (const [file, bytes] of first) {
      const text = bytes.toString("utf8");
      for (const machinePath of [roots[0] ?? "", PROJECT_ROOT, tmpdir(), process.env["HOME"] ?? "/root"]) {
        expect({ file, leaks: text.includes(machinePath) }).toEqual({ file, leaks: false });
      }
    }
  });

  test("a bad configuration fails synth with the problem and writes nothing", async () => {
    // The first fresh folder, its output read above and removed: configuration is read at run time, so
    // its build serves this synth too.
    const [root = ""] = roots;
    rmSync(join(root, "cdktf.out"), { recursive: true, force: true });
    writeFileSync(join(root, "config", "environments", "broken.json"), JSON.stringify({ region: "us-est-1" }));
    const { status, stderr } = await runSynth(root, "broken");
    expect(status).toBe(1);
    expect(stderr).toContain(`region: "us-est-1" is not an AWS region (did you mean "us-east-1"`);
    expect(stderr).not.toMatch(/\n\s+at /); // a message for people, not a stack trace
    expect(existsSync(join(root, "cdktf.out"))).toBe(false);
  });
});
