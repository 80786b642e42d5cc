import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import { pointerNamesOf } from "../../../ami-pointers/model";
import type { OpsItemSettings } from "../fleet-refresh";
import { boundedName } from "../http-api/http-api";
import { ParameterRejectionAlarm } from "../parameter-rejection-alarm";
import { extraLoopRegions, loopRunsIn } from "./plan";
import type { AmiLoopPipeline } from "./pipeline";

export interface RejectionAlarmsProps {
  readonly pipelines: readonly Pick<AmiLoopPipeline, "parameterName" | "channels" | "regions" | "fleetRefresh" | "exampleFleet">[];
  readonly appRegion: string;
  readonly partition: string;
  readonly accountId: string;
  /** `<project>-<environment>`: names the app region's alarm. */
  readonly namePrefix: string;
  /** `<project>-<environment>-<app region>`: names another region's (the same environment may be deployed from two app regions). */
  readonly globalNamePrefix: string;
  readonly providerIn: (region: string) => AwsProvider | undefined;
  readonly logRetentionDays: number;
  readonly opsItem: OpsItemSettings;
}

/**
 * Rejected values are watched where the loop runs: in the app's region as soon as a pipeline has channels
 * or a refresh there; in another region where a refresh or example fleet is. Each alarm watches the
 * parameter and channels of every pipeline written in its region. Created in `scope` (the stack):
 * `parameter-rejected`, `parameter-rejected-<region>` in another region.
 */
export function parameterRejectionAlarms(scope: Construct, props: RejectionAlarmsProps): ParameterRejectionAlarm[] {
  const { pipelines, appRegion } = props;
  const extraRegions = [...new Set(pipelines.flatMap((pipeline) => extraLoopRegions(pipeline, appRegion)))].sort();
  const alarms: ParameterRejectionAlarm[] = [];
  for (const region of [appRegion, ...extraRegions]) {
    const watched = [
      ...new Set(
        pipelines
          .filter((pipeline) => pipeline.regions.includes(region))
          .flatMap((pipeline) => pointerNamesOf({ parameter: pipeline.parameterName, channels: pipeline.channels })),
      ),
    ];
    const wanted =
      region === appRegion
        ? pipelines.some((pipeline) => pipeline.channels.length > 0 || loopRunsIn(pipeline, region))
        : pipelines.some((pipeline) => loopRunsIn(pipeline, region));
    if (!wanted || watched.length === 0) continue;
    const provider = props.providerIn(region);
    alarms.push(
      new ParameterRejectionAlarm(scope, region === appRegion ? "parameter-rejected" : `parameter-rejected-${region}`, {
        name: boundedName(`${region === appRegion ? props.namePrefix : props.globalNamePrefix}-ami-pointers`, 40),
        parameterNames: watched,
        location: { partition: props.partition, region, account: props.accountId },
        logRetentionDays: props.logRetentionDays,
        opsItem: props.opsItem,
        ...(provider !== undefined ? { provider } : {}),
      }),
    );
  }
  return alarms;
}
