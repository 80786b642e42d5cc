/**
 * Writes the plan fixtures of __tests__/fixtures/plans/ with the real terraform and hashicorp/aws,
 * offline (the offline plan tier's CLI config, overrides and blocked network):
 *
 *   npm run plan:fixtures            # about 3 minutes on a busy 2-core machine
 *   npm run plan:fixtures -- --only changes   # one group: failure, tracker, changes or state-bootstrap
 *   npm run plan:fixtures -- --help  # the options; nothing is run or written
 *
 * - create.json: `terraform show -json` of the default state-bootstrap stack planned from nothing;
 * - no-changes.json, drift.json: the same stack against a state seeded from that plan's values (two
 *   passes until the plan is empty), and a state where someone suspended versioning and re-opened a
 *   public-access setting (what a refresh finds after a change in the console);
 * - destroy-refused.log: `plan -destroy` of that stack, refused by the bucket's prevent_destroy;
 * - tracker-owned.json: parameters the tracker writes, managed by Terraform, with the value and tags
 *   the tracker wrote in state (one parameter with ignore_changes, one without);
 * - destroy.json, replace.json: the same parameters destroyed, and replaced (a data_type change);
 * - plan-failure.log: terraform's own output of a failing plan whose diagnostic prints a token;
 * - replace.txt, no-changes.txt: the human `terraform plan` output (what HCP Terraform streams back);
 * - update.json, sensitive.json: a hand-written stack (a security group, a queue, parameters, a policy)
 *   against states holding other values: nested, long and sensitive arguments changed in place.
 *
 * Plans with -refresh=false read no AWS API: the seeded state stands for what a refresh would return.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatArn, ssmParameterArn } from "../../aws/arn";
import { loadConfig } from "../../config";
import { synthesize } from "./lib/environments";
import type { PlanJson } from "./lib/plan-result";
import { NO_NETWORK, prepareTerraform, type TerraformContext } from "./lib/terraform-context";
import { defineCommand, exitWith, processIo, runCommand, type CliIo } from "../shared/cli-args.cjs";
import { changedArguments, type ValueChange } from "../shared/plan-diff";
import { backendOverride, providerOverride, type Json, type JsonObject } from "./lib/stack-json";

export const FIXTURE_DIRECTORY = join(__dirname, "../../__tests__/fixtures/plans");
// Not under __tests__/terraform/fixtures/stacks/: the offline plan tier plans every stack there.
const FIXTURE_STACKS = join(__dirname, "../../__tests__/fixtures/plan-stacks");

interface Resource {
  readonly address: string;
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  /** The count index or for_each key. */
  readonly index?: string | number;
  readonly change: { readonly actions: readonly string[]; readonly after: Json; readonly after_unknown?: Json; readonly after_sensitive?: Json };
}

/** A value with its unknown leaves filled: ids and bucket references by `known`, the rest null. */
function fill(after: Json | undefined, unknown: Json | undefined, key: string, known: Readonly<Record<string, string>>): Json {
  if (unknown === true) return known[key] ?? null;
  if (Array.isArray(after) && Array.isArray(unknown)) return after.map((item, index) => fill(item, unknown[index], key, known));
  if (unknown !== null && typeof unknown === "object" && !Array.isArray(unknown)) {
    const base: JsonObject = after !== null && typeof after === "object" && !Array.isArray(after) ? { ...after } : {};
    for (const [name, value] of Object.entries(unknown)) base[name] = fill(base[name], value, name, known);
    return base;
  }
  return after ?? null;
}

/**
 * Attributes marked sensitive in a plan (also inside maps and blocks, as a sensitive variable in
 * `tags` is), as state paths: cty's path steps, `get_attr` for an attribute, `index` for a map key
 * or list position.
 */
function sensitivePaths(afterSensitive: Json | undefined, prefix: Json[] = []): Json[] {
  if (afterSensitive === null || typeof afterSensitive !== "object") return [];
  const entries: Array<[string | number, Json]> = Array.isArray(afterSensitive)
    ? afterSensitive.map((value, index) => [index, value])
    : Object.entries(afterSensitive);
  return entries.flatMap(([key, sensitive]) => {
    const step: Json =
      prefix.length === 0 && typeof key === "string"
        ? { type: "get_attr", value: key }
        : { type: "index", value: typeof key === "number" ? { value: key, type: "number" } : { value: key, type: "string" } };
    return sensitive === true ? [[...prefix, step]] : sensitivePaths(sensitive, [...prefix, step]);
  });
}

/** A version-4 state holding what `plan` says each managed resource (and output) will be. */
export function stateFromPlan(
  plan: PlanJson,
  known: Readonly<Record<string, string>>,
  edit: (type: string, attributes: JsonObject) => void = () => undefined,
): JsonObject {
  const planned = JSON.stringify(plan.planned_values ?? {});
  const schemaVersion = (address: string): number => {
    const match = new RegExp(`"address":"${address.replace(/[.[\]]/g, "\\$&")}"[^{}]*?"schema_version":(\\d+)`).exec(planned);
    return Number(match?.[1] ?? 0);
  };
  // One state resource per block, one instance per count index or for_each key (index_key).
  const resources: JsonObject[] = [];
  for (const resource of (plan.resource_changes ?? []) as readonly Resource[]) {
    if (resource.mode !== "managed" || resource.change.actions.includes("delete")) continue;
    // A copy: edits of one state never reach the plan it is made from.
    const attributes = fill(structuredClone(resource.change.after), resource.change.after_unknown, "", known) as JsonObject;
    edit(resource.type, attributes);
    const instance: JsonObject = {
      ...(resource.index !== undefined ? { index_key: resource.index } : {}),
      schema_version: schemaVersion(resource.address),
      attributes,
      // Sensitive attributes recorded as Terraform records them, or the plan shows a sensitivity-only update.
      sensitive_attributes: sensitivePaths(resource.change.after_sensitive),
    };
    const existing = resources.find((entry) => entry["type"] === resource.type && entry["name"] === resource.name);
    if (existing !== undefined) (existing["instances"] as Json[]).push(instance);
    else
      resources.push({
        mode: "managed",
        type: resource.type,
        name: resource.name,
        ...(resource.index !== undefined ? { each: typeof resource.index === "number" ? "list" : "map" } : {}),
        provider: 'provider["registry.terraform.io/hashicorp/aws"]',
        instances: [instance],
      });
  }
  const outputs = (plan.planned_values as { outputs?: Record<string, { value?: Json }> } | undefined)?.outputs ?? {};
  return {
    version: 4,
    terraform_version: plan.terraform_version,
    serial: 1,
    lineage: "plan-fixtures-seeded-state",
    outputs: Object.fromEntries(
      Object.entries(outputs)
        .filter(([, output]) => output.value !== undefined)
        .map(([name, output]) => [name, { value: output.value ?? null, type: "string" }]),
    ),
    resources,
  };
}

class Workspace {
  constructor(
    readonly folder: string,
    private readonly context: TerraformContext,
  ) {}

  terraform(args: readonly string[]): { code: number; output: string; stdout: string } {
    const result = spawnSync(this.context.terraform, args, {
      cwd: this.folder,
      env: { ...this.context.env, ...NO_NETWORK },
      encoding: "utf8",
      timeout: 5 * 60 * 1000,
    });
    return { code: result.status ?? 1, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
  }

  /** plan -out, then show -json; returns the JSON plan and the human output. */
  plan(extra: readonly string[] = []): { plan: PlanJson; text: string } {
    const planned = this.terraform(["plan", "-input=false", "-lock=false", "-no-color", "-out=fixture.tfplan", ...extra]);
    if (planned.code !== 0) throw new Error(`plan ${extra.join(" ")} failed in ${this.folder}:\n${planned.output}`);
    const shown = this.terraform(["show", "-json", "fixture.tfplan"]);
    if (shown.code !== 0) throw new Error(`show failed:\n${shown.output}`);
    return { plan: JSON.parse(shown.stdout) as PlanJson, text: planned.stdout };
  }

  seed(state: JsonObject): void {
    writeFileSync(join(this.folder, "terraform.tfstate"), `${JSON.stringify(state, null, 2)}\n`);
  }
}

/** Copies a stack folder, adds the offline overrides, runs init. */
function prepare(source: string, folder: string, context: TerraformContext): Workspace {
  cpSync(source, folder, { recursive: true });
  const stack = JSON.parse(readFileSync(join(folder, "cdk.tf.json"), "utf8")) as JsonObject;
  writeFileSync(join(folder, "zz_offline_plan_backend_override.tf.json"), JSON.stringify(backendOverride(), null, 2));
  const providers = providerOverride(stack, {});
  if (providers) writeFileSync(join(folder, "zz_offline_plan_provider_override.tf.json"), JSON.stringify(providers, null, 2));
  const workspace = new Workspace(folder, context);
  const init = workspace.terraform(["init", "-input=false", "-no-color"]);
  if (init.code !== 0) throw new Error(`init failed in ${folder}:\n${init.output}`);
  return workspace;
}

const changed = (plan: PlanJson): string[] =>
  ((plan.resource_changes ?? []) as readonly Resource[]).filter((r) => !r.change.actions.every((a) => a === "no-op" || a === "read")).map((r) => r.address);

function write(name: string, content: string): void {
  writeFileSync(join(FIXTURE_DIRECTORY, name), content);
  console.log(`[plan-fixtures] wrote ${name} (${content.length} bytes)`);
}

const json = (plan: PlanJson): string => `${JSON.stringify(plan, null, 1)}\n`;

function stateBootstrapFixtures(root: string, context: TerraformContext): void {
  const outdir = synthesize(loadConfig("default"), join(root, "synth"));
  const workspace = prepare(join(outdir, "stacks", "state-bootstrap"), join(root, "state-bootstrap"), context);
  const create = workspace.plan().plan;
  write("create.json", json(create));
  const bucketChange = ((create.resource_changes ?? []) as readonly Resource[]).find((resource) => resource.type === "aws_s3_bucket");
  const bucket = String((bucketChange?.change.after as JsonObject | undefined)?.["bucket"]);
  const known = { id: bucket, bucket, arn: formatArn({ partition: "aws", service: "s3", resource: bucket }) };

  // Two passes: the first resolves what depended on unknown values (the bucket policy's JSON).
  let current = create;
  for (let pass = 1; pass <= 3 && (pass === 1 || changed(current).length > 0); pass++) {
    workspace.seed(stateFromPlan(current, known));
    current = workspace.plan(["-refresh=false"]).plan;
  }
  if (changed(current).length > 0) throw new Error(`the seeded state still plans changes: ${changed(current).join(", ")}`);
  const clean = stateFromPlan(current, known);
  workspace.seed(clean);
  const noChanges = workspace.plan(["-refresh=false"]);
  write("no-changes.json", json(noChanges.plan));
  write("no-changes.txt", noChanges.text);

  // The state bucket has prevent_destroy: Terraform refuses the destroy plan. A real failure to report.
  const refused = workspace.terraform(["plan", "-input=false", "-lock=false", "-no-color", "-refresh=false", "-destroy"]);
  if (refused.code === 0) throw new Error("the state bucket's destroy plan passed; prevent_destroy should refuse it");
  write("destroy-refused.log", refused.output);

  workspace.seed(
    stateFromPlan(current, known, (type, attributes) => {
      if (type === "aws_s3_bucket_versioning") {
        const configuration = (attributes["versioning_configuration"] as JsonObject[] | undefined)?.[0];
        if (configuration) configuration["status"] = "Suspended";
      }
      if (type === "aws_s3_bucket_public_access_block") attributes["block_public_acls"] = false;
    }),
  );
  write("drift.json", json(workspace.plan(["-refresh=false"]).plan));
}

function trackerFixtures(root: string, context: TerraformContext): void {
  const workspace = prepare(join(FIXTURE_STACKS, "tracker-parameter"), join(root, "tracker-parameter"), context);
  const create = workspace.plan().plan;
  const written: Record<string, string> = { Source: "ami-tracker", AMI_ID: "ami-0fedcba9876543210", IMAGE_VERSION: "1.0.7", IMAGE_BUILD_VERSION: "3" };
  const seeded = (edit?: (type: string, attributes: JsonObject) => void): JsonObject =>
    stateFromPlan(
      create,
      { id: "/ec2-imagebuilder/latest", arn: "arn:aws:ssm:us-east-1:111122223333:parameter/ec2-imagebuilder/latest", version: "1" },
      (type, attributes) => {
        attributes["id"] = attributes["name"] ?? null;
        attributes["arn"] = ssmParameterArn({ partition: "aws", region: "us-east-1", account: "111122223333" }, String(attributes["name"]));
        attributes["version"] = 1;
        edit?.(type, attributes);
      },
    );
  workspace.seed(seeded());
  let current = workspace.plan(["-refresh=false"]).plan;
  // What the tracker does after the parameter exists: a new value and its tags.
  workspace.seed(
    stateFromPlan(current, {}, (type, attributes) => {
      if (type !== "aws_ssm_parameter") return;
      attributes["value"] = "ami-0fedcba9876543210";
      attributes["insecure_value"] = null;
      attributes["version"] = 7;
      attributes["tags"] = { ...((attributes["tags"] as JsonObject | null) ?? {}), ...written };
      attributes["tags_all"] = { ...((attributes["tags_all"] as JsonObject | null) ?? {}), ...written };
    }),
  );
  const owned = workspace.plan(["-refresh=false"]).plan;
  write("tracker-owned.json", json(owned));

  workspace.seed(stateFromPlan(current, {}));
  write("destroy.json", json(workspace.plan(["-refresh=false", "-destroy"]).plan));
  // data_type cannot change after creation: a parameter created as "text" is replaced.
  workspace.seed(
    stateFromPlan(current, {}, (type, attributes) => {
      if (type === "aws_ssm_parameter" && attributes["name"] === "/ec2-imagebuilder/web/latest") attributes["data_type"] = "text";
    }),
  );
  const replace = workspace.plan(["-refresh=false"]);
  write("replace.json", json(replace.plan));
  write("replace.txt", replace.text);
}

/** Seeds the state from a plan until the plan is empty (later passes resolve values that were unknown). */
function settle(
  workspace: Workspace,
  first: PlanJson,
  known: Readonly<Record<string, string>>,
  edit?: (type: string, attributes: JsonObject) => void,
): PlanJson {
  let current = first;
  for (let pass = 1; pass <= 3 && (pass === 1 || changed(current).length > 0); pass++) {
    workspace.seed(stateFromPlan(current, known, edit));
    current = workspace.plan(["-refresh=false"]).plan;
  }
  if (changed(current).length > 0) {
    const details = ((current.resource_changes ?? []) as readonly Resource[])
      .filter((resource) => changed(current).includes(resource.address))
      .map(
        (resource) =>
          `${resource.address}: ${JSON.stringify(changedArguments(resource.change as ValueChange))} unknown: ${JSON.stringify(resource.change.after_unknown)}`,
      );
    throw new Error(`the seeded state still plans changes:\n${details.join("\n")}`);
  }
  return current;
}

/**
 * update.json and sensitive.json: the `changes` stack against states holding other values, as an
 * earlier commit or a console change leaves them: nested (a tag, a CIDR inside an ingress block), long
 * (a policy document) and sensitive (a SecureString value, a tag from a sensitive variable) arguments.
 */
function changesFixtures(root: string, context: TerraformContext): void {
  const workspace = prepare(join(FIXTURE_STACKS, "changes"), join(root, "changes"), context);
  const ids: Readonly<Record<string, (attributes: JsonObject) => JsonObject>> = {
    // egress is optional and computed: a state without it plans it as unknown on every run.
    aws_security_group: () => ({
      egress: [],
      id: "sg-0123456789abcdef0",
      arn: "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0123456789abcdef0",
      owner_id: "111122223333",
    }),
    aws_sqs_queue: () => ({
      id: "https://sqs.us-east-1.amazonaws.com/111122223333/jobs",
      arn: "arn:aws:sqs:us-east-1:111122223333:jobs",
      url: "https://sqs.us-east-1.amazonaws.com/111122223333/jobs",
    }),
    aws_ssm_parameter: (attributes) => ({
      id: attributes["name"] ?? null,
      arn: ssmParameterArn({ partition: "aws", region: "us-east-1", account: "111122223333" }, String(attributes["name"])),
      version: 1,
    }),
    aws_iam_policy: () => ({
      id: "arn:aws:iam::111122223333:policy/reader",
      arn: "arn:aws:iam::111122223333:policy/reader",
      policy_id: "ANPAEXAMPLEPOLICYID01",
    }),
  };
  const identify = (type: string, attributes: JsonObject): void => {
    Object.assign(attributes, ids[type]?.(attributes) ?? {});
  };
  const clean = settle(workspace, workspace.plan().plan, {}, identify);
  const seededWith = (edit: (type: string, attributes: JsonObject) => void): { plan: PlanJson; text: string } => {
    workspace.seed(
      stateFromPlan(clean, {}, (type, attributes) => {
        identify(type, attributes);
        edit(type, attributes);
      }),
    );
    return workspace.plan(["-refresh=false"]);
  };
  const update = seededWith((type, attributes) => {
    if (type === "aws_security_group") {
      const ingress = (attributes["ingress"] as JsonObject[] | undefined)?.[0];
      if (ingress) ingress["cidr_blocks"] = ["10.0.0.0/16", "10.2.0.0/16"];
      attributes["tags"] = { Env: "staging", Name: "web" };
    }
    if (type === "aws_sqs_queue") attributes["visibility_timeout_seconds"] = 30;
    if (type === "aws_iam_policy") attributes["policy"] = String(attributes["policy"]).replace(',"sqs:DeleteMessage"', "");
    if (type === "aws_ssm_parameter" && attributes["type"] === "String") attributes["insecure_value"] = "v1";
  });
  write("update.json", json(update.plan));
  // Terraform's own text of the same plan: what tfcmt and Atlantis post, and what goes to the job summary.
  write("update.txt", update.text);
  const sensitive = seededWith((type, attributes) => {
    if (type === "aws_ssm_parameter" && attributes["type"] === "SecureString") attributes["value"] = "fixture-token-before-0000";
    if (type === "aws_sqs_queue") attributes["tags"] = { ...(attributes["tags"] as JsonObject), Token: "fixture-token-before-0000" };
  });
  write("sensitive.json", json(sensitive.plan));
}

function failureFixture(root: string, context: TerraformContext): void {
  const workspace = prepare(join(FIXTURE_STACKS, "failing-plan"), join(root, "failing-plan"), context);
  const planned = workspace.terraform(["plan", "-input=false", "-lock=false", "-no-color"]);
  if (planned.code === 0) throw new Error("the failing-plan stack planned; it must fail");
  write("plan-failure.log", planned.output);
}

const GROUPS: Readonly<Record<string, (root: string, context: TerraformContext) => void>> = {
  failure: failureFixture,
  tracker: trackerFixtures,
  changes: changesFixtures,
  "state-bootstrap": stateBootstrapFixtures,
};

export const COMMAND = defineCommand({
  command: "npm run plan:fixtures --",
  name: "plan:fixtures",
  summary:
    "Rewrites the real plan fixtures of __tests__/fixtures/plans/ with terraform and hashicorp/aws, offline (minutes on a busy " +
    "2-core machine; the plan-summary and apply-gate tests read them). Commit the files it changes.",
  options: {
    only: { type: "string", value: "GROUP", description: "rewrite one group of fixtures only", choices: Object.keys(GROUPS) },
  },
});

/** The CLI: the fixtures (or one group), in a temporary work folder removed after. */
export function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCommand(COMMAND, argv, io, ({ values }) => {
    const root = mkdtempSync(join(tmpdir(), "plan-fixtures-"));
    try {
      const context = prepareTerraform(root, "stand-in");
      mkdirSync(FIXTURE_DIRECTORY, { recursive: true });
      for (const [name, group] of Object.entries(GROUPS)) if (values.only === undefined || name === values.only) group(root, context);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    io.out(`wrote ${FIXTURE_DIRECTORY.slice(join(__dirname, "..", "..").length + 1)}${values.only !== undefined ? ` (${values.only})` : ""}`);
    return 0;
  });
}

if (require.main === module) exitWith(main(process.argv.slice(2)));
