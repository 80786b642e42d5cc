/**
 * Promotion gates: what a build must show before `npm run ami -- promote` writes it into a channel, and
 * the revocation record that refuses a build outright. Pure: the CLI reads the facts (cli/ami/).
 *
 * Severities are Amazon Inspector's, as Image Builder's scan findings carry them
 * (https://docs.aws.amazon.com/inspector/latest/user/findings-understanding-severity.html); UNTRIAGED, a
 * finding Inspector has not rated yet, counts as CRITICAL: a gate never lets an unrated finding through.
 */
import { sanitizeTagValue } from "./tags";

export const SEVERITIES = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A channel's gate (configuration: imageBuilder.pipelines[].channelGates[]). */
export interface ChannelGate {
  readonly channel: string;
  /** The build's AMI must be at least this many hours old. */
  readonly bakeHours?: number;
  /** No scan finding at or above this severity; the image must have been scanned (scan COMPLETED). */
  readonly maxSeverity?: Severity;
}

function rank(severity: string): number {
  const index = (SEVERITIES as readonly string[]).indexOf(severity);
  return index < 0 ? SEVERITIES.length - 1 : index;
}

/** What the gate is checked against, for one region's AMI. */
export interface GateFacts {
  readonly region: string;
  readonly amiId: string;
  readonly created?: Date;
  /** Absent when the AMI has no Image Builder image (no scan to read). */
  readonly scan?: { readonly status?: string; readonly scanningEnabled: boolean; readonly severities: readonly string[] };
}

/** Why the gate refuses the build in this region (empty: it passes). */
export function gateProblems(gate: ChannelGate, facts: GateFacts, now: Date): string[] {
  const problems: string[] = [];
  if (gate.bakeHours !== undefined) {
    if (facts.created === undefined)
      problems.push(`${facts.region}: ${facts.amiId} has no creation date; the bake time of ${gate.bakeHours} h cannot be shown`);
    else {
      const hours = (now.getTime() - facts.created.getTime()) / 3_600_000;
      if (hours < gate.bakeHours)
        problems.push(`${facts.region}: ${facts.amiId} is ${hours.toFixed(1)} h old, younger than the bake time of ${gate.bakeHours} h`);
    }
  }
  if (gate.maxSeverity !== undefined) {
    const scan = facts.scan;
    if (scan === undefined) problems.push(`${facts.region}: ${facts.amiId} is not an Image Builder image; no scan to check against ${gate.maxSeverity}`);
    else if (!scan.scanningEnabled || scan.status !== "COMPLETED")
      problems.push(
        `${facts.region}: the image's scan is ${scan.scanningEnabled ? (scan.status ?? "not started") : "not enabled"}; ${gate.maxSeverity} findings cannot be ruled out (enable image scanning on the pipeline)`,
      );
    else {
      const blocking = scan.severities.filter((severity) => rank(severity) >= rank(gate.maxSeverity ?? "CRITICAL"));
      if (blocking.length > 0) {
        const counts = [...new Set(blocking)].map((severity) => `${blocking.filter((s) => s === severity).length} ${severity}`).join(", ");
        problems.push(`${facts.region}: the image has ${counts} finding(s), at or above ${gate.maxSeverity}`);
      }
    }
  }
  return problems;
}

/** The tracked parameter's tag that records a revoked build (its key names the build). */
export const REVOKED_TAG_PREFIX = "ami-loop:revoked:";

export function revokedTagKey(build: { readonly version: string; readonly buildVersion: string }): string {
  return `${REVOKED_TAG_PREFIX}${build.version}/${build.buildVersion}`;
}

/** Who revoked, when and why, as one tag value (at most 256 characters, SSM's tag alphabet). */
export function revokedTagValue(by: string, at: Date, reason: string | undefined): string {
  return sanitizeTagValue(`${at.toISOString()} by ${by}${reason ? `: ${reason}` : ""}`);
}

/** A promote that passed a failing gate records why on the channel (removed by the next promote or rollback). */
export const TAG_GATE_OVERRIDE = "GATE_OVERRIDE";
