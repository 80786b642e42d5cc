/** The deploy permission table's rows for EC2 Auto Scaling: groups (hashicorp/terraform-provider-aws internal/service/autoscaling). */
import { g, inRequest, src, type ServicePermissions } from "../table";

export const autoscaling: ServicePermissions = {
  resources: {
    aws_autoscaling_group: {
      source: src("autoscaling/group.go"),
      create: [
        g("autoScalingGroups", "autoscaling:CreateAutoScalingGroup", "autoscaling:CreateOrUpdateTags"),
        g("any", "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeScalingActivities"),
        // CreateAutoScalingGroup creates AWSServiceRoleForAutoScaling as the caller when the account has none
        // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html).
        g("autoscalingServiceLinkedRole", "iam:CreateServiceLinkedRole"),
      ],
      read: [g("any", "autoscaling:DescribeAutoScalingGroups")],
      update: [g("autoScalingGroups", "autoscaling:UpdateAutoScalingGroup", "autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags")],
      delete: [
        g("autoScalingGroups", "autoscaling:DeleteAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup"),
        g("any", "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeScalingActivities"),
      ],
      arguments: {
        ...inRequest(
          "CreateAutoScalingGroup / UpdateAutoScalingGroup",
          "name",
          "min_size",
          "max_size",
          "desired_capacity",
          "vpc_zone_identifier",
          "availability_zones",
          "health_check_type",
        ),
        launch_template: {
          why: "Auto Scaling checks that the caller may launch with the template: ec2:RunInstances on what it launches, ec2:CreateTags on it in RunInstances, and ssm:GetParameters for a resolve:ssm: image",
          source: "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html",
          create: [g("ec2Launch", "ec2:RunInstances"), g("ec2LaunchTags", "ec2:CreateTags"), g("ssmParameters", "ssm:GetParameters")],
          update: [g("ec2Launch", "ec2:RunInstances"), g("ec2LaunchTags", "ec2:CreateTags"), g("ssmParameters", "ssm:GetParameters")],
        },
      },
    },
  },
};
