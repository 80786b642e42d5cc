/** The deploy permission table's rows for AWS RAM: resource shares and their associations (hashicorp/terraform-provider-aws internal/service/ram). */
import { g, inRequest, sent, src, type ServicePermissions } from "../table";

export const ram: ServicePermissions = {
  resources: {
    aws_ram_resource_share: {
      source: src("ram/resource_share.go"),
      create: [g("ramShares", "ram:CreateResourceShare", "ram:TagResource"), g("any", "ram:GetResourceShares")],
      read: [g("any", "ram:GetResourceShares")],
      update: [g("ramShares", "ram:UpdateResourceShare", "ram:TagResource", "ram:UntagResource")],
      delete: [g("ramShares", "ram:DeleteResourceShare"), g("any", "ram:GetResourceShares")],
      arguments: inRequest("CreateResourceShare / UpdateResourceShare", "name", "allow_external_principals", "permission_arns"),
    },
    aws_ram_resource_association: {
      source: src("ram/resource_association.go"),
      create: [g("ramShares", "ram:AssociateResourceShare"), g("any", "ram:GetResourceShareAssociations")],
      read: [g("any", "ram:GetResourceShareAssociations")],
      delete: [g("ramShares", "ram:DisassociateResourceShare"), g("any", "ram:GetResourceShareAssociations")],
      arguments: {
        resource_share_arn: sent("AssociateResourceShare"),
        resource_arn: {
          why: "the shared resource: RAM checks the caller may share it (e.g. imagebuilder:PutComponentPolicy / PutImagePolicy / PutImageRecipePolicy)",
          source: "https://docs.aws.amazon.com/ram/latest/userguide/security-iam-policies.html",
          create: [g("imagebuilder", "imagebuilder:PutComponentPolicy", "imagebuilder:PutImagePolicy", "imagebuilder:PutImageRecipePolicy")],
        },
      },
    },
    aws_ram_principal_association: {
      source: src("ram/principal_association.go"),
      create: [g("ramShares", "ram:AssociateResourceShare"), g("any", "ram:GetResourceShareAssociations")],
      read: [g("any", "ram:GetResourceShareAssociations")],
      delete: [g("ramShares", "ram:DisassociateResourceShare"), g("any", "ram:GetResourceShareAssociations")],
      arguments: inRequest("AssociateResourceShare (Principals)", "resource_share_arn", "principal"),
    },
  },
};
