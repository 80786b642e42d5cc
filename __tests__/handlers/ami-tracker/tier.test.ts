/**
 * Shared parameters are written in the Advanced tier: AWS RAM shares only Advanced parameters
 * (Systems Manager user guide, "Working with shared parameters"). The stack lists them in
 * ADVANCED_TIER_PARAMETERS; every other parameter is written without a tier (the account's default).
 */
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
