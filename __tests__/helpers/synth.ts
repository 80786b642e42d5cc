import { Testing, type TerraformStack } from "cdktf";
import { loadConfig, parseConfig, type AppConfig } from "../../config";

/** A validated configuration from a partial raw object, as if read from config/environments/<env>.json. */
export function testConfig(raw: Record<string, unknown> = {}, environment = "test"): AppConfig {
  return parseConfig(raw, environment);
}

/** Turns CI access on for an environment that has none, so its workload stacks get roles to check. */
export function withCiAccess(environment: string): AppConfig {
  const config = loadConfig(environment);
  if (config.ciAccess.enabled) return config;
  return {
    ...config,
    backend: { type: "s3", bucket: "acme-tf-state", region: config.region, keyPrefix: "acme", useLockfile: true },
    ciAccess: { enabled: true, github: { repository: "acme/app", mainBranch: "main", createOidcProvider: true } },
  };
}

/** The resource/data blocks of a synthesized stack, for fine-grained assertions. */
export interface SynthesizedStack {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly data: Record<string, Record<string, Record<string, unknown>>>;
  readonly output: Record<string, { value: unknown }>;
  readonly terraform: Record<string, unknown>;
  readonly provider: Record<string, unknown[]>;
}

export function synthesize(stack: TerraformStack): SynthesizedStack {
  return JSON.parse(Testing.synth(stack)) as SynthesizedStack;
}

/** All resources of one type, as a list (logical IDs are hashed: never pin them in tests). */
export function resourcesOf(stack: SynthesizedStack, type: string): Record<string, unknown>[] {
  return Object.values(stack.resource[type] ?? {});
}

export function onlyResource(stack: SynthesizedStack, type: string): Record<string, unknown> {
  const all = resourcesOf(stack, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0] as Record<string, unknown>;
}

export function dataOf(stack: SynthesizedStack, type: string): Record<string, unknown>[] {
  return Object.values(stack.data[type] ?? {});
}

/** The IAM policy document data source a `${data.aws_iam_policy_document.X.json}` reference points at. */
export function policyBehind(stack: SynthesizedStack, reference: unknown): { statement: PolicyStatementJson[] } {
  const match = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(String(reference));
  if (!match?.[1]) throw new Error(`not a policy document reference: ${String(reference)}`);
  const document = stack.data["aws_iam_policy_document"]?.[match[1]];
  if (!document) throw new Error(`no policy document ${match[1]}`);
  return document as unknown as { statement: PolicyStatementJson[] };
}

export interface PolicyStatementJson {
  sid?: string;
  effect: string;
  actions: string[];
  resources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  condition?: { test: string; variable: string; values: string[] }[];
}
