// @ts-check
/**
 * One command line for every script: `node:util` parseArgs for the tokens, and the same behaviour
 * around it everywhere. `--help`/`-h` prints the usage and exits 0 before the script does anything;
 * an unknown option, a missing value or a bad value exits 2 naming the option and the value, with the
 * nearest known option or value ("did you mean"). Plain CommonJS so that scripts/synth.cjs, which runs
 * before anything is compiled, shares it with the TypeScript scripts (types: cli-args.d.cts).
 */
"use strict";
const { parseArgs } = require("node:util");
// The nearest known option or value: shared with the configuration's checks.
const { nearest, didYouMean } = require("../../config/did-you-mean.cjs");

/** Exit codes: 2 is the shell's "bad usage" (as Bash builtins and most CLIs use it). */
const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/** A problem with how the command was called: printed with a pointer to --help, exit 2. */
class UsageError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * @typedef {import("./cli-args.cjs").OptionSpec} OptionSpec
 * @typedef {import("./cli-args.cjs").CommandSpec} CommandSpec
 * @typedef {import("./cli-args.cjs").CliIo} CliIo
 */

const HELP_OPTION = /** @type {OptionSpec} */ ({ type: "boolean", short: "h", description: "print this help and exit" });

/** @param {CommandSpec} spec */
function allOptions(spec) {
  return /** @type {Record<string, OptionSpec>} */ ({ ...spec.options, help: HELP_OPTION });
}

/** @param {OptionSpec} option */
function choicesOf(option) {
  if (option.choices === undefined) return undefined;
  return typeof option.choices === "function" ? option.choices() : option.choices;
}

/**
 * The usage text: how to run it, what it does, each option, then the notes.
 * @param {CommandSpec} spec
 */
function formatHelp(spec) {
  const options = allOptions(spec);
  const rows = Object.entries(options).map(([name, option]) => {
    const flag = `${option.short !== undefined ? `-${option.short}, ` : ""}--${name}${option.type === "string" ? ` ${option.value ?? "VALUE"}` : ""}`;
    const choices = option.choices !== undefined && typeof option.choices !== "function" ? ` (${option.choices.join(" | ")})` : "";
    return { flag, text: `${option.description}${choices}${option.multiple ? "; repeatable" : ""}` };
  });
  const width = Math.max(...rows.map((row) => row.flag.length)) + 2;
  const positional = spec.positionals !== undefined ? ` ${spec.positionals.name}` : "";
  const lines = [`usage: ${spec.command} [options]${positional}`, "", spec.summary, ""];
  if (spec.positionals !== undefined) lines.push(`  ${spec.positionals.name.padEnd(width)}${spec.positionals.description}`, "");
  lines.push("options:", ...rows.map((row) => `  ${row.flag.padEnd(width)}${row.text}`));
  if (spec.notes !== undefined) lines.push("", spec.notes);
  return lines.join("\n");
}

/**
 * Parses argv against the spec. Returns "help" when --help/-h is given (anywhere), else the values
 * and positionals; throws UsageError for anything the spec does not allow.
 * @param {CommandSpec} spec
 * @param {readonly string[]} argv
 * @returns {"help" | { values: Record<string, string | boolean | string[] | undefined>, positionals: string[] }}
 */
function parseCommandLine(spec, argv) {
  const options = allOptions(spec);
  /** @type {Record<string, { type: "string" | "boolean", multiple?: boolean, short?: string }>} */
  const config = {};
  for (const [name, option] of Object.entries(options)) {
    config[name] = { type: option.type, ...(option.multiple ? { multiple: true } : {}), ...(option.short !== undefined ? { short: option.short } : {}) };
  }
  // Not strict: the tokens are checked here, so each message can name the value and the nearest option.
  const { tokens } = parseArgs({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((token) => token.kind === "option" && token.name === "help")) return "help";
  const known = Object.keys(options);
  /** @type {Record<string, string | boolean | string[] | undefined>} */
  const values = {};
  /** @type {string[]} */
  const positionals = [];
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    const option = options[token.name];
    if (option === undefined) {
      const given = token.inlineValue ? `${token.rawName}=${token.value}` : token.rawName;
      // One letter is near every other letter: short options get the list, not a guess.
      const hint = token.rawName.startsWith("--") ? didYouMean(token.name, known, (name) => `--${name}`) : "";
      throw new UsageError(`unknown option ${given}${hint || `; the options are ${known.map((name) => `--${name}`).join(", ")}`}`);
    }
    const flag = `--${token.name}`;
    if (option.type === "boolean") {
      if (token.inlineValue) throw new UsageError(`${flag} takes no value (got ${JSON.stringify(token.value)}); write ${flag} alone`);
      values[token.name] = true;
      continue;
    }
    const placeholder = option.value ?? "VALUE";
    // parseArgs (not strict) takes the next argument as the value even when it is an option.
    if (token.value === undefined || (!token.inlineValue && !option.dashValue && token.value.startsWith("-") && token.value.length > 1)) {
      const after = token.value !== undefined ? ` (got the option ${token.value}; write ${flag}=${token.value} if that is the value)` : "";
      throw new UsageError(`${flag} needs a value: ${flag} ${placeholder}${after}`);
    }
    const value = token.value;
    const choices = choicesOf(option);
    if (choices !== undefined && !choices.includes(value)) {
      throw new UsageError(`${flag} ${JSON.stringify(value)}: expected one of ${choices.join(", ")}${didYouMean(value, choices)}`);
    }
    const problem = option.check?.(value);
    if (problem !== undefined) throw new UsageError(`${flag} ${JSON.stringify(value)}: ${problem}`);
    const earlier = values[token.name];
    if (option.multiple) values[token.name] = [...(Array.isArray(earlier) ? earlier : []), value];
    else if (earlier !== undefined && earlier !== value)
      throw new UsageError(`${flag} given twice (${JSON.stringify(earlier)} and ${JSON.stringify(value)}); give it once`);
    else values[token.name] = value;
  }
  const max = spec.positionals?.max ?? (spec.positionals !== undefined ? Number.POSITIVE_INFINITY : 0);
  if (positionals.length > max) {
    const extra = positionals.slice(max);
    const first = extra[0] ?? "";
    // "help" for --help; a short word would be a prefix of too much to be a guess.
    const word = first.replace(/^-+/, "");
    const hint = word.length >= 3 ? didYouMean(word, known, (name) => `--${name}`) : "";
    const allowed = spec.positionals === undefined ? "it takes no arguments besides options" : `it takes at most ${max} ${spec.positionals.name}`;
    throw new UsageError(`unexpected argument ${extra.map((value) => JSON.stringify(value)).join(" ")}: ${allowed}${hint}`);
  }
  return { values, positionals };
}

/** stdout and stderr, one block of text per call. */
/** @type {CliIo} */
const processIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/**
 * `name: message`, unless the message already starts with the name (no "x: x: ...").
 * @param {string} name
 * @param {string} message
 */
function prefixed(name, message) {
  return message.startsWith(`${name}:`) ? message : `${name}: ${message}`;
}

/**
 * Parses, then runs `body` with the parsed values. --help prints and returns 0 without calling it;
 * a UsageError (from the parse or thrown by the body) prints and returns 2; any other error prints
 * its message (the stack only with DEBUG set) and returns 1.
 * @template T
 * @param {CommandSpec} spec
 * @param {readonly string[]} argv
 * @param {CliIo} io
 * @param {(parsed: { values: Record<string, string | boolean | string[] | undefined>, positionals: string[] }) => number | void | Promise<number | void>} body
 * @returns {Promise<number>}
 */
async function runCommand(spec, argv, io, body) {
  const name = spec.name;
  try {
    const parsed = parseCommandLine(spec, argv);
    if (parsed === "help") {
      io.out(formatHelp(spec));
      return EXIT_OK;
    }
    return (await body(parsed)) ?? EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${prefixed(name, error.message)}\n(${spec.command} --help lists the options)`);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(prefixed(name, process.env.DEBUG && error instanceof Error && error.stack ? error.stack : message));
    return EXIT_FAILURE;
  }
}

/**
 * Gives a spec its option types (the TypeScript side infers the values' types from it).
 * @param {CommandSpec} spec
 */
function defineCommand(spec) {
  return spec;
}

/**
 * For `if (require.main === module)`: sets the exit code when the command's promise settles.
 * @param {Promise<number>} command
 */
function exitWith(command) {
  command.then((code) => {
    process.exitCode = code;
  });
}

/**
 * For `if (require.main === module)`: runs the command on process.argv and sets the exit code.
 * @param {CommandSpec} spec
 * @param {Parameters<typeof runCommand>[3]} body
 */
function runMain(spec, body) {
  exitWith(runCommand(spec, process.argv.slice(2), processIo, body));
}

module.exports = {
  defineCommand,
  exitWith,
  EXIT_OK,
  EXIT_FAILURE,
  EXIT_USAGE,
  UsageError,
  nearest,
  didYouMean,
  formatHelp,
  parseCommandLine,
  runCommand,
  runMain,
  processIo,
};
