import { parse } from "@cdktf/hcl2json";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { App, TerraformStack, Testing } from "cdktf";
import fc from "fast-check";
import { escapeHclLiterals, escapeHclTemplateLiteral, jsonString } from "../../stacks/constructs/json-string";

type Parsed = { resource: { aws_sfn_state_machine: { machine: { definition: string }[] } } };

/** A stack with one state machine whose definition holds references, quotes, a backslash and a JSONata `{% %}`. */
function machineStack(hclOutput: boolean): TerraformStack {
  // Testing.app() takes no hclOutput; nothing is written unless app.synth() runs.
  const app = new App({ hclOutput });
  const stack = new TerraformStack(app, "stack");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const partition = new DataAwsPartition(stack, "partition");
  const definition = {
    Comment: `Refreshes "${partition.dnsSuffix}" after C:\\path changed`,
    StartAt: "Task",
    States: {
      Task: {
        Type: "Task",
        Resource: `arn:${partition.partition}:states:::aws-sdk:autoscaling:startInstanceRefresh`,
        Arguments: "{% $states.input %}",
        End: true,
      },
    },
  };
  new SfnStateMachine(stack, "machine", { name: "m", roleArn: "arn:aws:iam::123456789012:role/r", definition: jsonString(stack, definition) });
  expect(App.of(stack).hclOutput).toBe(hclOutput);
  return stack;
}

describe("jsonString: a JSON document with references as a string attribute", () => {
  it("writes the same definition string to cdk.tf as to cdk.tf.json (hashicorp/terraform-cdk#3911)", async () => {
    // Prepare: the definition as JSON synthesis writes it (a Terraform JSON template string).
    const json = JSON.parse(Testing.synth(machineStack(false))) as { resource: Parsed["resource"] };
    const fromJson = (json.resource.aws_sfn_state_machine.machine as unknown as { definition: string }).definition;
    // Act
    const hcl = String(Testing.synthHcl(machineStack(true)));
    // Assess: the HCL parses, and its template is the JSON one, references and all.
    const parsed = (await parse("cdk.tf", hcl)) as Parsed;
    expect(parsed.resource.aws_sfn_state_machine.machine[0]?.definition).toBe(fromJson);
    expect(fromJson).toContain('"Comment":"Refreshes \\"${data.aws_partition.partition.dns_suffix}\\" after C:\\\\path changed"');
  }, 60_000);

  it("leaves JSON output exactly JSON.stringify", () => {
    const stack = new TerraformStack(Testing.app(), "plain");
    expect(jsonString(stack, { a: 'say "hi"', b: [1, null] })).toBe(JSON.stringify({ a: 'say "hi"', b: [1, null] }));
  });

  it("escapes only the text between tokens, and keeps every token in order (a repeated one too)", () => {
    const stack = new TerraformStack(Testing.app(), "tokens");
    const partition = new DataAwsPartition(stack, "partition").partition;
    const escaped = escapeHclLiterals(JSON.stringify({ a: partition, b: `"${partition}"` }));
    expect(escaped).toBe(`{\\"a\\":\\"${partition}\\",\\"b\\":\\"\\\\\\"${partition}\\\\\\"\\"}`);
  });

  it("escapes any text so that HCL reads the very text back", async () => {
    // Texts without `${` / `%{` (templates in both formats) and raw newlines (JSON.stringify writes none), in NFC:
    // HCL reads string literals NFC-normalized (fast-check found U+F900 read back as U+8C48).
    const text = fc.string({ unit: "grapheme", maxLength: 40 }).filter((value) => !/[$%]\{|[\r\n]/.test(value) && value === value.normalize("NFC"));
    await fc.assert(
      fc.asyncProperty(text, async (value) => {
        const parsed = (await parse("t.tf", `locals {\n  v = "${escapeHclTemplateLiteral(value)}"\n}\n`)) as { locals: { v: string }[] };
        expect(parsed.locals[0]?.v).toBe(value);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
