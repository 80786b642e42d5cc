import { type ChildProcess, spawn } from "node:child_process";
import { lstatSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * One hashicorp/aws process that several `terraform` commands use in turn, through Terraform's
 * provider-debugging mechanism: the provider binary started with `-debug` prints a
 * TF_REATTACH_PROVIDERS value, and a terraform command given that variable talks to the running process
 * instead of starting its own (https://developer.hashicorp.com/terraform/plugin/debugging).
 * `terraform test` otherwise starts the provider three times per stack (schema, validate, plan), each a
 * 675 MB binary's start-up.
 *
 * A provider process holds one configured AWS client at a time (ConfigureProvider replaces it), so a
 * process serves one terraform command at a time, and a stack with several aws provider
 * configurations (aliases) keeps Terraform's own processes.
 */
export const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";

/** How long a provider may take to print its reattach line: a bound on a hang, far above a start under load. */
const START_TIMEOUT_MS = 3 * 60 * 1000;
/** How much of the provider's stderr is kept for the message when it exits. */
const STDERR_TAIL = 4000;

export interface ProviderExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SharedProvider {
  /** The provider binary (its real path). */
  readonly binary: string;
  readonly pid: number;
  /** The value of TF_REATTACH_PROVIDERS for the terraform commands that use it. */
  readonly reattach: string;
  /** How it exited, or undefined while it runs. */
  readonly exited: () => ProviderExit | undefined;
  /** Why it is gone, with the end of its stderr: for the failing stack's message. */
  readonly describeExit: () => string;
  readonly stop: () => Promise<void>;
}

/** Reads the reattach configuration from what a provider started with `-debug` prints (`TF_REATTACH_PROVIDERS='{...}'`). */
export function parseReattachLine(output: string, provider = AWS_PROVIDER): string | undefined {
  const match = /TF_REATTACH_PROVIDERS='(\{.*\})'/.exec(output);
  if (match?.[1] === undefined) return undefined;
  const parsed: unknown = JSON.parse(match[1]);
  if (typeof parsed !== "object" || parsed === null || !(provider in parsed)) {
    throw new Error(`the provider's reattach configuration names no ${provider}: ${match[1]}`);
  }
  return match[1];
}

/**
 * Starts `binary -debug` with `env` (the provider reads its proxy and AWS variables from its own
 * environment, not from terraform's) and resolves once it prints its reattach configuration. Rejects
 * with the exit and the end of its stderr if it exits first or stays silent for `timeoutMs`.
 */
export function startSharedProvider(binary: string, env: NodeJS.ProcessEnv, timeoutMs = START_TIMEOUT_MS): Promise<SharedProvider> {
  return new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(binary, ["-debug"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let exit: ProviderExit | undefined;
    let ready = false;
    const exitedPromise = new Promise<void>((resolveExit) => {
      // "close": after its stdout and stderr are read to the end, so the message holds all of stderr.
      child.on("close", (code, signal) => {
        exit = { code, signal };
        resolveExit();
      });
    });
    const describeExit = (): string => {
      const how = exit === undefined ? "is running" : exit.signal ? `was stopped by ${exit.signal}` : `exited with code ${String(exit.code)}`;
      const tail = stderr.trim() === "" ? "(no output on stderr)" : stderr.trim().slice(-STDERR_TAIL);
      return `the shared aws provider process (${binary} -debug, pid ${String(child.pid)}) ${how}; its stderr ends:\n${tail}`;
    };
    const fail = (why: string): void => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${why}\n${describeExit()}`));
    };
    const timer = setTimeout(() => fail(`the aws provider printed no TF_REATTACH_PROVIDERS line within ${timeoutMs / 1000} s`), timeoutMs);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-2 * STDERR_TAIL);
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      if (ready) return;
      stdout += chunk.toString("utf8");
      let reattach: string | undefined;
      try {
        reattach = parseReattachLine(stdout);
      } catch (error) {
        fail((error as Error).message);
        return;
      }
      if (reattach === undefined) return;
      ready = true;
      clearTimeout(timer);
      // A provider that is killed leaves its unix socket behind (a clean interrupt removes it).
      const socket = reattachSocket(reattach);
      child.on("close", () => {
        if (socket !== undefined && isSocket(socket)) rmSync(socket, { force: true });
      });
      const pid = child.pid ?? -1;
      resolvePromise({
        binary,
        pid,
        reattach,
        exited: () => exit,
        describeExit,
        stop: async () => {
          if (exit !== undefined) return;
          // Managed debug mode stops on an interrupt; a provider that ignores it is killed.
          child.kill("SIGINT");
          const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
          await exitedPromise;
          clearTimeout(killer);
        },
      });
    });
    child.on("error", (error) => fail(`cannot start ${binary}: ${error.message}`));
    child.on("close", () => fail("the aws provider exited before printing its reattach configuration"));
  });
}

/**
 * The aws provider binary `terraform init` installed into a stack folder (or the data directory it plans
 * with, TF_DATA_DIR), by its real path, when it lives outside the folder (a symlink into a provider mirror, as with the offline CLI config): one
 * file every stack shares. Undefined when there is none or it is the folder's own copy.
 */
export function installedAwsProvider(stackFolder: string, dataDirectory = join(stackFolder, ".terraform")): string | undefined {
  const base = join(dataDirectory, "providers", AWS_PROVIDER);
  for (const version of listNames(base)) {
    for (const platform of listNames(join(base, version))) {
      const file = listNames(join(base, version, platform)).find((name) => name.startsWith("terraform-provider-aws"));
      if (file === undefined) continue;
      const real = realpathSync(join(base, version, platform, file));
      const inside = !relative(realpathSync(stackFolder), real).startsWith("..");
      return inside ? undefined : real;
    }
  }
  return undefined;
}

/**
 * One provider process per worker slot (a slot runs one terraform command at a time), started on first
 * use and started again if it exited; every start is counted.
 */
export class SharedProviderPool {
  private readonly slots = new Map<number, SharedProvider>();
  private readonly started: SharedProvider[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async acquire(slot: number, binary: string): Promise<SharedProvider> {
    const current = this.slots.get(slot);
    if (current !== undefined && current.binary === binary && current.exited() === undefined) return current;
    if (current !== undefined) await current.stop();
    const provider = await startSharedProvider(binary, this.env);
    this.slots.set(slot, provider);
    this.started.push(provider);
    return provider;
  }

  /** The process ids of every provider started, in order. */
  pids(): number[] {
    return this.started.map((provider) => provider.pid);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((provider) => provider.stop()));
    this.slots.clear();
  }
}

/** The unix socket path of a reattach configuration, if it names one. */
export function reattachSocket(reattach: string, provider = AWS_PROVIDER): string | undefined {
  const parsed = JSON.parse(reattach) as Record<string, { Addr?: { Network?: string; String?: string } } | undefined>;
  const address = parsed[provider]?.Addr;
  return address?.Network === "unix" && typeof address.String === "string" ? address.String : undefined;
}

function isSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

function listNames(folder: string): string[] {
  try {
    return readdirSync(folder).sort();
  } catch {
    return [];
  }
}
