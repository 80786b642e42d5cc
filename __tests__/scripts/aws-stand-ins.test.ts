import { checkDefinitionShape, startSfnStandIn } from "../../scripts/lib/aws-stand-ins";

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
    const standIn = await startSfnStandIn();
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
