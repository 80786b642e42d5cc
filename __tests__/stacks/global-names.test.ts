import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { CONFIG_DIRECTORY, parseConfig } from "../../config";
import { buildApp } from "../../stacks/app";
import { CI_ACCESS_STACK } from "../../stacks/ci-access-stack";
import { STATE_BOOTSTRAP_STACK } from "../../stacks/state-bootstrap-stack";
import { resourcesOf, synthesize } from "../helpers/synth";

/**
 * IAM names are global per account, whatever the region (IAM user guide, "IAM object quotas and names":
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); a second deploy that
 * reuses one fails with EntityAlreadyExists.
 */
const ACCOUNT_GLOBAL_NAMES: Readonly<Record<string, string>> = {
  aws_iam_role: "name",
  aws_iam_instance_profile: "name",
  aws_iam_policy: "name",
  aws_iam_user: "name",
  aws_iam_group: "name",
  aws_s3_bucket: "bucket",
};

const ENVIRONMENTS = readdirSync(CONFIG_DIRECTORY)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.replace(/\.json$/, ""))
  .sort();

/** Environments whose workload stacks create no account-global name (ami-consumer: launch templates only). */
const WITHOUT_GLOBAL_NAMES = ["ami-consumer"];

function rawEnvironment(environment: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(CONFIG_DIRECTORY, `${environment}.json`), "utf8")) as Record<string, unknown>;
}

/** The environment moved to `region`: the region joins every list that must hold the app's region. */
function inRegion(raw: Record<string, unknown>, region: string): Record<string, unknown> {
  const withRegion = (regions: unknown) => (Array.isArray(regions) ? [...new Set([...(regions as string[]), region])] : regions);
  const tracker = raw["amiTracker"] as Record<string, unknown> | undefined;
  const imageBuilder = raw["imageBuilder"] as { pipelines?: Record<string, unknown>[] } | undefined;
  // A consumer reads the owner's parameter of its own region (RAM shares are regional).
  const consumer = raw["amiConsumer"] as { launchTemplates?: Array<{ parameterArn: string; amiKeyArn?: string }> } | undefined;
  return {
    ...raw,
    region,
    ...(tracker ? { amiTracker: { ...tracker, ...(tracker["trackedRegions"] ? { trackedRegions: withRegion(tracker["trackedRegions"]) } : {}) } } : {}),
    ...(imageBuilder?.pipelines
      ? {
          imageBuilder: {
            ...imageBuilder,
            pipelines: imageBuilder.pipelines.map((pipeline) => (pipeline["regions"] ? { ...pipeline, regions: withRegion(pipeline["regions"]) } : pipeline)),
          },
        }
      : {}),
    ...(consumer?.launchTemplates
      ? {
          amiConsumer: {
            ...consumer,
            launchTemplates: consumer.launchTemplates.map((entry) => ({
              ...entry,
              parameterArn: entry.parameterArn.replace(/:ssm:[a-z0-9-]+:/, `:ssm:${region}:`),
              // And the owner's key of its region (KMS keys are regional).
              ...(entry.amiKeyArn !== undefined ? { amiKeyArn: entry.amiKeyArn.replace(/:kms:[a-z0-9-]+:/, `:kms:${region}:`) } : {}),
            })),
          },
        }
      : {}),
  };
}

/** Names already computed, by environment and region: the tests below ask for some deployments twice. */
const computed = new Map<string, string[]>();

/** Every account-global name the workload stacks of one deployment create, as `type name`. */
function globalNames(raw: Record<string, unknown>, environment: string, region: string): string[] {
  const key = `${environment} ${region} ${JSON.stringify(raw)}`;
  const known = computed.get(key);
  if (known !== undefined) return known;
  const names = synthesizedGlobalNames(raw, environment, region);
  computed.set(key, names);
  return names;
}

function synthesizedGlobalNames(raw: Record<string, unknown>, environment: string, region: string): string[] {
  const config = parseConfig(inRegion(raw, region), environment);
  const app = buildApp(config, { outdir: Testing.app().outdir });
  const stacks = app.node.children.filter(
    (child): child is TerraformStack => child instanceof TerraformStack && child.node.id !== CI_ACCESS_STACK && child.node.id !== STATE_BOOTSTRAP_STACK,
  );
  return stacks.flatMap((stack) => {
    const synthesized = synthesize(stack);
    return Object.entries(ACCOUNT_GLOBAL_NAMES).flatMap(([type, attribute]) =>
      resourcesOf(synthesized, type).flatMap((resource) => (typeof resource[attribute] === "string" ? [`${type} ${String(resource[attribute])}`] : [])),
    );
  });
}

describe("account-global names of the workload stacks", () => {
  test.each(ENVIRONMENTS)("%s in us-east-1 and in us-west-2 of one account: no name in common", (environment) => {
    // Prepare
    const raw = rawEnvironment(environment);

    // Act
    const east = globalNames(raw, environment, "us-east-1");
    const west = globalNames(raw, environment, "us-west-2");

    // Assess
    if (WITHOUT_GLOBAL_NAMES.includes(environment)) expect(east).toEqual([]);
    else expect(east.length).toBeGreaterThan(0);
    expect(east.filter((name) => west.includes(name))).toEqual([]);
  });

  test.each(ENVIRONMENTS)("%s and a copy of it under another environment name, in one account and region: no name in common", (environment) => {
    const raw = rawEnvironment(environment);
    const first = globalNames(raw, environment, "us-east-1");
    const second = globalNames(raw, `${environment.slice(0, 14)}-b`, "us-east-1");
    expect(first.filter((name) => second.includes(name))).toEqual([]);
  });

  test.each(ENVIRONMENTS)("%s: every IAM role name fits IAM's 64 characters, in the longest region name", (environment) => {
    const names = globalNames(rawEnvironment(environment), environment, "ap-southeast-2").filter((name) => name.startsWith("aws_iam_role "));
    for (const name of names) expect(name.replace("aws_iam_role ", "").length).toBeLessThanOrEqual(64);
  });
});
