import { TerraformStack } from "cdktf";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIG_DIRECTORY, loadConfig } from "../../config";
import { buildApp } from "../../stacks/app";
import { checkStack, describeFinding } from "../../stacks/rules/rule-pack";

const environments = readdirSync(CONFIG_DIRECTORY)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.replace(/\.json$/, ""))
  .sort();

describe.each(environments)("every stack of environment %s passes the rule pack", (environment) => {
  const outdir = mkdtempSync(join(tmpdir(), `rules-${environment}-`));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = buildApp(loadConfig(environment), { outdir });
  const stacks = app.node.findAll().filter(TerraformStack.isStack);

  test.each(stacks.map((stack) => [stack.node.id, stack] as const))(
    "%s: rules evaluated, no unacknowledged error, no malformed acknowledgement",
    (_, stack) => {
      // Act
      const report = checkStack(stack);

      // Assess
      const errors = report.findings.filter((finding) => finding.rule.level === "error" && finding.acknowledged === undefined).map(describeFinding);
      const badAcknowledgements = report.acknowledgementProblems.filter((problem) => problem.level === "error");
      expect(report.evaluated).toBeGreaterThan(0);
      // Every evaluated rule either passed or was acknowledged with a reason (a stack may hold only the latter).
      expect(report.passed.length + report.findings.filter((finding) => finding.acknowledged !== undefined).length).toBeGreaterThan(0);
      expect(errors).toEqual([]);
      expect(badAcknowledgements).toEqual([]);
    },
  );
});
