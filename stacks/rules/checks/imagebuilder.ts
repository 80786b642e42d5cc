/** EC2 Image Builder checks: cleanup that never deletes an AMI something still points to. */
import { asList, firstBlock, isExpression, isJsonObject } from "../stack-index";
import { compliant, nonCompliant, notApplicable, type RuleOutcome, type SynthesizedBlock } from "../types";

/**
 * AMI-1: a lifecycle policy that deletes AMIs excludes AMIs by tag (`exclusion_rules.amis.tag_map`) in
 * every DELETE rule, so AMIs tagged in use (ami-pointers/in-use.ts) are never deleted.
 * https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_LifecyclePolicyDetailExclusionRulesAmis.html
 */
export function deletionExcludesInUseAmis(block: SynthesizedBlock): RuleOutcome {
  if (block.config.resource_type !== "AMI_IMAGE") return notApplicable;
  const details = asList(block.config.policy_detail).filter(isJsonObject);
  const deleting = details.filter((detail) => firstBlock(detail.action)?.type === "DELETE");
  if (deleting.length === 0) return notApplicable;
  const unprotected = deleting.filter((detail) => {
    const tagMap = firstBlock(firstBlock(detail.exclusion_rules)?.amis)?.tag_map;
    if (isExpression(tagMap)) return false;
    return !isJsonObject(tagMap) || Object.keys(tagMap).length === 0;
  });
  if (unprotected.length > 0) {
    return nonCompliant(
      `${unprotected.length} of ${deleting.length} DELETE rule(s) have no exclusion_rules.amis.tag_map: it could delete an AMI a parameter or channel points to; use AmiLifecyclePolicy (stacks/constructs/ami-lifecycle-policy.ts) or exclude the in-use tags (inUseExclusionTags)`,
    );
  }
  return compliant(`every DELETE rule excludes AMIs by tag`);
}
