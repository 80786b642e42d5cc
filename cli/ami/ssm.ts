/**
 * SSM's side of the CLI: a pointer's kept versions and tags, and its writes (an explicit tier, then a wait
 * until SSM's asynchronous `aws:ec2:image` validation shows the version). A parameter that does not exist
 * reads as undefined, not as an error.
 */
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
} from "@aws-sdk/client-ssm";
import { AwsCallError, type AwsClients, call, callError, errorName, type PointerRef, type Sleep } from "./sdk";

const MISSING_PARAMETER = new Set(["ParameterNotFound", "InvalidResourceId"]);
export interface ParameterVersion {
  readonly version: number;
  readonly value: string;
  readonly modified?: Date;
  readonly user?: string;
  readonly description?: string;
  /** The tier SSM reports for this version (GetParameterHistory's `Tier`). */
  readonly tier?: string;
}

/** Every kept version, oldest first, or undefined when the parameter does not exist. */
export async function parameterHistory(clients: AwsClients, ref: PointerRef): Promise<ParameterVersion[] | undefined> {
  const versions: ParameterVersion[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const token = nextToken;
      const page = await clients
        .ssm(ref.region)
        .send(new GetParameterHistoryCommand({ Name: ref.name, MaxResults: 50, ...(token ? { NextToken: token } : {}) }));
      for (const entry of page.Parameters ?? []) {
        if (entry.Version === undefined || entry.Value === undefined) continue;
        versions.push({
          version: entry.Version,
          value: entry.Value,
          ...(entry.LastModifiedDate ? { modified: entry.LastModifiedDate } : {}),
          ...(entry.LastModifiedUser ? { user: entry.LastModifiedUser } : {}),
          ...(entry.Description ? { description: entry.Description } : {}),
          ...(entry.Tier ? { tier: entry.Tier } : {}),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    if (MISSING_PARAMETER.has(errorName(error))) return undefined;
    throw callError("ssm:GetParameterHistory", ref.arn, error);
  }
  return versions.sort((a, b) => a.version - b.version);
}

/** The parameter's tags, or undefined when it does not exist. */
export async function parameterTags(clients: AwsClients, ref: PointerRef): Promise<Map<string, string> | undefined> {
  try {
    const output = await clients.ssm(ref.region).send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: ref.name }));
    const tags = new Map<string, string>();
    for (const tag of output.TagList ?? []) if (tag.Key !== undefined && tag.Value !== undefined) tags.set(tag.Key, tag.Value);
    return tags;
  } catch (error) {
    if (MISSING_PARAMETER.has(errorName(error))) return undefined;
    throw callError("ssm:ListTagsForResource", ref.arn, error);
  }
}

/** The tiers the CLI writes: it never leaves the tier to the account's default setting. */
export type WriteTier = "Standard" | "Advanced";

/**
 * Writes an `aws:ec2:image` value with an explicit Tier; returns the version SSM assigned (visible only
 * once validated). Without Tier, SSM applies the account's default tier setting (ps-default-tier.html),
 * so the tier would depend on the account, not on what the pointer needs.
 */
export async function putImageValue(clients: AwsClients, ref: PointerRef, amiId: string, description: string, tier: WriteTier): Promise<number> {
  const output = await call("ssm:PutParameter", ref.arn, () =>
    clients.ssm(ref.region).send(
      new PutParameterCommand({
        Name: ref.name,
        Value: amiId,
        Type: "String",
        DataType: "aws:ec2:image",
        Overwrite: true,
        Description: description,
        Tier: tier,
      }),
    ),
  );
  if (output.Version === undefined) throw new AwsCallError("ssm:PutParameter", ref.arn, "NoVersion", "PutParameter returned no version");
  return output.Version;
}

/** Delays (ms) between reads while SSM validates an `aws:ec2:image` value: about 32 s in all. */
export const VISIBILITY_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000];
/** The version SSM assigned never became visible: the value failed validation, or it is very slow. */
export class ValidationTimeoutError extends AwsCallError {
  constructor(ref: PointerRef, version: number, amiId: string, waitedMs: number) {
    super(
      "ssm:GetParameter",
      ref.arn,
      "VersionNotVisible",
      `version ${version} (${amiId}) did not appear within ${Math.round(waitedMs / 1000)} s: SSM's aws:ec2:image validation probably rejected it (is ${amiId} available in ${ref.region}, and may the caller ec2:DescribeImages?)`,
    );
  }
}

/**
 * Waits with bounded backoff until the parameter shows `version` (or a later one) holding `amiId`.
 * `aws:ec2:image` writes are validated asynchronously: until then GetParameter answers the old version,
 * or ParameterNotFound for a new parameter, and tagging a new parameter fails.
 */
export async function waitForVersion(clients: AwsClients, ref: PointerRef, version: number, amiId: string, sleep: Sleep): Promise<void> {
  let waited = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const output = await clients.ssm(ref.region).send(new GetParameterCommand({ Name: ref.name }));
      const seen = output.Parameter?.Version ?? 0;
      if (seen > version || (seen === version && output.Parameter?.Value === amiId)) return;
    } catch (error) {
      if (!MISSING_PARAMETER.has(errorName(error))) throw callError("ssm:GetParameter", ref.arn, error);
    }
    const delay = VISIBILITY_DELAYS_MS[attempt];
    if (delay === undefined) throw new ValidationTimeoutError(ref, version, amiId, waited);
    await sleep(delay);
    waited += delay;
  }
}

/** The parameter's visible version, or undefined when it does not exist. */
export async function currentVersion(clients: AwsClients, ref: PointerRef): Promise<number | undefined> {
  try {
    const output = await clients.ssm(ref.region).send(new GetParameterCommand({ Name: ref.name }));
    return output.Parameter?.Version;
  } catch (error) {
    if (MISSING_PARAMETER.has(errorName(error))) return undefined;
    throw callError("ssm:GetParameter", ref.arn, error);
  }
}

export async function addParameterTags(
  clients: AwsClients,
  ref: PointerRef,
  tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>,
): Promise<void> {
  if (tags.length === 0) return;
  await call("ssm:AddTagsToResource", ref.arn, () =>
    clients.ssm(ref.region).send(new AddTagsToResourceCommand({ ResourceType: "Parameter", ResourceId: ref.name, Tags: tags.map((tag) => ({ ...tag })) })),
  );
}

export async function removeParameterTags(clients: AwsClients, ref: PointerRef, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await call("ssm:RemoveTagsFromResource", ref.arn, () =>
    clients.ssm(ref.region).send(new RemoveTagsFromResourceCommand({ ResourceType: "Parameter", ResourceId: ref.name, TagKeys: [...keys] })),
  );
}

/** Deletes the parameter; one already gone is fine (a value that failed validation never created it). */
export async function deleteParameter(clients: AwsClients, ref: PointerRef): Promise<void> {
  try {
    await clients.ssm(ref.region).send(new DeleteParameterCommand({ Name: ref.name }));
  } catch (error) {
    if (MISSING_PARAMETER.has(errorName(error))) return;
    throw callError("ssm:DeleteParameter", ref.arn, error);
  }
}
