/**
 * The key of a shared AMI's volumes, one per region: a customer-managed KMS key that EC2 Image Builder
 * encrypts the pipeline's AMIs with and that the consumer accounts may use to launch them.
 *
 * Why a key of our own: snapshots under the AWS managed EBS key cannot be shared (aws/ami-sharing.ts).
 *
 * Who uses it (the key policy; the account only administers the key, CustomerManagedKey):
 * - Image Builder, through its service-linked role `AWSServiceRoleForImageBuilder` (and a pipeline's
 *   execution role, when it has one): it launches the build instance with the recipe's encrypted root
 *   volume and copies the AMI to each distribution region under that region's key. The roles are named as
 *   principals: a key policy that names only the account leaves the use to IAM policies, and this key's
 *   policy lets the account administer it, not use it (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html).
 *   KMS refuses a principal that does not exist yet: the Image Builder service-linked role is a deploy
 *   prerequisite already (README, Deploying; rule DEPLOY-3), as for the topic key.
 * - The owner account's principals, through EC2 in the key's region (`kms:ViaService`), as their IAM policies
 *   allow; and, with `ownerAutoScaling`, its `AWSServiceRoleForAutoScaling` named directly, whose own policy
 *   covers AWS managed keys only (Auto Scaling user guide, example 1:
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html).
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
  EBS_KEY_USE_ACTIONS,
  IMAGE_BUILDER_SERVICE_LINKED_ROLE,
  SHARED_AMI_KEY_USE_ACTIONS,
} from "../../aws/ami-sharing";
import { iamArn, type AwsLocation } from "../../aws/arn";
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
  /**
   * This account's Auto Scaling groups launch the AMIs (a fleet refresh, an example fleet): its
   * `AWSServiceRoleForAutoScaling`, which must exist first (a prerequisite, rule DEPLOY-3), may use the key.
   * @default false
   */
  readonly ownerAutoScaling?: boolean;
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
        // Named directly: a key policy naming the account would leave the use to IAM policies, and these
        // service-linked roles' own policies do not cover customer-managed keys (Auto Scaling user guide).
        const direct = (arns: readonly string[]) => ({ principals: [{ type: "AWS", identifiers: [...arns] }], resources: ["*"] });
        const grantsForAwsResources = { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] };
        const builders = direct([iamArn(location, IMAGE_BUILDER_SERVICE_LINKED_ROLE), ...(props.imageBuilderRoleArns ?? [])]);
        const autoScaling = direct([iamArn(location, AUTO_SCALING_SERVICE_LINKED_ROLE)]);
        const account = direct([iamArn(location, "root")]);
        return [
          { sid: "ImageBuilderEncryptsAmiVolumes", actions: [...EBS_KEY_USE_ACTIONS], ...builders },
          { sid: "ImageBuilderGrantsToEbs", actions: ["kms:CreateGrant"], ...builders, conditions: [grantsForAwsResources] },
          // The owner launches its own AMIs too: its principals through EC2, as their IAM policies allow.
          {
            sid: "AccountLaunchesAmisThroughEc2",
            actions: [...SHARED_AMI_KEY_USE_ACTIONS, "kms:CreateGrant"],
            ...account,
            conditions: [
              { test: "StringEquals", variable: "kms:ViaService", values: [`ec2.${location.region}.amazonaws.com`] },
              { test: "StringEquals", variable: "kms:CallerAccount", values: [location.account] },
            ],
          },
          ...(props.ownerAutoScaling === true
            ? [
                { sid: "AutoScalingLaunchesAmis", actions: [...EBS_KEY_USE_ACTIONS], ...autoScaling },
                { sid: "AutoScalingGrantsToEbs", actions: ["kms:CreateGrant"], ...autoScaling, conditions: [grantsForAwsResources] },
              ]
            : []),
          ...consumerKeyStatements(where, props.consumers, location.partition),
        ];
      },
    });
    this.arn = this.key.key.arn;
    placeOnProvider(this, props.provider);
  }
}
