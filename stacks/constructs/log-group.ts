import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { arnAt } from "../../aws/arn";
import { CustomerManagedKey } from "./customer-managed-key";

const LOGS_KEY_ID = "logs-key";

/** One customer-managed key per stack for its log groups, created with the first of them. */
function logsKeyOf(scope: Construct): CustomerManagedKey {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(LOGS_KEY_ID);
  if (existing instanceof CustomerManagedKey) return existing;
  return new CustomerManagedKey(stack, LOGS_KEY_ID, {
    description: `Encrypts the log groups of the ${stack.node.id} stack`,
    users: ({ partition, region, account }) => [
      {
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
        sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
        actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        resources: ["*"],
        principals: [{ type: "Service", identifiers: [`logs.${region}.amazonaws.com`] }],
        conditions: [
          { test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: [arnAt({ partition, region, account }, "logs", "log-group:*")] },
        ],
      },
    ],
  });
}

export interface EncryptedLogGroupProps {
  readonly name: string;
  /** Days CloudWatch keeps the events (a value it accepts: 1, 3, 5, 7, 14, 30, 60, 90, ...). */
  readonly retentionInDays: number;
}

/** A log group with a retention, encrypted with its stack's customer-managed logs key. */
export function encryptedLogGroup(scope: Construct, id: string, props: EncryptedLogGroupProps): CloudwatchLogGroup {
  const logsKey = logsKeyOf(scope);
  return new CloudwatchLogGroup(scope, id, {
    name: props.name,
    retentionInDays: props.retentionInDays,
    kmsKeyId: logsKey.key.arn,
    // CloudWatch Logs refuses a key whose policy does not let it in yet.
    dependsOn: [logsKey.policy],
  });
}
