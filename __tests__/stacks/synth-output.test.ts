import { parse } from "@cdktf/hcl2json";
import { VERSION_CONSTRAINTS } from "../../stacks/app-stack";
import { heredocsToStrings, restoreTerraformAttributes, unquoteReferences } from "../../stacks/synth-output";

describe("HCL output fixes", () => {
  it("unquotes ignore_changes entries, attribute paths with map keys included", () => {
    const hcl = 'lifecycle {\n  ignore_changes = [\n    "value",\n    "tags[\\"Source\\"]"\n  ]\n}\n';
    expect(unquoteReferences(hcl)).toBe('lifecycle {\n  ignore_changes = [\n    value,\n    tags["Source"]\n  ]\n}\n');
  });

  it("unquotes depends_on entries, and nothing else", () => {
    const hcl = 'resource "a" "b" {\n  name = "aws_x.y"\n  depends_on = [\n    "aws_kms_key_policy.p",\n    "aws_iam_role.r"\n  ]\n}\n';
    expect(unquoteReferences(hcl)).toBe('resource "a" "b" {\n  name = "aws_x.y"\n  depends_on = [\n    aws_kms_key_policy.p,\n    aws_iam_role.r\n  ]\n}\n');
  });

  it("turns cdktf's heredocs into the exact string: no newline added, quotes and backslashes kept", async () => {
    // Prepare: a multi-line value as cdktf 0.21 renders it (the heredoc's value would end with "\n").
    const value = 'phases:\n  - name: build\n    commands: ["echo \\"hi\\"", "C:\\\\tmp"]\n\tindented ${var.x}';
    const rendered = `resource "a" "b" {\ndata = <<EOF\n${value}\nEOF\n}\n`;
    // Act
    const fixed = heredocsToStrings(rendered);
    // Assess: HCL parses the fixed text back to the very string.
    expect(fixed).not.toContain("<<EOF");
    const parsed = (await parse("cdk.tf", fixed)) as { resource: { a: { b: { data: string }[] } } };
    expect(parsed.resource.a.b[0]?.data).toBe(value);
    const heredoc = (await parse("cdk.tf", rendered)) as { resource: { a: { b: { data: string }[] } } };
    expect(heredoc.resource.a.b[0]?.data).toBe(`${value}\n`);
  }, 60_000);

  it("writes back the required_version cdktf's renderer loses, and refuses any other lost attribute", () => {
    // Prepare: the terraform block as cdktf 0.21 renders an override of terraform.required_version.
    const rendered = 'terraform {\nbackend "local" {\npath = "x"\n}\n\n  0 = "required_version"\n}\n';
    // Act + Assess
    expect(restoreTerraformAttributes(rendered)).toBe(
      `terraform {\nbackend "local" {\npath = "x"\n}\n\n  required_version = "${VERSION_CONSTRAINTS.terraform}"\n}\n`,
    );
    expect(() => restoreTerraformAttributes('terraform {\n  0 = "experiments"\n}\n')).toThrow(/lost the terraform block's experiments/);
  });
});
