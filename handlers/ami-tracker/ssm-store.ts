/**
 * The SDK edge: the parameter's value and tags in one region's Parameter Store.
 * PutParameter rejects `Tags` together with `Overwrite`, so tags go through AddTagsToResource.
 */
import {
  AddTagsToResourceCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";

/** The IAM action behind each call, for error messages. */
export type SsmAction = "ssm:ListTagsForResource" | "ssm:PutParameter" | "ssm:AddTagsToResource" | "ssm:RemoveTagsFromResource";

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

/** Writes the AMI ID as an `aws:ec2:image` String parameter, overwriting the current value. */
export async function writeValue(client: SSMClient, name: string, amiId: string, description: string): Promise<void> {
  await call("ssm:PutParameter", name, () =>
    client.send(
      new PutParameterCommand({
        Name: name,
        Value: amiId,
        Type: "String",
        DataType: "aws:ec2:image",
        Overwrite: true,
        Description: description,
      }),
    ),
  );
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
