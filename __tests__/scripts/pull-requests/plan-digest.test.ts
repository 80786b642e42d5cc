/**
 * The review digest (scripts/pull-requests/lib/plan-digest.ts) against the gaps an attacker would use: a change the
 * digest does not see is a change nobody reviewed. Plans are the real fixtures of __tests__/fixtures/plans
 * (terraform 1.11.4, hashicorp/aws 5.100.0); forget and import are those plans with the fields Terraform's
 * JSON plan format gives them (actions ["forget"] for `removed { lifecycle { destroy = false } }`, Terraform
 * 1.7+; change.importing for an import block, Terraform 1.5+: developer.hashicorp.com/terraform/internals/json-format).
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { maskSensitive, parseLockFile, parseReviewRecord, reviewDigest, reviewRecord, sensitiveMarker } from "../../../scripts/pull-requests/lib/plan-digest";
import { parsePlan, type PlanDocument, type PlanResourceChange } from "../../../scripts/pull-requests/plan-summary";

const plan = (name: string): PlanDocument => parsePlan(readFileSync(join(__dirname, "../../fixtures/plans", name), "utf8"), name);
const digest = (document: PlanDocument, options: { lockFile?: string; key?: string } = {}): string =>
  reviewDigest(reviewRecord(document, { stack: "ami-tracker", ...options }));
const EMPTY = plan("no-changes.json");
const withChange = (document: PlanDocument, change: PlanResourceChange): PlanDocument => ({
  ...document,
  resource_changes: [...(document.resource_changes ?? []), change],
});
const queue = (change: Partial<PlanResourceChange["change"]> & { actions: string[] }, address = "aws_sqs_queue.orders"): PlanResourceChange => ({
  address,
  mode: "managed",
  type: "aws_sqs_queue",
  name: "orders",
  change: { before: { name: "orders" }, after: { name: "orders" }, before_sensitive: {}, after_sensitive: {}, ...change } as PlanResourceChange["change"],
});

const LOCK = (version: string, hash: string): string =>
  `# This file is maintained automatically by "terraform init".\n\nprovider "registry.terraform.io/hashicorp/aws" {\n  version     = "${version}"\n  constraints = "${version}"\n  hashes = [\n    "${hash}",\n  ]\n}\n`;

describe("the review digest", () => {
  test("is a full sha256, stable for the same plan, blind to the timestamp and Terraform version", () => {
    const replace = plan("replace.json");
    expect(digest(replace)).toMatch(/^[0-9a-f]{64}$/);
    expect(digest({ ...replace, timestamp: "1999-01-01T00:00:00Z", terraform_version: "9.9.9" } as PlanDocument)).toBe(digest(replace));
    const all = ["create.json", "no-changes.json", "destroy.json", "replace.json", "drift.json"].map((name) => digest(plan(name)));
    expect(new Set(all).size).toBe(all.length);
  });

  test("attack: a forget (removed { destroy = false }) does not hash like an empty plan", () => {
    expect(digest(withChange(EMPTY, queue({ actions: ["forget"] })))).not.toBe(digest(EMPTY));
  });

  test("attack: an import with no other change does not hash like an empty plan, and the imported id counts", () => {
    const imported = (id: string) => withChange(EMPTY, queue({ actions: ["no-op"], importing: { id } } as never));
    expect(digest(imported("https://sqs.us-east-1.amazonaws.com/111122223333/orders"))).not.toBe(digest(EMPTY));
    expect(digest(imported("https://sqs.us-east-1.amazonaws.com/111122223333/orders"))).not.toBe(
      digest(imported("https://sqs.us-east-1.amazonaws.com/444455556666/orders")),
    );
  });

  test.each([
    ["provider_name (another provider, or an aliased one)", { provider_name: "registry.terraform.io/evil/aws" }],
    ["previous_address (a move)", { previous_address: "aws_sqs_queue.old" }],
    ["action_reason", { action_reason: "replace_by_request" }],
    ["deposed", { deposed: "00000001" }],
  ])("attack: a change of the resource's %s changes the digest", (_field, extra) => {
    const base = withChange(EMPTY, queue({ actions: ["create"] }));
    const other = withChange(EMPTY, { ...queue({ actions: ["create"] }), ...extra } as PlanResourceChange);
    expect(digest(other)).not.toBe(digest(base));
  });

  test("attack: the same changes in another region (provider configuration) differ", () => {
    const replace = plan("replace.json");
    const config = replace.configuration as { provider_config: { aws: { expressions: Record<string, unknown> } } };
    const moved = structuredClone(replace) as PlanDocument;
    (moved.configuration as typeof config).provider_config.aws.expressions["region"] = { constant_value: "eu-west-1" };
    expect(config.provider_config.aws.expressions["region"]).toEqual({ constant_value: "us-east-1" });
    expect(digest(moved)).not.toBe(digest(replace));
  });

  test("attack: another provider build at apply (lock file version or hashes) differs", () => {
    const replace = plan("replace.json");
    const planned = digest(replace, { lockFile: LOCK("5.100.0", "h1:aaaa=") });
    expect(digest(replace, { lockFile: LOCK("5.100.0", "h1:aaaa=") })).toBe(planned);
    expect(digest(replace, { lockFile: LOCK("5.100.0", "h1:bbbb=") })).not.toBe(planned);
    expect(digest(replace, { lockFile: LOCK("5.99.0", "h1:aaaa=") })).not.toBe(planned);
    expect(digest(replace)).not.toBe(planned);
    expect(parseLockFile(LOCK("5.100.0", "h1:aaaa="))).toEqual([{ source: "registry.terraform.io/hashicorp/aws", version: "5.100.0", hashes: ["h1:aaaa="] }]);
  });

  test("attack: an output change (HCP text digests ignored them) changes the digest", () => {
    const create = plan("create.json");
    const outputs = create.output_changes as Record<string, { after: unknown }>;
    const changed = {
      ...create,
      output_changes: { ...outputs, state_bucket_arn: { ...outputs["state_bucket_arn"], actions: ["create"], after: "arn:aws:s3:::other" } },
    };
    expect(digest(changed as PlanDocument)).not.toBe(digest(create));
  });

  describe("sensitive values", () => {
    const secretChange = (password: string) =>
      withChange(
        EMPTY,
        queue({
          actions: ["update"],
          before: { name: "orders", password: "old-one" },
          after: { name: "orders", password },
          before_sensitive: { password: true },
          after_sensitive: { password: true },
        } as never),
      );

    test("never reach the record, in clear or as a plain hash", () => {
      const record = JSON.stringify(reviewRecord(secretChange("hunter2"), { stack: "s" }));
      expect(record).not.toContain("hunter2");
      expect(record).not.toContain("old-one");
      expect(record).toContain('"password":{"sensitive":true}');
      const keyed = JSON.stringify(reviewRecord(secretChange("hunter2"), { stack: "s", key: "k".repeat(32) }));
      expect(keyed).not.toContain("hunter2");
      expect(keyed).toMatch(/"password":\{"sensitive":"hmac-sha256:[0-9a-f]{64}"\}/);
    });

    test("without the key, a guess cannot be checked against the digest: the digest does not depend on the value", () => {
      expect(digest(secretChange("hunter2"))).toBe(digest(secretChange("correct horse")));
    });

    test("with the key (PLAN_DIGEST_KEY, held by the plan and apply jobs), a sensitive value changed after review changes the digest", () => {
      const key = "k".repeat(32);
      expect(digest(secretChange("hunter2"), { key })).not.toBe(digest(secretChange("correct horse"), { key }));
      // And a reader without the key cannot test guesses: another key gives another digest for the same value.
      expect(digest(secretChange("hunter2"), { key })).not.toBe(digest(secretChange("hunter2"), { key: "x".repeat(32) }));
    });

    test("credentials written into the provider block are masked too", () => {
      const record = JSON.stringify(reviewRecord(plan("replace.json"), { stack: "s" }));
      expect(record).not.toContain("offline-plan-dummy-secret-key");
      expect(record).toContain('"region":{"constant_value":"us-east-1"}');
    });

    test("property: a value marked sensitive at any depth never survives masking", () => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 6 }).filter((s) => !/sensitive|true/.test(s)),
          fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 4 }),
          (secret, path) => {
            const value: Record<string, unknown> = {};
            const marks: Record<string, unknown> = {};
            let v = value;
            let m = marks;
            for (const key of path.slice(0, -1)) {
              v[key] = {};
              m[key] = {};
              v = v[key] as Record<string, unknown>;
              m = m[key] as Record<string, unknown>;
            }
            v[path.at(-1) ?? "a"] = [secret];
            m[path.at(-1) ?? "a"] = true;
            expect(JSON.stringify(maskSensitive(value, marks, sensitiveMarker(undefined)))).not.toContain(JSON.stringify(secret).slice(1, -1));
          },
        ),
      );
    });
  });

  test("a review record from an artifact is checked for shape before it is rendered or hashed", () => {
    const good = JSON.stringify(reviewRecord(plan("replace.json"), { stack: "ami-tracker" }));
    expect(parseReviewRecord(good, "r.json").stack).toBe("ami-tracker");
    expect(() => parseReviewRecord("{", "r.json")).toThrow(/r.json: not JSON/);
    expect(() => parseReviewRecord(JSON.stringify({ ...JSON.parse(good), stack: "x` <b>" }), "r.json")).toThrow(/is not a stack name/);
    expect(() => parseReviewRecord(JSON.stringify({ ...JSON.parse(good), version: 2 }), "r.json")).toThrow(/not a review record/);
    expect(() => parseReviewRecord(JSON.stringify({ ...JSON.parse(good), resource_changes: [{}] }), "r.json")).toThrow(/resource_changes/);
  });
});
