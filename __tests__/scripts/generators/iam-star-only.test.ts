import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { STAR_ONLY_ACTIONS } from "../../../aws/iam-star-only";
import { ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS } from "../../../stacks/rules/checks/iam";
import { loadReference } from "../../../scripts/generators/iam-reference/reference";
import { STAR_ONLY_FILE, starOnlyModuleText, tableActions } from "../../../scripts/generators/iam-star-only";

describe("aws/iam-star-only.ts", () => {
  test("is current: npm run iam:star-only writes the same bytes from the installed reference data", async () => {
    expect(readFileSync(STAR_ONLY_FILE, "utf8")).toBe(await starOnlyModuleText());
    // Reading the reference data takes seconds beside other suites on two cores.
  }, 30_000);

  test("lists exactly the table's actions the reference gives no resource type (the ones issue 22 found among them)", async () => {
    const actions = tableActions();
    const reference = await loadReference(actions.map((action) => action.split(":")[0] ?? ""));
    expect([...STAR_ONLY_ACTIONS]).toEqual(actions.filter((action) => reference.action(action)?.resourceTypes.length === 0));
    for (const action of ["appconfig:CreateApplication", "kinesis:UpdateShardCount", "kinesis:UpdateStreamMode", "ram:CreateResourceShare", "kms:CreateKey"]) {
      expect(STAR_ONLY_ACTIONS.has(action)).toBe(true);
    }
    expect(STAR_ONLY_ACTIONS.has("kinesis:StartStreamEncryption")).toBe(false);
    // Reading the reference data takes seconds beside other suites on two cores.
  }, 30_000);

  test('IAM-2\'s list of actions granted on "*" (stacks/rules/checks/iam.ts) holds only actions the reference lets "*" grant: no required resource type', async () => {
    const actions = [...ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS];
    const reference = await loadReference(actions.map((action) => action.split(":")[0] ?? ""));
    const wrong = actions.filter((action) => {
      const details = reference.action(action);
      return details === undefined || details.resourceTypes.some((type) => type.required);
    });
    expect(wrong).toEqual([]);
    // Reading the reference data takes seconds beside other suites on two cores.
  }, 30_000);

  test("synth does not load the reference data: no module of the app imports it", () => {
    const folder = join(__dirname, "..", "..", "..", "stacks", "ci-access");
    const ciAccess = readdirSync(folder, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => `stacks/ci-access/${file}`);
    expect(ciAccess).toContain("stacks/ci-access/permissions/index.ts");
    for (const file of ["aws/iam-star-only.ts", ...ciAccess, "stacks/ci-access-stack.ts"]) {
      expect([file, /from\s+["']@cloud-copilot\/iam-data/.test(readFileSync(join(__dirname, "..", "..", "..", file), "utf8"))]).toEqual([file, false]);
    }
  });
});
