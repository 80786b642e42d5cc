/**
 * What the AMI loop reads of a pipeline: the settings of `imageBuilder.pipelines[]` once read and
 * resolved (names filled in, defaults applied). Declared here, beside the construct, because constructs
 * know nothing of config/; the configuration's PipelineConfig has this shape.
 */
import type { ParameterSharePermission } from "../../../aws/ram";

/** A group refreshed when its pointer changes. */
export interface AmiLoopFleetRefresh {
  readonly autoScalingGroupName: string;
  /** "latest" or one of the pipeline's channels. */
  readonly channel: string;
  /** One of the pipeline's regions. */
  readonly region: string;
  readonly minHealthyPercentage: number;
  readonly instanceWarmupSeconds?: number;
}

/** An example group of desired capacity 0, refreshed when its pointer changes. */
export interface AmiLoopExampleFleet {
  readonly channel: string;
  readonly region: string;
  readonly instanceType: string;
  readonly availabilityZones: readonly string[];
}

/** The consumers the pointers (RAM) and the AMIs (launch permissions, a key per region) are shared with. */
export interface AmiLoopShare {
  readonly accounts: readonly string[];
  readonly organizationArn?: string;
  readonly organizationalUnitArns: readonly string[];
  readonly permission: ParameterSharePermission;
  readonly allowExternalPrincipals: boolean;
  /** Set: the AMIs are shared unencrypted, for this reason. */
  readonly unencryptedReason?: string;
}

/** The in-use-aware lifecycle policy of the pipeline's AMIs. */
export interface AmiLoopCleanup {
  readonly type: "age" | "count";
  readonly value: number;
  readonly unit: "DAYS" | "WEEKS" | "MONTHS" | "YEARS";
  readonly retainAtLeast: number;
  /** 0 turns the launch backstop off. */
  readonly protectLaunchedWithinDays: number;
  readonly deprecateAfter?: number;
  readonly disableAfter?: number;
  readonly previousRecipeVersions: readonly string[];
}

export interface AmiLoopPipeline {
  /** The configured name: part of every construct ID. */
  readonly name: string;
  /** `<project>-<environment>-<name>`: the Image Builder pipeline's, recipe's and so the images' name. */
  readonly resourceName: string;
  /** Who writes the parameter: the tracker Lambda or the pipeline's distribution. */
  readonly mode: "tracker" | "native";
  /** The parameter holding the latest AMI ID, placeholders filled in. */
  readonly parameterName: string;
  readonly channels: readonly string[];
  /** The regions the distribution copies the AMI to (and the parameter is written in). */
  readonly regions: readonly string[];
  readonly parentImage: string;
  readonly recipeVersion: string;
  readonly instanceTypes: readonly string[];
  readonly schedule: string;
  readonly scheduleTimezone: string;
  readonly onlyWhenUpdated: boolean;
  readonly volumeSizeGb: number;
  readonly imageScanning: boolean;
  readonly exampleLaunchTemplate: boolean;
  readonly fleetRefresh: readonly AmiLoopFleetRefresh[];
  readonly exampleFleet?: AmiLoopExampleFleet;
  readonly share?: AmiLoopShare;
  readonly cleanup?: AmiLoopCleanup;
  readonly staleAfterDays?: number;
}
