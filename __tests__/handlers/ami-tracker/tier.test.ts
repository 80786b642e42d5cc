/**
 * Shared parameters are written in the Advanced tier: AWS RAM shares only Advanced parameters
 * (Systems Manager user guide, "Working with shared parameters"). The stack lists them in
 * ADVANCED_TIER_PARAMETERS; every other parameter is written without a tier (the account's default).
 *
 * Without Tier, SSM "assigns the tier based on the current Parameter Store default tier configuration"
 * and "you can't revert an advanced parameter to a standard parameter" (PutParameter API reference, Tier;
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-default-tier.html): nothing says an
 * omitted Tier keeps an Advanced parameter Advanced. SSM's refusal is a ValidationException whose text
 * hashicorp/terraform-provider-aws internal/service/ssm/parameter.go quotes; the write is then sent again
 * with Tier "Advanced" (ssm-store.ts).
 */
import { PutParameterCommand, SSMClient, ValidationException } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { SsmCallError, writeValue } from "../../../handlers/ami-tracker/ssm-store";
import { captureConsole, fixtureText, lambdaContext, snsEvent } from "./support/events";
import { FakeSsm } from "./support/fake-ssm";
import { config, trackerOverHttp } from "./support/tracker";

const NAME = "/ec2-imagebuilder/latest";
const context = lambdaContext("123456789012", "us-west-1");
let output: ReturnType<typeof captureConsole>;
beforeEach(() => {
  output = captureConsole();
});
afterEach(() => output.restore());

test.each<[string, Record<string, string>, string | undefined]>([
  ["listed in ADVANCED_TIER_PARAMETERS: Tier Advanced", { ADVANCED_TIER_PARAMETERS: `/other,${NAME}` }, "Advanced"],
  ["not listed: no Tier (the account's default)", { ADVANCED_TIER_PARAMETERS: "/other" }, undefined],
  ["no variable: no Tier", {}, undefined],
])("%s", async (_case, environment, tier) => {
  // Prepare
  const fake = new FakeSsm();
  const tracker = trackerOverHttp(fake);

  // Act
  await tracker.handle(snsEvent(fixtureText("sns-message-available-docs.json")), context, config(environment));

  // Assess
  const puts = fake.calls.filter((call) => call.operation === "PutParameter");
  expect(puts).toHaveLength(1);
  expect(puts[0]?.input["Tier"]).toBe(tier);
  expect(fake.get("us-west-1", NAME)?.value).toMatch(/^ami-/);
});

describe("writeValue and an Advanced parameter the configuration no longer lists", () => {
  const AMI = "ami-0123456789abcdef0";
  const DOWNGRADE =
    "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. " +
    "If necessary, you can delete the advanced parameter and recreate it as a standard parameter.";
  const client = new SSMClient({ region: "us-west-1" });
  const ssm = mockClient(client);
  beforeEach(() => ssm.reset());
  afterAll(() => ssm.restore());
  const tiers = (): Array<string | undefined> => ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input.Tier);

  test("SSM keeps the tier without Tier: one PutParameter, no Tier", async () => {
    // Prepare
    ssm.on(PutParameterCommand).resolves({ Version: 7, Tier: "Advanced" });
    // Act
    const version = await writeValue(client, NAME, AMI, "d");
    // Assess
    expect(version).toBe(7);
    expect(tiers()).toEqual([undefined]);
  });

  test("SSM refuses the write as a downgrade: sent again with Tier Advanced, its version returned", async () => {
    // Prepare
    ssm
      .on(PutParameterCommand)
      .rejectsOnce(new ValidationException({ $metadata: {}, message: DOWNGRADE }))
      .resolves({ Version: 8, Tier: "Advanced" });
    // Act
    const version = await writeValue(client, NAME, AMI, "d");
    // Assess
    expect(version).toBe(8);
    expect(tiers()).toEqual([undefined, "Advanced"]);
    expect(ssm.commandCalls(PutParameterCommand)[1]?.args[0].input).toMatchObject({ Name: NAME, Value: AMI, Overwrite: true, DataType: "aws:ec2:image" });
  });

  test("a shared parameter is written Advanced at once", async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 2, Tier: "Advanced" });
    await writeValue(client, NAME, AMI, "d", "Advanced");
    expect(tiers()).toEqual(["Advanced"]);
  });

  test("any other ValidationException is an SsmCallError naming the action, after one call", async () => {
    // Prepare
    ssm.on(PutParameterCommand).rejects(new ValidationException({ $metadata: {}, message: "Parameter value is too long" }));
    // Act
    const written = writeValue(client, NAME, AMI, "d");
    // Assess
    await expect(written).rejects.toThrow(SsmCallError);
    await expect(written).rejects.toThrow(`ssm:PutParameter on ${NAME} failed: ValidationException: Parameter value is too long`);
    expect(tiers()).toEqual([undefined]);
  });

  test("the write is sent again once: a second refusal is the SsmCallError", async () => {
    ssm.on(PutParameterCommand).rejects(new ValidationException({ $metadata: {}, message: DOWNGRADE }));
    await expect(writeValue(client, NAME, AMI, "d")).rejects.toThrow(/ValidationException: This parameter uses the advanced-parameter tier/);
    expect(tiers()).toEqual([undefined, "Advanced"]);
  });
});
