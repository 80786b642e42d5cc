/**
 * The key of a shared AMI's volumes, one per region: a customer-managed KMS key that EC2 Image Builder
 * encrypts the pipeline's AMIs with and that the consumer accounts may use to launch them.
 *
 * Why a key of our own: snapshots under the AWS managed EBS key cannot be shared (aws/ami-sharing.ts).
 *
 * Who uses it (the key policy; the account only administers the key, CustomerManagedKey):
 * - Image Builder, through its service-linked role `AWSServiceRoleForImageBuilder` (and a pipeline's
 *   execution role, when it has one): it launches the build instance with the recipe's encrypted root
 *   volume and copies the AMI to each distribution region under that region's key. Its managed policy
 *   (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForImageBuilder.html) is an
 *   IAM policy: for a customer-managed key, the key policy must allow the same use, since this key's policy
 *   does not let the account's IAM policies grant use (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html).
 *   They are named through the account root and `aws:PrincipalArn`, because a policy naming a role that does
 *   not exist yet (the service-linked role before Image Builder's first use) is refused.
 * - The consumers (accounts, an organization, OUs): the actions of SHARED_AMI_KEY_USE_ACTIONS, CreateGrant for
 *   AWS resources (EC2 attaching the volume), and a grant to their own Auto Scaling service-linked role only
 *   (`kms:GranteePrincipal` is that role in the caller's own account, `kms:GrantOperations` the operations of
 *   AUTO_SCALING_GRANT_OPERATIONS), plus kms:ListGrants for Terraform to read that grant back. The account that
 *   created a grant retires it without a key policy (https://docs.aws.amazon.com/kms/latest/developerguide/grant-delete.html).
 *   An organization is matched by `aws:PrincipalOrgID`, an OU (and the OUs under it) by `aws:PrincipalOrgPaths`:
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgpaths
 */
import { Token, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import {
  AUTO_SCALING_GRANT_OPERATIONS,
  AUTO_SCALING_SERVICE_LINKED_ROLE,
  IMAGE_BUILDER_SERVICE_LINKED_ROLE,
  SHARED_AMI_KEY_USE_ACTIONS,
} from "../../aws/ami-sharing";
import { iamArn, type AwsLocation } from "../../aws/arn";
import { acknowledgeRule } from "../rules/acknowledge";
import { CustomerManagedKey } from "./customer-managed-key";
import type { PolicyStatement } from "./iam";
import type { ShareConsumers } from "./parameter-share";
import { placeOnProvider } from "./provider";

export interface SharedAmiKeyProps {
  /** The key's alias, `alias/<alias>` (unique in the account and region). */
  readonly alias: string;
  /** What the key is for, e.g. the pipeline's name: it goes into the key's description. */
  readonly purpose: string;
  /** The accounts, organization or OUs that launch the AMIs. */
  readonly consumers: ShareConsumers;
  /** Roles that run the pipeline besides Image Builder's service-linked role (its execution role). @default [] */
  readonly imageBuilderRoleArns?: readonly string[];
  /** The provider of the key's region when that is not the stack's. @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

const ACCOUNT_ID = /^\d{12}$/;
const ORGANIZATION_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/(o-[a-z0-9]{10,32})$/;
const OU_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/(o-[a-z0-9]{10,32})\/(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$/;

/** One kind of consumer as a principal plus the condition that narrows it. */
interface ConsumerPrincipal {
  readonly label: string;
  readonly principals: PolicyStatement["principals"];
  readonly conditions: NonNullable<PolicyStatement["conditions"]>;
}

/** The principals of `consumers`: account roots; `*` within an organization ID; `*` within OU paths. */
export function consumerPrincipals(where: string, consumers: ShareConsumers, partition: string): ConsumerPrincipal[] {
  const kinds: ConsumerPrincipal[] = [];
  const accounts = consumers.accounts ?? [];
  for (const account of accounts) {
    if (!Token.isUnresolved(account) && !ACCOUNT_ID.test(account)) throw new Error(`${where}: consumers.accounts has "${account}", not a 12-digit account ID`);
  }
  if (accounts.length > 0) {
    kinds.push({
      label: "Accounts",
      principals: [{ type: "AWS", identifiers: accounts.map((account) => iamArn({ partition, account }, "root")) }],
      conditions: [],
    });
  }
  if (consumers.organizationArn !== undefined) {
    const match = ORGANIZATION_ARN.exec(consumers.organizationArn);
    if (!match) {
      throw new Error(
        `${where}: consumers.organizationArn "${consumers.organizationArn}" is not an organization ARN (arn:aws:organizations::<account>:organization/o-...)`,
      );
    }
    kinds.push({
      label: "Organization",
      principals: [{ type: "AWS", identifiers: ["*"] }],
      conditions: [{ test: "StringEquals", variable: "aws:PrincipalOrgID", values: [String(match[1])] }],
    });
  }
  const paths = (consumers.organizationalUnitArns ?? []).map((ou) => {
    const match = OU_ARN.exec(ou);
    if (!match) throw new Error(`${where}: consumers.organizationalUnitArns has "${ou}", not an OU ARN (arn:aws:organizations::<account>:ou/o-.../ou-...)`);
    // Paths are o-id/r-root/ou-.../: the root ID is not in the OU's ARN, and any OU below it matches too.
    return `${String(match[1])}/*/${String(match[2])}/*`;
  });
  if (paths.length > 0) {
    kinds.push({
      label: "OrganizationalUnits",
      principals: [{ type: "AWS", identifiers: ["*"] }],
      conditions: [{ test: "ForAnyValue:StringLike", variable: "aws:PrincipalOrgPaths", values: paths }],
    });
  }
  if (kinds.length === 0) throw new Error(`${where}: consumers is empty; give accounts, organizationArn or organizationalUnitArns`);
  return kinds;
}

/** The key policy statements that let `consumers` launch AMIs encrypted with the key, and grant their Auto Scaling role. */
export function consumerKeyStatements(where: string, consumers: ShareConsumers, partition: string): PolicyStatement[] {
  const only = (conditions: NonNullable<PolicyStatement["conditions"]>) => (conditions.length > 0 ? { conditions } : {});
  return consumerPrincipals(where, consumers, partition).flatMap(({ label, principals, conditions }) => [
    { sid: `${label}UseKeyOfSharedAmis`, actions: [...SHARED_AMI_KEY_USE_ACTIONS], resources: ["*"], principals, ...only(conditions) },
    {
      sid: `${label}GrantToAwsServices`,
      actions: ["kms:CreateGrant"],
      resources: ["*"],
      principals,
      ...only([...conditions, { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }]),
    },
    {
      // `&{...}` is a policy variable in aws_iam_policy_document (written as ${...} in the JSON): the caller's own account.
      sid: `${label}GrantTheirAutoScalingRole`,
      actions: ["kms:CreateGrant"],
      resources: ["*"],
      principals,
      ...only([
        ...conditions,
        {
          test: "StringEquals",
          variable: "kms:GranteePrincipal",
          values: [iamArn({ partition, account: "&{aws:PrincipalAccount}" }, AUTO_SCALING_SERVICE_LINKED_ROLE)],
        },
        { test: "ForAllValues:StringEquals", variable: "kms:GrantOperations", values: [...AUTO_SCALING_GRANT_OPERATIONS] },
      ]),
    },
    { sid: `${label}ReadTheirGrants`, actions: ["kms:ListGrants"], resources: ["*"], principals, ...only(conditions) },
  ]);
}

/**
 * A rotated customer-managed key for the volumes of a pipeline's AMIs in one region, usable by Image
 * Builder (to build and copy) and by the consumer accounts (to launch, directly or through Auto Scaling).
 */
export class SharedAmiKey extends Construct {
  readonly key: CustomerManagedKey;
  /** The key's ARN, for `kms_key_id` of the recipe and the distribution. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: SharedAmiKeyProps) {
    super(scope, id);
    const where = `SharedAmiKey ${props.alias}`;
    if (!/^[a-zA-Z0-9/_-]{1,250}$/.test(props.alias) || props.alias.startsWith("aws/")) {
      throw new Error(`${where}: alias must be 1-250 letters, digits, "/", "_" or "-", not starting with "aws/" (reserved for AWS managed keys)`);
    }
    this.key = new CustomerManagedKey(this, "key", {
      description: `Encrypts the AMI volumes of ${props.purpose}; usable by EC2 Image Builder and the accounts the AMIs are shared with`,
      alias: props.alias,
      users: (location: AwsLocation) => {
        const builders = [iamArn(location, IMAGE_BUILDER_SERVICE_LINKED_ROLE), ...(props.imageBuilderRoleArns ?? [])];
        const builder = { principals: [{ type: "AWS", identifiers: [iamArn(location, "root")] }], resources: ["*"] };
        const isBuilder = { test: "ArnEquals", variable: "aws:PrincipalArn", values: builders };
        return [
          {
            sid: "ImageBuilderEncryptsAmiVolumes",
            actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            ...builder,
            conditions: [isBuilder],
          },
          {
            sid: "ImageBuilderGrantsToEbs",
            actions: ["kms:CreateGrant"],
            ...builder,
            conditions: [isBuilder, { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
          },
          ...consumerKeyStatements(where, props.consumers, location.partition),
        ];
      },
    });
    this.arn = this.key.key.arn;
    acknowledgeRule(
      this.key.policy,
      "DEPLOY-3",
      "the key policy names AWSServiceRoleForAutoScaling of the consumer accounts (kms:GranteePrincipal of their grants), not a role this account needs",
    );
    placeOnProvider(this, props.provider);
  }
}
