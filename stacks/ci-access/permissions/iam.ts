/** The deploy permission table's rows for IAM: roles, their policies and instance profiles (hashicorp/terraform-provider-aws internal/service/iam). */
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
