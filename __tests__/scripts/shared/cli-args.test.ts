import fc from "fast-check";
import { defineCommand, didYouMean, EXIT_USAGE, formatHelp, nearest, parseCommandLine, runCommand, UsageError } from "../../../scripts/shared/cli-args.cjs";

const SPEC = defineCommand({
  command: "npm run example --",
  name: "example",
  summary: "An example command.",
  options: {
    env: { type: "string", multiple: true, value: "NAME", description: "an environment", choices: ["default", "ami-loop", "fifo-example"] },
    stack: { type: "string", value: "NAME", description: "a stack" },
    concurrency: {
      type: "string",
      value: "N",
      description: "at once",
      check: (value) => (/^[1-9]\d*$/.test(value) ? undefined : "expected a whole number of at least 1"),
    },
    "plan-arg": { type: "string", multiple: true, dashValue: true, value: "ARG", description: "passed on" },
    hcl: { type: "boolean", description: "as HCL" },
    verbose: { type: "boolean", short: "v", description: "more" },
  },
});

function usageError(argv: readonly string[]): string {
  try {
    parseCommandLine(SPEC, argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`${argv.join(" ")} parsed`);
}

describe("parseCommandLine", () => {
  test.each([[["--help"]], [["-h"]], [["--env", "default", "--help"]], [["--bogus", "-h"]]])("%j is help, whatever else is given", (argv) => {
    expect(parseCommandLine(SPEC, argv)).toBe("help");
  });

  test("values by option: repeatable ones as lists, booleans true, --name=value and short flags", () => {
    expect(parseCommandLine(SPEC, ["--env", "default", "--env=ami-loop", "--stack", "s", "--hcl", "-v", "--plan-arg", "--keep"])).toEqual({
      values: { env: ["default", "ami-loop"], stack: "s", hcl: true, verbose: true, "plan-arg": ["--keep"] },
      positionals: [],
    });
  });

  test.each([
    [["--stak", "x"], "unknown option --stak (did you mean --stack?)"],
    [["--verbos"], "unknown option --verbos (did you mean --verbose?)"],
    [["--conc=3"], "unknown option --conc=3 (did you mean --concurrency?)"],
    [["--frobnicate"], "unknown option --frobnicate; the options are --env, --stack, --concurrency, --plan-arg, --hcl, --verbose, --help"],
    [["-x"], "unknown option -x; the options are --env, --stack, --concurrency, --plan-arg, --hcl, --verbose, --help"],
  ])("an unknown option %j names it and the nearest known one", (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });

  test.each([
    [["--env", "defualt"], '--env "defualt": expected one of default, ami-loop, fifo-example (did you mean default?)'],
    [["--env", "prod"], '--env "prod": expected one of default, ami-loop, fifo-example'],
    [["--concurrency", "0"], '--concurrency "0": expected a whole number of at least 1'],
    [["--hcl=yes"], '--hcl takes no value (got "yes"); write --hcl alone'],
    [["--stack", "a", "--stack", "b"], '--stack given twice ("a" and "b"); give it once'],
  ])("a bad value %j names the option, the value and what is expected", (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });

  test.each([
    [["--stack"], "--stack needs a value: --stack NAME"],
    [["--stack", "--hcl"], "--stack needs a value: --stack NAME (got the option --hcl; write --stack=--hcl if that is the value)"],
  ])("a missing value %j is named", (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });

  test("an argument where none is taken, with --help suggested for help", () => {
    expect(usageError(["help"])).toBe('unexpected argument "help": it takes no arguments besides options (did you mean --help?)');
    const withOne = defineCommand({ ...SPEC, positionals: { name: "DIR", description: "a folder", max: 1 } });
    expect(parseCommandLine(withOne, ["out"])).toEqual({ values: {}, positionals: ["out"] });
    expect(() => parseCommandLine(withOne, ["a", "b"])).toThrow('unexpected argument "b": it takes at most 1 DIR');
  });

  test("choices given as a function are read only when the option is given", () => {
    const read = jest.fn(() => ["one", "two"]);
    const spec = defineCommand({ command: "x", name: "x", summary: "x", options: { env: { type: "string", description: "e", choices: read } } });
    parseCommandLine(spec, []);
    expect(read).not.toHaveBeenCalled();
    expect(() => parseCommandLine(spec, ["--env", "tow"])).toThrow('--env "tow": expected one of one, two (did you mean two?)');
  });

  test("any list of arguments either parses or is a UsageError: nothing else is thrown", () => {
    const word = fc.constantFrom("--env", "--stack", "--hcl", "-v", "--plan-arg", "--concurrency", "default", "3", "--", "-", "--x=1", "=", "");
    fc.assert(
      fc.property(fc.array(fc.oneof(word, fc.string()), { maxLength: 6 }), (argv) => {
        try {
          parseCommandLine(SPEC, argv);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
        }
      }),
    );
  });
});

describe("nearest and didYouMean", () => {
  test("a shortened name, then the smallest edit distance if it is small for the word", () => {
    expect(nearest("skip", ["skip-terraform", "quick"])).toEqual(["skip-terraform"]);
    expect(nearest("stak", ["stack", "env"])).toEqual(["stack"]);
    expect(nearest("zzzzzz", ["stack", "env"])).toEqual([]);
    expect(didYouMean("defualt", ["default", "ami-loop"])).toBe(" (did you mean default?)");
    expect(didYouMean("zzz", ["default"])).toBe("");
  });
});

describe("formatHelp", () => {
  test("the usage line, the summary, each option with its value, choices and repeatability, and --help", () => {
    const help = formatHelp(SPEC);
    expect(help.split("\n").slice(0, 3)).toEqual(["usage: npm run example -- [options]", "", "An example command."]);
    expect(help).toMatch(/^ {2}--env NAME +an environment \(default \| ami-loop \| fifo-example\); repeatable$/m);
    expect(help).toMatch(/^ {2}-v, --verbose +more$/m);
    expect(help).toMatch(/^ {2}-h, --help +print this help and exit$/m);
  });
});

describe("runCommand", () => {
  function capture(): { out: string[]; err: string[]; io: { out: (text: string) => void; err: (text: string) => void } } {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (text) => out.push(text), err: (text) => err.push(text) } };
  }

  test("--help prints the usage on stdout, returns 0 and never runs the body", async () => {
    const { out, err, io } = capture();
    const body = jest.fn(() => 0);
    await expect(runCommand(SPEC, ["--help"], io, body)).resolves.toBe(0);
    expect(body).not.toHaveBeenCalled();
    expect(out).toEqual([formatHelp(SPEC)]);
    expect(err).toEqual([]);
  });

  test("bad usage returns 2 with the message once prefixed and a pointer to --help; the body does not run", async () => {
    const { out, err, io } = capture();
    const body = jest.fn(() => 0);
    await expect(runCommand(SPEC, ["--stak", "x"], io, body)).resolves.toBe(EXIT_USAGE);
    expect(body).not.toHaveBeenCalled();
    expect(out).toEqual([]);
    expect(err).toEqual(["example: unknown option --stak (did you mean --stack?)\n(npm run example -- --help lists the options)"]);
  });

  test("a UsageError from the body is bad usage too (exit 2); another error exits 1 with its message, never prefixed twice", async () => {
    const usage = capture();
    await expect(runCommand(SPEC, [], usage.io, () => Promise.reject(new UsageError("--stack nope: no such stack")))).resolves.toBe(2);
    expect(usage.err[0]).toBe("example: --stack nope: no such stack\n(npm run example -- --help lists the options)");
    const failure = capture();
    await expect(
      runCommand(SPEC, [], failure.io, () => {
        throw new Error("example: the state bucket is missing");
      }),
    ).resolves.toBe(1);
    expect(failure.err).toEqual(["example: the state bucket is missing"]);
  });

  test("the body's exit code is returned, 0 when it returns nothing", async () => {
    await expect(runCommand(SPEC, ["--hcl"], capture().io, ({ values }) => (values.hcl ? 3 : 4))).resolves.toBe(3);
    await expect(runCommand(SPEC, [], capture().io, () => undefined)).resolves.toBe(0);
  });
});
