/**
 * The shapes the rule pack works on: one synthesized resource (as in `cdk.tf.json`), the stack it
 * sits in (for references), and what a rule answers about it.
 */

/** A JSON value as synthesized. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

/** One resource or data source of a synthesized stack. */
export interface SynthesizedBlock {
  /** "resource" or "data". */
  readonly kind: "resource" | "data";
  /** The Terraform type, e.g. "aws_sqs_queue". */
  readonly type: string;
  /** The logical ID (the Terraform name). */
  readonly name: string;
  /** `aws_sqs_queue.orders_queue_1A2B3C`, or `data.aws_iam_policy_document.x` for a data source. */
  readonly address: string;
  /** Its configuration, as in cdk.tf.json (snake_case keys). */
  readonly config: JsonObject;
  /** The construct path (from the `//` metadata), e.g. "ami-tracker/tracker/function". */
  readonly path: string | undefined;
}

/** One IAM statement, normalized from a policy document data source or a JSON policy. */
export interface Statement {
  readonly sid: string | undefined;
  readonly effect: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  /** `Bool aws:SecureTransport false` and the like: test, variable, values. */
  readonly conditions: readonly { readonly test: string; readonly variable: string; readonly values: readonly string[] }[];
}

/** A policy as far as it can be read at synth. */
export type PolicyRead =
  | { readonly readable: true; readonly statements: readonly Statement[]; readonly source: string }
  | { readonly readable: false; readonly why: string };

/** Lookups into the stack a resource sits in. */
export interface StackLookup {
  /** Every resource of a type (not data sources). */
  resourcesOfType(type: string): readonly SynthesizedBlock[];
  /** Resources of `type` whose configuration references `target` (`${aws_x.name.attr}` anywhere inside). */
  referencing(target: SynthesizedBlock, type: string): readonly SynthesizedBlock[];
  /** The block a `${type.name.attr}` or `${data.type.name.attr}` expression points at, if it is in the stack. */
  referenced(expression: Json | undefined): SynthesizedBlock | undefined;
  /** The statements of a policy given as a `${data.aws_iam_policy_document.X.json}` reference or a JSON string. */
  policy(value: Json | undefined): PolicyRead;
}

export type RuleLevel = "error" | "warning";

export type RuleOutcome =
  | { readonly status: "compliant"; readonly note?: string }
  | { readonly status: "non-compliant"; readonly reason: string }
  | { readonly status: "not-applicable" };

/** A rule: data plus one small pure function of one synthesized resource. */
export interface Rule {
  /** Stable ID, e.g. "IAM-1"; cite it in acknowledgements. */
  readonly id: string;
  readonly level: RuleLevel;
  /** The resource types the rule reads; it is only ever called with these. */
  readonly appliesTo: readonly string[];
  /** The checkov check(s) it mirrors, or an empty list. */
  readonly checkov: readonly string[];
  /** One sentence: what is required and why. */
  readonly explanation: string;
  readonly check: (resource: SynthesizedBlock, stack: StackLookup) => RuleOutcome;
}

export const compliant = (note?: string): RuleOutcome => (note === undefined ? { status: "compliant" } : { status: "compliant", note });
export const nonCompliant = (reason: string): RuleOutcome => ({ status: "non-compliant", reason });
export const notApplicable: RuleOutcome = { status: "not-applicable" };
