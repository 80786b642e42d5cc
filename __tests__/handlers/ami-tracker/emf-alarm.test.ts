/**
 * BuildsFailed must reach its alarm: the EMF line the tracker writes, run with the environment the
 * stack gives the function, names the alarm's namespace, metric and exactly its dimensions (CloudWatch
 * matches a metric on namespace, name and the full set of dimensions).
 */
import { SSMClient } from "@aws-sdk/client-ssm";
import { Testing } from "cdktf";
import { mockClient } from "aws-sdk-client-mock";
import { AmiTrackerStack } from "../../../stacks/ami-tracker-stack";
import { onlyResource, resourcesOf, synthesize, testConfig } from "../../helpers/synth";
import { withEnv } from "../support/output";
import { captureConsole, emfLines, fixtureText, lambdaContext, snsEvent } from "./support/events";

const ssmMock = mockClient(SSMClient);

test.each([{}, { amiTracker: { metricsNamespace: "Custom/AmiTracker" } }])(
  "the FAILED build's EMF line matches the BuildsFailed alarm (config %j)",
  async (raw) => {
    // Prepare: the alarm and the function's environment, as synthesized
    const stack = synthesize(new AmiTrackerStack(Testing.app(), testConfig(raw)));
    const alarm = resourcesOf(stack, "aws_cloudwatch_metric_alarm").find((resource) => resource["metric_name"] === "BuildsFailed");
    const environment = (onlyResource(stack, "aws_lambda_function") as { environment: { variables: Record<string, string> } }).environment.variables;
    const output = captureConsole();

    // Act: the handler module loaded fresh under that environment (its Logger and Metrics read it)
    await withEnv({ ...environment, AWS_REGION: "us-west-2" }, async () => {
      ssmMock.reset();
      let handler: typeof import("../../../handlers/ami-tracker/index").handler = async () => undefined;
      jest.isolateModules(() => {
        handler = (jest.requireActual("../../../handlers/ami-tracker/index") as typeof import("../../../handlers/ami-tracker/index")).handler;
      });
      await handler(snsEvent(fixtureText("sns-message-failed-docs.json")), lambdaContext("123456789012", "us-west-2"));
    });
    output.restore();

    // Assess
    const [line] = emfLines(output.lines(), "BuildsFailed");
    const directive = (
      line?._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> }
    ).CloudWatchMetrics[0];
    const dimensions = alarm?.["dimensions"] as Record<string, string>;
    expect(directive?.Namespace).toBe(alarm?.["namespace"]);
    expect(directive?.Metrics).toEqual([{ Name: alarm?.["metric_name"], Unit: "Count" }]);
    expect(directive?.Dimensions).toEqual([Object.keys(dimensions)]);
    for (const [name, value] of Object.entries(dimensions)) expect(line?.[name]).toBe(value);
    expect(line?.["BuildsFailed"]).toBe(1);
    expect(alarm?.["statistic"]).toBe("Sum");
  },
);
