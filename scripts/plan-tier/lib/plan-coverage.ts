import { isObject, type Json, type JsonObject } from "./stack-json";

/**
 * What a stack gives the AWS provider to check, as strings: each resource and data source type
 * (`resource.aws_sqs_queue`), each argument path set on it (`resource.aws_sqs_queue.redrive_policy`,
 * nested blocks as `a.b`, lists as `a[].b`), each boolean argument with its value (`...fifo_queue=true`:
 * a flag switches the provider's checks), and each provider argument (`provider.aws.default_tags.tags`).
 * Names of resources and other values are not features: two stacks that differ only by them give the
 * provider the same checks to run.
 */
export function stackFeatures(stack: JsonObject): Set<string> {
  const features = new Set<string>();
  for (const kind of ["resource", "data"] as const) {
    const byType = stack[kind];
    if (!isObject(byType)) continue;
    for (const [type, blocks] of Object.entries(byType)) {
      features.add(`${kind}.${type}`);
      if (!isObject(blocks)) continue;
      for (const block of Object.values(blocks)) argumentPaths(block, `${kind}.${type}`, features);
    }
  }
  const providers = stack["provider"];
  if (isObject(providers)) {
    for (const [name, blocks] of Object.entries(providers)) {
      features.add(`provider.${name}`);
      for (const block of Array.isArray(blocks) ? blocks : [blocks]) argumentPaths(block, `provider.${name}`, features);
    }
  }
  return features;
}

function argumentPaths(value: Json, path: string, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) if (isObject(item) || Array.isArray(item)) argumentPaths(item, `${path}[]`, out);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    // CDKTF's metadata ("//": construct path, unique ID) is not given to the provider.
    if (key === "//") continue;
    const at = `${path}.${key}`;
    out.add(at);
    if (typeof item === "boolean") out.add(`${at}=${String(item)}`);
    argumentPaths(item, at, out);
  }
}

export interface CoverageCandidate {
  readonly id: string;
  readonly features: ReadonlySet<string>;
}

/**
 * The stacks to plan so that every feature of every candidate is planned at least once: `required`
 * first, then, greedily, the candidate that adds the most features not yet planned (the first in the
 * given order on a tie), until none is missing. Returns ids in the candidates' order.
 */
export function coveringSelection(candidates: readonly CoverageCandidate[], required: readonly string[] = []): string[] {
  const chosen = new Set<string>(required);
  const covered = new Set<string>();
  for (const candidate of candidates) if (chosen.has(candidate.id)) for (const feature of candidate.features) covered.add(feature);
  for (;;) {
    let best: CoverageCandidate | undefined;
    let bestGain = 0;
    for (const candidate of candidates) {
      if (chosen.has(candidate.id)) continue;
      let gain = 0;
      for (const feature of candidate.features) if (!covered.has(feature)) gain++;
      if (gain > bestGain) {
        best = candidate;
        bestGain = gain;
      }
    }
    if (best === undefined) break;
    chosen.add(best.id);
    for (const feature of best.features) covered.add(feature);
  }
  return candidates.filter((candidate) => chosen.has(candidate.id)).map((candidate) => candidate.id);
}

/** Features some candidate has that none of `selected` has (empty: the selection covers them all). */
export function uncovered(candidates: readonly CoverageCandidate[], selected: readonly string[]): string[] {
  const covered = new Set<string>();
  for (const candidate of candidates) if (selected.includes(candidate.id)) for (const feature of candidate.features) covered.add(feature);
  const missing = new Set<string>();
  for (const candidate of candidates) for (const feature of candidate.features) if (!covered.has(feature)) missing.add(feature);
  return [...missing].sort();
}
