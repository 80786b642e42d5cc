/**
 * What `npm run synth` leaves in the output folder after another synth there: stale stacks removed, HCL
 * instead of JSON (and back) with nothing of the other format beside it, notices on stdout.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { listEnvironments } from "../../scripts/plan-tier/lib/environments";
import { findTerraform } from "../../stacks/terraform-env";
import { PROJECT_ROOT } from "../../stacks/constructs/bundle";

function synth(outdir: string, environment: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["scripts/synth.cjs", ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, APP_ENV: environment, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`synth ${environment} ${args.join(" ")} failed:\n${result.stderr}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function filesBelow(directory: string): string[] {
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(relative(directory, path));
    }
  };
  walk(directory);
  return files.sort();
}

describe("synth output folder", () => {
  const outdir = mkdtempSync(join(tmpdir(), "synth-output-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  // Prepare: another environment first (hcp-example has ci-access, default has not), then default as JSON.
  synth(outdir, "hcp-example");
  const hadCiAccess = existsSync(join(outdir, "stacks", "ci-access"));
  const json = synth(outdir, "default");
  const jsonFiles = filesBelow(join(outdir, "stacks"));

  test("removes the stack folders of an earlier synth that this configuration does not have", () => {
    expect(hadCiAccess).toBe(true);
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["ami-tracker", "state-bootstrap", "storage-first-api"]);
    expect(json.stdout).toContain("Removed stack folders this configuration no longer has: ci-access");
  });

  test("prints the local-state notice on stdout, not stderr (cdktf synth labels stderr [ERROR])", () => {
    expect(json.stdout).toContain("State is local (terraform.<stack>.tfstate in this folder)");
    expect(json.stderr).not.toContain("State is local");
  });

  describe("with --hcl", () => {
    const hcl = synth(outdir, "default", "--hcl");
    const hclFiles = filesBelow(join(outdir, "stacks"));

    test("writes every stack as cdk.tf and leaves no cdk.tf.json beside it", () => {
      expect(hcl.stderr).not.toContain("State is local");
      for (const stack of ["ami-tracker", "state-bootstrap", "storage-first-api"]) {
        expect({ stack, hcl: existsSync(join(outdir, "stacks", stack, "cdk.tf")), json: existsSync(join(outdir, "stacks", stack, "cdk.tf.json")) }).toEqual({
          stack,
          hcl: true,
          json: false,
        });
      }
      const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as { stacks: Record<string, { synthesizedStackPath: string }> };
      expect(
        Object.values(manifest.stacks)
          .map((stack) => stack.synthesizedStackPath)
          .every((path) => path.endsWith("/cdk.tf")),
      ).toBe(true);
    });

    test("keeps the Lambda bundles in place, the same files as for JSON", () => {
      // HCL has no "//" metadata block: cdktf writes it to metadata.json beside cdk.tf.
      const withoutStackFile = (files: string[]): string[] => files.filter((file) => !/(cdk\.tf(\.json)?|metadata\.json)$/.test(file));
      expect(withoutStackFile(hclFiles)).toEqual(withoutStackFile(jsonFiles));
      expect(hclFiles.some((file) => file.startsWith("ami-tracker/assets/") && file.endsWith("index.js"))).toBe(true);
    });

    test("writes depends_on as references, not quoted strings (Terraform warns: Quoted references are deprecated)", () => {
      const tracker = readFileSync(join(outdir, "stacks", "ami-tracker", "cdk.tf"), "utf8");
      expect(tracker).toMatch(/depends_on = \[\n\s+aws_/);
      expect(tracker).not.toMatch(/depends_on = \[\n\s+"/);
    });

    (findTerraform() === undefined ? test.skip : test)("is terraform fmt-clean", () => {
      const check = spawnSync(findTerraform() ?? "terraform", ["fmt", "-check", "-recursive", join(outdir, "stacks")], {
        encoding: "utf8",
        env: { ...process.env, CHECKPOINT_DISABLE: "1" },
      });
      expect({ status: check.status, unformatted: check.stdout.trim() }).toEqual({ status: 0, unformatted: "" });
    });

    test("back to JSON removes cdk.tf again", () => {
      synth(outdir, "default");
      expect(existsSync(join(outdir, "stacks", "ami-tracker", "cdk.tf"))).toBe(false);
      expect(existsSync(join(outdir, "stacks", "ami-tracker", "cdk.tf.json"))).toBe(true);
    });
  });
});

// CI fmt-checks the default environment only; a string cdktf's HCL renderer cannot write (a JSON document
// with references, hashicorp/terraform-cdk#3911) broke ami-loop and everything-on unnoticed.
describe("every environment synthesized as HCL", () => {
  const outdir = mkdtempSync(join(tmpdir(), "synth-hcl-all-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  (findTerraform() === undefined ? test.skip : test).each(listEnvironments())("%s is terraform fmt-clean", (environment) => {
    const folder = join(outdir, environment);
    synth(folder, environment, "--hcl");
    const check = spawnSync(findTerraform() ?? "terraform", ["fmt", "-check", "-recursive", "-no-color", join(folder, "stacks")], {
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
    });
    const errors = check.stderr.split("\n").filter((line) => /Error:/.test(line));
    expect({ environment, status: check.status, unformatted: check.stdout.trim(), errors }).toEqual({ environment, status: 0, unformatted: "", errors: [] });
  });
});

describe("npm run cdktf -- list after another environment's synth", () => {
  // The cdktf CLI lists cdktf.out/stacks/ before it runs the app and removes the folders the new
  // manifest lacks afterwards; it crashed (ENOENT) when the app had removed them first.
  const outdir = mkdtempSync(join(tmpdir(), "cdktf-list-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test("lists the stacks of the environment now set, and the CLI removes the other one's folder", () => {
    synth(outdir, "hcp-example");
    expect(existsSync(join(outdir, "stacks", "ci-access"))).toBe(true);
    const list = spawnSync(process.execPath, [join(PROJECT_ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf"), "list", "--output", outdir], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, APP_ENV: "default", CHECKPOINT_DISABLE: "1", CI: "true" },
      encoding: "utf8",
    });
    expect({ status: list.status, crash: /ENOENT/.test(list.stderr + list.stdout) }).toEqual({ status: 0, crash: false });
    for (const stack of ["ami-tracker", "state-bootstrap", "storage-first-api"]) expect(list.stdout).toMatch(new RegExp(`^${stack}\\s`, "m"));
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["ami-tracker", "state-bootstrap", "storage-first-api"]);
  });
});
