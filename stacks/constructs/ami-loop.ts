/**
 * The AMI loop of one pipeline (docs/ami-loop-constructs.md): its Image Builder pipeline (and, when shared,
 * a key per region for its AMIs), the pointers a launch template, group or share needs seeded, the example
 * launch template, fleet refresh of its groups and of an example group, a RAM share of its pointers, an
 * in-use-aware lifecycle policy and a staleness alarm. Regions, IDs and names are worked out in
 * ami-loop/plan.ts; the stack maps a pipeline's settings onto AmiLoopProps.
 *
 * Not a construct scope of its own: CDKTF makes a resource's construct path part of its logical ID (its
 * Terraform address), so every resource is created in the scope given (the stack), under the addresses of
 * the first deploy.
 */
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import type { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import type { Construct } from "constructs";
import { pointerParameterName, WRITER_TAG_KEYS } from "../../ami-pointers/channels";
import { pointerNamesOf, pointersOf } from "../../ami-pointers/model";
import { type AwsLocation, ssmParameterArn } from "../../aws/arn";
import { AmiLifecyclePolicy } from "./ami-lifecycle-policy";
import { amiSharing } from "./ami-loop/sharing";
import type { AmiLoopPipeline } from "./ami-loop/pipeline";
import {
  extraLoopRegions,
  fleetRefreshId,
  fleetRefreshKey,
  inRegion,
  launchTemplateInstanceType,
  parentImageArn,
  pointerKey,
  pointersToSeed,
  seedId,
  seedKey,
} from "./ami-loop/plan";
import { ExampleFleet } from "./example-fleet";
import { FleetRefresh, type OpsItemSettings, type RefreshPreferences } from "./fleet-refresh";
import { boundedName } from "./http-api/http-api";
import type { BuildInstanceProfile } from "./build-instance-profile";
import { ImagePipeline } from "./image-pipeline";
import { ParameterShare } from "./parameter-share";
import { PointerStalenessAlarm } from "./pointer-staleness";
import { type ImageArchitecture, seededImageParameter } from "./seeded-image-parameter";

export type { AmiLoopCleanup, AmiLoopExampleFleet, AmiLoopFleetRefresh, AmiLoopPipeline, AmiLoopShare } from "./ami-loop/pipeline";

export interface AmiLoopProps {
  readonly pipeline: AmiLoopPipeline;
  /** The stack's region: the build region, where the share, the lifecycle policy and the staleness alarm are. */
  readonly appRegion: string;
  readonly partition: string;
  readonly accountId: string;
  /** `<project>-<environment>-<app region>`: the prefix of account-global names (IAM roles). */
  readonly globalNamePrefix: string;
  /** The provider that creates resources in a region: undefined for the stack's own (AppStack.providerIn). */
  readonly providerIn: (region: string) => AwsProvider | undefined;
  /** The build instance profile the stack's pipelines share. */
  readonly instanceProfile: BuildInstanceProfile;
  /** The tracker's topic: a tracker-mode pipeline publishes its builds there (a native one writes its parameter itself). */
  readonly topic: SnsTopic;
  /** The IAM role a native-mode pipeline's distribution writes its parameter with. */
  readonly nativeExecutionRoleName: string;
  /** Architecture of the example launch template's instance type: the seeded pointers hold an AMI of it. */
  readonly seedArchitecture: ImageArchitecture;
  /** Retention of the build, state machine and staleness log groups. */
  readonly logRetentionDays: number;
  /** The build instances' subnet and security groups. @default - the default VPC */
  readonly network?: { readonly subnetId: string; readonly securityGroupIds: readonly string[] };
  /** The CloudWatch namespace of the staleness metric. */
  readonly metricsNamespace: string;
  /** The OpsItems of a failed fleet refresh and of a stale pointer. */
  readonly opsItems: { readonly fleetRefreshFailed: OpsItemSettings; readonly pointerStale: OpsItemSettings };
}

export class AmiLoop {
  readonly pipeline: ImagePipeline;
  /** Per region, the KMS key of the shared AMIs; undefined when the pipeline is not shared or shares them unencrypted. */
  readonly amiKeyArns?: Readonly<Record<string, string>>;
  /**
   * The parameters launch templates resolve, created (seeded) by Terraform: by pipeline name (its latest
   * pointer) or `<pipeline>/<channel>`, with `@<region>` in a region other than the app's (seedKey).
   */
  readonly seededParameters: Readonly<Record<string, SsmParameter>>;
  readonly launchTemplate?: LaunchTemplate;
  /** Per entry (`<pipeline>/<suffix>`, `<pipeline>/<region>/<suffix>` in another region), the group refreshed. */
  readonly refreshes: Readonly<Record<string, string>>;

  private readonly scope: Construct;
  private readonly props: AmiLoopProps;

  constructor(scope: Construct, props: AmiLoopProps) {
    this.scope = scope;
    this.props = props;
    const sharing = amiSharing(scope, props.pipeline, props.appRegion, props.providerIn);
    if (sharing.keyArns !== undefined) this.amiKeyArns = sharing.keyArns;
    this.pipeline = this.buildPipeline(sharing.props);
    this.seededParameters = this.seedPointers();
    const launchTemplate = this.buildLaunchTemplate();
    if (launchTemplate !== undefined) this.launchTemplate = launchTemplate;
    this.refreshes = this.buildFleetRefreshes();
    this.buildShare();
    this.buildCleanup();
    this.buildStalenessAlarm();
  }

  private locationIn(region: string): AwsLocation {
    return { partition: this.props.partition, region, account: this.props.accountId };
  }

  /** The Image Builder pipeline, publishing to the tracker's topic or writing its parameter natively. */
  private buildPipeline(sharing: ReturnType<typeof amiSharing>["props"]): ImagePipeline {
    const { pipeline, appRegion, partition, network } = this.props;
    return new ImagePipeline(this.scope, `pipeline-${pipeline.name}`, {
      name: pipeline.resourceName,
      parentImage: parentImageArn(pipeline.parentImage, partition, appRegion),
      version: pipeline.recipeVersion,
      instanceProfile: this.props.instanceProfile,
      instanceTypes: pipeline.instanceTypes,
      regions: pipeline.regions,
      // A native-mode pipeline does not publish to the tracker's topic: the tracker would write too.
      ...(pipeline.mode === "tracker"
        ? { topic: this.props.topic }
        : {
            nativeParameter: {
              parameterName: pipeline.parameterName,
              executionRoleName: this.props.nativeExecutionRoleName,
              partition,
              account: this.props.accountId,
            },
          }),
      schedule: pipeline.schedule,
      scheduleTimezone: pipeline.scheduleTimezone,
      onlyWhenUpdated: pipeline.onlyWhenUpdated,
      volumeSizeGb: pipeline.volumeSizeGb,
      logRetentionDays: this.props.logRetentionDays,
      ...(network !== undefined ? { subnetId: network.subnetId, securityGroupIds: network.securityGroupIds } : {}),
      amiTags: { LatestAmiParameter: pipeline.parameterName, ParameterWriter: pipeline.mode },
      ...sharing,
      ...(pipeline.imageScanning ? { imageScanning: true } : {}),
    });
  }

  /**
   * The parameter each example launch template, group or share needs, created before them: EC2 checks a
   * `resolve:ssm:` parameter when the template is created ("You must create a Systems Manager parameter
   * before you can use it in a launch template", Auto Scaling user guide). Seeded with the region's latest
   * Amazon Linux 2023 AMI of the template's architecture (an aws:ec2:image value must be a real AMI of
   * the region); the tracker treats an untagged value as older than any build and replaces it.
   */
  private seedPointers(): Record<string, SsmParameter> {
    const { pipeline, appRegion } = this.props;
    const seeded: Record<string, SsmParameter> = {};
    // Shared pointers are Advanced: the tracker writes them so in every region, and a tier never goes back down.
    const tier = pipeline.share !== undefined ? { tier: "Advanced" as const } : {};
    for (const region of [appRegion, ...extraLoopRegions(pipeline, appRegion)]) {
      const provider = this.props.providerIn(region);
      for (const pointer of pointersToSeed(pipeline, region, appRegion)) {
        const channel = pointer !== "latest";
        seeded[seedKey(pipeline.name, pointer, region, appRegion)] = seededImageParameter(this.scope, seedId(pipeline.name, pointer, region, appRegion), {
          name: pointerParameterName(pipeline.parameterName, pointer),
          architecture: this.props.seedArchitecture,
          description: channel
            ? `Channel ${pointer} of ${pipeline.parameterName}, seeded by Terraform with the latest Amazon Linux 2023 AMI; npm run ami -- promote writes each promoted build`
            : `Seeded by Terraform with the latest Amazon Linux 2023 AMI; the ${pipeline.mode === "native" ? "pipeline's distribution" : "AMI tracker"} writes each new build`,
          writerTagKeys: WRITER_TAG_KEYS,
          ...tier,
          ...(provider !== undefined ? { provider } : {}),
        });
      }
    }
    return seeded;
  }

  /** A consumer: a launch template whose image is whatever the parameter holds when an instance launches. */
  private buildLaunchTemplate(): LaunchTemplate | undefined {
    const { pipeline } = this.props;
    if (!pipeline.exampleLaunchTemplate) return undefined;
    const parameter = this.seededParameters[pipeline.name];
    return new LaunchTemplate(this.scope, `launch-template-${pipeline.name}`, {
      // EC2 resolves the parameter when the template is created: it must exist first.
      ...(parameter !== undefined ? { dependsOn: [parameter] } : {}),
      name: `${pipeline.resourceName}-latest`,
      description: `Launches the latest ${pipeline.resourceName} AMI from ${pipeline.parameterName}`,
      imageId: `resolve:ssm:${pipeline.parameterName}`,
      instanceType: launchTemplateInstanceType(pipeline),
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
      updateDefaultVersion: true,
    });
  }

  /**
   * Fleet refresh of the configured groups and of the example group, each in its group's region:
   * EventBridge delivers a parameter's "Parameter Store Change" only to rules of the parameter's region
   * (https://repost.aws/knowledge-center/use-eventbridge-rule-across-regions), and EC2 resolves
   * resolve:ssm: in the launch template's region.
   */
  private buildFleetRefreshes(): Record<string, string> {
    const { pipeline, appRegion } = this.props;
    const refreshes: Record<string, string> = {};
    // `idSuffix` names the construct (the entry's index, or "example"), `suffix` the resources and the output key.
    const refresh = (idSuffix: string, suffix: string, groupName: string, pointer: string, preferences: RefreshPreferences, region: string): void => {
      const provider = this.props.providerIn(region);
      new FleetRefresh(this.scope, fleetRefreshId(pipeline.name, idSuffix, region, appRegion), {
        // IAM role names are account-global: the app's region is part of the name, and the group's when it differs.
        name: boundedName(`${this.props.globalNamePrefix}-${region === appRegion ? "" : `${region}-`}${pipeline.name}-${suffix}`, 40),
        parameterName: pointerParameterName(pipeline.parameterName, pointer),
        autoScalingGroupName: groupName,
        location: this.locationIn(region),
        preferences,
        logRetentionDays: this.props.logRetentionDays,
        failureOpsItem: this.props.opsItems.fleetRefreshFailed,
        ...(provider !== undefined ? { provider } : {}),
      });
      refreshes[fleetRefreshKey(pipeline.name, suffix, region, appRegion)] = groupName;
    };
    pipeline.fleetRefresh.forEach((entry, index) => {
      const preferences = {
        minHealthyPercentage: entry.minHealthyPercentage,
        ...(entry.instanceWarmupSeconds !== undefined ? { instanceWarmupSeconds: entry.instanceWarmupSeconds } : {}),
      };
      refresh(`${index}`, `group${index}`, entry.autoScalingGroupName, entry.channel, preferences, entry.region);
    });
    if (pipeline.exampleFleet !== undefined) {
      const example = pipeline.exampleFleet;
      const provider = this.props.providerIn(example.region);
      const parameterResource = this.seededParameters[seedKey(pipeline.name, example.channel, example.region, appRegion)];
      const fleet = new ExampleFleet(this.scope, inRegion(`example-fleet-${pipeline.name}`, example.region, appRegion), {
        // Names are regional; in another region the app's region keeps two deployments of one environment apart.
        name: boundedName(`${pipeline.resourceName}-${example.region === appRegion ? "" : `${appRegion}-`}example-${example.channel}`, 128),
        parameter: pointerParameterName(pipeline.parameterName, example.channel),
        ...(parameterResource !== undefined ? { parameterResource } : {}),
        instanceType: example.instanceType,
        placement: { availabilityZones: example.availabilityZones },
        ...(provider !== undefined ? { provider } : {}),
      });
      refresh("example", "example", fleet.group.name, example.channel, { minHealthyPercentage: 90 }, example.region);
    }
    return refreshes;
  }

  /** A RAM share of the pipeline's pointers in the app's region. */
  private buildShare(): void {
    const { pipeline, appRegion, partition } = this.props;
    const share = pipeline.share;
    if (share === undefined) return;
    const names = pointerNamesOf({ parameter: pipeline.parameterName, channels: pipeline.channels });
    const shareResource = new ParameterShare(this.scope, `share-${pipeline.name}`, {
      name: `${pipeline.resourceName}-ami-pointers`,
      region: appRegion,
      parameterArns: names.map((name) => ssmParameterArn(this.locationIn(appRegion), name)),
      consumers: {
        accounts: share.accounts,
        ...(share.organizationArn !== undefined ? { organizationArn: share.organizationArn } : {}),
        organizationalUnitArns: share.organizationalUnitArns,
      },
      permission: share.permission,
      allowExternalPrincipals: share.allowExternalPrincipals,
      partition,
    });
    // RAM refuses a parameter that does not exist yet: associate after Terraform created (seeded) it.
    const created = pointersOf(pipeline).flatMap((pointer) => this.seededParameters[pointerKey(pipeline.name, pointer)] ?? []);
    const addresses = created.map((parameter) => `${parameter.terraformResourceType}.${parameter.friendlyUniqueId}`);
    if (addresses.length > 0) for (const association of shareResource.resourceAssociations) association.addOverride("depends_on", addresses);
  }

  /** The in-use-aware lifecycle policy of the pipeline's AMIs. */
  private buildCleanup(): void {
    const { pipeline } = this.props;
    const cleanup = pipeline.cleanup;
    if (cleanup === undefined) return;
    new AmiLifecyclePolicy(this.scope, `lifecycle-${pipeline.name}`, {
      name: boundedName(`${this.props.globalNamePrefix}-${pipeline.name}`, 54),
      recipes: [...new Set([pipeline.recipeVersion, ...cleanup.previousRecipeVersions])].map((version) => ({ name: pipeline.resourceName, version })),
      rule:
        cleanup.type === "age"
          ? { type: "age", value: cleanup.value, unit: cleanup.unit, retainAtLeast: cleanup.retainAtLeast }
          : { type: "count", value: cleanup.value },
      trackedPointers: pointerNamesOf({ parameter: pipeline.parameterName, channels: pipeline.channels }),
      // 0 in the configuration turns the launch backstop off.
      protectLaunchedWithinDays: cleanup.protectLaunchedWithinDays === 0 ? false : cleanup.protectLaunchedWithinDays,
      stages: {
        ...(cleanup.deprecateAfter !== undefined ? { deprecateAfter: cleanup.deprecateAfter } : {}),
        ...(cleanup.disableAfter !== undefined ? { disableAfter: cleanup.disableAfter } : {}),
      },
      partition: this.props.partition,
    });
  }

  /** An OpsItem when a pointer has not moved for staleAfterDays. */
  private buildStalenessAlarm(): void {
    const { pipeline, appRegion } = this.props;
    if (pipeline.staleAfterDays === undefined) return;
    // Measured in the app's region, where the tracker (and the CLI) write every pointer with the others.
    new PointerStalenessAlarm(this.scope, `staleness-${pipeline.name}`, {
      name: boundedName(`${this.props.globalNamePrefix}-${pipeline.name}`, 40),
      parameterNames: pointerNamesOf({ parameter: pipeline.parameterName, channels: pipeline.channels }),
      maxAgeDays: pipeline.staleAfterDays,
      namespace: this.props.metricsNamespace,
      location: this.locationIn(appRegion),
      logRetentionDays: this.props.logRetentionDays,
      opsItem: this.props.opsItems.pointerStale,
    });
  }
}
