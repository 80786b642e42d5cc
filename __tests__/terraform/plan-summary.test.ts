/**
 * The plan summary on plan JSON from the real `terraform show -json` (through the offline plan tier):
 * the state-bootstrap and ci-access stacks, planned from nothing, are create-only plans.
 * Skipped, loudly, where `terraform` is not on the PATH (the offline-plan tier says so too).
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../config";
import { findTerraform, planTargets, synthesize, type PlanReport } from "../../scripts/offline-plan";
import { terraformTier } from "../../scripts/lib/terraform-env";
import { GITHUB_COMMENT_LIMIT, changesOf, countByAction, summarize, type PlanDocument } from "../../scripts/plan-summary";

const describeTier = terraformTier(findTerraform()) === "run" ? describe : describe.skip;

describeTier("plan summary of real terraform plans", () => {
  let root = "";
  let report: PlanReport | undefined;

  beforeAll(
    async () => {
      root = realpathSync(mkdtempSync(join(tmpdir(), "plan-summary-tier-")));
      const targets = [
        { label: "default", outdir: synthesize(loadConfig("default"), join(root, "synth", "default")), stacks: ["state-bootstrap"] },
        { label: "hcp-example", outdir: synthesize(loadConfig("hcp-example"), join(root, "synth", "hcp-example")), stacks: ["ci-access"] },
      ];
      report = await planTargets(targets, { workRoot: join(root, "plan"), concurrency: 2 });
    },
    15 * 60 * 1000,
  );

  afterAll(() => {
    if (root !== "") rmSync(root, { recursive: true, force: true });
  });

  const plan = (id: string): PlanDocument => {
    const result = report?.results.find((candidate) => candidate.id === id);
    if (result === undefined || !result.ok || result.plan === undefined) {
      throw new Error(`${id} was not planned: ${result?.failedPhase ?? "missing"} ${result?.error ?? ""}`);
    }
    return result.plan;
  };

  test.each(["default/state-bootstrap", "hcp-example/ci-access"])("%s: a create-only plan is counted exactly, with no warning", (id) => {
    const document = plan(id);
    const managed = (document.resource_changes ?? []).filter((change) => change.mode === "managed");
    const counts = countByAction(changesOf(document));
    expect(counts).toEqual({ create: managed.length, update: 0, replace: 0, delete: 0, "no-op": 0, read: 0 });
    expect(counts.create).toBeGreaterThan(0);

    const stack = id.split("/")[1] ?? id;
    const text = summarize([{ stack, plan: document }], { marker: `<!-- plan:${stack} -->` });
    expect(text.startsWith(`<!-- plan:${stack} -->\n### Plan: \`${stack}\``)).toBe(true);
    expect(text).toContain(
      `**${managed.length} to create, 0 to update, 0 to replace, 0 to delete**, 0 unchanged (Terraform ${document.terraform_version ?? ""})`,
    );
    expect(text).not.toMatch(/\[!(WARNING|CAUTION)\]/);
    for (const change of managed) expect(text).toContain(`\`${change.address}\``);
    expect(text.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
  });

  test("the state bucket and its protections are in the real plan", () => {
    const types = (plan("default/state-bootstrap").resource_changes ?? [])
      .filter((change) => change.mode === "managed")
      .map((change) => change.type)
      .sort();
    expect(types).toEqual([
      "aws_s3_bucket",
      "aws_s3_bucket_lifecycle_configuration",
      "aws_s3_bucket_ownership_controls",
      "aws_s3_bucket_policy",
      "aws_s3_bucket_public_access_block",
      "aws_s3_bucket_server_side_encryption_configuration",
      "aws_s3_bucket_versioning",
    ]);
  });

  test("the ci-access plan creates both OIDC providers and both roles", () => {
    const types = (plan("hcp-example/ci-access").resource_changes ?? []).filter((change) => change.mode === "managed").map((change) => change.type);
    expect(types.filter((type) => type === "aws_iam_openid_connect_provider")).toHaveLength(2);
    expect(types.filter((type) => type === "aws_iam_role")).toHaveLength(2);
    expect(types).toContain("aws_iam_role_policy_attachment");
  });
});
