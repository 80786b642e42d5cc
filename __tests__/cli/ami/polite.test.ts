/**
 * `npm run ami` as a new user meets it: --help (overall and per command) prints and exits 0 with no AWS call;
 * bad usage exits 2 naming the option, the value and the nearest choice; no credentials, a region typo and
 * a parameter that does not exist each say what to do; no message repeats its prefix or names an SDK class.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../../cli/ami/cli";
import { COMMANDS } from "../../../cli/ami/options";
import { type AwsClients, createAwsClients } from "../../../cli/ami/sdk";
import { PROJECT_ROOT } from "../../../stacks/constructs/bundle";
import { awsError, FakeAws } from "./fake-aws";

const LATEST = "/ec2-imagebuilder/latest";
const STABLE = "/ec2-imagebuilder/stable";
const EAST = "us-east-1";
const TARGET = ["--parameter", LATEST, "--region", EAST];
/** An SDK class name or one of the CLI's own error classes, which a message should not show. */
const CLASS_NAME = /\b(AwsCallError|OperatorError|UsageError|NoCredentialsError|CredentialsProviderError|TokenProviderError|TypeError|Error:)/;
/** "x: x:" or "x: x ..." at the start of a line: a prefix said twice. */
const REPEATED_PREFIX = /^ami (\w+): \1\b/m;

let fake: FakeAws;

async function cli(argv: readonly string[], clients?: AwsClients): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(
    argv,
    { out: (text) => out.push(text), err: (text) => err.push(text) },
    { clients: clients ?? fake.clients(), sleep: async () => undefined },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeEach(() => {
  fake = new FakeAws();
  for (const [index, build] of ["1.0.0/1", "1.1.0/2"].entries()) fake.image(EAST, `ami-e${index + 1}`, build);
  fake.parameter(EAST, LATEST, ["ami-e1", "ami-e2"], {});
});
afterEach(() => fake.restore());

describe("--help", () => {
  test.each([[["--help"]], [["-h"]], [[]]])("%j alone: the commands and the shared options", async (argv) => {
    const result = await cli(argv);
    if (argv.length === 0) {
      expect(result.code).toBe(2);
      expect(result.err).toContain("ami: a command is needed: one of status, history, promote, rollback, revoke, restore, policy");
      return;
    }
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^usage: npm run ami -- \[options\] COMMAND\n/);
    for (const command of COMMANDS) expect(result.out).toMatch(new RegExp(`^ {2}${command} +\\S`, "m"));
    expect(result.err).toBe("");
    expect(fake.calls).toHaveLength(0);
  });

  test.each(COMMANDS.map((command) => [command]))("%s --help: that command's usage and options, exit 0, no AWS call", async (command) => {
    const result = await cli([command, "--help", ...TARGET]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^usage: npm run ami -- ${command} \\[options\\]`));
    expect(result.out).toContain("--region REGION");
    expect(result.out).toContain("AWS_PROFILE");
    expect(fake.calls).toHaveLength(0);
  });

  test("promote --help lists promote's own options; status's does not", async () => {
    const promote = await cli(["promote", "--help"]);
    for (const option of ["--to CHANNEL", "--from POINTER", "--build VERSION/BUILD", "--override REASON", "--dry-run"]) expect(promote.out).toContain(option);
    const status = await cli(["status", "--help"]);
    expect(status.out).not.toContain("--to CHANNEL");
  });

  test("--help needs no credentials and no configuration: real clients, nothing sent", async () => {
    const result = await cli(["promote", "--help"], createAwsClients({ maxAttempts: 1 }));
    expect(result.code).toBe(0);
  });
});

describe("bad usage exits 2 with the option, the value and a did-you-mean, before any AWS call", () => {
  test.each([
    [
      ["promot", "--to", "stable"],
      'ami: "promot" is not a command; use one of status, history, promote, rollback, revoke, restore, policy (did you mean promote?)',
    ],
    [["status", "--regoin", EAST], "ami status: unknown option --regoin (did you mean --region?)"],
    [["promote", "--too", "stable", ...TARGET], "ami promote: unknown option --too (did you mean --to?)"],
    [["status", "--to", "stable", ...TARGET], "ami status: unknown option --to"],
    [["restore", "1.1.0/2", "--reason", "x", ...TARGET], "ami restore: unknown option --reason"],
    [
      ["status", "--parameter", LATEST, "--region", "us-est-1"],
      'ami status: --region "us-est-1": not a region aws/regions.ts lists (did you mean us-east-1 or us-west-1?)',
    ],
    [["status", "--parameter", LATEST, "--region", "useast1"], 'ami status: --region "useast1": not an AWS region (did you mean us-east-1?)'],
    [["status", "--parameter", LATEST, "--region", "nowhere"], 'ami status: --region "nowhere": not an AWS region; expected e.g. "us-east-1"'],
    [
      ["policy", "--partition", "aws-us-gvo", ...TARGET],
      'ami policy: --partition "aws-us-gvo": expected one of aws, aws-cn, aws-us-gov (did you mean aws-us-gov?)',
    ],
    [["policy", "--account", "1234", ...TARGET], 'ami policy: --account "1234": not an account ID (12 digits, e.g. 111122223333)'],
    [["status", "--env", "defualt"], 'ami status: --env "defualt": expected one of'],
    [["promote", "--to", "stable", "--build", "1.2", ...TARGET], 'ami promote: --build "1.2": not VERSION/BUILD, e.g. 1.2.0/3'],
    [["promote", "--to", ...TARGET], "ami promote: --to needs a value: --to CHANNEL (got the option --parameter"],
    [["history", "stable", "extra", ...TARGET], 'ami history: unexpected argument "extra": it takes at most 1 POINTER'],
    [["promote", ...TARGET], "ami promote: --to CHANNEL is required, e.g. --to stable"],
  ])("%j", async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.err.split("\n")[0]).toContain(message);
    expect(result.err).toMatch(/--help lists the options/);
    expect(result.err).not.toMatch(REPEATED_PREFIX);
    expect(result.err).not.toMatch(CLASS_NAME);
    expect(result.out).toBe("");
    expect(fake.calls).toHaveLength(0);
  });

  test('the nearest of an --env typo is named: "defualt" -> default', async () => {
    const result = await cli(["status", "--env", "defualt"]);
    expect(result.err).toContain("(did you mean default?)");
  });
});

describe("no credentials: the hint, exit 1", () => {
  const CHAIN_VARIABLES = [
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_EC2_METADATA_DISABLED",
  ];
  function expectHint(result: { code: number; err: string; out: string }): void {
    expect(result.code).toBe(1);
    expect(result.err).toContain("ami status: no usable AWS credentials for sts:GetCallerIdentity");
    expect(result.err).toContain("set AWS_PROFILE");
    expect(result.err).toContain("aws sso login");
    expect(result.err).not.toMatch(CLASS_NAME);
    expect(result.err).not.toMatch(REPEATED_PREFIX);
  }

  test("the SDK's provider chain finds nothing (mocked STS rejects as the chain does)", async () => {
    fake.interceptor = (call) =>
      call.action === "sts:GetCallerIdentity" ? awsError("CredentialsProviderError", "Could not load credentials from any providers") : undefined;
    expectHint(await cli(["status", ...TARGET]));
  });

  test("an expired SSO session (TokenProviderError) gets the same hint", async () => {
    fake.interceptor = (call) =>
      call.action === "sts:GetCallerIdentity" ? awsError("TokenProviderError", "The SSO session associated with this profile has expired") : undefined;
    expectHint(await cli(["status", ...TARGET]));
  });

  test("npm run ami with the real default chain and nothing configured (no profile, no keys, no metadata service)", () => {
    // A child process, as npm runs it: the SDK's chain loads its providers with dynamic imports, which jest's VM does not run.
    const empty = mkdtempSync(join(tmpdir(), "ami-no-credentials-"));
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CHAIN_VARIABLES.includes(name)));
    try {
      const child = spawnSync(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["cli/ami/cli.ts", "status", ...TARGET], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        timeout: 60_000,
        env: {
          ...env,
          AWS_CONFIG_FILE: join(empty, "config"),
          AWS_SHARED_CREDENTIALS_FILE: join(empty, "credentials"),
          // The chain's last provider is the instance metadata service: disabled, so it fails at once, offline.
          AWS_EC2_METADATA_DISABLED: "true",
        },
      });
      expectHint({ code: child.status ?? -1, out: child.stdout, err: child.stderr.trim() });
      expect(child.stdout).toBe("");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("a parameter or pointer that does not exist: exit 1, naming it and the known ones", () => {
  test("status of an untracked parameter: names it, its regions and what the configuration tracks", async () => {
    const result = await cli(["status", "--parameter", "/nope/latest", "--region", EAST, "--env", "default"]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(`ami status: /nope/latest does not exist in ${EAST}; configuration "default" tracks ${LATEST}`);
    expect(result.out).toContain("not created yet");
  });

  test("status of a configured parameter no build has reached yet: says so", async () => {
    fake.restore();
    fake = new FakeAws();
    const result = await cli(["status", "--env", "default"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`ami status: ${LATEST} does not exist in ${EAST}: configuration "default" tracks it, but no build has been written to it yet`);
  });

  test("history of a channel that was never written: names it and the parameter's pointers", async () => {
    const result = await cli(["history", "prod", ...TARGET, "--channel", "stable", "--channel", "prod"]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `ami history: prod of ${LATEST} does not exist in ${EAST}; its pointers: latest, stable, prod (\`npm run ami -- status\` shows which exist)`,
    );
  });

  test("status and history of what exists: exit 0", async () => {
    expect((await cli(["status", ...TARGET])).code).toBe(0);
    expect((await cli(["history", ...TARGET])).code).toBe(0);
  });

  test("rollback of a channel that does not exist: exit 1, one prefix, the ARN named", async () => {
    const result = await cli(["rollback", "stable", ...TARGET]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(`ami rollback of stable: nothing was written:\n  - ${EAST}: arn:aws:ssm:${EAST}:111122223333:parameter${STABLE} does not exist`);
  });
});

describe("one prefix, no class names", () => {
  test("promote refused by the service: the action, the ARN and the AWS error code, once prefixed", async () => {
    fake.interceptor = (call) => (call.action === "ssm:GetParameterHistory" ? awsError("InternalServerError", "try again") : undefined);
    const result = await cli(["promote", "--to", "stable", ...TARGET]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `ami promote: ssm:GetParameterHistory on arn:aws:ssm:${EAST}:111122223333:parameter${LATEST} failed: InternalServerError: try again`,
    );
  });

  test("an error of the CLI's own: the message alone (the stack only with DEBUG)", async () => {
    fake.interceptor = (call) => (call.action === "sts:GetCallerIdentity" ? new TypeError("boom") : undefined);
    const result = await cli(["status", ...TARGET]);
    expect(result.code).toBe(1);
    expect(result.err).toBe("ami status: sts:GetCallerIdentity on sts.us-east-1 failed: boom");
  });
});
