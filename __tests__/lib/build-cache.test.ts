/**
 * lib/build-cache.cjs, the one cache helper of the synth bundle, the handler bundles and the plan cache: its key
 * changes with each declared input and with nothing else, and writers running at once never leave a torn file.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { INSTALLED_LOCKFILE, inputKey, inputsUnchanged, placeDirectory, readOrBuild, readOrBuildAsync, recordInputs } from "../../lib/build-cache.cjs";
import { buildOptions, bundleKey } from "../../stacks/constructs/bundle";

const HELPER = resolve(__dirname, "../../lib/build-cache.cjs");

let root = "";
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "build-cache-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const write = (file: string, text: string): void => {
  mkdirSync(join(root, file, ".."), { recursive: true });
  writeFileSync(join(root, file), text);
};

describe("inputKey: a content hash over a declared list of inputs", () => {
  const FILES = ["src/a.ts", "src/b.ts", "package.json"];
  const VALUES = { esbuild: "0.25.0", options: { minify: true } };
  const key = (values: unknown = VALUES, files: readonly string[] = FILES) => inputKey({ root, files, values });

  beforeEach(() => {
    for (const file of FILES) write(file, `the text of ${file}`);
    write("src/unrelated.ts", "not an input");
  });

  it("is the same for the same inputs, read again", () => {
    expect(key()).toBe(key());
    expect(key()).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(FILES)("changes when the declared file %s changes", (file) => {
    const before = key();
    write(file, `another text of ${file}`);
    expect(key()).not.toBe(before);
  });

  it.each([
    ["esbuild", { ...VALUES, esbuild: "0.25.1" }],
    ["options", { ...VALUES, options: { minify: false } }],
  ])("changes when the declared value %s changes", (_name, values) => {
    expect(key(values)).not.toBe(key());
  });

  it("changes when a declared file goes missing, and when it comes back with other bytes", () => {
    const before = key();
    rmSync(join(root, "src/b.ts"));
    const missing = key();
    expect(missing).not.toBe(before);
    write("src/b.ts", "new");
    expect(key()).not.toBe(missing);
    expect(key()).not.toBe(before);
  });

  it("stays the same when a file that is not declared changes", () => {
    const before = key();
    write("src/unrelated.ts", "changed");
    write("README.md", "new");
    expect(key()).toBe(before);
  });

  it("tells a file's bytes from its name: moving bytes between two files changes the key", () => {
    write("src/a.ts", "ab");
    write("src/b.ts", "c");
    const before = key();
    write("src/a.ts", "a");
    write("src/b.ts", "bc");
    expect(key()).not.toBe(before);
  });

  it("hashes a file as `transform` gives it: what is masked is not an input", () => {
    const port = (value: number) => write("override.json", `{"endpoint":"http://127.0.0.1:${value}"}`);
    const masked = () =>
      inputKey({ root, files: ["override.json"], transform: (_file, data) => Buffer.from(data.toString("utf8").replace(/127\.0\.0\.1:\d+/g, "PORT")) });
    port(40001);
    const before = masked();
    port(40002);
    expect(masked()).toBe(before);
    write("override.json", '{"endpoint":"http://localhost"}');
    expect(masked()).not.toBe(before);
  });
});

describe("the handler bundles' key (stacks/constructs/bundle.ts)", () => {
  const options = buildOptions("handlers/ami-tracker/index.ts");
  beforeEach(() => write("stacks/constructs/bundle-worker.ts", "the worker"));

  it("changes with the build options, the rewritten SDK packages and the worker; not with another file", () => {
    const before = bundleKey(options, root);
    expect(bundleKey({ ...options, minify: false }, root)).not.toBe(before);
    expect(bundleKey(buildOptions("handlers/sqs-consumer/index.ts"), root)).not.toBe(before);
    expect(bundleKey(options, root, ["@aws-sdk/client-ec2"])).not.toBe(before);
    write("stacks/constructs/bundle.ts", "not declared: its build options are in the key as values");
    expect(bundleKey(options, root)).toBe(before);
    write("stacks/constructs/bundle-worker.ts", "another worker");
    expect(bundleKey(options, root)).not.toBe(before);
  });
});

describe("recordInputs and inputsUnchanged: the files a build read, checked again before reuse", () => {
  it("records node_modules as npm's lockfile when there is one, and finds any recorded change", () => {
    write("src/a.ts", "a");
    write("node_modules/pkg/index.js", "v1");
    write(INSTALLED_LOCKFILE, "lock v1");
    const inputs = recordInputs(root, ["src/a.ts", "node_modules/pkg/index.js"]);
    expect(Object.keys(inputs)).toEqual([INSTALLED_LOCKFILE, "src/a.ts"]);
    expect(inputsUnchanged(root, inputs)).toBe(true);
    write(INSTALLED_LOCKFILE, "lock v2");
    expect(inputsUnchanged(root, inputs)).toBe(false);
    write(INSTALLED_LOCKFILE, "lock v1");
    write("src/a.ts", "b");
    expect(inputsUnchanged(root, inputs)).toBe(false);
  });

  it("hashes each package file when npm's lockfile is absent (another package manager)", () => {
    write("node_modules/pkg/index.js", "v1");
    const inputs = recordInputs(root, ["node_modules/pkg/index.js"]);
    expect(Object.keys(inputs)).toEqual(["node_modules/pkg/index.js"]);
    write("node_modules/pkg/index.js", "v2");
    expect(inputsUnchanged(root, inputs)).toBe(false);
  });
});

describe("readOrBuild", () => {
  it("builds once, then gives the kept entry back while it is current; a stale one is passed to the rebuild", () => {
    const file = join(root, "cache", "record.json");
    const builds: (number | undefined)[] = [];
    const build = (previous: { n: number } | undefined) => {
      builds.push(previous?.n);
      return { n: builds.length };
    };
    expect(readOrBuild(file, () => true, build)).toEqual({ entry: { n: 1 }, built: true });
    expect(readOrBuild(file, () => true, build)).toEqual({ entry: { n: 1 }, built: false });
    expect(readOrBuild(file, () => false, build)).toEqual({ entry: { n: 2 }, built: true });
    expect(builds).toEqual([undefined, 1]);
  });

  it("rebuilds over an entry of another shape (an older format, null, an array) instead of failing", () => {
    const file = join(root, "record.json");
    const current = (entry: { inputs: Record<string, string> }) => inputsUnchanged(root, entry.inputs) && Object.keys(entry.inputs).length > 0;
    for (const old of ["null", "[1]", '"text"', '{"key": "k"}', '{"inputs": null}']) {
      writeFileSync(file, old);
      expect(readOrBuild(file, current, () => ({ inputs: { "a.ts": "missing" } }))).toEqual({ entry: { inputs: { "a.ts": "missing" } }, built: true });
    }
    expect(readOrBuild(file, current, () => ({ inputs: {} })).built).toBe(false);
  });

  it("keeps nothing when the build gives nothing (a failing plan), and rebuilds over a file that is not JSON", async () => {
    const file = join(root, "entry.json");
    expect(
      await readOrBuildAsync(
        file,
        () => true,
        async () => undefined,
      ),
    ).toEqual({ entry: undefined, built: true });
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, '{"half": ');
    expect(
      await readOrBuildAsync(
        file,
        () => true,
        async () => ({ whole: true }),
      ),
    ).toEqual({ entry: { whole: true }, built: true });
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ whole: true });
  });

  it("two builds of the same key at once (promises) end with one whole entry, one of theirs, and no temp file", async () => {
    const file = join(root, "cache", "key.json");
    const build = (writer: string) => async () => {
      await new Promise((done) => setTimeout(done, 20));
      return { writer, payload: writer.repeat(500_000) };
    };
    const [first, second] = await Promise.all([readOrBuildAsync(file, () => true, build("a")), readOrBuildAsync(file, () => true, build("b"))]);

    expect(first.built && second.built).toBe(true);
    const kept = JSON.parse(readFileSync(file, "utf8")) as { writer: string; payload: string };
    expect(["a", "b"]).toContain(kept.writer);
    expect(kept.payload).toBe(kept.writer.repeat(500_000));
    expect(readdirSync(join(root, "cache"))).toEqual(["key.json"]);
  });
});

describe("two processes writing one entry at once", () => {
  /** A node process that writes `file` `count` times with its own 1 MB entries, through readOrBuild or writeFileAtomic. */
  const writer = (file: string, name: string, count: number) =>
    new Promise<number | null>((done) => {
      const script = `
        const { readOrBuild, writeFileAtomic } = require(${JSON.stringify(HELPER)});
        const entry = (i) => ({ writer: ${JSON.stringify(name)}, i, payload: ${JSON.stringify(name)}.repeat(1_000_000) });
        readOrBuild(process.argv[1], () => false, () => entry(0));
        for (let i = 1; i < ${count}; i++) writeFileAtomic(process.argv[1], JSON.stringify(entry(i)));
      `;
      spawn(process.execPath, ["-e", script, file], { stdio: "ignore" }).on("close", done);
    });

  it("a reader sees only whole entries meanwhile, and one whole entry is left, with no temp file", async () => {
    const file = join(root, "cache", "entry.json");
    let reads = 0;
    const torn: string[] = [];
    let running = true;
    const reader = (async () => {
      while (running) {
        try {
          const text = readFileSync(file, "utf8");
          reads++;
          const entry = JSON.parse(text) as { writer: string; payload: string };
          if (entry.payload !== entry.writer.repeat(1_000_000)) torn.push(`${entry.writer}: wrong payload`);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") torn.push(String(error));
        }
        await new Promise((done) => setImmediate(done));
      }
    })();

    const codes = await Promise.all([writer(file, "a", 40), writer(file, "b", 40)]);
    running = false;
    await reader;

    expect(codes).toEqual([0, 0]);
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    const kept = JSON.parse(readFileSync(file, "utf8")) as { writer: string; i: number; payload: string };
    expect(kept.i).toBe(39);
    expect(kept.payload).toBe(kept.writer.repeat(1_000_000));
    expect(readdirSync(join(root, "cache"))).toEqual(["entry.json"]);
  }, 60_000);
});

describe("placeDirectory: a folder named after its content, placed once", () => {
  it("moves the first build into place; a second build of the same content is removed, the first kept", () => {
    write("scratch-1/index.js", "same bytes");
    write("scratch-2/index.js", "same bytes");
    const target = join(root, "bundle-0123");

    expect(placeDirectory(join(root, "scratch-1"), target)).toBe(true);
    expect(placeDirectory(join(root, "scratch-2"), target)).toBe(false);
    expect(readdirSync(root).sort()).toEqual(["bundle-0123"]);
    expect(readFileSync(join(target, "index.js"), "utf8")).toBe("same bytes");
  });

  it("fails loudly when the scratch folder is not there and nothing was placed", () => {
    expect(() => placeDirectory(join(root, "nowhere"), join(root, "target"))).toThrow(/ENOENT/);
  });
});
