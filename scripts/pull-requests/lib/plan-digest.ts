/**
 * The review record of one stack's plan and its digest: what the apply gate compares.
 *
 * The record is a canonical, secret-free copy of the parts of `terraform show -json` that say what an
 * apply does: every resource change that is not a pure no-op or read (all of its fields, so a forget,
 * an import, a move, a deposed object, the provider and the reason count), every output change, the
 * providers' configuration (region, assumed role, default tags...) and the providers locked in
 * `.terraform.lock.hcl` (version and hashes: the apply must run the provider the plan ran).
 *
 * Sensitive values (Terraform marks them in before_sensitive/after_sensitive) never enter the record:
 * each is replaced by `{"sensitive":"hmac-sha256:<hex>"}` keyed with PLAN_DIGEST_KEY when the job has
 * it, else by `{"sensitive":true}`. A plain hash of a low-entropy secret ("hunter2") published in a
 * check run could be guessed offline; an HMAC under a key readers do not hold cannot, and still binds the
 * value, so a sensitive value that changes after review changes the digest. The digest is the full
 * sha256 (256 bits) of the record's canonical JSON: a 64-bit prefix is open to a birthday search
 * (2^32 plan variants) for a harmless and a harmful plan that share it.
 */
import { createHash, createHmac } from "node:crypto";
import type { PlanDocument, PlanResourceChange } from "./plan-document";

export const RECORD_VERSION = 1;

export interface LockedProvider {
  readonly source: string;
  readonly version: string;
  readonly hashes: readonly string[];
}

/** What the digest covers. Also what the trusted workflow renders for reviewers. */
export interface ReviewRecord {
  readonly version: typeof RECORD_VERSION;
  readonly stack: string;
  readonly resource_changes: readonly PlanResourceChange[];
  readonly output_changes: Readonly<Record<string, unknown>>;
  readonly provider_config: Readonly<Record<string, unknown>>;
  readonly providers: readonly LockedProvider[];
  /** Rendering only (not in the digest): the Terraform version that planned. */
  readonly terraform_version?: string;
}

/** Provider arguments that hold credentials: never recorded in clear, even when written as constants. */
const PROVIDER_SECRET_ARGUMENTS = new Set(["access_key", "secret_key", "token", "session_token"]);

export type Keyed = (value: unknown) => unknown;

/** The replacement of one sensitive value. */
export function sensitiveMarker(key: string | undefined): Keyed {
  if (key === undefined || key === "") return () => ({ sensitive: true });
  return (value) => ({
    sensitive: `hmac-sha256:${createHmac("sha256", key)
      .update(JSON.stringify(canonical(value)))
      .digest("hex")}`,
  });
}

/** Keys sorted at every level, so the same content always gives the same text. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** `value` with every leaf that `sensitive` marks (true, at any depth) replaced by the marker. */
export function maskSensitive(value: unknown, sensitive: unknown, marker: Keyed): unknown {
  if (sensitive === true) return value === null || value === undefined ? value : marker(value);
  if (sensitive === null || typeof sensitive !== "object" || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item, index) => maskSensitive(item, (sensitive as unknown[])[index], marker));
  const marks = sensitive as Record<string, unknown>;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, item]) => [name, maskSensitive(item, marks[name], marker)]));
}

interface RawChange {
  readonly actions: readonly string[];
  readonly before?: unknown;
  readonly after?: unknown;
  readonly before_sensitive?: unknown;
  readonly after_sensitive?: unknown;
  readonly importing?: unknown;
  readonly [key: string]: unknown;
}

function maskChange(change: RawChange, marker: Keyed): RawChange {
  return {
    ...change,
    before: maskSensitive(change.before, change.before_sensitive, marker),
    after: maskSensitive(change.after, change.after_sensitive, marker),
  };
}

/** A change an apply acts on: anything but a pure no-op or read. An import with no other change still counts. */
function acts(change: RawChange): boolean {
  return change.importing !== undefined || !change.actions.every((action) => action === "no-op" || action === "read");
}

function providerConfig(plan: PlanDocument, marker: Keyed): Record<string, unknown> {
  const config = (plan.configuration as { provider_config?: Record<string, { expressions?: Record<string, unknown> }> } | undefined)?.provider_config ?? {};
  return Object.fromEntries(
    Object.entries(config).map(([name, provider]) => {
      const expressions = Object.fromEntries(
        Object.entries(provider.expressions ?? {}).map(([argument, expression]) => [
          argument,
          PROVIDER_SECRET_ARGUMENTS.has(argument) ? marker(expression) : expression,
        ]),
      );
      return [name, { ...provider, expressions }];
    }),
  );
}

/** The providers of a `.terraform.lock.hcl`: source address, version and hashes, sorted. */
export function parseLockFile(text: string): LockedProvider[] {
  const providers: LockedProvider[] = [];
  const block = /provider\s+"([^"]+)"\s*\{([\s\S]*?)\n\}/g;
  for (let match = block.exec(text); match !== null; match = block.exec(text)) {
    const body = match[2] ?? "";
    const version = /\bversion\s*=\s*"([^"]+)"/.exec(body)?.[1];
    if (version === undefined) throw new Error(`.terraform.lock.hcl: provider "${match[1]}" has no version`);
    const hashList = /\bhashes\s*=\s*\[([\s\S]*?)\]/.exec(body)?.[1] ?? "";
    const hashes = [...hashList.matchAll(/"([^"]+)"/g)].map((hash) => hash[1] ?? "").sort();
    providers.push({ source: match[1] ?? "", version, hashes });
  }
  return providers.sort((a, b) => a.source.localeCompare(b.source));
}

export interface RecordOptions {
  readonly stack: string;
  /** The stack's `.terraform.lock.hcl` after init. @default - no providers recorded */
  readonly lockFile?: string;
  /** PLAN_DIGEST_KEY: sensitive values become HMACs under it. @default - a bare marker */
  readonly key?: string;
}

export function reviewRecord(plan: PlanDocument, options: RecordOptions): ReviewRecord {
  const marker = sensitiveMarker(options.key);
  const resource_changes = (plan.resource_changes ?? [])
    .filter((change) => acts(change.change as RawChange))
    .map((change) => canonical({ ...change, change: maskChange(change.change as RawChange, marker) }) as PlanResourceChange)
    .sort((a, b) => a.address.localeCompare(b.address) || JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const outputs = Object.entries((plan.output_changes ?? {}) as Record<string, RawChange>)
    .filter(([, change]) => !change.actions.every((action) => action === "no-op"))
    .map(([name, change]) => [name, canonical(maskChange(change, marker))] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  return {
    version: RECORD_VERSION,
    stack: options.stack,
    resource_changes,
    output_changes: Object.fromEntries(outputs),
    provider_config: canonical(providerConfig(plan, marker)) as Record<string, unknown>,
    providers: options.lockFile !== undefined ? parseLockFile(options.lockFile) : [],
    ...(plan.terraform_version !== undefined ? { terraform_version: plan.terraform_version } : {}),
  };
}

/** sha256 (64 hex digits) of the record's canonical JSON, rendering-only fields left out. */
export function reviewDigest(record: ReviewRecord): string {
  const { terraform_version: _version, ...covered } = record;
  return createHash("sha256")
    .update(JSON.stringify(canonical(covered)))
    .digest("hex");
}

/** The record as a PlanDocument, for the summary renderer. */
export function recordAsPlan(record: ReviewRecord): PlanDocument {
  return {
    format_version: "review-record",
    ...(record.terraform_version !== undefined ? { terraform_version: record.terraform_version } : {}),
    resource_changes: record.resource_changes,
    output_changes: record.output_changes,
    configuration: { provider_config: record.provider_config },
  };
}

const STACK_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * A record read from an artifact a pull request produced: checked for shape, never trusted for more
 * than "this is what the reviewers are shown and what the digest covers".
 */
export function parseReviewRecord(text: string, source: string): ReviewRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message})`);
  }
  const record = parsed as Partial<ReviewRecord>;
  if (record === null || typeof record !== "object" || record.version !== RECORD_VERSION)
    throw new Error(`${source}: not a review record (version ${RECORD_VERSION})`);
  if (typeof record.stack !== "string" || !STACK_NAME.test(record.stack))
    throw new Error(`${source}: stack ${JSON.stringify(record.stack)} is not a stack name (lowercase letters, digits and -)`);
  if (
    !Array.isArray(record.resource_changes) ||
    !record.resource_changes.every((change) => typeof change?.address === "string" && Array.isArray(change.change?.actions))
  )
    throw new Error(`${source}: resource_changes must be a list of changes with an address and actions`);
  for (const field of ["output_changes", "provider_config"] as const) {
    if (record[field] === null || typeof record[field] !== "object" || Array.isArray(record[field])) throw new Error(`${source}: ${field} must be an object`);
  }
  if (!Array.isArray(record.providers)) throw new Error(`${source}: providers must be a list`);
  return record as ReviewRecord;
}
