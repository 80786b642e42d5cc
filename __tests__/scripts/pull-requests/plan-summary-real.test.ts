/**
 * The pull-request comment on real `terraform show -json` output and real Terraform failures, saved in
 * __tests__/fixtures/plans/ by `npm run plan:fixtures` (terraform 1.11 with hashicorp/aws 5.100.0,
 * offline): a create, no changes, a destroy, a replace, an update, drift, sensitive values, a failing
 * plan, and the human output HCP Terraform streams back.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  GITHUB_COMMENT_LIMIT,
  changesOf,
  changedInOrder,
  jobSummary,
  failureComment,
  main,
  parsePlan,
  planFromText,
  run,
  stackNameOfPlan,
  summarize,
  type PlanDocument,
} from "../../../scripts/pull-requests/plan-summary";

const FIXTURES = join(__dirname, "../../fixtures/plans");
const text = (name: string): string => readFileSync(join(FIXTURES, name), "utf8");
const plan = (name: string): PlanDocument => parsePlan(text(name), name);
const read = (file: string): string => text(file);
const RUN = "https://github.com/acme/ssm-patterns/actions/runs/123";
/** Changed resources (not no-op or read) as address -> action. */
const changeMap = (document: PlanDocument): Record<string, string> =>
  Object.fromEntries(
    changesOf(document)
      .filter((change) => change.action !== "no-op" && change.action !== "read")
      .map((change) => [change.address, change.action]),
  );

/** The `<details>` block of one resource in a comment: from its summary line to its closing tag. */
function detailsOf(comment: string, address: string): string {
  const start = comment.indexOf(`<code>${address}</code>`);
  expect(start).toBeGreaterThan(0);
  return comment.slice(comment.lastIndexOf("<details>", start), comment.indexOf("</details>", start) + "</details>".length);
}

describe("the comment shows what changes, on real plans", () => {
  test("create: each new resource with the arguments it sets; values known only after apply are left out", () => {
    const comment = run(["create.json"], read);
    const bucket = detailsOf(comment, "aws_s3_bucket.state-bucket");
    expect(bucket).toContain("<summary><code>+</code> create <code>aws_s3_bucket.state-bucket</code> (6 arguments)</summary>");
    expect(bucket).toContain("| argument | value |");
    expect(bucket).toContain('| `bucket` | `"ssm-patterns-default-tfstate"` |');
    expect(bucket).not.toContain("known after apply");
    // Nested blocks by path.
    expect(detailsOf(comment, "aws_s3_bucket_lifecycle_configuration.lifecycle-rules")).toContain(
      "| `rule[0].noncurrent_version_expiration[0].noncurrent_days` | `90` |",
    );
    // The bucket policy depends on the bucket's ARN: nothing known yet, one line.
    expect(comment).toContain("- `+` create `aws_s3_bucket_policy.tls-only`\n");
  });

  test("update: the changed leaves by path, before -> after, also inside a JSON policy; unchanged arguments absent", () => {
    const comment = run(["update.json"], read);
    expect(comment).toContain("**0 to create, 4 to update, 0 to replace, 0 to delete**, 1 unchanged");
    const group = detailsOf(comment, "aws_security_group.web");
    expect(group).toContain("(2 arguments)");
    expect(group).toContain('| `ingress[0].cidr_blocks[1]` | `"10.2.0.0/16"` | `"10.1.0.0/16"` |');
    expect(group).toContain('| `tags.Env` | `"staging"` | `"prod"` |');
    expect(group).not.toContain("cidr_blocks[0]");
    expect(group).not.toContain("tags.Name");
    expect(detailsOf(comment, "aws_sqs_queue.jobs")).toContain("| `visibility_timeout_seconds` | `30` | `60` |");
    // A policy is a JSON string: the changed leaf inside it, as Terraform's jsonencode diff shows it.
    expect(detailsOf(comment, "aws_iam_policy.reader")).toContain('| `policy (JSON) Statement[0].Action[2]` | _(none)_ | `"sqs:DeleteMessage"` |');
    // The secret parameter did not change: not listed at all.
    expect(comment).not.toContain("aws_ssm_parameter.secret");
  });

  test("replace: the argument that forces it first, named in the summary line and marked in its row", () => {
    const comment = run(["replace.json"], read);
    const web = detailsOf(comment, "aws_ssm_parameter.web");
    expect(web).toContain(
      "<summary><code>-/+</code> replace <b>STATEFUL</b> <code>aws_ssm_parameter.web</code>: forced by <code>data_type</code> (4 arguments)</summary>",
    );
    const rows = web.split("\n").filter((line) => line.startsWith("| `"));
    expect(rows[0]).toBe('| `data_type` **forces replacement** | `"text"` | `"aws:ec2:image"` |');
    expect(web).toContain('| `id` | `"/ec2-imagebuilder/web/latest"` | _(known after apply)_ |');
  });

  test("drift: what the next apply would change back", () => {
    const comment = run(["drift.json"], read);
    expect(detailsOf(comment, "aws_s3_bucket_versioning.versioning")).toContain('| `versioning_configuration[0].status` | `"Suspended"` | `"Enabled"` |');
    expect(detailsOf(comment, "aws_s3_bucket_public_access_block.public-access")).toContain("| `block_public_acls` | `false` | `true` |");
  });

  test("sensitive values: shown as changed, never shown; a sensitive variable inside tags masks only that tag", () => {
    const raw = text("sensitive.json");
    // The plan JSON holds the values themselves; the comment must not.
    expect(raw).toContain("fixture-token-before-0000");
    expect(raw).toContain("fixture-token-after-0000");
    const comment = run(["sensitive.json"], read);
    expect(comment).not.toContain("fixture-token");
    expect(detailsOf(comment, "aws_ssm_parameter.secret")).toContain("| `value` | _(sensitive)_ | _(sensitive)_ |");
    expect(detailsOf(comment, "aws_ssm_parameter.secret")).toContain("| `version` | `1` | _(known after apply)_ |");
    expect(detailsOf(comment, "aws_sqs_queue.jobs")).toContain("| `tags.Token` | _(sensitive)_ | _(sensitive)_ |");
    const summary: string[] = [];
    run(["--summary", "summary.md", "sensitive.json"], read, (_file, body) => summary.push(body));
    expect(summary.join("")).not.toContain("fixture-token");
  });

  test("every real fixture: no sensitive value of any plan reaches the comment or the job summary", () => {
    /** The string forms of every value a sensitivity mask covers. */
    const covered = (value: unknown, mask: unknown): string[] => {
      if (mask === true) return value === null || value === undefined ? [] : [typeof value === "string" ? value : JSON.stringify(value)];
      if (mask === null || typeof mask !== "object" || value === null || typeof value !== "object") return [];
      return Object.entries(mask).flatMap(([key, inner]) => covered((value as Record<string, unknown>)[key], inner));
    };
    /** The string leaves no mask covers (the tracker also writes the parameter's value into a tag, in the clear). */
    const uncovered = (value: unknown, mask: unknown): string[] => {
      if (mask === true) return [];
      if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([key, inner]) =>
          uncovered(inner, mask !== null && typeof mask === "object" ? (mask as Record<string, unknown>)[key] : undefined),
        );
      }
      return typeof value === "string" ? [value] : [];
    };
    let secrets = 0;
    for (const name of ["create.json", "update.json", "replace.json", "drift.json", "sensitive.json", "tracker-owned.json", "destroy.json"]) {
      const document = plan(name);
      const hidden = (document.resource_changes ?? []).flatMap((change) => {
        const raw = change.change as { before?: unknown; after?: unknown; before_sensitive?: unknown; after_sensitive?: unknown };
        return [...covered(raw.before, raw.before_sensitive), ...covered(raw.after, raw.after_sensitive)];
      });
      const visible = new Set(
        (document.resource_changes ?? []).flatMap((change) => {
          const raw = change.change as { before?: unknown; after?: unknown; before_sensitive?: unknown; after_sensitive?: unknown };
          return [...uncovered(raw.before, raw.before_sensitive), ...uncovered(raw.after, raw.after_sensitive)];
        }),
      );
      const appended: string[] = [];
      const comment = run([name, "--summary", "s.md"], read, (_file, body) => appended.push(body));
      // Values shorter than 4 characters ("1", "") appear anywhere by chance; none of the fixtures' secrets are.
      for (const value of hidden.filter((entry) => entry.length >= 4 && !visible.has(entry))) {
        secrets++;
        expect(comment).not.toContain(value);
        expect(appended.join("")).not.toContain(value);
      }
    }
    // The walk found the fixtures' secrets (parameter values, the token): the test is not empty.
    expect(secrets).toBeGreaterThanOrEqual(6);
  });

  test("most dangerous first: deletes, then replaces, then updates, then creates", () => {
    const mixed: PlanDocument = {
      format_version: "1.2",
      resource_changes: [
        ...(plan("create.json").resource_changes ?? []).filter((change) => change.mode === "managed").slice(0, 1),
        ...(plan("update.json").resource_changes ?? []).slice(0, 1),
        ...(plan("replace.json").resource_changes ?? []).filter((change) => change.change.actions.length === 2),
        ...(plan("destroy.json").resource_changes ?? []).slice(0, 1),
      ],
    };
    expect(changedInOrder(mixed).map((change) => change.action)).toEqual(["delete", "replace", "update", "create"]);
    const comment = summarize([{ stack: "s", plan: mixed }]);
    const positions = [
      "delete **STATEFUL** `aws_ssm_parameter.latest`",
      "replace <b>STATEFUL</b>",
      "update <code>aws_iam_policy.reader",
      "create <code>aws_s3_bucket",
    ].map((needle) => comment.indexOf(needle));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});

describe("a hostile resource address stays text", () => {
  // A for_each key (real, from update.json) that tries to close the <details>, open an HTML comment, split a
  // table cell, end a code span and notify a team.
  const HOSTILE = 'aws_ssm_parameter.hostile["x` | </details> <!-- @team"]';

  test("in the real plan: one <details> per resource, nothing closed or hidden early", () => {
    const comment = run(["--marker", "<!-- plan:storage-first-api -->", "update.json"], read);
    expect(changeMap(plan("update.json"))).toHaveProperty([HOSTILE]);
    expect(comment.match(/<details>/g)).toHaveLength(4);
    expect(comment.match(/<\/details>/g)).toHaveLength(4);
    // Only the marker opens an HTML comment.
    expect(comment.match(/<!--/g)).toHaveLength(1);
    expect(comment).toContain("<code>aws_ssm_parameter.hostile[&quot;x` | &lt;/details&gt; &lt;!-- @team&quot;]</code>");
    // Each <details> opens and closes in order: no block ends inside another's summary.
    const tags = [...comment.matchAll(/<\/?details>/g)].map((match) => match[0]);
    expect(tags).toEqual(Array.from({ length: 4 }, () => ["<details>", "</details>"]).flat());
  });

  test("a hostile address cannot hide the destroyed row after it, in the warning block or the list", () => {
    const attacks = [
      'aws_s3_bucket.a["`</details><!--"]',
      'aws_s3_bucket.b["x\n> - nothing to see"]',
      'aws_s3_bucket.c["|`|<details><summary>"]',
      'aws_s3_bucket.d["]\n\n<!--"]',
    ];
    const victim = "aws_kinesis_stream.records";
    const hostile: PlanDocument = {
      format_version: "1.2",
      resource_changes: [
        ...attacks.map((address) => ({
          address,
          mode: "managed",
          type: "aws_s3_bucket",
          change: { actions: ["delete"], before: { bucket: address }, after: null },
        })),
        { address: victim, mode: "managed", type: "aws_kinesis_stream", change: { actions: ["delete"], before: { name: "records" }, after: null } },
      ],
    };
    const comment = summarize([{ stack: "s", plan: hostile }], { marker: "<!-- plan:s -->" });
    // The victim's rows are plain lines, outside any comment or code span.
    expect(comment).toContain(`> - **STATEFUL** \`${victim}\`: destroyed`);
    expect(comment).toContain(`- \`-\` delete **STATEFUL** \`${victim}\``);
    expect(comment.match(/<!--/g)).toHaveLength(1);
    expect(comment).not.toMatch(/<\/?details>|<summary>/);
    // Every line of the warning block is still in the block quote: no line break came through.
    const block = comment.slice(comment.indexOf("> [!CAUTION]"), comment.indexOf("\n\n**"));
    expect(block.split("\n").every((line) => line.startsWith(">"))).toBe(true);
    expect(block.split("\n").filter((line) => line.endsWith(": destroyed"))).toHaveLength(5);
  });
});

describe("the comment within GitHub's limit", () => {
  test("a plan whose details do not fit drops the details of the least dangerous first, says so, and keeps every resource", () => {
    const big = "x".repeat(100);
    const resource = (index: number, actions: string[]) => ({
      address: `aws_sqs_queue.q${String(index).padStart(4, "0")}`,
      mode: "managed",
      type: "aws_sqs_queue",
      change: {
        actions,
        before: actions[0] === "create" ? null : Object.fromEntries(Array.from({ length: 20 }, (_, key) => [`a${key}`, `${big}-old`])),
        after: Object.fromEntries(Array.from({ length: 20 }, (_, key) => [`a${key}`, `${big}-new`])),
        ...(actions.includes("delete") ? { replace_paths: [["a0"]] } : {}),
      },
    });
    const document: PlanDocument = {
      format_version: "1.2",
      resource_changes: [
        ...Array.from({ length: 30 }, (_, index) => resource(index, ["create"])),
        ...Array.from({ length: 30 }, (_, index) => resource(100 + index, ["update"])),
        ...Array.from({ length: 5 }, (_, index) => resource(200 + index, ["delete", "create"])),
      ],
    };
    const full = summarize([{ stack: "s", plan: document }], { limit: 10_000_000 });
    expect(full.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
    const comment = summarize([{ stack: "s", plan: document }]);
    expect(comment.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    // The replacements keep their details; the creates lose theirs first.
    expect(detailsOf(comment, "aws_sqs_queue.q0200")).toContain("| `a0` **forces replacement** |");
    expect(comment).toContain("- `+` create `aws_sqs_queue.q0029` (20 arguments)");
    expect(comment).toMatch(
      /_The changed arguments of the last \d+ resource\(s\) \((update, )?create\) are left out to keep this comment under GitHub's size limit; the job summary has them\._/,
    );
    // Every resource is still listed.
    for (const change of document.resource_changes ?? []) expect(comment).toContain(change.address);
  });

  test("the job summary holds every argument and Terraform's plan text, in a fence the text cannot close", () => {
    const planText = "Terraform will perform the following actions:\n  ```\n  # aws_ssm_parameter.web must be replaced\n";
    const appended: Array<[string, string]> = [];
    const files: Record<string, string> = { "plan.txt": planText };
    const comment = run(
      ["--summary", "summary.md", "--plan-text", "plan.txt", "replace.json"],
      (file) => files[file] ?? text(file),
      (file, body) => appended.push([file, body]),
    );
    expect(comment).toContain("forced by");
    expect(appended).toHaveLength(1);
    const [file, body] = appended[0] ?? ["", ""];
    expect(file).toBe("summary.md");
    expect(body).toContain("<summary>Terraform's plan for <code>ami-tracker</code></summary>");
    expect(body).toContain(`\`\`\`\`text\n${planText}\n\`\`\`\``);
    expect(body).toContain("| `data_type` **forces replacement** |");
    expect(jobSummary([{ stack: "s", plan: plan("update.json") }], ["y".repeat(5000)], 3000)).toMatch(
      /\.\.\. \(\d+ more characters; the job log has the whole plan\)/,
    );
    expect(() => run(["--plan-text", "plan.txt", "replace.json"], read)).toThrow(/--summary FILE/);
  });
});

describe("the plan comment on real plans", () => {
  test("a plan names its stack through the Stack default tag, not the file name", () => {
    expect(stackNameOfPlan(plan("create.json"))).toBe("state-bootstrap");
    expect(stackNameOfPlan(plan("tracker-owned.json"))).toBe("ami-tracker");
    expect(run(["create.json"], read)).toContain("### Plan: `state-bootstrap`");
    expect(run(["--stack", "other", "create.json"], read)).toContain("### Plan: `other`");
  });

  test("no changes: one line, with the unchanged count and Terraform's version", () => {
    const document = plan("no-changes.json");
    expect(Object.keys(changeMap(document))).toEqual([]);
    const comment = run(["--marker", "<!-- plan:state-bootstrap -->", "no-changes.json"], read);
    expect(comment).toBe(
      `<!-- plan:state-bootstrap -->\n### Plan: \`state-bootstrap\`: no changes (7 unchanged, Terraform ${document.terraform_version ?? ""})\n`,
    );
  });

  test("a destroy of stateful resources is labelled CAUTION, each resource marked STATEFUL", () => {
    const comment = run(["destroy.json"], read);
    expect(comment).toContain("> [!CAUTION]\n> **2 stateful resource(s) will be destroyed or replaced");
    expect(comment).toContain("> - **STATEFUL** `aws_ssm_parameter.latest`: destroyed");
    expect(comment).toContain("> - **STATEFUL** `aws_ssm_parameter.web`: destroyed");
    expect(comment).toContain("**0 to create, 0 to update, 0 to replace, 2 to delete**");
  });

  test("a forced replacement names Terraform's reason", () => {
    const comment = run(["replace.json"], read);
    expect(comment).toContain("> - **STATEFUL** `aws_ssm_parameter.web`: replaced (an argument that cannot change in place)");
    expect(comment).toContain("1 to replace");
  });

  test("with a head commit the footer names it and links the run; no digest or metadata (the App's check run is the attestation)", () => {
    const comment = run(["--marker", "<!-- plan:ami-tracker -->", "--head", "a".repeat(40), "--run-url", RUN, "replace.json"], read);
    expect(comment.startsWith("<!-- plan:ami-tracker -->\n### Plan: `ami-tracker`")).toBe(true);
    expect(comment).toContain(`<sub>planned at \`aaaaaaaaaaaa\` · [the run](${RUN})</sub>`);
    expect(comment).not.toMatch(/plan-meta|digest/);
    // Only the marker is an HTML comment.
    expect(comment.match(/<!--/g)).toHaveLength(1);
  });

  test("a failed plan: the comment says which phase failed, shows the error without the token, and links the run", () => {
    const comment = run(
      [
        "--failed",
        "plan",
        "--log",
        "plan-failure.log",
        "--stack",
        "ami-tracker",
        "--marker",
        "<!-- plan:ami-tracker -->",
        "--run-url",
        RUN,
        "--head",
        "b".repeat(40),
      ],
      read,
    );
    expect(comment.startsWith("<!-- plan:ami-tracker -->\n### Plan: `ami-tracker`: `terraform plan` failed")).toBe(true);
    expect(comment).toContain("> **No plan for this stack at `bbbbbbbbbbbb`");
    expect(comment).toContain("```text\nError: Invalid function argument");
    expect(comment).not.toContain("ghp_");
    expect(comment).toContain(`The whole log: [the run](${RUN}).`);
    expect(comment.match(/<!--/g)).toHaveLength(1);
  });

  test("a refused destroy (prevent_destroy) reaches the comment in Terraform's words", () => {
    const comment = failureComment("state-bootstrap", "plan", text("destroy-refused.log"));
    expect(comment).toContain("Error: Instance cannot be destroyed");
    expect(comment).toContain("lifecycle.prevent_destroy");
  });

  test("HCP Terraform's human output gives the same changes as the JSON, and its run URL", () => {
    const streamed =
      "Running plan in HCP Terraform. Output will stream here. Pressing Ctrl-C\nwill stop streaming the logs, but will not stop the plan running remotely.\n\n" +
      "Preparing the remote plan...\n\nTo view this run in a browser, visit:\nhttps://app.terraform.io/app/example-org/ssm-patterns-hcp-example-ami-tracker/runs/run-AbCdEf123456\n\n" +
      text("replace.txt");
    const parsed = planFromText(streamed);
    expect(changeMap(parsed.plan)).toEqual(changeMap(plan("replace.json")));
    expect(parsed.runUrl).toBe("https://app.terraform.io/app/example-org/ssm-patterns-hcp-example-ami-tracker/runs/run-AbCdEf123456");
    // The header lines (the run URL) change nothing: a speculative run and a saved run read the same.
    expect(parsed.plan).toEqual(planFromText(text("replace.txt")).plan);
    const comment = summarize([{ stack: "ami-tracker", plan: parsed.plan, runUrl: parsed.runUrl ?? "", head: "c".repeat(40) }]);
    expect(comment).toContain("**STATEFUL** `aws_ssm_parameter.web`: replaced");
    expect(comment).toContain("[the run](https://app.terraform.io/app/example-org/");
    expect(planFromText(text("no-changes.txt")).plan.resource_changes).toEqual([]);
  });

  test("--help prints the usage and reads no file; an unknown option exits 2 with the nearest", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) };
    expect(await main(["--help", "missing.json"], io)).toBe(0);
    expect(out.join("\n")).toMatch(/^usage: npm run plan:summary -- \[options\] PLAN\.json \.\.\./);
    expect(out.join("\n")).toContain("--plan-text FILE");
    expect(err).toEqual([]);
    expect(() => run(["--sumary", "s.md", "create.json"], read)).toThrow("unknown option --sumary (did you mean --summary?)");
  });
});
