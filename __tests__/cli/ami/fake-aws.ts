/**
 * An in-memory account behind aws-sdk-client-mock: SSM parameters with versions, tags and the
 * asynchronous validation of `aws:ec2:image` values; EC2 AMIs with tags; STS's caller identity.
 * Every call is recorded with its IAM action and the ARN it acted on, so tests can check writes and
 * the least-privilege policy against what the CLI really called.
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
} from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { createAwsClients, type AwsClients } from "../../../cli/ami/sdk";

export const ACCOUNT = "111122223333";
export const CALLER_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/ami-operator/jane`;

export interface Version {
  readonly version: number;
  readonly value: string;
  readonly description: string;
  readonly modified: Date;
  readonly user: string;
}

interface Parameter {
  versions: Version[];
  tags: Map<string, string>;
  /** Standard or Advanced; Advanced never goes back (PutParameter API reference, Tier). */
  tier: string;
  /** Written but not yet validated: invisible until `readsLeft` GetParameter calls have passed. */
  pending?: Array<{ version: Version; readsLeft: number }>;
}

interface Image {
  readonly id: string;
  readonly name: string;
  readonly imageArn?: string;
  readonly tags: Map<string, string>;
  /** DescribeImages' CreationDate. */
  created: Date;
  /** After DisableImage: DescribeImages leaves it out unless IncludeDisabled. */
  disabled: boolean;
  /** EnableImageDeprecation's DeprecateAt. */
  deprecateAt?: Date;
}

/** An Image Builder image's scan, as GetImage and ListImageScanFindings answer. */
export interface Scan {
  readonly enabled: boolean;
  readonly status?: string;
  readonly severities: readonly string[];
}

export interface Call {
  readonly action: string;
  readonly region: string;
  readonly arn: string;
  readonly input: Record<string, unknown>;
}

export const WRITE_ACTIONS = new Set([
  "ssm:PutParameter",
  "ssm:AddTagsToResource",
  "ssm:RemoveTagsFromResource",
  "ssm:DeleteParameter",
  "ec2:CreateTags",
  "ec2:DeleteTags",
]);

/** Returns an error to throw instead of answering the call, or undefined. */
export type Interceptor = (call: Call) => Error | undefined;

export function awsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export class FakeAws {
  readonly ssm = mockClient(SSMClient);
  readonly ec2 = mockClient(EC2Client);
  readonly sts = mockClient(STSClient);
  readonly imagebuilder = mockClient(ImagebuilderClient);
  /** Scans by image build version ARN; an image without one was not scanned. */
  readonly scans = new Map<string, Scan>();
  readonly calls: Call[] = [];
  interceptor: Interceptor = () => undefined;
  /** GetParameter reads before a written version becomes visible (SSM's asynchronous validation). */
  validationReads = 1;
  /** AMIs whose value fails validation: the written version never appears. */
  readonly invalidAmis = new Set<string>();
  private readonly parameters = new Map<string, Parameter>();
  private readonly images = new Map<string, Image>();
  private clock = Date.parse("2026-11-30T08:00:00Z");

  constructor() {
    this.install();
  }

  restore(): void {
    this.ssm.restore();
    this.ec2.restore();
    this.sts.restore();
    this.imagebuilder.restore();
  }

  clients(): AwsClients {
    return createAwsClients({ backoff: () => 0, clientConfig: { credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } } });
  }

  /** An AMI built by Image Builder (`Ec2ImageBuilderArn` tag) in `region`. */
  image(region: string, id: string, build: string, extraTags: Record<string, string> = {}, created = new Date("2026-11-01T00:00:00Z")): void {
    const imageArn = `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image/golden/${build}`;
    const existing = this.images.get(`${region}|${id}`);
    this.images.set(`${region}|${id}`, {
      id,
      name: `golden ${build}`,
      imageArn,
      tags: new Map(Object.entries({ ...Object.fromEntries(existing?.tags ?? []), Ec2ImageBuilderArn: imageArn, ...extraTags })),
      created: existing?.created ?? created,
      disabled: false,
    });
  }

  /** An AMI's state: disabled, and when it is deprecated. */
  imageState(region: string, id: string): { disabled: boolean; deprecateAt?: Date } | undefined {
    const image = this.images.get(`${region}|${id}`);
    return image === undefined ? undefined : { disabled: image.disabled, ...(image.deprecateAt ? { deprecateAt: image.deprecateAt } : {}) };
  }

  /** Sets an AMI's creation date (bake time). */
  created(region: string, id: string, at: Date): void {
    const image = this.images.get(`${region}|${id}`);
    if (image !== undefined) image.created = at;
  }

  /** A parameter with these values as versions 1..n (oldest first) and these tags. */
  parameter(region: string, name: string, values: readonly string[], tags: Record<string, string> = {}, tier = "Standard"): void {
    const versions = values.map((value, index) => ({
      version: index + 1,
      value,
      description: `Latest AMI from EC2 Image Builder: ${value}`,
      modified: new Date(this.clock - (values.length - index) * 86_400_000),
      user: "arn:aws:sts::111122223333:assumed-role/tracker/fn",
    }));
    this.parameters.set(`${region}|${name}`, { versions, tags: new Map(Object.entries(tags)), tier });
  }

  tier(region: string, name: string): string | undefined {
    return this.parameters.get(`${region}|${name}`)?.tier;
  }

  value(region: string, name: string): string | undefined {
    const stored = this.parameters.get(`${region}|${name}`);
    return stored?.versions[stored.versions.length - 1]?.value;
  }

  versions(region: string, name: string): readonly Version[] {
    return this.parameters.get(`${region}|${name}`)?.versions ?? [];
  }

  tags(region: string, name: string): ReadonlyMap<string, string> | undefined {
    return this.parameters.get(`${region}|${name}`)?.tags;
  }

  amiTags(region: string, id: string): ReadonlyMap<string, string> {
    return this.images.get(`${region}|${id}`)?.tags ?? new Map();
  }

  writes(): Call[] {
    return this.calls.filter((call) => WRITE_ACTIONS.has(call.action));
  }

  count(action: string): number {
    return this.calls.filter((call) => call.action === action).length;
  }

  private record(action: string, region: string, arn: string, input: Record<string, unknown>): void {
    const call = { action, region, arn, input };
    this.calls.push(call);
    const error = this.interceptor(call);
    if (error !== undefined) throw error;
  }

  private visible(region: string, name: string): Parameter | undefined {
    const stored = this.parameters.get(`${region}|${name}`);
    if (stored === undefined || stored.versions.length === 0) return undefined;
    return stored;
  }

  private settle(stored: Parameter): void {
    // Writes validate in the order they were made; a rejected one never becomes a version.
    for (const write of [...(stored.pending ?? [])]) {
      if (this.invalidAmis.has(write.version.value)) continue;
      write.readsLeft -= 1;
      if (write.readsLeft > 0) continue;
      stored.versions.push(write.version);
      stored.pending?.splice(stored.pending.indexOf(write), 1);
    }
  }

  private install(): void {
    const regionOf = async (getClient: () => { config: { region: unknown } }): Promise<string> => {
      const region = getClient().config.region;
      return typeof region === "function" ? String(await (region as () => Promise<string>)()) : String(region);
    };
    const parameterArn = (region: string, name: string) => `arn:aws:ssm:${region}:${ACCOUNT}:parameter/${name.replace(/^\//, "")}`;
    const imageArn = (region: string, id: string) => `arn:aws:ec2:${region}::image/${id}`;
    const missing = (name: string) => awsError("ParameterNotFound", `Parameter ${name} not found.`);

    this.sts.on(GetCallerIdentityCommand).callsFake(async (input, getClient) => {
      this.record("sts:GetCallerIdentity", await regionOf(getClient), "*", input);
      return { Account: ACCOUNT, Arn: CALLER_ARN, UserId: "AROAEXAMPLE:jane" };
    });

    this.ssm.on(GetParameterHistoryCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      this.record("ssm:GetParameterHistory", region, parameterArn(region, input.Name), input);
      const stored = this.visible(region, input.Name);
      if (stored === undefined) throw missing(input.Name);
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
      const page = stored.versions.slice(start, start + (input.MaxResults ?? 50));
      const next = start + page.length < stored.versions.length ? String(start + page.length) : undefined;
      return {
        Parameters: page.map((entry) => ({
          Name: input.Name,
          Version: entry.version,
          Value: entry.value,
          Description: entry.description,
          LastModifiedDate: entry.modified,
          LastModifiedUser: entry.user,
          DataType: "aws:ec2:image",
          Tier: stored.tier,
        })),
        ...(next !== undefined ? { NextToken: next } : {}),
      };
    });

    this.ssm.on(GetParameterCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      this.record("ssm:GetParameter", region, parameterArn(region, input.Name), input);
      const stored = this.parameters.get(`${region}|${input.Name}`);
      if (stored !== undefined) this.settle(stored);
      const current = stored?.versions[stored.versions.length - 1];
      if (current === undefined) throw missing(input.Name);
      return { Parameter: { Name: input.Name, Value: current.value, Version: current.version, DataType: "aws:ec2:image" } };
    });

    this.ssm.on(PutParameterCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      this.record("ssm:PutParameter", region, parameterArn(region, input.Name), input);
      const key = `${region}|${input.Name}`;
      const stored = this.parameters.get(key) ?? { versions: [], tags: new Map<string, string>(), tier: "Standard" };
      // Without Tier, SSM applies the account's default tier setting: Standard unless changed (ps-default-tier.html).
      const tier = input.Tier ?? "Standard";
      // SSM's refusal, as quoted in hashicorp/terraform-provider-aws internal/service/ssm/parameter.go
      // (which forces a replacement on Advanced -> Standard for that reason).
      if (stored.tier === "Advanced" && tier === "Standard") {
        throw awsError(
          "ValidationException",
          "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier.",
        );
      }
      stored.tier = tier;
      this.parameters.set(key, stored);
      const last = stored.pending?.at(-1)?.version.version ?? stored.versions[stored.versions.length - 1]?.version ?? 0;
      this.clock += 60_000;
      const version: Version = {
        version: last + 1,
        value: input.Value,
        description: input.Description ?? "",
        modified: new Date(this.clock),
        user: CALLER_ARN,
      };
      stored.pending = [...(stored.pending ?? []), { version, readsLeft: this.validationReads }];
      return { Version: version.version, Tier: stored.tier as "Standard" | "Advanced" };
    });

    this.ssm.on(ListTagsForResourceCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      this.record("ssm:ListTagsForResource", region, parameterArn(region, input.ResourceId), input);
      const stored = this.visible(region, input.ResourceId);
      if (stored === undefined) throw awsError("InvalidResourceId");
      return { TagList: [...stored.tags.entries()].map(([Key, Value]) => ({ Key, Value })) };
    });

    this.ssm.on(AddTagsToResourceCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      this.record("ssm:AddTagsToResource", region, parameterArn(region, input.ResourceId), input);
      const stored = this.visible(region, input.ResourceId);
      if (stored === undefined) throw awsError("InvalidResourceId");
      for (const tag of input.Tags ?? []) stored.tags.set(tag.Key, tag.Value);
      return {};
    });

    this.ssm.on(RemoveTagsFromResourceCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      this.record("ssm:RemoveTagsFromResource", region, parameterArn(region, input.ResourceId), input);
      const stored = this.visible(region, input.ResourceId);
      if (stored === undefined) throw awsError("InvalidResourceId");
      for (const key of input.TagKeys ?? []) stored.tags.delete(key);
      return {};
    });

    this.ssm.on(DeleteParameterCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      this.record("ssm:DeleteParameter", region, parameterArn(region, input.Name), input);
      if (!this.parameters.delete(`${region}|${input.Name}`)) throw missing(input.Name);
      return {};
    });

    this.ec2.on(DescribeImagesCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      this.record("ec2:DescribeImages", region, "*", input);
      const filters: Filter[] = input.Filters ?? [];
      const images = [...this.images.entries()]
        .filter(([key]) => key.startsWith(`${region}|`))
        .map(([, image]) => image)
        .filter((image) => !image.disabled || input.IncludeDisabled === true)
        .filter((image) =>
          filters.every((filter) => {
            const values = filter.Values ?? [];
            if (filter.Name === "image-id") return values.includes(image.id);
            if (filter.Name === "tag-key") return values.some((value) => image.tags.has(value));
            throw new Error(`the fake does not know filter ${filter.Name}`);
          }),
        );
      return {
        Images: images.map((image) => ({
          ImageId: image.id,
          Name: image.name,
          CreationDate: image.created.toISOString(),
          State: image.disabled ? ("disabled" as const) : ("available" as const),
          ...(image.deprecateAt ? { DeprecationTime: image.deprecateAt.toISOString() } : {}),
          Tags: [...image.tags.entries()].map(([Key, Value]) => ({ Key, Value })),
        })),
      };
    });

    const imageOp =
      (action: string, change: (image: Image, input: { DeprecateAt?: Date }) => void) =>
      async (input: { ImageId?: string; DeprecateAt?: Date }, getClient: () => { config: { region: unknown } }) => {
        const region = await regionOf(getClient);
        const id = input.ImageId ?? "";
        this.record(action, region, imageArn(region, id), input);
        const image = this.images.get(`${region}|${id}`);
        if (image === undefined) throw awsError("InvalidAMIID.NotFound", `The image id '[${id}]' does not exist`);
        change(image, input);
        return { Return: true };
      };
    this.ec2.on(EnableImageDeprecationCommand).callsFake(
      imageOp("ec2:EnableImageDeprecation", (image, input) => {
        // "You can't specify a date in the past" (EnableImageDeprecation API reference).
        if (input.DeprecateAt === undefined || input.DeprecateAt.getTime() <= this.clock) throw awsError("InvalidParameterValue", "DeprecateAt is in the past");
        image.deprecateAt = input.DeprecateAt;
      }),
    );
    this.ec2.on(DisableImageDeprecationCommand).callsFake(
      imageOp("ec2:DisableImageDeprecation", (image) => {
        delete image.deprecateAt;
      }),
    );
    this.ec2.on(DisableImageCommand).callsFake(
      imageOp("ec2:DisableImage", (image) => {
        image.disabled = true;
      }),
    );
    this.ec2.on(EnableImageCommand).callsFake(
      imageOp("ec2:EnableImage", (image) => {
        image.disabled = false;
      }),
    );

    this.imagebuilder.on(GetImageCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      const arnText = input.imageBuildVersionArn ?? "";
      this.record("imagebuilder:GetImage", region, arnText, input);
      const scan = this.scans.get(arnText);
      return {
        image: {
          arn: arnText,
          imageScanningConfiguration: { imageScanningEnabled: scan?.enabled ?? false },
          ...(scan?.status !== undefined ? { scanState: { status: scan.status as "COMPLETED" } } : {}),
        },
      };
    });
    this.imagebuilder.on(ListImageScanFindingsCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      const arnText = input.filters?.[0]?.values?.[0] ?? "";
      this.record("imagebuilder:ListImageScanFindings", region, arnText, input);
      const all = this.scans.get(arnText)?.severities ?? [];
      const start = input.nextToken === undefined ? 0 : Number(input.nextToken);
      const page = all.slice(start, start + (input.maxResults ?? 25));
      return {
        findings: page.map((severity, index) => ({ imageBuildVersionArn: arnText, severity, vulnerabilityId: `CVE-2026-${start + index}` })),
        ...(start + page.length < all.length ? { nextToken: String(start + page.length) } : {}),
      };
    });

    this.ec2.on(CreateTagsCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      for (const id of input.Resources ?? []) {
        this.record("ec2:CreateTags", region, imageArn(region, id), input);
        const image = this.images.get(`${region}|${id}`);
        if (image === undefined) throw awsError("InvalidAMIID.NotFound");
        for (const tag of input.Tags ?? []) image.tags.set(tag.Key, tag.Value ?? "");
      }
      return {};
    });

    this.ec2.on(DeleteTagsCommand).callsFake(async (input, getClient) => {
      const region = await regionOf(getClient);
      for (const id of input.Resources ?? []) {
        this.record("ec2:DeleteTags", region, imageArn(region, id), input);
        const image = this.images.get(`${region}|${id}`);
        if (image === undefined) throw awsError("InvalidAMIID.NotFound");
        for (const tag of input.Tags ?? []) image.tags.delete(tag.Key);
      }
      return {};
    });
  }
}
