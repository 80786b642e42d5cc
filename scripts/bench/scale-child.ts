/**
 * One point of the scale benchmark, in a fresh process: the default configuration with N tracked
 * pipelines or N API routes, validated with parseConfig, built and synthesized into a scratch folder.
 * Prints one JSON line: { buildMs, synthMs, totalMs, maxRssMb, resources }.
 *
 *   tsx scripts/bench/scale-child.ts pipelines 100
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIG_DIRECTORY, parseConfig } from "../../config";
import { buildApp } from "../../stacks/app";

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The default configuration with `count` pipelines, each tracked (the tracker writes /ec2-imagebuilder/<pipeline>/latest). */
export function withPipelines(base: Raw, count: number): Raw {
  const amiTracker = isRecord(base["amiTracker"]) ? base["amiTracker"] : {};
  const imageBuilder = isRecord(base["imageBuilder"]) ? base["imageBuilder"] : {};
  return {
    ...base,
    amiTracker: { ...amiTracker, parameterName: "/ec2-imagebuilder/{pipeline}/latest" },
    imageBuilder: { ...imageBuilder, pipelines: Array.from({ length: count }, (_, index) => ({ name: `pipeline-${index + 1}` })) },
  };
}

/** The default configuration with `count` routes: its own routes repeated under numbered paths. */
export function withRoutes(base: Raw, count: number): Raw {
  const api = isRecord(base["storageFirstApi"]) ? base["storageFirstApi"] : {};
  const templates = Object.entries(isRecord(api["routes"]) ? api["routes"] : {});
  if (templates.length === 0) throw new Error("the default configuration has no storageFirstApi.routes to repeat");
  const routes: Raw = {};
  for (let index = 0; index < count; index++) {
    const template = templates[index % templates.length];
    if (template === undefined) continue;
    const [method, path] = template[0].split(" ");
    routes[`${method ?? "POST"} /v${index + 1}${path ?? "/"}`] = template[1];
  }
  return { ...base, storageFirstApi: { ...api, routes } };
}

function countResources(outdir: string): number {
  let total = 0;
  for (const stack of readdirSync(join(outdir, "stacks"))) {
    const json = JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, unknown>> };
    for (const byType of Object.values(json.resource ?? {})) total += Object.keys(byType).length;
  }
  return total;
}

function main(): void {
  const [kind, countText] = process.argv.slice(2);
  const count = Number(countText);
  if ((kind !== "pipelines" && kind !== "routes") || !Number.isInteger(count) || count < 1) {
    throw new Error("usage: scale-child.ts pipelines|routes COUNT");
  }
  const base = JSON.parse(readFileSync(join(CONFIG_DIRECTORY, "default.json"), "utf8")) as Raw;
  const outdir = mkdtempSync(join(tmpdir(), "bench-scale-"));
  // Annotations (rule pack warnings) go to stderr; the parent reads stdout only.
  const started = performance.now();
  const config = parseConfig(kind === "pipelines" ? withPipelines(base, count) : withRoutes(base, count), "default");
  const app = buildApp(config, { outdir });
  const built = performance.now();
  app.synth();
  const done = performance.now();
  const resources = countResources(outdir);
  rmSync(outdir, { recursive: true, force: true });
  const result = { buildMs: built - started, synthMs: done - built, totalMs: done - started, maxRssMb: process.resourceUsage().maxRSS / 1024, resources };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main();
