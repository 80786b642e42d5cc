import type { Construct } from "constructs";
import type { AmiConsumerConfig } from "../config";
import { AppStack, type AppStackProps } from "./app-stack";
import { SharedAmiLaunchTemplate } from "./constructs/shared-ami-consumer";
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
 */
export class AmiConsumerStack extends AppStack {
  readonly launchTemplates: Readonly<Record<string, SharedAmiLaunchTemplate>>;

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
  }
}
