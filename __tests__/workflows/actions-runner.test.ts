/**
 * The expression evaluator and the output-file parser of the workflow-steps runner, on the expressions the
 * workflows use, against GitHub's documented semantics
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/expressions).
 */
import { condition, evaluate, interpolate, parseOutputFile, standardFunctions, type ExpressionContext, type Value } from "../helpers/actions-runner";

const context = (values: Record<string, Value>, failed = false): ExpressionContext => ({
  values,
  functions: { ...standardFunctions, success: () => !failed, failure: () => failed, always: () => true, cancelled: () => false },
});

describe("expressions", () => {
  const values = {
    vars: { APP_ENV: "" },
    needs: { synth: { outputs: { stacks: '["a","b"]', backend: "s3" } } },
    steps: { init: { outcome: "failure" }, plan: { outcome: "skipped" } },
    github: { event: { workflow_run: { pull_requests: [{ number: 7 }], event: "pull_request", conclusion: "success" } } },
  };

  test("|| returns the first truthy operand, && the last or the first falsy one", () => {
    expect(evaluate("vars.APP_ENV || 'default'", context(values))).toBe("default");
    expect(evaluate("needs.synth.outputs.backend && 'x'", context(values))).toBe("x");
    expect(evaluate("vars.APP_ENV && 'x'", context(values))).toBe("");
  });

  test("== and != compare strings case-insensitively; a missing property is null", () => {
    expect(evaluate("needs.synth.outputs.backend != 'cloud'", context(values))).toBe(true);
    expect(evaluate("needs.synth.outputs.backend == 'S3'", context(values))).toBe(true);
    expect(evaluate("needs.nothing.outputs.x", context(values))).toBeNull();
    expect(evaluate("needs.nothing.outputs.x == ''", context(values))).toBe(true);
  });

  test("indexes, functions and interpolation", () => {
    expect(evaluate("github.event.workflow_run.pull_requests[0].number", context(values))).toBe(7);
    expect(evaluate("fromJSON(needs.synth.outputs.stacks)", context(values))).toEqual(["a", "b"]);
    expect(interpolate("${{ vars.APP_SLUG }}[bot] ${{ needs.synth.outputs.backend }}", context(values))).toBe("[bot] s3");
    expect(() => evaluate("hashFiles('x')", context(values))).toThrow(/no function hashFiles/);
  });

  test("if: without a status function is ANDed with success(); with one, it is taken as written", () => {
    expect(condition("needs.synth.outputs.backend != 'cloud'", context(values, true))).toBe(false);
    expect(condition("needs.synth.outputs.backend != 'cloud'", context(values, false))).toBe(true);
    expect(condition("failure() && steps.init.outcome == 'failure'", context(values, true))).toBe(true);
    expect(condition("failure() && (steps.plan.outcome == 'failure' || steps.init.outcome == 'failure')", context(values, true))).toBe(true);
    expect(condition("success() || steps.plan.outcome == 'failure'", context(values, true))).toBe(false);
    expect(condition(undefined, context(values, true))).toBe(false);
    expect(condition("${{ always() }}", context(values, true))).toBe(true);
  });
});

test("GITHUB_OUTPUT: name=value lines and name<<DELIMITER blocks", () => {
  expect(parseOutputFile('stacks=["a"]\nbackend=s3\nbody<<EOF\nline 1\nline=2\nEOF\ndecision=apply\n')).toEqual({
    stacks: '["a"]',
    backend: "s3",
    body: "line 1\nline=2",
    decision: "apply",
  });
});
