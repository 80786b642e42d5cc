/** Summaries of a V8 CPU profile (node --cpu-prof): self time by module and function, inclusive time by phase. */
import { readFileSync } from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Self time by module (a package of node_modules, a project file, or a Node.js internal). */
  readonly byModule: readonly (readonly [string, number])[];
  readonly byFunction: readonly (readonly [string, number])[];
  /** Inclusive time of the named functions (each sample counted once per name). */
  readonly phases: readonly (readonly [string, number])[];
}

function moduleOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : `(${functionName || "native"})`;
  const path = url.replace(/^file:\/\//, "");
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (inModules?.[1]) return inModules[1];
  const build = path.indexOf("/.build/");
  if (build >= 0) return path.slice(build + 1);
  return path.startsWith("node:") ? path : path.split("/").slice(-2).join("/");
}

export function summarizeProfile(file: string, phaseNames: readonly string[], top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));

  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const phases = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const node = nodes.get(id);
    if (node === undefined) continue;
    const frame = node.callFrame;
    total += micros;
    const module = moduleOf(frame.url, frame.functionName);
    byModule.set(module, (byModule.get(module) ?? 0) + micros);
    const name = `${frame.functionName || "(anonymous)"} ${module}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) {
      const functionName = nodes.get(current)?.callFrame.functionName ?? "";
      if (phaseNames.includes(functionName) && !seen.has(functionName)) {
        seen.add(functionName);
        phases.set(functionName, (phases.get(functionName) ?? 0) + micros);
      }
    }
  }
  const sorted = (map: Map<string, number>): (readonly [string, number])[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, micros]) => [key, micros / 1000] as const);
  return {
    totalMs: total / 1000,
    byModule: sorted(byModule),
    byFunction: sorted(byFunction),
    phases: phaseNames.map((name) => [name, (phases.get(name) ?? 0) / 1000] as const),
  };
}
