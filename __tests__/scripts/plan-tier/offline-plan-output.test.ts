import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTestOutput, SCHEMA_FREE_COMMANDS, type StackResult } from "../../../scripts/plan-tier/lib/plan-result";
import { failureLabel, formatSummary } from "../../../scripts/plan-tier/lib/plan-report";
import { readStackFile, stackFormat, standInArchivesHcl } from "../../../scripts/plan-tier/lib/stack-file";
import { terraformTierWithoutTerraform } from "../../../stacks/terraform-env";

function result(id: string, ok: boolean, expectedToFail = false): StackResult {
  return {
    id,
    stack: id,
    ok,
    expectedToFail,
    format: "json",
    terraformCommands: ["init", "test"],
    ...(ok ? {} : { failedPhase: "plan" as const, error: "Error: x" }),
    toAdd: ok ? 3 : 0,
    toChange: 0,
    toDestroy: 0,
    toReplace: 0,
    warnings: [],
    archiveStandIns: [],
    sfnStandIn: false,
    seconds: 1,
    phaseSeconds: {},
    workDirectory: `/work/${id}`,
  };
}

/** Lines as `terraform test -json -verbose` streams them (trimmed to the fields read). */
const line = (entry: object): string => JSON.stringify({ "@level": "info", ...entry });

describe("reading `terraform test -json -verbose`", () => {
  it("takes the plan of the run, without the provider schemas that ride along", () => {
    // Prepare
    const stdout = [
      line({ type: "version", terraform: "1.11.4" }),
      line({
        type: "test_plan",
        test_plan: {
          plan_format_version: "1.2",
          resource_changes: [{ address: "aws_sns_topic.a", change: { actions: ["create"] } }],
          provider_schemas: { huge: true },
        },
      }),
      line({ type: "test_summary", test_summary: { status: "pass" } }),
    ].join("\n");
    // Act
    const output = readTestOutput(stdout);
    // Assess
    expect(output.errors).toEqual([]);
    expect(output.plan?.resource_changes?.map((change) => change.address)).toEqual(["aws_sns_topic.a"]);
    expect(output.plan).not.toHaveProperty("provider_schemas");
    // Named as in `terraform show -json`, which plan:summary expects.
    expect(output.plan).toMatchObject({ format_version: "1.2", terraform_version: "1.11.4" });
  });

  it("turns an error diagnostic into Terraform's human text with file, line and block, and keeps warning summaries", () => {
    const stdout = [
      line({
        type: "diagnostic",
        diagnostic: {
          severity: "error",
          summary: "expected runtime to be one of [...], got nodejs24.x",
          detail: "",
          range: { filename: "cdk.tf.json", start: { line: 20, column: 20 } },
          snippet: { context: "resource.aws_lambda_function.fn", code: '        "runtime": "nodejs24.x",' },
        },
      }),
      line({ type: "diagnostic", diagnostic: { severity: "warning", summary: "Quoted references are deprecated " } }),
      "not json",
    ].join("\n");
    const output = readTestOutput(stdout);
    expect(output.plan).toBeUndefined();
    expect(output.errors).toEqual([
      'Error: expected runtime to be one of [...], got nodejs24.x\n\n  on cdk.tf.json line 20, in resource.aws_lambda_function.fn:\n  20: "runtime": "nodejs24.x",',
    ]);
    expect(output.warnings).toEqual(["Quoted references are deprecated"]);
  });

  it("counts only init, version and fmt as commands that load no provider schema", () => {
    expect([...SCHEMA_FREE_COMMANDS].sort()).toEqual(["fmt", "init", "version"]);
    for (const command of ["validate", "plan", "show", "test", "apply"]) expect(SCHEMA_FREE_COMMANDS.has(command)).toBe(false);
  });
});

describe("failures meant to happen", () => {
  it("are labelled 'failed as expected' in the summary, and real ones FAILED", () => {
    const summary = formatSummary([result("default/ami-tracker", true), result("fixture/broken-runtime", false, true), result("default/api", false)]);
    expect(summary).toMatch(/fixture\/broken-runtime .*failed as expected \(plan\)/);
    expect(summary).toMatch(/default\/api .*FAILED \(plan\)/);
    expect(summary.match(/FAILED/g)).toHaveLength(1);
    expect(failureLabel({ ok: false, expectedToFail: true })).toBe("failed as expected");
  });
});

describe("the terraform tier without terraform", () => {
  it.each([
    [{}, "skip"],
    [{ CI: "" }, "skip"],
    [{ CI: "false" }, "skip"],
    [{ CI: "0" }, "skip"],
    [{ CI: "true" }, "fail"],
    [{ CI: "1" }, "fail"],
  ] as const)("with %j it is to %s", (env, expected) => {
    expect(terraformTierWithoutTerraform(env)).toBe(expected);
  });
});

describe("HCL stack folders", () => {
  let folder = "";
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), "stack-file-"));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  const HCL = `terraform {
  required_providers {
    aws = {
      version = "5.100.0"
      source  = "aws"
    }
    archive = {
      version = "2.7.1"
      source  = "hashicorp/archive"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}
provider "archive" {
}
data "aws_caller_identity" "current" {
}
data "archive_file" "zip_1" {
  output_path = "\${path.module}/build/fn.zip"
  source_dir  = "\${path.module}/assets/fn"
  type        = "zip"
}
resource "aws_lambda_function" "fn" {
  filename         = data.archive_file.zip_1.output_path
  source_code_hash = "\${data.archive_file.zip_1.output_base64sha256}"
  depends_on = [
    data.archive_file.zip_1,
  ]
}
`;

  it("reads cdk.tf into Terraform JSON's shape, so the same checks apply", async () => {
    writeFileSync(join(folder, "cdk.tf"), HCL);
    const stack = await readStackFile(folder);
    expect(stack.format).toBe("hcl");
    expect(stack.json["data"]).toMatchObject({ aws_caller_identity: { current: {} }, archive_file: { zip_1: { type: "zip" } } });
    expect(Object.keys((stack.json["resource"] as Record<string, object>)["aws_lambda_function"] ?? {})).toEqual(["fn"]);
    // hcl2json loads a WebAssembly build of HCL on first use: seconds on a busy machine.
  }, 60_000);

  it("refuses a folder holding both cdk.tf.json and cdk.tf, naming the fix", () => {
    writeFileSync(join(folder, "cdk.tf"), HCL);
    writeFileSync(join(folder, "cdk.tf.json"), "{}");
    expect(() => stackFormat(folder)).toThrow(/both cdk\.tf\.json and cdk\.tf: .*duplicate blocks; synthesize again/);
  });

  it("stands in for archive_file in HCL: the block, the archive provider and its requirement go, references read locals", () => {
    mkdirSync(join(folder, "assets", "fn"), { recursive: true });
    const rewritten = standInArchivesHcl(HCL, ["zip_1"]);
    expect(rewritten).not.toMatch(/data "archive_file"|data\.archive_file|provider "archive"|hashicorp\/archive/);
    expect(rewritten).toContain("filename         = local.archive_file_zip_1.output_path");
    expect(rewritten).toContain('source_code_hash = "${local.archive_file_zip_1.output_base64sha256}"');
    expect(rewritten).toContain('    aws = {\n      version = "5.100.0"');
    expect(rewritten).toMatch(/depends_on = \[\n {2}\]/);
  });
});
