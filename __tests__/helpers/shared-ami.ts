import { isAwsManagedEbsKey } from "../../aws/ami-sharing";
import { resourcesOf, type SynthesizedStack } from "./synth";

/** A `${aws_kms_key.<id>.arn}` reference: a key the stack creates (customer-managed), or undefined. */
function createdKey(stack: SynthesizedStack, reference: unknown): Record<string, unknown> | undefined {
  const match = /^\$\{aws_kms_key\.([^.]+)\.arn\}$/.exec(String(reference));
  return match?.[1] !== undefined ? stack.resource["aws_kms_key"]?.[match[1]] : undefined;
}

/**
 * What keeps another account from launching a shared AMI of this stack: for every distribution that gives
 * launch permissions, each region's AMI must be under a customer-managed key the stack creates (not absent,
 * which leaves the account's default EBS key, and never `alias/aws/ebs`), and the recipe it distributes must
 * encrypt its root volume with such a key too (or not at all, when the description states why).
 */
export function sharedAmiEncryptionProblems(stack: SynthesizedStack): string[] {
  const problems: string[] = [];
  const recipes = stack.resource["aws_imagebuilder_image_recipe"] ?? {};
  const distributions = stack.resource["aws_imagebuilder_distribution_configuration"] ?? {};
  for (const pipeline of resourcesOf(stack, "aws_imagebuilder_image_pipeline")) {
    const distribution =
      distributions[/^\$\{aws_imagebuilder_distribution_configuration\.([^.]+)\.arn\}$/.exec(String(pipeline["distribution_configuration_arn"]))?.[1] ?? ""];
    const recipe = recipes[/^\$\{aws_imagebuilder_image_recipe\.([^.]+)\.arn\}$/.exec(String(pipeline["image_recipe_arn"]))?.[1] ?? ""];
    if (distribution === undefined || recipe === undefined) continue;
    const regions = distribution["distribution"] as Record<string, any>[];
    if (!regions.some((region) => region["ami_distribution_configuration"]?.["launch_permission"] !== undefined)) continue;
    const unencrypted = /unencrypted: /.test(String(distribution["description"]));
    for (const region of regions) {
      const key = region["ami_distribution_configuration"]?.["kms_key_id"];
      if (unencrypted) continue;
      if (key === undefined) problems.push(`${pipeline["name"]} in ${region["region"]}: shared AMI with no kms_key_id (the account's default EBS key)`);
      else if (isAwsManagedEbsKey(String(key))) problems.push(`${pipeline["name"]} in ${region["region"]}: shared AMI under the AWS managed key ${key}`);
      else if (createdKey(stack, key) === undefined)
        problems.push(`${pipeline["name"]} in ${region["region"]}: kms_key_id ${key} is not a key this stack creates`);
    }
    const ebs = (recipe["block_device_mapping"] as Record<string, any>[])[0]?.["ebs"];
    if (unencrypted) {
      if (ebs?.["encrypted"] !== "false") problems.push(`${pipeline["name"]}: described as unencrypted but the recipe encrypts`);
    } else if (createdKey(stack, ebs?.["kms_key_id"]) === undefined) {
      problems.push(`${pipeline["name"]}: the recipe's root volume is not under a customer-managed key this stack creates (${String(ebs?.["kms_key_id"])})`);
    }
  }
  return problems;
}
