import { TerraformStack, Testing } from "cdktf";
import { checkStack, type StackReport } from "../../stacks/rules/rule-pack";

/** A bare stack (no aspect attached): the rules are run on it with `report`. */
export function minimalStack(): TerraformStack {
  return new TerraformStack(Testing.app(), "rules-test");
}

/** The rule pack's report on the stack as it synthesizes now. */
export function report(stack: TerraformStack): StackReport {
  return checkStack(stack);
}

/**
 * The reasons the resources of the stack fail rule `ruleId`, unacknowledged. Throws when the rule judged
 * no resource (neither pass nor finding): an empty list would then prove nothing.
 */
export function violations(stack: TerraformStack, ruleId: string): string[] {
  const result = report(stack);
  const judged = [...result.findings, ...result.passed].filter((entry) => entry.rule.id === ruleId);
  if (judged.length === 0) throw new Error(`rule ${ruleId} judged no resource of stack ${stack.node.id}: the test checks nothing`);
  return result.findings.filter((finding) => finding.rule.id === ruleId && finding.acknowledged === undefined).map((finding) => finding.reason);
}

/** The notes of the resources that pass rule `ruleId`. */
export function passes(stack: TerraformStack, ruleId: string): string[] {
  return report(stack)
    .passed.filter((pass) => pass.rule.id === ruleId)
    .map((pass) => pass.note ?? "");
}

export const ROLE_ARN = "arn:aws:iam::123456789012:role/example";
export const BUCKET_ARN = "arn:aws:s3:::example-bucket";
