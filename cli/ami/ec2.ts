/**
 * EC2's side of the CLI: what it reads of AMIs (DescribeImages, by ID or by in-use tag) and what it changes
 * on them (in-use tags; revoke's deprecation and disabling, and their inverses). Every call acts on
 * `arn:<partition>:ec2:<region>::image/<ami>`.
 */
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeImagesCommand,
  DisableImageCommand,
  DisableImageDeprecationCommand,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  type Filter,
  type Image,
} from "@aws-sdk/client-ec2";
import type { AmiTagEdit, InUseHolders } from "../../ami-pointers/channels";
import { IN_USE_TAG_VALUE, inUseTagKey } from "../../ami-pointers/in-use";
import { formatArn } from "../../aws/arn";
import { type AwsClients, call } from "./sdk";

/** What the CLI reads of an AMI. */
export interface ImageFacts {
  readonly amiId: string;
  readonly name?: string;
  /** Image Builder's `Ec2ImageBuilderArn` tag. */
  readonly imageArn?: string;
  readonly tags: ReadonlyMap<string, string>;
  /** DescribeImages' CreationDate. */
  readonly created?: Date;
  /** DescribeImages' State: "disabled" after DisableImage. */
  readonly state?: string;
}

function imageFacts(image: Image): ImageFacts | undefined {
  if (image.ImageId === undefined) return undefined;
  const tags = new Map<string, string>();
  for (const tag of image.Tags ?? []) if (tag.Key !== undefined && tag.Value !== undefined) tags.set(tag.Key, tag.Value);
  const imageArn = tags.get("Ec2ImageBuilderArn");
  const created = image.CreationDate === undefined ? undefined : new Date(image.CreationDate);
  return {
    amiId: image.ImageId,
    ...(image.Name ? { name: image.Name } : {}),
    ...(imageArn ? { imageArn } : {}),
    tags,
    ...(created !== undefined && !Number.isNaN(created.getTime()) ? { created } : {}),
    ...(image.State ? { state: image.State } : {}),
  };
}

const IMAGE_ID_CHUNK = 200;

async function describeImages(
  clients: AwsClients,
  partition: string,
  region: string,
  filters: Filter[],
  extra: { Owners?: string[]; IncludeDisabled?: boolean } = {},
): Promise<ImageFacts[]> {
  const images: ImageFacts[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const output = await call("ec2:DescribeImages", formatArn({ partition, service: "ec2", region, resource: "image/*" }), () =>
      clients.ec2(region).send(new DescribeImagesCommand({ Filters: filters, ...extra, ...(token ? { NextToken: token } : {}) })),
    );
    for (const image of output.Images ?? []) {
      const facts = imageFacts(image);
      if (facts !== undefined) images.push(facts);
    }
    nextToken = output.NextToken;
  } while (nextToken);
  return images;
}

/**
 * The AMIs that still exist among `amiIds` (a filter, so a deregistered one is simply absent). A disabled
 * AMI is listed only with `includeDisabled` (DescribeImages' IncludeDisabled).
 */
export async function imagesById(
  clients: AwsClients,
  partition: string,
  region: string,
  amiIds: readonly string[],
  includeDisabled = false,
): Promise<Map<string, ImageFacts>> {
  const unique = [...new Set(amiIds)];
  const found = new Map<string, ImageFacts>();
  for (let start = 0; start < unique.length; start += IMAGE_ID_CHUNK) {
    const chunk = unique.slice(start, start + IMAGE_ID_CHUNK);
    for (const image of await describeImages(
      clients,
      partition,
      region,
      [{ Name: "image-id", Values: chunk }],
      includeDisabled ? { IncludeDisabled: true } : {},
    ))
      found.set(image.amiId, image);
  }
  return found;
}

/** Which of the account's AMIs carry the pointer's in-use tags (ami-pointers/in-use.ts). */
export async function inUseHolders(clients: AwsClients, partition: string, region: string, pointer: string): Promise<InUseHolders> {
  const currentKey = inUseTagKey(pointer, "current");
  const previousKey = inUseTagKey(pointer, "previous");
  const images = await describeImages(clients, partition, region, [{ Name: "tag-key", Values: [currentKey, previousKey] }], { Owners: ["self"] });
  return {
    current: images
      .filter((image) => image.tags.has(currentKey))
      .map((image) => image.amiId)
      .sort(),
    previous: images
      .filter((image) => image.tags.has(previousKey))
      .map((image) => image.amiId)
      .sort(),
  };
}

function imageArn(partition: string, region: string, amiId: string): string {
  return formatArn({ partition, service: "ec2", region, resource: `image/${amiId}` });
}

/** Creates the in-use tags, one call per AMI (the error then names that AMI's ARN). */
export async function createAmiTags(clients: AwsClients, partition: string, region: string, edits: readonly AmiTagEdit[]): Promise<void> {
  for (const edit of edits) {
    await call("ec2:CreateTags", imageArn(partition, region, edit.imageId), () =>
      clients.ec2(region).send(new CreateTagsCommand({ Resources: [edit.imageId], Tags: [{ Key: edit.key, Value: IN_USE_TAG_VALUE }] })),
    );
  }
}

/** Deletes the in-use tags by key (whatever their value). */
export async function deleteAmiTags(clients: AwsClients, partition: string, region: string, edits: readonly AmiTagEdit[]): Promise<void> {
  for (const edit of edits) {
    await call("ec2:DeleteTags", imageArn(partition, region, edit.imageId), () =>
      clients.ec2(region).send(new DeleteTagsCommand({ Resources: [edit.imageId], Tags: [{ Key: edit.key }] })),
    );
  }
}

/**
 * Revoke and restore (EC2 API reference): EnableImageDeprecation (DeprecateAt "can't be in the past";
 * seconds round to the minute), DisableImage ("You can re-enable a disabled AMI using EnableImage"),
 * and their inverses. Each acts on `arn:<partition>:ec2:<region>::image/<ami>`.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableImageDeprecation.html
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisableImage.html
 */
export async function deprecateImage(clients: AwsClients, partition: string, region: string, amiId: string, at: Date): Promise<void> {
  await call("ec2:EnableImageDeprecation", imageArn(partition, region, amiId), () =>
    clients.ec2(region).send(new EnableImageDeprecationCommand({ ImageId: amiId, DeprecateAt: at })),
  );
}

export async function undeprecateImage(clients: AwsClients, partition: string, region: string, amiId: string): Promise<void> {
  await call("ec2:DisableImageDeprecation", imageArn(partition, region, amiId), () =>
    clients.ec2(region).send(new DisableImageDeprecationCommand({ ImageId: amiId })),
  );
}

export async function disableImage(clients: AwsClients, partition: string, region: string, amiId: string): Promise<void> {
  await call("ec2:DisableImage", imageArn(partition, region, amiId), () => clients.ec2(region).send(new DisableImageCommand({ ImageId: amiId })));
}

export async function enableImage(clients: AwsClients, partition: string, region: string, amiId: string): Promise<void> {
  await call("ec2:EnableImage", imageArn(partition, region, amiId), () => clients.ec2(region).send(new EnableImageCommand({ ImageId: amiId })));
}
