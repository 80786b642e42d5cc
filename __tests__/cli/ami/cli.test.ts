/**
 * The operator CLI end to end against an in-memory account (aws-sdk-client-mock): every command, its
 * --dry-run and --json, all-or-nothing promotion across two regions, rollback, AccessDenied.
 */
import { inUseTagKey } from "../../../ami-pointers/in-use";
import { loadConfig } from "../../../config";
import { run, targetsFromConfig } from "../../../cli/ami/cli";
import type { ChangeReport } from "../../../cli/ami/change";
import type { StatusReport } from "../../../cli/ami/show";
import { VISIBILITY_DELAYS_MS } from "../../../cli/ami/ssm";
import { ACCOUNT, awsError, CALLER_ARN, FakeAws } from "./fake-aws";

const LATEST = "/ec2-imagebuilder/latest";
const STABLE = "/ec2-imagebuilder/stable";
const EAST = "us-east-1";
const WEST = "eu-west-1";
const TARGET = ["--parameter", LATEST, "--region", EAST, "--region", WEST];
const NOW = new Date("2026-11-30T09:00:00Z");
const arn = (region: string, name: string) => `arn:aws:ssm:${region}:${ACCOUNT}:parameter${name}`;
const current = (name: string) => inUseTagKey(name, "current");
const previous = (name: string) => inUseTagKey(name, "previous");

let fake: FakeAws;
let sleeps: number[];

/** Three builds in both regions; latest holds 1.2.0/3; stable was promoted 1.0.0/1 then 1.1.0/2. */
function seed(): void {
  const builds = ["1.0.0/1", "1.1.0/2", "1.2.0/3"];
  for (const [region, prefix] of [
    [EAST, "ami-e"],
    [WEST, "ami-w"],
  ] as const) {
    builds.forEach((build, index) => fake.image(region, `${prefix}${index + 1}`, build));
    fake.parameter(region, LATEST, [`${prefix}1`, `${prefix}2`, `${prefix}3`], { AMI_ID: `${prefix}3`, IMAGE_VERSION: "1.2.0", IMAGE_BUILD_VERSION: "3" });
    fake.parameter(region, STABLE, [`${prefix}1`, `${prefix}2`], { AMI_ID: `${prefix}2`, CHANNEL: "stable", RECIPE_NAME: "old" });
    fake.image(region, `${prefix}2`, "1.1.0/2", { [current(STABLE)]: "true" });
    fake.image(region, `${prefix}1`, "1.0.0/1", { [previous(STABLE)]: "true" });
  }
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(
    argv,
    { out: (text) => out.push(text), err: (text) => err.push(text) },
    {
      clients: fake.clients(),
      now: () => NOW,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeEach(() => {
  fake = new FakeAws();
  sleeps = [];
  seed();
});
afterEach(() => fake.restore());

describe("--help and usage", () => {
  test("--help lists every command and the common options, exit 0, no AWS call", async () => {
    const result = await cli("--help");
    expect(result.code).toBe(0);
    for (const word of ["status", "history", "promote", "rollback", "policy", "--dry-run", "--json", "--parameter", "--region"])
      expect(result.out).toContain(word);
    expect(fake.calls).toHaveLength(0);
  });

  test.each([
    [["frobnicate"], /"frobnicate" is not a command/],
    [["status", "--region", "US-EAST-1", "--parameter", LATEST], /--region "US-EAST-1": not an AWS region/],
    [["promote", ...TARGET], /--to CHANNEL is required/],
    [["promote", "--to", "latest", ...TARGET], /only the tracker writes latest/],
    [["promote", "--to", "Stable!", ...TARGET], /"Stable!" is not a channel name/],
    [["promote", "--to", "stable", "--build", "v3", ...TARGET], /--build "v3": not VERSION\/BUILD/],
    [["rollback", ...TARGET], /name the pointer/],
    [["promote", "--to", "prod", "--from", "stable", "--build", "1.0.0/1", ...TARGET], /--build takes the build from latest's history; drop --from/],
  ])("%j is refused with exit 2 and says why", async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(fake.writes()).toHaveLength(0);
  });
});

describe("status", () => {
  test("every pointer per region: AMI, build, version, age, who wrote it", async () => {
    const result = await cli("status", ...TARGET, "--channel", "stable", "--channel", "prod");
    expect(result.code).toBe(0);
    const lines = result.out.split("\n");
    expect(lines[0]).toMatch(/^PARAMETER\s+REGION\s+POINTER\s+AMI\s+BUILD\s+VERSION\s+AGE\s+WRITTEN BY$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\/ec2-imagebuilder\/latest\s+us-east-1\s+latest\s+ami-e3\s+1\.2\.0\/3\s+3\s+\d+h\s+arn:aws:sts::111122223333:assumed-role\/tracker\/fn$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^\/ec2-imagebuilder\/stable\s+eu-west-1\s+stable\s+ami-w2\s+1\.1\.0\/2\s+2\s+/));
    expect(lines).toContainEqual(expect.stringMatching(/^\/ec2-imagebuilder\/prod\s+us-east-1\s+prod\s+-.*not created yet$/));
    expect(fake.writes()).toHaveLength(0);
  });

  test("--json: one row per pointer and region, with the ARN", async () => {
    const result = await cli("status", ...TARGET, "--channel", "stable", "--json");
    const report = JSON.parse(result.out) as StatusReport;
    expect(report.command).toBe("status");
    expect(report.rows).toHaveLength(4);
    expect(report.rows[0]).toEqual({
      parameter: LATEST,
      pointer: "latest",
      name: LATEST,
      region: EAST,
      arn: arn(EAST, LATEST),
      exists: true,
      amiId: "ami-e3",
      build: "1.2.0/3",
      version: 3,
      modified: "2026-11-29T08:00:00.000Z",
      ageSeconds: 90_000,
      writtenBy: "arn:aws:sts::111122223333:assumed-role/tracker/fn",
    });
  });

  test("AccessDenied names the action, the ARN and the missing permission; exit 1", async () => {
    fake.interceptor = (call) =>
      call.action === "ssm:GetParameterHistory" && call.region === WEST ? awsError("AccessDeniedException", "User is not authorized") : undefined;
    const result = await cli("status", ...TARGET);
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      `ssm:GetParameterHistory on ${arn(WEST, LATEST)} was denied (AccessDeniedException): the caller lacks permission "ssm:GetParameterHistory" on ${arn(WEST, LATEST)}`,
    );
  });

  test("AccessDenied with --json: the error object on stdout", async () => {
    fake.interceptor = (call) => (call.action === "ec2:DescribeImages" ? awsError("UnauthorizedOperation", "You are not authorized") : undefined);
    const result = await cli("status", ...TARGET, "--json");
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toEqual({
      command: "status",
      ok: false,
      dryRun: false,
      error: { name: "AwsCallError", message: expect.stringContaining(`the caller lacks permission "ec2:DescribeImages" on arn:aws:ec2:${EAST}::image/*`) },
    });
  });
});

describe("history", () => {
  test("a pointer's versions with their builds, the current one marked", async () => {
    const result = await cli("history", "stable", ...TARGET, "--json");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out);
    expect(report.regions[0]).toMatchObject({ region: EAST, arn: arn(EAST, STABLE), exists: true });
    expect(
      report.regions[0].versions.map((entry: { version: number; amiId: string; build: string; current: boolean }) => [
        entry.version,
        entry.amiId,
        entry.build,
        entry.current,
      ]),
    ).toEqual([
      [1, "ami-e1", "1.0.0/1", false],
      [2, "ami-e2", "1.1.0/2", true],
    ]);
  });

  test("text: one line per version, latest by default", async () => {
    const result = await cli("history", ...TARGET);
    expect(result.out.split("\n").filter((line) => line.startsWith(WEST))).toHaveLength(3);
    expect(result.out).toMatch(/us-east-1\s+3\s+ami-e3\s+1\.2\.0\/3\s+\S+\s+\S+\s+current/);
  });
});

describe("promote", () => {
  test("latest into stable in both regions: value, tags, in-use tags moved, reported as done", async () => {
    const result = await cli("promote", "--to", "stable", ...TARGET);

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^DONE: promote latest -> stable of \/ec2-imagebuilder\/latest/);
    for (const [region, p] of [
      [EAST, "ami-e"],
      [WEST, "ami-w"],
    ] as const) {
      expect(fake.value(region, STABLE)).toBe(`${p}3`);
      expect(Object.fromEntries(fake.tags(region, STABLE) ?? [])).toEqual({
        Source: "EC2 Image Builder",
        AMI_REGION: region,
        AMI_ID: `${p}3`,
        AMI_NAME: "golden 1.2.0/3",
        IMAGE_ARN: `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image/golden/1.2.0/3`,
        IMAGE_VERSION: "1.2.0",
        IMAGE_BUILD_VERSION: "3",
        CHANNEL: "stable",
        CHANNEL_OF: LATEST,
        PROMOTED_BY: CALLER_ARN,
        PROMOTED_AT: NOW.toISOString(),
        PROMOTED_FROM: "latest",
        ROLLBACK: "false",
        REPLACED_AMI_ID: `${p}2`,
        PROMOTED_AMI_ID: `${p}3`,
      });
      // ami-in-use.ts: the new AMI is current, the replaced one previous, the old previous unprotected.
      expect(fake.amiTags(region, `${p}3`).get(current(STABLE))).toBe("true");
      expect(fake.amiTags(region, `${p}2`).has(current(STABLE))).toBe(false);
      expect(fake.amiTags(region, `${p}2`).get(previous(STABLE))).toBe("true");
      expect(fake.amiTags(region, `${p}1`).has(previous(STABLE))).toBe(false);
    }
  });

  test("tags are written only after the new version is visible (aws:ec2:image is validated asynchronously)", async () => {
    fake.validationReads = 3;
    const result = await cli("promote", "--to", "stable", ...TARGET, "--parameter", LATEST);
    expect(result.code).toBe(0);
    const east = fake.calls.filter((call) => call.region === EAST).map((call) => call.action);
    const put = east.indexOf("ssm:PutParameter");
    const tag = east.indexOf("ssm:AddTagsToResource");
    expect(east.slice(put + 1, tag).filter((action) => action === "ssm:GetParameter")).toHaveLength(3);
    expect(sleeps.slice(0, 2)).toEqual(VISIBILITY_DELAYS_MS.slice(0, 2));
  });

  test("a new channel is created; its first version holds the build, nothing to protect as previous", async () => {
    const result = await cli("promote", "--to", "prod", "--from", "stable", ...TARGET, "--json");
    const report = JSON.parse(result.out) as ChangeReport;
    expect(report.ok).toBe(true);
    expect(report.regions.map((region) => [region.region, region.status, region.fromAmiId, region.toAmiId])).toEqual([
      [EAST, "changed", undefined, "ami-e2"],
      [WEST, "changed", undefined, "ami-w2"],
    ]);
    expect(fake.tags(EAST, "/ec2-imagebuilder/prod")?.get("PROMOTED_FROM")).toBe("stable");
    expect(fake.amiTags(EAST, "ami-e2").get(current("/ec2-imagebuilder/prod"))).toBe("true");
  });

  test("--dry-run decides, reports what would change, and makes no write call", async () => {
    const result = await cli("promote", "--to", "stable", ...TARGET, "--dry-run");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^DRY RUN: promote latest -> stable/);
    expect(result.out).toContain(`us-east-1  WOULD-CHANGE  ami-e2 1.1.0/2 -> ami-e3 1.2.0/3  ${arn(EAST, STABLE)}`);
    expect(result.out).toContain(`would tag ami +${current(STABLE)} on ami-e3`);
    expect(fake.writes()).toHaveLength(0);
  });

  test("--json shape", async () => {
    const result = await cli("promote", "--to", "stable", ...TARGET, "--json", "--dry-run");
    expect(JSON.parse(result.out)).toEqual({
      command: "promote",
      ok: true,
      dryRun: true,
      parameter: LATEST,
      pointer: "stable",
      from: "latest",
      by: CALLER_ARN,
      regions: [EAST, WEST].map((region) => {
        const p = region === EAST ? "ami-e" : "ami-w";
        return {
          region,
          arn: arn(region, STABLE),
          status: "would-change",
          fromAmiId: `${p}2`,
          fromBuild: "1.1.0/2",
          toAmiId: `${p}3`,
          toBuild: "1.2.0/3",
          tier: "Standard",
          amiTags: [`+${current(STABLE)} on ${p}3`, `+${previous(STABLE)} on ${p}2`, `-${current(STABLE)} on ${p}2`, `-${previous(STABLE)} on ${p}1`],
        };
      }),
    });
  });

  test("a channel already holding the build is left unchanged (no write)", async () => {
    const result = await cli("promote", "--to", "prod", "--from", "stable", "--parameter", LATEST, "--region", EAST);
    expect(result.code).toBe(0);
    fake.calls.length = 0;
    const again = await cli("promote", "--to", "prod", "--from", "stable", "--parameter", LATEST, "--region", EAST);
    expect(again.out).toContain("UNCHANGED");
    expect(fake.writes()).toHaveLength(0);
  });

  test("fails in the second of two regions: the first is undone, nothing reported as done, exit 1", async () => {
    fake.interceptor = (call) =>
      call.action === "ssm:PutParameter" && call.region === WEST ? awsError("AccessDeniedException", "not authorized to perform ssm:PutParameter") : undefined;
    const eastTagsBefore = Object.fromEntries(fake.tags(EAST, STABLE) ?? []);

    const result = await cli("promote", "--to", "stable", ...TARGET);

    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^FAILED: promote latest -> stable/);
    expect(result.out).not.toMatch(/\bDONE\b|\bCHANGED\b/);
    expect(result.out).toContain(`us-east-1  UNDONE  ami-e2 1.1.0/2 -> ami-e3 1.2.0/3`);
    expect(result.out).toContain(`eu-west-1  FAILED  ami-w2 1.1.0/2 -> ami-w3 1.2.0/3`);
    expect(result.out).toContain(`the caller lacks permission "ssm:PutParameter" on ${arn(WEST, STABLE)}`);
    expect(result.out).toContain("every region is back as it was");
    // us-east-1 as it was: value (a new version holding the old AMI), tags, in-use tags.
    expect(fake.value(EAST, STABLE)).toBe("ami-e2");
    expect(fake.versions(EAST, STABLE).map((entry) => entry.value)).toEqual(["ami-e1", "ami-e2", "ami-e3", "ami-e2"]);
    expect(Object.fromEntries(fake.tags(EAST, STABLE) ?? [])).toEqual(eastTagsBefore);
    expect(fake.amiTags(EAST, "ami-e2").get(current(STABLE))).toBe("true");
    expect(fake.amiTags(EAST, "ami-e1").get(previous(STABLE))).toBe("true");
    expect(fake.amiTags(EAST, "ami-e3").has(current(STABLE))).toBe(false);
    expect(fake.amiTags(EAST, "ami-e2").has(previous(STABLE))).toBe(false);
    expect(fake.value(WEST, STABLE)).toBe("ami-w2");
  });

  test("fails after creating a channel in one region: the new channel is deleted again", async () => {
    fake.interceptor = (call) => (call.action === "ec2:CreateTags" && call.region === WEST ? awsError("UnauthorizedOperation") : undefined);
    const result = await cli("promote", "--to", "prod", ...TARGET, "--json");
    const report = JSON.parse(result.out) as ChangeReport;
    expect(report.ok).toBe(false);
    expect(report.regions.map((region) => region.status)).toEqual(["undone", "failed"]);
    expect(report.regions[1]?.error).toContain(`ec2:CreateTags on arn:aws:ec2:${WEST}::image/ami-w3 was denied`);
    expect(fake.versions(EAST, "/ec2-imagebuilder/prod")).toHaveLength(0);
    expect(fake.versions(WEST, "/ec2-imagebuilder/prod")).toHaveLength(0);
    expect(fake.amiTags(EAST, "ami-e3").has(current("/ec2-imagebuilder/prod"))).toBe(false);
  });

  test("when the undo fails too, the report says precisely what is still in place", async () => {
    let puts = 0;
    fake.interceptor = (call) => {
      if (call.action !== "ssm:PutParameter") return undefined;
      puts += 1;
      // 1: us-east-1 promote succeeds; 2: eu-west-1 fails; 3: the undo in us-east-1 fails.
      return puts >= 2 ? awsError("ThrottlingException", "Rate exceeded") : undefined;
    };
    const result = await cli("promote", "--to", "stable", ...TARGET, "--json");
    const report = JSON.parse(result.out) as ChangeReport;
    expect(result.code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.regions[0]).toMatchObject({
      region: EAST,
      status: "undo-failed",
      leftInPlace: [`${STABLE} holds ami-e3 (was ami-e2)`],
    });
    expect(report.regions[0]?.error).toContain(
      `undo of "${STABLE} holds ami-e3 (was ami-e2)" failed: ssm:PutParameter on ${arn(EAST, STABLE)} failed: ThrottlingException`,
    );
    expect(report.regions[1]?.status).toBe("failed");
    expect(report.error).toContain("the undo failed in us-east-1");
    expect(fake.value(EAST, STABLE)).toBe("ami-e3");
  });

  test("a value SSM never validates: bounded wait, then undone and reported", async () => {
    fake.invalidAmis.add("ami-w3");
    const result = await cli("promote", "--to", "stable", ...TARGET, "--json");
    const report = JSON.parse(result.out) as ChangeReport;
    expect(report.ok).toBe(false);
    expect(report.regions[1]?.error).toContain("version 3 (ami-w3) did not appear within 32 s");
    expect(sleeps.filter((ms) => ms > 0).length).toBeGreaterThanOrEqual(VISIBILITY_DELAYS_MS.length);
    expect(fake.value(EAST, STABLE)).toBe("ami-e2");
  });

  test("latest holding different builds across regions: refused before any write", async () => {
    fake.parameter(WEST, LATEST, ["ami-w1", "ami-w2"]);
    const result = await cli("promote", "--to", "stable", ...TARGET);
    expect(result.code).toBe(1);
    expect(result.err).toContain("latest holds different builds across regions (us-east-1: ami-e3 (1.2.0/3), eu-west-1: ami-w2 (1.1.0/2))");
    expect(fake.writes()).toHaveLength(0);
  });

  test("--build picks a build from latest's history in every region", async () => {
    const result = await cli("promote", "--to", "prod", "--build", "1.0.0/1", ...TARGET);
    expect(result.code).toBe(0);
    expect(fake.value(EAST, "/ec2-imagebuilder/prod")).toBe("ami-e1");
    expect(fake.value(WEST, "/ec2-imagebuilder/prod")).toBe("ami-w1");
  });

  test("a build that was never latest is refused, naming the region and the ARN", async () => {
    fake.image(EAST, "ami-rogue", "9.9.9/9");
    fake.parameter(EAST, STABLE, ["ami-rogue"]);
    const result = await cli("promote", "--to", "prod", "--from", "stable", "--parameter", LATEST, "--region", EAST);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`us-east-1: ami-rogue was never latest among the 3 kept versions of ${arn(EAST, LATEST)}`);
    expect(fake.writes()).toHaveLength(0);
  });
});

describe("rollback", () => {
  test("a channel back to its previous build in every region, recorded as a rollback; the rolled-back-from AMI stays protected", async () => {
    const result = await cli("rollback", "stable", ...TARGET);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^DONE: rollback of stable/);
    expect(fake.value(EAST, STABLE)).toBe("ami-e1");
    expect(fake.tags(EAST, STABLE)?.get("ROLLBACK")).toBe("true");
    expect(fake.tags(EAST, STABLE)?.get("REPLACED_AMI_ID")).toBe("ami-e2");
    expect(fake.tags(EAST, STABLE)?.has("RECIPE_NAME")).toBe(false);
    expect(fake.amiTags(EAST, "ami-e1").get(current(STABLE))).toBe("true");
    expect(fake.amiTags(EAST, "ami-e1").has(previous(STABLE))).toBe(false);
    expect(fake.amiTags(EAST, "ami-e2").get(previous(STABLE))).toBe("true");
    expect(fake.amiTags(EAST, "ami-e2").has(current(STABLE))).toBe(false);

    const status = JSON.parse((await cli("status", ...TARGET, "--channel", "stable", "--json")).out) as StatusReport;
    const row = status.rows.find((entry) => entry.pointer === "stable" && entry.region === WEST);
    expect(row?.change).toEqual({ by: CALLER_ARN, at: NOW.toISOString(), from: "stable", rollback: true, replacedAmiId: "ami-w2" });
    expect((await cli("status", ...TARGET, "--channel", "stable")).out).toContain(`ROLLBACK by ${CALLER_ARN} (from ami-w2)`);
  });

  test("latest can be rolled back too", async () => {
    const result = await cli("rollback", "latest", ...TARGET, "--json");
    expect(JSON.parse(result.out)).toMatchObject({ ok: true, command: "rollback", pointer: "latest" });
    expect(fake.value(WEST, LATEST)).toBe("ami-w2");
    expect(fake.tags(WEST, LATEST)?.get("IMAGE_VERSION")).toBe("1.1.0");
    expect(fake.tags(WEST, LATEST)?.has("CHANNEL")).toBe(false);
  });

  test("no previous build: a clear error, nothing written, exit 1", async () => {
    fake.parameter(WEST, STABLE, ["ami-w2", "ami-w2"]);
    const result = await cli("rollback", "stable", ...TARGET);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`rollback of stable: nothing was written`);
    expect(result.err).toContain(`eu-west-1: ${arn(WEST, STABLE)} has no previous build to roll back to (its 2 kept version(s) all hold ami-w2)`);
    expect(fake.writes()).toHaveLength(0);
  });

  test("--dry-run: no write call", async () => {
    const result = await cli("rollback", "stable", ...TARGET, "--dry-run", "--json");
    const report = JSON.parse(result.out) as ChangeReport;
    expect(report.regions.map((region) => [region.status, region.toAmiId])).toEqual([
      ["would-change", "ami-e1"],
      ["would-change", "ami-w1"],
    ]);
    expect(fake.writes()).toHaveLength(0);
  });
});

describe("policy", () => {
  test("prints the least-privilege policy for the given account without calling AWS", async () => {
    const result = await cli("policy", ...TARGET, "--channel", "stable", "--account", "444455556666");
    expect(result.code).toBe(0);
    const document = JSON.parse(result.out);
    expect(document.Statement[0].Resource).toContain(`arn:aws:ssm:${WEST}:444455556666:parameter/ec2-imagebuilder/stable`);
    expect(fake.calls).toHaveLength(0);
  });
});

describe("which parameters and regions", () => {
  test("from the configuration: each pipeline's parameter in the regions the tracker writes", () => {
    const targets = targetsFromConfig(loadConfig("multi-pipeline"), ["stable"]);
    expect(targets.map((target) => target.parameter)).toContain("/golden-ami/ssm-patterns-multi-pipeline-bastion");
    for (const target of targets) {
      expect(target.regions.length).toBeGreaterThan(0);
      expect(target.channels).toEqual(["stable"]);
    }
    expect(targetsFromConfig(loadConfig("default"), [])).toEqual([{ parameter: LATEST, regions: [EAST], channels: [] }]);
  });

  test("channels come from the configuration (imageBuilder.pipelines[].channels) unless --channel names them", () => {
    const [web] = targetsFromConfig(loadConfig("ami-loop"));
    // The pipeline is shared through RAM (share.accounts): its pointers are written Advanced.
    expect(web).toEqual({ parameter: "/ec2-imagebuilder/ssm-patterns-ami-loop-web/latest", regions: [EAST], channels: ["stable", "prod"], advanced: true });
    expect(targetsFromConfig(loadConfig("ami-loop"), ["canary"])[0]?.channels).toEqual(["canary"]);
    // A pipeline that declares none has none: the CLI assumes no channel the configuration lacks.
    expect(targetsFromConfig(loadConfig("default"))[0]?.channels).toEqual([]);
  });

  test("without --parameter, status reads the configuration (APP_ENV or --env)", async () => {
    const result = await cli("status", "--env", "default", "--json");
    const report = JSON.parse(result.out) as StatusReport;
    expect(report.rows.map((row) => [row.name, row.region])).toEqual([[LATEST, EAST]]);
  });

  test("a tracker-mode pipeline's parameter is acted on in every region of the pipeline (multi-pipeline: web in three)", () => {
    const web = targetsFromConfig(loadConfig("multi-pipeline")).find((target) => target.parameter.includes("-web/"));
    expect(web?.regions).toEqual(["us-east-1", "eu-west-1", "ap-southeast-2"]);
  });

  test.each([
    [
      ["promote", "--to", "stable", "--env", "default"],
      /"stable" is not a channel of \/ec2-imagebuilder\/latest in the configuration "default" \(its channels: none\); add it/,
    ],
    [
      ["status", "--env", "default", "--region", "eu-west-1"],
      /--region: eu-west-1 is not a region of \/ec2-imagebuilder\/latest in the configuration "default" \(its regions: us-east-1\)/,
    ],
    [
      ["status", "--env", "default", "--parameter", "/other/latest"],
      /--parameter: "\/other\/latest" is not tracked by the configuration "default" \(it tracks \/ec2-imagebuilder\/latest\)/,
    ],
  ])("configured targets: %j is refused before any AWS call (exit 2)", async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(fake.calls).toHaveLength(0);
  });

  test("several tracked parameters: promote asks which one", async () => {
    const result = await cli("promote", "--to", "stable", "--parameter", LATEST, "--parameter", "/other/latest", "--region", EAST);
    expect(result.code).toBe(2);
    expect(result.err).toContain("promote: 2 tracked parameters (/ec2-imagebuilder/latest, /other/latest); pick one with --parameter");
  });
});

describe("another writer between read and write", () => {
  test("the channel changes between read and write: stop, undo the other region, say so", async () => {
    let reads = 0;
    fake.interceptor = (call) => {
      // The first GetParameter of eu-west-1 (the check before writing) sees a version written meanwhile.
      if (call.action === "ssm:GetParameter" && call.region === WEST && reads++ === 0) fake.parameter(WEST, STABLE, ["ami-w1", "ami-w2", "ami-w1"]);
      return undefined;
    };
    const result = await cli("promote", "--to", "stable", ...TARGET, "--json");
    const report = JSON.parse(result.out) as ChangeReport;
    expect(report.ok).toBe(false);
    expect(report.regions.map((region) => region.status)).toEqual(["undone", "failed"]);
    expect(report.regions[1]?.error).toContain(`${arn(WEST, STABLE)} changed since it was read (version 2, now 3): someone else wrote it`);
    expect(fake.value(WEST, STABLE)).toBe("ami-w1");
    expect(fake.value(EAST, STABLE)).toBe("ami-e2");
  });
});

describe("two promotes of one channel at once (newest build wins, ami-pointers/newest-wins.ts)", () => {
  test.each([
    ["older first", ["1.0.0/1", "1.2.0/3"]],
    ["newer first", ["1.2.0/3", "1.0.0/1"]],
    ["same build twice", ["1.2.0/3", "1.2.0/3"]],
  ])("%s: stable ends on the newest build in both regions, tags and in-use marks with it", async (_label, builds) => {
    // Act: both run at once; every mocked call yields, so they interleave call by call.
    const results = await Promise.all(builds.map((build) => cli("promote", "--to", "stable", "--build", build, ...TARGET, "--json")));

    // Assess
    for (const [region, prefix] of [
      [EAST, "ami-e"],
      [WEST, "ami-w"],
    ] as const) {
      expect(fake.value(region, STABLE)).toBe(`${prefix}3`);
      expect(fake.tags(region, STABLE)?.get("AMI_ID")).toBe(`${prefix}3`);
      expect(fake.tags(region, STABLE)?.get("IMAGE_BUILD_VERSION")).toBe("3");
      expect(fake.tags(region, STABLE)?.get("PROMOTED_AMI_ID")).toBe(`${prefix}3`);
      const holders = [1, 2, 3].map((n) => `${prefix}${n}`).filter((id) => fake.amiTags(region, id).has(current(STABLE)));
      expect(holders).toEqual([`${prefix}3`]);
    }
    const reports = results.map((result) => JSON.parse(result.out) as ChangeReport);
    // The promote of 1.2.0/3 succeeds; one of 1.0.0/1 that lost says so (or was refused before writing).
    expect(reports.some((report) => report.ok)).toBe(true);
    for (const report of reports) if (!report.ok) expect(report.error).toMatch(/wins over|changed since it was read/);
  });
});
