/**
 * plan.yml's steps on the HCP Terraform path, run against a stand-in of HCP Terraform's API on 127.0.0.1
 * (__tests__/helpers/hcp-stub.ts) as far as a stand-in honestly goes. Terraform reaches it through the CLI
 * configuration's `host` block, which replaces service discovery (the only part that needs HTTPS:
 * hashicorp/terraform issues 20453, 28309) with a service map pointing `tfe.v2` at the stand-in.
 * `terraform init` of a `cloud` block runs for real; the speculative plan stops where HCP Terraform's
 * own work begins (creating a configuration version, the first step of a remote run), which this test pins
 * so the limit in docs/plan-review.md ("HCP Terraform") stays true. Kept apart from workflow-steps.test.ts.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformStack, Testing } from "cdktf";
import { parse } from "yaml";
import { loadConfig } from "../../config";
import { configureBackend } from "../../stacks/backend";
import { findTerraform, terraformEnvironment, terraformTier } from "../../stacks/terraform-env";
import type { Workflow } from "../helpers/actions-runner";
import { type HcpStub, startHcpStub, stubWorkspaceId } from "../helpers/hcp-stub";

const terraform = findTerraform();
const describeTier = terraformTier(terraform) === "run" ? describe : describe.skip;

const PLAN_TOKEN = "fake-plan-token-0123456789";
const STACK = "ami-tracker";

interface Step {
  readonly id?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
}

/** A step of plan.yml's plan job, by id, with its secrets' expressions replaced by the fake plan token. */
function planStep(id: string): { run: string; env: Record<string, string> } {
  const workflow = parse(readFileSync(join(__dirname, "../../.github/workflows/plan.yml"), "utf8")) as Workflow;
  const steps = (workflow.jobs["plan"] as unknown as { steps: Step[] }).steps;
  const step = steps.find((candidate) => candidate.id === id);
  if (step?.run === undefined) throw new Error(`plan.yml's plan job has no run: step with id ${id}`);
  const env = Object.fromEntries(
    Object.entries(step.env ?? {}).map(([key, value]) => {
      if (value !== "${{ secrets.TF_PLAN_TOKEN }}") throw new Error(`step ${id}: env ${key} is ${value}, which this test does not evaluate`);
      return [key, PLAN_TOKEN];
    }),
  );
  return { run: step.run, env };
}

describeTier("plan.yml's HCP Terraform path against a stand-in of HCP Terraform's API", () => {
  const backend = loadConfig("hcp-example").backend;
  if (backend.type !== "cloud") throw new Error("config/environments/hcp-example.json must use backend.type cloud");
  const workspace = `${backend.workspacePrefix}${STACK}`;
  let hcp: HcpStub;
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    hcp = await startHcpStub(backend.organization, [PLAN_TOKEN]);
    hcp.projects.set("prj-ssmpatterns", backend.project);
    hcp.workspaces.set(workspace, { name: workspace, executionMode: "remote", projectId: "prj-ssmpatterns" });
    work = mkdtempSync(join(tmpdir(), "hcp-cloud-steps-"));
    // The stack's cloud block as the project synthesizes it (stacks/backend.ts), and one built-in resource.
    const stack = new TerraformStack(new App(), STACK);
    configureBackend(stack, STACK, backend);
    const synthesized = JSON.parse(Testing.synth(stack)) as Record<string, unknown>;
    mkdirSync(join(work, "cdktf.out", "stacks", STACK), { recursive: true });
    writeFileSync(
      join(work, "cdktf.out", "stacks", STACK, "cdk.tf.json"),
      JSON.stringify({ ...synthesized, resource: { terraform_data: { marker: { input: "hcp" } } } }, null, 2),
    );
    const cli = join(work, "cli.tfrc");
    writeFileSync(cli, `host ${JSON.stringify(backend.hostname)} {\n  services = { "tfe.v2" = ${JSON.stringify(`${hcp.url}/`)} }\n}\n`);
    env = { ...terraformEnvironment(cli), STACK_DIR: `cdktf.out/stacks/${STACK}`, CHECKPOINT_DISABLE: "1" };
  });
  afterAll(async () => {
    await hcp.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs a step in bash as the runner does; asynchronously, so the stand-in in this process can answer. */
  const runStep = (id: string): Promise<{ status: number | null; log: string }> => {
    const step = planStep(id);
    return new Promise((resolve, reject) => {
      const child = spawn("bash", ["-eo", "pipefail", "-c", step.run], { cwd: work, env: { ...env, ...step.env }, timeout: 120_000 });
      let log = "";
      child.stdout.on("data", (chunk: Buffer) => {
        log += chunk.toString("utf8");
      });
      child.stderr.on("data", (chunk: Buffer) => {
        log += chunk.toString("utf8");
      });
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, log }));
    });
  };

  test("terraform init (the step both backends share) initializes the cloud block against it, with the plan token", async () => {
    const { status, log } = await runStep("init");
    expect(log).toContain("HCP Terraform has been successfully initialized!");
    expect(status).toBe(0);
    expect(readFileSync(join(work, "init.log"), "utf8")).toContain("Initializing HCP Terraform...");
    const reads = hcp.calls.map((call) => `${call.method} ${call.path}`);
    expect(reads).toEqual(
      expect.arrayContaining([
        "GET /ping",
        `GET /organizations/${backend.organization}/entitlement-set`,
        `GET /organizations/${backend.organization}/workspaces/${workspace}`,
        `GET /organizations/${backend.organization}/projects`,
      ]),
    );
    expect(hcp.calls.filter((call) => call.path !== "/ping").every((call) => call.authorization === `Bearer ${PLAN_TOKEN}`)).toBe(true);
  });

  test("the speculative plan stops at the remote run: POST configuration-versions, which only HCP Terraform serves", async () => {
    hcp.calls.length = 0;
    const { status, log } = await runStep("plan-cloud");
    expect(status).not.toBe(0);
    expect(log).toContain("Failed to create configuration version");
    expect(hcp.calls.at(-1)).toMatchObject({ method: "POST", path: `/workspaces/${stubWorkspaceId(workspace)}/configuration-versions` });
  });
});
