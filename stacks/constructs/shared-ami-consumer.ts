/**
 * The consumer side of a shared AMI pointer: a launch template in another account that launches from
 * the AMI a parameter shared through AWS RAM points to.
 *
 * A consumer must name a shared parameter by its full ARN; EC2 launch templates accept shared
 * parameters in `resolve:ssm:` (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-shared-parameters.html,
 * "Accessing shared parameters"). At apply time EC2 resolves the parameter when the launch template
 * (version) is created, so the share must be accepted by then (an account outside the organization
 * accepts the RAM invitation first), and the caller needs `ssm:GetParameters` on the parameter ARN.
 * The parameter must be in the consumer's region: RAM shares are regional.
 */
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";
import { launchTemplateImageId } from "./fleet-refresh";

const SHARED_PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:([a-z0-9-]+):(\d{12}):parameter\/[A-Za-z0-9_.\-/]+$/;

export interface SharedAmiLaunchTemplateProps {
  /** The launch template's name. */
  readonly name: string;
  /** Full ARN of the shared parameter: `arn:aws:ssm:<region>:<owner account>:parameter/<name>`. */
  readonly parameterArn: string;
  /** The consumer's region (the provider's); the parameter must be there. */
  readonly region: string;
  readonly instanceType: string;
}

/** A launch template whose `image_id` is `resolve:ssm:<shared parameter ARN>` (IMDSv2 only). */
export class SharedAmiLaunchTemplate extends Construct {
  readonly launchTemplate: LaunchTemplate;

  constructor(scope: Construct, id: string, props: SharedAmiLaunchTemplateProps) {
    super(scope, id);
    const where = `SharedAmiLaunchTemplate ${props.name}`;
    if (!Token.isUnresolved(props.parameterArn)) {
      const match = SHARED_PARAMETER_ARN.exec(props.parameterArn);
      if (!match) {
        throw new Error(
          `${where}: parameterArn "${props.parameterArn}" must be the full ARN of the shared parameter (arn:aws:ssm:<region>:<owner account>:parameter/<name>): another account's parameter cannot be named by its name`,
        );
      }
      if (!Token.isUnresolved(props.region) && match[1] !== props.region) {
        throw new Error(
          `${where}: parameterArn is in ${String(match[1])}, but this launch template is in ${props.region}; RAM shares are regional: use the parameter of ${props.region}`,
        );
      }
    }
    this.launchTemplate = new LaunchTemplate(this, "launch-template", {
      name: props.name,
      description: `Launches from the AMI that ${props.parameterArn} points to (shared through AWS RAM)`,
      imageId: launchTemplateImageId(props.parameterArn),
      instanceType: props.instanceType,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
    });
    new TerraformOutput(this, "launch_template_id", { value: this.launchTemplate.id, description: `${props.name}: launches from ${props.parameterArn}` });
  }
}
