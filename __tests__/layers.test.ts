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

const inFolder = (folder: string) => (target: string) => target === folder || target.startsWith(`${folder}/`);

describe("layers", () => {
  test("constructs (stacks/constructs/) import nothing from config/", () => {
    expect(offending("stacks/constructs", inFolder("config"))).toEqual([]);
  });

  test("config/ imports nothing from stacks/", () => {
    expect(offending("config", inFolder("stacks"))).toEqual([]);
  });

  test("aws/ (the AWS facts) depends on nothing but itself", () => {
    expect(offending("aws", (target) => !inFolder("aws")(target))).toEqual([]);
  });

  test("the check finds imports across folders when there are some", () => {
    // The stack tests import stacks/ by relative paths: the same check on them must find those imports.
    expect(offending("__tests__/stacks", inFolder("stacks")).length).toBeGreaterThan(0);
    expect(importsOf("config/validators.ts")).toContain("aws/regions");
  });
});
