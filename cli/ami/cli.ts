/**
 * `npm run ami -- <command>`: the operator's side of the AMI loop (status, history, promote, rollback,
 * revoke, restore, policy). Which parameters and regions: `--parameter`/`--region`, else the app
 * configuration (APP_ENV or --env). `npm run ami -- --help` lists the commands, `<command> --help` its options.
 */
import { LATEST, parseBuildText } from "../../ami-pointers/channels";
import { amiOperatorPolicy } from "../../ami-pointers/operator-policy";
import { type CliIo, type CommandSpec, didYouMean, exitWith, processIo, runCommand, UsageError } from "../../scripts/shared/cli-args.cjs";
import { formatChange, formatHistory, formatRevoke, formatStatus } from "./format";
import { type AnyValues, type Command, COMMANDS, OVERVIEW, SPECS, splitCommand } from "./options";
import { promote, rollback } from "./promote";
import { restore, revoke } from "./revoke";
import { type AwsClients, callerIdentity, createAwsClients, realSleep, type Sleep } from "./sdk";
import { history, status } from "./show";
import { type CommandDeps, message, type Target } from "./target";
import { type ConfigLoader, configuredParameters, oneTarget, resolveTargets } from "./targets";

export { targetsFromConfig } from "./targets";
export type { CliIo } from "../../scripts/shared/cli-args.cjs";

export interface CliDeps {
  readonly clients?: AwsClients;
  readonly now?: () => Date;
  readonly sleep?: Sleep;
  readonly loadConfig?: ConfigLoader;
}

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

/** Runs one command; returns the exit status (0 done, 1 failed, 2 bad usage). */
export async function run(argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const { command, rest, help } = splitCommand(argv);
  if (command === undefined || !isCommand(command)) {
    return runCommand(OVERVIEW, help ? ["--help"] : [], io, () => {
      if (command === undefined) throw new UsageError(`a command is needed: one of ${COMMANDS.join(", ")}`);
      throw new UsageError(`"${command}" is not a command; use one of ${COMMANDS.join(", ")}${didYouMean(command, COMMANDS)}`);
    });
  }
  const spec: CommandSpec = SPECS[command];
  return runCommand(spec, rest, io, ({ values, positionals }) => execute(command, values as AnyValues, positionals[0], io, deps));
}

/** `ami promote: ...`, or `ami promote to stable: ...` when the message already starts with the command. */
function errorLine(command: Command, text: string): string {
  return text.startsWith(`${command} `) || text.startsWith(`${command}:`) ? `ami ${text}` : `ami ${command}: ${text}`;
}

async function execute(command: Command, values: AnyValues, positional: string | undefined, io: CliIo, deps: CliDeps): Promise<number> {
  const json = values.json === true;
  const dryRun = values["dry-run"] === true;
  const print = (value: unknown, text: string) => io.out(json ? JSON.stringify(value, null, 2) : text);
  try {
    const targets = resolveTargets(
      {
        command,
        ...(positional !== undefined ? { positional } : {}),
        parameters: [...new Set(values.parameter ?? [])],
        regions: [...new Set(values.region ?? [])],
        ...(values.channel !== undefined ? { channels: values.channel } : {}),
        ...(values.env !== undefined ? { env: values.env } : {}),
        ...(values.to !== undefined ? { to: values.to } : {}),
        ...(values.from !== undefined ? { from: values.from } : {}),
      },
      deps.loadConfig,
    );
    const commandDeps: CommandDeps = { clients: deps.clients ?? createAwsClients(), now: deps.now ?? (() => new Date()), sleep: deps.sleep ?? realSleep };
    switch (command) {
      case "status": {
        const report = await status(commandDeps, targets);
        print(report, formatStatus(report));
        const missing = targets.filter((target) => !report.rows.some((row) => row.parameter === target.parameter && row.pointer === LATEST && row.exists));
        if (missing.length === 0) return 0;
        for (const target of missing) io.err(errorLine(command, missingParameter(target, values.env, deps.loadConfig)));
        return 1;
      }
      case "history": {
        const target = oneTarget(targets);
        const pointer = positional ?? LATEST;
        const report = await history(commandDeps, target, pointer);
        print(report, formatHistory(report));
        if (report.regions.some((region) => region.exists)) return 0;
        io.err(
          errorLine(
            command,
            `${pointer} of ${target.parameter} does not exist in ${target.regions.join(", ")}; its pointers: ${[LATEST, ...target.channels].join(", ")} (\`npm run ami -- status\` shows which exist)`,
          ),
        );
        return 1;
      }
      case "promote": {
        if (values.to === undefined) throw new UsageError("--to CHANNEL is required, e.g. --to stable");
        if (values.to === LATEST) throw new UsageError("--to latest is not allowed: only the tracker writes latest (use rollback to move it back)");
        if (values.build !== undefined && values.from !== undefined)
          throw new UsageError("--build takes the build from latest's history; drop --from, or drop --build to take --from's current build");
        const build = values.build === undefined ? undefined : parseBuildText(values.build);
        const report = await promote(commandDeps, {
          target: oneTarget(targets),
          to: values.to,
          ...(values.from !== undefined ? { from: values.from } : {}),
          ...(build !== undefined ? { build } : {}),
          ...(values.override !== undefined ? { override: values.override } : {}),
          dryRun,
        });
        print(report, formatChange(report));
        return report.ok ? 0 : 1;
      }
      case "rollback": {
        if (positional === undefined) throw new UsageError("name the pointer: latest or a channel, e.g. `npm run ami -- rollback stable`");
        const report = await rollback(commandDeps, { target: oneTarget(targets), pointer: positional, dryRun });
        print(report, formatChange(report));
        return report.ok ? 0 : 1;
      }
      case "revoke":
      case "restore": {
        if (positional === undefined) throw new UsageError(`name the build or AMI, e.g. \`npm run ami -- ${command} 1.2.0/3\``);
        const request = { target: oneTarget(targets), subject: positional, ...(values.reason !== undefined ? { reason: values.reason } : {}), dryRun };
        const report = command === "revoke" ? await revoke(commandDeps, request) : await restore(commandDeps, request);
        print(report, formatRevoke(report));
        return report.ok ? 0 : 1;
      }
      case "policy": {
        const region = targets[0]?.regions[0] ?? "us-east-1";
        const identity = values.account === undefined ? await callerIdentity(commandDeps.clients, region) : undefined;
        const document = amiOperatorPolicy({
          partition: values.partition ?? identity?.partition ?? "aws",
          account: values.account ?? identity?.account ?? "",
          tracked: targets,
        });
        io.out(JSON.stringify(document, null, 2));
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const text = message(error);
    if (json) io.out(JSON.stringify({ command, ok: false, dryRun, error: { name: error instanceof Error ? error.name : "Error", message: text } }, null, 2));
    io.err(errorLine(command, process.env["DEBUG"] && error instanceof Error && error.stack ? error.stack : text));
    return 1;
  }
}

/** A tracked parameter that exists in none of its regions: what the configuration tracks instead, or that no build has reached it yet. */
function missingParameter(target: Target, env: string | undefined, load: ConfigLoader | undefined): string {
  const where = `${target.parameter} does not exist in ${target.regions.join(", ")}`;
  const configured = configuredParameters(env, load);
  if (configured === undefined) return `${where}; check --parameter and --region`;
  if (configured.parameters.includes(target.parameter))
    return `${where}: configuration "${configured.environment}" tracks it, but no build has been written to it yet (the tracker writes it when a pipeline's build finishes)`;
  return `${where}; configuration "${configured.environment}" tracks ${configured.parameters.join(", ") || "no parameter"}`;
}

if (require.main === module) exitWith(run(process.argv.slice(2), processIo));
