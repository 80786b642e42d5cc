import { readFileSync } from "node:fs";
import { DOC_PATH, README_PATH, withCurrentTable } from "../../../scripts/generators/rule-docs";
import { RULES } from "../../../stacks/rules/rules";

test("docs/rules.md lists every rule exactly as stacks/rules/rules.ts defines it (regenerate: npm run rules:doc)", () => {
  const doc = readFileSync(DOC_PATH, "utf8");
  expect(doc).toEqual(withCurrentTable(doc));
  for (const rule of RULES) expect(doc).toContain(`| ${rule.id} | ${rule.level} |`);
});

test("README.md shows the same rules, without the resource types (regenerate: npm run rules:doc)", () => {
  const readme = readFileSync(README_PATH, "utf8");
  expect(readme).toEqual(withCurrentTable(readme, { withResourceTypes: false }));
  for (const rule of RULES) expect(readme).toContain(`| ${rule.id} | ${rule.level} |`);
});
