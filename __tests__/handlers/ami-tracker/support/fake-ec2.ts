/**
 * A stateful fake of the three EC2 calls of the in-use marks (in-use.ts): DescribeImages with
 * Owners ["self"] and a tag-key filter, CreateTags, DeleteTags by key. Behind aws-sdk-client-mock,
 * with the same `gate` as FakeSsm so a scheduler can interleave these calls too.
 */
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeImagesCommand,
  type EC2ClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from "@aws-sdk/client-ec2";
import type { AwsStub } from "aws-sdk-client-mock";

export type Ec2Operation = "DescribeImages" | "CreateTags" | "DeleteTags";

export class FakeEc2 {
  /** Key: `${region}|${imageId}`; the AMI's tags. */
  readonly images = new Map<string, Map<string, string>>();
  gate: (operation: Ec2Operation, region: string) => Promise<void> = async () => undefined;

  image(region: string, id: string, tags: Record<string, string> = {}): void {
    this.images.set(`${region}|${id}`, new Map(Object.entries(tags)));
  }

  /** The AMIs of `region` that carry `key`, sorted. */
  holders(region: string, key: string): string[] {
    return [...this.images.entries()]
      .filter(([id, tags]) => id.startsWith(`${region}|`) && tags.has(key))
      .map(([id]) => id.slice(region.length + 1))
      .sort();
  }

  attach(mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, EC2ClientResolvedConfig>): void {
    const regionOf = async (getClient: () => { config: EC2ClientResolvedConfig }) => getClient().config.region();
    mock.on(DescribeImagesCommand).callsFake(async (input: { Filters?: Array<{ Name?: string; Values?: string[] }> }, getClient) => {
      const region = await regionOf(getClient);
      await this.gate("DescribeImages", region);
      const keys = input.Filters?.find((filter) => filter.Name === "tag-key")?.Values ?? [];
      const Images = [...this.images.entries()]
        .filter(([id, tags]) => id.startsWith(`${region}|`) && keys.some((key) => tags.has(key)))
        .map(([id, tags]) => ({ ImageId: id.slice(region.length + 1), Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) }));
      return { Images };
    });
    mock.on(CreateTagsCommand).callsFake(async (input: { Resources?: string[]; Tags?: Array<{ Key?: string; Value?: string }> }, getClient) => {
      const region = await regionOf(getClient);
      await this.gate("CreateTags", region);
      for (const id of input.Resources ?? []) {
        const tags = this.images.get(`${region}|${id}`);
        if (tags === undefined) throw Object.assign(new Error(`The image id '[${id}]' does not exist`), { name: "InvalidAMIID.NotFound" });
        for (const tag of input.Tags ?? []) if (tag.Key !== undefined) tags.set(tag.Key, tag.Value ?? "");
      }
      return {};
    });
    mock.on(DeleteTagsCommand).callsFake(async (input: { Resources?: string[]; Tags?: Array<{ Key?: string }> }, getClient) => {
      const region = await regionOf(getClient);
      await this.gate("DeleteTags", region);
      for (const id of input.Resources ?? []) {
        const tags = this.images.get(`${region}|${id}`);
        for (const tag of input.Tags ?? []) if (tag.Key !== undefined) tags?.delete(tag.Key);
      }
      return {};
    });
  }
}
