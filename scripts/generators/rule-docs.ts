/**
 * The rule tables of docs/rules.md and README.md, rendered from RULES. Regenerate with
 * `npm run rules:doc`; __tests__/scripts/generators/rule-docs.test.ts fails when a doc and the table differ.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RULES, VERIFIED_CHECKOV_IDS } from "../../stacks/rules/rules";
import { defineCommand, exitWith, processIo, runCommand, type CliIo } from "../shared/cli-args.cjs";

export const DOC_PATH = join(__dirname, "..", "..", "docs", "rules.md");
/** The README shows the table without the resource types, which the full doc lists. */
export const README_PATH = join(__dirname, "..", "..", "README.md");
export const BEGIN = "<!-- rules:begin (generated from stacks/rules/rules.ts by `npm run rules:doc`; do not edit by hand) -->";
export const END = "<!-- rules:end -->";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The Markdown table: N (the number the Noncompliance/Compliance tests use), id, level, checkov, applies to, explanation. */
export function renderRulesTable(options: { readonly withResourceTypes: boolean } = { withResourceTypes: true }): string {
  const columns = ["N", "Rule", "Level", "Checkov", ...(options.withResourceTypes ? ["Applies to"] : []), "Requirement"];
  const header = [`| ${columns.join(" | ")} |`, `|${columns.map(() => " --- |").join("")}`];
  const rows = RULES.map((rule, index) => {
    const checkov = rule.checkov.length === 0 ? "none" : rule.checkov.map((id) => (VERIFIED_CHECKOV_IDS.has(id) ? id : `${id}*`)).join(", ");
    const types = options.withResourceTypes ? [rule.appliesTo.map((type) => `\`${type}\``).join(", ")] : [];
    return `| ${[String(index + 1), rule.id, rule.level, checkov, ...types, cell(rule.explanation)].join(" | ")} |`;
  });
  return [...header, ...rows].join("\n");
}

/** The doc with its generated section replaced by the current table. */
export function withCurrentTable(doc: string, options: { readonly withResourceTypes: boolean } = { withResourceTypes: true }): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the markers ${BEGIN} and ${END} are missing`);
  return `${doc.slice(0, start + BEGIN.length)}\n${renderRulesTable(options)}\n${doc.slice(end)}`;
}

export const COMMAND = defineCommand({
  command: "npm run rules:doc --",
  name: "rules:doc",
  summary: "Rewrites the rule tables of docs/rules.md and README.md (between the rules:begin and rules:end markers) from stacks/rules/rules.ts.",
  options: {},
});

/** The CLI: rewrites both docs; the paths are for tests. */
export function main(argv: readonly string[], io: CliIo = processIo, paths = { doc: DOC_PATH, readme: README_PATH }): Promise<number> {
  return runCommand(COMMAND, argv, io, () => {
    writeFileSync(paths.doc, withCurrentTable(readFileSync(paths.doc, "utf8")));
    writeFileSync(paths.readme, withCurrentTable(readFileSync(paths.readme, "utf8"), { withResourceTypes: false }));
    io.out(`docs/rules.md, README.md: ${RULES.length} rules`);
    return 0;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
