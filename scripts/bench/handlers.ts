/** Handlers: CPU per message (tracker) and per batch (consumer), with the AWS calls made, in a fresh process (handler-child.ts). */
import { join } from "node:path";
import { firstLines, runProcess, TSX } from "./measure";
import { row, type Options } from "./summary";

export interface HandlerFigure {
  readonly name: string;
  readonly cpuMicros: number;
  readonly iterations: number;
  readonly awsCalls: number;
}

export function benchHandlers(options: Options): HandlerFigure[] {
  const run = runProcess(TSX, [join(__dirname, "handler-child.ts"), String(options.quick ? 1000 : 5000)]);
  const line = run.stdout.trim().split("\n").pop() ?? "";
  if (run.status !== 0 || !line.startsWith("[")) throw new Error(`handler benchmark failed: ${firstLines(run.stderr, 8)}`);
  return JSON.parse(line) as HandlerFigure[];
}

export function reportHandlers(figures: readonly HandlerFigure[]): void {
  for (const figure of figures) {
    const unit = figure.name.startsWith("sqs-consumer") ? "per batch" : "per message";
    row(
      "handler",
      `${figure.name.startsWith("sqs-consumer") ? figure.name : `tracker: ${figure.name}`} (${figure.awsCalls} AWS calls)`,
      `${figure.cpuMicros.toFixed(0)} us CPU ${unit}`,
    );
  }
}
