/**
 * The service-linked roles a first deploy needs to exist before `cdktf deploy`, as data. The README's
 * "Deploying" section lists each with its command (a test checks it), and rule DEPLOY-3 fails a stack
 * that needs a role this list lacks.
 */
export interface PrerequisiteServiceLinkedRole {
  /** The role's name, e.g. "AWSServiceRoleForImageBuilder". */
  readonly roleName: string;
  /** The service principal `aws iam create-service-linked-role --aws-service-name` takes. */
  readonly service: string;
  /** Which stack needs it, and why it must exist before the apply. */
  readonly why: string;
  /** Where AWS documents the role. */
  readonly source: string;
}

export const PREREQUISITE_SERVICE_LINKED_ROLES: readonly PrerequisiteServiceLinkedRole[] = [
  {
    roleName: "AWSServiceRoleForImageBuilder",
    service: "imagebuilder.amazonaws.com",
    why: "ami-tracker: the topic key's policy names it as a principal, and KMS refuses a policy naming a role that does not exist yet; Image Builder builds and publishes with it",
    source: "https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-builder-service-linked-role.html",
  },
  {
    roleName: "AWSServiceRoleForCloudWatchAlarms_ActionSSM",
    // The principal CloudTrail shows as invokedBy for OpsItems the alarms create.
    service: "ssm.alarms.cloudwatch.amazonaws.com",
    why: "ami-tracker with alarms (the default): the first alarm whose action opens an OpsItem makes CloudWatch create it, which needs iam:CreateServiceLinkedRole; made beforehand, the deploy role needs no IAM write outside its own roles",
    source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-service-linked-roles.html",
  },
  {
    roleName: "AWSServiceRoleForAutoScaling",
    service: "autoscaling.amazonaws.com",
    why: "ami-tracker with a fleet (an Auto Scaling group): CreateAutoScalingGroup creates it when the account has none, which needs iam:CreateServiceLinkedRole (the CI apply role may, for this role only); made beforehand, nobody needs it",
    source: "https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html",
  },
];

/** The command that creates a prerequisite role (run once per account, by an administrator). */
export function createCommand(role: PrerequisiteServiceLinkedRole): string {
  return `aws iam create-service-linked-role --aws-service-name ${role.service}`;
}
