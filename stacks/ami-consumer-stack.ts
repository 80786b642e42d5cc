import type { Construct } from "constructs";
import type { AmiConsumerConfig } from "../config";
import { AppStack, type AppStackProps } from "./app-stack";
import { AutoScalingKeyGrant, SharedAmiLaunchTemplate } from "./constructs/shared-ami-consumer";
import { acknowledgeRule } from "./rules/acknowledge";

export const AMI_CONSUMER_STACK = "ami-consumer";

/** The stack's slice of the configuration: what every stack takes, and the `amiConsumer` section. */
export interface AmiConsumerStackProps extends AppStackProps {
  readonly amiConsumer: AmiConsumerConfig;
}

/**
 * The consumer account's side of a shared AMI pointer (amiConsumer): one launch template per entry,
 * `image_id = resolve:ssm:<full ARN of the parameter another account shares through RAM>`.
 * Apply time: the share is accepted (accounts outside the organization accept the RAM invitation) and the
 * caller may ssm:GetParameters on the ARN; EC2 resolves the parameter when the template is created.
 * With `amiKeyArn`, a KMS grant lets this account's Auto Scaling service-linked role use the owner's key of
 * the shared AMIs (AutoScalingKeyGrant): the role must exist by then (the account's first Auto Scaling group
 * creates it, or `aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com`).
 */
export class AmiConsumerStack extends AppStack {
  readonly launchTemplates: Readonly<Record<string, SharedAmiLaunchTemplate>>;
  /** The grants of this account's Auto Scaling service-linked role on the owners' AMI keys, by key ARN. */
  readonly keyGrants: Readonly<Record<string, AutoScalingKeyGrant>>;

  constructor(scope: Construct, config: AmiConsumerStackProps) {
    super(scope, AMI_CONSUMER_STACK, config);
    const templates: Record<string, SharedAmiLaunchTemplate> = {};
    for (const entry of config.amiConsumer.launchTemplates) {
      const template = new SharedAmiLaunchTemplate(this, `shared-${entry.name}`, {
        name: entry.name,
        parameterArn: entry.parameterArn,
        region: config.region,
        instanceType: entry.instanceType,
      });
      acknowledgeRule(
        template.launchTemplate,
        "DEPLOY-1",
        "the parameter is another account's, shared through AWS RAM: its owner creates it, and this account accepts the share before the first apply",
      );
      templates[entry.name] = template;
    }
    this.launchTemplates = templates;
    // One grant per key, however many templates launch AMIs under it; named after its first template.
    const grants: Record<string, AutoScalingKeyGrant> = {};
    for (const entry of config.amiConsumer.launchTemplates) {
      const template = templates[entry.name];
      if (entry.amiKeyArn === undefined || template === undefined || grants[entry.amiKeyArn] !== undefined) continue;
      grants[entry.amiKeyArn] = new AutoScalingKeyGrant(this, `autoscaling-key-grant-${entry.name}`, {
        name: `${this.namePrefix}-${entry.name}-autoscaling`.slice(0, 256),
        keyArn: entry.amiKeyArn,
        region: config.region,
        accountOf: template.launchTemplate,
      });
    }
    this.keyGrants = grants;
  }
}
