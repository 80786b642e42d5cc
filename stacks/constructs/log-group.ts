import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { Fn, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { KEY_ADMINISTRATION_ACTIONS, policyDocument } from "./iam";

const LOGS_KEY_ID = "logs-key";

/**
 * One customer-managed key per stack for its log groups, created with the first of them. Partition,
 * region and account come from the key's own ARN: nothing is looked up at plan time.
 */
export class LogsKey extends Construct {
  readonly key: KmsKey;
  readonly policy: KmsKeyPolicy;

  /** The stack's logs key, created on first use. */
  static of(scope: Construct): LogsKey {
    const stack = TerraformStack.of(scope);
    const existing = stack.node.tryFindChild(LOGS_KEY_ID);
    return existing instanceof LogsKey ? existing : new LogsKey(stack, LOGS_KEY_ID);
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new KmsKey(this, "key", {
      description: `Encrypts the log groups of the ${TerraformStack.of(this).node.id} stack`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    const arnPart = (index: number): string => Fn.element(Fn.split(":", this.key.arn), index);
    const [partition, region, account] = [arnPart(1), arnPart(3), arnPart(4)];
    this.policy = new KmsKeyPolicy(this, "policy", {
      keyId: this.key.keyId,
      policy: policyDocument(this, "policy-document", [
        {
          sid: "AccountAdministersKey",
          actions: KEY_ADMINISTRATION_ACTIONS,
          resources: ["*"],
          principals: [{ type: "AWS", identifiers: [`arn:${partition}:iam::${account}:root`] }],
        },
        {
          // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
          sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
          actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          resources: ["*"],
          principals: [{ type: "Service", identifiers: [`logs.${region}.amazonaws.com`] }],
          conditions: [
            {
              test: "ArnLike",
              variable: "kms:EncryptionContext:aws:logs:arn",
              values: [`arn:${partition}:logs:${region}:${account}:log-group:*`],
            },
          ],
        },
      ]).json,
    });
  }
}

export interface EncryptedLogGroupProps {
  readonly name: string;
  /** Days CloudWatch keeps the events (a value it accepts: 1, 3, 5, 7, 14, 30, 60, 90, ...). */
  readonly retentionInDays: number;
}

/** A log group with a retention, encrypted with its stack's customer-managed logs key. */
export function encryptedLogGroup(scope: Construct, id: string, props: EncryptedLogGroupProps): CloudwatchLogGroup {
  const logsKey = LogsKey.of(scope);
  return new CloudwatchLogGroup(scope, id, {
    name: props.name,
    retentionInDays: props.retentionInDays,
    kmsKeyId: logsKey.key.arn,
    // CloudWatch Logs refuses a key whose policy does not let it in yet.
    dependsOn: [logsKey.policy],
  });
}
