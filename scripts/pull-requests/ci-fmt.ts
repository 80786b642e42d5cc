/**
 * `terraform fmt -check` on the project's own Terraform only: the .tf, .tfvars and .tftest.hcl files git
 * tracks. Never a walk of the working tree: after `npm ci`, node_modules holds packages' .tf files
 * (cdktf-cli, @cdktf/provider-generator) that are not ours and not fmt-clean, and `fmt -recursive` at the
 * root fails on them (issue 24). Folders named on the command line add the .tf files under them: the
 * stacks synthesized as HCL (`npm run synth:hcl`, cdk.tf), which synth.cjs promises are fmt-clean.
 *
 *   npm run --silent ci:fmt                          # exit 0 clean, 3 with the diff printed (terraform's codes)
 *   npm run --silent ci:fmt -- cdktf.out/stacks      # and every .tf under that folder
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { defineCommand, exitWith, processIo, runCommand, UsageError, type CliIo } from "../shared/cli-args.cjs";

/** The globs of Terraform sources fmt understands. */
export const TERRAFORM_SOURCES = ["*.tf", "*.tfvars", "*.tftest.hcl"] as const;

/** The tracked Terraform files under `root`, from git (node_modules and build output are never tracked). */
export function trackedTerraformFiles(root: string): string[] {
  const out = execFileSync("git", ["ls-files", "-z", "--", ...TERRAFORM_SOURCES], { cwd: root, encoding: "utf8" });
  return out
    .split("\0")
    .filter((file) => file !== "")
    .sort();
}

/** The .tf files under `folder` (node_modules and .terraform skipped), relative to `root`. */
export function terraformFilesUnder(root: string, folder: string): string[] {
  const start = join(root, folder);
  if (!existsSync(start)) throw new Error(`ci:fmt: the folder "${folder}" does not exist; synthesize first (npm run synth:hcl) or drop it`);
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== "node_modules" && entry.name !== ".terraform") walk(join(dir, entry.name));
      else if (entry.isFile() && entry.name.endsWith(".tf")) found.push(relative(root, join(dir, entry.name)));
    }
  };
  walk(start);
  return found.sort();
}

/** The terraform arguments for the check, or undefined when there is nothing to check. */
export function fmtArguments(files: readonly string[]): string[] | undefined {
  return files.length === 0 ? undefined : ["fmt", "-check", "-diff", "-no-color", ...files];
}

export const COMMAND = defineCommand({
  command: "npm run --silent ci:fmt --",
  name: "ci:fmt",
  summary:
    "terraform fmt -check on the project's own Terraform: the .tf, .tfvars and .tftest.hcl files git tracks (never node_modules), and every .tf under the folders named.",
  positionals: { name: "FOLDER ...", description: "folders of generated Terraform to check too, e.g. cdktf.out/stacks after npm run synth:hcl" },
  options: {},
  notes: "Exit 0 clean, 3 with the diff printed (terraform's codes), 1 when terraform cannot run.",
});

export function main(argv: readonly string[], io: CliIo = processIo, root: string = process.cwd()): Promise<number> {
  return runCommand(COMMAND, argv, io, ({ positionals: folders }) => {
    for (const folder of folders) {
      if (!existsSync(join(root, folder)))
        throw new UsageError(`FOLDER ${JSON.stringify(folder)}: no such folder; synthesize first (npm run synth:hcl) or drop it`);
    }
    const files = [...new Set([...trackedTerraformFiles(root), ...folders.flatMap((folder) => terraformFilesUnder(root, folder))])];
    const args = fmtArguments(files);
    if (args === undefined) {
      io.out(`[ci-fmt] no .tf, .tfvars or .tftest.hcl file tracked${folders.length > 0 ? ` or under ${folders.join(", ")}` : ""}: nothing to check`);
      return 0;
    }
    io.out(`[ci-fmt] terraform fmt -check on ${files.length} file(s)`);
    const result = spawnSync("terraform", args, { cwd: root, stdio: "inherit", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
    if (result.error) throw new Error(`could not run terraform: ${result.error.message}; install Terraform (hashicorp/setup-terraform)`);
    return result.status ?? 1;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
