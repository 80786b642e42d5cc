/** The deploy permission table's rows for AWS KMS: keys, key policies, aliases and grants (hashicorp/terraform-provider-aws internal/service/kms). */
import { g, inRequest, sent, src, type ServicePermissions } from "../table";

export const kms: ServicePermissions = {
  resources: {
    aws_kms_key: {
      source: src("kms/key.go"),
      // CreateKey carries the default tags: KMS then needs kms:TagResource on all keys of the account and
      // Region, not on one key (https://docs.aws.amazon.com/kms/latest/developerguide/manage-tags-api.html).
      create: [g("any", "kms:CreateKey"), g("kmsKeys", "kms:TagResource", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListResourceTags")],
      read: [g("kmsKeys", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags")],
      update: [g("kmsKeys", "kms:UpdateKeyDescription", "kms:TagResource", "kms:UntagResource")],
      delete: [g("kmsKeys", "kms:ScheduleKeyDeletion")],
      arguments: {
        ...inRequest("CreateKey / UpdateKeyDescription", "description", "key_usage", "customer_master_key_spec"),
        deletion_window_in_days: sent("ScheduleKeyDeletion (PendingWindowInDays)"),
        enable_key_rotation: {
          why: "EnableKeyRotation after CreateKey, Enable/DisableKeyRotation on change",
          create: [g("kmsKeys", "kms:EnableKeyRotation")],
          update: [g("kmsKeys", "kms:EnableKeyRotation", "kms:DisableKeyRotation")],
        },
        policy: { why: "PutKeyPolicy on change", update: [g("kmsKeys", "kms:PutKeyPolicy")] },
      },
    },
    aws_kms_key_policy: {
      source: src("kms/key_policy.go"),
      create: [g("kmsKeys", "kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey")],
      read: [g("kmsKeys", "kms:GetKeyPolicy", "kms:DescribeKey")],
      update: [g("kmsKeys", "kms:PutKeyPolicy")],
      // Delete puts the default key policy back.
      delete: [g("kmsKeys", "kms:PutKeyPolicy")],
      arguments: inRequest("PutKeyPolicy", "key_id", "policy", "bypass_policy_lockout_safety_check"),
    },
    aws_kms_alias: {
      source: src("kms/alias.go"),
      // CreateAlias is authorized on the alias and on the key (https://docs.aws.amazon.com/kms/latest/developerguide/alias-access.html).
      create: [g("kmsAliases", "kms:CreateAlias"), g("kmsKeys", "kms:CreateAlias")],
      read: [g("any", "kms:ListAliases")],
      update: [g("kmsAliases", "kms:UpdateAlias"), g("kmsKeys", "kms:UpdateAlias")],
      delete: [g("kmsAliases", "kms:DeleteAlias"), g("kmsKeys", "kms:DeleteAlias")],
      arguments: inRequest("CreateAlias / UpdateAlias", "name", "target_key_id"),
    },
    aws_kms_grant: {
      source: src("kms/grant.go"),
      // The consumer's grant for its Auto Scaling role on the AMI owner's key (AutoScalingKeyGrant): CreateGrant, then
      // ListGrants to read it; every argument forces a new grant; delete with retire_on_delete calls RetireGrant, which
      // the account that created a grant may call (https://docs.aws.amazon.com/kms/latest/developerguide/grant-delete.html).
      create: [g("autoScalingKeyGrants", "kms:CreateGrant"), g("sharedAmiKeys", "kms:ListGrants")],
      read: [g("sharedAmiKeys", "kms:ListGrants")],
      delete: [g("sharedAmiKeys", "kms:RetireGrant", "kms:ListGrants")],
      arguments: {
        ...inRequest("CreateGrant", "name", "key_id", "grantee_principal", "operations"),
        retire_on_delete: { why: "true: delete retires the grant (RetireGrant) instead of revoking it; covered by delete" },
      },
    },
  },
};
