/** Types of build-cache.cjs (plain CommonJS, shared with scripts/synth.cjs); the behaviour is described there. */

export declare const INSTALLED_LOCKFILE: "node_modules/.package-lock.json";
export declare const MISSING: "missing";

export declare function sha256(data: string | Buffer): string;
export declare function hashFile(file: string): string;

export interface KeyInputs {
  /** Where `files` are relative to. */
  readonly root: string;
  /** The input files, by their bytes, in this order. @default - none */
  readonly files?: readonly string[];
  /** The inputs that are not files (versions, options), as JSON. @default null */
  readonly values?: unknown;
  /** Masks what is not an input before a file is hashed. @default - the bytes as they are */
  readonly transform?: (file: string, data: Buffer) => Buffer;
}
export declare function inputKey(inputs: KeyInputs): string;

export declare function recordInputs(root: string, files: readonly string[]): Record<string, string>;
export declare function inputsUnchanged(root: string, inputs: Readonly<Record<string, string>>): boolean;

export declare function readJson(file: string): unknown;
export declare function writeFileAtomic(file: string, data: string | Uint8Array): void;
export declare function placeDirectory(scratch: string, target: string): boolean;

export interface ReadOrBuild<T> {
  /** The kept entry, or the one just built (undefined when the build kept nothing). */
  readonly entry: T | undefined;
  readonly built: boolean;
}
export declare function readOrBuild<T>(file: string, current: (entry: T) => boolean, build: (previous: T | undefined) => T | undefined): ReadOrBuild<T>;
export declare function readOrBuildAsync<T>(
  file: string,
  current: (entry: T) => boolean,
  build: (previous: T | undefined) => Promise<T | undefined>,
): Promise<ReadOrBuild<T>>;
