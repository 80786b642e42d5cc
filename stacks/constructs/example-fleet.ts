/**
 * An example Auto Scaling group that reads a pointer through its launch template, and the
 * `resolve:ssm:` form a launch template's image takes (owner's name or a shared parameter's ARN).
 *
 * Apply time: EC2 resolves `resolve:ssm:` when the launch template (version) is created, so the parameter
 * must already exist and the caller needs `ssm:GetParameters` on it (FIELD-NOTES, "Apply time").
 */
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import type { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { Token, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { placeOnProvider } from "./provider";

export interface ExampleFleetProps {
  /** Name of the launch template and the group. */
  readonly name: string;
  /** The `aws:ec2:image` parameter the launch template resolves (a name here, or a full ARN when shared). */
  readonly parameter: string;
  /**
   * The resource that creates `parameter` in this stack: the template then depends on it, since EC2
   * checks the parameter when the template is created.
   * @default - none: the parameter must exist before the first apply (rule DEPLOY-1 says so)
   */
  readonly parameterResource?: SsmParameter;
  readonly instanceType: string;
  /** Where the group may launch: subnet IDs, or availability zones of the default VPC. */
  readonly placement: { readonly subnetIds: readonly string[] } | { readonly availabilityZones: readonly string[] };
  /** The provider of the group's region, when that is not the stack's. @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * An example group that costs nothing: desired capacity 0, from a launch template whose `image_id` is
 * `resolve:ssm:<parameter>` (IMDSv2 only). Point `FleetRefresh` at it to see the loop end to end.
 *
 * Apply time: EC2 resolves `resolve:ssm:` when the launch template (version) is created, so the parameter
 * must already exist and the caller needs `ssm:GetParameters` on it (FIELD-NOTES, "Apply time").
 */
export class ExampleFleet extends Construct {
  readonly launchTemplate: LaunchTemplate;
  readonly group: AutoscalingGroup;

  constructor(scope: Construct, id: string, props: ExampleFleetProps) {
    super(scope, id);
    const placement =
      "subnetIds" in props.placement ? { vpcZoneIdentifier: [...props.placement.subnetIds] } : { availabilityZones: [...props.placement.availabilityZones] };
    const places = "subnetIds" in props.placement ? props.placement.subnetIds : props.placement.availabilityZones;
    if (places.length === 0) throw new Error(`ExampleFleet ${props.name}: placement is empty; give subnetIds or availabilityZones, e.g. ["us-east-1a"]`);
    this.launchTemplate = new LaunchTemplate(this, "launch-template", {
      name: props.name,
      description: `Example: launches from resolve:ssm:${props.parameter}`,
      imageId: launchTemplateImageId(props.parameter),
      ...(props.parameterResource ? { dependsOn: [props.parameterResource] } : {}),
      instanceType: props.instanceType,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
    });
    this.group = new AutoscalingGroup(this, "group", {
      name: props.name,
      minSize: 0,
      maxSize: 1,
      desiredCapacity: 0,
      ...placement,
      // A numbered version, so a later launch template change is a deliberate new version.
      launchTemplate: { id: this.launchTemplate.id, version: Token.asString(this.launchTemplate.latestVersion) },
    });
    placeOnProvider(this, props.provider);
  }
}

/**
 * `resolve:ssm:<parameter>` for a launch template's `image_id`: a name in the owner's account, or the
 * full parameter ARN (`arn:<partition>:ssm:<region>:<owner>:parameter/<name>`) for a parameter shared
 * with this account through AWS RAM. Names may carry a version or label (`:3`), ARNs too.
 */
export function launchTemplateImageId(parameter: string): string {
  if (!Token.isUnresolved(parameter) && !/^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/|\/?)[A-Za-z0-9_.\-/]+(:[A-Za-z0-9_.-]+)?$/.test(parameter)) {
    throw new Error(
      `launch template parameter "${parameter}" is neither a parameter name nor a parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>)`,
    );
  }
  return `resolve:ssm:${parameter}`;
}
