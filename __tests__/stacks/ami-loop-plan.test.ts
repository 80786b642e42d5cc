/**
 * The AMI loop's plan (stacks/constructs/ami-loop/plan.ts): construct IDs are Terraform addresses, so the
 * app region's are those of the first deploy and another region's add its name; and an AmiLoop creates its
 * resources in the stack it is given (a construct path is part of a CDKTF logical ID).
 */
import { Testing } from "cdktf";
import { loadConfig } from "../../config";
import { AmiTrackerStack } from "../../stacks/ami-tracker-stack";
import { amiKeyId, extraLoopRegions, fleetRefreshId, fleetRefreshKey, inRegion, pointersToSeed, seedId, seedKey } from "../../stacks/constructs/ami-loop/plan";
import type { AmiLoopPipeline } from "../../stacks/constructs/ami-loop/pipeline";

const APP = "us-east-1";
const AWAY = "eu-west-1";

const pipeline: AmiLoopPipeline = {
  name: "web",
  resourceName: "acme-prod-web",
  mode: "tracker",
  parameterName: "/ec2-imagebuilder/acme-prod-web/latest",
  channels: ["stable"],
  regions: [APP, AWAY],
  parentImage: "amazon-linux-2023-arm64",
  recipeVersion: "1.0.0",
  instanceTypes: ["t4g.small"],
  schedule: "cron(0 4 ? * MON *)",
  scheduleTimezone: "Etc/UTC",
  onlyWhenUpdated: true,
  volumeSizeGb: 10,
  imageScanning: false,
  exampleLaunchTemplate: true,
  fleetRefresh: [
    { autoScalingGroupName: "web-here", channel: "stable", region: APP, minHealthyPercentage: 90 },
    { autoScalingGroupName: "web-away", channel: "latest", region: AWAY, minHealthyPercentage: 90 },
  ],
};

describe("AMI loop plan: addresses and regions", () => {
  test("in the app's region the first deploy's addresses; in another the region's name is added", () => {
    expect(seedId("web", "latest", APP, APP)).toBe("parameter-web");
    expect(seedId("web", "stable", APP, APP)).toBe("channel-web-stable");
    expect(seedId("web", "latest", AWAY, APP)).toBe(`${AWAY}-parameter-web`);
    expect(fleetRefreshId("web", "0", APP, APP)).toBe("fleet-refresh-web-0");
    expect(fleetRefreshId("web", "example", AWAY, APP)).toBe(`fleet-refresh-web-${AWAY}-example`);
    expect(fleetRefreshKey("web", "group1", AWAY, APP)).toBe(`web/${AWAY}/group1`);
    expect(amiKeyId("web", APP, APP)).toBe("ami-key-web");
    expect(amiKeyId("web", AWAY, APP)).toBe(`ami-key-web-${AWAY}`);
    expect(inRegion("example-fleet-web", AWAY, APP)).toBe(`example-fleet-web-${AWAY}`);
    expect(seedKey("web", "stable", AWAY, APP)).toBe(`web/stable@${AWAY}`);
  });

  test("each region seeds the pointers read there: the example template's in the app's region, each group's where it is", () => {
    expect(extraLoopRegions(pipeline, APP)).toEqual([AWAY]);
    expect(pointersToSeed(pipeline, APP, APP).sort()).toEqual(["latest", "stable"]);
    expect(pointersToSeed(pipeline, AWAY, APP)).toEqual(["latest"]);
    expect(pointersToSeed({ ...pipeline, exampleLaunchTemplate: false, fleetRefresh: [] }, APP, APP)).toEqual([]);
  });

  test("every loop resource is a direct child of the stack: its logical ID is its construct ID, not a nested path", () => {
    const stack = new AmiTrackerStack(Testing.app(), loadConfig("ami-loop"));
    const loop = stack.loops["web"];
    expect(loop).toBeDefined();
    expect(loop?.pipeline.node.scope).toBe(stack);
    for (const parameter of Object.values(loop?.seededParameters ?? {})) {
      expect(parameter.node.scope).toBe(stack);
      expect(parameter.friendlyUniqueId).toBe(parameter.node.id);
    }
  });
});
