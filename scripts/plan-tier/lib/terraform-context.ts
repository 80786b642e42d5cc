/**
 * What every stack of a run plans with: the terraform binary, the provider mirror and the CLI config
 * written for it, the blocked network, the archive mode, and the plan cache of this toolchain; and how
 * one terraform command is run.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { findProviderMirror, findTerraform, terraformEnvironment, writeCliConfig, type ProviderMirror } from "../../../stacks/terraform-env";
import { PlanCache, toolchainDigest } from "./plan-cache";
import type { PlanJson } from "./plan-result";
import type { InitPool } from "./shared-init";
import type { SharedProviderPool } from "./shared-provider";

export const ARCHIVE_MODES = ["auto", "stand-in", "provider"] as const;
export type ArchiveMode = (typeof ARCHIVE_MODES)[number];

/** A bound on every terraform command: a hung provider download fails the tier instead of hanging it. */
const COMMAND_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * Plan requests go through a proxy that does not exist: the plan cannot reach AWS (or anything else)
 * even by mistake, so a passing plan proves it needed no network.
 */
export const NO_NETWORK: NodeJS.ProcessEnv = {
  HTTPS_PROXY: "http://127.0.0.1:9",
  HTTP_PROXY: "http://127.0.0.1:9",
  https_proxy: "http://127.0.0.1:9",
  http_proxy: "http://127.0.0.1:9",
  // Only the script's own local stand-ins are reachable.
  NO_PROXY: "127.0.0.1",
  no_proxy: "127.0.0.1",
};

export const BLOCKED_HINT =
  "\n[offline-plan] the AWS provider tried to reach AWS while planning (the script blocks every network call: " +
  "proxy 127.0.0.1:9). Something in this stack needs AWS at plan time; keep such data sources and resources out of stacks, " +
  "or add an offline stand-in in scripts/plan-tier/lib/aws-stand-ins.ts.";

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runTerraform(binary: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(binary, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], timeout: COMMAND_TIMEOUT_MS });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => resolvePromise({ code: 127, stdout: "", stderr: error.message }));
    child.on("close", (code, signal) =>
      resolvePromise({
        code: code ?? 1,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8") + (signal ? `\n(terraform ${args[0] ?? ""} stopped by ${signal})` : ""),
      }),
    );
  });
}

export function failureText(result: CommandResult): string {
  const text = [result.stderr.trim(), result.stdout.trim()].filter((part) => part !== "").join("\n");
  return text.includes("127.0.0.1:9") ? `${text}${BLOCKED_HINT}` : text;
}

/** The shared context of one run: the terraform binary, the mirror, the generated CLI config. */
export interface TerraformContext {
  readonly terraform: string;
  readonly mirror: ProviderMirror | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly archiveMode: Exclude<ArchiveMode, "auto">;
  /** The local stand-in of Step Functions' ValidateStateMachineDefinition. @default - none: such plans fail offline */
  readonly sfnEndpoint?: string;
  /** Running aws providers that stacks plan through. @default - none: terraform starts its own */
  readonly sharedProviders?: SharedProviderPool;
  /** Passing plans of earlier runs. @default - none */
  readonly cache?: PlanCache<PlanJson>;
  /** One `init` per set of required providers (shared-init.ts). @default - none: every stack runs its own */
  readonly initPool?: InitPool;
}

/** Finds terraform and the mirror, writes the CLI config into `workRoot`. Throws when terraform is absent. */
export function prepareTerraform(workRoot: string, archive: ArchiveMode = "auto", binary?: string): TerraformContext {
  const terraform = binary ?? findTerraform();
  if (terraform === undefined) throw new Error("terraform is not on the PATH; install Terraform 1.11 to run the offline plan tier");
  const mirror = findProviderMirror();
  const cliConfig = writeCliConfig(join(workRoot, "terraformrc.hcl"), mirror);
  const requested = archive === "auto" ? archiveModeFromEnv() : archive;
  const archiveMode =
    requested !== "auto" ? requested : mirror !== undefined && !mirror.providers.includes("registry.terraform.io/hashicorp/archive") ? "stand-in" : "provider";
  return { terraform, mirror, env: terraformEnvironment(cliConfig), archiveMode };
}

function archiveModeFromEnv(): ArchiveMode {
  const value = process.env["OFFLINE_PLAN_ARCHIVE"];
  if (value === undefined || value === "") return "auto";
  if (value === "auto" || value === "stand-in" || value === "provider") return value;
  throw new Error(`OFFLINE_PLAN_ARCHIVE="${value}" is not one of auto, stand-in, provider`);
}

/** The plan cache of this terraform and provider mirror, or undefined without a mirror (the providers then come from elsewhere). */
export async function openCache(directory: string, context: TerraformContext, workRoot: string): Promise<PlanCache<PlanJson> | undefined> {
  if (context.mirror === undefined) return undefined;
  const version = await runTerraform(context.terraform, ["version", "-json"], workRoot, context.env);
  if (version.code !== 0) return undefined;
  const { terraform_version: release, platform } = JSON.parse(version.stdout) as { terraform_version?: string; platform?: string };
  if (release === undefined) return undefined;
  const cache = new PlanCache<PlanJson>(directory, toolchainDigest(`${release} ${platform ?? ""}`, context.mirror.path));
  cache.prune();
  return cache;
}
