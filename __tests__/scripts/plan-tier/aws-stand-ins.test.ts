import { checkDefinitionShape, offlineAmiId, startAwsStandIn } from "../../../scripts/plan-tier/lib/aws-stand-ins";
import { planTimeDataSources, providerOverride, readsPublicAmiParameter, type JsonObject } from "../../../scripts/plan-tier/lib/stack-json";

const VALID = JSON.stringify({ StartAt: "Store", States: { Store: { Type: "Pass", End: true } } });

describe("the Step Functions stand-in of the offline plan", () => {
  test.each([
    ["a valid definition", VALID, []],
    ["not JSON", "{StartAt", [/not JSON/]],
    ["no States", JSON.stringify({ StartAt: "A" }), [/no States object/]],
    ["StartAt naming no state", JSON.stringify({ StartAt: "B", States: { A: { Type: "Pass", End: true } } }), [/StartAt "B" does not name a state/]],
    ["a state without a valid Type", JSON.stringify({ StartAt: "A", States: { A: { Type: "Sleep" } } }), [/state "A" has no valid Type \(got "Sleep"\)/]],
  ])("checks the shape: %s", (_what, definition, expected) => {
    const problems = checkDefinitionShape(definition);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((pattern, index) => expect(problems[index]).toMatch(pattern));
  });

  test("answers ValidateStateMachineDefinition as the AWS provider expects, and nothing else", async () => {
    // Prepare
    const standIn = await startAwsStandIn();
    const call = (target: string, definition: string) =>
      fetch(standIn.url, {
        method: "POST",
        headers: { "x-amz-target": target, "content-type": "application/x-amz-json-1.0" },
        body: JSON.stringify({ definition }),
      });
    try {
      // Act
      const ok = await call("AWSStepFunctions.ValidateStateMachineDefinition", VALID);
      const failed = await call("AWSStepFunctions.ValidateStateMachineDefinition", "{}");
      const other = await call("AWSStepFunctions.CreateStateMachine", VALID);
      // Assess
      expect(await ok.json()).toEqual({ result: "OK", diagnostics: [], truncated: false });
      expect(await failed.json()).toMatchObject({ result: "FAIL", diagnostics: [{ severity: "ERROR", code: "OFFLINE_PLAN_SHAPE_CHECK" }] });
      expect(other.status).toBe(400);
      expect(await other.json()).toMatchObject({ __type: "UnknownOperationException" });
      expect(standIn.calls()).toBe(2);
    } finally {
      await standIn.close();
    }
  });
});

describe("the Systems Manager stand-in of the offline plan (public AMI parameters only)", () => {
  const PUBLIC = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

  test("answers GetParameter for a public Amazon Linux parameter with a stable, well-formed AMI ID, and ParameterNotFound for any other name", async () => {
    // Prepare
    const standIn = await startAwsStandIn();
    const get = (name: string) =>
      fetch(standIn.url, {
        method: "POST",
        headers: { "x-amz-target": "AmazonSSM.GetParameter", "content-type": "application/x-amz-json-1.1" },
        body: JSON.stringify({ Name: name, WithDecryption: true }),
      });
    try {
      // Act
      const found = await get(PUBLIC);
      const missing = await get("/ec2-imagebuilder/latest");

      // Assess
      expect(await found.json()).toEqual({
        Parameter: expect.objectContaining({ Name: PUBLIC, Type: "String", Value: offlineAmiId(PUBLIC), Version: 1 }),
      });
      expect(offlineAmiId(PUBLIC)).toMatch(/^ami-[0-9a-f]{17}$/);
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ __type: "ParameterNotFound" });
      expect(standIn.parameterReads()).toBe(2);
      expect(standIn.calls()).toBe(0);
    } finally {
      await standIn.close();
    }
  });

  test("the offline plan lets a public AMI parameter through (and points the provider's ssm endpoint at the stand-in), and still refuses any other", () => {
    // Prepare
    const stack = {
      provider: { aws: [{ region: "us-east-1" }] },
      data: { aws_ssm_parameter: { seed: { name: PUBLIC }, own: { name: "/ec2-imagebuilder/latest" } } },
    };

    // Act
    const refused = planTimeDataSources(stack).map((found) => found.address);
    const override = providerOverride(stack, { ssmEndpoint: "http://127.0.0.1:1" }) as { provider: { aws: { endpoints: unknown }[] } };

    // Assess
    expect(refused).toEqual(["data.aws_ssm_parameter.own"]);
    expect(readsPublicAmiParameter(stack)).toBe(true);
    expect(readsPublicAmiParameter({ data: { aws_ssm_parameter: { own: { name: "/ec2-imagebuilder/latest" } } } })).toBe(false);
    expect(override.provider.aws[0]?.endpoints).toEqual([{ ssm: "http://127.0.0.1:1" }]);
  });

  test("a seed read through an aliased provider (the AMI loop in a second region) gets the stand-in too: its alias gets the endpoints and dummy credentials", () => {
    // Prepare
    const stack: JsonObject = {
      provider: { aws: [{ region: "us-east-1" }, { alias: "eu-west-1", region: "eu-west-1" }] },
      data: { aws_ssm_parameter: { "seed-eu-west-1": { name: PUBLIC, provider: "aws.eu-west-1" } } },
    };

    // Act
    const override = providerOverride(stack, { ssmEndpoint: "http://127.0.0.1:1", sfnEndpoint: "http://127.0.0.1:2" }) as {
      provider: { aws: Record<string, unknown>[] };
    };

    // Assess
    expect(planTimeDataSources(stack)).toEqual([]);
    expect(readsPublicAmiParameter(stack)).toBe(true);
    expect(override.provider.aws.map((provider) => provider["alias"])).toEqual([undefined, "eu-west-1"]);
    for (const provider of override.provider.aws) {
      expect(provider).toMatchObject({ endpoints: [{ sfn: "http://127.0.0.1:2", ssm: "http://127.0.0.1:1" }], skip_region_validation: true });
    }
  });

  test("an environment's accountId (allowed_account_ids) is unset for the dummy credentials, whose account is unknown; without one nothing is added", () => {
    // terraform plan with skip_requesting_account_id and allowed_account_ids fails "AWS account ID not allowed: " (measured with hashicorp/aws 5.100.0).
    const limited: JsonObject = {
      provider: {
        aws: [
          { region: "us-east-1", allowed_account_ids: ["444455556666"] },
          { alias: "eu-west-1", region: "eu-west-1", allowed_account_ids: ["444455556666"] },
        ],
      },
    };
    const open: JsonObject = { provider: { aws: [{ region: "us-east-1" }] } };
    const limitedOverride = providerOverride(limited) as { provider: { aws: Record<string, unknown>[] } };
    const openOverride = providerOverride(open) as { provider: { aws: Record<string, unknown>[] } };
    expect(limitedOverride.provider.aws.map((provider) => [provider["alias"], provider["allowed_account_ids"]])).toEqual([
      [undefined, null],
      ["eu-west-1", null],
    ]);
    expect(openOverride.provider.aws[0]).not.toHaveProperty("allowed_account_ids");
  });
});
