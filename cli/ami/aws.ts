/**
 * The SDK edge of the AMI operator CLI: every call names its IAM action and the ARN it acts on, so an
 * error says what failed where (and, for AccessDenied, which permission is missing).
 * Retries: the SDK's standard retry mode, 6 attempts.
 */
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeImagesCommand,
  DisableImageCommand,
  DisableImageDeprecationCommand,
  EC2Client,
  EnableImageCommand,
  EnableImageDeprecationCommand,
  type Filter,
  type Image,
} from "@aws-sdk/client-ec2";
import { GetImageCommand, ImagebuilderClient, ListImageScanFindingsCommand } from "@aws-sdk/client-imagebuilder";
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
  type SSMClientConfig,
} from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { ConfiguredRetryStrategy } from "@smithy/util-retry";
import { IN_USE_TAG_VALUE, inUseTagKey } from "../../ami-pointers/in-use";
import type { AmiTagEdit, InUseHolders } from "../../ami-pointers/channels";
import { formatArn } from "../../aws/arn";

export const MAX_ATTEMPTS = 6;

/** The clients of each region, created once. */
export interface AwsClients {
  ssm(region: string): SSMClient;
  ec2(region: string): EC2Client;
  sts(region: string): STSClient;
  imagebuilder(region: string): ImagebuilderClient;
}

/** Delay in ms before retry number `attempt` (1 = the first retry). */
export type Backoff = (attempt: number) => number;

/** Exponential backoff with full jitter above half: ~100 ms, 200 ms, 400 ms, ... capped at 20 s. */
export const exponentialBackoff: Backoff = (attempt) => {
  const ceiling = Math.min(20_000, 50 * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
};

export interface AwsClientOptions {
  /** @default 6 */
  readonly maxAttempts?: number;
  /** @default exponentialBackoff */
  readonly backoff?: Backoff;
  /** Anything else for every client (tests pass a stub `requestHandler` and credentials). @default - none */
  readonly clientConfig?: Pick<SSMClientConfig, "requestHandler" | "credentials">;
}

/**
 * Clients with the usual credential chain. Retries: the SDK's standard retry mode (throttling, 5xx,
 * transient network errors; `ConfiguredRetryStrategy` is standard mode with our backoff).
 */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const cache = new Map<string, SSMClient | EC2Client | STSClient | ImagebuilderClient>();
  function cached<T extends SSMClient | EC2Client | STSClient | ImagebuilderClient>(key: string, create: () => T): T {
    const existing = cache.get(key);
    if (existing !== undefined) return existing as T;
    const client = create();
    cache.set(key, client);
    return client;
  }
  const config = (region: string) => ({
    ...options.clientConfig,
    region,
    retryStrategy: new ConfiguredRetryStrategy(options.maxAttempts ?? MAX_ATTEMPTS, options.backoff ?? exponentialBackoff),
  });
  return {
    ssm: (region) => cached(`ssm:${region}`, () => new SSMClient(config(region))),
    ec2: (region) => cached(`ec2:${region}`, () => new EC2Client(config(region))),
    sts: (region) => cached(`sts:${region}`, () => new STSClient(config(region))),
    imagebuilder: (region) => cached(`imagebuilder:${region}`, () => new ImagebuilderClient(config(region))),
  };
}

/** An AWS call that still failed after the SDK's retries. */
export class AwsCallError extends Error {
  override readonly name = "AwsCallError";
  constructor(
    /** The IAM action, e.g. "ssm:PutParameter". */
    readonly action: string,
    /** The ARN acted on. */
    readonly arn: string,
    /** The AWS error name, e.g. "AccessDeniedException". */
    readonly awsErrorName: string,
    readonly awsMessage: string,
  ) {
    super(
      isAccessDenied(awsErrorName)
        ? `${action} on ${arn} was denied (${awsErrorName}): the caller lacks permission "${action}" on ${arn}; \`npm run ami -- policy\` prints the policy an operator needs`
        : `${action} on ${arn} failed: ${awsErrorName}: ${awsMessage}`,
    );
  }
}

/** SSM says AccessDeniedException, EC2 UnauthorizedOperation, STS AccessDenied. */
export function isAccessDenied(errorName: string): boolean {
  return errorName === "AccessDeniedException" || errorName === "AccessDenied" || errorName === "UnauthorizedOperation";
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "UnknownError";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function call<T>(action: string, arn: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof AwsCallError) throw error;
    throw new AwsCallError(action, arn, errorName(error), errorMessage(error));
  }
}

const MISSING_PARAMETER = new Set(["ParameterNotFound", "InvalidResourceId"]);

/** One pointer (parameter) in one region. */
export interface PointerRef {
  readonly name: string;
  readonly region: string;
  readonly arn: string;
}

export interface Caller {
  readonly arn: string;
  readonly account: string;
  readonly partition: string;
}

export async function callerIdentity(clients: AwsClients, region: string): Promise<Caller> {
  const output = await call("sts:GetCallerIdentity", `sts.${region}`, () => clients.sts(region).send(new GetCallerIdentityCommand({})));
  const arn = output.Arn ?? "unknown";
  return { arn, account: output.Account ?? "unknown", partition: arn.split(":")[1] || "aws" };
}

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
    throw new AwsCallError("ssm:GetParameterHistory", ref.arn, errorName(error), errorMessage(error));
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
    throw new AwsCallError("ssm:ListTagsForResource", ref.arn, errorName(error), errorMessage(error));
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

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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
      if (!MISSING_PARAMETER.has(errorName(error))) throw new AwsCallError("ssm:GetParameter", ref.arn, errorName(error), errorMessage(error));
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
    throw new AwsCallError("ssm:GetParameter", ref.arn, errorName(error), errorMessage(error));
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
    throw new AwsCallError("ssm:DeleteParameter", ref.arn, errorName(error), errorMessage(error));
  }
}

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

/** What a promotion gate reads of an Image Builder image: its scan and its findings. */
export interface ImageScan {
  /** GetImage's scanState.status (COMPLETED, SCANNING, ...), undefined when the image was not scanned. */
  readonly status?: string;
  readonly scanningEnabled: boolean;
  /** The severity of every finding (ListImageScanFindings), e.g. "HIGH". */
  readonly severities: readonly string[];
}

/**
 * GetImage (scan state; resource `image`) and ListImageScanFindings filtered on the image's build version
 * ARN (one filter per call, at most 25 findings a page), in the image's own region.
 * https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_GetImage.html
 * https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_ListImageScanFindings.html
 */
export async function imageScan(clients: AwsClients, imageBuilderArn: string): Promise<ImageScan> {
  const region = imageBuilderArn.split(":")[3] ?? "us-east-1";
  const client = clients.imagebuilder(region);
  const image = await call("imagebuilder:GetImage", imageBuilderArn, () => client.send(new GetImageCommand({ imageBuildVersionArn: imageBuilderArn })));
  const severities: string[] = [];
  let token: string | undefined;
  do {
    const next = token;
    const page = await call("imagebuilder:ListImageScanFindings", imageBuilderArn, () =>
      client.send(
        new ListImageScanFindingsCommand({
          filters: [{ name: "imageBuildVersionArn", values: [imageBuilderArn] }],
          maxResults: 25,
          ...(next ? { nextToken: next } : {}),
        }),
      ),
    );
    for (const finding of page.findings ?? []) severities.push(finding.severity ?? "UNTRIAGED");
    token = page.nextToken;
  } while (token);
  const status = image.image?.scanState?.status;
  return { ...(status !== undefined ? { status } : {}), scanningEnabled: image.image?.imageScanningConfiguration?.imageScanningEnabled === true, severities };
}
