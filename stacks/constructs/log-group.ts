import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { TerraformStack, type TerraformProvider } from "cdktf";
import type { Construct } from "constructs";
import { arnAt } from "../../aws/arn";
import { CustomerManagedKey } from "./customer-managed-key";
import { placeOnProvider } from "./provider";

const LOGS_KEY_ID = "logs-key";

/** One customer-managed key per stack for its log groups, created with the first of them. */
/**
 * The stack's logs key of the provider's region: KMS keys are regional and CloudWatch Logs encrypts a log
 * group with a key of its own region (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
 */
function logsKeyOf(scope: Construct, provider: TerraformProvider | undefined): CustomerManagedKey {
  const stack = TerraformStack.of(scope);
  // `logs-key` is the default region's address since the first deploy: keep it.
  const id = provider === undefined ? LOGS_KEY_ID : `${LOGS_KEY_ID}-${provider.alias ?? provider.node.id}`;
  const existing = stack.node.tryFindChild(id);
  if (existing instanceof CustomerManagedKey) return existing;
  const key = new CustomerManagedKey(stack, id, {
    description: `Encrypts the log groups of the ${stack.node.id} stack`,
    users: ({ partition, region, account }) => [
      {
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html. That page also lists
        // kms:Describe*, but no Describe action has kms:EncryptionContext:* (Service Authorization Reference,
        // list_awskeymanagementservice.html): under this condition it could never be allowed, so it is left out.
        sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
        actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
        resources: ["*"],
        principals: [{ type: "Service", identifiers: [`logs.${region}.amazonaws.com`] }],
        conditions: [
          { test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: [arnAt({ partition, region, account }, "logs", "log-group:*")] },
        ],
      },
    ],
  });
  placeOnProvider(key, provider);
  return key;
}

export interface EncryptedLogGroupProps {
  readonly name: string;
  /** Days CloudWatch keeps the events (a value it accepts: 1, 3, 5, 7, 14, 30, 60, 90, ...). */
  readonly retentionInDays: number;
  /** The provider (region) of the group and its key. @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/** A log group with a retention, encrypted with its stack's customer-managed logs key. */
export function encryptedLogGroup(scope: Construct, id: string, props: EncryptedLogGroupProps): CloudwatchLogGroup {
  const logsKey = logsKeyOf(scope, props.provider);
  return new CloudwatchLogGroup(scope, id, {
    name: props.name,
    retentionInDays: props.retentionInDays,
    kmsKeyId: logsKey.key.arn,
    // CloudWatch Logs refuses a key whose policy does not let it in yet.
    dependsOn: [logsKey.policy],
    ...(props.provider !== undefined ? { provider: props.provider } : {}),
  });
}
