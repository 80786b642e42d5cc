/**
 * Acknowledging a rule for one resource: the finding still shows in the synth output, with the
 * reason, but no longer fails synth.
 *
 * ```ts
 * acknowledgeRule(this.tracker.function, "LAMBDA-3", "unreserved: new accounts have a concurrency quota of 10");
 * ```
 * An acknowledgement covers the construct it is attached to and every resource below it, for
 * that one rule. The reason is mandatory: without one, acknowledgeRule throws.
 */
import type { IConstruct } from "constructs";
import { ruleById } from "./rules";

/** The node metadata type acknowledgements are stored under. */
export const ACKNOWLEDGEMENT_METADATA = "rule-pack:acknowledgement";

export interface Acknowledgement {
  readonly ruleId: string;
  readonly reason: string;
}

/** Shorter reasons say nothing a reviewer can check. */
export const MIN_REASON_LENGTH = 10;

export function acknowledgeRule(construct: IConstruct, ruleId: string, reason: string): void {
  const where = `acknowledgeRule(${construct.node.path}, "${ruleId}")`;
  if (ruleById(ruleId) === undefined) throw new Error(`${where}: no rule "${ruleId}" in the rule pack (stacks/rules/rules.ts)`);
  if (reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(
      `${where}: a reason is required (got ${JSON.stringify(reason)}): say why the rule does not hold here, in at least ${MIN_REASON_LENGTH} characters`,
    );
  }
  construct.node.addMetadata(ACKNOWLEDGEMENT_METADATA, { ruleId, reason: reason.trim() });
}

/** The acknowledgements attached to one construct (not its parents). Malformed entries come back with an empty reason. */
export function acknowledgementsOn(construct: IConstruct): Acknowledgement[] {
  return construct.node.metadata
    .filter((entry) => entry.type === ACKNOWLEDGEMENT_METADATA)
    .map((entry) => {
      const data: unknown = entry.data;
      const record = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
      return { ruleId: typeof record.ruleId === "string" ? record.ruleId : "", reason: typeof record.reason === "string" ? record.reason.trim() : "" };
    });
}
