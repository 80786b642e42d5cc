/**
 * The SDK edge: the parameter's value and tags in one region's Parameter Store.
 * PutParameter rejects `Tags` together with `Overwrite`, so tags go through AddTagsToResource.
 */
import type { PointerVersion } from "../../ami-pointers/newest-wins";
import {
  AddTagsToResourceCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";

/** The IAM action behind each call, for error messages. */
export type SsmAction =
  | "ssm:ListTagsForResource"
  | "ssm:PutParameter"
  | "ssm:GetParameter"
  | "ssm:GetParameterHistory"
  | "ssm:AddTagsToResource"
  | "ssm:RemoveTagsFromResource";

/** An AWS call that still failed after the SDK's retries. */
export class SsmCallError extends Error {
  override readonly name = "SsmCallError";
  constructor(
    readonly action: SsmAction,
    readonly parameter: string,
    /** The AWS error name, e.g. ThrottlingException, AccessDeniedException. */
    readonly awsErrorName: string,
    readonly awsMessage: string,
  ) {
    super(`${action} on ${parameter} failed: ${awsErrorName}: ${awsMessage}`);
  }
}

const MISSING_PARAMETER = new Set(["InvalidResourceId", "ParameterNotFound"]);

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  return "UnknownError";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function call<T>(action: SsmAction, parameter: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw new SsmCallError(action, parameter, errorName(error), errorMessage(error));
  }
}

/** The parameter's tags as a map, or undefined when the parameter does not exist. */
export async function readTags(client: SSMClient, name: string): Promise<ReadonlyMap<string, string> | undefined> {
  try {
    const output = await client.send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: name }));
    const tags = new Map<string, string>();
    for (const tag of output.TagList ?? []) {
      if (tag.Key !== undefined && tag.Value !== undefined) tags.set(tag.Key, tag.Value);
    }
    return tags;
  } catch (error) {
    if (MISSING_PARAMETER.has(errorName(error))) return undefined;
    throw new SsmCallError("ssm:ListTagsForResource", name, errorName(error), errorMessage(error));
  }
}

/**
 * SSM's answer to a write that would take an Advanced parameter back to Standard (ValidationException:
 * "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the
 * advanced-parameter tier to the standard-parameter tier. ...", quoted in hashicorp/terraform-provider-aws
 * internal/service/ssm/parameter.go, CustomizeDiff).
 */
const ADVANCED_DOWNGRADE = /can't downgrade a parameter from the advanced-parameter tier/i;

function isAdvancedDowngrade(error: unknown): boolean {
  return errorName(error) === "ValidationException" && ADVANCED_DOWNGRADE.test(errorMessage(error));
}

/**
 * Writes the AMI ID as an `aws:ec2:image` String parameter, overwriting the current value; returns the
 * version PutParameter assigned. For this DataType a 200 does not mean the value was accepted: SSM
 * validates it asynchronously (see `waitUntilAccepted`).
 *
 * Tier: "Advanced" for a shared parameter (RAM shares only Advanced parameters). Otherwise no Tier, and
 * SSM "assigns the tier based on the current Parameter Store default tier configuration" (PutParameter
 * API reference, Tier; https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-default-tier.html),
 * Standard unless the account changed it, while "you can't revert an advanced parameter to a standard
 * parameter" (same page). The docs do not say that an omitted Tier keeps an Advanced parameter Advanced:
 * a parameter that is Advanced already (shared once, upgraded by `npm run ami`) may be refused with
 * SSM's downgrade error. Then the write is sent again with Tier "Advanced", the tier it has, which costs
 * nothing more and needs no other IAM action than PutParameter. Any other error is not retried here.
 */
export async function writeValue(client: SSMClient, name: string, amiId: string, description: string, tier?: "Advanced"): Promise<number> {
  const put = (sent: "Advanced" | undefined) =>
    client.send(
      new PutParameterCommand({
        Name: name,
        Value: amiId,
        Type: "String",
        DataType: "aws:ec2:image",
        Overwrite: true,
        Description: description,
        ...(sent !== undefined ? { Tier: sent } : {}),
      }),
    );
  const output = await call("ssm:PutParameter", name, async () => {
    try {
      return await put(tier);
    } catch (error) {
      // Refused before anything was written: the same write in the parameter's own tier.
      if (tier === undefined && isAdvancedDowngrade(error)) return await put("Advanced");
      throw error;
    }
  });
  if (output.Version === undefined) throw new SsmCallError("ssm:PutParameter", name, "MissingVersion", "PutParameter returned no Version");
  return output.Version;
}

/**
 * SSM did not show the written value as the version PutParameter returned within the budget: either
 * validation is still running or it failed (the value then never becomes a version). Retryable: the
 * invocation fails, Lambda retries the event, then sends it to the dead-letter queue. Tags are not written.
 */
export class ValueNotAcceptedError extends Error {
  override readonly name = "ValueNotAcceptedError";
  constructor(
    readonly parameter: string,
    readonly version: number,
    readonly value: string,
    readonly waitedMs: number,
    readonly polls: number,
  ) {
    super(
      `${parameter}:${version} (${value}) not visible after ${polls} GetParameter call(s) over ${waitedMs} ms: aws:ec2:image validation still running or failed`,
    );
  }
}

/** A clock the wait can be tested with. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface AcceptanceWait {
  /** Give up at this time (clock milliseconds). */
  readonly deadline: number;
  readonly clock: Clock;
  /** Delay before poll number `poll` (1 = the second GetParameter). */
  readonly backoff: (poll: number) => number;
}

/** 200 ms, 400 ms, 800 ms, 1.6 s, then every 2 s: validation usually ends within seconds. */
export const acceptanceBackoff = (poll: number): number => Math.min(2_000, 100 * 2 ** poll);

/** The answers that mean "not (yet) a version": a new parameter, or a version still being validated. */
const NOT_YET_VISIBLE = new Set(["ParameterNotFound", "ParameterVersionNotFound", "InvalidResourceId"]);

/**
 * Polls GetParameter with the `name:version` selector until that version exists and holds `value`.
 * Validation of `aws:ec2:image` is asynchronous ("Native parameter support for Amazon Machine Image IDs",
 * Systems Manager user guide; PutParameter API reference, DataType): a 200 from PutParameter may still
 * end in no version at all. Throws ValueNotAcceptedError at the deadline, SsmCallError on other errors.
 */
export async function waitUntilAccepted(client: SSMClient, name: string, version: number, value: string, wait: AcceptanceWait): Promise<void> {
  const started = wait.clock.now();
  for (let poll = 0; ; poll++) {
    if (poll > 0) {
      const delay = Math.min(wait.backoff(poll), wait.deadline - wait.clock.now());
      if (delay <= 0) throw new ValueNotAcceptedError(name, version, value, wait.clock.now() - started, poll);
      await wait.clock.sleep(delay);
    }
    try {
      const output = await client.send(new GetParameterCommand({ Name: `${name}:${version}` }));
      const shown = output.Parameter;
      if (shown?.Version === version && shown.Value === value) return;
      // The version exists with another value: it is not ours, and waiting will not change it.
      throw new ValueNotAcceptedError(name, version, value, wait.clock.now() - started, poll + 1);
    } catch (error) {
      if (error instanceof ValueNotAcceptedError) throw error;
      if (!NOT_YET_VISIBLE.has(errorName(error))) throw new SsmCallError("ssm:GetParameter", name, errorName(error), errorMessage(error));
    }
  }
}

/** Adds or overwrites tags (keys not listed are left as they are). */
export async function writeTags(client: SSMClient, name: string, tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>): Promise<void> {
  await call("ssm:AddTagsToResource", name, () =>
    client.send(new AddTagsToResourceCommand({ ResourceType: "Parameter", ResourceId: name, Tags: tags.map((tag) => ({ ...tag })) })),
  );
}

/** Removes tags by key. */
export async function removeTags(client: SSMClient, name: string, keys: readonly string[]): Promise<void> {
  await call("ssm:RemoveTagsFromResource", name, () =>
    client.send(new RemoveTagsFromResourceCommand({ ResourceType: "Parameter", ResourceId: name, TagKeys: [...keys] })),
  );
}

/**
 * Every kept version (SSM keeps the last 100), oldest first, or undefined when the parameter does not
 * exist. Pages of 50, GetParameterHistory's maximum: one call for up to 50 versions, two beyond.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameterHistory.html
 */
export async function readHistory(client: SSMClient, name: string): Promise<PointerVersion[] | undefined> {
  const versions: PointerVersion[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(new GetParameterHistoryCommand({ Name: name, MaxResults: 50, ...(token ? { NextToken: token } : {}) }));
      for (const entry of page.Parameters ?? []) {
        if (entry.Version === undefined || entry.Value === undefined) continue;
        versions.push({
          version: entry.Version,
          value: entry.Value,
          ...(entry.Description ? { description: entry.Description } : {}),
          ...(entry.LastModifiedDate ? { modified: entry.LastModifiedDate } : {}),
          ...(entry.LastModifiedUser ? { user: entry.LastModifiedUser } : {}),
        });
      }
      token = page.NextToken;
    } while (token);
  } catch (error) {
    if (MISSING_PARAMETER.has(errorName(error))) return undefined;
    throw new SsmCallError("ssm:GetParameterHistory", name, errorName(error), errorMessage(error));
  }
  return versions.sort((a, b) => a.version - b.version);
}

/** The version GetParameter shows now, or undefined when the parameter does not exist. */
export async function readVersion(client: SSMClient, name: string): Promise<number | undefined> {
  try {
    const output = await client.send(new GetParameterCommand({ Name: name }));
    return output.Parameter?.Version;
  } catch (error) {
    if (MISSING_PARAMETER.has(errorName(error))) return undefined;
    throw new SsmCallError("ssm:GetParameter", name, errorName(error), errorMessage(error));
  }
}
