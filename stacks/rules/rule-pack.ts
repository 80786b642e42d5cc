/**
 * Runs the rule pack on a stack: one `toTerraform()` of the stack, one pass over its resources,
 * each resource checked only by the rules of its type. `RulePackAspect` (attached by AppStack)
 * turns the findings into annotations: an unacknowledged error fails synth (cdktf's App.synth
 * throws on error annotations before it writes the stack's cdk.tf.json; `cdktf synth` prints them
 * and fails). It prints one summary line per stack on stdout; errors and warnings, each with the
 * rule and the fix, on stderr; acknowledged findings only when asked (verbose).
 */
import { Annotations, TerraformStack, type IAspect } from "cdktf";
import type { IConstruct } from "constructs";
import { ACKNOWLEDGEMENT_METADATA, acknowledgementsOn } from "./acknowledge";
import { RULES, ruleById } from "./rules";
import { StackIndex } from "./stack-index";
import type { JsonObject, Rule, RuleOutcome, SynthesizedBlock } from "./types";

export interface Finding {
  readonly rule: Rule;
  readonly resource: SynthesizedBlock;
  /** Why the resource does not comply. */
  readonly reason: string;
  /** The acknowledgement's reason, when the finding is acknowledged. */
  readonly acknowledged: string | undefined;
}

/** A problem with an acknowledgement itself: no reason, an unknown rule, or nothing it applies to. */
export interface AcknowledgementProblem {
  readonly level: "error" | "warning";
  readonly path: string;
  readonly message: string;
}

export interface StackReport {
  readonly stack: string;
  /** Non-compliant results, acknowledged or not. */
  readonly findings: readonly Finding[];
  /** Every compliant result with its note ("encrypted with ..."), for tests and curious readers. */
  readonly passed: readonly { readonly rule: Rule; readonly resource: SynthesizedBlock; readonly note: string | undefined }[];
  readonly acknowledgementProblems: readonly AcknowledgementProblem[];
  /** How many (resource, rule) pairs were evaluated. */
  readonly evaluated: number;
}

const RULES_BY_TYPE: ReadonlyMap<string, readonly Rule[]> = (() => {
  const map = new Map<string, Rule[]>();
  for (const rule of RULES) {
    for (const type of rule.appliesTo) map.set(type, [...(map.get(type) ?? []), rule]);
  }
  return map;
})();

/** Runs every rule on every resource of a synthesized stack; `acknowledged(resource, ruleId)` returns a reason or undefined. */
export function evaluate(
  index: StackIndex,
  acknowledged: (resource: SynthesizedBlock, ruleId: string) => string | undefined,
): Omit<StackReport, "stack" | "acknowledgementProblems"> {
  const findings: Finding[] = [];
  const passed: { rule: Rule; resource: SynthesizedBlock; note: string | undefined }[] = [];
  let evaluated = 0;
  for (const resource of index.resources) {
    for (const rule of RULES_BY_TYPE.get(resource.type) ?? []) {
      evaluated++;
      const outcome: RuleOutcome = rule.check(resource, index);
      if (outcome.status === "non-compliant") findings.push({ rule, resource, reason: outcome.reason, acknowledged: acknowledged(resource, rule.id) });
      else if (outcome.status === "compliant") passed.push({ rule, resource, note: outcome.note });
    }
  }
  return { findings, passed, evaluated };
}

/** Checks one stack as it synthesizes now. */
export function checkStack(stack: TerraformStack): StackReport {
  return inspect(stack).report;
}

/** The report, and the stack's constructs by path (to annotate the construct behind each resource). */
function inspect(stack: TerraformStack): { report: StackReport; constructs: ReadonlyMap<string, IConstruct> } {
  const index = new StackIndex(stack.toTerraform() as JsonObject);
  const constructs = new Map<string, IConstruct>(stack.node.findAll().map((construct) => [construct.node.path, construct]));
  const used = new Set<string>();
  const problems: AcknowledgementProblem[] = [];

  const acknowledged = (resource: SynthesizedBlock, ruleId: string): string | undefined => {
    let construct = resource.path === undefined ? undefined : constructs.get(resource.path);
    while (construct !== undefined && construct !== stack) {
      const match = acknowledgementsOn(construct).find((ack) => ack.ruleId === ruleId && ack.reason.length > 0);
      if (match !== undefined) {
        used.add(`${construct.node.path}|${ruleId}`);
        return match.reason;
      }
      construct = construct.node.scope;
    }
    return undefined;
  };
  const result = evaluate(index, acknowledged);

  for (const construct of constructs.values()) {
    if (!construct.node.metadata.some((entry) => entry.type === ACKNOWLEDGEMENT_METADATA)) continue;
    const path = construct.node.path;
    for (const ack of acknowledgementsOn(construct)) {
      if (ruleById(ack.ruleId) === undefined) problems.push({ level: "error", path, message: `acknowledgement of unknown rule "${ack.ruleId}"` });
      else if (ack.reason.length === 0)
        problems.push({ level: "error", path, message: `acknowledgement of ${ack.ruleId} has no reason: every acknowledgement says why` });
      else if (!used.has(`${path}|${ack.ruleId}`)) {
        problems.push({
          level: "warning",
          path,
          message: `acknowledgement of ${ack.ruleId} matches no non-compliant resource here: remove it ("${ack.reason}")`,
        });
      }
    }
  }
  return { report: { stack: stack.node.id, ...result, acknowledgementProblems: problems }, constructs };
}

/** `[LAMBDA-3] aws_lambda_function.x (ami-tracker/tracker/function): reason`. */
export function describeFinding(finding: Finding): string {
  const where = finding.resource.path === undefined ? finding.resource.address : `${finding.resource.address} (${finding.resource.path})`;
  const checkov = finding.rule.checkov.length > 0 ? ` [${finding.rule.checkov.join(", ")}]` : "";
  if (finding.acknowledged !== undefined) return `[${finding.rule.id}] acknowledged on ${where}: ${finding.acknowledged}`;
  return `[${finding.rule.id}] ${where}: ${finding.reason}. Rule: ${finding.rule.explanation}${checkov}`;
}

/** Where a line goes: the summary and acknowledgements to stdout, what needs fixing to stderr. */
export type Printer = (line: string, stream: "stdout" | "stderr") => void;

/**
 * How the aspect prints when it runs: to the process's streams, except under the cdktf CLI (which
 * prints annotations itself) and under jest. `RULE_PACK_VERBOSE` (set by `npm run synth -- --verbose`)
 * adds the acknowledged findings to the one summary line per stack.
 */
export function defaultPrinter(env: NodeJS.ProcessEnv = process.env): { print: Printer; verbose: boolean } | undefined {
  if (env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== undefined || env.JEST_WORKER_ID !== undefined) return undefined;
  return {
    print: (line, stream) => (stream === "stderr" ? process.stderr : process.stdout).write(`${line}\n`),
    verbose: env["RULE_PACK_VERBOSE"] !== undefined && env["RULE_PACK_VERBOSE"] !== "" && env["RULE_PACK_VERBOSE"] !== "0",
  };
}

/** `rule pack: ami-tracker 52 checks, 0 errors, 0 warnings, 1 acknowledged`. */
export function summarize(report: StackReport): string {
  const open = report.findings.filter((finding) => finding.acknowledged === undefined);
  const problems = report.acknowledgementProblems;
  const errors = open.filter((finding) => finding.rule.level === "error").length + problems.filter((problem) => problem.level === "error").length;
  const warnings =
    open.length - open.filter((finding) => finding.rule.level === "error").length + problems.filter((problem) => problem.level === "warning").length;
  const acknowledged = report.findings.length - open.length;
  const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`;
  return `rule pack: ${report.stack} ${plural(report.evaluated, "check")}, ${plural(errors, "error")}, ${plural(warnings, "warning")}, ${acknowledged} acknowledged`;
}

/** Runs the rule pack on each stack it visits, once per stack. */
export class RulePackAspect implements IAspect {
  private readonly checked = new WeakSet<TerraformStack>();
  private readonly print: Printer | undefined;
  private readonly verbose: boolean;

  /** @param options.print where lines go @default defaultPrinter() @param options.verbose print acknowledged findings too @default RULE_PACK_VERBOSE */
  constructor(options: { readonly print?: Printer; readonly verbose?: boolean } = {}) {
    const fallback = options.print === undefined ? defaultPrinter() : undefined;
    this.print = options.print ?? fallback?.print;
    this.verbose = options.verbose ?? fallback?.verbose ?? false;
  }

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node) || this.checked.has(node)) return;
    this.checked.add(node);
    const { report, constructs } = inspect(node);
    const target = (path: string | undefined): IConstruct => (path === undefined ? undefined : constructs.get(path)) ?? node;
    const details: { line: string; stream: "stdout" | "stderr" }[] = [];
    for (const finding of report.findings) {
      const message = describeFinding(finding);
      const annotations = Annotations.of(target(finding.resource.path));
      if (finding.acknowledged !== undefined) annotations.addInfo(message);
      else if (finding.rule.level === "error") annotations.addError(message);
      else annotations.addWarning(message);
      if (finding.acknowledged !== undefined) {
        if (this.verbose) details.push({ line: `  ack: ${message}`, stream: "stdout" });
      } else details.push({ line: `  ${finding.rule.level}: ${message}`, stream: "stderr" });
    }
    for (const problem of report.acknowledgementProblems) {
      const message = `${problem.path}: ${problem.message}`;
      if (problem.level === "error") Annotations.of(target(problem.path)).addError(`[rule-pack] ${message}`);
      else Annotations.of(target(problem.path)).addWarning(`[rule-pack] ${message}`);
      details.push({ line: `  ${problem.level}: ${message}`, stream: "stderr" });
    }
    if (this.print === undefined) return;
    const failing = details.some((detail) => detail.stream === "stderr");
    // With a failure the summary goes to stderr too, so the lines under it read in order there.
    this.print(summarize(report), failing ? "stderr" : "stdout");
    for (const detail of details) this.print(detail.line, failing ? "stderr" : detail.stream);
  }
}
