/**
 * Writes config/schema.json from the sections' schemas (config/schema.ts). A test fails when the
 * committed file is not current: run `npm run config:schema` after changing a setting.
 *
 *   npm run config:schema            # write config/schema.json
 *   npm run config:schema -- --check # exit 1 when the file is stale
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configJsonSchemaText } from "../config/schema";

export const CONFIG_SCHEMA_FILE = join(__dirname, "..", "config", "schema.json");

if (require.main === module) {
  const text = configJsonSchemaText();
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(CONFIG_SCHEMA_FILE, "utf8");
    } catch {
      // a missing file is stale
    }
    if (current !== text) {
      console.error("config/schema.json is not current; run npm run config:schema");
      process.exitCode = 1;
    }
  } else {
    writeFileSync(CONFIG_SCHEMA_FILE, text);
    console.log("wrote config/schema.json");
  }
}
