#!/usr/bin/env node
// @ts-check
/**
 * drift.yml's plan step: `terraform init`, then `terraform plan -detailed-exitcode` (0 clean, 1 error,
 * 2 changes), and `terraform show -json` of the saved plan when there is one. It leaves in drift/ what the
 * report job reads (scripts/pull-requests/drift.ts --from drift): plan.log, exit-code and, for a finished plan, plan.json.
 * It exits 0 whatever the plan did: the report job turns the exit code into the issue (and fails on 1).
 *
 * Plain node with no dependency: the drift job holds the plan credential and runs no `npm ci`.
 *
 *   STACK_DIR=cdktf.out/stacks/ami-tracker BACKEND=s3 npm run --silent ci:drift-plan
 *   npm run --silent ci:drift-plan -- --stack-dir cdktf.out/stacks/ami-tracker --backend s3
 *   BACKEND=cloud: a speculative run in the workspace (no -out, no -lock=false: HCP Terraform takes neither);
 *   cloud-local (ci-access's local-execution workspace) runs here like s3 and local
 */
"use strict";
const { spawnSync } = require("node:child_process");
const { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { defineCommand, exitWith, processIo, runCommand, UsageError } = require("../shared/cli-args.cjs");

const OUT = "drift";

/** @param {string | undefined} backend */
function planArguments(backend) {
  const base = ["plan", "-detailed-exitcode", "-input=false", "-no-color"];
  return backend === "cloud" ? base : [...base, "-lock=false", "-out=plan.tfplan"];
}

/**
 * @param {string} stackDir
 * @param {readonly string[]} args
 * @param {string} log
 */
function terraform(stackDir, args, log) {
  const result = spawnSync("terraform", [`-chdir=${stackDir}`, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.error) {
    appendFileSync(log, `could not run terraform: ${result.error.message}\n`);
    return { status: 1, stdout: "" };
  }
  appendFileSync(log, `${result.stdout}${result.stderr}`);
  return { status: result.status ?? 1, stdout: result.stdout };
}

/** What `npm run ci:stacks -- --backend` prints, and cloud-local: a stack's entry in its `backends` output (scripts/pull-requests/ci-stacks.ts, planBackend). */
const BACKENDS = ["s3", "cloud", "local", "other", "cloud-local"];

const COMMAND = defineCommand({
  command: "npm run --silent ci:drift-plan --",
  name: "ci:drift-plan",
  summary:
    "drift.yml's plan step: terraform init, plan -detailed-exitcode and show -json of a finished plan, leaving plan.log, exit-code and plan.json in drift/ for the report job. Exits 0 whatever the plan did.",
  options: {
    "stack-dir": { type: "string", value: "DIR", description: "the synthesized stack to plan (default $STACK_DIR), e.g. cdktf.out/stacks/ami-tracker" },
    backend: {
      type: "string",
      value: "KIND",
      description: "how the stack is planned, its entry in ci:stacks' backends output (default $BACKEND)",
      choices: BACKENDS,
    },
  },
  notes: "Plain node with no dependency: the drift job holds the plan credential and runs no npm ci.",
});

/**
 * @param {readonly string[]} argv
 * @param {import("../shared/cli-args.cjs").CliIo} [io]
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<number>}
 */
function main(argv, io = processIo, env = process.env) {
  return runCommand(COMMAND, argv, io, ({ values }) => {
    const stackDir = values["stack-dir"] ?? env["STACK_DIR"];
    const backend = values.backend ?? env["BACKEND"];
    if (!stackDir) throw new UsageError("no stack: pass --stack-dir DIR or set STACK_DIR (the workflow sets it to cdktf.out/stacks/<stack>)");
    if (!backend)
      throw new UsageError(
        "no backend: pass --backend KIND or set BACKEND (the stack's entry in the synth job's backends output: s3, local, cloud or cloud-local)",
      );
    if (!BACKENDS.includes(backend))
      throw new UsageError(`BACKEND ${JSON.stringify(backend)}: expected one of ${BACKENDS.join(", ")} (the stack's entry in ci:stacks' backends output)`);
    mkdirSync(OUT, { recursive: true });
    const log = join(OUT, "plan.log");
    writeFileSync(log, "");
    rmSync(join(stackDir, "plan.tfplan"), { force: true });
    const init = terraform(stackDir, ["init", "-input=false", "-no-color"], log);
    const exitCode = init.status !== 0 ? init.status : terraform(stackDir, planArguments(backend), log).status;
    writeFileSync(join(OUT, "exit-code"), `${exitCode}\n`);
    // A plan file exists only after a finished plan (changes or none), never after an error.
    if (exitCode !== 1 && existsSync(join(stackDir, "plan.tfplan"))) {
      const show = spawnSync("terraform", [`-chdir=${stackDir}`, "show", "-json", "plan.tfplan"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
      if (show.status !== 0) throw new Error(`terraform show -json plan.tfplan failed: ${show.stderr}`);
      writeFileSync(join(OUT, "plan.json"), show.stdout);
    }
    const text = readFileSync(log, "utf8");
    if (text !== "") io.out(text.replace(/\n$/, ""));
    io.out(`[drift-plan] exit code ${exitCode}`);
    return 0;
  });
}

module.exports = { COMMAND, main, planArguments };

if (require.main === module) exitWith(main(process.argv.slice(2)));
