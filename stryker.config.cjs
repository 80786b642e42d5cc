// Mutation testing (StrykerJS): `npm run test:mutation` mutates the core logic below and runs, for each
// mutant, only the unit tests that cover it (coverageAnalysis "perTest"). Not part of `npm test`: it takes
// minutes per file on 2 cores. Scores and equivalent mutants: docs/mutation.md.
// One target: `MUTATION_TARGET=channels npm run test:mutation` (names below; comma-separated for several).

const { readFileSync } = require("node:fs");

/**
 * The lines of the named top-level functions (or one-statement constants) of a file, as Stryker
 * `mutate` ranges (`file:start-end`): the apply gate's decision, not its GitHub calls or command line,
 * which change on their own and need a network or a process to test. Found by name, so the ranges
 * follow the code when lines move; a name that is not there stops the run.
 */
function ranges(file, names) {
  const lines = readFileSync(`${__dirname}/${file}`, "utf8").split("\n");
  return names.map((name) => {
    const start = lines.findIndex((line) => new RegExp(`^(export )?(async )?(function|const) ${name}\\b`).test(line));
    if (start === -1) throw new Error(`stryker.config.cjs: ${file} has no top-level ${name}`);
    const end = lines[start].endsWith(";") ? start : lines.findIndex((line, index) => index > start && line === "}");
    return `${file}:${start + 1}-${end + 1}`;
  });
}

/** Each target: the file mutated and the unit tests that are meant to catch its mutants. */
const TARGETS = {
  message: {
    mutate: ["handlers/ami-tracker/message.ts"],
    tests: ["__tests__/handlers/ami-tracker/message*.test.ts"],
  },
  "build-order": {
    mutate: ["ami-pointers/build-order.ts"],
    tests: ["__tests__/ami-pointers/build-order*.test.ts", "__tests__/handlers/ami-tracker/ordering.test.ts"],
  },
  channels: {
    mutate: ["ami-pointers/channels.ts"],
    tests: ["__tests__/ami-pointers/channels*.test.ts"],
  },
  // model.test.ts compares the model with every environment's synthesized stack: minutes per mutant, so not here.
  model: {
    mutate: ["ami-pointers/model.ts"],
    tests: ["__tests__/ami-pointers/model-edges.test.ts"],
  },
  validators: {
    mutate: ["config/validators.ts"],
    // The configuration's own tests (config.test.ts, single-field.test.ts) reach it too, through parseConfig,
    // but take seconds per mutant where these take milliseconds.
    tests: ["__tests__/config/validators*.test.ts"],
  },
  // The edit distance behind both "did you mean"s: the configuration's and the command lines'.
  "did-you-mean": {
    mutate: ["config/did-you-mean.cjs"],
    tests: ["__tests__/config/validators-edges.test.ts", "__tests__/scripts/shared/cli-args.test.ts"],
  },
  "apply-gate": {
    mutate: ranges("scripts/pull-requests/apply-gate.ts", ["checkRunName", "decide", "parseAttestationId", "attestationOf", "WRITERS", "approversOf"]),
    tests: ["__tests__/scripts/pull-requests/apply-gate*.test.ts"],
  },
};

const names = process.env.MUTATION_TARGET ? process.env.MUTATION_TARGET.split(",") : Object.keys(TARGETS);
for (const name of names) {
  if (!(name in TARGETS)) throw new Error(`MUTATION_TARGET: "${name}" is not a target; use one of ${Object.keys(TARGETS).join(", ")}`);
}
const chosen = names.map((name) => TARGETS[name]);

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
module.exports = {
  packageManager: "npm",
  testRunner: "jest",
  coverageAnalysis: "perTest",
  // Two cores shared with other work: one test process by default (`--concurrency 2` to use both).
  concurrency: 1,
  mutate: [...new Set(chosen.flatMap((target) => target.mutate))],
  jest: {
    projectType: "custom",
    // Only the unit tests of the chosen targets; the synth and terraform tiers would take hours per mutant set.
    config: {
      // jest.config.js splits the tiers into projects; one flat project here.
      projects: [],
      testEnvironment: "node",
      transform: {
        "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
      },
      testMatch: [...new Set(chosen.flatMap((target) => target.tests))].map((glob) => `<rootDir>/${glob}`),
      setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
    },
    // The testMatch above already narrows the tests; --findRelatedTests would add every stack test that imports the file.
    enableFindRelatedTests: false,
  },
  // The sandbox needs the sources and tests only, not build output.
  ignorePatterns: ["cdktf.out", ".build", ".gen", "coverage", "reports", ".terraform", "terraform.tfstate.d"],
  tempDirName: ".stryker-tmp",
  reporters: ["clear-text", "progress", "html", "json"],
  // One report per target set, so a run of one target keeps the others' reports.
  htmlReporter: { fileName: `reports/mutation/${names.join("+")}.html` },
  jsonReporter: { fileName: `reports/mutation/${names.join("+")}.json` },
  thresholds: { high: 90, low: 80, break: null },
  timeoutMS: 10000,
};
