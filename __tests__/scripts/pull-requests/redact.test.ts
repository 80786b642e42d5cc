/**
 * What a comment or issue may show of Terraform's output: secrets never, the error always, and not
 * too much of it. The failing plan is real terraform output (__tests__/fixtures/plans/plan-failure.log,
 * written by npm run plan:fixtures): its diagnostic prints a variable's value, a token.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REDACTED, redactSecrets, safeTerraformError, secretsFromEnvironment, trimTerraformError } from "../../../scripts/pull-requests/lib/redact";

const fixture = (name: string): string => readFileSync(join(__dirname, "../../fixtures/plans", name), "utf8");
const TOKEN = "ghp_R2d2C3poX9wingR2d2C3poX9wingAbCd01";

describe("redacting and trimming Terraform's output", () => {
  test("the real failing plan: the token is gone, the error and its location stay", () => {
    const raw = fixture("plan-failure.log");
    expect(raw).toContain(TOKEN); // the fixture really leaks it
    const safe = safeTerraformError(raw, []);
    expect(safe).not.toContain(TOKEN);
    expect(safe).not.toMatch(/ghp_/);
    expect(safe.startsWith("Error: Invalid function argument")).toBe(true);
    expect(safe).toContain("on cdk.tf.json line 12, in resource.aws_sqs_queue.orders:");
    expect(safe).toContain(`var.api_token is "${REDACTED}"`);
    // Terraform's preamble ("Planning failed...") is noise in a comment.
    expect(safe).not.toContain("Planning failed");
  });

  test("the real refused destroy keeps Terraform's explanation", () => {
    const safe = safeTerraformError(fixture("destroy-refused.log"), []);
    expect(safe.startsWith("Error: Instance cannot be destroyed")).toBe(true);
    expect(safe).toContain("lifecycle.prevent_destroy");
    expect(safe).not.toContain("will be destroyed"); // the plan listing before the error is dropped
  });

  test.each([
    ["AWS access key ID", "AKIAIOSFODNN7EXAMPLE"],
    ["GitHub token", "ghs_16C7e42F292c6912E7710c838347Ae178B4a"],
    ["fine-grained GitHub token", `github_pat_${"A1b2C3d4E5".repeat(5)}`],
    ["HCP Terraform token", `AbCdEfGhIjKlMn.atlasv1.${"x1Y2z3".repeat(12)}`],
    ["OIDC JWT", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmEvYjpwdWxsX3JlcXVlc3QifQ.c2lnbmF0dXJlLXZhbHVl"],
  ])("a %s is redacted wherever it appears", (_kind, secret) => {
    expect(redactSecrets(`Error: something about ${secret} failed`)).toBe(`Error: something about ${REDACTED} failed`);
  });

  test.each([
    ['secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', `secret_key = "${REDACTED}"`],
    ['"db_password": "hunter2-but-longer"', `"db_password": "${REDACTED}"`],
    ["Authorization: Bearer abc.def.ghi", `Authorization: Bearer ${REDACTED}`],
    ["AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEJr", `AWS_SESSION_TOKEN=${REDACTED}`],
  ])("the value of a secret-named setting is redacted: %s", (line, expected) => {
    expect(redactSecrets(line)).toBe(expected);
  });

  test("values of the job's secret environment variables are redacted, whatever they look like", () => {
    const secrets = secretsFromEnvironment({
      AWS_SECRET_ACCESS_KEY: "plain-looking-value-123",
      TF_TOKEN_app_terraform_io: "another-plain-one",
      PATH: "/usr/bin",
    });
    expect(secrets).toEqual(["plain-looking-value-123", "another-plain-one"]);
    expect(redactSecrets("a plain-looking-value-123 b another-plain-one c /usr/bin", secrets)).toBe(`a ${REDACTED} b ${REDACTED} c /usr/bin`);
  });

  test("property: a known secret never survives, wherever it sits in the output and however long the output is", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9+/_-]{8,40}$/), fc.array(fc.string(), { maxLength: 200 }), fc.nat(200), (secret, lines, at) => {
        const text = [...lines.slice(0, at), `Error: bad value ${secret}`, ...lines.slice(at)].join("\n");
        expect(safeTerraformError(text, [secret], { maxLines: 10, maxChars: 300 })).not.toContain(secret);
      }),
    );
  });

  test("long output is cut to the limits with a note pointing at the run", () => {
    const text = Array.from({ length: 500 }, (_, index) => (index === 0 ? "Error: first" : `detail line ${index}`)).join("\n");
    const trimmed = trimTerraformError(text, { maxLines: 20, maxChars: 5000 });
    expect(trimmed.split("\n")).toHaveLength(21);
    expect(trimmed).toContain("[... trimmed: the run's log has the whole output]");
    expect(trimTerraformError("x".repeat(10_000), { maxChars: 1000 }).length).toBeLessThan(1100);
  });

  test("output without an Error: line keeps its last lines (an init that died, a timeout)", () => {
    const text = Array.from({ length: 100 }, (_, index) => `line ${index}`).join("\n");
    expect(trimTerraformError(text, { maxLines: 3 })).toBe("line 97\nline 98\nline 99");
  });
});
