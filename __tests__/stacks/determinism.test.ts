import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../../stacks/constructs/bundle";

const SOURCES = ["main.ts", "cdktf.json", "package.json", "tsconfig.json", "config", "stacks", "handlers"];

/** Copies the project to a fresh folder (node_modules linked, as a CI cache would) and synthesizes there. */
function synthInFreshFolder(): { root: string; files: Map<string, Buffer> } {
  const root = mkdtempSync(join(tmpdir(), "synth-"));
  for (const source of SOURCES) cpSync(join(PROJECT_ROOT, source), join(root, source), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(root, "node_modules"));
  execFileSync(process.execPath, [join(PROJECT_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "main.ts"], {
    cwd: root,
    env: { ...process.env, APP_ENV: "default" },
    stdio: "pipe",
  });
  const files = new Map<string, Buffer>();
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory)) {
      const path = join(directory, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(join(root, "cdktf.out"), path), readFileSync(path));
    }
  };
  walk(join(root, "cdktf.out"));
  return { root, files };
}

describe("synth output", () => {
  const first = synthInFreshFolder();
  const second = synthInFreshFolder();
  afterAll(() => [first.root, second.root].forEach((root) => rmSync(root, { recursive: true, force: true })));

  test("is byte-identical when synthesized in two different folders", () => {
    expect([...first.files.keys()].sort()).toEqual([...second.files.keys()].sort());
    for (const [file, bytes] of first.files) expect({ file, same: bytes.equals(second.files.get(file) ?? Buffer.alloc(0)) }).toEqual({ file, same: true });
    expect([...first.files.keys()].some((file) => file.endsWith("index.js"))).toBe(true);
  });

  test("contains no absolute path of the machine it ran on", () => {
    for (const [file, bytes] of first.files) {
      const text = bytes.toString("utf8");
      for (const machinePath of [first.root, PROJECT_ROOT, tmpdir(), process.env["HOME"] ?? "/root"]) {
        expect({ file, leaks: text.includes(machinePath) }).toEqual({ file, leaks: false });
      }
    }
  });
});
