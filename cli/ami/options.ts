/**
 * The command line of `npm run ami`: one spec per command on the project's shared parser
 * (scripts/shared/cli-args.cjs), so `<command> --help`, unknown options and bad values behave as in every
 * other script (exit 0 for help, 2 with the option, the value and the nearest choice for bad usage).
 */
import { readdirSync } from "node:fs";
import { channelNameProblem, LATEST, parseBuildText } from "../../ami-pointers/channels";
import { AWS_REGIONS, isAwsRegion, REGION_PATTERN } from "../../aws/regions";
import { CONFIG_DIRECTORY } from "../../config";
import { type CommandSpec, defineCommand, didYouMean, type OptionSpec, type Values } from "../../scripts/shared/cli-args.cjs";

export const COMMANDS = ["status", "history", "promote", "rollback", "revoke", "restore", "policy"] as const;
export type Command = (typeof COMMANDS)[number];

export function regionProblem(value: string): string | undefined {
  if (isAwsRegion(value)) return undefined;
  // A region's shape but not a known one (a typo like us-est-1, or a region newer than aws/regions.ts).
  const what = REGION_PATTERN.test(value) ? "not a region aws/regions.ts lists" : "not an AWS region";
  return `${what}${didYouMean(value, AWS_REGIONS) || '; expected e.g. "us-east-1"'}`;
}

/** latest or a channel name. */
export function pointerProblem(value: string): string | undefined {
  return value === LATEST ? undefined : channelNameProblem(value);
}

function environments(): string[] {
  return readdirSync(CONFIG_DIRECTORY)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

const TARGET_OPTIONS = {
  parameter: { type: "string", multiple: true, value: "NAME", description: "a tracked parameter; default: from the configuration" },
  region: {
    type: "string",
    multiple: true,
    value: "REGION",
    description: "a region; default: every region the configuration writes the parameter in",
    check: regionProblem,
  },
  channel: {
    type: "string",
    multiple: true,
    value: "NAME",
    description: "a channel beside each parameter; default: the configured channels",
    check: channelNameProblem,
  },
  env: {
    type: "string",
    value: "NAME",
    description: 'configuration environment (config/environments/NAME.json); default: APP_ENV or "default"',
    choices: environments,
  },
} as const satisfies Record<string, OptionSpec>;

const JSON_OPTION = { json: { type: "boolean", description: "machine-readable output on stdout" } } as const satisfies Record<string, OptionSpec>;
const DRY_RUN = { "dry-run": { type: "boolean", description: "decide and report, write nothing" } } as const satisfies Record<string, OptionSpec>;

const SUBJECT = "BUILD|AMI";
const TIER_NOTE =
  "Every write sends an explicit parameter tier: Advanced for a pipeline shared through RAM (its configuration's share) or a pointer that is Advanced already, Standard otherwise.";
const EXIT_NOTE = "Exit status: 0 done, 1 failed (nothing half-done is reported as done; a pointer that does not exist), 2 bad usage.";
const CREDENTIALS_NOTE =
  "AWS SDK v3 with the usual credential chain: AWS_PROFILE (or `aws sso login --profile NAME` first), environment keys, an instance role.";

function spec<const O extends Record<string, OptionSpec>>(
  command: Command,
  summary: string,
  options: O,
  positionals?: CommandSpec["positionals"],
  notes: readonly string[] = [],
): CommandSpec<O> {
  return defineCommand({
    command: `npm run ami -- ${command}`,
    name: `ami ${command}`,
    summary,
    options,
    ...(positionals !== undefined ? { positionals } : {}),
    notes: [...notes, CREDENTIALS_NOTE, EXIT_NOTE].join("\n"),
  });
}

const POINTER_POSITIONAL = { name: "POINTER", description: "latest or a channel", max: 1 };
const SUBJECT_POSITIONAL = { name: SUBJECT, description: "a build (VERSION/BUILD, e.g. 1.2.0/3) or one of its AMI IDs", max: 1 };

export const SPECS = {
  status: spec("status", "Every tracked parameter and channel, per region: AMI, build, age, who wrote it.", { ...TARGET_OPTIONS, ...JSON_OPTION }),
  history: spec(
    "history",
    "A pointer's kept versions with their builds, per region.",
    { ...TARGET_OPTIONS, ...JSON_OPTION },
    {
      ...POINTER_POSITIONAL,
      description: "latest (default) or a channel",
    },
  ),
  promote: spec(
    "promote",
    "A build into a channel in every region, all or nothing.",
    {
      to: {
        type: "string",
        value: "CHANNEL",
        description: "the channel to write (required; never latest)",
        check: (value) => (value === LATEST ? "only the tracker writes latest (use rollback to move it back)" : channelNameProblem(value)),
      },
      from: { type: "string", value: "POINTER", description: "where the build comes from: latest (default) or a channel", check: pointerProblem },
      build: {
        type: "string",
        value: "VERSION/BUILD",
        description: "a build from latest's history, e.g. 1.2.0/3 (default: --from's current)",
        check: (value) => (parseBuildText(value) === undefined ? "not VERSION/BUILD, e.g. 1.2.0/3" : undefined),
      },
      override: {
        type: "string",
        value: "REASON",
        description: "promote although the channel's gate (channelGates) refuses the build; recorded on the channel",
      },
      ...TARGET_OPTIONS,
      ...DRY_RUN,
      ...JSON_OPTION,
    },
    undefined,
    [TIER_NOTE],
  ),
  rollback: spec(
    "rollback",
    "latest or a channel back to its previous build, in every region, recorded as a rollback.",
    { ...TARGET_OPTIONS, ...DRY_RUN, ...JSON_OPTION },
    POINTER_POSITIONAL,
    [TIER_NOTE],
  ),
  revoke: spec(
    "revoke",
    "Deprecate and disable a build's AMI in every region, move every pointer holding it back to its previous build, record who/when/why; promote then refuses the build. All or nothing.",
    { reason: { type: "string", value: "TEXT", description: "why, recorded with the revocation" }, ...TARGET_OPTIONS, ...DRY_RUN, ...JSON_OPTION },
    SUBJECT_POSITIONAL,
  ),
  restore: spec(
    "restore",
    "Undo a revoke (enable, no longer deprecated, promote allowed again); moves no pointer forward.",
    { ...TARGET_OPTIONS, ...DRY_RUN, ...JSON_OPTION },
    SUBJECT_POSITIONAL,
  ),
  policy: spec("policy", "The least-privilege IAM policy these commands need, as JSON.", {
    account: {
      type: "string",
      value: "ID",
      description: "the account ID (default: the caller's, from sts:GetCallerIdentity)",
      check: (value) => (/^\d{12}$/.test(value) ? undefined : "not an account ID (12 digits, e.g. 111122223333)"),
    },
    partition: { type: "string", value: "NAME", description: "the partition (default: the caller's)", choices: ["aws", "aws-cn", "aws-us-gov"] },
    ...TARGET_OPTIONS,
  }),
} as const;

/** The values any command's spec gives (each command has a subset of these options). */
export type AnyValues = Values<typeof TARGET_OPTIONS & typeof JSON_OPTION & typeof DRY_RUN> &
  Values<typeof SPECS.promote.options> &
  Values<typeof SPECS.revoke.options> &
  Values<typeof SPECS.policy.options>;

/** `npm run ami -- --help`: the commands, then the options they share. */
export const OVERVIEW: CommandSpec = defineCommand({
  command: "npm run ami --",
  name: "ami",
  summary: "Operate the AMI loop: the pointers (latest, channels) of each tracked parameter, per region.",
  options: TARGET_OPTIONS,
  positionals: { name: "COMMAND", description: "one of the commands below; `npm run ami -- COMMAND --help` lists its options", max: 0 },
  notes: [
    "commands:",
    ...COMMANDS.map((command) => `  ${command.padEnd(10)}${SPECS[command].summary}`),
    "",
    "Writing commands take --dry-run; all but policy take --json.",
    TIER_NOTE,
    CREDENTIALS_NOTE,
    EXIT_NOTE,
  ].join("\n"),
});

/** The command word of argv (the first argument that is not an option or an option's value), and argv without it. */
export function splitCommand(argv: readonly string[]): { command?: string; rest: string[]; help: boolean } {
  const valued = new Set<string>();
  for (const one of Object.values(SPECS)) for (const [name, option] of Object.entries(one.options)) if (option.type === "string") valued.add(name);
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? "";
    if (arg === "--") break;
    if (arg === "--help" || arg === "-h") help = true;
    if (arg.startsWith("-")) {
      if (arg.startsWith("--") && !arg.includes("=") && valued.has(arg.slice(2))) index++;
      continue;
    }
    return { command: arg, rest: [...argv.slice(0, index), ...argv.slice(index + 1)], help };
  }
  return { rest: [...argv], help };
}
