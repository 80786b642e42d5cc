import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GITHUB_COMMENT_LIMIT,
  actionOf,
  changesOf,
  countByAction,
  parsePlan,
  stackNameFromFile,
  summarize,
  type PlanDocument,
  type PlanResourceChange,
} from "../../../scripts/pull-requests/plan-summary";

function change(address: string, actions: string[], action_reason?: string): PlanResourceChange {
  const [type = "", name = ""] = address.split(".");
  return { address, mode: "managed", type, name, change: { actions }, ...(action_reason !== undefined ? { action_reason } : {}) };
}

/** A hand-made plan with every kind of change, in the shape of `terraform show -json`. */
const MIXED: PlanDocument = {
  format_version: "1.2",
  terraform_version: "1.11.4",
  resource_changes: [
    change("aws_iam_role.tracker", ["update"]),
    change("aws_lambda_function.tracker", ["update"]),
    change("aws_sqs_queue.orders", ["delete", "create"], "replace_because_cannot_update"),
    change("aws_kinesis_stream.records", ["delete"], "delete_because_no_resource_config"),
    change("aws_cloudwatch_metric_alarm.old", ["delete"]),
    change("aws_iam_role_policy.tracker", ["create", "delete"]),
    change("aws_sns_topic.builds", ["no-op"]),
    change("aws_kms_alias.topic", ["create"]),
    { address: "data.aws_iam_policy_document.x", mode: "data", type: "aws_iam_policy_document", change: { actions: ["read"] } },
  ],
};

describe("plan summary", () => {
  test.each([
    [["create"], "create"],
    [["update"], "update"],
    [["delete", "create"], "replace"],
    [["create", "delete"], "replace"],
    [["delete"], "delete"],
    [["no-op"], "no-op"],
    [["read"], "read"],
  ] as const)("actions %j are one %s", (actions, expected) => {
    expect(actionOf(actions)).toBe(expected);
  });

  test("counts each managed resource once by action; data sources are left out", () => {
    const changes = changesOf(MIXED);
    expect(changes).toHaveLength(8);
    expect(countByAction(changes)).toEqual({ create: 1, update: 2, replace: 2, delete: 2, "no-op": 1, read: 0 });
  });

  test("the counts line and the table show every changed resource, unchanged ones only as a count", () => {
    const text = summarize([{ stack: "storage-first-api", plan: MIXED }]);
    expect(text).toContain("### Plan: `storage-first-api`");
    expect(text).toContain("**1 to create, 2 to update, 2 to replace, 2 to delete**, 1 unchanged (Terraform 1.11.4)");
    for (const address of ["aws_iam_role.tracker", "aws_sqs_queue.orders", "aws_kinesis_stream.records", "aws_kms_alias.topic"]) {
      expect(text).toContain(`\`${address}\``);
    }
    expect(text).not.toMatch(/\| `aws_sns_topic\.builds` \|/);
    expect(text).not.toContain("aws_iam_policy_document");
  });

  test("a warning block comes first, stateful resources called out before the others, with Terraform's reason", () => {
    const text = summarize([{ stack: "storage-first-api", plan: MIXED }]);
    const warning = text.indexOf("[!CAUTION]");
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(text.indexOf("to create"));
    expect(text).toContain("**2 stateful resource(s) will be destroyed or replaced");
    const block = text.slice(warning, text.indexOf("to create"));
    const order = ["aws_kinesis_stream.records", "aws_sqs_queue.orders", "aws_cloudwatch_metric_alarm.old", "aws_iam_role_policy.tracker"].map((a) =>
      block.indexOf(a),
    );
    expect(order.every((position) => position > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(block).toContain("**STATEFUL** `aws_sqs_queue.orders`: replaced (an argument that cannot change in place)");
    expect(block).toContain("**STATEFUL** `aws_kinesis_stream.records`: destroyed (removed from the code)");
    expect(block).toContain("`aws_cloudwatch_metric_alarm.old`: destroyed");
    expect(block).not.toContain("**STATEFUL** `aws_cloudwatch_metric_alarm.old`");
  });

  test("destroying only stateless resources is a warning, not a caution", () => {
    const plan: PlanDocument = { format_version: "1.2", resource_changes: [change("aws_iam_role_policy.p", ["delete"])] };
    const text = summarize([{ stack: "s", plan }]);
    expect(text).toContain("[!WARNING]");
    expect(text).not.toContain("[!CAUTION]");
  });

  test("a plan without changes is one line and warns about nothing", () => {
    const plan: PlanDocument = { format_version: "1.2", resource_changes: [change("aws_sqs_queue.q", ["no-op"])] };
    const text = summarize([{ stack: "s", plan }], { marker: "<!-- plan:s -->" });
    expect(text).toBe("<!-- plan:s -->\n### Plan: `s`: no changes (1 unchanged)\n");
  });

  test("a huge plan stays under GitHub's comment limit, keeps its warnings and counts, and says what was left out", () => {
    const many = Array.from({ length: 4000 }, (_, index) =>
      change(
        `aws_sqs_queue.queue_with_a_rather_long_logical_identifier_${String(index).padStart(5, "0")}`,
        index % 2 === 0 ? ["delete", "create"] : ["update"],
      ),
    );
    const plan: PlanDocument = { format_version: "1.2", resource_changes: many };
    const text = summarize([
      { stack: "big", plan },
      { stack: "mixed", plan: MIXED },
    ]);
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(text).toContain("**0 to create, 2000 to update, 2000 to replace, 0 to delete**");
    expect(text).toContain("not listed to keep this comment under GitHub's size limit");
    // The most dangerous are listed first: the replacements, not the updates.
    expect(text).toContain("- `-/+` replace **STATEFUL** `aws_sqs_queue.queue_with_a_rather_long_logical_identifier_00000`");
    expect(text).not.toContain("`aws_sqs_queue.queue_with_a_rather_long_logical_identifier_00001`");
    // The second stack is not crowded out by the first.
    expect(text).toMatch(/and \d+ more destroyed or replaced \(\d+ of them stateful\); see the job log/);
    expect(text).toContain("### Plan: `mixed`");
    expect(text).toContain("**STATEFUL** `aws_kinesis_stream.records`");
  });

  test("even an absurd limit is respected, with a truncation note", () => {
    const text = summarize([{ stack: "mixed", plan: MIXED }], { limit: 400 });
    expect(text.length).toBeLessThanOrEqual(400);
    expect(text).toContain("Truncated");
  });

  test.each([
    ["ami-tracker.json", "ami-tracker"],
    ["/tmp/plans/ami-tracker.plan.json", "ami-tracker"],
    ["plan-storage-first-api.json", "storage-first-api"],
  ])("the stack name of %s is %s", (file, stack) => {
    expect(stackNameFromFile(file)).toBe(stack);
  });

  test("refuses what is not plan JSON, saying what to pass", () => {
    expect(() => parsePlan("nope", "x.json")).toThrow(/x\.json is not JSON .*terraform show -json/);
    expect(() => parsePlan("{}", "x.json")).toThrow(/x\.json is not a Terraform plan in JSON/);
  });

  test("the command prints the comment for plan files given on the command line", () => {
    const folder = mkdtempSync(join(tmpdir(), "plan-summary-"));
    try {
      const file = join(folder, "storage-first-api.json");
      writeFileSync(file, JSON.stringify(MIXED));
      const output = execFileSync(
        process.execPath,
        ["--import", "tsx", join(__dirname, "../../../scripts/pull-requests/plan-summary.ts"), "--marker", "<!-- plan:storage-first-api -->", file],
        {
          encoding: "utf8",
        },
      );
      expect(output.startsWith("<!-- plan:storage-first-api -->\n### Plan: `storage-first-api`")).toBe(true);
      expect(output).toContain("[!CAUTION]");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
