/**
 * Every `npm run` a reader is told to type (README.md, docs/*.md) names a script package.json has, and
 * every option it passes is one the command accepts: each command's own --help lists it. A renamed
 * option or script fails here instead of in a reader's terminal.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../stacks/constructs/bundle";

const DOCS = [
  "README.md",
  ...readdirSync(join(PROJECT_ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => join("docs", name)),
];

/** Scripts whose options belong to another program (their own CLIs, not ours). */
const FOREIGN = new Map<string, string>([
  ["cdktf", "the cdktf CLI's own commands"],
  ["test:mutation", "StrykerJS's own options"],
]);

interface Invocation {
  readonly doc: string;
  readonly line: number;
  readonly script: string;
  /** For `npm run ami -- <command>`: the subcommand whose --help lists the options. */
  readonly command?: string;
  readonly options: readonly string[];
}

/** `npm run [--silent] NAME [-- ARGS]` inside code spans and code blocks, comments cut. */
function invocations(doc: string): Invocation[] {
  const found: Invocation[] = [];
  readFileSync(join(PROJECT_ROOT, doc), "utf8")
    .split("\n")
    .forEach((text, index) => {
      for (const match of text.matchAll(/npm run (?:--silent )?([a-z][a-z:-]*)((?: -- )[^`"#|]*)?/g)) {
        const script = match[1] ?? "";
        const args = (match[2] ?? "").replace(/^ -- /, "").trim().split(/\s+/).filter(Boolean);
        const command = script === "ami" && args[0] !== undefined && /^[a-z]+$/.test(args[0]) ? args[0] : undefined;
        const options = args.filter((arg) => /^--[a-z]/.test(arg)).map((arg) => arg.replace(/=.*$/, ""));
        found.push({ doc, line: index + 1, script, command, options });
      }
    });
  return found;
}

const ALL = DOCS.flatMap(invocations);
const SCRIPTS = (JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

test("the docs name npm scripts at all (the pattern still matches them)", () => {
  expect(ALL.length).toBeGreaterThan(50);
});

test.each(ALL.map((call) => [`${call.doc}:${call.line}`, call.script] as const))("%s: npm run %s is a script in package.json", (_where, script) => {
  expect(Object.keys(SCRIPTS)).toContain(script);
});

/** One --help per command, as npm would run it. */
function help(script: string, command: string | undefined): string {
  const args = ["run", "--silent", script, "--", ...(command === undefined ? [] : [command]), "--help"];
  const result = spawnSync("npm", args, { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
  return result.stdout;
}

const WITH_OPTIONS = new Map<string, { script: string; command?: string; options: Set<string>; where: string[] }>();
for (const call of ALL) {
  if (call.options.length === 0 || FOREIGN.has(call.script)) continue;
  const key = call.command === undefined ? call.script : `${call.script} ${call.command}`;
  const entry = WITH_OPTIONS.get(key) ?? { script: call.script, command: call.command, options: new Set<string>(), where: [] };
  for (const option of call.options) entry.options.add(option);
  entry.where.push(`${call.doc}:${call.line}`);
  WITH_OPTIONS.set(key, entry);
}

test.each([...WITH_OPTIONS].map(([key, entry]) => [key, entry] as const))("npm run %s: each option the docs pass is in its --help", (_key, entry) => {
  const text = help(entry.script, entry.command);
  const missing = [...entry.options].filter((option) => !new RegExp(`(^|[\\s,])${option}(?![a-z-])`, "m").test(text));
  expect({ missing, where: entry.where }).toEqual({ missing: [], where: entry.where });
});
