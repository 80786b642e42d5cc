import { readdirSync } from "node:fs";
import { TerraformStack, Testing } from "cdktf";
import { CONFIG_DIRECTORY, loadConfig } from "../../config";
import { buildApp } from "../../stacks/app";
import { synthesize, testConfig } from "../helpers/synth";

const ENVIRONMENTS = readdirSync(CONFIG_DIRECTORY)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.replace(/\.json$/, ""))
  .sort();

/** The stacks of an app, synthesized, by name. */
function stacksOf(config: ReturnType<typeof loadConfig>): [string, ReturnType<typeof synthesize>][] {
  const app = buildApp(config, { outdir: Testing.app().outdir });
  return app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack).map((stack) => [stack.node.id, synthesize(stack)]);
}

/** Whether a `~> X.Y` / `>= X.Y` / exact constraint admits `version` (the forms the stacks use). */
function admits(constraint: string, version: string): boolean {
  const parts = (text: string) => text.split(".").map(Number);
  const [operator, bound = ""] = constraint.includes(" ") ? constraint.split(" ") : ["=", constraint];
  const want = parts(version);
  const have = parts(bound);
  const compare = have.reduce((order, part, index) => (order !== 0 ? order : Math.sign((want[index] ?? 0) - part)), 0);
  if (operator === "=") return compare === 0 && want.length === have.length;
  if (operator === ">=") return compare >= 0;
  if (operator === "~>") return compare >= 0 && have.slice(0, -1).every((part, index) => want[index] === part);
  throw new Error(`constraint form ${constraint} is not handled here`);
}

/** ciAccess + S3 backend + every stack: the configuration that turns everything on. */
const EVERYTHING_ON = testConfig({
  backend: { bucket: "acme-tf-state", keyPrefix: "team/app" },
  ciAccess: { github: { repository: "acme/ssm-patterns" } },
  imageBuilder: {
    pipelines: [
      { name: "tracked", exampleLaunchTemplate: true },
      { name: "native", mode: "native", exampleLaunchTemplate: true },
    ],
  },
  storageFirstApi: { enabled: true },
});

describe("every stack states what it needs of Terraform and its providers", () => {
  const cases = [
    ...ENVIRONMENTS.flatMap((environment) => stacksOf(loadConfig(environment)).map(([stack, json]) => [`${environment}/${stack}`, json] as const)),
    ...stacksOf(EVERYTHING_ON).map(([stack, json]) => [`everything-on/${stack}`, json] as const),
  ];

  test.each(cases)("%s: required_version >= 1.10 (the S3 lock file), aws admits 5.100.0, archive admits 2.7.1 where used", (_name, stack) => {
    const terraform = stack.terraform as { required_version?: string; required_providers: Record<string, { version?: string }> };
    expect(terraform.required_version).toBe(">= 1.10");
    expect(admits(terraform.required_version ?? "", "1.10.0")).toBe(true);
    expect(admits(terraform.required_version ?? "", "1.9.8")).toBe(false);
    const aws = terraform.required_providers["aws"]?.version ?? "";
    expect(admits(aws, "5.100.0")).toBe(true);
    expect(admits(aws, "6.0.0")).toBe(false);
    const archive = terraform.required_providers["archive"];
    if (stack.data?.["archive_file"] !== undefined) {
      expect(admits(archive?.version ?? "", "2.7.1")).toBe(true);
      expect(admits(archive?.version ?? "", "3.0.0")).toBe(false);
    } else {
      expect(archive).toBeUndefined();
    }
  });

  test("the constraint check itself: ~> 5.100 admits 5.100.0 and 5.101.2, not 6.0.0 or 5.99.0", () => {
    expect([admits("~> 5.100", "5.100.0"), admits("~> 5.100", "5.101.2"), admits("~> 5.100", "6.0.0"), admits("~> 5.100", "5.99.0")]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
