/** Sharing a pipeline's pointers (AWS RAM) and AMIs with other accounts, an organization or OUs. */
import { PARAMETER_SHARE_PERMISSIONS, type ParameterSharePermission } from "../../../aws/ram";
import { ACCOUNT_ID } from "../../patterns";
import { describe, joinPath } from "../../reader";
import { Defaulted, Flag, keysOf, ListOf, Matching, OneOf, Optional, Section, Text, type Resolved } from "../../settings";
import type { LoopContext } from "./context";

const ORGANIZATION_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;
const OU_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;

export const ShareSettings = Section(
  {
    accounts: Defaulted(ListOf(Matching(ACCOUNT_ID), "12-digit account IDs to share the pipeline's parameter and channels with."), []),
    organizationArn: Optional(Matching(ORGANIZATION_ARN, 'Share with a whole organization: "arn:aws:organizations::<management account>:organization/o-...".')),
    organizationalUnitArns: Defaulted(ListOf(Matching(OU_ARN), 'Share with OUs: "arn:aws:organizations::<management account>:ou/o-.../ou-...".'), []),
    permission: Defaulted(
      OneOf(Object.keys(PARAMETER_SHARE_PERMISSIONS) as ParameterSharePermission[], "The AWS managed RAM permission the consumers get."),
      "read-only",
    ),
    allowExternalPrincipals: Defaulted(
      Flag(
        "false (the default): every account in accounts must be in this account's AWS Organization (with RAM sharing enabled in it); true: an account outside it gets a RAM invitation that it must accept before its launch templates resolve the parameter. organizationArn and organizationalUnitArns need neither.",
      ),
      false,
    ),
    unencryptedReason: Optional(
      Text(
        "Leave out (the default) to encrypt the shared AMIs with a customer-managed KMS key per region that the consumers may use (the AWS managed EBS key's snapshots cannot be shared). Set only to share unencrypted AMIs, saying why.",
      ),
    ),
  },
  "Share the pipeline's parameter and channels (in the app's region) through AWS RAM, and its AMIs (launch permissions in every region, under a customer-managed key per region the consumers may use) with the same accounts, organization or OUs. Plain account IDs work only inside this account's organization unless allowExternalPrincipals is true. Needs the Advanced tier: USD 0.05 per parameter per month.",
);

export type ShareConfig = Resolved<typeof ShareSettings>;

/** Reads `share`: someone to share with, a known permission, tracker mode, built in the app's region. */
export function readShare(context: LoopContext, record: Record<string, unknown>): ShareConfig | undefined {
  const { reader, path, pipeline, inAppRegion } = context;
  let share: ShareConfig | undefined;
  if (record["share"] !== undefined) {
    const at = joinPath(path, "share");
    const settings = ShareSettings;
    const entry = reader.object(record["share"], at, keysOf(settings));
    const accounts = reader.read(settings, entry, "accounts", at);
    accounts.forEach((account, index) => {
      if (!ACCOUNT_ID.test(account))
        reader.fail(joinPath(joinPath(at, "accounts"), index), `${describe(account)} is not a 12-digit account ID; write it like "444455556666"`);
    });
    const organizationArn = reader.read(settings, entry, "organizationArn", at);
    if (organizationArn !== undefined && !ORGANIZATION_ARN.test(organizationArn)) {
      reader.fail(
        joinPath(at, "organizationArn"),
        `${describe(organizationArn)} is not an organization ARN; write it like "arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5"`,
      );
    }
    const organizationalUnitArns = reader.read(settings, entry, "organizationalUnitArns", at);
    organizationalUnitArns.forEach((ou, index) => {
      if (!OU_ARN.test(ou))
        reader.fail(
          joinPath(joinPath(at, "organizationalUnitArns"), index),
          `${describe(ou)} is not an OU ARN; write it like "arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56"`,
        );
    });
    if (accounts.length === 0 && organizationArn === undefined && organizationalUnitArns.length === 0) {
      reader.fail(at, "shares with nobody; give accounts, organizationArn or organizationalUnitArns, or remove share");
    }
    const permissionText: string = reader.read(settings, entry, "permission", at);
    const permission = (Object.keys(PARAMETER_SHARE_PERMISSIONS) as ParameterSharePermission[]).find((known) => known === permissionText);
    if (permission === undefined)
      reader.fail(joinPath(at, "permission"), `${describe(permissionText)} is not a permission; use "read-only" or "read-only-with-history"`);
    if (pipeline.mode === "native") {
      reader.fail(
        at,
        'is set on a native-mode pipeline, whose distribution writes the parameter in the Standard tier, which RAM cannot share; set mode "tracker" (the tracker writes Advanced) or remove share',
      );
    }
    const unencryptedReason = reader.read(settings, entry, "unencryptedReason", at);
    if (unencryptedReason !== undefined && unencryptedReason.trim().length < 10) {
      reader.fail(
        joinPath(at, "unencryptedReason"),
        `${describe(unencryptedReason)} does not say why the shared AMIs may be unencrypted; write the reason (10 characters at least), or leave it out to encrypt them with a key of the pipeline's own`,
      );
    }
    inAppRegion("share");
    share = {
      accounts: [...new Set(accounts)],
      ...(organizationArn !== undefined ? { organizationArn } : {}),
      organizationalUnitArns: [...new Set(organizationalUnitArns)],
      permission: permission ?? "read-only",
      ...reader.rest(settings, entry, at, ["accounts", "organizationArn", "organizationalUnitArns", "permission"]),
    };
  }

  return share;
}
