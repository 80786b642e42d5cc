import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { AnnotationMetadataEntryType, App, Aspects, TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acknowledgeRule, ACKNOWLEDGEMENT_METADATA } from "../../stacks/rules/acknowledge";
import { defaultPrinter, RulePackAspect, type Printer } from "../../stacks/rules/rule-pack";
import { RULES } from "../../stacks/rules/rules";
import { minimalStack, report } from "./support";

type Printed = { line: string; stream: "stdout" | "stderr" };

function stackWithAspect(app: App, print: Printer = () => undefined, verbose = false): TerraformStack {
  const stack = new TerraformStack(app, "checked");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  Aspects.of(stack).add(new RulePackAspect({ print, verbose }));
  return stack;
}

describe("the aspect", () => {
  const outdirs: string[] = [];
  afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const outdir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "rule-pack-"));
    outdirs.push(dir);
    return dir;
  };

  test("an unacknowledged error fails App.synth, naming rule, resource and construct, before the stack's cdk.tf.json is written", () => {
    // Prepare
    const dir = outdir();
    const app = new App({ outdir: dir });
    const stack = stackWithAspect(app);
    new SnsTopic(stack, "plain-topic", { name: "plain" });

    // Act
    const synth = (): void => app.synth();

    // Assess
    expect(synth).toThrow(
      /Encountered Annotations with level "ERROR"[\s\S]*\[ENC-1\] aws_sns_topic\.plain-topic \(checked\/plain-topic\): kms_master_key_id is not set/,
    );
    expect(existsSync(join(dir, "stacks", "checked", "cdk.tf.json"))).toBe(false);
    expect(existsSync(join(dir, "manifest.json"))).toBe(false);
  });

  /** A stack with one acknowledged finding (ENC-2 on a queue) and one compliant topic. */
  function acknowledgedStack(verbose: boolean): { dir: string; app: App; queue: SqsQueue; printed: Printed[] } {
    const dir = outdir();
    const app = new App({ outdir: dir });
    const printed: Printed[] = [];
    const stack = stackWithAspect(app, (line, stream) => printed.push({ line, stream }), verbose);
    const queue = new SqsQueue(stack, "queue", { name: "plain" });
    acknowledgeRule(queue, "ENC-2", "holds only public sample data; encryption adds nothing here");
    new SnsTopic(stack, "topic", { name: "t", kmsMasterKeyId: "alias/aws/sns" });
    return { dir, app, queue, printed };
  }

  test("an acknowledged finding prints one summary line on stdout, annotates the construct and does not fail synth", () => {
    // Prepare
    const { dir, app, queue, printed } = acknowledgedStack(false);

    // Act
    app.synth();

    // Assess
    expect(readdirSync(join(dir, "stacks", "checked"))).toContain("cdk.tf.json");
    expect(printed).toEqual([{ line: expect.stringMatching(/^rule pack: checked \d+ checks, 0 errors, 0 warnings, 1 acknowledged$/), stream: "stdout" }]);
    const infos = queue.node.metadata.filter((entry) => entry.type === AnnotationMetadataEntryType.INFO).map((entry) => String(entry.data));
    expect(infos).toEqual([expect.stringContaining("[ENC-2] acknowledged on aws_sqs_queue.queue")]);
  });

  test("verbose adds each acknowledgement with its reason under the summary, on stdout", () => {
    const { app, printed } = acknowledgedStack(true);
    app.synth();
    expect(printed).toEqual([
      { line: expect.stringMatching(/^rule pack: checked \d+ checks, 0 errors, 0 warnings, 1 acknowledged$/), stream: "stdout" },
      {
        line: "  ack: [ENC-2] acknowledged on aws_sqs_queue.queue (checked/queue): holds only public sample data; encryption adds nothing here",
        stream: "stdout",
      },
    ]);
  });

  test("a failure is printed on stderr, summary and finding, whether verbose or not", () => {
    // Prepare
    const printed: Printed[] = [];
    const app = new App({ outdir: outdir() });
    const stack = stackWithAspect(app, (line, stream) => printed.push({ line, stream }));
    new SnsTopic(stack, "plain-topic", { name: "plain" });

    // Act
    expect(() => app.synth()).toThrow(/Encountered Annotations with level "ERROR"/);

    // Assess
    expect(printed).toEqual([
      { line: "rule pack: checked 1 check, 1 error, 0 warnings, 0 acknowledged", stream: "stderr" },
      {
        line: expect.stringMatching(/^ {2}error: \[ENC-1\] aws_sns_topic\.plain-topic \(checked\/plain-topic\): kms_master_key_id is not set/),
        stream: "stderr",
      },
    ]);
  });

  test.each([
    [{}, false],
    [{ RULE_PACK_VERBOSE: "1" }, true],
    [{ RULE_PACK_VERBOSE: "0" }, false],
  ])("prints to the process outside jest and the cdktf CLI; RULE_PACK_VERBOSE %j makes it verbose: %s", (env, verbose) => {
    expect(defaultPrinter(env)).toEqual({ print: expect.any(Function), verbose });
    expect(defaultPrinter({ ...env, JEST_WORKER_ID: "1" })).toBeUndefined();
    expect(defaultPrinter({ ...env, CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true" })).toBeUndefined();
  });

  test("the aspect runs once per stack even when synthesized twice (no duplicate annotations)", () => {
    const app = Testing.app();
    const stack = stackWithAspect(app);
    new SqsQueue(stack, "queue", { name: "plain" });
    Testing.synth(stack);
    Testing.synth(stack);
    const errors = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.ERROR));
    expect(errors).toHaveLength(1);
  });

  test("every stack of the app gets the aspect from AppStack", async () => {
    const { buildApp } = await import("../../stacks/app");
    const { testConfig } = await import("../helpers/synth");
    const app = buildApp(testConfig(), { outdir: outdir() });
    const stacks = app.node.findAll().filter(TerraformStack.isStack);
    expect(stacks.length).toBeGreaterThan(0);
    for (const stack of stacks) expect(Aspects.of(stack).all.some((aspect) => aspect instanceof RulePackAspect)).toBe(true);
  });
});

describe("acknowledgements", () => {
  test.each(["", "   ", "because"])("a reason is mandatory: %j throws", (reason) => {
    const stack = minimalStack();
    const queue = new SqsQueue(stack, "queue", { name: "plain" });
    expect(() => acknowledgeRule(queue, "ENC-2", reason)).toThrow(/acknowledgeRule\(rules-test\/queue, "ENC-2"\): a reason is required/);
  });

  test("an unknown rule throws", () => {
    const stack = minimalStack();
    const queue = new SqsQueue(stack, "queue", { name: "plain" });
    expect(() => acknowledgeRule(queue, "ENC-99", "a perfectly good reason")).toThrow(/no rule "ENC-99" in the rule pack/);
  });

  test("metadata written without a reason (bypassing acknowledgeRule) is an error, and acknowledges nothing", () => {
    const stack = minimalStack();
    const queue = new SqsQueue(stack, "queue", { name: "plain" });
    queue.node.addMetadata(ACKNOWLEDGEMENT_METADATA, { ruleId: "ENC-2" });
    const result = report(stack);
    expect(result.findings.map((f) => [f.rule.id, f.acknowledged])).toEqual([["ENC-2", undefined]]);
    expect(result.acknowledgementProblems).toEqual([{ level: "error", path: "rules-test/queue", message: expect.stringContaining("has no reason") }]);
  });

  test("an acknowledgement on a parent construct covers the resources below it, for that rule only", () => {
    const stack = minimalStack();
    const samples = new Construct(stack, "samples");
    new SqsQueue(samples, "queue", { name: "plain" });
    new SnsTopic(samples, "topic", { name: "plain" });
    acknowledgeRule(samples, "ENC-2", "sample data only, see the README");
    const findings = report(stack).findings.map((f) => [f.rule.id, f.acknowledged]);
    expect(findings).toHaveLength(2);
    expect(findings).toEqual(
      expect.arrayContaining([
        ["ENC-1", undefined],
        ["ENC-2", "sample data only, see the README"],
      ]),
    );
  });

  test("an acknowledgement that matches nothing is reported, so stale ones get removed", () => {
    const stack = minimalStack();
    const queue = new SqsQueue(stack, "queue", { name: "encrypted", sqsManagedSseEnabled: true });
    acknowledgeRule(queue, "ENC-2", "left over from before SSE-SQS");
    expect(report(stack).acknowledgementProblems).toEqual([
      { level: "warning", path: "rules-test/queue", message: expect.stringContaining("acknowledgement of ENC-2 matches no non-compliant resource") },
    ]);
  });
});

describe("the table", () => {
  test("rule IDs are unique, each rule has an explanation and applies to at least one type", () => {
    expect(new Set(RULES.map((rule) => rule.id)).size).toBe(RULES.length);
    for (const rule of RULES) {
      expect({ id: rule.id, explained: rule.explanation.length > 20, types: rule.appliesTo.length > 0 }).toEqual({ id: rule.id, explained: true, types: true });
    }
  });

  test("every rule N has a 'Noncompliance N' and a 'Compliance N' test", () => {
    const directory = __dirname;
    const text = readdirSync(directory)
      .filter((file) => file.endsWith(".test.ts"))
      .map((file) => readFileSync(join(directory, file), "utf8"))
      .join("\n");
    RULES.forEach((rule, index) => {
      const n = index + 1;
      expect({ rule: rule.id, noncompliance: text.includes(`"Noncompliance ${n}:`), compliance: text.includes(`"Compliance ${n}:`) }).toEqual({
        rule: rule.id,
        noncompliance: true,
        compliance: true,
      });
    });
  });
});
