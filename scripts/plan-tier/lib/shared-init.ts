import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { isObject, type JsonObject } from "./stack-json";

/**
 * One `terraform init` per set of required providers in a run. `init` installs the providers into a data
 * directory and writes a lock file; every stack of a run that requires the same providers (and calls no
 * module) would get the same bytes, at 0.7-1.3 s of CPU per `init` (docs/offline-plan.md). The first stack
 * of a set initializes into a data directory of the pool (TF_DATA_DIR); the others copy its lock file and
 * plan with the same TF_DATA_DIR. `terraform test` in plan mode leaves it as `init` wrote it (no file in it
 * changed after `init` in a kept `plan:offline --env default` run, 2026-11-30).
 */
export interface InitializedProviders {
  /** The data directory to plan with (TF_DATA_DIR). */
  readonly dataDirectory: string;
  /** The lock file `init` wrote, to copy into each stack folder. */
  readonly lockFile: string;
}

/**
 * What decides what `init` installs: the required providers (after the stand-ins removed any). Undefined
 * for a stack that calls modules, since `init` also installs those from its own folder.
 */
export function initSignature(stack: JsonObject): string | undefined {
  if (stack["module"] !== undefined) return undefined;
  const terraform = stack["terraform"];
  const required = isObject(terraform) && isObject(terraform["required_providers"]) ? terraform["required_providers"] : {};
  const sorted = Object.keys(required)
    .sort()
    .map((name) => [name, required[name]]);
  return JSON.stringify(sorted);
}

export class InitPool {
  private readonly entries = new Map<string, Promise<InitializedProviders | undefined>>();

  constructor(private readonly root: string) {}

  /**
   * The providers of `signature`: initialized by `initialize` (run in the stack folder with the given
   * TF_DATA_DIR; true when it succeeded) for the first stack that asks, awaited by the others. Undefined
   * when that first `init` failed: each stack then initializes on its own, so its own error is reported.
   */
  providers(
    signature: string,
    stackFolder: string,
    initialize: (dataDirectory: string) => Promise<boolean>,
  ): { readonly first: boolean; readonly ready: Promise<InitializedProviders | undefined> } {
    const known = this.entries.get(signature);
    if (known !== undefined) return { first: false, ready: known };
    const folder = join(this.root, String(this.entries.size));
    mkdirSync(folder, { recursive: true });
    const dataDirectory = join(folder, ".terraform");
    const ready = initialize(dataDirectory).then((ok) => {
      if (!ok) return undefined;
      const lockFile = join(folder, ".terraform.lock.hcl");
      copyFileSync(join(stackFolder, ".terraform.lock.hcl"), lockFile);
      return { dataDirectory, lockFile };
    });
    this.entries.set(signature, ready);
    return { first: true, ready };
  }
}
