/** The deploy permission table's rows for EC2 Image Builder: components, recipes, infrastructure and distribution configurations, pipelines and lifecycle policies (hashicorp/terraform-provider-aws internal/service/imagebuilder). */
import { g, inRequest, passRole, src, type ServicePermissions } from "../table";

export const imagebuilder: ServicePermissions = {
  resources: {
    aws_imagebuilder_component: {
      source: src("imagebuilder/component.go"),
      create: [g("imagebuilder", "imagebuilder:CreateComponent", "imagebuilder:TagResource", "imagebuilder:GetComponent")],
      read: [g("imagebuilder", "imagebuilder:GetComponent", "imagebuilder:ListTagsForResource")],
      update: [g("imagebuilder", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
      delete: [g("imagebuilder", "imagebuilder:DeleteComponent")],
      arguments: inRequest("CreateComponent", "name", "version", "platform", "data", "description", "change_description", "supported_os_versions"),
    },
    aws_imagebuilder_image_recipe: {
      source: src("imagebuilder/image_recipe.go"),
      create: [g("imagebuilder", "imagebuilder:CreateImageRecipe", "imagebuilder:TagResource", "imagebuilder:GetImageRecipe", "imagebuilder:GetComponent")],
      read: [g("imagebuilder", "imagebuilder:GetImageRecipe", "imagebuilder:ListTagsForResource")],
      update: [g("imagebuilder", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
      delete: [g("imagebuilder", "imagebuilder:DeleteImageRecipe")],
      arguments: inRequest(
        "CreateImageRecipe (an AWS-managed parent image needs no grant)",
        "name",
        "version",
        "parent_image",
        "component",
        "block_device_mapping",
        "working_directory",
        "description",
      ),
    },
    aws_imagebuilder_infrastructure_configuration: {
      source: src("imagebuilder/infrastructure_configuration.go"),
      create: [g("imagebuilder", "imagebuilder:CreateInfrastructureConfiguration", "imagebuilder:TagResource", "imagebuilder:GetInfrastructureConfiguration")],
      read: [g("imagebuilder", "imagebuilder:GetInfrastructureConfiguration", "imagebuilder:ListTagsForResource")],
      update: [g("imagebuilder", "imagebuilder:UpdateInfrastructureConfiguration", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
      delete: [g("imagebuilder", "imagebuilder:DeleteInfrastructureConfiguration")],
      arguments: {
        ...inRequest(
          "CreateInfrastructureConfiguration / UpdateInfrastructureConfiguration",
          "name",
          "description",
          "instance_types",
          "instance_metadata_options",
          "sns_topic_arn",
          "terminate_instance_on_failure",
        ),
        instance_profile_name: passRole("the instance profile's role, passed to EC2 instances Image Builder launches"),
      },
    },
    aws_imagebuilder_distribution_configuration: {
      source: src("imagebuilder/distribution_configuration.go"),
      create: [g("imagebuilder", "imagebuilder:CreateDistributionConfiguration", "imagebuilder:TagResource", "imagebuilder:GetDistributionConfiguration")],
      read: [g("imagebuilder", "imagebuilder:GetDistributionConfiguration", "imagebuilder:ListTagsForResource")],
      update: [g("imagebuilder", "imagebuilder:UpdateDistributionConfiguration", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
      delete: [g("imagebuilder", "imagebuilder:DeleteDistributionConfiguration")],
      arguments: inRequest(
        "CreateDistributionConfiguration (ssm_parameter_configuration is written at build time by the pipeline's execution role, not the caller)",
        "name",
        "description",
        "distribution",
      ),
    },
    aws_imagebuilder_image_pipeline: {
      source: src("imagebuilder/image_pipeline.go"),
      create: [g("imagebuilder", "imagebuilder:CreateImagePipeline", "imagebuilder:TagResource", "imagebuilder:GetImagePipeline")],
      read: [g("imagebuilder", "imagebuilder:GetImagePipeline", "imagebuilder:ListTagsForResource")],
      update: [g("imagebuilder", "imagebuilder:UpdateImagePipeline", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
      delete: [g("imagebuilder", "imagebuilder:DeleteImagePipeline")],
      arguments: {
        ...inRequest(
          "CreateImagePipeline / UpdateImagePipeline",
          "name",
          "description",
          "image_recipe_arn",
          "infrastructure_configuration_arn",
          "distribution_configuration_arn",
          "enhanced_image_metadata_enabled",
          "image_tests_configuration",
          "image_scanning_configuration",
          "schedule",
          "status",
        ),
        execution_role: passRole("CreateImagePipeline (ExecutionRole) — Image Builder runs workflows and distribution (ssm_parameter_configuration) with it"),
        workflow: { why: "sent in CreateImagePipeline", create: [g("imagebuilder", "imagebuilder:GetWorkflow")] },
      },
    },
    aws_imagebuilder_lifecycle_policy: {
      source: src("imagebuilder/lifecycle_policy.go"),
      create: [g("imagebuilder", "imagebuilder:CreateLifecyclePolicy", "imagebuilder:TagResource", "imagebuilder:GetLifecyclePolicy")],
      read: [g("imagebuilder", "imagebuilder:GetLifecyclePolicy", "imagebuilder:ListTagsForResource")],
      update: [g("imagebuilder", "imagebuilder:UpdateLifecyclePolicy", "imagebuilder:TagResource", "imagebuilder:UntagResource")],
      delete: [g("imagebuilder", "imagebuilder:DeleteLifecyclePolicy")],
      arguments: {
        ...inRequest("CreateLifecyclePolicy / UpdateLifecyclePolicy", "name", "description", "resource_type", "policy_detail", "resource_selection", "status"),
        execution_role: passRole("CreateLifecyclePolicy (ExecutionRole)"),
      },
    },
  },
};
