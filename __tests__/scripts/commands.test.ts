/**
 * Every script's command line (scripts/shared/cli-args.cjs): --help prints the usage and exits 0 with no
 * side effect, an unknown option and a bad value exit 2 naming them. The TypeScript scripts' main()
 * is called in-process with captured output (a tsx process costs ~1 s each); synth.cjs, plain node,
 * and one tsx script run as child processes the way npm runs them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main as bench } from "../../scripts/bench/index";
import { main as ciStacks } from "../../scripts/pull-requests/ci-stacks";
import { CONFIG_SCHEMA_FILE, main as configSchema } from "../../scripts/generators/config-schema";
import type { CliIo } from "../../scripts/shared/cli-args.cjs";
import { main as planOffline } from "../../scripts/plan-tier/offline-plan";
import { FIXTURE_DIRECTORY, main as planFixtures } from "../../scripts/plan-tier/plan-fixtures";
import { DOC_PATH, main as ruleDocs, README_PATH } from "../../scripts/generators/rule-docs";
import { PROJECT_ROOT } from "../../stacks/constructs/bundle";

type Main = (argv: readonly string[], io: CliIo) => Promise<number>;

async function call(main: Main, argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Modification times of the files a script writes, to show --help wrote none. */
function mtimes(paths: readonly string[]): Record<string, number> {
  const files = paths.flatMap((path) => (existsSync(path) && statSync(path).isDirectory() ? readdirSync(path).map((name) => join(path, name)) : [path]));
  return Object.fromEntries(files.map((file) => [file, existsSync(file) ? statSync(file).mtimeMs : -1]));
}

interface Case {
  readonly script: string;
  readonly main: Main;
  /** What it writes when it runs. */
  readonly writes: readonly string[];
  readonly unknown: readonly [argv: readonly string[], message: string];
  readonly badValue: readonly [argv: readonly string[], message: string];
}

const CASES: readonly Case[] = [
  {
    script: "plan:offline",
    main: planOffline,
    writes: [join(PROJECT_ROOT, ".build", "plan-cache")],
    unknown: [["--stak", "ami-tracker"], "plan:offline: unknown option --stak (did you mean --stack?)"],
    badValue: [["--archive", "standin"], 'plan:offline: --archive "standin": expected one of auto, stand-in, provider (did you mean stand-in?)'],
  },
  {
    script: "bench",
    main: bench,
    writes: [join(PROJECT_ROOT, "BENCHMARKS.md")],
    unknown: [["--skip-terrafrom"], "bench: unknown option --skip-terrafrom (did you mean --skip-terraform?)"],
    badValue: [["--runs", "many"], 'bench: --runs "many": expected a whole number of at least 1, e.g. --runs 7'],
  },
  {
    script: "plan:fixtures",
    main: planFixtures,
    writes: [FIXTURE_DIRECTORY],
    unknown: [["--hlep"], "plan:fixtures: unknown option --hlep (did you mean --help?)"],
    badValue: [["--only", "trackr"], 'plan:fixtures: --only "trackr": expected one of failure, tracker, changes, state-bootstrap (did you mean tracker?)'],
  },
  {
    script: "rules:doc",
    main: (argv, io) => ruleDocs(argv, io),
    writes: [DOC_PATH, README_PATH],
    unknown: [["--check"], "rules:doc: unknown option --check; the options are --help"],
    badValue: [["docs/rules.md"], 'rules:doc: unexpected argument "docs/rules.md": it takes no arguments besides options'],
  },
  {
    script: "config:schema",
    main: (argv, io) => configSchema(argv, io),
    writes: [CONFIG_SCHEMA_FILE],
    unknown: [["--chek"], "config:schema: unknown option --chek (did you mean --check?)"],
    badValue: [["--check=yes"], 'config:schema: --check takes no value (got "yes"); write --check alone'],
  },
  {
    script: "ci:stacks",
    main: ciStacks,
    writes: [],
    unknown: [["--backnd"], "ci:stacks: unknown option --backnd (did you mean --backend?)"],
    badValue: [["--backend=s3"], 'ci:stacks: --backend takes no value (got "s3"); write --backend alone'],
  },
];

describe.each(CASES)("npm run $script", ({ script, main, writes, unknown, badValue }) => {
  test("--help prints the usage and exits 0, writing nothing", async () => {
    const before = mtimes(writes);
    const result = await call(main, ["--help"]);
    expect(result).toEqual({ code: 0, out: expect.stringMatching(new RegExp(`^usage: npm run (--silent )?${script} -- \\[options\\]`)), err: "" });
    expect(result.out).toContain("-h, --help");
    expect(mtimes(writes)).toEqual(before);
  });

  test("an unknown option exits 2 naming it, with the nearest option", async () => {
    const result = await call(main, unknown[0]);
    expect(result.code).toBe(2);
    expect(result.err.split("\n")[0]).toBe(unknown[1]);
    expect(result.out).toBe("");
  });

  test("a bad value exits 2 naming the option and the value", async () => {
    const result = await call(main, badValue[0]);
    expect(result.code).toBe(2);
    expect(result.err.split("\n")[0]).toBe(badValue[1]);
  });
});

describe("checks that need what was synthesized", () => {
  const outdir = mkdtempSync(join(tmpdir(), "commands-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  for (const stack of ["ami-tracker", "state-bootstrap"]) {
    mkdirSync(join(outdir, "stacks", stack), { recursive: true });
    writeFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), JSON.stringify({ terraform: {} }));
  }
  writeFileSync(join(outdir, "manifest.json"), JSON.stringify({ stacks: { "ami-tracker": {}, "state-bootstrap": {} } }));

  test("plan:offline --stack with a stack the folder lacks exits 2 listing its stacks, before terraform starts", async () => {
    const result = await call(planOffline, ["--from", outdir, "--stack", "ami-traker"]);
    expect(result.code).toBe(2);
    expect(result.err.split("\n")[0]).toBe(
      `plan:offline: --stack "ami-traker": ${outdir} has no such stack; its stacks are ami-tracker, state-bootstrap (did you mean ami-tracker?)`,
    );
  });

  test("plan:offline --from a folder that is not there exits 2 saying to synthesize", async () => {
    const result = await call(planOffline, ["--from", join(outdir, "nowhere")]);
    expect(result.code).toBe(2);
    expect(result.err).toContain("no such folder; synthesize into it first");
  });

  test("ci:stacks reads a folder given as its argument; without a manifest it says to synthesize (exit 1)", async () => {
    expect(await call(ciStacks, [outdir])).toEqual({ code: 0, out: '["ami-tracker"]', err: "" });
    const missing = await call(ciStacks, [join(outdir, "stacks")]);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`ci:stacks: ${join(outdir, "stacks", "manifest.json")} does not exist; run npm run synth first (or name the synthesized folder)`);
  });

  test("bench options of --tier-only are refused without it", async () => {
    const result = await call(bench, ["--npm-test"]);
    expect(result.code).toBe(2);
    expect(result.err.split("\n")[0]).toBe("bench: --npm-test applies only with --tier-only; add --tier-only or leave it out");
  });
});

describe("as npm runs them (child processes)", () => {
  /** Runs synth.cjs with an output folder of its own; cdktf.out and .build/ of the tree are left alone. */
  function synth(args: readonly string[]): { status: number | null; stdout: string; stderr: string; outdir: string } {
    const outdir = mkdtempSync(join(tmpdir(), "synth-cli-"));
    const result = spawnSync(process.execPath, ["scripts/synth.cjs", ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1", APP_ENV: "default" },
      encoding: "utf8",
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, outdir };
  }
  const outdirs: string[] = [];
  afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  test("synth --help prints the usage, exits 0, builds and synthesizes nothing", () => {
    const bundle = join(PROJECT_ROOT, ".build", "synth", "main.js");
    const before = mtimes([bundle]);
    const result = synth(["--help"]);
    outdirs.push(result.outdir);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: npm run synth -- \[options\]/);
    expect(result.stdout).toMatch(/^ {2}--env NAME +synthesize config\/environments\/NAME\.json/m);
    expect(result.stderr).toBe("");
    expect(readdirSync(result.outdir)).toEqual([]);
    expect(mtimes([bundle])).toEqual(before);
  });

  // Read here, not written down: an environment added later must not break the test.
  const environments = readdirSync(join(PROJECT_ROOT, "config", "environments"))
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort()
    .join(", ");

  test.each([
    [["--env", "acme"], `synth: --env "acme": expected one of ${environments}`],
    [["--env", "defualt"], `synth: --env "defualt": expected one of ${environments} (did you mean default?)`],
    [["--verbos"], "synth: unknown option --verbos (did you mean --verbose?)"],
    [["--hcl=true"], 'synth: --hcl takes no value (got "true"); write --hcl alone'],
  ])("synth %j exits 2 naming it, and synthesizes nothing", (args, message) => {
    const result = synth(args);
    outdirs.push(result.outdir);
    expect(result.status).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe(message);
    expect(readdirSync(result.outdir)).toEqual([]);
  });

  test("a tsx script (the lightest: tsx costs ~1 s of CPU per process): rules:doc --help exits 0 with the usage, an unknown option 2", () => {
    const tsx = join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
    const before = mtimes([DOC_PATH, README_PATH]);
    const help = spawnSync(tsx, ["scripts/generators/rule-docs.ts", "--help"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    expect({ status: help.status, usage: help.stdout.split("\n")[0] }).toEqual({ status: 0, usage: "usage: npm run rules:doc -- [options]" });
    expect(mtimes([DOC_PATH, README_PATH])).toEqual(before);
    const unknown = spawnSync(tsx, ["scripts/generators/rule-docs.ts", "--hepl"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    expect({ status: unknown.status, message: unknown.stderr.split("\n")[0] }).toEqual({
      status: 2,
      message: "rules:doc: unknown option --hepl (did you mean --help?)",
    });
  });
});
