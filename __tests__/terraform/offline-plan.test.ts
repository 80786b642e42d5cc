/**
 * The terraform tier: every stack of every configuration through the real Terraform (hashicorp/aws
 * 5.100.0), offline, at one schema-loading command per stack (`terraform test` in plan mode, which
 * validates, plans and prints the plan), with assertions on the plan JSON. The default configuration and
 * the ami-loop tracker are also synthesized as HCL and must plan to the same resource_changes. Where `terraform` is not on the
 * PATH the tier is skipped loudly, or fails when CI is set. Without CI it plans the covering stacks and
 * reuses the plans of those unchanged since their last passing plan (PLAN_CACHE below).
 */
import { App } from "cdktf";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, parseConfig } from "../../config";
import { PLAN_CACHE_DIRECTORY } from "../../scripts/plan-tier/offline-plan";
import { listEnvironments, synthesize } from "../../scripts/plan-tier/lib/environments";
import { DEFAULT_CONCURRENCY, listStacks, planTargets, runLimited, type PlanReport, type PlanTarget } from "../../scripts/plan-tier/lib/plan-pool";
import { SCHEMA_FREE_COMMANDS, type ResourceChange, type StackResult } from "../../scripts/plan-tier/lib/plan-result";
import { formatSummary } from "../../scripts/plan-tier/lib/plan-report";
import { planStackDirectory } from "../../scripts/plan-tier/lib/plan-stack";
import { prepareTerraform } from "../../scripts/plan-tier/lib/terraform-context";
import { awsProviderAliases, isObject, type Json, type JsonObject } from "../../scripts/plan-tier/lib/stack-json";
import { stackFormat, STACK_FILES } from "../../scripts/plan-tier/lib/stack-file";
import { SharedProviderPool, type SharedProvider } from "../../scripts/plan-tier/lib/shared-provider";
import { type CoverageCandidate, coveringSelection, stackFeatures, uncovered } from "../../scripts/plan-tier/lib/plan-coverage";
import { findTerraform, terraformTierScope, terraformTierWithoutTerraform } from "../../stacks/terraform-env";
import { GITHUB_COMMENT_LIMIT, changesOf, countByAction, summarize, type PlanDocument } from "../../scripts/pull-requests/plan-summary";
import { PROJECT_ROOT } from "../../stacks/constructs/bundle";
import { code } from "../../scripts/pull-requests/lib/markdown";
import { amiLoopStacks, SHARED_ARN } from "../helpers/ami-loop-stacks";

/** Hand-written stacks in the layout of a synth output: fixtures/stacks/<name>/cdk.tf.json. */
const FIXTURES = join(__dirname, "fixtures");
/** The label (and so the work folder) of the second plan of the same stack folder. */
const ELSEWHERE = "copied/elsewhere";
/** The default configuration synthesized as HCL (cdk.tf). */
const HCL = "hcl/default";
/**
 * The ami-loop tracker synthesized as HCL: its fleet-refresh state machines hold JSON definitions with
 * references, which cdktf's HCL renderer could not write (stacks/constructs/json-string.ts).
 */
const HCL_AMI_LOOP = "hcl/ami-loop";
/** Each HCL label and the JSON label it must plan like. */
const HCL_TWINS = [
  [HCL, "default"],
  [HCL_AMI_LOOP, "ami-loop"],
] as const;
/** The real plans the plan summary is checked on (always planned): a bucket and its protections, the OIDC roles. */
const SUMMARIZED = ["default/state-bootstrap", "hcp-example/ci-access"];
/** The label of the test stacks holding every AMI-loop construct (__tests__/helpers/ami-loop-stacks.ts), always planned. */
const AMI_LOOP_CONSTRUCTS = "ami-loop-constructs";
/** Fixture stacks whose failure is what they show. */
const FAILING_FIXTURES = ["broken-runtime", "plan-time-data"];
const CONCURRENCY = DEFAULT_CONCURRENCY;
/** Every stack of every environment where CI is set; elsewhere the stacks that cover every resource type and argument. */
const SCOPE = terraformTierScope(process.env);
/**
 * Without CI, a stack unchanged since its last passing plan here gets that plan back (scripts/plan-tier/lib/plan-cache.ts);
 * the fixtures and the copied stack are always planned, so every run runs terraform and the shared provider.
 * With CI set, every stack is planned afresh.
 */
const PLAN_CACHE = SCOPE === "covering" ? PLAN_CACHE_DIRECTORY : undefined;
// A bound on a hang, not a speed check: on 2 cores shared by eight engineers a stack took up to 140 s.
const TIER_TIMEOUT_MS = 45 * 60 * 1000;

/** A configuration no environment file has: several tracked regions, a templated parameter name, another home region. */
const MULTI_REGION = parseConfig(
  {
    project: "offline",
    region: "eu-west-1",
    tags: { CostCenter: "offline-plan" },
    amiTracker: {
      parameterName: "/ec2-imagebuilder/{pipeline}/latest",
      trackedRegions: ["eu-west-1", "us-east-1", "ap-southeast-2"],
      reservedConcurrency: 2,
      logRetentionDays: 90,
    },
  },
  "multi-region",
);

/** Resource types a stack must create, by stack name; a stack not listed must create every resource it declares (checked for all). */
const EXPECTED_TYPES: Readonly<Record<string, readonly string[]>> = {
  "ami-tracker": [
    "aws_kms_key",
    "aws_kms_alias",
    "aws_kms_key_policy",
    "aws_sns_topic",
    "aws_sns_topic_policy",
    "aws_sns_topic_subscription",
    "aws_sqs_queue",
    "aws_sqs_queue_policy",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_cloudwatch_log_group",
    "aws_lambda_function",
    "aws_lambda_function_event_invoke_config",
    "aws_lambda_permission",
  ],
};

const terraform = findTerraform();
const withoutTerraform = terraform === undefined ? terraformTierWithoutTerraform(process.env) : undefined;
if (withoutTerraform === "skip") {
  const bar = "!".repeat(100);
  console.warn(
    `${bar}\n!!! TERRAFORM TIER SKIPPED: \`terraform\` is not on the PATH.\n` +
      `!!! No stack was validated or planned. Install Terraform 1.11 (and the hashicorp/aws 5.100.0 provider or registry access)\n` +
      `!!! to run it; CI has it and runs it (with CI set, a missing terraform fails this tier).\n${bar}`,
  );
}
// Without terraform in CI, the failing test above says so; terraformTier would throw before it could.
const describeTier = terraform !== undefined ? describe : describe.skip;

if (withoutTerraform === "fail") {
  describe("the terraform tier in CI", () => {
    it("has terraform on the PATH", () => {
      throw new Error("CI is set and `terraform` is not on the PATH: the terraform tier cannot run, and CI must not pass without it. Install Terraform 1.11.");
    });
  });
}

/**
 * A `terraform` on a PATH of its own that logs each call's folder and subcommand, then runs the real
 * one: the count of provider loads per stack is read from outside the script.
 */
function countingTerraform(folder: string, real: string): { binary: string; log: string } {
  mkdirSync(folder, { recursive: true });
  const log = join(folder, "calls.log");
  const binary = join(folder, "terraform");
  writeFileSync(binary, `#!/bin/sh\nprintf '%s\\t%s\\n' "$PWD" "$1" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(binary, 0o755);
  writeFileSync(log, "");
  return { binary, log };
}

/** Every string in a JSON value, with where it sits. */
function strings(value: Json | undefined, path: string, out: { path: string; value: string }[] = []): { path: string; value: string }[] {
  if (typeof value === "string") out.push({ path, value });
  else if (Array.isArray(value)) value.forEach((item, index) => strings(item, `${path}[${index}]`, out));
  else if (isObject(value)) for (const [key, item] of Object.entries(value)) strings(item, `${path}.${key}`, out);
  return out;
}

/** Addresses (type.name) of the managed resources a synthesized stack declares. */
function declaredResources(stackFile: string): string[] {
  const json = JSON.parse(readFileSync(stackFile, "utf8")) as Json;
  const resources = isObject(json) ? json["resource"] : undefined;
  if (!isObject(resources)) return [];
  return Object.entries(resources).flatMap(([type, blocks]) => (isObject(blocks) ? Object.keys(blocks).map((name) => `${type}.${name}`) : []));
}

function managed(result: StackResult): readonly ResourceChange[] {
  return (result.plan?.resource_changes ?? []).filter((change) => change.mode === "managed");
}

describeTier("offline terraform plan of every synthesized stack", () => {
  let root = "";
  let targets: PlanTarget[] = [];
  let report: PlanReport | undefined;
  let callLog = "";
  /** Every stack of every configuration, with what it gives the provider to check: planned or not. */
  let candidates: CoverageCandidate[] = [];
  /** Stacks of the configurations with more than one aws provider configuration (a provider alias per region). */
  const aliasedStacks = new Set<string>();

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "terraform-tier-")));
    // Every environment file, so stacks others add (and their configurations) are planned too.
    targets = listEnvironments().map((environment) => ({
      label: environment,
      outdir: synthesize(loadConfig(environment), join(root, "synth", environment)),
    }));
    targets.push({ label: MULTI_REGION.environment, outdir: synthesize(MULTI_REGION, join(root, "synth", MULTI_REGION.environment)) });
    const constructsOutdir = join(root, "synth", AMI_LOOP_CONSTRUCTS);
    const constructsApp = new App({ outdir: constructsOutdir });
    amiLoopStacks(constructsApp);
    constructsApp.synth();
    targets.push({ label: AMI_LOOP_CONSTRUCTS, outdir: constructsOutdir });
    const defaults = targets.find((target) => target.label === "default");
    if (!defaults) throw new Error("config/environments/default.json is missing");
    candidates = targets.flatMap((target) =>
      listStacks(target.outdir).map((stack) => {
        const id = `${target.label ?? ""}/${stack}`;
        const json = JSON.parse(readFileSync(join(target.outdir, "stacks", stack, "cdk.tf.json"), "utf8")) as JsonObject;
        if (awsProviderAliases(json).length > 1) aliasedStacks.add(id);
        return { id, features: stackFeatures(json) };
      }),
    );
    if (SCOPE === "covering") {
      // Always planned: the default configuration (compared with its HCL and its copy), the ami-loop tracker
      // (compared with its HCL), the multi-region tracker,
      // the AMI-loop construct stacks and the summarized stacks.
      const required = candidates.filter(
        (candidate) =>
          candidate.id.startsWith("default/") ||
          candidate.id === "ami-loop/ami-tracker" ||
          candidate.id.startsWith(`${AMI_LOOP_CONSTRUCTS}/`) ||
          candidate.id === `${MULTI_REGION.environment}/ami-tracker` ||
          SUMMARIZED.includes(candidate.id),
      );
      const selected = new Set(
        coveringSelection(
          candidates,
          required.map((candidate) => candidate.id),
        ),
      );
      const skipped = candidates.filter((candidate) => !selected.has(candidate.id)).map((candidate) => candidate.id);
      console.log(
        `terraform tier without CI: ${selected.size} of ${candidates.length} stacks cover every resource type and argument; not planned: ${skipped.join(", ")} (CI=true plans every stack)`,
      );
      targets = targets
        .map((target) => ({ ...target, stacks: listStacks(target.outdir).filter((stack) => selected.has(`${target.label ?? ""}/${stack}`)) }))
        .filter((target) => target.stacks.length > 0);
    }
    // One pool for everything: the same tracker folder planned from a second place, and the fixture stacks.
    const hcl = synthesize(loadConfig("default"), join(root, "synth", HCL), "hcl");
    const all: PlanTarget[] = [
      ...targets,
      { label: HCL, outdir: hcl },
      { label: HCL_AMI_LOOP, outdir: synthesize(loadConfig("ami-loop"), join(root, "synth", HCL_AMI_LOOP), "hcl"), stacks: ["ami-tracker"] },
      { label: ELSEWHERE, outdir: defaults.outdir, stacks: ["ami-tracker"], cache: false },
      { label: "fixture", outdir: FIXTURES, expectedToFail: FAILING_FIXTURES, cache: false },
    ];
    const counting = countingTerraform(join(root, "bin"), terraform ?? "terraform");
    callLog = counting.log;
    report = await planTargets(all, {
      workRoot: join(root, "plan"),
      concurrency: CONCURRENCY,
      terraform: counting.binary,
      onProgress: (line) => console.log(line),
      ...(PLAN_CACHE !== undefined ? { cacheDirectory: PLAN_CACHE } : {}),
    });
  }, TIER_TIMEOUT_MS);

  afterAll(() => {
    if (report) {
      const reused = report.results.filter((result) => result.cachedFrom !== undefined).length;
      const cacheLine =
        PLAN_CACHE === undefined
          ? "CI is set: every plan made afresh"
          : `${reused} of ${report.results.length} plans reused from .build/plan-cache/ (unchanged since their last passing plan; CI=true or deleting the folder plans all afresh)`;
      console.log(`offline plan tier (one terraform test -verbose per stack, plan mode); ${cacheLine}\n${formatSummary(report.results)}`);
    }
    if (root !== "") rmSync(root, { recursive: true, force: true });
  });

  const all = (): readonly StackResult[] => {
    if (!report) throw new Error("the plans did not run (see beforeAll)");
    return report.results;
  };
  /** The app's stacks, one per configuration (not the fixtures, not the second copy). */
  const results = (): readonly StackResult[] => all().filter((result) => targets.some((target) => result.id.startsWith(`${target.label ?? ""}/`)));
  const fixture = (name: string): StackResult => {
    const result = all().find((candidate) => candidate.id === `fixture/${name}`);
    if (!result) throw new Error(`fixture ${name} was not planned`);
    return result;
  };

  it(`plans every resource type and argument of every configuration's stacks (${SCOPE === "every stack" ? "every stack: CI is set" : "the stacks that cover them"})`, () => {
    const planned = results()
      .filter((result) => result.ok)
      .map((result) => result.id);
    expect(uncovered(candidates, planned)).toEqual([]);
    if (SCOPE === "every stack") expect(planned.sort()).toEqual(candidates.map((candidate) => candidate.id).sort());
    // The features are what the provider is given: every type of every stack is among them.
    expect(candidates.every((candidate) => [...candidate.features].some((feature) => feature.startsWith("resource.")))).toBe(true);
  });

  it("plans the default configuration and at least one other", () => {
    const labels = new Set(results().map((result) => result.id.split("/")[0]));
    expect(labels).toContain("default");
    expect(labels).toContain(MULTI_REGION.environment);
    expect(results().length).toBeGreaterThanOrEqual(2);
  });

  it("validates and plans every stack without error", () => {
    const failures = results()
      .filter((result) => !result.ok)
      .map((result) => `${result.id} (${result.failedPhase ?? "?"}):\n${result.error ?? ""}`);
    expect(failures).toEqual([]);
  });

  it("creates every resource each stack declares, and the expected types", () => {
    for (const result of results()) {
      const target = targets.find((candidate) => result.id.startsWith(`${candidate.label ?? ""}/`));
      if (!target) throw new Error(`no target for ${result.id}`);
      const created = new Set(
        managed(result)
          .filter((change) => change.change.actions.join() === "create")
          .map((change) => change.address.replace(/\[.*\]$/, "")),
      );
      const declared = declaredResources(join(target.outdir, "stacks", result.stack, "cdk.tf.json"));
      expect({ stack: result.id, missing: declared.filter((address) => !created.has(address)) }).toEqual({ stack: result.id, missing: [] });
      expect(result.toAdd).toBeGreaterThan(0);
      const types = new Set(managed(result).map((change) => change.type));
      for (const type of EXPECTED_TYPES[result.stack] ?? [])
        expect({ stack: result.id, type, planned: types.has(type) }).toEqual({ stack: result.id, type, planned: true });
    }
  });

  it("deletes, replaces and updates nothing", () => {
    for (const result of results()) {
      const other = managed(result)
        .filter((change) => change.change.actions.join() !== "create")
        .map((change) => `${change.address}: ${change.change.actions.join("+")}`);
      expect({ stack: result.id, other }).toEqual({ stack: result.id, other: [] });
      expect(result.toDestroy + result.toReplace + result.toChange).toBe(0);
    }
  });

  it("plans the tracker's Lambda with the zip's own hash and a relative file name", () => {
    for (const result of results().filter((candidate) => candidate.stack === "ami-tracker")) {
      const fn = managed(result).find((change) => change.type === "aws_lambda_function");
      const after = fn?.change.after;
      if (!isObject(after)) throw new Error(`${result.id}: no aws_lambda_function planned`);
      expect(after["runtime"]).toBe("nodejs22.x");
      expect(after["filename"]).toMatch(/^\.\/build\/[a-z0-9-]+\.zip$/);
      if (result.archiveStandIns.length > 0) {
        expect(after["source_code_hash"]).toBe(result.archiveStandIns[0]?.outputBase64sha256);
      }
    }
  });

  it("plans the multi-region configuration's tracked regions and home region", () => {
    const tracker = results().find((result) => result.id === `${MULTI_REGION.environment}/ami-tracker`);
    if (!tracker) throw new Error("the multi-region tracker stack was not planned");
    const fn = managed(tracker).find((change) => change.type === "aws_lambda_function")?.change.after;
    expect(JSON.stringify(fn)).toContain(`"TRACKED_REGIONS":"${MULTI_REGION.amiTracker.trackedRegions.join(",")}"`);
    expect(JSON.stringify(fn)).toContain(`"reserved_concurrent_executions":2`);
  });

  it("plans no value that holds an absolute path of this machine", () => {
    const forbidden = [root, realpathSync(tmpdir()), PROJECT_ROOT, realpathSync(PROJECT_ROOT), homedir()].filter((path) => path.length > 1);
    for (const result of [...results(), ...all().filter((candidate) => HCL_TWINS.some(([label]) => candidate.id.startsWith(`${label}/`)))]) {
      // `terraform test` prints no planned_values: they are the `after` of each resource change and the
      // outputs' `after`, both read here, so the same values are checked as with `terraform show -json`.
      const plan = result.plan;
      const values: Json = plan ? [plan.planned_values ?? null, plan.output_changes ?? null, ...managed(result).map((change) => change.change.after)] : null;
      const leaks = strings(values, result.id).filter(({ value }) => forbidden.some((path) => value.includes(path)));
      expect(leaks).toEqual([]);
    }
  });

  it("plans a stack folder copied elsewhere the same (afresh, whether or not the original's plan was reused)", () => {
    const first = all().find((result) => result.id === "default/ami-tracker");
    const moved = all().find((result) => result.id === `${ELSEWHERE}/ami-tracker`);
    if (!first || !moved) throw new Error("default/ami-tracker was not planned twice");
    expect(moved.workDirectory).not.toBe(first.workDirectory);
    expect(moved.ok).toBe(true);
    expect(moved.plan?.resource_changes).toEqual(first.plan?.resource_changes);
  });

  describe("fixture stacks", () => {
    it("fails a broken resource argument with Terraform's own message", () => {
      const result = fixture("broken-runtime");
      expect(result.ok).toBe(false);
      // The provider's validation of arguments runs inside the one command; its message, file and line are kept.
      expect(result.failedPhase).toBe("plan");
      expect(result.error).toMatch(/Error: expected runtime to be one of \[.*"nodejs22\.x"\], got nodejs24\.x/);
      expect(result.error).toMatch(/on cdk\.tf\.json line \d+, in resource\.aws_lambda_function\.fn/);
    });

    it("fails the whole report when one stack fails", () => {
      expect(report?.ok).toBe(false);
    });

    it("labels fixtures that fail on purpose as expected, never as FAILED", () => {
      const expected = all().filter((result) => result.expectedToFail);
      expect(expected.map((result) => result.id).sort()).toEqual(FAILING_FIXTURES.map((name) => `fixture/${name}`));
      expect(expected.every((result) => !result.ok)).toBe(true);
      const summary = formatSummary(all());
      for (const name of FAILING_FIXTURES) expect(summary).toMatch(new RegExp(`fixture/${name} .*failed as expected`));
      expect(summary).not.toContain("FAILED");
    });

    it("gives each aliased aws provider its own dummy credentials, and swaps an S3 backend for local state", () => {
      const result = fixture("aliased-providers");
      expect(result.error).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(
        managed(result)
          .map((change) => change.address)
          .sort(),
      ).toEqual(["aws_sns_topic.east", "aws_sns_topic.west"]);
    });

    it("refuses data sources that need AWS at plan time, naming each and why", () => {
      const result = fixture("plan-time-data");
      expect(result.ok).toBe(false);
      expect(result.failedPhase).toBe("refuse");
      expect(result.error).toMatch(/data\.aws_caller_identity\.current: calls STS GetCallerIdentity/);
      expect(result.error).toMatch(/data\.aws_ssm_parameter\.ami: reads the parameter from SSM/);
    });
  });

  it("runs one schema-loading terraform command per stack (init aside), counted by a wrapper on the PATH", () => {
    const calls = new Map<string, string[]>();
    for (const line of readFileSync(callLog, "utf8")
      .split("\n")
      .filter((entry) => entry !== "")) {
      const [folder = "", command = ""] = line.split("\t");
      calls.set(folder, [...(calls.get(folder) ?? []), command]);
    }
    const ranTerraform = all().filter((result) => result.failedPhase !== "refuse" && result.cachedFrom === undefined);
    expect(ranTerraform.length).toBeGreaterThan(0);
    // A reused plan ran no terraform in this run; with CI set none is reused.
    const reused = all().filter((result) => result.cachedFrom !== undefined);
    if (PLAN_CACHE === undefined) expect(reused).toEqual([]);
    for (const result of reused) expect({ stack: result.id, commands: calls.get(result.workDirectory) ?? [] }).toEqual({ stack: result.id, commands: [] });
    for (const result of ranTerraform) {
      const seen = calls.get(result.workDirectory) ?? [];
      const loads = seen.filter((command) => !SCHEMA_FREE_COMMANDS.has(command));
      // The first stack of a set of required providers runs `init` for all of them (shared-init.ts).
      const commands = seen[0] === "init" ? ["init", "test"] : ["test"];
      expect({ stack: result.id, commands: seen, loads: loads.length }).toEqual({ stack: result.id, commands, loads: 1 });
      expect(result.terraformCommands).toEqual(seen);
    }
    // JSON stacks that require the same providers share one `init` (shared-init.ts; HCL stacks run their own).
    const initialized = ranTerraform.filter((result) => result.terraformCommands.includes("init"));
    expect(initialized.length).toBeLessThan(ranTerraform.length);
    // A refused stack never starts terraform.
    expect(calls.has(fixture("plan-time-data").workDirectory)).toBe(false);
  });

  it.each(HCL_TWINS)("plans every stack of %s as the JSON of %s: same resource_changes, no warning", (label, twin) => {
    const outputsDecoded: string[] = [];
    const fromHcl = all().filter((result) => result.id.startsWith(`${label}/`));
    const fromJson = results().filter((result) => result.id.startsWith(`${twin}/`) && fromHcl.some((hcl) => hcl.stack === result.stack));
    expect(fromHcl.map((result) => result.stack)).toEqual(fromJson.map((result) => result.stack));
    expect(fromHcl.length).toBeGreaterThan(0);
    for (const hcl of fromHcl) {
      const json = fromJson.find((result) => result.stack === hcl.stack);
      expect({ stack: hcl.id, format: hcl.format, ok: hcl.ok, warnings: hcl.warnings, error: hcl.error }).toEqual({
        stack: hcl.id,
        format: "hcl",
        ok: true,
        warnings: [],
        error: undefined,
      });
      expect(json?.format).toBe("json");
      // Addresses, actions and every planned value.
      expect(hcl.plan?.resource_changes).toEqual(json?.plan?.resource_changes);
      // Outputs: cdktf 0.21's HCL renderer writes a string that holds JSON as the HCL object itself, so such an
      // output would be a JSON string from cdk.tf.json and the decoded object from cdk.tf (docs/longevity.md);
      // the stacks write them as jsonencode(...), and none may differ.
      const hclOutputs = (isObject(hcl.plan?.output_changes) ? hcl.plan?.output_changes : {}) as Record<string, { after?: Json }>;
      const jsonOutputs = (isObject(json?.plan?.output_changes) ? json?.plan?.output_changes : {}) as Record<string, { after?: Json }>;
      expect(Object.keys(hclOutputs).sort()).toEqual(Object.keys(jsonOutputs).sort());
      for (const [name, change] of Object.entries(jsonOutputs)) {
        const other = hclOutputs[name];
        if (JSON.stringify(other) === JSON.stringify(change)) continue;
        const { after: hclAfter, ...hclRest } = other ?? {};
        const { after: jsonAfter, ...jsonRest } = change;
        expect(hclRest).toEqual(jsonRest);
        expect(typeof jsonAfter).toBe("string");
        expect(hclAfter).toEqual(JSON.parse(String(jsonAfter)));
        outputsDecoded.push(`${hcl.stack}.${name}`);
      }
    }
    expect(outputsDecoded).toEqual([]);
    expect(stackFormat(join(root, "synth", label, "stacks", "ami-tracker"))).toBe("hcl");
    expect(STACK_FILES.hcl).toBe("cdk.tf");
  });

  it("plans every stack with one aws provider configuration through a running provider, one process per worker", () => {
    const pids = report?.sharedProviderPids ?? [];
    // No provider exited, so none was started again: one per worker at most.
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.length).toBeLessThanOrEqual(CONCURRENCY);
    const planned = all().filter(
      (result) =>
        result.failedPhase !== "refuse" && result.cachedFrom === undefined && result.id !== "fixture/aliased-providers" && !aliasedStacks.has(result.id),
    );
    // The copied stack is never reused, so at least it went through a running provider in this run.
    expect(planned.map((result) => result.id)).toContain(`${ELSEWHERE}/ami-tracker`);
    for (const result of planned) expect({ stack: result.id, pid: pids.includes(result.sharedProviderPid ?? -1) }).toEqual({ stack: result.id, pid: true });
    // Two aws provider configurations would share one configured client in one process: terraform starts its own.
    expect(fixture("aliased-providers").sharedProviderPid).toBeUndefined();
    for (const result of all().filter((candidate) => aliasedStacks.has(candidate.id))) {
      expect({ stack: result.id, sharedProviderPid: result.sharedProviderPid }).toEqual({ stack: result.id, sharedProviderPid: undefined });
    }
  });

  it("fails a stack loudly, naming the provider process, when its shared provider dies", async () => {
    // Prepare: a pool whose provider is killed as soon as it is handed out.
    class DyingPool extends SharedProviderPool {
      override async acquire(slot: number, binary: string): Promise<SharedProvider> {
        const provider = await super.acquire(slot, binary);
        process.kill(provider.pid, "SIGKILL");
        while (provider.exited() === undefined) await new Promise((resolvePromise) => setTimeout(resolvePromise, 20));
        return provider;
      }
    }
    const work = join(root, "dying");
    mkdirSync(work, { recursive: true });
    const prepared = prepareTerraform(work, "auto", terraform);
    const pool = new DyingPool(prepared.env);
    const defaults = targets.find((target) => target.label === "default");
    if (!defaults) throw new Error("no default target");
    try {
      // Act
      const result = await planStackDirectory(join(defaults.outdir, "stacks", "state-bootstrap"), join(work, "state-bootstrap"), {
        ...prepared,
        sharedProviders: pool,
      });
      // Assess
      expect(result.ok).toBe(false);
      expect(result.failedPhase).toBe("plan");
      expect(result.error).toMatch(/the shared aws provider process \(.*terraform-provider-aws.* -debug, pid \d+\) was stopped by SIGKILL/);
    } finally {
      await pool.stopAll();
    }
  });

  it("ran with at most the configured number of terraform processes at once", async () => {
    // runLimited is the pool the plans use: check its bound on a cheap job.
    let running = 0;
    let peak = 0;
    await runLimited([1, 2, 3, 4, 5], CONCURRENCY, async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 5));
      running--;
    });
    expect(peak).toBe(CONCURRENCY);
  });

  describe("plan summary of the real plans (terraform test's plan JSON)", () => {
    const plan = (id: string): PlanDocument => {
      const result = all().find((candidate) => candidate.id === id);
      if (result === undefined || !result.ok || result.plan === undefined) {
        throw new Error(`${id} was not planned: ${result?.failedPhase ?? "missing"} ${result?.error ?? ""}`);
      }
      return result.plan;
    };

    test.each(SUMMARIZED)("%s: a create-only plan is counted exactly, with no warning", (id) => {
      const document = plan(id);
      const changes = (document.resource_changes ?? []).filter((change) => change.mode === "managed");
      const counts = countByAction(changesOf(document));
      expect(counts).toEqual({ create: changes.length, update: 0, replace: 0, delete: 0, "no-op": 0, read: 0 });
      expect(counts.create).toBeGreaterThan(0);

      const stack = id.split("/")[1] ?? id;
      const text = summarize([{ stack, plan: document }], { marker: `<!-- plan:${stack} -->` });
      expect(text.startsWith(`<!-- plan:${stack} -->\n### Plan: \`${stack}\``)).toBe(true);
      expect(text).toContain(
        `**${changes.length} to create, 0 to update, 0 to replace, 0 to delete**, 0 unchanged (Terraform ${document.terraform_version ?? ""})`,
      );
      expect(text).not.toMatch(/\[!(WARNING|CAUTION)\]/);
      // Each address once, as the comment writes it: in a <details> summary (HTML) or on a line of its own (a code span).
      for (const change of changes)
        expect([change.address, text.includes(code(change.address, { html: true })) || text.includes(code(change.address))]).toEqual([change.address, true]);
      expect(text.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    });

    test("the state bucket and its protections are in the real plan", () => {
      const types = (plan("default/state-bootstrap").resource_changes ?? [])
        .filter((change) => change.mode === "managed")
        .map((change) => change.type)
        .sort();
      expect(types).toEqual([
        "aws_s3_bucket",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_versioning",
      ]);
    });

    test("the ci-access plan creates both OIDC providers and both roles", () => {
      const types = (plan("hcp-example/ci-access").resource_changes ?? []).filter((change) => change.mode === "managed").map((change) => change.type);
      expect(types.filter((type) => type === "aws_iam_openid_connect_provider")).toHaveLength(2);
      expect(types.filter((type) => type === "aws_iam_role")).toHaveLength(2);
      expect(types).toContain("aws_iam_role_policy_attachment");
    });
  });

  describe("the AMI-loop constructs (fleet refresh, rejection alarm, RAM share, consumer launch template, lifecycle policy)", () => {
    const planned = (stack: string, type: string): Record<string, Json>[] => {
      const result = all().find((candidate) => candidate.id === `${AMI_LOOP_CONSTRUCTS}/${stack}`);
      if (!result) throw new Error(`${AMI_LOOP_CONSTRUCTS}/${stack} was not planned`);
      return managed(result)
        .filter((change) => change.type === type)
        .map((change) => change.change.after as Record<string, Json>);
    };

    it("plans both test stacks (the generic checks above create every resource they declare)", () => {
      const ids = results()
        .filter((result) => result.id.startsWith(`${AMI_LOOP_CONSTRUCTS}/`))
        .map((result) => `${result.id}: ${result.ok ? "ok" : (result.error ?? "failed")}`);
      expect(ids).toEqual([`${AMI_LOOP_CONSTRUCTS}/ami-loop-consumer: ok`, `${AMI_LOOP_CONSTRUCTS}/ami-loop-owner: ok`]);
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
});
