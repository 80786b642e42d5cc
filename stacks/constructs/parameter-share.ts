/**
 * One AMI pointer for many accounts: SSM parameters (the tracker's, or channels) shared through AWS RAM.
 *
 * What AWS requires (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-shared-parameters.html):
 * - only the owner shares, and only parameters in the **Advanced** tier: the writer must create them with
 *   `Tier: "Advanced"` (a Standard parameter cannot be associated). Terraform does not own these
 *   parameters, so the tier is the writer's job, and each parameter must exist before this is applied.
 * - Cost (same page, "Pricing for shared parameters", and https://aws.amazon.com/systems-manager/pricing/):
 *   an Advanced parameter costs USD 0.05 per parameter per month in the owner account,
 *   and API interactions with advanced parameters cost USD 0.05 per 10,000 calls, billed to whichever
 *   account makes them (a consumer's launches that resolve the parameter included). Example: 3 channels in
 *   2 regions = 6 parameters = USD 0.30 per month before calls.
 * - Consumers get read-only access through one of two AWS managed permissions,
 *   `AWSRAMDefaultPermissionSSMParameterReadOnly` (DescribeParameters, GetParameter, GetParameters) or
 *   `AWSRAMPermissionSSMParameterReadOnlyWithHistory` (plus GetParameterHistory), and must name the
 *   parameter by its **full ARN**; EC2 launch templates and RunInstances `ImageId` accept shared parameters,
 *   CloudFormation dynamic references, Run Command, CodeBuild, App Runner and ECS secrets do not.
 * - RAM is regional: a share holds parameters of its own region only.
 * - Principals: account IDs, an organization ARN or OU ARNs. An account outside the organization, or any
 *   account while sharing with AWS Organizations is not enabled, must accept an invitation, and needs
 *   `allow_external_principals = true` on the share.
 *
 * What the provider does (hashicorp/terraform-provider-aws internal/service/ram/):
 * - principal_association.go: AssociateResourceShare with one principal; for an organization/OU ARN it
 *   waits (3 min) for ASSOCIATED; for an account ID it does not wait, because that association stays
 *   ASSOCIATING until the invitation is accepted.
 * - resource_association.go: AssociateResourceShare with one resource ARN, then waits (5 min) for
 *   ASSOCIATED and reports RAM's status message on failure: that is where a missing parameter or a
 *   Standard-tier one fails the apply, so deploy the share after the writer has created the parameters.
 */
import { RamPrincipalAssociation } from "@cdktf/provider-aws/lib/ram-principal-association";
import { RamResourceAssociation } from "@cdktf/provider-aws/lib/ram-resource-association";
import { RamResourceShare } from "@cdktf/provider-aws/lib/ram-resource-share";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { formatArn } from "../../aws/arn";

import { PARAMETER_SHARE_PERMISSIONS, type ParameterSharePermission } from "../../aws/ram";

export { PARAMETER_SHARE_PERMISSIONS, type ParameterSharePermission };

const PARAMETER_ARN = /^arn:(aws[a-z-]*):ssm:([a-z0-9-]+):(\d{12}):parameter\/[A-Za-z0-9_.\-/]+$/;
const ACCOUNT_ID = /^\d{12}$/;
const ORGANIZATION_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;
const OU_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;

/** Who the parameters are shared with. At least one. */
export interface ShareConsumers {
  /** 12-digit account IDs. @default [] */
  readonly accounts?: readonly string[];
  /** `arn:aws:organizations::<management account>:organization/o-...`. @default - none */
  readonly organizationArn?: string;
  /** `arn:aws:organizations::<management account>:ou/o-.../ou-...`. @default [] */
  readonly organizationalUnitArns?: readonly string[];
}

export interface ParameterShareProps {
  /** The resource share's name. */
  readonly name: string;
  /** The region of the share (the provider's), which every parameter ARN must name. */
  readonly region: string;
  /** Full ARNs of Advanced-tier parameters owned by this account in `region`. */
  readonly parameterArns: readonly string[];
  readonly consumers: ShareConsumers;
  /** @default "read-only" */
  readonly permission?: ParameterSharePermission;
  /**
   * Let accounts outside the organization in (each accepts a RAM invitation). With false, `consumers.accounts`
   * must be accounts of this account's organization (with RAM sharing enabled): an outside account is never
   * reached; organization and OU ARNs need neither. @default false
   */
  readonly allowExternalPrincipals?: boolean;
  /** Partition of the managed permission ARN. @default "aws" */
  readonly partition?: string;
}

/** A construct ID from a name (letters, digits, `-`); a token falls back to its position. */
function stableId(text: string, index: number): string {
  return Token.isUnresolved(text) ? String(index) : text.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

function checkShareProps(props: ParameterShareProps): string[] {
  const where = `ParameterShare ${props.name}`;
  if (!/^[A-Za-z0-9_.:\- ]{1,255}$/.test(props.name)) throw new Error(`${where}: name must be 1-255 letters, digits, spaces or _ . : -`);
  if (props.parameterArns.length === 0) throw new Error(`${where}: parameterArns is empty; list the full ARNs of the parameters to share`);
  const seen = new Set<string>();
  for (const arn of props.parameterArns) {
    if (seen.has(arn)) throw new Error(`${where}: parameterArns lists ${arn} twice`);
    seen.add(arn);
    if (Token.isUnresolved(arn)) continue;
    const match = PARAMETER_ARN.exec(arn);
    if (!match) throw new Error(`${where}: parameterArns has "${arn}", not a parameter ARN; use arn:aws:ssm:<region>:<account>:parameter/<name>`);
    if (!Token.isUnresolved(props.region) && match[2] !== props.region) {
      throw new Error(
        `${where}: ${arn} is in ${String(match[2])}, but RAM shares are regional and this share is in ${props.region}; add a share in ${String(match[2])} for it`,
      );
    }
  }
  const consumers = props.consumers;
  const accounts = consumers.accounts ?? [];
  for (const account of accounts) {
    if (!Token.isUnresolved(account) && !ACCOUNT_ID.test(account)) throw new Error(`${where}: consumers.accounts has "${account}", not a 12-digit account ID`);
  }
  if (consumers.organizationArn !== undefined && !Token.isUnresolved(consumers.organizationArn) && !ORGANIZATION_ARN.test(consumers.organizationArn)) {
    throw new Error(
      `${where}: consumers.organizationArn "${consumers.organizationArn}" is not an organization ARN (arn:aws:organizations::<account>:organization/o-...)`,
    );
  }
  for (const ou of consumers.organizationalUnitArns ?? []) {
    if (!Token.isUnresolved(ou) && !OU_ARN.test(ou))
      throw new Error(`${where}: consumers.organizationalUnitArns has "${ou}", not an OU ARN (arn:aws:organizations::<account>:ou/o-.../ou-...)`);
  }
  const principals = [
    ...accounts,
    ...(consumers.organizationArn !== undefined ? [consumers.organizationArn] : []),
    ...(consumers.organizationalUnitArns ?? []),
  ];
  if (principals.length === 0) throw new Error(`${where}: consumers is empty; give accounts, organizationArn or organizationalUnitArns`);
  if (new Set(principals).size !== principals.length) throw new Error(`${where}: consumers lists a principal twice`);
  const permission = props.permission ?? "read-only";
  if (!(permission in PARAMETER_SHARE_PERMISSIONS)) {
    throw new Error(`${where}: permission "${String(permission)}" is not one of ${Object.keys(PARAMETER_SHARE_PERMISSIONS).join(", ")}`);
  }
  return principals;
}

/**
 * An AWS RAM resource share of SSM parameters: the share (one managed read-only permission), one
 * resource association per parameter and one principal association per consumer. Consumers reference a
 * parameter by its full ARN (`resolve:ssm:arn:...` in a launch template; see `SharedAmiLaunchTemplate`).
 */
export class ParameterShare extends Construct {
  readonly share: RamResourceShare;
  readonly resourceAssociations: readonly RamResourceAssociation[];
  readonly principalAssociations: readonly RamPrincipalAssociation[];

  constructor(scope: Construct, id: string, props: ParameterShareProps) {
    super(scope, id);
    const principals = checkShareProps(props);
    const permission = PARAMETER_SHARE_PERMISSIONS[props.permission ?? "read-only"];
    this.share = new RamResourceShare(this, "share", {
      name: props.name,
      allowExternalPrincipals: props.allowExternalPrincipals ?? false,
      permissionArns: [formatArn({ partition: props.partition ?? "aws", service: "ram", account: "aws", resource: `permission/${permission}` })],
    });
    // IDs from the parameter and the principal, not list positions: reordering the lists renames nothing.
    this.resourceAssociations = props.parameterArns.map(
      (arn, index) =>
        new RamResourceAssociation(this, `parameter-${stableId(arn.replace(/^.*:parameter\//, ""), index)}`, {
          resourceShareArn: this.share.arn,
          resourceArn: arn,
        }),
    );
    this.principalAssociations = principals.map(
      (principal, index) =>
        new RamPrincipalAssociation(this, `consumer-${stableId(principal.replace(/^.*[:/]/, ""), index)}`, { resourceShareArn: this.share.arn, principal }),
    );
  }
}
