import { ImagebuilderLifecyclePolicy } from "@cdktf/provider-aws/lib/imagebuilder-lifecycle-policy";
import { AmiLifecyclePolicy } from "../../stacks/constructs/ami-lifecycle-policy";
import { RULES } from "../../stacks/rules/rules";
import { minimalStack, passes, violations } from "./support";

const ROLE = "arn:aws:iam::123456789012:role/lifecycle";
const deleteOlderThan90Days = { action: [{ type: "DELETE" }], filter: [{ type: "AGE", value: 90, unit: "DAYS" }] };

describe("AMI-1: AMI deletion excludes in-use AMIs by tag", () => {
  test("is rule 23 of the table (the number of its Noncompliance/Compliance pair)", () => {
    expect(RULES.findIndex((rule) => rule.id === "AMI-1") + 1).toBe(23);
  });

  test("Noncompliance 23: a DELETE rule on AMIs without an exclusion tag map", () => {
    // Prepare
    const stack = minimalStack();
    new ImagebuilderLifecyclePolicy(stack, "policy", {
      name: "web",
      executionRole: ROLE,
      resourceType: "AMI_IMAGE",
      resourceSelection: [{ recipe: [{ name: "web", semanticVersion: "1.0.0" }] }],
      policyDetail: [deleteOlderThan90Days, { ...deleteOlderThan90Days, exclusionRules: [{ amis: [{ isPublic: true }] }] }],
    });
    // Act
    const found = violations(stack, "AMI-1");
    // Assess
    expect(found).toEqual([expect.stringMatching(/^2 of 2 DELETE rule\(s\) have no exclusion_rules\.amis\.tag_map: .*AmiLifecyclePolicy/)]);
  });

  test("Compliance 23: AmiLifecyclePolicy excludes the in-use tags; a DEPRECATE-only policy and a container policy are not applicable", () => {
    const stack = minimalStack();
    new AmiLifecyclePolicy(stack, "lifecycle", {
      name: "web",
      recipes: [{ name: "web", version: "1.0.0" }],
      rule: { type: "count", value: 5 },
      trackedPointers: ["/ec2-imagebuilder/latest"],
      partition: "aws",
    });
    new ImagebuilderLifecyclePolicy(stack, "deprecate", {
      name: "web-deprecate",
      executionRole: ROLE,
      resourceType: "AMI_IMAGE",
      resourceSelection: [{ recipe: [{ name: "web", semanticVersion: "1.0.0" }] }],
      policyDetail: [{ ...deleteOlderThan90Days, action: [{ type: "DEPRECATE" }] }],
    });
    new ImagebuilderLifecyclePolicy(stack, "containers", {
      name: "web-containers",
      executionRole: ROLE,
      resourceType: "CONTAINER_IMAGE",
      resourceSelection: [{ tagMap: { team: "web" } }],
      policyDetail: [deleteOlderThan90Days],
    });
    expect(violations(stack, "AMI-1")).toEqual([]);
    expect(passes(stack, "AMI-1")).toEqual(["every DELETE rule excludes AMIs by tag"]);
  });
});
