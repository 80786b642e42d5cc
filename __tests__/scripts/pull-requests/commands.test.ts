/**
 * The pull-request tools' and iam:star-only's command lines (scripts/shared/cli-args.cjs): --help prints
 * the usage and exits 0 with no side effect, an unknown option and a bad value exit 2 naming them (with
 * the nearest option or value). Each main() runs in-process with captured output, its GitHub pointed at
 * the local stand-in, which must see no call; ci:drift-plan (plain node, no dependency) and one tsx
 * script run as child processes, the way npm runs them.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main as iamStarOnly, STAR_ONLY_FILE } from "../../../scripts/generators/iam-star-only";
import { main as applyGate } from "../../../scripts/pull-requests/apply-gate";
import { main as ciFmt } from "../../../scripts/pull-requests/ci-fmt";
import { main as drift } from "../../../scripts/pull-requests/drift";
import { main as envCheck } from "../../../scripts/pull-requests/env-protection";
import { main as attest } from "../../../scripts/pull-requests/plan-attest";
import { main as planComment } from "../../../scripts/pull-requests/plan-comment";
import { main as planRecord } from "../../../scripts/pull-requests/plan-record";
import { main as planSummary } from "../../../scripts/pull-requests/plan-summary";
import type { CliIo } from "../../../scripts/shared/cli-args.cjs";
import { startGitHubStub, type GitHubStub } from "../../helpers/github-stub";

const ROOT = join(__dirname, "..", "..", "..");

let stub: GitHubStub;
let work: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  stub = await startGitHubStub("acme/infra", { t0ken: { login: "plan-review[bot]", type: "Bot", appId: 7 } });
  work = mkdtempSync(join(tmpdir(), "pr-commands-"));
  env = {
    GITHUB_API_URL: stub.url,
    GITHUB_TOKEN: "t0ken",
    GITHUB_REPOSITORY: "acme/infra",
    GITHUB_SHA: "1".repeat(40),
    HEAD_SHA: "1".repeat(40),
    PR_NUMBER: "12",
    PLAN_REVIEW_APP_ID: "7",
    APP_BOT_LOGIN: "plan-review[bot]",
    DRIFT_ISSUE_AUTHOR: "plan-review[bot]",
    GITHUB_OUTPUT: join(work, "github-output"),
    GITHUB_STEP_SUMMARY: join(work, "step-summary"),
  };
});
afterAll(async () => {
  await stub.close();
  rmSync(work, { recursive: true, force: true });
});

type Main = (argv: readonly string[], io: CliIo) => Promise<number>;

async function call(main: Main, argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

interface Case {
  readonly script: string;
  readonly main: () => Main;
  readonly unknown: readonly [argv: readonly string[], message: string];
  readonly badValue: readonly [argv: readonly string[], message: string];
}

const STACK_PROBLEM = "expected a stack name (letters, digits, - and _), e.g. ami-tracker";

const CASES: readonly Case[] = [
  {
    script: "apply:gate",
    main: () => (argv, io) => applyGate(argv, io, env),
    unknown: [["--stak", "ami-tracker", "plan.json"], "apply:gate: unknown option --stak (did you mean --stack?)"],
    badValue: [["--stack", "ami tracker", "plan.json"], `apply:gate: --stack "ami tracker": ${STACK_PROBLEM}`],
  },
  {
    script: "drift",
    main: () => (argv, io) => drift(argv, io, env),
    unknown: [["--stack", "ami-tracker", "--exit-cod", "2"], "drift: unknown option --exit-cod (did you mean --exit-code?)"],
    badValue: [
      ["--stack", "ami-tracker", "--exit-code", "two"],
      'drift: --exit-code "two": expected terraform plan -detailed-exitcode\'s exit code (0 clean, 1 error, 2 changes)',
    ],
  },
  {
    script: "plan:summary",
    main: () => planSummary,
    unknown: [["--markr", "<!-- plan:x -->", "plan.json"], "plan:summary: unknown option --markr (did you mean --marker?)"],
    badValue: [
      ["--failed", "plna", "--stack", "x", "--log", "plan.log"],
      'plan:summary: --failed "plna": expected one of init, validate, plan, show (did you mean plan?)',
    ],
  },
  {
    script: "plan:comment",
    main: () => (argv, io) => planComment(argv, io, env),
    unknown: [["--pull-reqest", "12", "comment.md"], "plan:comment: unknown option --pull-reqest (did you mean --pull-request?)"],
    badValue: [["--pull-request", "#12", "comment.md"], 'plan:comment: --pull-request "#12": expected a pull request number, e.g. --pull-request 12'],
  },
  {
    script: "ci:plan-record",
    main: () => (argv, io) => planRecord(argv, io, env),
    unknown: [["--lockfile", "x", "plan.json"], "ci:plan-record: unknown option --lockfile (did you mean --lock-file?)"],
    badValue: [
      ["--stack", "s", "--head", "abc123", "--out", "r.json", "plan.json"],
      'ci:plan-record: --head "abc123": expected the 40-hex-digit commit planned (github.event.pull_request.head.sha)',
    ],
  },
  {
    script: "ci:attest",
    main: () => (argv, io) => attest(argv, io, env),
    unknown: [["--folder", "review"], "ci:attest: unknown option --folder; the options are --help"],
    badValue: [["no-such-folder"], 'ci:attest: FOLDER "no-such-folder": no such folder; download the plan run\'s review artifact into it first'],
  },
  {
    script: "ci:env-check",
    main: () => (argv, io) => envCheck(argv, io, env),
    unknown: [["--environment", "prod"], "ci:env-check: unknown option --environment; the options are --help"],
    badValue: [[""], 'ci:env-check: ENVIRONMENT "": expected the environment\'s name (vars.APP_ENV), e.g. prod'],
  },
  {
    script: "ci:fmt",
    main: () => (argv, io) => ciFmt(argv, io, ROOT),
    unknown: [["--recursive"], "ci:fmt: unknown option --recursive; the options are --help"],
    badValue: [["cdktf.out/no-such-stacks"], 'ci:fmt: FOLDER "cdktf.out/no-such-stacks": no such folder; synthesize first (npm run synth:hcl) or drop it'],
  },
  {
    script: "iam:star-only",
    main: () => iamStarOnly,
    unknown: [["--chek"], "iam:star-only: unknown option --chek (did you mean --check?)"],
    badValue: [["--check=yes"], 'iam:star-only: --check takes no value (got "yes"); write --check alone'],
  },
];

/** What a run could leave behind: files in the work folder (GITHUB_OUTPUT, the step summary), calls to GitHub, a generated file. */
function sideEffects(): { files: string[]; calls: string[]; starOnlyWritten: number } {
  return { files: readdirSync(work), calls: [...stub.calls], starOnlyWritten: statSync(STAR_ONLY_FILE).mtimeMs };
}

describe.each(CASES)("npm run $script", ({ script, main, unknown, badValue }) => {
  test("--help prints the usage and exits 0, with no side effect", async () => {
    const before = sideEffects();
    const result = await call(main(), ["--help"]);
    expect(result).toEqual({ code: 0, out: expect.stringMatching(new RegExp(`^usage: npm run (--silent )?${script} -- \\[options\\]`)), err: "" });
    expect(result.out).toContain("-h, --help");
    expect(sideEffects()).toEqual(before);
  });

  test("an unknown option exits 2 naming it, with the nearest option, before anything runs", async () => {
    const result = await call(main(), unknown[0]);
    expect(result.code).toBe(2);
    expect(result.err.split("\n")[0]).toBe(unknown[1]);
    expect(result.out).toBe("");
    expect(stub.calls).toEqual([]);
  });

  test("a bad value exits 2 naming the option and the value, before anything runs", async () => {
    const result = await call(main(), badValue[0]);
    expect(result.code).toBe(2);
    expect(result.err.split("\n")[0]).toBe(badValue[1]);
    expect(stub.calls).toEqual([]);
  });
});

describe("as npm runs them (child processes)", () => {
  /** ci:drift-plan in a folder of its own: it writes drift/ into the folder it runs in. */
  function driftPlan(args: readonly string[], extra: NodeJS.ProcessEnv = {}) {
    const cwd = mkdtempSync(join(tmpdir(), "drift-plan-"));
    try {
      const { STACK_DIR: _stackDir, BACKEND: _backend, ...inherited } = process.env;
      const result = spawnSync(process.execPath, [join(ROOT, "scripts", "pull-requests", "drift-plan.cjs"), ...args], {
        cwd,
        env: { ...inherited, ...extra },
        encoding: "utf8",
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr, left: readdirSync(cwd) };
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }

  test("ci:drift-plan --help prints the usage, exits 0, runs no terraform and writes no drift/", () => {
    const result = driftPlan(["--help"], { STACK_DIR: "cdktf.out/stacks/ami-tracker", BACKEND: "s3" });
    expect({ status: result.status, usage: result.stdout.split("\n")[0], stderr: result.stderr, left: result.left }).toEqual({
      status: 0,
      usage: "usage: npm run --silent ci:drift-plan -- [options]",
      stderr: "",
      left: [],
    });
  });

  test.each([
    [["--stackdir", "x"], {}, "ci:drift-plan: unknown option --stackdir (did you mean --stack-dir?)"],
    [["--stack-dir", "x", "--backend", "s4"], {}, 'ci:drift-plan: --backend "s4": expected one of s3, cloud, local, other, cloud-local (did you mean s3?)'],
    [
      [],
      { STACK_DIR: "x", BACKEND: "S3" },
      `ci:drift-plan: BACKEND "S3": expected one of s3, cloud, local, other, cloud-local (the stack's entry in ci:stacks' backends output)`,
    ],
    [[], { BACKEND: "s3" }, "ci:drift-plan: no stack: pass --stack-dir DIR or set STACK_DIR (the workflow sets it to cdktf.out/stacks/<stack>)"],
  ])("ci:drift-plan %j %j exits 2 naming it, and writes no drift/", (args, extra, message) => {
    const result = driftPlan(args, extra);
    expect({ status: result.status, message: result.stderr.split("\n")[0], left: result.left }).toEqual({ status: 2, message, left: [] });
  });

  test("plan:comment --help through tsx prints the usage and exits 0 (it used to fail with ENOENT)", () => {
    const tsx = join(ROOT, "node_modules", ".bin", "tsx");
    const help = spawnSync(tsx, ["scripts/pull-requests/plan-comment.ts", "--help"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
    expect({ status: help.status, usage: help.stdout.split("\n")[0], stderr: help.stderr }).toEqual({
      status: 0,
      usage: "usage: npm run plan:comment -- [options] COMMENT.md",
      stderr: "",
    });
    expect(stub.calls).toEqual([]);
  });
});
