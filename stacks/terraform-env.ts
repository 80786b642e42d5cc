import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, delimiter, dirname, join } from "node:path";

const REGISTRY_HOST = "registry.terraform.io";

/** A provider filesystem mirror: the folder that holds `registry.terraform.io/<namespace>/<type>/`. */
export interface ProviderMirror {
  readonly path: string;
  /** Where it was found: `TF_PLUGIN_MIRROR`, or a search. */
  readonly source: string;
  /** What it holds, as `registry.terraform.io/<namespace>/<type>`. */
  readonly providers: readonly string[];
}

/**
 * Whether the terraform test tier runs: with `terraform`, it runs; without it, it is skipped on a
 * workstation but fails where `CI` is set (GitHub Actions sets CI=true), so CI never passes a tier it skipped.
 */
export function terraformTier(terraform: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): "run" | "skip" {
  if (terraform !== undefined) return "run";
  if (terraformTierWithoutTerraform(env) === "fail") {
    throw new Error(
      `CI=${env["CI"]} and \`terraform\` is not on the PATH: the terraform tier must run in CI; install Terraform 1.10+ (hashicorp/setup-terraform) before npm test`,
    );
  }
  return "skip";
}

/** The `terraform` binary on the PATH, or undefined: the tier is skipped (loudly) without it. */
export function findTerraform(pathVariable = process.env["PATH"] ?? ""): string | undefined {
  for (const folder of pathVariable.split(delimiter)) {
    if (folder === "") continue;
    const candidate = join(folder, process.platform === "win32" ? "terraform.exe" : "terraform");
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

export function terraformVersion(binary: string): string {
  const text = execFileSync(binary, ["version", "-json"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed === "object" && parsed !== null && "terraform_version" in parsed) {
    const version = (parsed as { terraform_version: unknown }).terraform_version;
    if (typeof version === "string") return version;
  }
  return "unknown";
}

/** The providers a mirror folder holds (empty when it holds none, or is not a mirror). */
export function mirrorProviders(mirror: string): string[] {
  const registry = join(mirror, REGISTRY_HOST);
  const providers: string[] = [];
  for (const namespace of listDirectories(registry)) {
    for (const type of listDirectories(join(registry, namespace))) {
      if (listDirectories(join(registry, namespace, type)).length > 0) providers.push(`${REGISTRY_HOST}/${namespace}/${type}`);
    }
  }
  return providers.sort();
}

/** Conventional places first (Terraform's own implied mirror folders), then a shallow search of the filesystem. */
function candidateMirrors(): string[] {
  const home = homedir();
  const dataHome = process.env["XDG_DATA_HOME"] ?? join(home, ".local", "share");
  const dataDirs = (process.env["XDG_DATA_DIRS"] ?? "/usr/local/share:/usr/share").split(":").filter((dir) => dir !== "");
  return [join(home, ".terraform.d", "plugins"), join(dataHome, "terraform", "plugins"), ...dataDirs.map((dir) => join(dir, "terraform", "plugins"))];
}

const SKIPPED_IN_SEARCH = new Set(["proc", "sys", "dev", "node_modules", ".git", "run", "snap"]);

/** Folders named registry.terraform.io at most `maxDepth` levels below `root` (like `find / -maxdepth 5`). */
function searchRegistryFolders(root: string, maxDepth: number): string[] {
  const found: string[] = [];
  const walk = (folder: string, depth: number): void => {
    if (depth > maxDepth) return;
    for (const name of listDirectories(folder)) {
      if (SKIPPED_IN_SEARCH.has(name)) continue;
      const path = join(folder, name);
      if (name === REGISTRY_HOST) {
        found.push(path);
        continue;
      }
      walk(path, depth + 1);
    }
  };
  walk(root, 1);
  return found.sort();
}

let cachedMirror: { readonly value: ProviderMirror | undefined } | undefined;

/**
 * The provider mirror to use: `TF_PLUGIN_MIRROR` if set (the folder holding registry.terraform.io,
 * or that folder itself); else the first conventional or found folder that holds hashicorp/aws;
 * else none (a machine with registry access needs none).
 */
export function findProviderMirror(env: NodeJS.ProcessEnv = process.env): ProviderMirror | undefined {
  const named = env["TF_PLUGIN_MIRROR"];
  if (named !== undefined && named !== "") {
    const path = basename(named) === REGISTRY_HOST ? dirname(named) : named;
    const providers = mirrorProviders(path);
    if (providers.length === 0) {
      throw new Error(`TF_PLUGIN_MIRROR="${named}" holds no ${REGISTRY_HOST}/<namespace>/<type>/ folder; point it at a provider mirror or unset it`);
    }
    return { path, source: "TF_PLUGIN_MIRROR", providers };
  }
  if (cachedMirror) return cachedMirror.value;
  const holdsAws = (path: string): boolean => mirrorProviders(path).includes(`${REGISTRY_HOST}/hashicorp/aws`);
  let value: ProviderMirror | undefined;
  const conventional = candidateMirrors().find(holdsAws);
  if (conventional !== undefined) {
    value = { path: conventional, source: "conventional location", providers: mirrorProviders(conventional) };
  } else {
    const found = searchRegistryFolders("/", 5)
      .map((folder) => dirname(folder))
      .find(holdsAws);
    if (found !== undefined) value = { path: found, source: "search of the filesystem", providers: mirrorProviders(found) };
  }
  cachedMirror = { value };
  return value;
}

/**
 * Writes a Terraform CLI config: providers the mirror holds come from it, the rest from their
 * registries. Returned path goes into TF_CLI_CONFIG_FILE of the child processes only.
 */
export function writeCliConfig(file: string, mirror: ProviderMirror | undefined): string {
  const lines = mirror
    ? [
        "provider_installation {",
        "  filesystem_mirror {",
        `    path    = ${JSON.stringify(mirror.path)}`,
        `    include = ${JSON.stringify(mirror.providers)}`,
        "  }",
        "  direct {",
        `    exclude = ${JSON.stringify(mirror.providers)}`,
        "  }",
        "}",
      ]
    : ["provider_installation {", "  direct {}", "}"];
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/** Variables that would change what Terraform or the AWS provider does, removed from the children's environment. */
const DROPPED = /^(TF_CLI_ARGS.*|TF_DATA_DIR|TF_WORKSPACE|TF_PLUGIN_CACHE_DIR|TF_LOG.*|AWS_.*)$/;

/** The environment of every terraform child process: the generated CLI config, no AWS credentials or profile. */
export function terraformEnvironment(cliConfigFile: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (!DROPPED.test(key)) env[key] = value;
  }
  return {
    ...env,
    TF_CLI_CONFIG_FILE: cliConfigFile,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

function listDirectories(folder: string): string[] {
  try {
    return readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * What the terraform tier does where `terraform` is missing: skip loudly on a developer's machine, but
 * fail where the CI variable is set (GitHub Actions and most CI systems set CI=true), so a CI image
 * without terraform cannot pass the tier by skipping it.
 */
export function terraformTierWithoutTerraform(env: Readonly<Record<string, string | undefined>> = process.env): "skip" | "fail" {
  return ciIsSet(env) ? "fail" : "skip";
}

/**
 * Which stacks the terraform tier plans: every stack of every environment where CI is set; elsewhere the
 * stacks that together hold every resource type and argument of them all (scripts/plan-tier/lib/plan-coverage.ts).
 */
export function terraformTierScope(env: Readonly<Record<string, string | undefined>> = process.env): "every stack" | "covering" {
  return ciIsSet(env) ? "every stack" : "covering";
}

/** GitHub Actions and most CI systems set CI=true; empty, "false" and "0" read as unset. */
function ciIsSet(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = (env["CI"] ?? "").trim().toLowerCase();
  return !(ci === "" || ci === "false" || ci === "0");
}
