import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { loadConfig } from "../../config";
import { advancedTierParameters, trackerRegions } from "../../ami-pointers/model";
import { readConfig, TRACKER_SERVICE } from "../../handlers/ami-tracker/environment";
import { CONSUMER_SERVICE, readConsumerEnvironment } from "../../handlers/sqs-consumer/environment";
import { amiTrackerStackProps, storageFirstApiStackProps } from "../../stacks/app";
import { AmiTrackerStack } from "../../stacks/ami-tracker-stack";
import { StorageFirstApiStack } from "../../stacks/storage-first-api-stack";
import { resourcesOf, synthesize } from "../helpers/synth";

const ENVIRONMENTS = readdirSync(join(__dirname, "../../config/environments"))
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.replace(/\.json$/, ""))
  .sort();

function variablesOf(functions: Record<string, unknown>[], suffix: string): Record<string, string> {
  const fn = functions.find((candidate) => String(candidate["function_name"]).endsWith(suffix));
  return (fn?.["environment"] as { variables: Record<string, string> }).variables;
}

describe("each handler's environment: what the stack writes is what the handler reads", () => {
  test.each(ENVIRONMENTS)("%s: the tracker reads back the configuration's parameter, the model's regions and tiers", (environment) => {
    const config = loadConfig(environment);
    if (!config.amiTracker.enabled) return;
    const stack = synthesize(new AmiTrackerStack(Testing.app(), amiTrackerStackProps(config)));
    const variables = variablesOf(resourcesOf(stack, "aws_lambda_function"), "-ami-tracker");
    const sources = { tracker: config.amiTracker, pipelines: config.imageBuilder.pipelines };

    expect(readConfig(variables)).toEqual({
      parameterTemplate: config.amiTracker.parameterName,
      trackedRegions: trackerRegions(sources),
      metricsNamespace: config.amiTracker.metricsNamespace,
      advancedParameters: advancedTierParameters(sources),
    });
    expect(variables["POWERTOOLS_SERVICE_NAME"]).toBe(TRACKER_SERVICE);
  });

  test.each(ENVIRONMENTS)("%s: the consumer reads back its bus and source", (environment) => {
    const config = loadConfig(environment);
    if (!config.storageFirstApi.enabled) return;
    const stack = synthesize(new StorageFirstApiStack(Testing.app(), storageFirstApiStackProps(config)));
    const variables = variablesOf(resourcesOf(stack, "aws_lambda_function"), "-consumer");
    const read = readConsumerEnvironment(variables);

    expect(read.eventBusName).toMatch(/^\$\{aws_cloudwatch_event_bus\.[^.]+\.name\}$/);
    expect(read.source).toMatch(/\.consumer$/);
    expect(variables["POWERTOOLS_SERVICE_NAME"]).toBe(CONSUMER_SERVICE);
  });

  test("a missing variable is a ConfigError naming each variable and who sets it", () => {
    expect(() => readConsumerEnvironment({ EVENT_SOURCE: " " })).toThrow(
      /EVENT_BUS_NAME: is not set; the storage-first-api stack sets it[\s\S]*EVENT_SOURCE: is not set/,
    );
  });
});
