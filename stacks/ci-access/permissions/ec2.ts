/** The deploy permission table's rows for Amazon EC2: launch templates and the AMI data source (hashicorp/terraform-provider-aws internal/service/ec2). */
import { g, inRequest, passRole, src, type ServicePermissions } from "../table";

export const ec2: ServicePermissions = {
  resources: {
    aws_launch_template: {
      source: src("ec2/ec2_launch_template.go"),
      // Default tags go into TagSpecifications of CreateLaunchTemplate: ec2:CreateTags on the template.
      create: [
        g("launchTemplates", "ec2:CreateLaunchTemplate", "ec2:CreateTags"),
        g("any", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"),
      ],
      read: [g("any", "ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions")],
      update: [g("launchTemplates", "ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate", "ec2:CreateTags", "ec2:DeleteTags")],
      delete: [g("launchTemplates", "ec2:DeleteLaunchTemplate")],
      arguments: {
        ...inRequest(
          "CreateLaunchTemplate / CreateLaunchTemplateVersion (LaunchTemplateData)",
          "name",
          "description",
          "instance_type",
          "metadata_options",
          "update_default_version",
        ),
        image_id: {
          why: "resolve:ssm: — EC2 reads the parameter with the caller's credentials when the template or a version is created",
          source: "https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html",
          when: (value: unknown) => typeof value === "string" && value.startsWith("resolve:ssm:"),
          create: [g("ssmParameters", "ssm:GetParameters")],
          update: [g("ssmParameters", "ssm:GetParameters")],
        },
        iam_instance_profile: passRole("LaunchTemplateData.IamInstanceProfile"),
      },
    },
  },
  dataSources: {
    aws_ami: { source: src("ec2/ec2_ami_data_source.go"), read: [g("any", "ec2:DescribeImages")] },
  },
};
