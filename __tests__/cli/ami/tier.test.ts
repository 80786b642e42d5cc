/**
 * The Tier every PutParameter of the operator CLI sends. Without Tier, SSM applies the account's default
 * tier setting (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-default-tier.html); a
 * parameter shared through RAM must be Advanced; and "you can't revert an advanced parameter to a
 * standard parameter" (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html,
 * Tier), so an explicit Standard on an Advanced parameter fails (the fake refuses it as SSM does).
 */
import { PutParameterCommand, type PutParameterCommandInput } from "@aws-sdk/client-ssm";
import { loadConfig } from "../../../config";
import { run, targetsFromConfig } from "../../../cli/ami/cli";
import { type ChangeReport, writeTier } from "../../../cli/ami/change";
import { awsError, FakeAws } from "./fake-aws";

const EAST = "us-east-1";
const WEST = "eu-west-1";
const LATEST = "/ec2-imagebuilder/latest";
const STABLE = "/ec2-imagebuilder/stable";
const TARGET = ["--parameter", LATEST, "--region", EAST, "--region", WEST];
/** The shared pipeline of config/environments/ami-loop.json (share.accounts set). */
const WEB_LATEST = "/ec2-imagebuilder/ssm-patterns-ami-loop-web/latest";
const WEB_STABLE = "/ec2-imagebuilder/ssm-patterns-ami-loop-web/stable";

let fake: FakeAws;

function seed(latest: string, stable: string, regions: readonly string[], stableTier: string): void {
  for (const region of regions) {
    const prefix = region === EAST ? "ami-e" : "ami-w";
    ["1.0.0/1", "1.1.0/2", "1.2.0/3"].forEach((build, index) => fake.image(region, `${prefix}${index + 1}`, build));
    fake.parameter(region, latest, [`${prefix}1`, `${prefix}2`, `${prefix}3`]);
    fake.parameter(region, stable, [`${prefix}1`, `${prefix}2`], {}, stableTier);
  }
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(
    argv,
    { out: (text) => out.push(text), err: (text) => err.push(text) },
    { clients: fake.clients(), now: () => new Date("2026-11-30T09:00:00Z"), sleep: async () => undefined },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** The Tier of every PutParameter the CLI sent, as `region name Tier`. */
async function tiersSent(): Promise<string[]> {
  const sent: string[] = [];
  for (const call of fake.ssm.commandCalls(PutParameterCommand)) {
    const input: PutParameterCommandInput = call.args[0].input;
    sent.push(`${await call.thisValue.config.region()} ${input.Name} ${input.Tier ?? "none"}`);
  }
  return sent;
}

beforeEach(() => {
  fake = new FakeAws();
});
afterEach(() => fake.restore());

describe("writeTier", () => {
  test.each([
    [{}, {}, "Standard"],
    [{}, { tier: "Standard" }, "Standard"],
    [{}, { tier: "Advanced" }, "Advanced"],
    [{ advanced: true }, {}, "Advanced"],
    [{ advanced: true }, { tier: "Standard" }, "Advanced"],
    [{ advanced: false }, { tier: "Advanced" }, "Advanced"],
  ])("target %j, pointer now %j: %s", (target, before, expected) => {
    expect(writeTier(target, before)).toBe(expected);
  });
});

describe("promote and rollback send an explicit Tier", () => {
  test("an unshared Standard channel: Tier Standard in both regions, never left to the account's default", async () => {
    // Prepare
    seed(LATEST, STABLE, [EAST, WEST], "Standard");
    // Act
    const result = await cli("promote", "--to", "stable", ...TARGET, "--json");
    // Assess
    expect(result.code).toBe(0);
    expect(await tiersSent()).toEqual([`${EAST} ${STABLE} Standard`, `${WEST} ${STABLE} Standard`]);
    expect((JSON.parse(result.out) as ChangeReport).regions.map((region) => region.tier)).toEqual(["Standard", "Standard"]);
    expect(fake.tier(EAST, STABLE)).toBe("Standard");
  });

  test("a channel that is Advanced already stays Advanced (an explicit Standard would be refused)", async () => {
    seed(LATEST, STABLE, [EAST, WEST], "Advanced");
    const result = await cli("promote", "--to", "stable", ...TARGET);
    expect(result.code).toBe(0);
    expect(result.out).toContain("(Advanced tier)");
    expect(await tiersSent()).toEqual([`${EAST} ${STABLE} Advanced`, `${WEST} ${STABLE} Advanced`]);
  });

  test("a new channel of an unshared parameter is created Standard", async () => {
    seed(LATEST, STABLE, [EAST], "Standard");
    const result = await cli("promote", "--to", "canary", "--parameter", LATEST, "--region", EAST);
    expect(result.code).toBe(0);
    expect(await tiersSent()).toEqual([`${EAST} /ec2-imagebuilder/canary Standard`]);
  });

  test("a shared pipeline's channel (configuration share) is written Advanced, upgrading a Standard one", async () => {
    // Prepare: ami-loop shares the web pipeline; its stable channel exists in the Standard tier.
    expect(targetsFromConfig(loadConfig("ami-loop"))[0]).toMatchObject({ parameter: WEB_LATEST, advanced: true });
    seed(WEB_LATEST, WEB_STABLE, [EAST], "Standard");
    // Act
    const result = await cli("promote", "--to", "stable", "--env", "ami-loop");
    // Assess
    expect(result.code).toBe(0);
    expect(await tiersSent()).toEqual([`${EAST} ${WEB_STABLE} Advanced`]);
    expect(fake.tier(EAST, WEB_STABLE)).toBe("Advanced");
  });

  test("--parameter of a shared pipeline, regions from the configuration: still Advanced", async () => {
    seed(WEB_LATEST, WEB_STABLE, [EAST], "Standard");
    const result = await cli("rollback", "stable", "--env", "ami-loop", "--parameter", WEB_LATEST, "--channel", "stable");
    expect(result.code).toBe(0);
    expect(await tiersSent()).toEqual([`${EAST} ${WEB_STABLE} Advanced`]);
  });

  test("rollback of latest keeps latest's tier", async () => {
    seed(LATEST, STABLE, [EAST], "Standard");
    fake.parameter(EAST, LATEST, ["ami-e1", "ami-e2", "ami-e3"], {}, "Advanced");
    const result = await cli("rollback", "latest", "--parameter", LATEST, "--region", EAST);
    expect(result.code).toBe(0);
    expect(await tiersSent()).toEqual([`${EAST} ${LATEST} Advanced`]);
  });

  test("the undo of a failed promote sends the same Tier: an Advanced channel is restored, not refused", async () => {
    // Prepare: both channels Advanced; the write in the second region is denied.
    seed(LATEST, STABLE, [EAST, WEST], "Advanced");
    fake.interceptor = (call) => (call.action === "ssm:PutParameter" && call.region === WEST ? awsError("AccessDeniedException") : undefined);
    // Act
    const result = await cli("promote", "--to", "stable", ...TARGET, "--json");
    // Assess: the east write and its undo both Advanced; the east channel is back on its old AMI.
    const report = JSON.parse(result.out) as ChangeReport;
    expect(result.code).toBe(1);
    expect(report.regions.map((region) => region.status)).toEqual(["undone", "failed"]);
    expect(await tiersSent()).toEqual([`${EAST} ${STABLE} Advanced`, `${WEST} ${STABLE} Advanced`, `${EAST} ${STABLE} Advanced`]);
    expect(fake.value(EAST, STABLE)).toBe("ami-e2");
  });
});
