import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { isObject, type Json, type JsonObject } from "./stack-json";

/** How a stack was synthesized: `cdktf synth` writes cdk.tf.json, `cdktf synth --hcl` (npm run synth -- --hcl) cdk.tf. */
export type StackFormat = "json" | "hcl";

export const STACK_FILES: Readonly<Record<StackFormat, string>> = { json: "cdk.tf.json", hcl: "cdk.tf" };

export interface StackFile {
  readonly format: StackFormat;
  /** Absolute path of cdk.tf.json or cdk.tf. */
  readonly file: string;
  /** The stack in Terraform JSON's shape (for HCL: parsed, one object per named block), for the script's checks. */
  readonly json: JsonObject;
}

/** The stack file a folder holds; both at once is refused, as Terraform would fail on duplicate blocks. */
export function stackFormat(folder: string): StackFormat | undefined {
  const json = existsSync(join(folder, STACK_FILES.json));
  const hcl = existsSync(join(folder, STACK_FILES.hcl));
  if (json && hcl) {
    throw new Error(
      `${folder} holds both ${STACK_FILES.json} and ${STACK_FILES.hcl}: Terraform reads both and fails on duplicate blocks; ` +
        "synthesize again (npm run synth, or npm run synth -- --hcl), which removes the other format",
    );
  }
  return json ? "json" : hcl ? "hcl" : undefined;
}

/**
 * hcl2json gives every block as a list (`resource.TYPE.NAME = [ {...} ]`); Terraform JSON as CDKTF writes it
 * has one object per named resource and data source. Providers stay lists, as awsProviderAliases reads both.
 */
function normalizeBlocks(parsed: JsonObject): JsonObject {
  const result: JsonObject = { ...parsed };
  for (const kind of ["resource", "data"]) {
    const byType = parsed[kind];
    if (!isObject(byType)) continue;
    const normalized: JsonObject = {};
    for (const [type, byName] of Object.entries(byType)) {
      if (!isObject(byName)) continue;
      const blocks: JsonObject = {};
      for (const [name, list] of Object.entries(byName)) blocks[name] = Array.isArray(list) ? (list[0] ?? null) : list;
      normalized[type] = blocks;
    }
    result[kind] = normalized;
  }
  return result;
}

/** Reads the stack of a synthesized folder, JSON or HCL. */
export async function readStackFile(folder: string): Promise<StackFile> {
  const format = stackFormat(folder);
  if (format === undefined) throw new Error(`${folder} holds neither ${STACK_FILES.json} nor ${STACK_FILES.hcl}`);
  const file = join(folder, STACK_FILES[format]);
  const text = readFileSync(file, "utf8");
  const parsed = (format === "json" ? JSON.parse(text) : await parse(STACK_FILES.hcl, text)) as Json;
  if (!isObject(parsed)) throw new Error(`${STACK_FILES[format]} is not a Terraform configuration object`);
  return { format, file, json: format === "json" ? parsed : normalizeBlocks(parsed) };
}

/** Index of the line that closes the block opened on line `start` (braces counted; interpolations balance). */
function blockEnd(lines: readonly string[], start: number): number {
  let depth = 0;
  for (let index = start; index < lines.length; index++) {
    for (const character of lines[index] ?? "") {
      if (character === "{") depth++;
      else if (character === "}") depth--;
    }
    if (depth === 0) return index;
  }
  throw new Error(`the block opened on line ${start + 1} is not closed`);
}

function removeBlocks(lines: string[], opens: RegExp): void {
  for (let index = lines.findIndex((line) => opens.test(line)); index !== -1; index = lines.findIndex((line) => opens.test(line))) {
    lines.splice(index, blockEnd(lines, index) - index + 1);
  }
}

/**
 * The HCL counterpart of standInArchives' rewrite: each `data "archive_file"` block goes, references read
 * `local.archive_file_<name>` (defined in an override file beside it), and the archive provider's
 * requirement and configuration go, as nothing uses them any more.
 */
export function standInArchivesHcl(text: string, names: readonly string[]): string {
  const lines = text.split("\n");
  for (const name of names) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    removeBlocks(lines, new RegExp(`^\\s*data\\s+"archive_file"\\s+"${escaped}"\\s*\\{`));
    const reference = new RegExp(`\\bdata\\.archive_file\\.${escaped}\\b`, "g");
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] ?? "";
      // A depends_on entry naming the archive: the zip exists before Terraform runs.
      if (new RegExp(`^\\s*"?data\\.archive_file\\.${escaped}"?,?\\s*$`).test(line)) lines.splice(index--, 1);
      else lines[index] = line.replace(reference, `local.archive_file_${name}`);
    }
  }
  removeBlocks(lines, /^\s*provider\s+"archive"\s*\{/);
  removeBlocks(lines, /^\s*archive\s*=\s*\{/);
  return lines.join("\n");
}
