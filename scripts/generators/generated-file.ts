/** Writing a generated, committed file, or (`--check`) saying it is not current: one rule for every generator. */
import { readFileSync, writeFileSync } from "node:fs";
import type { CliIo } from "../shared/cli-args.cjs";

export interface GeneratedFile {
  /** The npm script that writes it (`config:schema`). */
  readonly command: string;
  /** Its path as the messages name it (`config/schema.json`). */
  readonly label: string;
  /** Where it is written. */
  readonly file: string;
}

/** Writes `text` to the file, or with `check` compares it: 0 when current, 1 (naming the command to run) when not or missing. */
export function writeOrCheck(target: GeneratedFile, text: string, check: boolean, io: CliIo): number {
  if (check) {
    let current = "";
    try {
      current = readFileSync(target.file, "utf8");
    } catch {
      // a missing file is stale
    }
    if (current === text) return 0;
    io.err(`${target.command}: ${target.label} is not current; run npm run ${target.command}`);
    return 1;
  }
  writeFileSync(target.file, text);
  io.out(`wrote ${target.label}`);
  return 0;
}
