/** Scale: build and synth time and memory as pipelines and API routes grow (each point a fresh process, scale-child.ts). */
import { join } from "node:path";
import { firstLines, mb, ms, runProcess, TSX } from "./measure";
import { row, type Options } from "./summary";

export interface ScalePoint {
  readonly kind: "pipelines" | "routes";
  readonly count: number;
  readonly totalMs: number;
  readonly buildMs: number;
  readonly synthMs: number;
  readonly maxRssMb: number;
  readonly resources: number;
}

export function benchScale(options: Options): ScalePoint[] {
  const plan: [ScalePoint["kind"], readonly number[]][] = [
    ["pipelines", options.quick ? [1, 10, 100] : [1, 10, 100, 500]],
    ["routes", [10, 50, 200]],
  ];
  const points: ScalePoint[] = [];
  for (const [kind, counts] of plan) {
    for (const count of counts) {
      const run = runProcess(TSX, [join(__dirname, "scale-child.ts"), kind, String(count)]);
      const line = run.stdout.trim().split("\n").pop() ?? "";
      if (run.status !== 0 || !line.startsWith("{")) throw new Error(`scale ${kind} ${count} failed: ${firstLines(run.stderr, 8)}`);
      const parsed = JSON.parse(line) as Omit<ScalePoint, "kind" | "count">;
      points.push({ kind, count, ...parsed });
    }
  }
  return points;
}

/** Cost per added item between consecutive points, and whether it stays flat (no segment above 2x the first). */
function slopes(points: readonly ScalePoint[]): { perItemMs: number[]; perItemMb: number[]; flat: boolean } {
  const perItemMs: number[] = [];
  const perItemMb: number[] = [];
  for (let index = 1; index < points.length; index++) {
    const previous = points[index - 1];
    const current = points[index];
    if (previous === undefined || current === undefined) continue;
    perItemMs.push((current.totalMs - previous.totalMs) / (current.count - previous.count));
    perItemMb.push((current.maxRssMb - previous.maxRssMb) / (current.count - previous.count));
  }
  const first = perItemMs[0] ?? 0;
  const flat = perItemMs.every((slope) => slope <= Math.max(2 * first, first + 2));
  return { perItemMs, perItemMb, flat };
}

export function reportScale(points: readonly ScalePoint[]): void {
  for (const kind of ["pipelines", "routes"] as const) {
    const ofKind = points.filter((point) => point.kind === kind);
    for (const point of ofKind)
      row("scale", `${point.count} ${kind} (${point.resources} resources): build + synth`, `${ms(point.totalMs)}, ${mb(point.maxRssMb)}`);
    const { perItemMs, perItemMb, flat } = slopes(ofKind);
    row(
      "scale",
      `cost per added ${kind.slice(0, -1)}, segment by segment`,
      `${perItemMs.map((value) => ms(value)).join(" / ")}; ${perItemMb.map((value) => `${value.toFixed(2)} MB`).join(" / ")}`,
      "flat (no segment > 2x the first)",
      flat,
    );
  }
}
