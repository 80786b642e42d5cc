import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

// Imports run one way (docs: README "Layout"): main.ts -> stacks/ -> stacks/constructs/ -> aws/, and config/ -> aws/.
const ROOT = resolve(__dirname, "..");

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split(sep).join("/"));
}

/** Every relative import of a file, as a project-relative path; package imports as they are written. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)["']([^"']+)["']/gm)].map((match) => String(match[1]));
  return specifiers.map((specifier) =>
    specifier.startsWith(".")
      ? relative(ROOT, resolve(ROOT, dirname(file), specifier))
          .split(sep)
          .join("/")
      : specifier,
  );
}

function offending(folder: string, forbidden: (target: string) => boolean): string[] {
  return sourceFiles(folder).flatMap((file) =>
    importsOf(file)
      .filter(forbidden)
      .map((target) => `${file} imports ${target}`),
  );
}

/** The names a file imports by name (`import { A, type B as C }`) from modules in `folder`. */
function namesImportedFrom(file: string, folder: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(/\bimport\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["']([^"']+)["']/g)]
    .filter(
      (match) =>
        String(match[2]).startsWith(".") &&
        inFolder(folder)(
          relative(ROOT, resolve(ROOT, dirname(file), String(match[2])))
            .split(sep)
            .join("/"),
        ),
    )
    .flatMap((match) => String(match[1]).split(","))
    .map(
      (binding) =>
        binding
          .trim()
          .replace(/^type\s+/, "")
          .split(/\s+as\s+/)[0] ?? "",
    )
    .filter((name) => name !== "");
}

/** The parameter lists of a file's constructors, as written. */
function constructorParameters(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(/\bconstructor\s*\(([^)]*)\)/g)].map((match) => String(match[1]));
}

/**
 * The files of stacks/ that may name the whole configuration (AppConfig): app.ts maps it onto each stack's
 * props, app-stack.ts derives AppStackProps from it (a Pick), synth-output.ts hands it to buildApp.
 */
const TAKE_THE_WHOLE_CONFIGURATION = new Set(["stacks/app.ts", "stacks/app-stack.ts", "stacks/synth-output.ts"]);

/**
 * Where a file builds an ARN by hand: a template literal that starts with `arn:` and fills in a part
 * (`` `arn:${partition}:...` ``), or an `"arn:..."` string joined with `+`. Comment lines are skipped
 * (they document ARN forms); complete literal ARNs (sample events, examples in messages) and prefix
 * checks (`startsWith("arn:")`) are data, not built.
 */
function handBuiltArns(file: string): string[] {
  return readFileSync(join(ROOT, file), "utf8")
    .split("\n")
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => !/^\s*(\/\/|\/\*|\*)/.test(line))
    .filter(({ line }) => /`arn:[^`]*\$\{/.test(line) || /["'`]arn:[^"'`]*["'`]\s*\+/.test(line))
    .map(({ line, number }) => `${file}:${number}: ${line.trim()}`);
}

/** The one module that knows the ARN format (formatArn and the forms built on it). */
const ARN_MODULE = "aws/arn.ts";

const inFolder = (folder: string) => (target: string) => target === folder || target.startsWith(`${folder}/`);

describe("layers", () => {
  test("nothing under stacks/ or handlers/ imports a tool (scripts/, cli/)", () => {
    const tool = (target: string) => inFolder("scripts")(target) || inFolder("cli")(target);
    expect([...offending("stacks", tool), ...offending("handlers", tool)]).toEqual([]);
    expect(offending("__tests__/scripts", tool).length).toBeGreaterThan(0);
  });

  test("constructs (stacks/constructs/) import nothing from config/", () => {
    expect(offending("stacks/constructs", inFolder("config"))).toEqual([]);
  });

  test("config/ imports nothing from stacks/", () => {
    expect(offending("config", inFolder("stacks"))).toEqual([]);
  });

  test("ami-pointers/ (the AMI-pointer model) depends on nothing but itself and aws/", () => {
    expect(offending("ami-pointers", (target) => !inFolder("ami-pointers")(target) && !inFolder("aws")(target) && !target.startsWith("node:"))).toEqual([]);
  });

  test("nothing reaches up into handlers/ for a shared fact: config/, stacks/, scripts/ and ami-pointers/ import no handler module", () => {
    // stacks/ names a handler's entry as a path string (bundled by esbuild) and imports only its environment contract;
    // the bench runs handlers to time them.
    const contract = (target: string) => /^handlers\/[^/]+\/environment$/.test(target);
    const folders = ["config", "stacks", "scripts", "cli", "ami-pointers"];
    const found = folders
      .flatMap((folder) => offending(folder, (target) => inFolder("handlers")(target) && !(folder === "stacks" && contract(target))))
      .filter((line) => !line.startsWith("scripts/bench/"));
    expect(found).toEqual([]);
  });

  test("a handler's environment contract (handlers/<name>/environment.ts) imports only AWS facts and the app's ConfigError: the stack that imports it gets no handler runtime", () => {
    const contracts = sourceFiles("handlers").filter((file) => file.endsWith("/environment.ts"));
    expect(contracts.sort()).toEqual(["handlers/ami-tracker/environment.ts", "handlers/sqs-consumer/environment.ts"]);
    const allowed = (target: string) => inFolder("aws")(target) || target === "config/errors";
    expect(
      contracts.flatMap((file) =>
        importsOf(file)
          .filter((target) => !allowed(target))
          .map((target) => `${file} imports ${target}`),
      ),
    ).toEqual([]);
  });

  test("handlers/ import nothing from stacks/, scripts/ or config/ but the app's one ConfigError", () => {
    const up = (target: string) =>
      inFolder("stacks")(target) || inFolder("scripts")(target) || inFolder("cli")(target) || (inFolder("config")(target) && target !== "config/errors");
    expect(offending("handlers", up)).toEqual([]);
  });

  test("lib/ (build helpers below every room: stacks/, scripts/, synth.cjs) depends on nothing but Node.js", () => {
    const files = readdirSync(join(ROOT, "lib")).filter((name) => /\.(c?[jt]s|d\.cts)$/.test(name));
    expect(files).toContain("build-cache.cjs");
    const found = files.flatMap((name) =>
      importsOf(`lib/${name}`)
        .filter((target) => !target.startsWith("node:") && !inFolder("lib")(target))
        .map((target) => `lib/${name} imports ${target}`),
    );
    expect(found).toEqual([]);
    // The check reads CommonJS requires too: synth.cjs's are found.
    expect(importsOf("scripts/synth.cjs")).toContain("lib/build-cache.cjs");
  });

  test("aws/ (the AWS facts) depends on nothing but itself", () => {
    expect(offending("aws", (target) => !inFolder("aws")(target))).toEqual([]);
  });

  test("no stack takes the whole configuration (AppConfig): each takes its own props", () => {
    const stacks = sourceFiles("stacks").filter((file) => !TAKE_THE_WHOLE_CONFIGURATION.has(file));
    const naming = stacks.filter((file) => namesImportedFrom(file, "config").includes("AppConfig"));
    const taking = stacks.flatMap((file) =>
      constructorParameters(file)
        .filter((parameters) => /\bAppConfig\b/.test(parameters))
        .map((parameters) => `${file}: constructor(${parameters})`),
    );

    expect(naming).toEqual([]);
    expect(taking).toEqual([]);
  });

  test("the configuration checks find AppConfig where it is", () => {
    expect(namesImportedFrom("stacks/app.ts", "config")).toContain("AppConfig");
    expect(namesImportedFrom("__tests__/layers.test.ts", "config")).toEqual([]);
    expect(constructorParameters("stacks/ci-access-stack.ts")).toEqual([expect.stringMatching(/config: CiAccessStackProps/)]);
    expect(sourceFiles("stacks").filter((file) => file.endsWith("-stack.ts")).length).toBeGreaterThanOrEqual(6);
  });

  test(`every ARN is built by ${ARN_MODULE} (formatArn, one location type: AwsLocation)`, () => {
    const files = ["main.ts", ...["aws", "aws-clients", "ami-pointers", "config", "stacks", "handlers", "scripts", "cli"].flatMap(sourceFiles)].filter(
      (file) => file !== ARN_MODULE,
    );

    expect(files.flatMap(handBuiltArns)).toEqual([]);
  });

  test("the ARN check finds a hand-built ARN where there is one", () => {
    expect(handBuiltArns(ARN_MODULE)).toEqual(
      expect.arrayContaining([expect.stringContaining("return `arn:${partition}:${service}:${region}:${account}:${resource}`")]),
    );
  });

  test("one location type: nothing renames AwsLocation or brings back the old names", () => {
    // This file names them, to look for them.
    const files = ["main.ts", ...["aws", "config", "stacks", "handlers", "scripts", "cli", "__tests__"].flatMap(sourceFiles)].filter(
      (file) => file !== "__tests__/layers.test.ts",
    );
    const renamed = files.filter((file) =>
      /\btype\s+\w+\s*=\s*AwsLocation\b|\b(KeyLocation|OpsItemLocation|ArnContext)\b/.test(readFileSync(join(ROOT, file), "utf8")),
    );

    expect(renamed).toEqual([]);
  });

  test("the check finds imports across folders when there are some", () => {
    // The stack tests import stacks/ by relative paths: the same check on them must find those imports.
    expect(offending("__tests__/stacks", inFolder("stacks")).length).toBeGreaterThan(0);
    expect(importsOf("config/validators.ts")).toContain("aws/regions");
  });
});
