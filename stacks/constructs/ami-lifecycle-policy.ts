/**
 * Cleanup that knows what is in use: an EC2 Image Builder lifecycle policy for one pipeline's AMIs that
 * deletes by age or count but never an AMI a tracked parameter or channel points to, nor the one it
 * pointed to before (the rollback target). The writers (tracker, operator CLI) tag those AMIs with the
 * keys of ami-pointers/in-use.ts; the policy's `exclusion_rules.amis.tag_map` lists them all.
 *
 * What AWS checks (EC2 Image Builder API reference):
 * - `LifecyclePolicyDetailExclusionRulesAmis.tagMap`: at most 50 entries, keys 1-128 characters matching
 *   `^(?!aws:)[a-zA-Z+-=._:/]+$` (the `+-=` range includes the digits), values up to 256 characters:
 *   https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_LifecyclePolicyDetailExclusionRulesAmis.html
 * - `LifecyclePolicyResourceSelection.recipes`: 1-50 recipes by name and semantic version:
 *   https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_LifecyclePolicyResourceSelection.html
 * - Filter: AGE (value + unit DAYS/WEEKS/MONTHS/YEARS, `retainAtLeast` 1-10) or COUNT (value 1-1000); the
 *   provider validates the same ranges (internal/service/imagebuilder/lifecycle_policy.go), and retries
 *   CreateLifecyclePolicy while IAM reports "The provided role does not exist or does not have sufficient
 *   permissions" (a just-created execution role propagating).
 * - Execution role: assumed by imagebuilder.amazonaws.com, with the AWS managed policy
 *   `service-role/EC2ImageBuilderLifecycleExecutionPolicy`, which may deregister/disable/deprecate AMIs
 *   and delete snapshots only where `aws:ResourceTag/CreatedBy` is `EC2 Image Builder`:
 *   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/EC2ImageBuilderLifecycleExecutionPolicy.html
 *
 * How the exclusion works, and why one tag map (not one rule per key):
 * - The API documents `tagMap` as "tags that should be excluded from lifecycle actions for the AMIs that have
 *   them" (LifecyclePolicyDetailExclusionRulesAmis, above); AWS's own CDK construct for it documents the same
 *   map as excluding "images with any of the provided tags" (aws-cdk `@aws-cdk/aws-imagebuilder-alpha`,
 *   LifecyclePolicyImageExclusionRules.tags / LifecyclePolicyAmiExclusionRules.tags:
 *   https://docs.aws.amazon.com/cdk/api/v2/docs/@aws-cdk_aws-imagebuilder-alpha.LifecyclePolicyImageExclusionRules.html).
 *   That "any one tag spares the AMI" reading is what this policy relies on.
 * - One detail per key would not be the safe alternative: details act independently (each one's action
 *   applies to what its own filter selects and its own exclusions spare), so an AMI would survive only if every
 *   detail spared it, i.e. only if it carried all the keys. A policy also holds at most 3 details
 *   (hashicorp/aws internal/service/imagebuilder/lifecycle_policy.go: `policy_detail` SizeBetween(1, 3)), and
 *   two per pointer are needed.
 * - Backstops that do not depend on tags: `last_launched` (an AMI launched within the last N days is spared,
 *   on by default: 30 days) and the optional DEPRECATE and DISABLE stages before DELETE (one detail per action,
 *   at most 3), which EC2 can undo (EnableImage, DisableImageDeprecation) while DELETE cannot:
 *   https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-rules.html
 *
 * Limits (not checkable at synth):
 * - Selecting by recipe covers the images of the recipe versions listed. The project's pipelines name the
 *   recipe after the pipeline and version it with `recipeVersion`; after a version bump the policy must
 *   list the old version too, or its images are no longer cleaned up (never wrongly deleted).
 * - The API documents tag_map as "tags that should be excluded ... for the AMIs that have them"; this
 *   design relies on an AMI carrying any one of the keys being excluded.
 * - Only for pointers whose writer tags AMIs: the tracker (pipelines in `tracker` mode) and the operator
 *   CLI's channels. A `native`-mode pipeline's parameter is written by Image Builder, which tags nothing,
 *   so its AMI would not be protected: give such a pipeline no DELETE policy (or a COUNT rule large enough).
 * - The exclusion is only as good as the tags: a writer that moved a pointer without re-tagging leaves its
 *   AMI unprotected; the launch backstop still spares an AMI instances were launched from recently.
 * - A DISABLE stage makes an AMI private and unlaunchable: every account it was shared with loses it (user
 *   guide, above). Give it a threshold well past the deprecate one.
 */
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { ImagebuilderLifecyclePolicy } from "@cdktf/provider-aws/lib/imagebuilder-lifecycle-policy";
import { Construct } from "constructs";
import { inUseExclusionTags } from "../../ami-pointers/in-use";
import { serviceTrust } from "./iam";
import { DEFAULT_PROTECT_LAUNCHED_WITHIN_DAYS, LAST_LAUNCHED_MAX_DAYS } from "../../aws/ami-loop";
import { managedPolicyArn } from "../../aws/arn";

/** At most 50 entries in an exclusion tag map (Image Builder API reference). */
export const MAX_EXCLUSION_TAGS = 50;
/** Image Builder's tag key pattern for lifecycle tag maps. */
export const LIFECYCLE_TAG_KEY = /^(?!aws:)[a-zA-Z+-=._:/]{1,128}$/;
export const LIFECYCLE_EXECUTION_POLICY = "service-role/EC2ImageBuilderLifecycleExecutionPolicy";

export type AgeUnit = "DAYS" | "WEEKS" | "MONTHS" | "YEARS";

/** Delete AMIs older than `value` `unit`, keeping at least `retainAtLeast` of them. */
export interface AgeRule {
  readonly type: "age";
  readonly value: number;
  readonly unit: AgeUnit;
  /** @default 1 */
  readonly retainAtLeast?: number;
}

/** Keep the newest `value` AMIs, delete the rest. */
export interface CountRule {
  readonly type: "count";
  readonly value: number;
}

export interface RecipeVersion {
  /** The image recipe's name (the project's pipelines: the pipeline's name). */
  readonly name: string;
  /** Its semantic version, e.g. "1.0.0" (the project's `recipeVersion`). */
  readonly version: string;
}

/**
 * Reversible stages before DELETE, in the rule's terms: with an age rule, deprecate (disable) AMIs older than
 * this many `unit`s; with a count rule, deprecate (disable) all but the newest this many. Each must come
 * before the next: deprecate < disable < the rule's value.
 */
export interface LifecycleStages {
  /** @default - no deprecate stage */
  readonly deprecateAfter?: number;
  /** @default - no disable stage */
  readonly disableAfter?: number;
}

export { DEFAULT_PROTECT_LAUNCHED_WITHIN_DAYS };

export interface AmiLifecyclePolicyProps {
  /** The policy's name (and its execution role's, with `-lifecycle`). */
  readonly name: string;
  /** The recipes whose images (AMIs) the policy manages: one pipeline's recipe, current and older versions. */
  readonly recipes: readonly RecipeVersion[];
  readonly rule: AgeRule | CountRule;
  /** SSM parameter names (the tracker's and the channels') whose AMIs, current and previous, are never deleted. */
  readonly trackedPointers: readonly string[];
  /** Other tags that protect an AMI. @default {} */
  readonly extraExclusionTags?: Readonly<Record<string, string>>;
  /** Also keep AMIs launched within this many days (1-365), or `false` for no launch backstop. @default 30 */
  readonly protectLaunchedWithinDays?: number | false;
  /** Deprecate and disable stages before DELETE. @default - DELETE only */
  readonly stages?: LifecycleStages;
  /** For the managed policy ARN, e.g. `${data.aws_partition.x.partition}`. */
  readonly partition: string;
  /** @default true */
  readonly enabled?: boolean;
}

const NAME = /^[-_A-Za-z0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z0-9]$/;
const SEMANTIC_VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;

/** The exclusion tag map of the policy: both in-use keys of every pointer, plus extras; checked against the API's limits. */
export function exclusionTagMap(where: string, trackedPointers: readonly string[], extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  if (trackedPointers.length === 0) {
    throw new Error(`${where}: trackedPointers is empty; list the parameters and channels whose AMIs must never be deleted (at least the tracker's parameter)`);
  }
  const tags = { ...inUseExclusionTags(trackedPointers), ...extra };
  const count = Object.keys(tags).length;
  if (count > MAX_EXCLUSION_TAGS) {
    throw new Error(
      `${where}: the exclusion tag map would hold ${count} tags (2 per tracked pointer: ${trackedPointers.length} pointers, plus ${Object.keys(extra).length} extra), but Image Builder accepts at most ${MAX_EXCLUSION_TAGS}; track at most ${Math.floor((MAX_EXCLUSION_TAGS - Object.keys(extra).length) / 2)} pointers per policy, e.g. split the pipeline's channels across two policies`,
    );
  }
  for (const [key, value] of Object.entries(tags)) {
    if (!LIFECYCLE_TAG_KEY.test(key)) {
      throw new Error(
        `${where}: exclusion tag key "${key}" does not match Image Builder's pattern ^(?!aws:)[a-zA-Z+-=._:/]+$ (1-128 characters); rename the pointer or the tag`,
      );
    }
    if (value.length > 256) throw new Error(`${where}: exclusion tag "${key}" has a value longer than 256 characters`);
  }
  return tags;
}

function checkRule(where: string, rule: AgeRule | CountRule): void {
  if (rule.type === "count") {
    if (!Number.isInteger(rule.value) || rule.value < 1 || rule.value > 1000)
      throw new Error(`${where}: rule.value ${rule.value} must keep 1 to 1000 images, e.g. 5`);
    return;
  }
  if (!["DAYS", "WEEKS", "MONTHS", "YEARS"].includes(rule.unit))
    throw new Error(`${where}: rule.unit "${String(rule.unit)}" must be DAYS, WEEKS, MONTHS or YEARS`);
  if (!Number.isInteger(rule.value) || rule.value < 1 || rule.value > 1000)
    throw new Error(`${where}: rule.value ${rule.value} must be 1 to 1000 ${rule.unit}, e.g. 90`);
  const retain = rule.retainAtLeast ?? 1;
  if (!Number.isInteger(retain) || retain < 1 || retain > 10) throw new Error(`${where}: rule.retainAtLeast ${retain} must be 1 to 10`);
}

/** The stages in order, checked: each value valid for the rule and below the next stage's (the rule's value last). */
function checkStages(where: string, rule: AgeRule | CountRule, stages: LifecycleStages): { action: "DEPRECATE" | "DISABLE"; value: number }[] {
  const wanted = [
    { action: "DEPRECATE" as const, setting: "deprecateAfter", value: stages.deprecateAfter },
    { action: "DISABLE" as const, setting: "disableAfter", value: stages.disableAfter },
  ].filter((stage): stage is { action: "DEPRECATE" | "DISABLE"; setting: string; value: number } => stage.value !== undefined);
  const terms = rule.type === "age" ? rule.unit : "newest AMIs kept";
  let previous: { setting: string; value: number } | undefined;
  for (const stage of wanted) {
    if (!Number.isInteger(stage.value) || stage.value < 1 || stage.value > 1000) {
      throw new Error(`${where}: stages.${stage.setting} ${stage.value} must be 1 to 1000 (${terms})`);
    }
    if (previous !== undefined && stage.value <= previous.value) {
      throw new Error(
        `${where}: stages.${stage.setting} ${stage.value} must be more than stages.${previous.setting} ${previous.value} (${terms}): deprecate, then disable, then delete`,
      );
    }
    if (stage.value >= rule.value) {
      throw new Error(
        `${where}: stages.${stage.setting} ${stage.value} must be less than the delete rule's value ${rule.value} (${terms}): a stage after DELETE would never act`,
      );
    }
    previous = stage;
  }
  return wanted.map(({ action, value }) => ({ action, value }));
}

/**
 * An Image Builder lifecycle policy for the AMIs of one pipeline's recipe: DELETE (AMIs and their
 * snapshots) by age or count, excluding every AMI tagged in use by a tracked parameter or channel,
 * current or previous. Its execution role holds exactly the AWS managed lifecycle execution policy.
 */
export class AmiLifecyclePolicy extends Construct {
  readonly policy: ImagebuilderLifecyclePolicy;
  readonly executionRole: IamRole;
  /** The exclusion tag map, as synthesized. */
  readonly exclusionTags: Readonly<Record<string, string>>;
  /** The policy's actions in order (one detail each): DEPRECATE and DISABLE when staged, then DELETE. */
  readonly actions: readonly ("DEPRECATE" | "DISABLE" | "DELETE")[];

  constructor(scope: Construct, id: string, props: AmiLifecyclePolicyProps) {
    super(scope, id);
    const where = `AmiLifecyclePolicy ${props.name}`;
    if (!NAME.test(props.name)) throw new Error(`${where}: name must be 3-128 letters, digits, spaces, "-" or "_", starting and ending with no space`);
    if (props.recipes.length === 0 || props.recipes.length > 50) {
      throw new Error(`${where}: recipes has ${props.recipes.length} entries; list 1 to 50 recipes (name and version) whose AMIs this policy manages`);
    }
    for (const recipe of props.recipes) {
      if (!NAME.test(recipe.name)) throw new Error(`${where}: recipes has name "${recipe.name}", not an Image Builder recipe name`);
      if (!SEMANTIC_VERSION.test(recipe.version))
        throw new Error(`${where}: recipe ${recipe.name} has version "${recipe.version}"; use major.minor.patch, e.g. "1.0.0"`);
    }
    if (`${props.name}-lifecycle`.length > 64)
      throw new Error(
        `${where}: name is ${props.name.length} characters; at most 54, because the execution role is named "<name>-lifecycle" and IAM caps role names at 64`,
      );
    checkRule(where, props.rule);
    const launchedSetting = props.protectLaunchedWithinDays ?? DEFAULT_PROTECT_LAUNCHED_WITHIN_DAYS;
    const launched = launchedSetting === false ? undefined : launchedSetting;
    if (launched !== undefined && (!Number.isInteger(launched) || launched < 1 || launched > LAST_LAUNCHED_MAX_DAYS)) {
      throw new Error(
        `${where}: protectLaunchedWithinDays ${launched} must be 1 to ${LAST_LAUNCHED_MAX_DAYS} (Image Builder's last_launched range), or false for no launch backstop`,
      );
    }
    const stages = checkStages(where, props.rule, props.stages ?? {});
    this.exclusionTags = exclusionTagMap(where, props.trackedPointers, props.extraExclusionTags);

    this.executionRole = new IamRole(this, "execution-role", {
      name: `${props.name}-lifecycle`,
      description: `EC2 Image Builder lifecycle policy ${props.name}`,
      assumeRolePolicy: serviceTrust(this, "execution-trust", "imagebuilder.amazonaws.com").json,
    });
    const attachment = new IamRolePolicyAttachment(this, "execution-policy", {
      role: this.executionRole.name,
      policyArn: managedPolicyArn(props.partition, LIFECYCLE_EXECUTION_POLICY),
    });

    const rule = props.rule;
    const filter = (value: number, withRetain: boolean) =>
      rule.type === "age"
        ? { type: "AGE", value, unit: rule.unit, ...(withRetain ? { retainAtLeast: rule.retainAtLeast ?? 1 } : {}) }
        : { type: "COUNT", value };
    const exclusionRules = [
      {
        amis: [
          {
            tagMap: { ...this.exclusionTags },
            ...(launched !== undefined ? { lastLaunched: [{ unit: "DAYS", value: launched }] } : {}),
          },
        ],
      },
    ];
    const staged = stages.map(({ action, value }) => ({
      action: [{ type: action, includeResources: [{ amis: true }] }],
      filter: [filter(value, false)],
      exclusionRules,
    }));
    this.actions = [...stages.map((stage) => stage.action), "DELETE"];
    this.policy = new ImagebuilderLifecyclePolicy(this, "policy", {
      name: props.name,
      description: `${this.actions.join(", ")} AMIs of ${props.recipes.map((recipe) => `${recipe.name} ${recipe.version}`).join(", ")} by ${rule.type}, never one that ${props.trackedPointers.length} tracked pointer(s) point to now or before${launched !== undefined ? ` or launched within ${launched} days` : ""}`,
      executionRole: this.executionRole.arn,
      resourceType: "AMI_IMAGE",
      status: (props.enabled ?? true) ? "ENABLED" : "DISABLED",
      resourceSelection: [{ recipe: props.recipes.map((recipe) => ({ name: recipe.name, semanticVersion: recipe.version })) }],
      policyDetail: [
        ...staged,
        {
          action: [{ type: "DELETE", includeResources: [{ amis: true, snapshots: true }] }],
          filter: [filter(rule.value, true)],
          exclusionRules,
        },
      ],
      // The role must hold its policy before Image Builder checks it.
      dependsOn: [attachment],
    });
  }
}
