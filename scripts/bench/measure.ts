/** Running and timing fresh processes, and describing the machine they ran on. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";

export const PROJECT_ROOT = join(__dirname, "..", "..");
export const BIN = join(PROJECT_ROOT, "node_modules", ".bin");
export const TSX = join(BIN, "tsx");
export const SYNTH = join(PROJECT_ROOT, "scripts", "synth.cjs");
/** Where the bench writes what it builds (git-ignored). */
export const BENCH_BUILD = join(PROJECT_ROOT, ".build", "bench");
const TIME = "/usr/bin/time";

/** One fresh process's cost, as the kernel counted it. */
export interface ProcessRun {
  readonly wallMs: number;
  /** User + system CPU time. */
  readonly cpuMs: number;
  /** Peak resident set size (largest process of the tree), in MB; undefined without /usr/bin/time. */
  readonly peakRssMb: number | undefined;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Runs `command args` once under /usr/bin/time (wall, CPU, peak RSS). */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): ProcessRun {
  const scratch = mkdtempSync(join(tmpdir(), "bench-time-"));
  const timeFile = join(scratch, "time.txt");
  const useTime = existsSync(TIME);
  const started = process.hrtime.bigint();
  const result = useTime
    ? spawnSync(TIME, ["-o", timeFile, "-f", "%e %U %S %M", command, ...args], spawnOptions(options))
    : spawnSync(command, [...args], spawnOptions(options));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  let cpuMs = Number.NaN;
  let peakRssMb: number | undefined;
  if (useTime && existsSync(timeFile)) {
    const fields = readFileSync(timeFile, "utf8").trim().split("\n").pop()?.split(" ").map(Number) ?? [];
    const [, user, system, rssKb] = fields;
    if (user !== undefined && system !== undefined) cpuMs = (user + system) * 1000;
    if (rssKb !== undefined) peakRssMb = rssKb / 1024;
  }
  rmSync(scratch, { recursive: true, force: true });
  return { wallMs, cpuMs, peakRssMb, status: result.status, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
}

function spawnOptions(options: RunOptions): Parameters<typeof spawnSync>[2] {
  return {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: options.env ?? process.env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 10 * 60 * 1000,
    stdio: ["ignore", "pipe", "pipe"],
  };
}

/** A series of fresh-process runs, summarized by medians. */
export interface Series {
  readonly runs: readonly ProcessRun[];
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMb: number | undefined;
  /** Set when a run failed: its exit status and the first lines it printed. */
  readonly failure: string | undefined;
}

export function series(count: number, run: () => ProcessRun): Series {
  const runs: ProcessRun[] = [];
  for (let index = 0; index < count; index++) {
    const result = run();
    runs.push(result);
    if (result.status !== 0) break;
  }
  const failed = runs.find((result) => result.status !== 0);
  const rss = runs.map((result) => result.peakRssMb).filter((value): value is number => value !== undefined);
  return {
    runs,
    wallMs: median(runs.map((result) => result.wallMs)),
    cpuMs: median(runs.map((result) => result.cpuMs)),
    peakRssMb: rss.length > 0 ? median(rss) : undefined,
    failure: failed === undefined ? undefined : `exit ${String(failed.status)}: ${firstLines(failed.stderr || failed.stdout, 6)}`,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function firstLines(text: string, count: number): string {
  return text
    .split("\n")
    .map((line) => line.trim().replace(/\s+/g, " "))
    .filter((line) => line.length > 0)
    .slice(0, count)
    .join(" / ");
}

/** What the numbers were measured on. */
export interface Machine {
  readonly date: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly loadAverage: readonly number[];
}

export function describeMachine(): Machine {
  return {
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    cores: cpus().length,
    memoryGb: totalmem() / 1024 ** 3,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    node: process.version,
    loadAverage: loadavg(),
  };
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

export function mb(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? "n/a" : `${value.toFixed(0)} MB`;
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

const INIT_PROBE = `
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
require(process.argv[1]);
const used = process.cpuUsage(cpu);
process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6) + " " + String((used.user + used.system) / 1e3));
`;

/** Module init of a bundle: 20 cold `require`s, each in a fresh Node.js process; medians of wall and CPU (user + system) time. */
export function measureInit(file: string, env: NodeJS.ProcessEnv, what: string): { wallMs: number; cpuMs: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let run = 0; run < 20; run++) {
    const result = spawnSync(process.execPath, ["-e", INIT_PROBE, file], { env, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`init of ${what} failed: ${firstLines(result.stderr, 6)}`);
    const [wall, cpu] = result.stdout.trim().split(" ").map(Number);
    walls.push(wall ?? Number.NaN);
    cpus.push(cpu ?? Number.NaN);
  }
  return { wallMs: median(walls), cpuMs: median(cpus) };
}
