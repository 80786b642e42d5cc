import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { managedPolicyArn } from "../../aws/arn";
import { serviceTrust } from "./iam";

/** The only managed policies an Image Builder build instance needs (SSM agent + Image Builder's own). */
export const BUILD_INSTANCE_MANAGED_POLICIES = ["AmazonSSMManagedInstanceCore", "EC2InstanceProfileForImageBuilder"] as const;

export interface BuildInstanceProfileProps {
  /** The role's and the instance profile's name. */
  readonly name: string;
  /** The partition, for the managed policies' ARNs (e.g. `${data.aws_partition.x.partition}`). */
  readonly partition: string;
}

/**
 * The instance profile of Image Builder's build and test instances: a role that EC2 assumes, with
 * exactly `AmazonSSMManagedInstanceCore` and `EC2InstanceProfileForImageBuilder` (which also lets
 * the instance write its logs under `/aws/imagebuilder/`). Shared by every pipeline of a stack.
 */
export class BuildInstanceProfile extends Construct {
  readonly role: IamRole;
  readonly profile: IamInstanceProfile;

  constructor(scope: Construct, id: string, props: BuildInstanceProfileProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: props.name,
      description: "EC2 Image Builder build and test instances",
      assumeRolePolicy: serviceTrust(this, "trust", "ec2.amazonaws.com").json,
    });
    for (const policy of BUILD_INSTANCE_MANAGED_POLICIES) {
      new IamRolePolicyAttachment(this, policy, {
        role: this.role.name,
        policyArn: managedPolicyArn(props.partition, policy),
      });
    }
    this.profile = new IamInstanceProfile(this, "profile", { name: props.name, role: this.role.name });
  }
}
