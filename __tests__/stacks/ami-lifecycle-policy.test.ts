import { TerraformStack, Testing } from "cdktf";
import { inUseTagKey } from "../../ami-pointers/in-use";
import {
  AmiLifecyclePolicy,
  DEFAULT_PROTECT_LAUNCHED_WITHIN_DAYS,
  exclusionTagMap,
  MAX_EXCLUSION_TAGS,
  type AmiLifecyclePolicyProps,
} from "../../stacks/constructs/ami-lifecycle-policy";
import { amiLoopStacks, LATEST, STABLE } from "../helpers/ami-loop-stacks";
import { onlyResource, policyBehind, resourcesOf, synthesize } from "../helpers/synth";

const built = amiLoopStacks(Testing.app());
const owner = synthesize(built.owner);
const policy = onlyResource(owner, "aws_imagebuilder_lifecycle_policy") as Record<string, any>;
/** The policy's detail of one action (policy_detail is a set: never rely on its order). */
function detailOf(synthesized: Record<string, any>, action: string): Record<string, any> {
  return synthesized["policy_detail"].find((candidate: Record<string, any>) => candidate["action"][0]["type"] === action);
}
const detail = detailOf(policy, "DELETE");
const excluded: Record<string, string> = detail["exclusion_rules"][0]["amis"][0]["tag_map"];

/** What the policy does to one AMI, given its tags: the exclusion tag map is matched key and value. */
function isProtected(amiTags: Record<string, string>): boolean {
  return Object.entries(excluded).some(([key, value]) => amiTags[key] === value);
}

describe("AmiLifecyclePolicy", () => {
  test("deletes AMIs and their snapshots of the pipeline's recipe, by age, keeping at least 3", () => {
    expect(policy).toMatchObject({ name: "ami-loop-web", resource_type: "AMI_IMAGE", status: "ENABLED" });
    expect(policy["resource_selection"]).toEqual([{ recipe: [{ name: "ami-loop-web", semantic_version: "1.0.0" }] }]);
    expect(detail["action"]).toEqual([{ type: "DELETE", include_resources: [{ amis: true, snapshots: true }] }]);
    expect(detail["filter"]).toEqual([{ type: "AGE", value: 90, unit: "DAYS", retain_at_least: 3 }]);
  });

  test("excludes exactly the current and previous in-use tags of every tracked pointer", () => {
    expect(excluded).toEqual({
      [inUseTagKey(LATEST, "current")]: "true",
      [inUseTagKey(LATEST, "previous")]: "true",
      [inUseTagKey(STABLE, "current")]: "true",
      [inUseTagKey(STABLE, "previous")]: "true",
    });
  });

  test("a rollback target stays protected: after stable moves A -> B, A carries the previous tag and is excluded; the AMI before it is not", () => {
    // Prepare: the tags the writer leaves after moving stable from ami-A to ami-B (ami-pointers/in-use.ts).
    const amiB = { [inUseTagKey(STABLE, "current")]: "true", Pipeline: "ami-loop-web" };
    const amiA = { [inUseTagKey(STABLE, "previous")]: "true", Pipeline: "ami-loop-web" };
    const amiOlder = { Pipeline: "ami-loop-web" };
    // Act / Assess
    expect([isProtected(amiB), isProtected(amiA), isProtected(amiOlder)]).toEqual([true, true, false]);
    // An AMI held by latest only is protected even when stable moved away from it.
    expect(isProtected({ [inUseTagKey(LATEST, "current")]: "true" })).toBe(true);
    // The value must match: a tag set to anything else protects nothing.
    expect(isProtected({ [inUseTagKey(STABLE, "current")]: "false" })).toBe(false);
  });

  test("its execution role is assumed by Image Builder and holds exactly the AWS managed lifecycle execution policy", () => {
    const role = resourcesOf(owner, "aws_iam_role").find((candidate) => candidate["name"] === "ami-loop-web-lifecycle") as Record<string, unknown>;
    expect(policyBehind(owner, role["assume_role_policy"]).statement).toEqual([
      { effect: "Allow", actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["imagebuilder.amazonaws.com"] }] },
    ]);
    const attachments = resourcesOf(owner, "aws_iam_role_policy_attachment").filter((attachment) => String(attachment["role"]).includes("lifecycle"));
    expect(attachments.map((attachment) => attachment["policy_arn"])).toEqual([
      expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^}]+\}:iam::aws:policy\/service-role\/EC2ImageBuilderLifecycleExecutionPolicy$/),
    ]);
    expect(resourcesOf(owner, "aws_iam_role_policy").filter((inline) => String(inline["role"]).includes("lifecycle"))).toEqual([]);
    expect(policy["execution_role"]).toMatch(/^\$\{aws_iam_role\.[^.]+\.arn\}$/);
    expect(policy["depends_on"]).toEqual([expect.stringMatching(/^aws_iam_role_policy_attachment\./)]);
  });

  test("deprecates after 30 days and disables after 60 before deleting after 90: one detail per action, the same exclusions on each", () => {
    expect(built.lifecycle.actions).toEqual(["DEPRECATE", "DISABLE", "DELETE"]);
    expect(policy["policy_detail"]).toHaveLength(3);
    expect(detailOf(policy, "DEPRECATE")).toEqual({
      action: [{ type: "DEPRECATE", include_resources: [{ amis: true }] }],
      filter: [{ type: "AGE", value: 30, unit: "DAYS" }],
      exclusion_rules: detail["exclusion_rules"],
    });
    expect(detailOf(policy, "DISABLE")).toEqual({
      action: [{ type: "DISABLE", include_resources: [{ amis: true }] }],
      filter: [{ type: "AGE", value: 60, unit: "DAYS" }],
      exclusion_rules: detail["exclusion_rules"],
    });
    expect(policy["description"]).toMatch(
      /^DEPRECATE, DISABLE, DELETE AMIs of ami-loop-web 1\.0\.0 by age, never one that 2 tracked pointer\(s\) point to now or before or launched within 30 days$/,
    );
  });

  test(`spares AMIs launched within ${DEFAULT_PROTECT_LAUNCHED_WITHIN_DAYS} days by default, a backstop that needs no tag`, () => {
    expect(detail["exclusion_rules"][0]["amis"][0]["last_launched"]).toEqual([{ unit: "DAYS", value: 30 }]);
  });

  test("protectLaunchedWithinDays false turns the backstop off; without stages the policy only deletes", () => {
    const stack = new TerraformStack(Testing.app(), "no-backstop");
    const construct = new AmiLifecyclePolicy(stack, "lifecycle", {
      name: "web",
      recipes: [{ name: "web", version: "1.0.0" }],
      rule: { type: "count", value: 5 },
      trackedPointers: [LATEST],
      protectLaunchedWithinDays: false,
      partition: "aws",
    });
    const synthesized = onlyResource(synthesize(stack), "aws_imagebuilder_lifecycle_policy") as Record<string, any>;
    expect(construct.actions).toEqual(["DELETE"]);
    expect(synthesized["policy_detail"]).toHaveLength(1);
    expect(synthesized["policy_detail"][0]["exclusion_rules"][0]["amis"][0]).not.toHaveProperty("last_launched");
  });

  test("count stages: deprecate beyond the newest 2, disable beyond 3, delete beyond 5", () => {
    const stack = new TerraformStack(Testing.app(), "count-stages");
    new AmiLifecyclePolicy(stack, "lifecycle", {
      name: "web",
      recipes: [{ name: "web", version: "1.0.0" }],
      rule: { type: "count", value: 5 },
      trackedPointers: [LATEST],
      stages: { deprecateAfter: 2, disableAfter: 3 },
      partition: "aws",
    });
    const synthesized = onlyResource(synthesize(stack), "aws_imagebuilder_lifecycle_policy") as Record<string, any>;
    expect(["DEPRECATE", "DISABLE", "DELETE"].map((action) => detailOf(synthesized, action)["filter"])).toEqual([
      [{ type: "COUNT", value: 2 }],
      [{ type: "COUNT", value: 3 }],
      [{ type: "COUNT", value: 5 }],
    ]);
  });

  test("count rule and launch-based protection", () => {
    const stack = new TerraformStack(Testing.app(), "count");
    new AmiLifecyclePolicy(stack, "lifecycle", {
      name: "web",
      recipes: [
        { name: "web", version: "1.0.0" },
        { name: "web", version: "1.1.0" },
      ],
      rule: { type: "count", value: 5 },
      trackedPointers: [LATEST],
      protectLaunchedWithinDays: 14,
      partition: "aws",
      enabled: false,
    });
    const synthesized = onlyResource(synthesize(stack), "aws_imagebuilder_lifecycle_policy") as Record<string, any>;
    expect(synthesized["status"]).toBe("DISABLED");
    expect(synthesized["resource_selection"][0]["recipe"]).toHaveLength(2);
    expect(synthesized["policy_detail"][0]["filter"]).toEqual([{ type: "COUNT", value: 5 }]);
    expect(synthesized["policy_detail"][0]["exclusion_rules"][0]["amis"][0]["last_launched"]).toEqual([{ unit: "DAYS", value: 14 }]);
  });
});

describe("the exclusion tag map's limits", () => {
  const pointers = (count: number): string[] => Array.from({ length: count }, (_, index) => `/ec2-imagebuilder/p${index}/latest`);

  test(`25 pointers (${MAX_EXCLUSION_TAGS} tags) fit; 26 fail naming the count, the limit and the fix`, () => {
    expect(Object.keys(exclusionTagMap("policy web", pointers(25)))).toHaveLength(50);
    expect(() => exclusionTagMap("policy web", pointers(26))).toThrow(
      /policy web: the exclusion tag map would hold 52 tags \(2 per tracked pointer: 26 pointers, plus 0 extra\), but Image Builder accepts at most 50; track at most 25 pointers per policy/,
    );
    expect(() => exclusionTagMap("policy web", pointers(24), { a: "1", b: "2", c: "3" })).toThrow(/would hold 51 tags .* track at most 23 pointers/);
  });

  test("a pointer name so long that its tag key is hashed still gets a key Image Builder's pattern accepts", () => {
    const long = `/ec2-imagebuilder/${"very-long-pipeline-name-".repeat(6)}latest`;
    expect(inUseTagKey(long, "current").length).toBeLessThanOrEqual(128);
    expect(Object.keys(exclusionTagMap("policy web", [long]))).toEqual([inUseTagKey(long, "current"), inUseTagKey(long, "previous")]);
  });

  test("a tag key outside Image Builder's pattern fails synth clearly", () => {
    expect(() => exclusionTagMap("policy web", ["/p/latest"], { "team~x": "1" })).toThrow(/exclusion tag key "team~x" does not match Image Builder's pattern/);
  });

  test("no tracked pointer is refused: a cleanup that protects nothing", () => {
    expect(() => exclusionTagMap("policy web", [])).toThrow(/trackedPointers is empty/);
  });

  const base: AmiLifecyclePolicyProps = {
    name: "web",
    recipes: [{ name: "web", version: "1.0.0" }],
    rule: { type: "count", value: 5 },
    trackedPointers: [LATEST],
    partition: "aws",
  };
  test.each<[string, Partial<AmiLifecyclePolicyProps>, RegExp]>([
    ["count 0", { rule: { type: "count", value: 0 } }, /rule\.value 0 must keep 1 to 1000 images/],
    ["retainAtLeast 11", { rule: { type: "age", value: 30, unit: "DAYS", retainAtLeast: 11 } }, /rule\.retainAtLeast 11 must be 1 to 10/],
    ["a recipe version with x", { recipes: [{ name: "web", version: "1.0.x" }] }, /has version "1\.0\.x"; use major\.minor\.patch/],
    ["no recipe", { recipes: [] }, /recipes has 0 entries/],
    ["a launch backstop of 0 days", { protectLaunchedWithinDays: 0 }, /protectLaunchedWithinDays 0 must be 1 to 365 .*or false for no launch backstop/],
    [
      "disable before deprecate",
      { stages: { deprecateAfter: 3, disableAfter: 2 } },
      /stages\.disableAfter 2 must be more than stages\.deprecateAfter 3 \(newest AMIs kept\): deprecate, then disable, then delete/,
    ],
    [
      "a stage at the delete threshold",
      { stages: { disableAfter: 5 } },
      /stages\.disableAfter 5 must be less than the delete rule's value 5 .*a stage after DELETE would never act/,
    ],
    ["a stage of 0", { stages: { deprecateAfter: 0 } }, /stages\.deprecateAfter 0 must be 1 to 1000/],
  ])("refuses %s", (_, props, message) => {
    expect(() => new AmiLifecyclePolicy(new TerraformStack(Testing.app(), "bad"), "lifecycle", { ...base, ...props })).toThrow(message);
  });
});

test("a name too long for the execution role's name is refused, not cut", () => {
  const props: AmiLifecyclePolicyProps = {
    name: "x".repeat(55),
    recipes: [{ name: "web", version: "1.0.0" }],
    rule: { type: "count", value: 5 },
    trackedPointers: [LATEST],
    partition: "aws",
  };
  expect(() => new AmiLifecyclePolicy(new TerraformStack(Testing.app(), "long"), "lifecycle", props)).toThrow(/name is 55 characters; at most 54/);
});
