/** Types of cli-args.cjs (plain CommonJS, shared with scripts/synth.cjs); the behaviour is described there. */

export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** Repeatable: the value is every occurrence's, in order. */
  readonly multiple?: boolean;
  /** One letter, e.g. "v" for -v. */
  readonly short?: string;
  /** The value's placeholder in the usage text. @default "VALUE" */
  readonly value?: string;
  /** One line for the usage text. */
  readonly description: string;
  /** The values accepted (a function when they are read from disk, evaluated only when the option is given). */
  readonly choices?: readonly string[] | (() => readonly string[]);
  /** The value may begin with a dash (it is an option of another command): `--plan-arg --keep`. @default false: `--env --hcl` is a missing value */
  readonly dashValue?: boolean;
  /** What is wrong with a value, or undefined when it is fine. */
  readonly check?: (value: string) => string | undefined;
}

export interface CommandSpec<O extends Readonly<Record<string, OptionSpec>> = Readonly<Record<string, OptionSpec>>> {
  /** How it is run, as the usage line shows it: "npm run plan:offline --". */
  readonly command: string;
  /** The prefix of its error messages: "plan:offline". */
  readonly name: string;
  /** What it does, in a sentence or two. */
  readonly summary: string;
  readonly options: O;
  /** Arguments that are not options. @default - none allowed */
  readonly positionals?: { readonly name: string; readonly description: string; readonly max?: number };
  /** Text after the options: examples, where output goes. */
  readonly notes?: string;
}

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean" ? boolean : S["multiple"] extends true ? string[] : string;
export type Values<O> = { -readonly [K in keyof O]?: O[K] extends OptionSpec ? ValueOf<O[K]> : never };
export interface Parsed<O> {
  readonly values: Values<O>;
  readonly positionals: string[];
}

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export declare const EXIT_OK: 0;
export declare const EXIT_FAILURE: 1;
export declare const EXIT_USAGE: 2;

export declare class UsageError extends Error {}

export declare function defineCommand<const O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>): CommandSpec<O>;
export declare function nearest(value: string, candidates: readonly string[]): string[];
export declare function didYouMean(value: string, candidates: readonly string[], show?: (candidate: string) => string): string;
export declare function formatHelp(spec: CommandSpec): string;
export declare function parseCommandLine<O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>, argv: readonly string[]): "help" | Parsed<O>;
export declare function runCommand<O extends Readonly<Record<string, OptionSpec>>>(
  spec: CommandSpec<O>,
  argv: readonly string[],
  io: CliIo,
  body: (parsed: Parsed<O>) => number | undefined | Promise<number | undefined>,
): Promise<number>;
export declare function runMain<O extends Readonly<Record<string, OptionSpec>>>(
  spec: CommandSpec<O>,
  body: (parsed: Parsed<O>) => number | undefined | Promise<number | undefined>,
): void;
export declare const processIo: CliIo;
export declare function exitWith(command: Promise<number>): void;
