import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "cdktf";
import type { AppConfig } from "../config";
import { findTerraform } from "./terraform-env";
import { buildApp } from "./app";
import { VERSION_CONSTRAINTS } from "./app-stack";

/** cdktf's own switch for HCL output (`cdktf synth --hcl` sets it); read by App and each TerraformStack. */
const HCL_SWITCH = "SYNTH_HCL_OUTPUT";
const STACK_FILE_NAMES = ["cdk.tf.json", "cdk.tf"] as const;

export interface SynthOptions {
  /** Output folder. @default cdktf's: CDKTF_OUTDIR, else cdktf.out */
  readonly outdir?: string;
  /** Write each stack as HCL (cdk.tf) instead of JSON. @default - as cdktf decides (HCL when `cdktf synth --hcl` runs the app) */
  readonly hcl?: boolean;
  /**
   * Remove the stack folders of earlier synths that this one lacks.
   * @default true, except when the cdktf CLI runs the app (runByCdktfCli): the CLI lists the folders
   * before it runs the app and removes the orphans itself afterwards, failing with ENOENT on any the
   * app already removed (cdktf-cli 0.21, @cdktf/cli-core src/lib/synth-stack.js, SynthStack.synth).
   */
  readonly removeStaleStacks?: boolean;
}

/** Whether the cdktf CLI (`cdktf synth/list/diff/deploy`) runs the app: it sets this variable for the app alone. */
export function runByCdktfCli(env: NodeJS.ProcessEnv = process.env): boolean {
  return env["CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"] !== undefined;
}

export interface SynthResult {
  readonly outdir: string;
  readonly format: "json" | "hcl";
  /** Stack folders of earlier synths that this one no longer has, removed. */
  readonly removedStacks: readonly string[];
}

/**
 * Builds and synthesizes the app, then tidies the output as `cdktf synth` leaves it: stack folders the
 * manifest no longer lists are removed (another environment's, or a disabled stack's), and so is the
 * other format's file beside each stack (a cdk.tf.json beside cdk.tf makes Terraform fail on duplicates).
 * HCL output is made `terraform fmt`-clean with unquoted depends_on references.
 */
export function synthesizeApp(config: AppConfig, options: SynthOptions = {}): SynthResult {
  const previous = process.env[HCL_SWITCH];
  if (options.hcl !== undefined) process.env[HCL_SWITCH] = options.hcl ? "true" : "false";
  let app: App;
  try {
    app = buildApp(config, options.outdir !== undefined ? { outdir: options.outdir } : {});
    app.synth();
  } finally {
    if (previous === undefined) delete process.env[HCL_SWITCH];
    else process.env[HCL_SWITCH] = previous;
  }
  const manifest = app.manifest;
  const removedStacks =
    (options.removeStaleStacks ?? !runByCdktfCli())
      ? removeStaleStacks(
          app.outdir,
          Object.values(manifest.stacks).map((stack) => stack.workingDirectory),
        )
      : [];
  const stackFiles = Object.values(manifest.stacks).map((stack) => join(app.outdir, stack.synthesizedStackPath));
  for (const file of stackFiles) {
    for (const name of STACK_FILE_NAMES) {
      const other = join(file, "..", name);
      if (other !== file) rmSync(other, { force: true });
    }
  }
  if (manifest.hclOutput) formatHcl(stackFiles);
  return { outdir: app.outdir, format: manifest.hclOutput ? "hcl" : "json", removedStacks };
}

/** Removes folders in <outdir>/stacks that hold a synthesized stack but are not among `current` (paths relative to outdir). */
export function removeStaleStacks(outdir: string, current: readonly string[]): string[] {
  const folder = join(outdir, "stacks");
  if (!existsSync(folder)) return [];
  const keep = new Set(current.map((path) => path.split("\\").join("/")));
  const removed: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (keep.has(`stacks/${name}`) || !statSync(path).isDirectory()) continue;
    // Only what a synth wrote: a folder without a stack file or metadata is not ours to delete.
    if (![...STACK_FILE_NAMES, "metadata.json"].some((file) => existsSync(join(path, file)))) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * cdktf 0.21 writes the entries of depends_on, lifecycle.ignore_changes and replace_triggered_by as
 * quoted strings, which Terraform accepts with "Quoted references are deprecated"; they are references
 * (resources, or attribute paths such as `tags["Source"]`), so they lose their quotes.
 */
export function unquoteReferences(hcl: string): string {
  const lines = hcl.split("\n");
  let inside = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    if (/^\s*(depends_on|ignore_changes|replace_triggered_by)\s*=\s*\[\s*$/.test(line)) inside = true;
    else if (inside && /^\s*\]\s*$/.test(line)) inside = false;
    else if (inside)
      lines[index] = line.replace(
        /^(\s*)"((?:[A-Za-z0-9_.\-[\]]|\\")+)"(,?)\s*$/,
        (_entry, indent: string, reference: string, comma: string) => `${indent}${reference.replace(/\\"/g, '"')}${comma}`,
      );
  }
  return lines.join("\n");
}

/**
 * cdktf 0.21 writes a multi-line string as `<<EOF\n<lines>\nEOF`, and a heredoc's value ends with a
 * newline the string did not have (an Image Builder component's YAML gained one, so HCL planned a
 * different resource than JSON). Each such heredoc becomes the quoted string it stands for. `${` and
 * `%{` stay as they are: in Terraform JSON the same string is a template too.
 */
export function heredocsToStrings(hcl: string): string {
  return hcl.replace(/<<EOF\n([\s\S]*?)\nEOF(?=\n|$)/g, (_heredoc, body: string) => {
    const escaped = body.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\t/g, "\\t").replace(/\n/g, "\\n");
    return `"${escaped}"`;
  });
}

/**
 * cdktf 0.21's HCL renderer writes the `terraform` block's plain attributes by their index
 * (`0 = "required_version"`: render.js passes renderSimpleAttributes the key list, not the values), so
 * the constraint is lost. The stacks set one such attribute, required_version: it is written back with
 * its value, and any other attribute lost that way fails synth rather than vanish.
 */
export function restoreTerraformAttributes(
  hcl: string,
  attributes: Readonly<Record<string, string>> = { required_version: VERSION_CONSTRAINTS.terraform },
): string {
  return hcl.replace(/^(\s*)\d+ = "([A-Za-z_]+)"$/gm, (line, indent: string, name: string) => {
    const value = attributes[name];
    if (value === undefined)
      throw new Error(
        `HCL output lost the terraform block's ${name} (${line.trim()}): cdktf's renderer drops plain terraform attributes; add ${name} to restoreTerraformAttributes`,
      );
    return `${indent}${name} = ${JSON.stringify(value)}`;
  });
}

/** Restores required_version, unquotes references (depends_on, ignore_changes) and turns heredocs into exact strings, then `terraform fmt` (the formatter users and CI check with). */
export function formatHcl(files: readonly string[]): void {
  for (const file of files) writeFileSync(file, heredocsToStrings(unquoteReferences(restoreTerraformAttributes(readFileSync(file, "utf8")))));
  const terraform = findTerraform();
  if (terraform === undefined) {
    throw new Error(
      "HCL output is formatted with `terraform fmt`, and terraform is not on the PATH: install Terraform (1.10+), " +
        "or synthesize JSON (npm run synth without --hcl)",
    );
  }
  try {
    execFileSync(terraform, ["fmt", "-list=false", ...files], { stdio: "pipe", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString("utf8") ?? "";
    throw new Error(`terraform fmt failed on the synthesized HCL:\n${stderr.trim()}`);
  }
}
