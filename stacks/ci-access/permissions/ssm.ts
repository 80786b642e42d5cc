/** The deploy permission table's rows for Systems Manager Parameter Store: parameters (hashicorp/terraform-provider-aws internal/service/ssm). */
import { g, inRequest, sent, src, type ServicePermissions } from "../table";

export const ssm: ServicePermissions = {
  resources: {
    aws_ssm_parameter: {
      source: src("ssm/parameter.go"),
      create: [g("ssmParameters", "ssm:PutParameter", "ssm:AddTagsToResource", "ssm:GetParameter")],
      read: [g("ssmParameters", "ssm:GetParameter", "ssm:ListTagsForResource"), g("any", "ssm:DescribeParameters")],
      update: [g("ssmParameters", "ssm:PutParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource")],
      delete: [g("ssmParameters", "ssm:DeleteParameter")],
      arguments: {
        ...inRequest("PutParameter", "name", "type", "description", "tier", "allowed_pattern", "overwrite"),
        value: sent("PutParameter"),
        insecure_value: sent("PutParameter"),
        data_type: {
          why: "aws:ec2:image: SSM checks the AMI with the caller's credentials (ec2:DescribeImages)",
          source: "https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-ec2-aliases.html",
          when: (value) => value === "aws:ec2:image",
          create: [g("any", "ec2:DescribeImages")],
          update: [g("any", "ec2:DescribeImages")],
        },
      },
    },
  },
  dataSources: {
    aws_ssm_parameter: {
      source: src("ssm/parameter_data_source.go"),
      read: [g("ssmParameters", "ssm:GetParameter"), g("publicSsmParameters", "ssm:GetParameter")],
    },
  },
};
