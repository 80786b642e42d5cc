import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { KEY_ADMINISTRATION_ACTIONS, policyDocument, type PolicyStatement } from "./iam";
import { formatArn, type AwsLocation } from "../../aws/arn";

export interface CustomerManagedKeyProps {
  readonly description: string;
  /** `alias/<alias>`. @default - no alias */
  readonly alias?: string;
  /** Who may use the key besides the account, which only administers it. */
  readonly users: (location: AwsLocation) => readonly PolicyStatement[];
}

/**
 * A rotated customer-managed KMS key whose policy lets the account administer it (never use it) and
 * lets exactly `users` use it. The policy is a resource of its own, so it can name the key's account.
 */
export class CustomerManagedKey extends Construct {
  readonly key: KmsKey;
  readonly policy: KmsKeyPolicy;
  /** Partition, region and account of the key, read from its own ARN (nothing looked up at plan time). */
  readonly location: AwsLocation;

  constructor(scope: Construct, id: string, props: CustomerManagedKeyProps) {
    super(scope, id);
    this.key = new KmsKey(this, "key", { description: props.description, enableKeyRotation: true, deletionWindowInDays: 30 });
    if (props.alias !== undefined) new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
    const arnPart = (index: number): string => Fn.element(Fn.split(":", this.key.arn), index);
    this.location = { partition: arnPart(1), region: arnPart(3), account: arnPart(4) };
    this.policy = new KmsKeyPolicy(this, "policy", {
      keyId: this.key.keyId,
      policy: policyDocument(this, "policy-document", [
        {
          sid: "AccountAdministersKey",
          actions: KEY_ADMINISTRATION_ACTIONS,
          resources: ["*"],
          principals: [
            { type: "AWS", identifiers: [formatArn({ partition: this.location.partition, service: "iam", account: this.location.account, resource: "root" })] },
          ],
        },
        ...props.users(this.location),
      ]).json,
    });
  }
}

/** SNS may use the key for topics of this account (encrypted deliveries). */
export function snsUsesKey(location: AwsLocation): PolicyStatement {
  return {
    sid: "SnsUsesKeyForThisAccount",
    actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
    resources: ["*"],
    principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
    conditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [location.account] }],
  };
}
