import { Testing } from "cdktf";
import { loadConfig } from "../../config";
import { AmiTrackerStack } from "../../stacks/ami-tracker-stack";
import { parentImageArn } from "../../stacks/constructs/ami-loop/plan";
import { BUILD_INSTANCE_MANAGED_POLICIES } from "../../stacks/constructs/build-instance-profile";
import { EXECUTION_ROLE_MANAGED_POLICY } from "../../stacks/constructs/image-pipeline";
import { dataOf, onlyResource, policyBehind, resourcesOf, synthesize, testConfig, type SynthesizedStack } from "../helpers/synth";

function synthTracker(raw: Record<string, unknown>, environment = "test"): SynthesizedStack {
  return synthesize(new AmiTrackerStack(Testing.app(), testConfig(raw, environment)));
}

/** A `${aws_x.id.attr}` reference's resource, so assertions can follow references without pinning hashed IDs. */
function referenced(stack: SynthesizedStack, reference: unknown): Record<string, unknown> {
  const match = /^\$\{([a-z0-9_]+)\.([^.]+)\.[a-z_]+\}$/.exec(String(reference));
  const resource = match?.[1] !== undefined && match[2] !== undefined ? stack.resource[match[1]]?.[match[2]] : undefined;
  if (resource === undefined) throw new Error(`not a resource reference: ${String(reference)}`);
  return resource;
}

function trackerStatements(stack: SynthesizedStack) {
  const lambdaPolicy = resourcesOf(stack, "aws_iam_role_policy").find((policy) => policy["name"] === "least-privilege");
  return policyBehind(stack, lambdaPolicy?.["policy"]).statement;
}

function byName(stack: SynthesizedStack, type: string, name: string): Record<string, unknown> {
  const found = resourcesOf(stack, type).find((resource) => resource["name"] === name);
  if (found === undefined) throw new Error(`no ${type} named ${name}`);
  return found;
}

const ONE_PIPELINE = { imageBuilder: { pipelines: [{ name: "example", exampleLaunchTemplate: true }] } };

describe("Image Builder wiring (tracker mode)", () => {
  const stack = synthTracker(ONE_PIPELINE);
  const infrastructure = onlyResource(stack, "aws_imagebuilder_infrastructure_configuration");

  test("the infrastructure configuration notifies the tracker's topic, terminates failed instances and requires IMDSv2", () => {
    const topic = referenced(stack, infrastructure["sns_topic_arn"]);
    expect(topic).toBe(onlyResource(stack, "aws_sns_topic"));
    expect(infrastructure["sns_topic_arn"]).toBe(onlyResource(stack, "aws_sns_topic_subscription")["topic_arn"]);
    expect(infrastructure).toMatchObject({
      terminate_instance_on_failure: true,
      instance_types: ["t4g.small"],
      instance_metadata_options: { http_tokens: "required" },
    });
  });

  test("the build instance profile's role holds exactly the two managed policies Image Builder needs", () => {
    const profile = referenced(stack, infrastructure["instance_profile_name"]);
    expect(profile).toBe(onlyResource(stack, "aws_iam_instance_profile"));
    const role = byName(stack, "aws_iam_role", "ssm-patterns-test-us-east-1-image-builder");
    expect(profile["role"]).toMatch(/^\$\{aws_iam_role\.[^.]+\.name\}$/);
    const trust = policyBehind(stack, role["assume_role_policy"]).statement;
    expect(trust).toEqual([expect.objectContaining({ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] })]);
    const attached = resourcesOf(stack, "aws_iam_role_policy_attachment").map((attachment) =>
      String(attachment["policy_arn"]).replace(/^arn:\$\{[^}]+\}:iam::aws:policy\//, ""),
    );
    expect(attached.sort()).toEqual([...BUILD_INSTANCE_MANAGED_POLICIES].sort());
    expect(resourcesOf(stack, "aws_iam_role_policy")).toHaveLength(1); // the tracker's own, nothing inline for the build instances
  });

  test("the recipe builds on the managed Amazon Linux 2023 arm64 image (no data source) with an inline YAML component and an encrypted root", () => {
    const recipe = onlyResource(stack, "aws_imagebuilder_image_recipe");
    expect(recipe["parent_image"]).toMatch(/^arn:\$\{data\.aws_partition\.[^}]+\}:imagebuilder:us-east-1:aws:image\/amazon-linux-2023-arm64\/x\.x\.x$/);
    expect(recipe["block_device_mapping"]).toEqual([
      expect.objectContaining({ device_name: "/dev/xvda", ebs: expect.objectContaining({ encrypted: "true", volume_type: "gp3" }) }),
    ]);
    const component = onlyResource(stack, "aws_imagebuilder_component");
    expect((recipe["component"] as { component_arn: string }[])[0]?.component_arn).toMatch(/^\$\{aws_imagebuilder_component\.[^.]+\.arn\}$/);
    expect(component["platform"]).toBe("Linux");
    expect(String(component["data"])).toContain("schemaVersion: 1.0\nphases:\n  - name: build\n");
    expect(String(component["data"])).toContain("action: UpdateOS");
    expect(String(component["data"])).not.toContain("${"); // no accidental Terraform interpolation
  });

  test("the pipeline runs on a cron schedule, only when the parent or a component changed, with image tests", () => {
    const pipeline = onlyResource(stack, "aws_imagebuilder_image_pipeline");
    expect(pipeline).toMatchObject({
      name: "ssm-patterns-test-example",
      status: "ENABLED",
      schedule: {
        schedule_expression: "cron(0 4 ? * MON *)",
        timezone: "Etc/UTC",
        pipeline_execution_start_condition: "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE",
      },
      image_tests_configuration: { image_tests_enabled: true },
    });
    expect(referenced(stack, pipeline["infrastructure_configuration_arn"])).toBe(infrastructure);
    expect(referenced(stack, pipeline["image_recipe_arn"])).toBe(onlyResource(stack, "aws_imagebuilder_image_recipe"));
    expect(referenced(stack, pipeline["distribution_configuration_arn"])).toBe(onlyResource(stack, "aws_imagebuilder_distribution_configuration"));
  });

  test("build and pipeline logs go to CloudWatch log groups with retention", () => {
    const groups = resourcesOf(stack, "aws_cloudwatch_log_group").map((group) => [group["name"], group["retention_in_days"]]);
    expect(groups).toEqual(
      expect.arrayContaining([
        ["/aws/imagebuilder/ssm-patterns-test-example", 30],
        ["/aws/imagebuilder/pipeline/ssm-patterns-test-example", 30],
      ]),
    );
  });

  test("a tracker-mode distribution writes no parameter itself: the tracker does, with its IAM on that parameter", () => {
    const distribution = onlyResource(stack, "aws_imagebuilder_distribution_configuration");
    const regions = distribution["distribution"] as Record<string, unknown>[];
    expect(regions.map((region) => region["region"])).toEqual(["us-east-1"]);
    expect(regions.every((region) => region["ssm_parameter_configuration"] === undefined)).toBe(true);
    const ssm = trackerStatements(stack).find((statement) => statement.actions.includes("ssm:PutParameter"));
    expect(ssm?.resources).toEqual([expect.stringMatching(/:ssm:us-east-1:.+:parameter\/ec2-imagebuilder\/latest$/)]);
  });

  test("the example launch template's image is the resolve:ssm form of the pipeline's parameter", () => {
    const template = onlyResource(stack, "aws_launch_template");
    expect(template["image_id"]).toBe("resolve:ssm:/ec2-imagebuilder/latest");
    expect(template).toMatchObject({ instance_type: "t4g.small", metadata_options: { http_tokens: "required" } });
    expect(stack.output["launch_template_ids"]?.value).toEqual({ example: expect.stringMatching(/^\$\{aws_launch_template\.[^.]+\.id\}$/) });
  });

  test("outputs, per pipeline, what another configuration needs to consume the latest AMI", () => {
    expect(stack.output["pipelines"]?.value).toEqual({
      example: {
        pipeline_arn: expect.stringMatching(/^\$\{aws_imagebuilder_image_pipeline\.[^.]+\.arn\}$/),
        parameter_name: "/ec2-imagebuilder/latest",
        regions: ["us-east-1"],
        writer: "tracker",
        image_id_reference: "resolve:ssm:/ec2-imagebuilder/latest",
      },
    });
  });

  test("leaves every Image Builder resource out when no pipeline is configured (bring your own)", () => {
    const byo = synthTracker({});
    for (const type of [
      "aws_imagebuilder_image_pipeline",
      "aws_imagebuilder_infrastructure_configuration",
      "aws_iam_instance_profile",
      "aws_launch_template",
    ]) {
      expect(resourcesOf(byo, type)).toHaveLength(0);
    }
    expect(byo.output["pipelines"]).toBeUndefined();
    expect(byo.output["topic_arn"]).toBeDefined();
  });

  test.each([
    ["amazon-linux-2023-arm64", "arn:aws:imagebuilder:eu-west-1:aws:image/amazon-linux-2023-arm64/x.x.x"],
    ["arn:aws:imagebuilder:eu-west-1:123456789012:image/golden/1.2.x", "arn:aws:imagebuilder:eu-west-1:123456789012:image/golden/1.2.x"],
    ["ami-0123456789abcdef0", "ami-0123456789abcdef0"],
  ])("parent image %s becomes %s", (parent, expected) => {
    expect(parentImageArn(parent, "aws", "eu-west-1")).toBe(expected);
  });
});

describe("several pipelines, one of them native (config/environments/multi-pipeline.json)", () => {
  const config = loadConfig("multi-pipeline");
  const stack = synthesize(new AmiTrackerStack(Testing.app(), config));
  const distributions = resourcesOf(stack, "aws_imagebuilder_distribution_configuration");
  const distributionOf = (name: string) => byName(stack, "aws_imagebuilder_distribution_configuration", `ssm-patterns-multi-pipeline-${name}`);

  test("builds one pipeline, recipe, component and infrastructure configuration per entry, and one shared instance profile", () => {
    expect(resourcesOf(stack, "aws_imagebuilder_image_pipeline")).toHaveLength(3);
    expect(resourcesOf(stack, "aws_imagebuilder_image_recipe")).toHaveLength(3);
    expect(resourcesOf(stack, "aws_imagebuilder_component")).toHaveLength(3);
    expect(distributions).toHaveLength(3);
    expect(resourcesOf(stack, "aws_iam_instance_profile")).toHaveLength(1);
  });

  test("each distribution copies to its configured regions", () => {
    const regionsOf = (name: string) => (distributionOf(name)["distribution"] as { region: string }[]).map((entry) => entry.region);
    expect(regionsOf("web")).toEqual(["us-east-1", "eu-west-1", "ap-southeast-2"]);
    expect(regionsOf("batch")).toEqual(["us-east-1", "eu-west-1"]);
    expect(regionsOf("bastion")).toEqual(["us-east-1", "us-west-2"]);
  });

  test("native mode: ssm_parameter_configuration with DataType aws:ec2:image in every region of that pipeline, and no topic", () => {
    const native = distributionOf("bastion")["distribution"] as Record<string, unknown>[];
    for (const entry of native) {
      expect(entry["ssm_parameter_configuration"]).toEqual([{ parameter_name: "/golden-ami/ssm-patterns-multi-pipeline-bastion", data_type: "aws:ec2:image" }]);
    }
    const infrastructure = byName(stack, "aws_imagebuilder_infrastructure_configuration", "ssm-patterns-multi-pipeline-bastion");
    expect(infrastructure["sns_topic_arn"]).toBeUndefined();
    for (const name of ["web", "batch"]) {
      expect(byName(stack, "aws_imagebuilder_infrastructure_configuration", `ssm-patterns-multi-pipeline-${name}`)["sns_topic_arn"]).toMatch(
        /^\$\{aws_sns_topic\.image-builds\.arn\}$/,
      );
      expect((distributionOf(name)["distribution"] as Record<string, unknown>[]).every((entry) => entry["ssm_parameter_configuration"] === undefined)).toBe(
        true,
      );
    }
  });

  test("native mode: the pipeline runs with an execution role that may write exactly its parameter in each distribution region (the service-linked role may write only parameter/imagebuilder/*)", () => {
    // Prepare
    const pipeline = byName(stack, "aws_imagebuilder_image_pipeline", "ssm-patterns-multi-pipeline-bastion");

    // Act
    const role = referenced(stack, pipeline["execution_role"]);
    const inline = resourcesOf(stack, "aws_iam_role_policy").find((policy) => policy["name"] === "write-parameter");
    const statements = policyBehind(stack, inline?.["policy"]).statement;

    // Assess
    expect(pipeline["execution_role"]).toMatch(/^\$\{aws_iam_role\.[^.]+\.arn\}$/);
    expect(role["name"]).toBe("ssm-patterns-multi-pipeline-us-east-1-bastion-image-builder-run");
    expect(inline?.["role"]).toMatch(/^\$\{aws_iam_role\.[^.]+\.id\}$/);
    expect(referenced(stack, inline?.["role"])).toBe(role);
    const write = statements.find((statement) => statement.sid === "WriteNativeParameter");
    expect(write?.actions).toEqual(["ssm:PutParameter"]);
    expect(write?.resources?.map((arn) => arn.replace(/^arn:\$\{[^}]+\}:ssm:([a-z0-9-]+):\$\{[^}]+\}:/, "$1 "))).toEqual([
      "us-east-1 parameter/golden-ami/ssm-patterns-multi-pipeline-bastion",
      "us-west-2 parameter/golden-ami/ssm-patterns-multi-pipeline-bastion",
    ]);
    expect(statements.find((statement) => statement.sid === "ValidateAmiDataType")).toMatchObject({ actions: ["ec2:DescribeImages"], resources: ["*"] });
    const trust = policyBehind(stack, role["assume_role_policy"]).statement;
    expect(trust).toEqual([
      expect.objectContaining({
        principals: [{ type: "Service", identifiers: ["imagebuilder.amazonaws.com"] }],
        condition: [expect.objectContaining({ test: "StringEquals", variable: "aws:SourceAccount" })],
      }),
    ]);
    const attached = resourcesOf(stack, "aws_iam_role_policy_attachment").filter((attachment) =>
      String(attachment["policy_arn"]).endsWith(`/${EXECUTION_ROLE_MANAGED_POLICY}`),
    );
    expect(attached.map((attachment) => referenced(stack, attachment["role"]))).toEqual([role]);
  });

  test("tracker mode: no execution role (the tracker writes, Image Builder only publishes)", () => {
    for (const name of ["web", "batch"]) {
      expect(byName(stack, "aws_imagebuilder_image_pipeline", `ssm-patterns-multi-pipeline-${name}`)["execution_role"]).toBeUndefined();
    }
  });

  test("native mode: the tracker's IAM and environment leave that pipeline's parameter and regions out", () => {
    const ssm = trackerStatements(stack).find((statement) => statement.actions.includes("ssm:PutParameter"));
    expect(ssm?.resources?.every((arn) => !arn.includes("golden-ami"))).toBe(true);
    expect(ssm?.resources?.some((arn) => arn.includes(":ssm:us-west-2:"))).toBe(false);
    const lambda = onlyResource(stack, "aws_lambda_function") as { environment: { variables: Record<string, string> } };
    expect(lambda.environment.variables["PARAMETER_NAME"]).toBe("/ec2-imagebuilder/{pipeline}/latest");
    expect(lambda.environment.variables["TRACKED_REGIONS"]?.split(",").sort()).toEqual(["ap-southeast-2", "eu-west-1", "us-east-1"]);
  });

  test("the tracker's IAM follows the union of the tracker-mode pipelines' regions", () => {
    const ssm = trackerStatements(stack).find((statement) => statement.actions.includes("ssm:PutParameter"));
    const regions = (ssm?.resources ?? []).map((arn) => arn.split(":")[3]).sort();
    expect(regions).toEqual(["ap-southeast-2", "eu-west-1", "us-east-1"]);
    for (const arn of ssm?.resources ?? []) expect(arn).toMatch(/:parameter\/ec2-imagebuilder\/\*\/latest$/);
    expect(stack.output["parameter_names"]?.value).toEqual({
      "us-east-1": "/ec2-imagebuilder/{pipeline}/latest",
      "eu-west-1": "/ec2-imagebuilder/{pipeline}/latest",
      "ap-southeast-2": "/ec2-imagebuilder/{pipeline}/latest",
    });
  });

  test("outputs each pipeline's resolved parameter, its regions and its writer; launch templates resolve their own parameter", () => {
    const pipelines = stack.output["pipelines"]?.value as Record<string, { parameter_name: string; writer: string; regions: string[] }>;
    expect(Object.fromEntries(Object.entries(pipelines).map(([name, value]) => [name, [value.parameter_name, value.writer]]))).toEqual({
      web: ["/ec2-imagebuilder/ssm-patterns-multi-pipeline-web/latest", "tracker"],
      batch: ["/ec2-imagebuilder/ssm-patterns-multi-pipeline-batch/latest", "tracker"],
      bastion: ["/golden-ami/ssm-patterns-multi-pipeline-bastion", "native"],
    });
    const imageIds = resourcesOf(stack, "aws_launch_template")
      .map((template) => template["image_id"])
      .sort();
    expect(imageIds).toEqual([
      "resolve:ssm:/ec2-imagebuilder/ssm-patterns-multi-pipeline-web/latest",
      "resolve:ssm:/golden-ami/ssm-patterns-multi-pipeline-bastion",
    ]);
  });

  test("an x86 parent builds on x86 instances, a schedule keeps its time zone, and onlyWhenUpdated false always builds", () => {
    const batch = byName(stack, "aws_imagebuilder_image_pipeline", "ssm-patterns-multi-pipeline-batch");
    expect(batch["schedule"]).toMatchObject({ schedule_expression: "cron(30 2 1 * ? *)", pipeline_execution_start_condition: "EXPRESSION_MATCH_ONLY" });
    expect(byName(stack, "aws_imagebuilder_infrastructure_configuration", "ssm-patterns-multi-pipeline-batch")["instance_types"]).toEqual(["t3.medium"]);
    expect(byName(stack, "aws_imagebuilder_image_pipeline", "ssm-patterns-multi-pipeline-bastion")["schedule"]).toMatchObject({ timezone: "Europe/Paris" });
  });

  test("reads nothing from AWS at plan time but the public Amazon Linux parameter that seeds the launch templates' parameters", () => {
    expect(Object.keys(stack.data).sort()).toEqual(["archive_file", "aws_iam_policy_document", "aws_partition", "aws_ssm_parameter"]);
    expect(dataOf(stack, "aws_ssm_parameter").map((data) => data["name"])).toEqual(["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"]);
  });
});
