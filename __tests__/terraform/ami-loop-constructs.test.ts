/**
 * The AMI-loop constructs (fleet refresh, rejection alarm, RAM share, consumer launch template,
 * lifecycle policy) through the real `terraform validate` and `plan` (hashicorp/aws 5.100.0), offline:
 * the provider accepts what they synthesize, before any stack wires them in.
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { findTerraform, formatSummary, planTargets, type PlanReport, type StackResult } from "../../scripts/offline-plan";
import { terraformTier } from "../../scripts/lib/terraform-env";
import { isObject, type Json } from "../../scripts/lib/stack-json";
import { amiLoopStacks, SHARED_ARN } from "../helpers/ami-loop-stacks";

const describeTier = terraformTier(findTerraform()) === "run" ? describe : describe.skip;

describeTier("offline terraform plan of the AMI-loop constructs", () => {
  let root = "";
  let outdir = "";
  let report: PlanReport | undefined;

  beforeAll(
    async () => {
      root = realpathSync(mkdtempSync(join(tmpdir(), "ami-loop-tier-")));
      outdir = join(root, "synth");
      const app = new App({ outdir });
      amiLoopStacks(app);
      app.synth();
      report = await planTargets([{ outdir, label: "ami-loop" }], { workRoot: join(root, "plan"), concurrency: 2 });
    },
    15 * 60 * 1000,
  );

  afterAll(() => {
    if (report) console.log(formatSummary(report.results));
    if (root !== "") rmSync(root, { recursive: true, force: true });
  });

  const result = (stack: string): StackResult => {
    const found = report?.results.find((candidate) => candidate.stack === stack);
    if (!found) throw new Error(`${stack} was not planned`);
    return found;
  };
  const planned = (stack: string, type: string): Record<string, Json>[] =>
    (result(stack).plan?.resource_changes ?? [])
      .filter((change) => change.mode === "managed" && change.type === type)
      .map((change) => change.change.after as Record<string, Json>);

  it("validates and plans both stacks, creating every resource they declare and nothing else", () => {
    for (const stack of ["ami-loop-owner", "ami-loop-consumer"]) {
      const planResult = result(stack);
      expect({ stack, ok: planResult.ok, error: planResult.error }).toEqual({ stack, ok: true, error: undefined });
      const json = JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")) as Json;
      const resources = isObject(json) && isObject(json["resource"]) ? json["resource"] : {};
      const declared = Object.values(resources).reduce<number>((count, blocks) => count + (isObject(blocks) ? Object.keys(blocks).length : 0), 0);
      expect({ stack, toAdd: planResult.toAdd, other: planResult.toChange + planResult.toDestroy + planResult.toReplace }).toEqual({
        stack,
        toAdd: declared,
        other: 0,
      });
    }
  });

  it("plans the refresh machine's SDK task, the lifecycle exclusion and the consumer's resolve:ssm: by ARN as synthesized", () => {
    const [machine] = planned("ami-loop-owner", "aws_sfn_state_machine");
    expect(String(machine?.["definition"])).toContain('"Resource":"arn:aws:states:::aws-sdk:autoscaling:startInstanceRefresh"');
    const [lifecycle] = planned("ami-loop-owner", "aws_imagebuilder_lifecycle_policy");
    expect(JSON.stringify(lifecycle?.["policy_detail"])).toContain("ami-loop:previous:/ec2-imagebuilder/web/stable");
    const [template] = planned("ami-loop-consumer", "aws_launch_template");
    expect(template?.["image_id"]).toBe(`resolve:ssm:${SHARED_ARN}`);
  });
});
