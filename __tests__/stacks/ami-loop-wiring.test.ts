/**
 * The AMI loop wired into the tracker stack from configuration (config/environments/ami-loop.json):
 * each part is built from the pipeline's settings, in the app's region, and the pieces refer to each
 * other (seeded pointers before templates and shares, one rejection alarm over every pointer, the
 * lifecycle policy excluding every pointer's in-use tags, the tracker writing shared pointers Advanced).
 */
import { Testing } from "cdktf";
import { loadConfig } from "../../config";
import { inUseExclusionTags } from "../../ami-pointers/in-use";
import { WRITER_TAG_KEYS } from "../../ami-pointers/channels";
import { AmiTrackerStack } from "../../stacks/ami-tracker-stack";
import { dataOf, policyBehind, resourcesOf, synthesize, testConfig } from "../helpers/synth";
import { violations } from "../rules/support";

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
    const machines = resourcesOf(stack, "aws_sfn_state_machine")
      .filter((machine) => String(machine["name"]).endsWith("-fleet-refresh"))
      .map((machine) => JSON.parse(String(machine["definition"])) as { States: { StartInstanceRefresh: { Parameters: Record<string, unknown> } } });
    const parameters = machines.map((definition) => definition.States.StartInstanceRefresh.Parameters);
    expect(parameters).toContainEqual({
      AutoScalingGroupName: "web-production",
      Strategy: "Rolling",
      Preferences: { MinHealthyPercentage: 90, SkipMatching: false, AutoRollback: false, InstanceWarmup: 120 },
    });
    expect(parameters).toContainEqual(expect.objectContaining({ AutoScalingGroupName: expect.stringMatching(/aws_autoscaling_group\./) }));
    const patterns = resourcesOf(stack, "aws_cloudwatch_event_rule")
      .filter((rule) => rule["event_pattern"] !== undefined)
      .map((rule) => JSON.parse(String(rule["event_pattern"])) as { detail: { name: string[] } });
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
      .filter((rule) => rule["event_pattern"] !== undefined)
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
    const detail = (policy?.["policy_detail"] as Array<{ action: Array<{ type: string }> }>).find(
      (candidate) => candidate.action[0]?.type === "DELETE",
    ) as unknown as {
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

describe("the loop in a second distribution region (README, Operating the AMI loop)", () => {
  // A pipeline distributed to two regions: a refreshed group in each, and the example fleet in the second.
  const appRegionOnly = { autoScalingGroupName: "web" };
  const pipeline = (extra: Record<string, unknown>) => ({
    imageBuilder: { pipelines: [{ name: "web", regions: ["us-east-1", "eu-west-1"], channels: ["stable"], ...extra }] },
  });
  const build = (extra: Record<string, unknown>) => new AmiTrackerStack(Testing.app(), testConfig(pipeline(extra)));
  const twoRegionStack = build({
    fleetRefresh: [appRegionOnly, { autoScalingGroupName: "web-eu", channel: "stable", region: "eu-west-1" }],
    exampleFleet: { enabled: true, region: "eu-west-1" },
  });
  const twoRegions = synthesize(twoRegionStack);
  const oneRegion = synthesize(build({ fleetRefresh: [appRegionOnly] }));
  const IRELAND = "aws.eu-west-1";
  const TEST_LATEST = "/ec2-imagebuilder/latest";
  const TEST_STABLE = "/ec2-imagebuilder/stable";
  const blocks = (synthesized: typeof twoRegions, kind: "resource" | "data") =>
    Object.entries(synthesized[kind] ?? {}).flatMap(([type, byId]) => Object.entries(byId).map(([id, body]) => ({ address: `${type}.${id}`, type, body })));
  const inIreland = (type: string) => resourcesOf(twoRegions, type).filter((resource) => resource["provider"] === IRELAND);
  const machineOf = (group: string) => {
    const machine = inIreland("aws_sfn_state_machine").find((candidate) => String(candidate["definition"]).includes(`"AutoScalingGroupName":"${group}"`));
    if (machine === undefined) throw new Error(`no state machine in eu-west-1 refreshing ${group}`);
    return machine;
  };

  test("a second AWS provider, aliased by its region, with the same default tags; the default provider is unchanged", () => {
    const providers = twoRegions.provider["aws"] as Array<Record<string, unknown>>;
    expect(providers).toHaveLength(2);
    expect(providers[0]).toEqual((oneRegion.provider["aws"] as unknown[])[0]);
    expect(providers[1]).toEqual({ ...providers[0], alias: "eu-west-1", region: "eu-west-1" });
  });

  test("the app region's resources keep their addresses and bodies: the second region only adds", () => {
    const after = new Map(blocks(twoRegions, "resource").map((block) => [block.address, block.body]));
    for (const block of blocks(oneRegion, "resource")) expect([block.address, after.get(block.address)]).toEqual([block.address, block.body]);
  });

  test("every resource and data source of the second region is on its provider, and only those (IDs name the region)", () => {
    for (const kind of ["resource", "data"] as const) {
      for (const block of blocks(twoRegions, kind)) {
        expect([block.address, block.body["provider"]]).toEqual([block.address, block.address.includes("eu-west-1") ? IRELAND : undefined]);
      }
    }
    expect(inIreland("aws_sfn_state_machine")).toHaveLength(2);
    expect(inIreland("aws_autoscaling_group")).toHaveLength(1);
    expect(inIreland("aws_launch_template")).toHaveLength(1);
  });

  test("the second region's pointer is seeded there, from that region's Amazon Linux parameter, before the example's template (DEPLOY-1)", () => {
    const [seed] = inIreland("aws_ssm_parameter");
    expect(inIreland("aws_ssm_parameter")).toHaveLength(1);
    expect(seed).toMatchObject({ name: TEST_STABLE, data_type: "aws:ec2:image" });
    const source = dataOf(twoRegions, "aws_ssm_parameter").filter((data) => data["provider"] === IRELAND);
    expect(source).toHaveLength(1);
    expect(String(seed?.["insecure_value"])).toMatch(/^\$\{data\.aws_ssm_parameter\.latest-amazon-linux-[a-z0-9_]+-eu-west-1\.insecure_value\}$/);
    const [template] = inIreland("aws_launch_template");
    const seedAddress = Object.entries(twoRegions.resource["aws_ssm_parameter"] ?? {}).find(([, body]) => body === seed)?.[0];
    expect(template).toMatchObject({ image_id: `resolve:ssm:${TEST_STABLE}`, depends_on: [`aws_ssm_parameter.${seedAddress}`] });
    expect(violations(twoRegionStack, "DEPLOY-1")).toEqual([]);
  });

  test("the second region's rule matches its pointer's successful changes and starts that region's state machine", () => {
    const machine = machineOf("web-eu");
    const machineId = Object.entries(twoRegions.resource["aws_sfn_state_machine"] ?? {}).find(([, body]) => body === machine)?.[0];
    const rule = inIreland("aws_cloudwatch_event_rule").find((candidate) => String(candidate["description"]).includes("refresh web-eu"));
    expect(JSON.parse(String(rule?.["event_pattern"]))).toEqual({
      source: ["aws.ssm"],
      "detail-type": ["Parameter Store Change"],
      detail: { name: [TEST_STABLE], operation: ["Create", "Update"], exception: [{ exists: false }] },
    });
    const target = inIreland("aws_cloudwatch_event_target").find((candidate) => candidate["arn"] === `\${aws_sfn_state_machine.${machineId}.arn}`);
    expect(target).toBeDefined();
    const eventsPolicy = inIreland("aws_iam_role_policy").find(
      (policy) =>
        policy["name"] === "start-execution" &&
        target?.["role_arn"] !== undefined &&
        String(policy["role"]).split(".")[1] === String(target["role_arn"]).split(".")[1],
    );
    expect(policyBehind(twoRegions, eventsPolicy?.["policy"]).statement).toEqual([
      expect.objectContaining({ effect: "Allow", actions: ["states:StartExecution"], resources: [`\${aws_sfn_state_machine.${machineId}.arn}`] }),
    ]);
  });

  test("IAM, exactly: the second region's machine may StartInstanceRefresh on that region's group only; role names differ per region", () => {
    const machine = machineOf("web-eu");
    const roleId = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(String(machine["role_arn"]))?.[1];
    const policy = inIreland("aws_iam_role_policy").find((candidate) => candidate["role"] === `\${aws_iam_role.${roleId}.id}`);
    const statement = policyBehind(twoRegions, policy?.["policy"]).statement.find((entry) => entry.sid === "StartInstanceRefreshOfTheGroup");
    expect(statement?.actions).toEqual(["autoscaling:StartInstanceRefresh"]);
    expect(statement?.resources).toEqual([
      expect.stringMatching(/^arn:\$\{[^}]+\}:autoscaling:eu-west-1:.+:autoScalingGroup:\*:autoScalingGroupName\/web-eu$/),
    ]);
    const names = resourcesOf(twoRegions, "aws_iam_role").map((role) => role["name"]);
    expect(new Set(names).size).toBe(names.length);
  });

  test("the second region's alarms open OpsItems there; its rejection alarm watches the pointers written there", () => {
    for (const alarm of inIreland("aws_cloudwatch_metric_alarm")) {
      expect(alarm["alarm_actions"]).toEqual([expect.stringMatching(/^arn:\$\{[^}]+\}:ssm:eu-west-1:.+:opsitem:\d/)]);
    }
    const rejected = inIreland("aws_cloudwatch_event_rule").find((candidate) => String(candidate["name"]).endsWith("-parameter-rejected"));
    expect(JSON.parse(String(rejected?.["event_pattern"]))).toEqual({
      source: ["aws.ssm"],
      "detail-type": ["Parameter Store Change"],
      detail: { name: [TEST_LATEST, TEST_STABLE], exception: [{ exists: true }] },
    });
    // The second region's log groups are encrypted with a key of that region (CloudWatch Logs takes no other).
    const key = inIreland("aws_kms_key");
    expect(key).toHaveLength(1);
    const keyId = Object.entries(twoRegions.resource["aws_kms_key"] ?? {}).find(([, body]) => body === key[0])?.[0];
    for (const group of inIreland("aws_cloudwatch_log_group")) expect(group["kms_key_id"]).toBe(`\${aws_kms_key.${keyId}.arn}`);
  });

  test("the shipped everything-on environment has an example fleet in its second distribution region", () => {
    const [web] = loadConfig("everything-on").imageBuilder.pipelines;
    expect(web?.regions).toContain("eu-west-1");
    expect(web?.exampleFleet?.region).toBe("eu-west-1");
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
