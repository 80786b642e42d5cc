/**
 * The deploy permission table's rows for IAM: roles, their policies, managed policies, instance profiles and
 * OIDC providers (hashicorp/terraform-provider-aws internal/service/iam). The workload stacks declare roles and
 * instance profiles; ci-access declares OIDC providers, roles, managed policies and their attachments, which the
 * plan role reads on ci-access's own resources only (CiAccessStack's own-read policy).
 */
import { g, inRequest, passRole, sent, src, type ServicePermissions } from "../table";

export const iam: ServicePermissions = {
  resources: {
    aws_iam_role: {
      source: src("iam/role.go"),
      create: [g("iamRoles", "iam:CreateRole", "iam:TagRole", "iam:GetRole")],
      read: [g("iamRoles", "iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies")],
      update: [g("iamRoles", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole")],
      // Delete first removes the role from its instance profiles.
      delete: [g("iamRoles", "iam:DeleteRole", "iam:ListInstanceProfilesForRole"), g("iamInstanceProfiles", "iam:RemoveRoleFromInstanceProfile")],
      arguments: inRequest("CreateRole / UpdateRole / UpdateAssumeRolePolicy", "name", "description", "assume_role_policy", "max_session_duration", "path"),
    },
    aws_iam_role_policy: {
      source: src("iam/role_policy.go"),
      create: [g("iamRoles", "iam:PutRolePolicy", "iam:GetRolePolicy")],
      read: [g("iamRoles", "iam:GetRolePolicy")],
      update: [g("iamRoles", "iam:PutRolePolicy")],
      delete: [g("iamRoles", "iam:DeleteRolePolicy")],
      arguments: inRequest("PutRolePolicy", "name", "role", "policy"),
    },
    aws_iam_role_policy_attachment: {
      source: src("iam/role_policy_attachment.go"),
      create: [g("iamRoles", "iam:AttachRolePolicy", "iam:ListAttachedRolePolicies")],
      read: [g("iamRoles", "iam:ListAttachedRolePolicies")],
      delete: [g("iamRoles", "iam:DetachRolePolicy")],
      arguments: inRequest("AttachRolePolicy", "role", "policy_arn"),
    },
    // Read: GetPolicy, then GetPolicyVersion of its default version; tags come from GetPolicy (setTagsOut), so no ListPolicyTags.
    // Update: prune to four versions (ListPolicyVersions, DeletePolicyVersion), CreatePolicyVersion, SetDefaultPolicyVersion.
    aws_iam_policy: {
      source: src("iam/policy.go"),
      // TagPolicy: the tag-after-create path of partitions without tag-on-create.
      create: [g("iamPolicies", "iam:CreatePolicy", "iam:TagPolicy", "iam:GetPolicy", "iam:GetPolicyVersion")],
      read: [g("iamPolicies", "iam:GetPolicy", "iam:GetPolicyVersion")],
      update: [
        g(
          "iamPolicies",
          "iam:ListPolicyVersions",
          "iam:DeletePolicyVersion",
          "iam:CreatePolicyVersion",
          "iam:SetDefaultPolicyVersion",
          "iam:TagPolicy",
          "iam:UntagPolicy",
        ),
      ],
      delete: [g("iamPolicies", "iam:ListPolicyVersions", "iam:DeletePolicyVersion", "iam:DeletePolicy")],
      arguments: inRequest("CreatePolicy / CreatePolicyVersion", "name", "policy", "description", "path"),
    },
    // Read: GetOpenIDConnectProvider alone; its output holds the tags (setTagsOut), so no ListOpenIDConnectProviderTags.
    aws_iam_openid_connect_provider: {
      source: src("iam/openid_connect_provider.go"),
      create: [g("oidcProviders", "iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:GetOpenIDConnectProvider")],
      read: [g("oidcProviders", "iam:GetOpenIDConnectProvider")],
      update: [g("oidcProviders", "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider")],
      delete: [g("oidcProviders", "iam:DeleteOpenIDConnectProvider")],
      arguments: {
        url: sent("CreateOpenIDConnectProvider (a change replaces the provider)"),
        client_id_list: {
          why: "sent in CreateOpenIDConnectProvider; a change adds and removes client IDs one by one",
          update: [g("oidcProviders", "iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider")],
        },
        thumbprint_list: {
          why: "sent in CreateOpenIDConnectProvider; a change calls UpdateOpenIDConnectProviderThumbprint",
          update: [g("oidcProviders", "iam:UpdateOpenIDConnectProviderThumbprint")],
        },
      },
    },
    aws_iam_instance_profile: {
      source: src("iam/instance_profile.go"),
      create: [g("iamInstanceProfiles", "iam:CreateInstanceProfile", "iam:TagInstanceProfile", "iam:GetInstanceProfile")],
      read: [g("iamInstanceProfiles", "iam:GetInstanceProfile")],
      update: [g("iamInstanceProfiles", "iam:TagInstanceProfile", "iam:UntagInstanceProfile")],
      delete: [g("iamInstanceProfiles", "iam:DeleteInstanceProfile", "iam:RemoveRoleFromInstanceProfile")],
      arguments: {
        name: sent("CreateInstanceProfile"),
        role: {
          ...passRole("AddRoleToInstanceProfile"),
          create: [g("iamInstanceProfiles", "iam:AddRoleToInstanceProfile"), g("iamRoles", "iam:PassRole")],
          update: [g("iamInstanceProfiles", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"), g("iamRoles", "iam:PassRole")],
        },
      },
    },
  },
  dataSources: {
    aws_iam_policy_document: { source: src("iam/policy_document_data_source.go") + " (rendered locally)", read: [] },
  },
};
