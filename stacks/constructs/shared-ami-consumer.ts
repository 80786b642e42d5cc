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
import { KmsGrant } from "@cdktf/provider-aws/lib/kms-grant";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { Fn, TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";
import { AUTO_SCALING_GRANT_OPERATIONS, AUTO_SCALING_SERVICE_LINKED_ROLE, isAwsManagedEbsKey, parseKeyArn } from "../../aws/ami-sharing";
import { iamArn } from "../../aws/arn";
import { launchTemplateImageId } from "./example-fleet";

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

export interface AutoScalingKeyGrantProps {
  /** The grant's name (letters, digits, `:/_-`). */
  readonly name: string;
  /** Full ARN of the owner's key of the shared AMI in this region (an alias or key ID cannot name another account's key). */
  readonly keyArn: string;
  /** The consumer's region (the provider's): KMS keys are regional, so the key must be there. */
  readonly region: string;
  /** A resource of this account whose ARN gives its partition and ID (no lookup at plan time), e.g. the launch template. */
  readonly accountOf: { readonly arn: string };
}

/**
 * The consumer account's grant that lets its Auto Scaling service-linked role (`AWSServiceRoleForAutoScaling`)
 * use the owner's key of a shared AMI: without it, a group launching that AMI fails, because the role's own
 * permissions cover AWS managed keys only. The grant is created from the group's account (Auto Scaling user
 * guide, "Required AWS KMS key policy for use with encrypted volumes", example 2:
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html), with the
 * operations the owner's key policy allows (SharedAmiKey). Apply time: the role must exist (it is created with
 * the account's first Auto Scaling group, or by `aws iam create-service-linked-role --aws-service-name
 * autoscaling.amazonaws.com`); hashicorp/aws retries CreateGrant on InvalidArnException for 3 minutes
 * (internal/service/kms/grant.go). On destroy it retires the grant: the account that created a grant may
 * retire it without any key policy (https://docs.aws.amazon.com/kms/latest/developerguide/grant-delete.html).
 */
export class AutoScalingKeyGrant extends Construct {
  readonly grant: KmsGrant;

  constructor(scope: Construct, id: string, props: AutoScalingKeyGrantProps) {
    super(scope, id);
    const where = `AutoScalingKeyGrant ${props.name}`;
    if (!/^[a-zA-Z0-9:/_-]{1,256}$/.test(props.name)) throw new Error(`${where}: name must be 1-256 letters, digits, ":", "/", "_" or "-"`);
    if (!Token.isUnresolved(props.keyArn)) {
      if (isAwsManagedEbsKey(props.keyArn)) {
        throw new Error(
          `${where}: keyArn is the AWS managed EBS key, which no other account can use; the owner must encrypt shared AMIs with a customer-managed key`,
        );
      }
      const key = parseKeyArn(props.keyArn);
      if (key === undefined) {
        throw new Error(
          `${where}: keyArn "${props.keyArn}" must be a full key ARN (arn:aws:kms:<region>:<owner account>:key/<id>): another account's key is not reachable by alias or ID`,
        );
      }
      if (!Token.isUnresolved(props.region) && key.region !== props.region) {
        throw new Error(
          `${where}: keyArn is in ${key.region}, but the groups launch in ${props.region}; KMS keys are regional: use the owner's key of ${props.region}`,
        );
      }
    }
    const arnPart = (index: number): string => Fn.element(Fn.split(":", props.accountOf.arn), index);
    const account = { partition: arnPart(1), account: arnPart(4) };
    this.grant = new KmsGrant(this, "grant", {
      name: props.name,
      keyId: props.keyArn,
      granteePrincipal: iamArn(account, AUTO_SCALING_SERVICE_LINKED_ROLE),
      operations: [...AUTO_SCALING_GRANT_OPERATIONS],
      retireOnDelete: true,
    });
  }
}
