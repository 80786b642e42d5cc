/** The text output of each command (--json prints the report itself). */
import type { ChangeReport } from "./change";
import type { RevokeReport } from "./revoke";
import type { HistoryReport, StatusReport } from "./show";

function age(seconds: number | undefined): string {
  if (seconds === undefined) return "-";
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join("  ")).join("\n");
}

export function formatStatus(report: StatusReport): string {
  const rows: string[][] = [["PARAMETER", "REGION", "POINTER", "AMI", "BUILD", "VERSION", "AGE", "WRITTEN BY"]];
  for (const row of report.rows) {
    if (!row.exists) {
      rows.push([row.name, row.region, row.pointer, "-", "-", "-", "-", "not created yet"]);
      continue;
    }
    const change = row.change;
    const who =
      change === undefined
        ? (row.writtenBy ?? "unknown")
        : change.rollback
          ? `ROLLBACK by ${change.by} (from ${change.replacedAmiId ?? "?"})`
          : `promoted from ${change.from} by ${change.by}`;
    rows.push([row.name, row.region, row.pointer, row.amiId ?? "-", row.build ?? "-", String(row.version ?? "-"), age(row.ageSeconds), who]);
  }
  return table(rows);
}

export function formatHistory(report: HistoryReport): string {
  const rows: string[][] = [["REGION", "VERSION", "AMI", "BUILD", "WRITTEN", "BY", ""]];
  for (const region of report.regions) {
    if (!region.exists) rows.push([region.region, "-", "-", "-", "-", "-", `${region.arn} does not exist`]);
    for (const entry of region.versions) {
      rows.push([region.region, String(entry.version), entry.amiId, entry.build, entry.modified ?? "-", entry.user ?? "-", entry.current ? "current" : ""]);
    }
  }
  return table(rows);
}

export function formatChange(report: ChangeReport): string {
  const verb = report.command === "promote" ? `promote ${report.from} -> ${report.pointer}` : `rollback of ${report.pointer}`;
  const head = report.dryRun
    ? `DRY RUN: ${verb} of ${report.parameter} (nothing written)`
    : report.ok
      ? `DONE: ${verb} of ${report.parameter}`
      : `FAILED: ${verb} of ${report.parameter}`;
  const lines = [head];
  for (const region of report.regions) {
    const from = region.fromAmiId === undefined ? "(new)" : `${region.fromAmiId} ${region.fromBuild ?? ""}`.trim();
    lines.push(`  ${region.region}  ${region.status.toUpperCase()}  ${from} -> ${region.toAmiId} ${region.toBuild}  ${region.arn} (${region.tier} tier)`);
    const tagLabel = region.status === "changed" ? "ami tag" : region.status === "would-change" ? "would tag ami" : "planned ami tag (not in place)";
    for (const edit of region.amiTags) lines.push(`      ${tagLabel} ${edit}`);
    if (region.error !== undefined) lines.push(`      error: ${region.error}`);
    for (const left of region.leftInPlace ?? []) lines.push(`      STILL IN PLACE: ${left}`);
  }
  if (report.gate?.override !== undefined) lines.push(`  gate of ${report.gate.channel} OVERRIDDEN: ${report.gate.override}`);
  else if (report.gate !== undefined) lines.push(`  gate of ${report.gate.channel} passed`);
  if (report.error !== undefined) lines.push(report.error);
  return lines.join("\n");
}

export function formatRevoke(report: RevokeReport): string {
  const verb = `${report.command} of ${report.build} (${report.parameter})`;
  const lines = [report.dryRun ? `DRY RUN: ${verb} (nothing changed)` : report.ok ? `DONE: ${verb}` : `FAILED: ${verb}`];
  if (report.reason !== undefined) lines.push(`  reason: ${report.reason}`);
  for (const region of report.regions) {
    lines.push(`  ${region.region}  ${region.status.toUpperCase()}  ${region.amiId}`);
    for (const moved of region.moved) lines.push(`      ${moved.arn} back to ${moved.toAmiId} ${moved.toBuild}`);
    if (region.error !== undefined) lines.push(`      error: ${region.error}`);
    for (const left of region.leftInPlace ?? []) lines.push(`      STILL IN PLACE: ${left}`);
  }
  if (report.error !== undefined) lines.push(report.error);
  if (report.note !== undefined) lines.push(report.note);
  return lines.join("\n");
}
