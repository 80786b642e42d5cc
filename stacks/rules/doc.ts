/**
 * docs/rules.md's rule table, rendered from RULES. Regenerate with `npx tsx stacks/rules/doc.ts`;
 * __tests__/rules/doc.test.ts fails when the doc and the table differ.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RULES, VERIFIED_CHECKOV_IDS } from "./rules";

export const DOC_PATH = join(__dirname, "..", "..", "docs", "rules.md");
export const BEGIN = "<!-- rules:begin (generated from stacks/rules/rules.ts by `npx tsx stacks/rules/doc.ts`; do not edit by hand) -->";
export const END = "<!-- rules:end -->";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The Markdown table: N (the number the Noncompliance/Compliance tests use), id, level, checkov, applies to, explanation. */
export function renderRulesTable(): string {
  const header = ["| N | Rule | Level | Checkov | Applies to | Requirement |", "| --- | --- | --- | --- | --- | --- |"];
  const rows = RULES.map((rule, index) => {
    const checkov = rule.checkov.length === 0 ? "none" : rule.checkov.map((id) => (VERIFIED_CHECKOV_IDS.has(id) ? id : `${id}*`)).join(", ");
    const types = rule.appliesTo.map((type) => `\`${type}\``).join(", ");
    return `| ${index + 1} | ${rule.id} | ${rule.level} | ${checkov} | ${types} | ${cell(rule.explanation)} |`;
  });
  return [...header, ...rows].join("\n");
}

/** The doc with its generated section replaced by the current table. */
export function withCurrentTable(doc: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC_PATH}: the markers ${BEGIN} and ${END} are missing`);
  return `${doc.slice(0, start + BEGIN.length)}\n${renderRulesTable()}\n${doc.slice(end)}`;
}

if (require.main === module) {
  writeFileSync(DOC_PATH, withCurrentTable(readFileSync(DOC_PATH, "utf8")));
  process.stdout.write(`${DOC_PATH}: ${RULES.length} rules\n`);
}
