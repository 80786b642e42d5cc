/**
 * Writes config/schema.json from the sections' schemas (config/schema.ts). A test fails when the
 * committed file is not current: run `npm run config:schema` after changing a setting.
 *
 *   npm run config:schema            # write config/schema.json
 *   npm run config:schema -- --check # exit 1 when the file is stale
 */
import { join } from "node:path";
import { configJsonSchemaText } from "../../config/schema";
import { defineCommand, exitWith, processIo, runCommand, type CliIo } from "../shared/cli-args.cjs";
import { writeOrCheck } from "./generated-file";

export const CONFIG_SCHEMA_FILE = join(__dirname, "..", "..", "config", "schema.json");

export const COMMAND = defineCommand({
  command: "npm run config:schema --",
  name: "config:schema",
  summary: "Writes config/schema.json (the JSON Schema every environment file names in $schema) from the sections' schemas in config/sections/.",
  options: {
    check: { type: "boolean", description: "write nothing; exit 1 when config/schema.json is not current" },
  },
});

/** The CLI: writes the file, or with --check compares it; `file` is for tests. */
export function main(argv: readonly string[], io: CliIo = processIo, file = CONFIG_SCHEMA_FILE): Promise<number> {
  return runCommand(COMMAND, argv, io, ({ values }) => {
    return writeOrCheck({ command: "config:schema", label: "config/schema.json", file }, configJsonSchemaText(), values.check === true, io);
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
