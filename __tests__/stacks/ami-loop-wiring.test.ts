/**
 * The AMI loop wired into the tracker stack from configuration (config/environments/ami-loop.json):
 * each part is built from the pipeline's settings, in the app's region, and the pieces refer to each
 * other (seeded pointers before templates and shares, one rejection alarm over every pointer, the
 * lifecycle policy excluding every pointer's in-use tags, the tracker writing shared pointers Advanced).
 */
import { Testing } from "cdktf";
import { loadConfig } from "../../config";
import { inUseExclusionTags } from "../../handlers/shared/ami-in-use";
import { WRITER_TAG_KEYS } from "../../handlers/shared/channels";
import { AmiTrackerStack } from "../../stacks/ami-tracker-stack";
import { policyBehind, resourcesOf, synthesize, testConfig } from "../helpers/synth";

const stack = synthesize(new AmiTrackerStack(Testing.app(), loadConfig("ami-loop")));
const LATEST = "/ec2-imagebuilder/ssm-patterns-ami-loop-web/latest";
const STABLE = "/ec2-imagebuilder/ssm-patterns-ami-loop-web/stable";
const PROD = "/ec2-imagebuilder/ssm-patterns-ami-loop-web/prod";

function parameterAddress(name: string): string {
  const found = Object.entries(stack.resource["aws_ssm_parameter"] ?? {}).find(([, parameter]) => parameter["name"] === name);
  if (found === undefined) throw new Error(`no aws_ssm_parameter named ${name}`);
  return `aws_ssm_parameter.${found[0]}`;
}

describe("ami-loop: the whole loop from configuration", () => {
  test("latest and both channels are seeded once (shared: tier Advanced), and Terraform leaves every writer's tag alone", () => {
    const parameters = resourcesOf(stack, "aws_ssm_parameter");
    expect(parameters.map((parameter) => parameter["name"]).sort()).toEqual([LATEST, PROD, STABLE]);
    for (const parameter of parameters) {
      expect(parameter).toMatchObject({ type: "String", data_type: "aws:ec2:image", tier: "Advanced" });
      // Exactly the writers' list, in its order: a reordered list would change every plan's JSON.
      expect((parameter["lifecycle"] as { ignore_changes: string[] }).ignore_changes).toEqual([
        "value",
        "insecure_value",
        "description",
        ...WRITER_TAG_KEYS.map((key) => `tags["${key}"]`),
      ]);
    }
    // The first deploy's address of the latest parameter is kept (a Terraform address).
    expect(parameterAddress(LATEST)).toBe("aws_ssm_parameter.parameter-web");
  });

  test("the example fleet resolves the stable channel, created first (DEPLOY-1), with desired capacity 0", () => {
    const [template] = resourcesOf(stack, "aws_launch_template");
    expect(template).toMatchObject({ image_id: `resolve:ssm:${STABLE}`, depends_on: [parameterAddress(STABLE)] });
    expect(resourcesOf(stack, "aws_autoscaling_group")).toEqual([expect.objectContaining({ desired_capacity: 0, availability_zones: ["us-east-1a"] })]);
  });

  test("one fleet refresh per group: the configured group on prod (its preferences), the example group on stable", () => {
    const machines = resourcesOf(stack, "aws_sfn_state_machine").map(
      (machine) => JSON.parse(String(machine["definition"])) as { States: { StartInstanceRefresh: { Parameters: Record<string, unknown> } } },
    );
    const parameters = machines.map((definition) => definition.States.StartInstanceRefresh.Parameters);
    expect(parameters).toContainEqual({
      AutoScalingGroupName: "web-production",
      Strategy: "Rolling",
      Preferences: { MinHealthyPercentage: 90, SkipMatching: false, AutoRollback: false, InstanceWarmup: 120 },
    });
    expect(parameters).toContainEqual(expect.objectContaining({ AutoScalingGroupName: expect.stringMatching(/aws_autoscaling_group\./) }));
    const patterns = resourcesOf(stack, "aws_cloudwatch_event_rule").map((rule) => JSON.parse(String(rule["event_pattern"])) as { detail: { name: string[] } });
    const changed = patterns.filter((pattern) => !("exception" in pattern.detail) || JSON.stringify(pattern.detail).includes('"exists":false'));
    expect(changed.map((pattern) => pattern.detail.name).sort()).toEqual([[PROD], [STABLE]]);
  });

  test("the refresh role may start a refresh of its group only", () => {
    const role = resourcesOf(stack, "aws_iam_role_policy").find(
      (policy) => policy["name"] === "start-instance-refresh" && JSON.stringify(policyBehind(stack, policy["policy"])).includes("web-production"),
    );
    const statement = policyBehind(stack, role?.["policy"]).statement.find((entry) => entry.sid === "StartInstanceRefreshOfTheGroup");
    expect(statement?.actions).toEqual(["autoscaling:StartInstanceRefresh"]);
    expect(statement?.resources).toEqual([
      expect.stringMatching(
        /^arn:\$\{data\.aws_partition\.partition\.partition\}:autoscaling:us-east-1:.*:autoScalingGroup:\*:autoScalingGroupName\/web-production$/,
      ),
    ]);
  });

  test("one rejection alarm watches latest and every channel", () => {
    const rejected = resourcesOf(stack, "aws_cloudwatch_event_rule")
      .map((rule) => JSON.parse(String(rule["event_pattern"])) as { detail: { name: string[]; exception?: unknown } })
      .filter((pattern) => JSON.stringify(pattern.detail.exception ?? {}).includes('"exists":true'));
    expect(rejected).toHaveLength(1);
    expect([...(rejected[0]?.detail.name ?? [])].sort()).toEqual([LATEST, PROD, STABLE]);
  });

  test("the RAM share holds latest and both channels, each association after Terraform created the parameter, for the configured account", () => {
    const associations = resourcesOf(stack, "aws_ram_resource_association");
    expect(associations.map((association) => String(association["resource_arn"]).replace(/^.*:parameter/, "")).sort()).toEqual([LATEST, PROD, STABLE]);
    for (const association of associations)
      expect(association["depends_on"]).toEqual([parameterAddress(LATEST), parameterAddress(STABLE), parameterAddress(PROD)]);
    expect(resourcesOf(stack, "aws_ram_principal_association").map((association) => association["principal"])).toEqual(["444455556666"]);
    expect(resourcesOf(stack, "aws_ram_resource_share")).toEqual([expect.objectContaining({ allow_external_principals: false })]);
  });

  test("the lifecycle policy deletes by age, keeps 3, and excludes the current and previous AMI of latest and both channels", () => {
    const [policy] = resourcesOf(stack, "aws_imagebuilder_lifecycle_policy");
    const detail = (policy?.["policy_detail"] as Array<Record<string, unknown>>)[0] as {
      filter: unknown[];
      exclusion_rules: Array<{ amis: Array<{ tag_map: unknown }> }>;
    };
    expect(detail.filter).toEqual([{ type: "AGE", value: 90, unit: "DAYS", retain_at_least: 3 }]);
    expect(detail.exclusion_rules[0]?.amis[0]?.tag_map).toEqual(inUseExclusionTags([LATEST, STABLE, PROD]));
    expect(policy?.["resource_selection"]).toEqual([{ recipe: [{ name: "ssm-patterns-ami-loop-web", semantic_version: "1.0.0" }] }]);
  });

  test("the tracker writes the shared parameter in the Advanced tier", () => {
    const [fn] = resourcesOf(stack, "aws_lambda_function");
    expect((fn?.["environment"] as { variables: Record<string, string> }).variables["ADVANCED_TIER_PARAMETERS"]).toBe(LATEST);
  });

  test("the operator's least-privilege policy is an output, naming latest and both channels in the stack's account", () => {
    // jsonencode of the document; Terraform fills in the partition and the account (interpolations holding quotes).
    const expression = String(stack.output["operator_policy"]?.value);
    expect(expression.startsWith("${jsonencode({") && expression.endsWith("})}")).toBe(true);
    const text = expression.slice("${jsonencode(".length, -")}".length);
    expect(text).toContain(':ssm:us-east-1:${element(split(":", aws_kms_key.');
    expect(text).toContain("arn:${data.aws_partition.partition.partition}:ssm:");
    const policy = JSON.parse(text.replace(/\$\{[^}]*\}/g, "X").replace(/" = /g, '": ')) as {
      Statement: Array<{ Sid: string; Action: string[]; Resource: string[] }>;
    };
    const read = policy.Statement.find((statement) => statement.Sid === "ReadPointers");
    expect(read?.Resource.map((arn) => arn.replace(/^.*:parameter/, "")).sort()).toEqual([LATEST, PROD, STABLE]);
    for (const arn of read?.Resource ?? []) expect(arn).toMatch(/^arn:X:ssm:us-east-1:X:parameter\//);
    expect(policy.Statement.find((statement) => statement.Sid === "MoveInUseTags")?.Action).toEqual(["ec2:CreateTags", "ec2:DeleteTags"]);
  });
});

describe("the tracker's role may move in-use tags, and only those", () => {
  test("ami-loop: ec2:CreateTags and ec2:DeleteTags on this region's images, tag keys limited to the in-use keys of the parameters it writes, never without keys", () => {
    const [fn] = resourcesOf(stack, "aws_iam_role_policy").filter((policy) =>
      JSON.stringify(policyBehind(stack, policy["policy"])).includes("MoveInUseTagsOfAmis"),
    );
    const statement = policyBehind(stack, fn?.["policy"]).statement.find((entry) => entry.sid === "MoveInUseTagsOfAmis");
    expect(statement?.actions).toEqual(["ec2:CreateTags", "ec2:DeleteTags"]);
    expect(statement?.resources).toEqual(["arn:${data.aws_partition.partition.partition}:ec2:us-east-1::image/*"]);
    expect(statement?.condition).toEqual([
      // The template's keys too: another pipeline may publish to the topic, and the tracker writes its parameter.
      {
        test: "ForAllValues:StringLike",
        variable: "aws:TagKeys",
        values: [
          "ami-loop:current:/ec2-imagebuilder/*/latest",
          `ami-loop:current:${LATEST}`,
          "ami-loop:previous:/ec2-imagebuilder/*/latest",
          `ami-loop:previous:${LATEST}`,
        ],
      },
      { test: "Null", variable: "aws:TagKeys", values: ["false"] },
    ]);
  });

  test("bring your own pipeline: the keys of the template, each placeholder a wildcard", () => {
    const own = synthesize(new AmiTrackerStack(Testing.app(), testConfig({ amiTracker: { parameterName: "/ec2-imagebuilder/{pipeline}/latest" } })));
    const [policy] = resourcesOf(own, "aws_iam_role_policy").filter((entry) =>
      JSON.stringify(policyBehind(own, entry["policy"])).includes("MoveInUseTagsOfAmis"),
    );
    const statement = policyBehind(own, policy?.["policy"]).statement.find((entry) => entry.sid === "MoveInUseTagsOfAmis");
    expect(statement?.condition?.[0]?.values).toEqual(["ami-loop:current:/ec2-imagebuilder/*/latest", "ami-loop:previous:/ec2-imagebuilder/*/latest"]);
  });
});

describe("the loop covers the app's region only (README, Limits)", () => {
  // A pipeline distributed to two regions, with a channel and a refreshed group.
  const twoRegions = synthesize(
    new AmiTrackerStack(
      Testing.app(),
      testConfig({
        imageBuilder: {
          pipelines: [{ name: "web", regions: ["us-east-1", "eu-west-1"], channels: ["stable"], fleetRefresh: [{ autoScalingGroupName: "web" }] }],
        },
      }),
    ),
  );

  test("one AWS provider, in the app's region, builds every piece: no alias, no resource on another provider", () => {
    const providers = (twoRegions.provider as Record<string, Array<Record<string, unknown>>> | undefined)?.["aws"] ?? [];
    expect(providers).toHaveLength(1);
    expect(providers[0]?.["region"]).toBe("us-east-1");
    expect(providers[0]?.["alias"]).toBeUndefined();
    for (const type of ["aws_cloudwatch_event_rule", "aws_sfn_state_machine", "aws_cloudwatch_metric_alarm"]) {
      expect(resourcesOf(twoRegions, type).length).toBeGreaterThan(0);
      for (const resource of resourcesOf(twoRegions, type)) expect(resource["provider"]).toBeUndefined();
    }
  });

  test("the refresh may start a refresh of the app region's group only", () => {
    const [machine] = resourcesOf(twoRegions, "aws_sfn_state_machine");
    expect(String(machine?.["definition"])).toContain('"AutoScalingGroupName":"web"');
    const role = resourcesOf(twoRegions, "aws_iam_role_policy").find((policy) => policy["name"] === "start-instance-refresh");
    const statement = policyBehind(twoRegions, role?.["policy"]).statement.find((entry) => entry.sid === "StartInstanceRefreshOfTheGroup");
    expect(statement?.resources).toEqual([expect.stringMatching(/:autoscaling:us-east-1:.*:autoScalingGroupName\/web$/)]);
  });
});

describe("without the loop's settings nothing of it is built", () => {
  test("a pipeline with no channel, refresh, share or cleanup adds no loop resource", () => {
    const plain = synthesize(new AmiTrackerStack(Testing.app(), testConfig({ imageBuilder: { pipelines: [{ name: "web" }] } })));
    for (const type of [
      "aws_autoscaling_group",
      "aws_sfn_state_machine",
      "aws_ram_resource_share",
      "aws_imagebuilder_lifecycle_policy",
      "aws_cloudwatch_event_rule",
    ]) {
      expect(resourcesOf(plain, type)).toEqual([]);
    }
  });
});
