/** The deploy permission table's rows for AWS AppConfig: applications, environments, configuration profiles, hosted versions and deployments (hashicorp/terraform-provider-aws internal/service/appconfig). */
import { g, inRequest, src, type ServicePermissions } from "../table";

export const appconfig: ServicePermissions = {
  resources: {
    aws_appconfig_application: {
      source: src("appconfig/application.go"),
      create: [g("appconfig", "appconfig:CreateApplication", "appconfig:TagResource")],
      read: [g("appconfig", "appconfig:GetApplication", "appconfig:ListTagsForResource")],
      update: [g("appconfig", "appconfig:UpdateApplication", "appconfig:TagResource", "appconfig:UntagResource")],
      delete: [g("appconfig", "appconfig:DeleteApplication")],
      arguments: inRequest("CreateApplication / UpdateApplication", "name", "description"),
    },
    aws_appconfig_environment: {
      source: src("appconfig/environment.go"),
      create: [g("appconfig", "appconfig:CreateEnvironment", "appconfig:TagResource")],
      read: [g("appconfig", "appconfig:GetEnvironment", "appconfig:ListTagsForResource")],
      update: [g("appconfig", "appconfig:UpdateEnvironment", "appconfig:TagResource", "appconfig:UntagResource")],
      delete: [g("appconfig", "appconfig:DeleteEnvironment")],
      arguments: inRequest("CreateEnvironment / UpdateEnvironment", "application_id", "name", "description"),
    },
    aws_appconfig_configuration_profile: {
      source: src("appconfig/configuration_profile.go"),
      create: [g("appconfig", "appconfig:CreateConfigurationProfile", "appconfig:TagResource")],
      read: [g("appconfig", "appconfig:GetConfigurationProfile", "appconfig:ListTagsForResource")],
      update: [g("appconfig", "appconfig:UpdateConfigurationProfile", "appconfig:TagResource", "appconfig:UntagResource")],
      delete: [g("appconfig", "appconfig:DeleteConfigurationProfile")],
      arguments: {
        ...inRequest("CreateConfigurationProfile / UpdateConfigurationProfile", "application_id", "name", "description", "type"),
        location_uri: {
          why: '"hosted": AppConfig keeps the content; another store would be read with a retrieval role',
          unsupported: (value) => (value === "hosted" ? undefined : `location_uri ${JSON.stringify(value)}: add iam:PassRole on its retrieval_role_arn`),
        },
      },
    },
    aws_appconfig_hosted_configuration_version: {
      source: src("appconfig/hosted_configuration_version.go"),
      create: [g("appconfig", "appconfig:CreateHostedConfigurationVersion")],
      read: [g("appconfig", "appconfig:GetHostedConfigurationVersion")],
      delete: [g("appconfig", "appconfig:DeleteHostedConfigurationVersion")],
      arguments: inRequest("CreateHostedConfigurationVersion", "application_id", "configuration_profile_id", "content", "content_type", "description"),
    },
    aws_appconfig_deployment: {
      source: src("appconfig/deployment.go"),
      create: [g("appconfig", "appconfig:StartDeployment", "appconfig:GetDeployment", "appconfig:TagResource")],
      read: [g("appconfig", "appconfig:GetDeployment", "appconfig:ListTagsForResource")],
      update: [g("appconfig", "appconfig:TagResource", "appconfig:UntagResource")],
      // Delete only forgets it: a deployment cannot be deleted.
      arguments: inRequest(
        "StartDeployment (the predefined AppConfig.AllAtOnce strategy is deploymentstrategy/AppConfig.AllAtOnce in this account's ARN space)",
        "application_id",
        "configuration_profile_id",
        "configuration_version",
        "deployment_strategy_id",
        "environment_id",
        "description",
      ),
    },
  },
};
