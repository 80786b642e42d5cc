/**
 * The decisions: which messages and AMIs to act on, whether a parameter moves, and what fails the
 * invocation. Clients come from `clientFor`, so tests can hand in clients with zero backoff.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { Context } from "aws-lambda";
import { ssmParameterArn } from "../../aws/arn";
import { ConfigError } from "../../config/errors";
import { createPowertoolsLogger, loggerOver, type Logger, type PowertoolsLogger } from "../shared/logger";
import { createMetrics, type Metrics } from "../shared/metrics";
import { converge, type PointerPort, recordDescription, TRACKER_HEAD } from "../../ami-pointers/newest-wins";
import { type AmiOutput, type ImageMessage, parseMessage } from "./message";
import { compareBuilds, parseBuildOrder, parseVersion } from "../../ami-pointers/build-order";
import { resolveParameterName } from "./parameter-name";
import { METRIC_BUILDS_FAILED, METRIC_MESSAGES_SKIPPED, METRIC_PARAMETERS_WRITTEN, TRACKER_SERVICE, type TrackerConfig } from "./environment";

// The environment contract is declared once, in environment.ts (the stack writes it, this handler reads it).
export {
  DEFAULT_METRICS_NAMESPACE,
  METRIC_BUILDS_FAILED,
  METRIC_MESSAGES_SKIPPED,
  METRIC_PARAMETERS_WRITTEN,
  readConfig,
  TRACKER_SERVICE,
  type TrackerConfig,
} from "./environment";
import {
  acceptanceBackoff,
  type Clock,
  readHistory,
  readTags,
  readVersion,
  removeTags,
  SsmCallError,
  systemClock,
  ValueNotAcceptedError,
  waitUntilAccepted,
  writeTags,
  writeValue,
} from "./ssm-store";
import { Ec2CallError, moveInUseTags } from "./in-use";
import { sanitizeTagValue, TAG_IMAGE_ARN, TAG_IMAGE_BUILD_VERSION, TAG_IMAGE_VERSION } from "../../ami-pointers/tags";

/** How long one write waits for SSM to accept an `aws:ec2:image` value before failing the invocation. */
export const ACCEPTANCE_BUDGET_MS = 20_000;
/** Left unspent before Lambda's deadline: room for the tag write (with the SDK's retries) and the failure report. */
export const DEADLINE_RESERVE_MS = 10_000;

/**
 * The version's description: the build for people, then the record newest-wins.ts reads back (the
 * image ARN, the AMI's name, the recipe and the pipeline), from which any writer rebuilds this build's
 * tags (tags.ts) when it must repair them.
 */
export function trackerDescription(image: ImageMessage, ami: AmiOutput): string {
  return recordDescription(`${TRACKER_HEAD}${image.name} ${image.version}/${image.buildVersion}`, [
    ["image", image.arn],
    ["ami", ami.name],
    ["recipe", image.recipeName ?? image.name],
    ["pipeline", image.sourcePipelineArn],
  ]);
}

/** The reserve, halved time at most, so that a short `amiTracker.timeoutSeconds` (3 s minimum) still leaves a wait. */
export function reserveMs(remainingMs: number): number {
  return Math.min(DEADLINE_RESERVE_MS, Math.max(0, remainingMs) / 2);
}

/** A configuration that can never work (the deployment is wrong, not the message): the app's one ConfigError. */
export { ConfigError };

/** Thrown at the end of an invocation when AWS calls still failed after the SDK's retries. */
export class TrackerWriteError extends Error {
  override readonly name = "TrackerWriteError";
}

export interface TrackerDeps {
  /** The SSM client of a region (create once and cache). */
  readonly clientFor: (region: string) => SSMClient;
  /**
   * The EC2 client of a region, for the in-use tags of the AMIs the parameter points to (in-use.ts).
   * The Lambda always has one; tests of the parameter alone leave it out. @default - no in-use tags
   */
  readonly ec2For?: (region: string) => EC2Client;
  /** The Powertools Logger (module scope in production, so `cold_start` is right). @default a new one for TRACKER_SERVICE */
  readonly logger?: PowertoolsLogger;
  /** Time and sleep for the wait on `aws:ec2:image` validation. @default the system clock */
  readonly clock?: Clock;
}

/** The Lambda context (Powertools' Logger reads its function fields; the wait reads the remaining time). */
export type TrackerContext = Context;

export interface Tracker {
  /** Processes every record; rejects at the end if an AWS call failed, so Lambda retries the event. */
  handle(event: unknown, context: TrackerContext, config: TrackerConfig): Promise<void>;
}

interface Failure {
  readonly region: string;
  readonly parameter: string;
  readonly action: string;
  readonly errorName: string;
}

interface Invocation {
  readonly config: TrackerConfig;
  readonly ownAccount: string | undefined;
  readonly partition: string;
  readonly metrics: Metrics;
  readonly failures: Failure[];
  /** Lambda's time left in ms, when known. */
  readonly remainingMs: () => number | undefined;
}

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `arn:aws:lambda:us-east-1:123456789012:function:name` -> partition and account. */
function parseFunctionArn(arn: unknown): { partition: string; account: string | undefined } {
  const parts = typeof arn === "string" ? arn.split(":") : [];
  const account = parts[4];
  return { partition: parts[1] || "aws", account: account !== undefined && /^\d{12}$/.test(account) ? account : undefined };
}

function parameterArn(invocation: Invocation, region: string, name: string): string {
  return ssmParameterArn({ partition: invocation.partition, region, account: invocation.ownAccount ?? "<account>" }, name);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function isAccessDenied(errorName: string): boolean {
  // EC2 answers UnauthorizedOperation where SSM answers AccessDeniedException.
  return errorName === "AccessDeniedException" || errorName === "AccessDenied" || errorName === "UnauthorizedOperation";
}

export function createTracker(deps: TrackerDeps): Tracker {
  const powertools = deps.logger ?? createPowertoolsLogger(TRACKER_SERVICE);
  const metricsByNamespace = new Map<string, Metrics>();
  const metricsFor = (namespace: string): Metrics => {
    const existing = metricsByNamespace.get(namespace);
    if (existing !== undefined) return existing;
    const created = createMetrics({ namespace, serviceName: TRACKER_SERVICE });
    metricsByNamespace.set(namespace, created);
    return created;
  };
  const clock = deps.clock ?? systemClock;

  /** The budget, cut short so that Lambda's timeout never lands in the middle of the wait. */
  function acceptanceDeadline(invocation: Invocation): number {
    const now = clock.now();
    const remaining = invocation.remainingMs();
    const budget = remaining === undefined ? ACCEPTANCE_BUDGET_MS : Math.min(ACCEPTANCE_BUDGET_MS, remaining - reserveMs(remaining));
    return now + Math.max(0, budget);
  }

  async function trackAmi(invocation: Invocation, log: Logger, image: ImageMessage, ami: AmiOutput, name: string): Promise<void> {
    const client = deps.clientFor(ami.region);
    const tags = await readTags(client, name);
    const currentArn = tags?.get(TAG_IMAGE_ARN);
    const current = parseBuildOrder(tags?.get(TAG_IMAGE_VERSION), tags?.get(TAG_IMAGE_BUILD_VERSION));
    const currentText = current === undefined ? undefined : `${tags?.get(TAG_IMAGE_VERSION)}/${tags?.get(TAG_IMAGE_BUILD_VERSION)}`;
    log.debug("parameter tags read", { exists: tags !== undefined, currentImageArn: currentArn, currentBuild: currentText });

    if (currentArn !== undefined && currentArn === sanitizeTagValue(image.arn)) {
      log.info("already current", { decision: "already-current", reason: "the parameter already holds this build", amiId: ami.image });
      return;
    }
    const imageVersion = parseVersion(image.version);
    if (current !== undefined && imageVersion !== undefined) {
      const order = compareBuilds({ version: imageVersion, buildVersion: BigInt(image.buildVersion) }, current);
      if (order <= 0) {
        const reason = order < 0 ? `the parameter holds the newer build ${currentText}` : `the parameter holds another image of the same build ${currentText}`;
        log.info("stale", { decision: "stale", reason, amiId: ami.image, currentImageArn: currentArn });
        return;
      }
    }

    const description = trackerDescription(image, ami);
    const tier = invocation.config.advancedParameters.includes(name) ? "Advanced" : undefined;
    const version = await writeValue(client, name, ami.image, description, tier);
    // The record is written; tags and in-use marks follow the history's winner (newest-wins.ts), which
    // is this build unless a newer one was written concurrently.
    await waitUntilAccepted(client, name, version, ami.image, { deadline: acceptanceDeadline(invocation), clock, backoff: acceptanceBackoff });
    const converged = await converge(pointerPort(invocation, log, client, ami.region, name, tier));
    const winner = converged?.decision.winner;
    if (winner !== undefined && winner.value !== ami.image) {
      log.info("superseded", {
        decision: "superseded",
        reason: `a newer build (${winner.record.build === undefined ? "unknown build" : `${winner.record.build.version}/${winner.record.build.buildVersion}`}, version ${winner.version}) was written concurrently; the parameter holds it`,
        amiId: ami.image,
        version,
        winnerAmiId: winner.value,
        repairs: converged?.repairs,
      });
      return;
    }
    log.info("parameter written", {
      decision: "written",
      reason: current === undefined ? "no prior build recorded on the parameter" : `newer than ${currentText}`,
      amiId: ami.image,
      version,
      previousImageArn: currentArn,
      ...(converged !== undefined && converged.repairs > 0 ? { repairs: converged.repairs } : {}),
    });
    invocation.metrics.count(METRIC_PARAMETERS_WRITTEN, 1, { imageArn: image.arn, region: ami.region, parameter: name });
  }

  /** The parameter in one region as newest-wins.ts reaches it: this module's SDK edge. */
  function pointerPort(invocation: Invocation, log: Logger, client: SSMClient, region: string, name: string, tier: "Advanced" | undefined): PointerPort {
    const ec2For = deps.ec2For;
    return {
      region,
      history: () => readHistory(client, name),
      currentVersion: () => readVersion(client, name),
      async put(value, description) {
        const repaired = await writeValue(client, name, value, description, tier);
        await waitUntilAccepted(client, name, repaired, value, { deadline: acceptanceDeadline(invocation), clock, backoff: acceptanceBackoff });
        log.info("parameter repaired", { amiId: value, version: repaired, reason: "another value was current than the newest build's" });
      },
      tags: async () => (await readTags(client, name)) ?? new Map<string, string>(),
      async setTags(add, remove) {
        if (remove.length > 0) await removeTags(client, name, remove);
        await writeTags(client, name, add);
      },
      ...(ec2For !== undefined
        ? {
            async moveInUse(from: string | undefined, to: string) {
              const move = await moveInUseTags(ec2For(region), invocation.partition, region, name, from, to);
              if (move.create.length + move.remove.length === 0) return;
              log.info("in-use tags moved", {
                amiId: to,
                replacedAmiId: from,
                created: move.create.map((edit) => `${edit.imageId} ${edit.key}`),
                removed: move.remove.map((edit) => `${edit.imageId} ${edit.key}`),
              });
            },
          }
        : {}),
    };
  }

  function qualifies(invocation: Invocation, log: Logger, ami: AmiOutput): boolean {
    if (ami.accountId !== undefined && ami.accountId !== invocation.ownAccount) {
      const reason = invocation.ownAccount === undefined ? "the function's own account is unknown" : `owned by account ${ami.accountId}`;
      log.info("AMI of another account left alone", { decision: "ignored", reason, region: ami.region, amiId: ami.image });
      return false;
    }
    if (!invocation.config.trackedRegions.includes(ami.region)) {
      log.info("AMI in an untracked region left alone", { decision: "ignored", reason: "region not in TRACKED_REGIONS", region: ami.region, amiId: ami.image });
      return false;
    }
    return true;
  }

  function skip(invocation: Invocation, log: Logger, level: "info" | "warn", message: string, reason: string, imageArn?: string): void {
    log[level](message, { decision: "skipped", reason });
    invocation.metrics.count(METRIC_MESSAGES_SKIPPED, 1, { imageArn, reason });
  }

  async function processImage(invocation: Invocation, log: Logger, image: ImageMessage): Promise<void> {
    if (image.status !== "AVAILABLE") {
      if (image.status === "FAILED") {
        log.warn("image build failed", { decision: "skipped", reason: image.reason ?? "no reason given", status: image.status });
        invocation.metrics.count(METRIC_BUILDS_FAILED, 1, { imageArn: image.arn });
        invocation.metrics.count(METRIC_MESSAGES_SKIPPED, 1, { imageArn: image.arn, reason: "status FAILED" });
      } else {
        skip(invocation, log, "info", "image not available", `status ${image.status.slice(0, 40)}`, image.arn);
      }
      return;
    }
    const amis = image.amis.filter((ami) => qualifies(invocation, log, ami));
    if (amis.length === 0) {
      log.info("no AMI to track", { decision: "nothing-to-do", reason: `${image.amis.length} AMI(s), none owned by this account in a tracked region` });
      return;
    }
    const resolved = resolveParameterName(invocation.config.parameterTemplate, image);
    if (!resolved.ok) {
      skip(invocation, log, "warn", "message skipped", resolved.reason, image.arn);
      return;
    }
    const name = resolved.name;
    for (const ami of amis) {
      const amiLog = log.child({ region: ami.region, parameter: name });
      try {
        await trackAmi(invocation, amiLog, image, ami, name);
      } catch (error) {
        const failure: Failure =
          error instanceof SsmCallError
            ? { region: ami.region, parameter: name, action: error.action, errorName: error.awsErrorName }
            : error instanceof Ec2CallError
              ? { region: ami.region, parameter: name, action: error.action, errorName: error.awsErrorName }
              : error instanceof ValueNotAcceptedError
                ? { region: ami.region, parameter: name, action: "ssm:GetParameter", errorName: error.name }
                : { region: ami.region, parameter: name, action: "unknown", errorName: error instanceof Error ? error.name : "UnknownError" };
        invocation.failures.push(failure);
        const fields = {
          decision: "failed",
          action: failure.action,
          awsError: failure.errorName,
          amiId: ami.image,
          parameterArn: parameterArn(invocation, ami.region, name),
        };
        if (error instanceof ValueNotAcceptedError) {
          amiLog.error("value not accepted by SSM in time: tags left on the previous build", {
            ...fields,
            version: error.version,
            polls: error.polls,
            waitedMs: error.waitedMs,
            reason: error.message,
            error,
          });
        } else if (isAccessDenied(failure.errorName)) {
          const resource = error instanceof Ec2CallError ? error.resource : fields.parameterArn;
          amiLog.error(`access denied: the function's role needs ${failure.action} on ${resource}`, {
            ...fields,
            reason: error instanceof Error ? error.message : undefined,
            error: asError(error),
          });
        } else {
          amiLog.error("AWS call failed after retries", { ...fields, reason: error instanceof Error ? error.message : undefined, error: asError(error) });
        }
      }
    }
  }

  async function processRecord(invocation: Invocation, base: Logger, record: unknown, index: number, requestId: string): Promise<void> {
    const sns = isObject(record) ? record.Sns : undefined;
    const messageId = isObject(sns) && typeof sns.MessageId === "string" ? sns.MessageId : `${requestId}/${index}`;
    const log = base.child({ correlationId: messageId });
    if (!isObject(sns)) {
      skip(invocation, log, "warn", "record skipped", "record has no Sns object");
      return;
    }
    const parsed = parseMessage(sns.Message);
    switch (parsed.kind) {
      case "invalid":
        skip(invocation, log, "warn", "message skipped", parsed.reason);
        return;
      case "eventbridge":
        skip(
          invocation,
          log.child({ imageArn: parsed.resources[0] }),
          "info",
          "EventBridge event skipped",
          "EventBridge image state change carries no AMI IDs",
          parsed.resources[0],
        );
        return;
      case "image":
        // The image ARN is Powertools' correlation_id: one build's lines across messages and retries.
        await processImage(invocation, log.child({ imageArn: parsed.image.arn, correlation_id: parsed.image.arn }), parsed.image);
        return;
    }
  }

  return {
    async handle(event, context, config) {
      const requestId = typeof context.awsRequestId === "string" ? context.awsRequestId : "unknown";
      powertools.addContext(context);
      const base = loggerOver(powertools);
      const { partition, account } = parseFunctionArn(context.invokedFunctionArn);
      if (account === undefined) base.warn("own account unknown: invokedFunctionArn has no account; only AMIs without accountId are written");
      const invocation: Invocation = {
        config,
        ownAccount: account,
        partition,
        metrics: metricsFor(config.metricsNamespace),
        failures: [],
        remainingMs: () => (typeof context.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : undefined),
      };

      const records = isObject(event) ? event.Records : undefined;
      if (!Array.isArray(records)) {
        const detailType = isObject(event) ? event["detail-type"] : undefined;
        const reason = typeof detailType === "string" ? `EventBridge event "${detailType.slice(0, 100)}" instead of SNS records` : "event has no Records array";
        skip(invocation, base.child({ correlationId: requestId }), "warn", "event skipped", reason);
        return;
      }
      for (const [index, record] of records.entries()) {
        await processRecord(invocation, base, record, index, requestId);
      }
      if (invocation.failures.length > 0) {
        const list = invocation.failures.map((f) => `${f.region} ${f.parameter} (${f.action} ${f.errorName})`).join("; ");
        throw new TrackerWriteError(`AMI tracker: ${invocation.failures.length} parameter update(s) failed after retries: ${list}`);
      }
    },
  };
}
