import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { loadConfig } from "../../config";
import { pointerNamesOf, trackedParameters, trackerRegions } from "../../ami-pointers/model";
import { run, targetsFromConfig } from "../../cli/ami/cli";
import { amiTrackerStackProps } from "../../stacks/app";
import { AmiTrackerStack } from "../../stacks/ami-tracker-stack";
import { resourcesOf, synthesize, type SynthesizedStack } from "../helpers/synth";

const ENVIRONMENTS = readdirSync(join(__dirname, "../../config/environments"))
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.replace(/\.json$/, ""))
  .sort();
const ACCOUNT = "000000000000";

/** The stack's operator_policy output with the partition and account Terraform fills in set to literals. */
function operatorPolicyOf(stack: SynthesizedStack): unknown {
  const expression = String(stack.output["operator_policy"]?.value);
  const text = expression
    .slice("${jsonencode(".length, -")}".length)
    .replaceAll("${data.aws_partition.partition.partition}", "aws")
    .replace(/\$\{element\(split\(":", [^)]*\), 4\)\}/g, ACCOUNT);
  return JSON.parse(text.replace(/" = /g, '": '));
}

function trackerEnvironment(stack: SynthesizedStack): Record<string, string> {
  const tracker = resourcesOf(stack, "aws_lambda_function").find((fn) => String(fn["function_name"]).endsWith("-ami-tracker"));
  return (tracker?.["environment"] as { variables: Record<string, string> }).variables;
}

describe("one AMI-pointer model for the stack and the operator CLI", () => {
  const cases = ENVIRONMENTS.map((environment) => ({ environment, config: loadConfig(environment) })).filter(({ config }) => config.amiTracker.enabled);

  test("the shipped environments with a tracker are all checked", () => {
    expect(cases.map(({ environment }) => environment)).toEqual(expect.arrayContaining(["default", "multi-pipeline", "ami-loop", "everything-on"]));
  });

  describe.each(ENVIRONMENTS)("%s", (environment) => {
    const config = loadConfig(environment);
    if (!config.amiTracker.enabled) {
      test("has no tracker stack: nothing to compare", () => expect(config.amiTracker.enabled).toBe(false));
      return;
    }
    const stack = synthesize(new AmiTrackerStack(Testing.app(), amiTrackerStackProps(config)));
    const sources = { tracker: config.amiTracker, pipelines: config.imageBuilder.pipelines };

    test("npm run ami -- policy prints the stack's operator_policy output", async () => {
      let printed = "";
      const code = await run(
        ["policy", "--account", ACCOUNT, "--partition", "aws"],
        { out: (text) => (printed += text), err: () => undefined },
        {
          loadConfig: () => config,
        },
      );
      if (stack.output["operator_policy"] === undefined) {
        expect(code).toBe(2);
        return;
      }
      expect(code).toBe(0);
      expect(JSON.parse(printed)).toEqual(operatorPolicyOf(stack));
    });

    test("the CLI's targets are the model's tracked parameters, in every region the stack writes them", () => {
      const targets = targetsFromConfig(config);
      const tracked = trackedParameters(sources);
      expect(targets.map((target) => [target.parameter, target.regions, target.channels, target.advanced === true])).toEqual(
        tracked.map((entry) => [entry.parameter, entry.regions, entry.channels, entry.tier === "Advanced"]),
      );
      const variables = trackerEnvironment(stack);
      // Every tracker-written parameter lives where the tracker writes (TRACKED_REGIONS), and nowhere else.
      expect(variables["TRACKED_REGIONS"]).toBe(trackerRegions(sources).join(","));
      for (const entry of tracked.filter((item) => item.writer === "tracker")) {
        for (const region of entry.regions) expect(variables["TRACKED_REGIONS"]?.split(",")).toContain(region);
      }
      const advanced = tracked.filter((entry) => entry.writer === "tracker" && entry.tier === "Advanced").map((entry) => entry.parameter);
      expect(variables["ADVANCED_TIER_PARAMETERS"]?.split(",") ?? []).toEqual(advanced);
    });

    test("every parameter the stack seeds is a pointer of the model, at the model's tier", () => {
      const pointers = new Map(trackedParameters(sources).flatMap((entry) => pointerNamesOf(entry).map((name) => [name, entry.tier] as const)));
      for (const parameter of resourcesOf(stack, "aws_ssm_parameter")) {
        const name = String(parameter["name"]);
        expect([name, pointers.has(name)]).toEqual([name, true]);
        expect([name, parameter["tier"] ?? "Standard"]).toEqual([name, pointers.get(name)]);
      }
    });
  });
});
