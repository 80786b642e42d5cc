/**
 * In-use tags on the AMIs the tracker points its parameter at (ami-pointers/in-use.ts): the AMI
 * written gets `ami-loop:current:<parameter>`, the AMI it replaced `ami-loop:previous:<parameter>` (the
 * rollback target), and every other AMI of this account loses both. The move is planned by
 * planInUseMove (ami-pointers/channels.ts), the same plan the operator CLI applies, so an Image
 * Builder lifecycle policy excluding those keys never deletes an AMI a pointer holds or held last.
 *
 * Calls (EC2 API reference): DescribeImages with Owners ["self"] and a tag-key filter (no resource-level
 * permission); CreateTags and DeleteTags on `arn:<partition>:ec2:<region>::image/<ami>`, one AMI per call
 * so that an error names the AMI. DeleteTags names the key: a DeleteTags without keys deletes every tag.
 */
import { CreateTagsCommand, DeleteTagsCommand, DescribeImagesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { ec2ImageArn } from "../../aws/arn";
import { IN_USE_TAG_VALUE, inUseTagKey } from "../../ami-pointers/in-use";
import { planInUseMove, type InUseHolders, type InUseMove } from "../../ami-pointers/channels";

export type Ec2Action = "ec2:DescribeImages" | "ec2:CreateTags" | "ec2:DeleteTags";

/** An EC2 call that still failed after the SDK's retries. */
export class Ec2CallError extends Error {
  override readonly name = "Ec2CallError";
  constructor(
    readonly action: Ec2Action,
    readonly resource: string,
    readonly awsErrorName: string,
    readonly awsMessage: string,
  ) {
    super(`${action} on ${resource} failed: ${awsErrorName}: ${awsMessage}`);
  }
}

async function call<T>(action: Ec2Action, resource: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw new Ec2CallError(action, resource, error instanceof Error ? error.name : "UnknownError", error instanceof Error ? error.message : String(error));
  }
}

/** Which of this account's AMIs carry the parameter's in-use keys now. */
export async function readHolders(client: EC2Client, partition: string, region: string, parameter: string): Promise<InUseHolders> {
  const currentKey = inUseTagKey(parameter, "current");
  const previousKey = inUseTagKey(parameter, "previous");
  const current = new Set<string>();
  const previous = new Set<string>();
  let token: string | undefined;
  do {
    const output = await call("ec2:DescribeImages", ec2ImageArn({ partition, region }, "*"), () =>
      client.send(
        new DescribeImagesCommand({
          Owners: ["self"],
          Filters: [{ Name: "tag-key", Values: [currentKey, previousKey] }],
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    for (const image of output.Images ?? []) {
      if (image.ImageId === undefined) continue;
      const keys = new Set((image.Tags ?? []).map((tag) => tag.Key));
      if (keys.has(currentKey)) current.add(image.ImageId);
      if (keys.has(previousKey)) previous.add(image.ImageId);
    }
    token = output.NextToken;
  } while (token);
  return { current: [...current].sort(), previous: [...previous].sort() };
}

/** Applies a move: creates first, so that an AMI is never unprotected between the two steps. */
export async function applyMove(client: EC2Client, partition: string, region: string, move: InUseMove): Promise<void> {
  for (const edit of move.create) {
    await call("ec2:CreateTags", ec2ImageArn({ partition, region }, edit.imageId), () =>
      client.send(new CreateTagsCommand({ Resources: [edit.imageId], Tags: [{ Key: edit.key, Value: IN_USE_TAG_VALUE }] })),
    );
  }
  for (const edit of move.remove) {
    await call("ec2:DeleteTags", ec2ImageArn({ partition, region }, edit.imageId), () =>
      client.send(new DeleteTagsCommand({ Resources: [edit.imageId], Tags: [{ Key: edit.key }] })),
    );
  }
}

/** The parameter moved from `from` (undefined: unknown, e.g. a seeded value) to `to`: move its in-use tags. */
export async function moveInUseTags(
  client: EC2Client,
  partition: string,
  region: string,
  parameter: string,
  from: string | undefined,
  to: string,
): Promise<InUseMove> {
  const holders = await readHolders(client, partition, region, parameter);
  const move = planInUseMove(parameter, from, to, holders);
  await applyMove(client, partition, region, move);
  return move;
}
