/**
 * Runs a GitHub Actions job's steps in order, locally, as the runner would: `run:` steps through
 * `bash -eo pipefail` with the workflow's, job's and step's env, `${{ }}` evaluated from a context the test
 * gives (github, vars, secrets, needs, matrix, steps), $GITHUB_OUTPUT / $GITHUB_STEP_SUMMARY as files, `if:`
 * with success()/failure()/always(). `uses:` steps are replaced by their local equivalent (checkout: the
 * job's fresh copy; setup-node/setup-terraform: the installed tools; AWS credentials: none; App token: a
 * fake the GitHub stub knows; upload/download-artifact: a folder). Expression semantics follow
 * https://docs.github.com/en/actions/reference/workflows-and-actions/expressions (loose ==, strings
 * compared case-insensitively, || and && return an operand).
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type Value = null | boolean | number | string | readonly Value[] | { readonly [key: string]: Value };

// ---------------------------------------------------------------- expressions

type Token = { kind: "num" | "str" | "id" | "op"; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const rest = source.slice(index);
    const space = rest.match(/^\s+/);
    if (space) {
      index += space[0].length;
      continue;
    }
    const string = rest.match(/^'((?:[^']|'')*)'/);
    if (string) {
      tokens.push({ kind: "str", text: (string[1] ?? "").replace(/''/g, "'") });
      index += string[0].length;
      continue;
    }
    const number = rest.match(/^-?\d+(\.\d+)?/);
    if (number) {
      tokens.push({ kind: "num", text: number[0] });
      index += number[0].length;
      continue;
    }
    const op = rest.match(/^(==|!=|<=|>=|&&|\|\||[()[\].,!<>*])/);
    if (op) {
      tokens.push({ kind: "op", text: op[0] });
      index += op[0].length;
      continue;
    }
    const id = rest.match(/^[A-Za-z_][A-Za-z0-9_-]*/);
    if (id) {
      tokens.push({ kind: "id", text: id[0] });
      index += id[0].length;
      continue;
    }
    throw new Error(`expression "${source}": unexpected "${rest[0]}" at ${index}`);
  }
  return tokens;
}

export type ExpressionFunction = (...args: Value[]) => Value;

export interface ExpressionContext {
  readonly values: Readonly<Record<string, Value>>;
  readonly functions: Readonly<Record<string, ExpressionFunction>>;
}

const truthy = (value: Value): boolean => !(value === null || value === false || value === 0 || value === "" || Number.isNaN(value));

const toNumber = (value: Value): number => {
  if (value === null) return 0;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  if (typeof value === "string") return value.trim() === "" ? 0 : Number(value);
  return Number.NaN;
};

function looseEquals(a: Value, b: Value): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b && (typeof a !== "object" || a === null || b === null)) return a === b;
  if (typeof a === "object" && a !== null) return a === b;
  return toNumber(a) === toNumber(b);
}

/** The string a value becomes inside `${{ }}`. */
export function asString(value: Value): string {
  if (value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function member(target: Value, key: Value): Value {
  if (target === null || typeof target !== "object") return null;
  if (Array.isArray(target)) return (target as Value[])[toNumber(key)] ?? null;
  const record = target as Record<string, Value>;
  const wanted = String(key).toLowerCase();
  const found = Object.keys(record).find((name) => name.toLowerCase() === wanted);
  return found === undefined ? null : (record[found] ?? null);
}

export function evaluate(source: string, context: ExpressionContext): Value {
  const tokens = tokenize(source);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const take = (text?: string): Token => {
    const token = tokens[position++];
    if (token === undefined || (text !== undefined && token.text !== text))
      throw new Error(`expression "${source}": expected ${text ?? "more"}, got ${token?.text ?? "the end"}`);
    return token;
  };
  const primary = (): Value => {
    const token = take();
    if (token.kind === "str") return token.text;
    if (token.kind === "num") return Number(token.text);
    if (token.kind === "op" && token.text === "(") {
      const value = or();
      take(")");
      return value;
    }
    if (token.kind === "op" && token.text === "!") return !truthy(unary());
    if (token.kind !== "id") throw new Error(`expression "${source}": unexpected ${token.text}`);
    if (token.text === "true") return true;
    if (token.text === "false") return false;
    if (token.text === "null") return null;
    if (peek()?.text === "(") {
      take("(");
      const args: Value[] = [];
      while (peek()?.text !== ")") {
        args.push(or());
        if (peek()?.text === ",") take(",");
      }
      take(")");
      const fn = Object.entries(context.functions).find(([name]) => name.toLowerCase() === token.text.toLowerCase())?.[1];
      if (fn === undefined) throw new Error(`expression "${source}": the runner has no function ${token.text}()`);
      return fn(...args);
    }
    return member(context.values as Value, token.text);
  };
  const postfix = (): Value => {
    let value = primary();
    for (;;) {
      if (peek()?.text === ".") {
        take(".");
        value = member(value, take().text);
      } else if (peek()?.text === "[") {
        take("[");
        const key = or();
        take("]");
        value = member(value, key);
      } else return value;
    }
  };
  const unary = (): Value => {
    if (peek()?.text !== "!") return postfix();
    take("!");
    return !truthy(unary());
  };
  const comparison = (): Value => {
    let left = unary();
    while (["<", ">", "<=", ">="].includes(peek()?.text ?? "")) {
      const op = take().text;
      const [a, b] = [toNumber(left), toNumber(unary())];
      left = op === "<" ? a < b : op === ">" ? a > b : op === "<=" ? a <= b : a >= b;
    }
    return left;
  };
  const equality = (): Value => {
    let left = comparison();
    while (peek()?.text === "==" || peek()?.text === "!=") {
      const op = take().text;
      const equal = looseEquals(left, comparison());
      left = op === "==" ? equal : !equal;
    }
    return left;
  };
  const and = (): Value => {
    let left = equality();
    while (peek()?.text === "&&") {
      take("&&");
      const right = equality();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const or = (): Value => {
    let left = and();
    while (peek()?.text === "||") {
      take("||");
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const value = or();
  if (position !== tokens.length) throw new Error(`expression "${source}": unexpected ${tokens[position]?.text}`);
  return value;
}

/** Replaces every `${{ expr }}` in `text`. */
export function interpolate(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_all, expression: string) => asString(evaluate(expression, context)));
}

/** An `if:` condition: `${{ }}` optional; a condition without a status function is ANDed with success(). */
export function condition(text: string | boolean | undefined, context: ExpressionContext): boolean {
  if (text === undefined) return truthy(evaluate("success()", context));
  if (typeof text === "boolean") return text;
  const bare = text.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
  const statusFunction = /\b(success|failure|always|cancelled)\s*\(/.test(bare);
  return truthy(evaluate(statusFunction ? bare : `success() && (${bare})`, context));
}

export const standardFunctions: Record<string, ExpressionFunction> = {
  fromJSON: (text) => JSON.parse(asString(text)) as Value,
  toJSON: (value) => JSON.stringify(value, null, 2),
  contains: (haystack, needle) =>
    Array.isArray(haystack) ? haystack.some((item) => looseEquals(item, needle)) : asString(haystack).toLowerCase().includes(asString(needle).toLowerCase()),
  startsWith: (text, prefix) => asString(text).toLowerCase().startsWith(asString(prefix).toLowerCase()),
  format: (template, ...args) => asString(template).replace(/\{(\d+)\}/g, (_all, index: string) => asString(args[Number(index)] ?? null)),
};

// ---------------------------------------------------------------- jobs

export interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, unknown>>;
  readonly if?: string | boolean;
  readonly "continue-on-error"?: boolean;
}

export interface Job {
  readonly if?: string;
  readonly needs?: string | readonly string[];
  readonly env?: Readonly<Record<string, unknown>>;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly strategy?: { readonly matrix?: Readonly<Record<string, unknown>> };
  readonly steps: readonly Step[];
}

export interface Workflow {
  readonly env?: Readonly<Record<string, unknown>>;
  readonly jobs: Readonly<Record<string, Job>>;
}

export interface NeedResult {
  readonly result: "success" | "failure" | "skipped";
  readonly outputs: Readonly<Record<string, string>>;
}

export interface StepRecord {
  readonly index: number;
  readonly label: string;
  readonly step: Step;
  readonly outcome: "success" | "failure" | "skipped";
  /** What ran: the command, or how a `uses:` step was stood in for. */
  readonly did: string;
  readonly output: string;
}

export interface JobRun {
  readonly result: "success" | "failure" | "skipped";
  readonly outputs: Record<string, string>;
  readonly steps: StepRecord[];
  readonly summary: string;
  /** Every step's output, in order. */
  readonly log: string;
}

export interface RunOptions {
  /** The job's workspace: a fresh copy of the repository (what actions/checkout gives). */
  readonly workspace: string;
  /** Where upload-artifact puts and download-artifact takes, one folder per artifact name. */
  readonly artifacts: string;
  readonly github: Readonly<Record<string, Value>>;
  readonly vars: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, string>>;
  readonly needs?: Readonly<Record<string, NeedResult>>;
  readonly matrix?: Readonly<Record<string, Value>>;
  /** The runner's own environment (PATH, HOME, GITHUB_* defaults, TF_CLI_CONFIG_FILE...). */
  readonly env: Readonly<Record<string, string>>;
  /** The token create-github-app-token returns. */
  readonly appToken: string;
  /** Stands in for one `run:` command the runner cannot run as such (e.g. npm ci): returns what it did. */
  readonly substitute?: (command: string, workspace: string) => string | undefined;
  /** Called with every step's record (coverage). */
  readonly record?: (record: StepRecord) => void;
}

/** GITHUB_OUTPUT's `name=value` and `name<<DELIMITER` forms. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    const heredoc = line.match(/^([^=<]+)<<(.+)$/);
    if (heredoc) {
      const body: string[] = [];
      while (index + 1 < lines.length && lines[index + 1] !== heredoc[2]) body.push(lines[++index] ?? "");
      index++;
      outputs[heredoc[1] ?? ""] = body.join("\n");
    } else if (line.includes("=")) {
      outputs[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return outputs;
}

function runBash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    // GitHub's `shell: bash`: bash --noprofile --norc -eo pipefail {0}
    const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

function copyInto(source: string, target: string): void {
  if (statSync(source).isDirectory()) {
    mkdirSync(target, { recursive: true });
    for (const entry of readdirSync(source)) cpSync(join(source, entry), join(target, entry), { recursive: true });
  } else {
    mkdirSync(target, { recursive: true });
    cpSync(source, join(target, source.split("/").at(-1) ?? "file"));
  }
}

const stringMap = (map: Readonly<Record<string, unknown>> | undefined, context: ExpressionContext): Record<string, string> =>
  Object.fromEntries(Object.entries(map ?? {}).map(([key, value]) => [key, interpolate(String(value), context)]));

/** One `uses:` step, stood in for locally. */
function standIn(step: Step, inputs: Record<string, string>, options: RunOptions): { did: string; outputs: Record<string, string>; ok: boolean } {
  const action = (step.uses ?? "").replace(/@.*$/, "");
  switch (action) {
    case "actions/checkout":
      if (inputs["persist-credentials"] !== "false") return { did: "checkout that would keep the token in .git/config", outputs: {}, ok: false };
      return { did: "checkout: the job's fresh copy of the repository", outputs: {}, ok: true };
    case "actions/setup-node":
      return { did: `setup-node: the installed node ${process.version}`, outputs: {}, ok: true };
    case "hashicorp/setup-terraform":
      return { did: "setup-terraform: the installed terraform", outputs: {}, ok: inputs["terraform_wrapper"] === "false" };
    case "aws-actions/configure-aws-credentials":
      return { did: "configure-aws-credentials: none (offline)", outputs: {}, ok: true };
    case "actions/create-github-app-token":
      return { did: "create-github-app-token: the stub's App token", outputs: { token: options.appToken }, ok: true };
    case "actions/upload-artifact": {
      const name = inputs["name"] ?? "";
      const source = join(options.workspace, inputs["path"] ?? "");
      if (!existsSync(source)) return { did: `upload-artifact ${name}: no files found (warning)`, outputs: {}, ok: true };
      copyInto(source, join(options.artifacts, name));
      return { did: `upload-artifact ${name}`, outputs: {}, ok: true };
    }
    case "actions/download-artifact": {
      const target = join(options.workspace, inputs["path"] ?? ".");
      const pattern = inputs["pattern"];
      const names =
        pattern !== undefined
          ? readdirSync(options.artifacts).filter((name) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(name))
          : [inputs["name"] ?? ""];
      for (const name of names) {
        const source = join(options.artifacts, name);
        if (!existsSync(source)) return { did: `download-artifact ${name}: not found`, outputs: {}, ok: false };
        copyInto(source, inputs["merge-multiple"] === "true" || pattern === undefined ? target : join(target, name));
      }
      return { did: `download-artifact ${names.join(", ")}`, outputs: {}, ok: names.length > 0 };
    }
    default:
      throw new Error(`the runner has no stand-in for ${step.uses}`);
  }
}

/** Runs one job (one matrix combination) and returns what happened. */
export async function runJob(workflow: Workflow, jobName: string, options: RunOptions): Promise<JobRun> {
  const job = workflow.jobs[jobName];
  if (job === undefined) throw new Error(`no job ${jobName}`);
  const needs = options.needs ?? {};
  const steps: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  let failed = false;
  const functions = (): Record<string, ExpressionFunction> => ({
    ...standardFunctions,
    success: () => !failed && Object.values(needs).every((need) => need.result === "success"),
    failure: () => failed || Object.values(needs).some((need) => need.result === "failure"),
    always: () => true,
    cancelled: () => false,
    hashFiles: () => {
      throw new Error("hashFiles is not used by the workflows; add it to the runner if a step needs it");
    },
  });
  const baseValues = {
    github: options.github,
    vars: options.vars,
    secrets: options.secrets,
    needs: needs as unknown as Value,
    matrix: (options.matrix ?? {}) as Value,
    runner: { os: "Linux", temp: options.env["RUNNER_TEMP"] ?? "" },
  };
  const workflowEnv = stringMap(workflow.env, { values: { ...baseValues, env: {} }, functions: functions() });
  const jobEnv = { ...workflowEnv, ...stringMap(job.env, { values: { ...baseValues, env: workflowEnv }, functions: functions() }) };
  const jobContext = (): ExpressionContext => ({ values: { ...baseValues, env: jobEnv, steps: steps as unknown as Value }, functions: functions() });
  if (!condition(job.if, jobContext())) return { result: "skipped", outputs: {}, steps: [], summary: "", log: "" };

  const files = mkdtempSync(join(options.env["RUNNER_TEMP"] ?? options.artifacts, "step-"));
  const records: StepRecord[] = [];
  let summary = "";
  let log = "";
  for (const [index, step] of job.steps.entries()) {
    const context = jobContext();
    const label = step.name ?? step.run ?? step.uses ?? `step ${index}`;
    const finish = (outcome: StepRecord["outcome"], did: string, output: string, outputs: Record<string, string>): void => {
      const record = { index, label, step, outcome, did, output };
      records.push(record);
      options.record?.(record);
      log += `::group::${label}\n${output}\n::endgroup:: ${outcome}\n`;
      if (step.id !== undefined) steps[step.id] = { outputs, outcome, conclusion: outcome === "failure" && step["continue-on-error"] ? "success" : outcome };
      if (outcome === "failure" && !step["continue-on-error"]) failed = true;
    };
    if (!condition(step.if, context)) {
      finish("skipped", "skipped (if: false)", "", {});
      continue;
    }
    if (step.uses !== undefined) {
      const inputs = stringMap(step.with, context);
      const { did, outputs, ok } = standIn(step, inputs, options);
      finish(ok ? "success" : "failure", did, did, outputs);
      continue;
    }
    const command = interpolate(step.run ?? "", context);
    const substituted = options.substitute?.(command, options.workspace);
    if (substituted !== undefined) {
      finish("success", substituted, substituted, {});
      continue;
    }
    const outputFile = join(files, `output-${index}`);
    const summaryFile = join(files, `summary-${index}`);
    writeFileSync(outputFile, "");
    writeFileSync(summaryFile, "");
    const env = {
      ...options.env,
      ...jobEnv,
      ...stringMap(step.env, context),
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_WORKSPACE: options.workspace,
    };
    const { code, output } = await runBash(command, options.workspace, env);
    summary += readFileSync(summaryFile, "utf8");
    finish(code === 0 ? "success" : "failure", command, output, parseOutputFile(readFileSync(outputFile, "utf8")));
  }
  const result = failed ? "failure" : "success";
  const outputs = stringMap(job.outputs, jobContext());
  return { result, outputs, steps: records, summary, log };
}

/** The job's matrix combinations (one `key: list` dimension, as the workflows use), evaluated against `needs`. */
export function matrixOf(
  workflow: Workflow,
  jobName: string,
  options: Pick<RunOptions, "github" | "vars" | "secrets" | "needs">,
): Array<Record<string, Value>> {
  const matrix = workflow.jobs[jobName]?.strategy?.matrix;
  if (matrix === undefined) return [{}];
  const context: ExpressionContext = {
    values: { github: options.github, vars: options.vars, secrets: options.secrets, needs: (options.needs ?? {}) as unknown as Value },
    functions: standardFunctions,
  };
  const entries = Object.entries(matrix).map(([key, value]) => {
    const list = typeof value === "string" ? evaluate(value.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1"), context) : (value as Value);
    if (!Array.isArray(list)) throw new Error(`matrix.${key} is not a list: ${JSON.stringify(list)}`);
    return [key, list as Value[]] as const;
  });
  if (entries.length !== 1) throw new Error("the runner expands one matrix dimension");
  const [key, list] = entries[0] as readonly [string, Value[]];
  return list.map((value) => ({ [key]: value }));
}
