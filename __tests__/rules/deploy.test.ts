import { ALARMS_SSM_SERVICE, AUTOSCALING_SERVICE } from "../../stacks/ci-access/scopes";
import { readdirSync, readFileSync } from "node:fs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { ImagebuilderDistributionConfiguration } from "@cdktf/provider-aws/lib/imagebuilder-distribution-configuration";
import { ImagebuilderImagePipeline } from "@cdktf/provider-aws/lib/imagebuilder-image-pipeline";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { TerraformStack, Testing } from "cdktf";
import { CONFIG_DIRECTORY, loadConfig } from "../../config";
import { buildApp } from "../../stacks/app";
import { checkStack } from "../../stacks/rules/rule-pack";
import { policyDocument, serviceTrust, type PolicyStatement } from "../../stacks/constructs/iam";
import { resolvedParameterName } from "../../stacks/rules/checks/deploy";
import { createCommand, PREREQUISITE_SERVICE_LINKED_ROLES } from "../../stacks/rules/service-linked-roles";
import { README_PATH } from "../../scripts/generators/rule-docs";
import { minimalStack, passes, report, violations } from "./support";

const ENVIRONMENTS = readdirSync(CONFIG_DIRECTORY)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.slice(0, -".json".length));

const PARAMETER = "/golden-ami/web";

function launchTemplate(stack: TerraformStack, dependsOn: SsmParameter[] = []): LaunchTemplate {
  return new LaunchTemplate(stack, "template", { name: "web", imageId: `resolve:ssm:${PARAMETER}`, instanceType: "t4g.small", dependsOn });
}

function parameter(stack: TerraformStack, dataType = "aws:ec2:image"): SsmParameter {
  return new SsmParameter(stack, "parameter", { name: PARAMETER, type: "String", dataType, insecureValue: "ami-0123456789abcdef0" });
}

describe("DEPLOY-1: a resolve:ssm: parameter exists before what resolves it", () => {
  test.each([
    ["resolve:ssm:/a/b", "/a/b"],
    ["resolve:ssm:/a/b:3", "/a/b"],
    ["resolve:ssm:/a/b:golden", "/a/b"],
    ["ami-0123456789abcdef0", undefined],
  ])("reads the parameter name of %s", (value, expected) => {
    expect(resolvedParameterName(value)).toBe(expected);
  });

  test("Noncompliance 25: nothing in the stack creates the parameter", () => {
    const stack = minimalStack();
    launchTemplate(stack);
    expect(violations(stack, "DEPLOY-1")).toEqual([
      expect.stringContaining("resolves the parameter /golden-ami/web, which no aws_ssm_parameter of this stack creates"),
    ]);
  });

  test("Noncompliance 25: the parameter is created, but not before the template", () => {
    const stack = minimalStack();
    parameter(stack);
    launchTemplate(stack);
    expect(violations(stack, "DEPLOY-1")).toEqual([expect.stringContaining("without depends_on it")]);
  });

  test("Noncompliance 25: the parameter is text, which EC2 does not resolve as an image", () => {
    const stack = minimalStack();
    launchTemplate(stack, [parameter(stack, "text")]);
    expect(violations(stack, "DEPLOY-1")).toEqual([expect.stringContaining('data_type "text"')]);
  });

  test("Compliance 25: an aws:ec2:image parameter of the stack, created first", () => {
    const stack = minimalStack();
    launchTemplate(stack, [parameter(stack)]);
    expect(violations(stack, "DEPLOY-1")).toEqual([]);
    expect(passes(stack, "DEPLOY-1")).toEqual([expect.stringContaining("/golden-ami/web is created first by aws_ssm_parameter.parameter")]);
  });

  test("Noncompliance 25: the parameter is created in another region (provider) than the template", () => {
    const stack = minimalStack();
    const ireland = new AwsProvider(stack, "aws-eu-west-1", { alias: "eu-west-1", region: "eu-west-1" });
    const created = parameter(stack);
    launchTemplate(stack, [created]).provider = ireland;
    expect(violations(stack, "DEPLOY-1")).toEqual([
      expect.stringContaining(
        "resolves the parameter /golden-ami/web, which no aws_ssm_parameter of this stack creates with provider aws.eu-west-1 (the same region)",
      ),
    ]);
  });

  test("Compliance 25: parameter and template on the same aliased provider", () => {
    const stack = minimalStack();
    const ireland = new AwsProvider(stack, "aws-eu-west-1", { alias: "eu-west-1", region: "eu-west-1" });
    const created = parameter(stack);
    created.provider = ireland;
    launchTemplate(stack, [created]).provider = ireland;
    expect(violations(stack, "DEPLOY-1")).toEqual([]);
  });
});

const ARN = (region: string) => `arn:aws:ssm:${region}:123456789012:parameter/golden-ami/web`;

function nativePipeline(stack: TerraformStack, role?: { statements: PolicyStatement[] }): void {
  const distribution = new ImagebuilderDistributionConfiguration(stack, "distribution", {
    name: "web",
    distribution: ["us-east-1", "eu-west-1"].map((region) => ({
      region,
      amiDistributionConfiguration: { name: "web-{{ imagebuilder:buildDate }}" },
      ssmParameterConfiguration: [{ parameterName: PARAMETER, dataType: "aws:ec2:image" }],
    })),
  });
  let executionRole: IamRole | undefined;
  if (role !== undefined) {
    executionRole = new IamRole(stack, "execution-role", {
      name: "web-run",
      assumeRolePolicy: serviceTrust(stack, "trust", "imagebuilder.amazonaws.com").json,
    });
    new IamRolePolicy(stack, "execution-policy", { role: executionRole.id, policy: policyDocument(stack, "execution-document", role.statements).json });
  }
  new ImagebuilderImagePipeline(stack, "pipeline", {
    name: "web",
    imageRecipeArn: "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/web/1.0.0",
    infrastructureConfigurationArn: "arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/web",
    distributionConfigurationArn: distribution.arn,
    ...(executionRole !== undefined ? { executionRole: executionRole.arn } : {}),
  });
}

const DESCRIBE: PolicyStatement = { actions: ["ec2:DescribeImages"], resources: ["*"] };

describe("DEPLOY-2: a native distribution's parameter is writable by the pipeline's execution role", () => {
  test("Noncompliance 26: no execution role (the service-linked role may write only parameter/imagebuilder/*)", () => {
    const stack = minimalStack();
    nativePipeline(stack);
    expect(violations(stack, "DEPLOY-2")).toEqual([expect.stringContaining("has no execution_role of this stack")]);
  });

  test("Noncompliance 26: the role may write the parameter in one distribution region only", () => {
    const stack = minimalStack();
    nativePipeline(stack, { statements: [{ actions: ["ssm:PutParameter"], resources: [ARN("us-east-1")] }, DESCRIBE] });
    expect(violations(stack, "DEPLOY-2")).toEqual([expect.stringContaining("may not ssm:PutParameter /golden-ami/web in eu-west-1")]);
  });

  test("Noncompliance 26: no ec2:DescribeImages for an aws:ec2:image value", () => {
    const stack = minimalStack();
    nativePipeline(stack, { statements: [{ actions: ["ssm:PutParameter"], resources: [ARN("us-east-1"), ARN("eu-west-1")] }] });
    expect(violations(stack, "DEPLOY-2")).toEqual([expect.stringContaining("lacks ec2:DescribeImages")]);
  });

  test("Compliance 26: ssm:PutParameter on the parameter in each region, and ec2:DescribeImages", () => {
    const stack = minimalStack();
    nativePipeline(stack, { statements: [{ actions: ["ssm:PutParameter"], resources: [ARN("us-east-1"), ARN("eu-west-1")] }, DESCRIBE] });
    expect(violations(stack, "DEPLOY-2")).toEqual([]);
    expect(passes(stack, "DEPLOY-2")).toEqual(["aws_iam_role.execution-role writes /golden-ami/web"]);
  });
});

describe("DEPLOY-3: every service-linked role a resource needs is a listed prerequisite", () => {
  function alarm(stack: TerraformStack, action: string): void {
    new CloudwatchMetricAlarm(stack, "alarm", {
      alarmName: "errors",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: 1,
      threshold: 1,
      metricName: "Errors",
      namespace: "AWS/Lambda",
      period: 300,
      statistic: "Sum",
      alarmActions: [action],
    });
  }

  test("Noncompliance 27: a policy naming a service-linked role that is not a listed prerequisite", () => {
    const stack = minimalStack();
    new IamRole(stack, "role", {
      name: "example",
      assumeRolePolicy: policyDocument(stack, "trust", [
        {
          actions: ["sts:AssumeRole"],
          principals: [
            {
              type: "AWS",
              identifiers: ["arn:aws:iam::123456789012:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing"],
            },
          ],
        },
      ]).json,
    });
    expect(violations(stack, "DEPLOY-3")).toEqual([expect.stringContaining("needs the service-linked role(s) AWSServiceRoleForElasticLoadBalancing")]);
  });

  test("Compliance 27: an alarm that opens an OpsItem needs AWSServiceRoleForCloudWatchAlarms_ActionSSM, which is listed", () => {
    const stack = minimalStack();
    alarm(stack, "arn:aws:ssm:us-east-1:123456789012:opsitem:2#CATEGORY=Availability");
    expect(violations(stack, "DEPLOY-3")).toEqual([]);
    expect(passes(stack, "DEPLOY-3")).toEqual(["needs AWSServiceRoleForCloudWatchAlarms_ActionSSM: listed as prerequisites"]);
  });

  test("Compliance 27: the same with the account and partition as Terraform expressions (as the stacks synthesize them)", () => {
    const stack = minimalStack();
    alarm(stack, 'arn:${data.aws_partition.p.partition}:ssm:us-east-1:${element(split(":", aws_kms_key.k.arn), 4)}:opsitem:3#CATEGORY=Availability');
    expect(passes(stack, "DEPLOY-3")).toEqual(["needs AWSServiceRoleForCloudWatchAlarms_ActionSSM: listed as prerequisites"]);
  });

  test("Compliance 27: an alarm that notifies SNS needs no service-linked role", () => {
    // Prepare
    const stack = minimalStack();
    alarm(stack, "arn:aws:sns:us-east-1:123456789012:alarms");

    // Act
    const result = report(stack);

    // Assess: the alarm was evaluated, and DEPLOY-3 found it not applicable (neither a pass nor a finding).
    expect(result.evaluated).toBeGreaterThan(0);
    expect([...result.findings, ...result.passed].filter((entry) => entry.rule.id === "DEPLOY-3")).toEqual([]);
  });

  test("the shipped environments' stacks together need exactly the listed prerequisite roles, no more", () => {
    // Act
    const stacks = ENVIRONMENTS.flatMap((environment) =>
      buildApp(loadConfig(environment), { outdir: Testing.app().outdir }).node.children.filter(
        (child): child is TerraformStack => child instanceof TerraformStack,
      ),
    );
    const needed = new Set(
      stacks.flatMap((stack) =>
        checkStack(stack)
          .passed.filter((pass) => pass.rule.id === "DEPLOY-3")
          .map((pass) => pass.note ?? ""),
      ),
    );

    // Assess
    const roles = [...needed].flatMap((note) => (/^needs (.*): listed/.exec(note)?.[1] ?? "").split(", "));
    expect([...new Set(roles)].sort()).toEqual(PREREQUISITE_SERVICE_LINKED_ROLES.map((role) => role.roleName).sort());
  });

  test("the README's Deploying section lists every prerequisite service-linked role with its create command, before the first deploy step", () => {
    // Prepare
    const readme = readFileSync(README_PATH, "utf8");
    const deploying = readme.slice(readme.indexOf("## Deploying"), readme.indexOf("\n## ", readme.indexOf("## Deploying") + 1));

    // Act
    const firstDeploy = deploying.indexOf("cdktf deploy");

    // Assess
    expect(firstDeploy).toBeGreaterThan(0);
    for (const role of PREREQUISITE_SERVICE_LINKED_ROLES) {
      expect(deploying).toContain(role.roleName);
      expect(deploying.indexOf(createCommand(role))).toBeGreaterThan(0);
      expect(deploying.indexOf(createCommand(role))).toBeLessThan(firstDeploy);
    }
  });
});

test("the OpsItem alarm role's service principal is the one the CI apply role may create it for", () => {
  const role = PREREQUISITE_SERVICE_LINKED_ROLES.find((candidate) => candidate.roleName === "AWSServiceRoleForCloudWatchAlarms_ActionSSM");
  expect(role?.service).toBe(ALARMS_SSM_SERVICE);
});

test("the Auto Scaling role's service principal is the one the CI apply role may create it for", () => {
  const role = PREREQUISITE_SERVICE_LINKED_ROLES.find((candidate) => candidate.roleName === "AWSServiceRoleForAutoScaling");
  expect(role?.service).toBe(AUTOSCALING_SERVICE);
});
