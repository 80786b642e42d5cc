/**
 * The AMI loop of one pipeline worked out before anything is built: its regions, the pointers each
 * region needs, and the construct IDs (Terraform addresses) and names of its pieces. Pure functions.
 *
 * Construct IDs and output keys in the app's region are the addresses of the first deploy; another
 * region adds its name. Names of account-global resources (IAM roles) carry the app's region, and the
 * group's when it differs: the same environment deployed from two app regions may refresh groups in a third.
 */
import { pointersOf } from "../../../ami-pointers/model";
import { formatArn } from "../../../aws/arn";
import type { AmiLoopPipeline } from "./pipeline";

/** The instance type of the example launch template: the pipeline's first build type. */
export function launchTemplateInstanceType(pipeline: Pick<AmiLoopPipeline, "instanceTypes">): string {
  return pipeline.instanceTypes[0] ?? "t4g.small";
}

/**
 * A pipeline's parent image as Image Builder takes it: a managed image name becomes the ARN of its
 * newest version (`arn:<partition>:imagebuilder:<region>:aws:image/<name>/x.x.x`); ARNs and AMI IDs
 * pass through. Nothing is looked up at plan time.
 */
export function parentImageArn(parentImage: string, partition: string, region: string): string {
  if (parentImage.startsWith("arn:") || parentImage.startsWith("ami-")) return parentImage;
  return formatArn({ partition, service: "imagebuilder", region, account: "aws", resource: `image/${parentImage}/x.x.x` });
}

/**
 * The pointers of a pipeline that a launch template, a fleet or a share needs to exist in `region`:
 * in the app's region (`appRegion`) the example launch template's and the share's too; in any region
 * those of its refreshed groups and example fleet there.
 */
export function pointersToSeed(pipeline: AmiLoopPipeline, region: string, appRegion: string): string[] {
  const pointers = new Set<string>();
  const inAppRegion = region === appRegion;
  if (inAppRegion && pipeline.exampleLaunchTemplate) pointers.add("latest");
  for (const refresh of pipeline.fleetRefresh) if (refresh.region === region) pointers.add(refresh.channel);
  if (pipeline.exampleFleet !== undefined && pipeline.exampleFleet.region === region) pointers.add(pipeline.exampleFleet.channel);
  if (inAppRegion && pipeline.share !== undefined) for (const pointer of pointersOf(pipeline)) pointers.add(pointer);
  return [...pointers];
}

/** The regions other than the app's where a pipeline's loop runs: those of its refreshed groups and example fleet, sorted. */
export function extraLoopRegions(pipeline: Pick<AmiLoopPipeline, "fleetRefresh" | "exampleFleet">, appRegion: string): string[] {
  const regions = [...pipeline.fleetRefresh.map((refresh) => refresh.region), ...(pipeline.exampleFleet !== undefined ? [pipeline.exampleFleet.region] : [])];
  return [...new Set(regions)].filter((region) => region !== appRegion).sort();
}

/** Whether a pipeline's loop runs in `region`: a refreshed group or its example fleet is there. */
export function loopRunsIn(pipeline: Pick<AmiLoopPipeline, "fleetRefresh" | "exampleFleet">, region: string): boolean {
  return pipeline.fleetRefresh.some((entry) => entry.region === region) || pipeline.exampleFleet?.region === region;
}

/** Key of a seeded pointer: the pipeline's name for its latest parameter (as before channels), `<pipeline>/<channel>` for a channel. */
export function pointerKey(pipelineName: string, pointer: string): string {
  return pointer === "latest" ? pipelineName : `${pipelineName}/${pointer}`;
}

/** Key of a seeded pointer in a region: pointerKey in the app's region, `<pointerKey>@<region>` in another. */
export function seedKey(pipelineName: string, pointer: string, region: string, appRegion: string): string {
  return region === appRegion ? pointerKey(pipelineName, pointer) : `${pointerKey(pipelineName, pointer)}@${region}`;
}

/** The construct ID of a seeded pointer: `parameter-<pipeline>` (the latest pointer's address since the first deploy) or `channel-<pipeline>-<channel>`, with `<region>-` in front in another region. */
export function seedId(pipelineName: string, pointer: string, region: string, appRegion: string): string {
  const id = pointer !== "latest" ? `channel-${pipelineName}-${pointer}` : `parameter-${pipelineName}`;
  return region === appRegion ? id : `${region}-${id}`;
}

/** `<id>` in the app's region, `<id>-<region>` in another. */
export function inRegion(id: string, region: string, appRegion: string): string {
  return region === appRegion ? id : `${id}-${region}`;
}

/** The construct ID of a fleet refresh: `fleet-refresh-<pipeline>-<suffix>`, the group's region before the suffix in another region. */
export function fleetRefreshId(pipelineName: string, suffix: string, region: string, appRegion: string): string {
  return region === appRegion ? `fleet-refresh-${pipelineName}-${suffix}` : `fleet-refresh-${pipelineName}-${region}-${suffix}`;
}

/** The key of a fleet refresh in the `fleet_refreshes` output: `<pipeline>/<suffix>`, `<pipeline>/<region>/<suffix>` in another region. */
export function fleetRefreshKey(pipelineName: string, suffix: string, region: string, appRegion: string): string {
  return region === appRegion ? `${pipelineName}/${suffix}` : `${pipelineName}/${region}/${suffix}`;
}

/** The construct ID of a shared pipeline's AMI key: `ami-key-<pipeline>`, `ami-key-<pipeline>-<region>` in another region. */
export function amiKeyId(pipelineName: string, region: string, appRegion: string): string {
  return region === appRegion ? `ami-key-${pipelineName}` : `ami-key-${pipelineName}-${region}`;
}
