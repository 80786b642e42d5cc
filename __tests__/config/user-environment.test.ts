import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { CONFIG_DIRECTORY, loadConfig } from "../../config";
import { buildApp } from "../../stacks/app";
import { synthesize } from "../helpers/synth";

/**
 * A user's own environment beside the shipped examples: with `accountId` it is compared only with
 * environments of that account, so CI access in it does not clash with hcp-example's OIDC provider, and
 * every AWS provider of its stacks refuses other accounts' credentials (allowed_account_ids:
 * https://registry.terraform.io/providers/hashicorp/aws/latest/docs#allowed_account_ids; the provider
 * checks it when it is configured, before any resource is read or changed: hashicorp/terraform-provider-aws
 * internal/conns/config.go, VerifyAccountIDAllowed).
 */
const SHIPPED = readdirSync(CONFIG_DIRECTORY)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.slice(0, -".json".length))
  .sort();

const ACCOUNT = "444455556666";

/** A realistic user environment: S3 state, GitHub CI access, a pipeline whose example fleet is in another region (an aliased provider). */
function mine(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    $schema: "../schema.json",
    project: "acme",
    region: "us-east-1",
    backend: { bucket: "acme-mine-tf-state" },
    imageBuilder: { pipelines: [{ name: "web", regions: ["us-east-1", "eu-west-1"], exampleFleet: { enabled: true, region: "eu-west-1" } }] },
    ciAccess: { github: { repository: "acme/infra" } },
    ...extra,
  };
}

describe("a user environment beside the shipped examples", () => {
  let directory: string;
  const write = (name: string, raw: Record<string, unknown>): void => writeFileSync(join(directory, `${name}.json`), JSON.stringify(raw));
  beforeEach(() => {
    // The shipped examples, untouched, plus the user's file.
    directory = mkdtempSync(join(tmpdir(), "user-env-"));
    for (const name of SHIPPED) copyFileSync(join(CONFIG_DIRECTORY, `${name}.json`), join(directory, `${name}.json`));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  test("without accountId, CI access clashes with hcp-example's OIDC provider, and the message names accountId as the fix in this file", () => {
    write("mine", mine());
    expect(() => loadConfig("mine", directory)).toThrow(
      /ciAccess\.github: creates the OIDC provider for token\.actions\.githubusercontent\.com, and so does environment "hcp-example"; .*set accountId to it/,
    );
  });

  test("with accountId it loads, and so does every shipped example, none of them edited", () => {
    write("mine", mine({ accountId: ACCOUNT }));
    expect(loadConfig("mine", directory).accountId).toBe(ACCOUNT);
    for (const name of SHIPPED) expect(() => loadConfig(name, directory)).not.toThrow();
  });

  test("two environments of one account that both create the provider still clash, naming the account", () => {
    write("mine", mine({ accountId: ACCOUNT }));
    write("mine-b", mine({ accountId: ACCOUNT }));
    expect(() => loadConfig("mine", directory)).toThrow(/and so does environment "mine-b" \(both in account 444455556666\); IAM holds one per account/);
    write("mine-b", mine({ accountId: "777788889999" }));
    expect(() => loadConfig("mine", directory)).not.toThrow();
  });

  test("allowed_account_ids is on every AWS provider of every stack, the aliased regional ones included", () => {
    // Prepare
    write("mine", mine({ accountId: ACCOUNT }));
    const app = buildApp(loadConfig("mine", directory), { outdir: Testing.app().outdir });
    const stacks = app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack);

    // Act
    const providers = stacks.flatMap((stack) =>
      (synthesize(stack).provider["aws"] ?? []).map((provider) => ({ stack: stack.node.id, block: provider as Record<string, unknown> })),
    );

    // Assess
    expect(stacks.map((stack) => stack.node.id).sort()).toEqual(["ami-tracker", "ci-access", "state-bootstrap"]);
    expect(providers).toContainEqual({ stack: "ami-tracker", block: expect.objectContaining({ alias: "eu-west-1", region: "eu-west-1" }) });
    for (const { stack, block } of providers) expect([stack, block["alias"], block["allowed_account_ids"]]).toEqual([stack, block["alias"], [ACCOUNT]]);
  });

  test("an environment without accountId gets no allowed_account_ids (the shipped examples synthesize as before)", () => {
    const app = buildApp(loadConfig("default"), { outdir: Testing.app().outdir });
    const stacks = app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack);
    for (const stack of stacks) {
      for (const provider of synthesize(stack).provider["aws"] ?? []) expect(provider).not.toHaveProperty("allowed_account_ids");
    }
  });

  test("an accountId that is not 12 digits is a configuration error naming the value and the fix", () => {
    write("mine", mine({ accountId: "4444-5555-6666" }));
    expect(() => loadConfig("mine", directory)).toThrow(/accountId: "4444-5555-6666" is not a 12-digit AWS account ID; write it like "111122223333"/);
  });
});
