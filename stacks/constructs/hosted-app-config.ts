import { AppconfigApplication } from "@cdktf/provider-aws/lib/appconfig-application";
import { AppconfigConfigurationProfile } from "@cdktf/provider-aws/lib/appconfig-configuration-profile";
import { AppconfigDeployment } from "@cdktf/provider-aws/lib/appconfig-deployment";
import { AppconfigEnvironment } from "@cdktf/provider-aws/lib/appconfig-environment";
import { AppconfigHostedConfigurationVersion } from "@cdktf/provider-aws/lib/appconfig-hosted-configuration-version";
import { Token } from "cdktf";
import type { Construct } from "constructs";

export interface HostedAppConfigProps {
  /** The application's name. */
  readonly name: string;
  readonly description: string;
  /** The environment's name (1-64 letters, digits, "_", "." or "-"). */
  readonly environment: string;
  /** The configuration profile's name (same characters). */
  readonly profile: string;
  /** The hosted configuration, deployed as application/json. */
  readonly content: Readonly<Record<string, unknown>>;
}

/** The AppConfig resources a GetConfiguration route reads. */
export interface HostedAppConfig {
  readonly application: AppconfigApplication;
  readonly environment: AppconfigEnvironment;
  readonly profile: AppconfigConfigurationProfile;
  readonly deployment: AppconfigDeployment;
}

/**
 * An AppConfig application with one environment, one freeform hosted profile, its JSON content as a
 * hosted version, and that version deployed all at once. Created in `scope` itself with the IDs
 * `appconfig-application`, `-environment`, `-profile`, `-version` and `-deployment` (Terraform
 * addresses that predate this function), so a stack holds one.
 */
export function hostedAppConfig(scope: Construct, props: HostedAppConfigProps): HostedAppConfig {
  const application = new AppconfigApplication(scope, "appconfig-application", { name: props.name, description: props.description });
  const environment = new AppconfigEnvironment(scope, "appconfig-environment", { applicationId: application.id, name: props.environment });
  const profile = new AppconfigConfigurationProfile(scope, "appconfig-profile", {
    applicationId: application.id,
    name: props.profile,
    locationUri: "hosted",
    type: "AWS.Freeform",
  });
  const version = new AppconfigHostedConfigurationVersion(scope, "appconfig-version", {
    applicationId: application.id,
    configurationProfileId: profile.configurationProfileId,
    contentType: "application/json",
    content: JSON.stringify(props.content),
  });
  const deployment = new AppconfigDeployment(scope, "appconfig-deployment", {
    applicationId: application.id,
    environmentId: environment.environmentId,
    configurationProfileId: profile.configurationProfileId,
    configurationVersion: Token.asString(version.versionNumber),
    deploymentStrategyId: "AppConfig.AllAtOnce",
  });
  return { application, environment, profile, deployment };
}
