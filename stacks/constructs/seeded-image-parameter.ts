/**
 * An `aws:ec2:image` parameter that Terraform creates once, seeded with AWS's latest Amazon Linux 2023
 * AMI, and then leaves to its writer (the tracker, a native pipeline, or the operator CLI for a channel).
 *
 * Why it exists: EC2 checks a `resolve:ssm:` parameter when a launch template is created ("You must
 * create a Systems Manager parameter before you can use it in a launch template", Auto Scaling user guide,
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html), while the
 * writer fills it only after the first build or promotion. An `aws:ec2:image` value must be a real AMI of
 * the region or it never becomes a version, hence the public parameter as the seed
 * (https://docs.aws.amazon.com/linux/al2023/ug/ec2.html#launch-from-ssm). The seed carries none of the
 * writer's tags, so the tracker and the CLI count it as older than any build.
 */
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import type { TerraformProvider } from "cdktf";
import type { Construct } from "constructs";

export type ImageArchitecture = "arm64" | "x86_64";

/** AWS's public parameter holding the region's latest Amazon Linux 2023 AMI for an architecture. */
export function publicAmiParameter(architecture: ImageArchitecture): string {
  return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`;
}

/**
 * The public parameter read at plan time, one data source per architecture, scope and provider (an
 * AMI ID belongs to one region: a parameter in another region is seeded from that region's).
 */
export function amazonLinuxSeed(scope: Construct, architecture: ImageArchitecture, provider?: TerraformProvider): DataAwsSsmParameter {
  // `latest-amazon-linux-<architecture>` is the default region's address since the first deploy: keep it.
  const id = `latest-amazon-linux-${architecture}${provider !== undefined ? `-${provider.alias ?? provider.node.id}` : ""}`;
  const existing = scope.node.tryFindChild(id);
  if (existing instanceof DataAwsSsmParameter) return existing;
  return new DataAwsSsmParameter(scope, id, { name: publicAmiParameter(architecture), ...(provider !== undefined ? { provider } : {}) });
}

export interface SeededImageParameterProps {
  /** The parameter's name. */
  readonly name: string;
  /** Architecture of the instances that resolve it: picks the seed AMI. */
  readonly architecture: ImageArchitecture;
  readonly description: string;
  /** Tag keys the writer sets after the seed: Terraform never reverts them. */
  readonly writerTagKeys: readonly string[];
  /**
   * "Advanced" for a parameter shared through AWS RAM (only Advanced parameters can be shared; its writer
   * writes the same tier). @default - the provider's default, Standard
   */
  readonly tier?: "Standard" | "Advanced";
  /** The provider of the parameter's region, when that is not the stack's. @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/** Creates the seeded parameter as `scope`'s child `id` (a Terraform address: keep it stable). */
export function seededImageParameter(scope: Construct, id: string, props: SeededImageParameterProps): SsmParameter {
  return new SsmParameter(scope, id, {
    name: props.name,
    type: "String",
    dataType: "aws:ec2:image",
    insecureValue: amazonLinuxSeed(scope, props.architecture, props.provider).insecureValue,
    description: props.description,
    ...(props.tier !== undefined ? { tier: props.tier } : {}),
    ...(props.provider !== undefined ? { provider: props.provider } : {}),
    lifecycle: {
      // Written by the parameter's writer after the seed: an apply must never revert them.
      ignoreChanges: ["value", "insecure_value", "description", ...props.writerTagKeys.map((key) => `tags["${key}"]`)],
    },
  });
}
