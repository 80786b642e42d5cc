/**
 * What AWS checks at apply time that `terraform plan` does not: a `resolve:ssm:` parameter that must
 * exist first, an Image Builder distribution that writes a parameter, and service-linked roles.
 */
import { PREREQUISITE_SERVICE_LINKED_ROLES } from "../service-linked-roles";
import { asList, isJsonObject, stringsOf } from "../stack-index";
import { compliant, nonCompliant, notApplicable, type Json, type RuleOutcome, type StackLookup, type SynthesizedBlock } from "../types";

/** The attribute that takes an AMI ID (or `resolve:ssm:NAME`) on each type DEPLOY-1 reads. */
export const IMAGE_ATTRIBUTES: Readonly<Record<string, string>> = { aws_launch_template: "image_id", aws_instance: "ami" };

/** `resolve:ssm:NAME`, `resolve:ssm:NAME:3` or `resolve:ssm:NAME:label` -> NAME; anything else -> undefined. */
export function resolvedParameterName(value: Json | undefined): string | undefined {
  if (typeof value !== "string" || !value.startsWith("resolve:ssm:")) return undefined;
  return value.slice("resolve:ssm:".length).replace(/:[^:/]+$/, "");
}

/** The provider a block is declared with: `aws.<alias>`, or "" for the stack's default one. */
function providerOf(block: SynthesizedBlock): string {
  const provider = block.config["provider"];
  return typeof provider === "string" ? provider : "";
}

/**
 * DEPLOY-1: a `resolve:ssm:` parameter is created in the stack, with the same provider (so in the same
 * region: a parameter of one region is invisible in another), and before the resource that resolves it.
 */
export function resolvedParameterCreatedFirst(resource: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const name = resolvedParameterName(resource.config[IMAGE_ATTRIBUTES[resource.type] ?? ""]);
  if (name === undefined) return notApplicable;
  const parameter = stack
    .resourcesOfType("aws_ssm_parameter")
    .find((candidate) => candidate.config["name"] === name && providerOf(candidate) === providerOf(resource));
  if (parameter === undefined) {
    const where = providerOf(resource) === "" ? "the stack's default provider" : `provider ${providerOf(resource)}`;
    return nonCompliant(
      `resolves the parameter ${name}, which no aws_ssm_parameter of this stack creates with ${where} (the same region): EC2 checks it when the ${resource.type} is created, so the first apply fails until something writes it; create it in the stack (seeded with a real AMI of the region, value ignored afterwards)`,
    );
  }
  const address = `aws_ssm_parameter.${parameter.name}`;
  if (!stringsOf(resource.config["depends_on"]).includes(address)) {
    return nonCompliant(
      `resolves ${name}, created by ${address}, without depends_on it: Terraform may create both at once and EC2 would not find the parameter`,
    );
  }
  if (parameter.config["data_type"] !== "aws:ec2:image") {
    return nonCompliant(
      `${address} has data_type ${JSON.stringify(parameter.config["data_type"] ?? "text")}; EC2 resolves only aws:ec2:image parameters in an image ID`,
    );
  }
  return compliant(`${name} is created first by ${address}`);
}

/** `arn:...:ssm:<region>:<account>:parameter/<path>` covers `name` in `region` (exactly, or by a trailing `*`). */
function coversParameter(resourceArn: string, region: string, name: string): boolean {
  // The account may be a Terraform expression holding ":" (e.g. element(split(":", ...), 4)).
  const match = /^arn:.*?:ssm:([a-z0-9*-]+):.*:parameter\/(.*)$/.exec(resourceArn);
  if (match === null) return false;
  const [, arnRegion = "", path = ""] = match;
  const wanted = name.replace(/^\//, "");
  const regionOk = arnRegion === region || arnRegion === "*";
  return regionOk && (path === wanted || (path.endsWith("*") && wanted.startsWith(path.slice(0, -1))));
}

/** Every Allow statement of the inline policies attached to `role`. */
function inlineStatements(role: SynthesizedBlock, stack: StackLookup): { actions: readonly string[]; resources: readonly string[] }[] {
  return stack.referencing(role, "aws_iam_role_policy").flatMap((policy) => {
    const read = stack.policy(policy.config["policy"]);
    return read.readable ? read.statements.filter((statement) => statement.effect === "Allow") : [];
  });
}

/** DEPLOY-2: a pipeline whose distribution writes an SSM parameter runs with an execution role that may write it in every distribution region. */
export function nativeParameterWritable(pipeline: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const distribution = stack.referenced(pipeline.config["distribution_configuration_arn"]);
  if (distribution === undefined) return notApplicable;
  const writes = asList(distribution.config["distribution"]).flatMap((entry) => {
    if (!isJsonObject(entry) || typeof entry["region"] !== "string") return [];
    const region = entry["region"];
    return asList(entry["ssm_parameter_configuration"]).flatMap((configuration) =>
      isJsonObject(configuration) && typeof configuration["parameter_name"] === "string"
        ? [{ region, name: configuration["parameter_name"], dataType: configuration["data_type"] }]
        : [],
    );
  });
  if (writes.length === 0) return notApplicable;
  const role = stack.referenced(pipeline.config["execution_role"]);
  if (role === undefined || role.type !== "aws_iam_role") {
    return nonCompliant(
      `its distribution writes ${writes[0]?.name ?? "a parameter"} but the pipeline has no execution_role of this stack: Image Builder would write with its service-linked role, which may write only parameter/imagebuilder/*`,
    );
  }
  const statements = inlineStatements(role, stack);
  const may = (action: string, check: (arn: string) => boolean) =>
    statements.some((statement) => statement.actions.includes(action) && statement.resources.some(check));
  const missing = writes.filter((write) => !may("ssm:PutParameter", (arn) => coversParameter(arn, write.region, write.name)));
  if (missing.length > 0) {
    return nonCompliant(
      `execution role ${role.address} may not ssm:PutParameter ${missing.map((write) => `${write.name} in ${write.region}`).join(", ")}: grant it on the parameter's ARN in each distribution region`,
    );
  }
  if (writes.some((write) => write.dataType === "aws:ec2:image") && !may("ec2:DescribeImages", (arn) => arn === "*")) {
    return nonCompliant(`execution role ${role.address} lacks ec2:DescribeImages, which SSM uses to validate an aws:ec2:image value`);
  }
  return compliant(`${role.address} writes ${[...new Set(writes.map((write) => write.name))].join(", ")}`);
}

const SERVICE_LINKED_ROLE_ARN = /:role\/aws-service-role\/[a-z0-9.-]+\/([A-Za-z0-9_+=,.@-]+)/g;
/** A CloudWatch alarm action that opens an OpsItem: `arn:<partition>:ssm:<region>:<account>:opsitem:<severity>[#CATEGORY=...]`. */
const OPSITEM_ACTION = /^arn:.*?:ssm:[a-z0-9-]*:.*:opsitem:/;
const ALARM_ACTION_ATTRIBUTES = ["alarm_actions", "ok_actions", "insufficient_data_actions"] as const;

/** The service-linked roles a resource needs to exist at apply time. */
export function serviceLinkedRolesNeeded(resource: SynthesizedBlock, stack: StackLookup): string[] {
  const needed = new Set<string>();
  if (resource.type === "aws_cloudwatch_metric_alarm") {
    const actions = ALARM_ACTION_ATTRIBUTES.flatMap((attribute) => stringsOf(resource.config[attribute]));
    if (actions.some((action) => OPSITEM_ACTION.test(action))) needed.add("AWSServiceRoleForCloudWatchAlarms_ActionSSM");
  }
  if (resource.type.startsWith("aws_imagebuilder_")) needed.add("AWSServiceRoleForImageBuilder");
  // CreateAutoScalingGroup creates it when the account has none (https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html).
  if (resource.type === "aws_autoscaling_group") needed.add("AWSServiceRoleForAutoScaling");
  // A policy that names a service-linked role as a principal (KMS refuses a principal that does not exist).
  const documents = ["policy", "assume_role_policy"].flatMap((key) => {
    const document = stack.referenced(resource.config[key]);
    return document !== undefined ? [JSON.stringify(document.config)] : [];
  });
  for (const text of [JSON.stringify(resource.config), ...documents]) {
    for (const match of text.matchAll(SERVICE_LINKED_ROLE_ARN)) if (match[1] !== undefined) needed.add(match[1]);
  }
  return [...needed].sort();
}

export const SERVICE_LINKED_ROLE_TYPES: readonly string[] = [
  "aws_autoscaling_group",
  "aws_cloudwatch_metric_alarm",
  "aws_imagebuilder_image_pipeline",
  "aws_kms_key_policy",
  "aws_kms_key",
  "aws_sns_topic_policy",
  "aws_sqs_queue_policy",
  "aws_iam_role",
];

/** DEPLOY-3: every service-linked role the resource needs is a listed prerequisite (the README says how to create it). */
export function serviceLinkedRolesListed(resource: SynthesizedBlock, stack: StackLookup): RuleOutcome {
  const needed = serviceLinkedRolesNeeded(resource, stack);
  if (needed.length === 0) return notApplicable;
  const listed = new Set(PREREQUISITE_SERVICE_LINKED_ROLES.map((role) => role.roleName));
  const missing = needed.filter((role) => !listed.has(role));
  if (missing.length > 0) {
    return nonCompliant(
      `needs the service-linked role(s) ${missing.join(", ")}, which PREREQUISITE_SERVICE_LINKED_ROLES (stacks/rules/service-linked-roles.ts) and the README's "Deploying" section do not list: add each with its create-service-linked-role command`,
    );
  }
  return compliant(`needs ${needed.join(", ")}: listed as prerequisites`);
}
