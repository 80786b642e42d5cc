/**
 * `npm run ami -- <command>`: the operator's side of the AMI loop (status, history, promote, rollback,
 * policy). AWS SDK v3 with the usual credential chain (AWS_PROFILE, environment, SSO, instance role).
 * Which parameters and regions: `--parameter`/`--region`, else the app configuration (APP_ENV or --env).
 */
import { parseArgs } from "node:util";
import { type AppConfig, loadConfig } from "../../config";
import { REGION_PATTERN } from "../../aws/regions";
import { amiOperatorPolicy } from "../../ami-pointers/operator-policy";
import { channelNameProblem, ChannelNameError, LATEST, parseBuildText } from "../../ami-pointers/channels";
import { trackedParameters } from "../../ami-pointers/model";
import { AwsCallError, type AwsClients, callerIdentity, createAwsClients, realSleep, type Sleep } from "./aws";
import {
  type ChangeReport,
  type HistoryReport,
  history,
  OperatorError,
  promote,
  restore,
  revoke,
  type RevokeReport,
  rollback,
  status,
  type StatusReport,
  type Target,
} from "./commands";

export const HELP = `Usage: npm run ami -- <command> [options]

Commands:
  status                 every tracked parameter and channel, per region: AMI, build, age, who wrote it
  history [POINTER]      a pointer's kept versions with their builds (POINTER: latest (default) or a channel)
  promote --to CHANNEL   a build into a channel in every region, all or nothing
          [--from latest|CHANNEL]   where the build comes from (default latest)
          [--build VERSION/BUILD]   a build from latest's history, e.g. 1.2.0/3 (default: --from's current)
          [--override REASON]       promote although the channel's gate (channelGates) refuses the build; recorded on the channel
  rollback POINTER       latest or a channel back to its previous build, in every region, recorded as a rollback
  revoke BUILD|AMI       deprecate and disable the build's AMI in every region, move every pointer holding it back
          [--reason TEXT]           to its previous build, record who/when/why; promote then refuses the build. All or nothing
  restore BUILD|AMI      undo a revoke (enable, no longer deprecated, promote allowed again); moves no pointer forward
  policy [--account ID] [--partition aws]   the least-privilege IAM policy these commands need

Options:
  --parameter NAME  a tracked parameter (repeatable); default: from the configuration
  --region REGION   a region (repeatable); default: every region the configuration writes the parameter in
  --channel NAME    a channel beside each parameter (repeatable); default: the configured channels
  --env NAME        configuration environment (config/environments/NAME.json); default: APP_ENV or "default"
  --dry-run         decide and report, write nothing
  --json            machine-readable output on stdout
  --help            this text

Every write sends an explicit parameter tier: Advanced for a pipeline shared through RAM (its
configuration's share) or a pointer that is Advanced already, Standard otherwise.

Exit status: 0 done, 1 failed (nothing half-done is reported as done), 2 bad usage.
`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface CliDeps {
  readonly clients?: AwsClients;
  readonly now?: () => Date;
  readonly sleep?: Sleep;
  readonly loadConfig?: (environment?: string) => AppConfig;
}

/** Bad flags or arguments: exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

const COMMANDS = ["status", "history", "promote", "rollback", "revoke", "restore", "policy"] as const;
type Command = (typeof COMMANDS)[number];

interface Options {
  readonly command: Command;
  readonly positional?: string;
  readonly parameters: readonly string[];
  readonly regions: readonly string[];
  readonly channels: readonly string[];
  /** Whether --channel was given: otherwise a configuration's channels (imageBuilder.pipelines[].channels) are used. */
  readonly channelsGiven?: boolean;
  readonly env?: string;
  readonly to?: string;
  readonly from?: string;
  readonly build?: string;
  readonly override?: string;
  readonly reason?: string;
  readonly account?: string;
  readonly partition?: string;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly help: boolean;
}

export function parseOptions(argv: readonly string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        parameter: { type: "string", multiple: true },
        region: { type: "string", multiple: true },
        channel: { type: "string", multiple: true },
        env: { type: "string" },
        to: { type: "string" },
        from: { type: "string" },
        build: { type: "string" },
        override: { type: "string" },
        reason: { type: "string" },
        account: { type: "string" },
        partition: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, positional, ...extra] = positionals;
  const help = values.help ?? false;
  if (command === undefined) {
    if (help) return { command: "status", parameters: [], regions: [], channels: [], dryRun: false, json: false, help };
    throw new UsageError(`a command is needed: one of ${COMMANDS.join(", ")}`);
  }
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`"${command}" is not a command; use one of ${COMMANDS.join(", ")}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(" ")}`);
  const regions = values.region ?? [];
  for (const region of regions)
    if (!REGION_PATTERN.test(region)) throw new UsageError(`--region: "${region}" is not an AWS region (expected e.g. "us-east-1")`);
  const channels = values.channel ?? [];
  for (const channel of channels) {
    const problem = channelNameProblem(channel);
    if (problem !== undefined) throw new UsageError(`--channel: ${problem}`);
  }
  return {
    command: command as Command,
    ...(positional !== undefined ? { positional } : {}),
    parameters: [...new Set(values.parameter ?? [])],
    regions: [...new Set(regions)],
    channels,
    channelsGiven: values.channel !== undefined,
    ...(values.env !== undefined ? { env: values.env } : {}),
    ...(values.to !== undefined ? { to: values.to } : {}),
    ...(values.from !== undefined ? { from: values.from } : {}),
    ...(values.build !== undefined ? { build: values.build } : {}),
    ...(values.override !== undefined ? { override: values.override } : {}),
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
    ...(values.account !== undefined ? { account: values.account } : {}),
    ...(values.partition !== undefined ? { partition: values.partition } : {}),
    dryRun: values["dry-run"] ?? false,
    json: values.json ?? false,
    help,
  };
}

/**
 * The tracked parameters of a configuration, from the AMI-pointer model (ami-pointers/model.ts), the
 * same the tracker stack builds its parameters and operator_policy output from. Channels: `channels`
 * when given (--channel), else the configured ones.
 */
export function targetsFromConfig(config: AppConfig, channels?: readonly string[]): Target[] {
  return trackedParameters({ tracker: config.amiTracker, pipelines: config.imageBuilder.pipelines }).map((tracked) => ({
    parameter: tracked.parameter,
    regions: [...tracked.regions],
    channels: [...(channels ?? tracked.channels)],
    ...(tracked.gates.length > 0 ? { gates: [...tracked.gates] } : {}),
    ...(tracked.tier === "Advanced" ? { advanced: true } : {}),
  }));
}

/** The channels a command names (--to, --from, a rollback's pointer): an explicit target always covers them. */
function namedChannels(options: Options): string[] {
  const named = [options.to, options.from, options.command === "rollback" || options.command === "history" ? options.positional : undefined];
  return named.filter((name): name is string => name !== undefined && name !== LATEST && channelNameProblem(name) === undefined);
}

/**
 * The parameters, regions and channels a command acts on. With --parameter and --region, exactly those
 * (the configuration is not read); otherwise the configuration's tracked parameters (the AMI-pointer
 * model), narrowed by --parameter and --region, which must name what the configuration tracks.
 */
function resolveTargets(options: Options, deps: CliDeps): Target[] {
  if (options.parameters.length > 0 && options.regions.length > 0) {
    const channels = [...new Set([...options.channels, ...namedChannels(options)])];
    return options.parameters.map((parameter) => ({ parameter, regions: options.regions, channels }));
  }
  const config = (deps.loadConfig ?? loadConfig)(options.env);
  const configured = targetsFromConfig(config, options.channelsGiven === true ? options.channels : undefined);
  const where = `configuration "${config.environment}"`;
  if (configured.length === 0) {
    throw new UsageError(`the ${where} names no tracked parameter without a placeholder; pass --parameter NAME --region REGION`);
  }
  let targets = configured;
  if (options.parameters.length > 0) {
    targets = options.parameters.map((parameter) => {
      const known = configured.find((target) => target.parameter === parameter);
      if (known === undefined) {
        throw new UsageError(
          `--parameter: "${parameter}" is not tracked by the ${where} (it tracks ${configured.map((target) => target.parameter).join(", ")}); name one of those, or add --region REGION to act on an untracked parameter`,
        );
      }
      return known;
    });
  }
  if (options.regions.length > 0) {
    targets = targets.map((target) => {
      const outside = options.regions.filter((region) => !target.regions.includes(region));
      if (outside.length > 0) {
        throw new UsageError(
          `--region: ${outside.join(", ")} is not a region of ${target.parameter} in the ${where} (its regions: ${target.regions.join(", ")})`,
        );
      }
      return { ...target, regions: options.regions };
    });
  }
  if (options.channelsGiven !== true) {
    for (const channel of namedChannels(options)) {
      const missing = targets.find((target) => !target.channels.includes(channel));
      if (missing !== undefined) {
        throw new UsageError(
          `"${channel}" is not a channel of ${missing.parameter} in the ${where} (its channels: ${missing.channels.join(", ") || "none"}); add it to the pipeline's "channels" there, or pass --channel ${channel} to act on it anyway`,
        );
      }
    }
  }
  return targets;
}

function oneTarget(targets: readonly Target[], command: string): Target {
  const [only, ...more] = targets;
  if (only === undefined) throw new UsageError(`${command}: no tracked parameter; pass --parameter NAME`);
  if (more.length > 0)
    throw new UsageError(`${command}: ${targets.length} tracked parameters (${targets.map((t) => t.parameter).join(", ")}); pick one with --parameter`);
  return only;
}

function pointerArgument(value: string | undefined, command: string): string {
  if (value === undefined) throw new UsageError(`${command}: name the pointer: latest or a channel, e.g. \`npm run ami -- ${command} stable\``);
  if (value === LATEST) return value;
  const problem = channelNameProblem(value);
  if (problem !== undefined) throw new UsageError(`${command}: ${problem}`);
  return value;
}

function age(seconds: number | undefined): string {
  if (seconds === undefined) return "-";
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join("  ")).join("\n");
}

export function formatStatus(report: StatusReport): string {
  const rows: string[][] = [["PARAMETER", "REGION", "POINTER", "AMI", "BUILD", "VERSION", "AGE", "WRITTEN BY"]];
  for (const row of report.rows) {
    if (!row.exists) {
      rows.push([row.name, row.region, row.pointer, "-", "-", "-", "-", "not created yet"]);
      continue;
    }
    const change = row.change;
    const who =
      change === undefined
        ? (row.writtenBy ?? "unknown")
        : change.rollback
          ? `ROLLBACK by ${change.by} (from ${change.replacedAmiId ?? "?"})`
          : `promoted from ${change.from} by ${change.by}`;
    rows.push([row.name, row.region, row.pointer, row.amiId ?? "-", row.build ?? "-", String(row.version ?? "-"), age(row.ageSeconds), who]);
  }
  return table(rows);
}

export function formatHistory(report: HistoryReport): string {
  const rows: string[][] = [["REGION", "VERSION", "AMI", "BUILD", "WRITTEN", "BY", ""]];
  for (const region of report.regions) {
    if (!region.exists) rows.push([region.region, "-", "-", "-", "-", "-", `${region.arn} does not exist`]);
    for (const entry of region.versions) {
      rows.push([region.region, String(entry.version), entry.amiId, entry.build, entry.modified ?? "-", entry.user ?? "-", entry.current ? "current" : ""]);
    }
  }
  return table(rows);
}

export function formatChange(report: ChangeReport): string {
  const verb = report.command === "promote" ? `promote ${report.from} -> ${report.pointer}` : `rollback of ${report.pointer}`;
  const head = report.dryRun
    ? `DRY RUN: ${verb} of ${report.parameter} (nothing written)`
    : report.ok
      ? `DONE: ${verb} of ${report.parameter}`
      : `FAILED: ${verb} of ${report.parameter}`;
  const lines = [head];
  for (const region of report.regions) {
    const from = region.fromAmiId === undefined ? "(new)" : `${region.fromAmiId} ${region.fromBuild ?? ""}`.trim();
    lines.push(`  ${region.region}  ${region.status.toUpperCase()}  ${from} -> ${region.toAmiId} ${region.toBuild}  ${region.arn} (${region.tier} tier)`);
    const tagLabel = region.status === "changed" ? "ami tag" : region.status === "would-change" ? "would tag ami" : "planned ami tag (not in place)";
    for (const edit of region.amiTags) lines.push(`      ${tagLabel} ${edit}`);
    if (region.error !== undefined) lines.push(`      error: ${region.error}`);
    for (const left of region.leftInPlace ?? []) lines.push(`      STILL IN PLACE: ${left}`);
  }
  if (report.gate?.override !== undefined) lines.push(`  gate of ${report.gate.channel} OVERRIDDEN: ${report.gate.override}`);
  else if (report.gate !== undefined) lines.push(`  gate of ${report.gate.channel} passed`);
  if (report.error !== undefined) lines.push(report.error);
  return lines.join("\n");
}

export function formatRevoke(report: RevokeReport): string {
  const verb = `${report.command} of ${report.build} (${report.parameter})`;
  const lines = [report.dryRun ? `DRY RUN: ${verb} (nothing changed)` : report.ok ? `DONE: ${verb}` : `FAILED: ${verb}`];
  if (report.reason !== undefined) lines.push(`  reason: ${report.reason}`);
  for (const region of report.regions) {
    lines.push(`  ${region.region}  ${region.status.toUpperCase()}  ${region.amiId}`);
    for (const moved of region.moved) lines.push(`      ${moved.arn} back to ${moved.toAmiId} ${moved.toBuild}`);
    if (region.error !== undefined) lines.push(`      error: ${region.error}`);
    for (const left of region.leftInPlace ?? []) lines.push(`      STILL IN PLACE: ${left}`);
  }
  if (report.error !== undefined) lines.push(report.error);
  if (report.note !== undefined) lines.push(report.note);
  return lines.join("\n");
}

/** Runs one command; returns the exit status. */
export async function run(argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 2;
  }
  if (options.help) {
    io.out(HELP);
    return 0;
  }
  const commandDeps = { clients: deps.clients ?? createAwsClients(), now: deps.now ?? (() => new Date()), sleep: deps.sleep ?? realSleep };
  const print = (value: unknown, text: string) => io.out(options.json ? JSON.stringify(value, null, 2) : text);
  try {
    const targets = resolveTargets(options, deps);
    switch (options.command) {
      case "status": {
        const report = await status(commandDeps, targets);
        print(report, formatStatus(report));
        return 0;
      }
      case "history": {
        const report = await history(commandDeps, oneTarget(targets, "history"), pointerArgument(options.positional ?? LATEST, "history"));
        print(report, formatHistory(report));
        return 0;
      }
      case "promote": {
        if (options.to === undefined) throw new UsageError("promote: --to CHANNEL is required, e.g. --to stable");
        const to = pointerArgument(options.to, "promote");
        if (to === LATEST) throw new UsageError("promote: --to latest is not allowed: only the tracker writes latest (use rollback to move it back)");
        if (options.build !== undefined && options.from !== undefined)
          throw new UsageError("promote: --build takes the build from latest's history; drop --from, or drop --build to take --from's current build");
        const build = options.build === undefined ? undefined : parseBuildText(options.build);
        if (options.build !== undefined && build === undefined) throw new UsageError(`promote: --build "${options.build}" is not VERSION/BUILD, e.g. 1.2.0/3`);
        const report = await promote(commandDeps, {
          target: oneTarget(targets, "promote"),
          to,
          ...(options.from !== undefined ? { from: pointerArgument(options.from, "promote") } : {}),
          ...(build !== undefined ? { build } : {}),
          ...(options.override !== undefined ? { override: options.override } : {}),
          dryRun: options.dryRun,
        });
        print(report, formatChange(report));
        return report.ok ? 0 : 1;
      }
      case "rollback": {
        const report = await rollback(commandDeps, {
          target: oneTarget(targets, "rollback"),
          pointer: pointerArgument(options.positional, "rollback"),
          dryRun: options.dryRun,
        });
        print(report, formatChange(report));
        return report.ok ? 0 : 1;
      }
      case "revoke":
      case "restore": {
        if (options.positional === undefined)
          throw new UsageError(`${options.command}: name the build or AMI, e.g. \`npm run ami -- ${options.command} 1.2.0/3\``);
        if (options.command === "restore" && options.reason !== undefined) throw new UsageError("restore: --reason is for revoke");
        const request = {
          target: oneTarget(targets, options.command),
          subject: options.positional,
          ...(options.reason !== undefined ? { reason: options.reason } : {}),
          dryRun: options.dryRun,
        };
        const report = options.command === "revoke" ? await revoke(commandDeps, request) : await restore(commandDeps, request);
        print(report, formatRevoke(report));
        return report.ok ? 0 : 1;
      }
      case "policy": {
        const region = targets[0]?.regions[0] ?? "us-east-1";
        const identity = options.account === undefined ? await callerIdentity(commandDeps.clients, region) : undefined;
        const document = amiOperatorPolicy({
          partition: options.partition ?? identity?.partition ?? "aws",
          account: options.account ?? identity?.account ?? "",
          tracked: targets,
        });
        io.out(JSON.stringify(document, null, 2));
        return 0;
      }
    }
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const known = error instanceof UsageError || error instanceof OperatorError || error instanceof AwsCallError || error instanceof ChannelNameError;
    const name = error instanceof Error ? error.name : "Error";
    if (options.json) io.out(JSON.stringify({ command: options.command, ok: false, dryRun: options.dryRun, error: { name, message: text } }, null, 2));
    io.err(`${options.command}: ${known ? "" : `${name}: `}${text}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  run(process.argv.slice(2), { out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`) }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
