/** The read-only commands: status (every pointer, per region) and history (one pointer's kept versions). */
import { buildText, type ChangeRecord, LATEST, pointerParameterName, readChangeRecord } from "../../ami-pointers/channels";
import { readPointers } from "./read";
import { callerIdentity } from "./sdk";
import { parameterTags } from "./ssm";
import { type CommandDeps, firstRegion, refFor, type Target } from "./target";

export interface StatusRow {
  readonly parameter: string;
  readonly pointer: string;
  readonly name: string;
  readonly region: string;
  readonly arn: string;
  readonly exists: boolean;
  readonly amiId?: string;
  readonly build?: string;
  readonly version?: number;
  readonly modified?: string;
  readonly ageSeconds?: number;
  /** The IAM identity SSM recorded for the current version. */
  readonly writtenBy?: string;
  /** The operator tags, when they describe the current value (a promote or a rollback). */
  readonly change?: ChangeRecord;
}

export interface StatusReport {
  readonly command: "status";
  readonly rows: readonly StatusRow[];
}

export async function status(deps: CommandDeps, targets: readonly Target[]): Promise<StatusReport> {
  const caller = await callerIdentity(deps.clients, firstRegion(targets));
  const rows: StatusRow[] = [];
  for (const target of targets) {
    for (const region of target.regions) {
      const pointers = [LATEST, ...target.channels];
      const refs = pointers.map((pointer) => refFor(caller, region, pointerParameterName(target.parameter, pointer)));
      const read = await readPointers(deps, caller.partition, region, refs, { describe: "current" });
      for (const [index, { ref, current }] of read.pointers.entries()) {
        const base = { parameter: target.parameter, pointer: pointers[index] ?? LATEST, name: ref.name, region, arn: ref.arn };
        if (current === undefined) {
          rows.push({ ...base, exists: false });
          continue;
        }
        const tags = await parameterTags(deps.clients, ref);
        const change = tags ? readChangeRecord(tags, current.value) : undefined;
        rows.push({
          ...base,
          exists: true,
          amiId: current.value,
          build: buildText(read.buildOf(current)),
          version: current.version,
          ...(current.modified
            ? { modified: current.modified.toISOString(), ageSeconds: Math.max(0, Math.round((deps.now().getTime() - current.modified.getTime()) / 1000)) }
            : {}),
          ...(current.user ? { writtenBy: current.user } : {}),
          ...(change ? { change } : {}),
        });
      }
    }
  }
  return { command: "status", rows };
}

export interface HistoryEntry {
  readonly version: number;
  readonly amiId: string;
  readonly build: string;
  readonly modified?: string;
  readonly user?: string;
  readonly current: boolean;
}

export interface HistoryReport {
  readonly command: "history";
  readonly parameter: string;
  readonly pointer: string;
  readonly regions: ReadonlyArray<{ readonly region: string; readonly arn: string; readonly exists: boolean; readonly versions: readonly HistoryEntry[] }>;
}

export async function history(deps: CommandDeps, target: Target, pointer: string): Promise<HistoryReport> {
  const caller = await callerIdentity(deps.clients, firstRegion([target]));
  const name = pointerParameterName(target.parameter, pointer);
  const regions: Array<HistoryReport["regions"][number]> = [];
  for (const region of target.regions) {
    const read = await readPointers(deps, caller.partition, region, [refFor(caller, region, name)], { describe: "every-version" });
    const [{ ref, versions, current } = { ref: refFor(caller, region, name) }] = read.pointers;
    if (versions === undefined) {
      regions.push({ region, arn: ref.arn, exists: false, versions: [] });
      continue;
    }
    regions.push({
      region,
      arn: ref.arn,
      exists: true,
      versions: versions.map((entry) => ({
        version: entry.version,
        amiId: entry.value,
        build: buildText(read.buildOf(entry)),
        ...(entry.modified ? { modified: entry.modified.toISOString() } : {}),
        ...(entry.user ? { user: entry.user } : {}),
        current: entry.version === current?.version,
      })),
    });
  }
  return { command: "history", parameter: target.parameter, pointer, regions };
}
