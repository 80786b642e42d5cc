/**
 * Revoke, restore and promotion gates (issue 25, items 4 and 5) against the in-memory account
 * (aws-sdk-client-mock, fake-aws.ts): EC2's DisableImage/EnableImage and image deprecation, Image
 * Builder's GetImage and ListImageScanFindings, all or nothing across two regions.
 */
import { inUseTagKey } from "../../../ami-pointers/in-use";
import { run } from "../../../cli/ami/cli";
import type { ChangeReport } from "../../../cli/ami/change";
import { promote, rollback } from "../../../cli/ami/promote";
import type { RevokeReport } from "../../../cli/ami/revoke";
import type { CommandDeps, Target } from "../../../cli/ami/target";
import { ACCOUNT, awsError, CALLER_ARN, FakeAws } from "./fake-aws";

const LATEST = "/ec2-imagebuilder/latest";
const STABLE = "/ec2-imagebuilder/stable";
const EAST = "us-east-1";
const WEST = "eu-west-1";
const TARGET = ["--parameter", LATEST, "--region", EAST, "--region", WEST, "--channel", "stable"];
const NOW = new Date("2026-11-30T09:00:00Z");
const BUILD3_ARN = `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image/golden/1.2.0/3`;
const REVOKED = "ami-loop:revoked:1.2.0/3";
const current = (name: string) => inUseTagKey(name, "current");
const REGIONS = [
  [EAST, "ami-e"],
  [WEST, "ami-w"],
] as const;

let fake: FakeAws;

/** Three builds in both regions; latest holds 1.2.0/3; stable holds 1.1.0/2 after 1.0.0/1. */
function seed(): void {
  for (const [region, prefix] of REGIONS) {
    ["1.0.0/1", "1.1.0/2", "1.2.0/3"].forEach((build, index) => fake.image(region, `${prefix}${index + 1}`, build));
    fake.parameter(region, LATEST, [`${prefix}1`, `${prefix}2`, `${prefix}3`], { AMI_ID: `${prefix}3`, IMAGE_VERSION: "1.2.0", IMAGE_BUILD_VERSION: "3" });
    fake.parameter(region, STABLE, [`${prefix}1`, `${prefix}2`], { AMI_ID: `${prefix}2`, CHANNEL: "stable" });
    fake.image(region, `${prefix}3`, "1.2.0/3", { [current(LATEST)]: "true" });
    fake.image(region, `${prefix}2`, "1.1.0/2", { [current(STABLE)]: "true" });
  }
}

function deps(): CommandDeps {
  return { clients: fake.clients(), now: () => NOW, sleep: async () => undefined };
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (text) => out.push(text), err: (text) => err.push(text) }, deps());
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeEach(() => {
  fake = new FakeAws();
  seed();
});
afterEach(() => fake.restore());

describe("revoke", () => {
  test("1.2.0/3 in both regions: latest back to 1.1.0/2, who/when/why on the tracked parameter, the AMI deprecated then disabled", async () => {
    // Act
    const result = await cli("revoke", "1.2.0/3", "--reason", "CVE-2026-1234 in openssl", ...TARGET, "--json");

    // Assess
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as RevokeReport;
    expect(report).toMatchObject({ command: "revoke", ok: true, build: "1.2.0/3", by: CALLER_ARN, reason: "CVE-2026-1234 in openssl" });
    expect(report.regions.map((region) => [region.region, region.status, region.amiId])).toEqual([
      [EAST, "revoked", "ami-e3"],
      [WEST, "revoked", "ami-w3"],
    ]);
    for (const [region, prefix] of REGIONS) {
      expect(fake.value(region, LATEST)).toBe(`${prefix}2`);
      expect(fake.tags(region, LATEST)?.get("AMI_ID")).toBe(`${prefix}2`);
      expect(fake.tags(region, LATEST)?.get("ROLLBACK")).toBe("true");
      expect(fake.tags(region, LATEST)?.get(REVOKED)).toBe(`${NOW.toISOString()} by ${CALLER_ARN}: CVE-2026-1234 in openssl`);
      // stable held 1.1.0/2, not the revoked build: left alone.
      expect(fake.value(region, STABLE)).toBe(`${prefix}2`);
      // DeprecateAt may not be in the past: the next whole minute, plus one.
      expect(fake.imageState(region, `${prefix}3`)).toEqual({ disabled: true, deprecateAt: new Date("2026-11-30T09:01:00Z") });
      expect(fake.amiTags(region, `${prefix}2`).has(current(LATEST))).toBe(true);
    }
    // Pointers move before the AMI is disabled: no consumer resolves a disabled AMI.
    const actions = fake.writes().map((call) => call.action);
    expect(actions.indexOf("ssm:PutParameter")).toBeLessThan(fake.calls.findIndex((call) => call.action === "ec2:DisableImage"));
  });

  test("by AMI ID, with stable holding the build too: both pointers move back in every region", async () => {
    // Prepare
    expect((await cli("promote", "--to", "stable", ...TARGET)).code).toBe(0);

    // Act
    const result = await cli("revoke", "ami-w3", ...TARGET, "--json");

    // Assess
    const report = JSON.parse(result.out) as RevokeReport;
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.regions[0]?.moved.map((moved) => [moved.pointer, moved.toAmiId])).toEqual([
      [LATEST, "ami-e2"],
      [STABLE, "ami-e2"],
    ]);
    for (const [region, prefix] of REGIONS) expect([fake.value(region, LATEST), fake.value(region, STABLE)]).toEqual([`${prefix}2`, `${prefix}2`]);
  });

  test("promote refuses a revoked build, naming who revoked it and how to lift it", async () => {
    // Prepare
    await cli("revoke", "1.2.0/3", "--reason", "bad kernel", ...TARGET);

    // Act
    const result = await cli("promote", "--to", "stable", "--build", "1.2.0/3", ...TARGET);

    // Assess
    expect(result.code).toBe(1);
    expect(result.err).toContain(`build 1.2.0/3 was revoked (${NOW.toISOString()} by ${CALLER_ARN}: bad kernel)`);
    expect(result.err).toContain("npm run ami -- restore 1.2.0/3");
    expect(fake.value(EAST, STABLE)).toBe("ami-e2");
  });

  test("fails in the second region (DisableImage denied): the first region is undone, pointer, tag and AMI state, exit 1", async () => {
    // Prepare
    fake.interceptor = (call) => (call.action === "ec2:DisableImage" && call.region === WEST ? awsError("UnauthorizedOperation", "not authorized") : undefined);

    // Act
    const result = await cli("revoke", "1.2.0/3", ...TARGET, "--json");

    // Assess
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out) as RevokeReport;
    expect(report.ok).toBe(false);
    expect(report.regions.map((region) => region.status)).toEqual(["undone", "failed"]);
    expect(report.regions[1]?.error).toContain("ec2:DisableImage on arn:aws:ec2:eu-west-1::image/ami-w3 was denied");
    expect(report.error).toContain("every region is back as it was");
    for (const [region, prefix] of REGIONS) {
      expect(fake.value(region, LATEST)).toBe(`${prefix}3`);
      expect(fake.tags(region, LATEST)?.get("AMI_ID")).toBe(`${prefix}3`);
      expect(fake.tags(region, LATEST)?.has(REVOKED)).toBe(false);
      expect(fake.imageState(region, `${prefix}3`)).toEqual({ disabled: false });
      expect(fake.amiTags(region, `${prefix}3`).has(current(LATEST))).toBe(true);
    }
  });

  test("--dry-run: reports what would move, changes nothing", async () => {
    const result = await cli("revoke", "1.2.0/3", ...TARGET, "--dry-run");
    expect(result.code).toBe(0);
    expect(result.out).toContain("DRY RUN: revoke of 1.2.0/3");
    expect(result.out).toContain("back to ami-e2 1.1.0/2");
    expect(fake.writes()).toEqual([]);
  });

  test("a subject that is neither a build nor an AMI: exit 1, nothing called but STS", async () => {
    const result = await cli("revoke", "latest-good", ...TARGET);
    expect(result.code).toBe(1);
    expect(result.err).toContain('"latest-good" is neither a build (VERSION/BUILD, e.g. 1.2.0/3) nor an AMI ID');
  });
});

describe("restore", () => {
  test("after a revoke: enabled, no longer deprecated, promote allowed again; no pointer moves forward", async () => {
    // Prepare
    await cli("revoke", "1.2.0/3", ...TARGET);

    // Act
    const result = await cli("restore", "1.2.0/3", ...TARGET);

    // Assess
    expect(result.code).toBe(0);
    expect(result.out).toContain("DONE: restore of 1.2.0/3");
    expect(result.out).toContain("restore moves no pointer forward");
    for (const [region, prefix] of REGIONS) {
      expect(fake.imageState(region, `${prefix}3`)).toEqual({ disabled: false });
      expect(fake.tags(region, LATEST)?.has(REVOKED)).toBe(false);
      expect(fake.value(region, LATEST)).toBe(`${prefix}2`);
    }
    expect((await cli("promote", "--to", "stable", "--build", "1.2.0/3", ...TARGET)).code).toBe(0);
    expect(fake.value(WEST, STABLE)).toBe("ami-w3");
  });

  test("fails in the second region: the first is disabled and deprecated again, and its revocation tag is back", async () => {
    // Prepare
    await cli("revoke", "1.2.0/3", "--reason", "bad", ...TARGET);
    const record = fake.tags(EAST, LATEST)?.get(REVOKED);
    fake.interceptor = (call) => (call.action === "ec2:EnableImage" && call.region === WEST ? awsError("UnauthorizedOperation") : undefined);

    // Act
    const result = await cli("restore", "1.2.0/3", ...TARGET, "--json");

    // Assess
    expect(result.code).toBe(1);
    expect((JSON.parse(result.out) as RevokeReport).regions.map((region) => region.status)).toEqual(["undone", "failed"]);
    expect(fake.imageState(EAST, "ami-e3")?.disabled).toBe(true);
    expect(fake.imageState(EAST, "ami-e3")?.deprecateAt).toBeDefined();
    expect(fake.tags(EAST, LATEST)?.get(REVOKED)).toBe(record);
  });
});

describe("promotion gates", () => {
  const target = (gate: Target["gates"]): Target => ({ parameter: LATEST, regions: [EAST, WEST], channels: ["stable"], ...(gate ? { gates: gate } : {}) });

  test("bake time: a build 2 h old is refused by a 24 h gate, naming the age; nothing written", async () => {
    // Prepare
    for (const [region, prefix] of REGIONS) fake.created(region, `${prefix}3`, new Date(NOW.getTime() - 2 * 3_600_000));

    // Act
    const promoted = promote(deps(), { target: target([{ channel: "stable", bakeHours: 24 }]), to: "stable", dryRun: false });

    // Assess
    await expect(promoted).rejects.toThrow("us-east-1: ami-e3 is 2.0 h old, younger than the bake time of 24 h");
    await expect(promoted).rejects.toThrow("--override REASON");
    expect(fake.writes()).toEqual([]);
  });

  test("bake time: --override promotes, and the reason with the failed gate is recorded on the channel; a rollback removes it", async () => {
    // Prepare
    for (const [region, prefix] of REGIONS) fake.created(region, `${prefix}3`, new Date(NOW.getTime() - 2 * 3_600_000));

    // Act
    const report: ChangeReport = await promote(deps(), {
      target: target([{ channel: "stable", bakeHours: 24 }]),
      to: "stable",
      dryRun: false,
      override: "hotfix for INC-42",
    });

    // Assess
    expect(report.ok).toBe(true);
    expect(report.gate?.problems).toHaveLength(2);
    for (const [region, prefix] of REGIONS) {
      expect(fake.value(region, STABLE)).toBe(`${prefix}3`);
      expect(fake.tags(region, STABLE)?.get("GATE_OVERRIDE")).toMatch(
        /^hotfix for INC-42 - by arn:aws:sts::111122223333:assumed-role\/ami-operator\/jane - us-east-1: ami-e3 is 2.0 h old/,
      );
    }
    await rollback(deps(), { target: target(undefined), pointer: "stable", dryRun: false });
    expect(fake.tags(EAST, STABLE)?.has("GATE_OVERRIDE")).toBe(false);
  });

  test("bake time passed: promoted, no override recorded", async () => {
    const report = await promote(deps(), { target: target([{ channel: "stable", bakeHours: 24 }]), to: "stable", dryRun: false });
    expect(report.ok).toBe(true);
    expect(report.gate).toEqual({ channel: "stable", problems: [] });
    expect(fake.tags(EAST, STABLE)?.has("GATE_OVERRIDE")).toBe(false);
  });

  test.each([
    [
      "a HIGH finding at a HIGH gate",
      { enabled: true, status: "COMPLETED", severities: ["MEDIUM", "HIGH", "LOW"] },
      "the image has 1 HIGH finding(s), at or above HIGH",
    ],
    ["a CRITICAL finding at a HIGH gate", { enabled: true, status: "COMPLETED", severities: ["CRITICAL"] }, "1 CRITICAL finding(s)"],
    ["an unrated finding counts as critical", { enabled: true, status: "COMPLETED", severities: ["UNTRIAGED"] }, "1 UNTRIAGED finding(s)"],
    ["a scan still running", { enabled: true, status: "SCANNING", severities: [] }, "the image's scan is SCANNING"],
    ["scanning not enabled", { enabled: false, severities: [] }, "the image's scan is not enabled"],
  ])("scan gate: %s is refused", async (_label, scan, expected) => {
    // Prepare
    fake.scans.set(BUILD3_ARN, scan);

    // Act
    const promoted = promote(deps(), { target: target([{ channel: "stable", maxSeverity: "HIGH" }]), to: "stable", dryRun: false });

    // Assess
    await expect(promoted).rejects.toThrow(expected);
    expect(fake.writes()).toEqual([]);
  });

  test("scan gate: findings below the severity pass; GetImage and ListImageScanFindings are read once for both regions (one image), 30 findings over 2 pages", async () => {
    // Prepare
    fake.scans.set(BUILD3_ARN, { enabled: true, status: "COMPLETED", severities: [...Array(29).fill("LOW"), "MEDIUM"] });

    // Act
    const report = await promote(deps(), { target: target([{ channel: "stable", maxSeverity: "HIGH" }]), to: "stable", dryRun: false });

    // Assess
    expect(report.ok).toBe(true);
    expect(fake.count("imagebuilder:GetImage")).toBe(1);
    expect(fake.count("imagebuilder:ListImageScanFindings")).toBe(2);
    const list = fake.calls.find((call) => call.action === "imagebuilder:ListImageScanFindings");
    expect(list?.input).toMatchObject({ filters: [{ name: "imageBuildVersionArn", values: [BUILD3_ARN] }], maxResults: 25 });
  });

  test("a gate on another channel does not apply", async () => {
    fake.scans.set(BUILD3_ARN, { enabled: true, status: "COMPLETED", severities: ["CRITICAL"] });
    const report = await promote(deps(), { target: target([{ channel: "prod", maxSeverity: "LOW" }]), to: "stable", dryRun: false });
    expect(report.ok).toBe(true);
    expect(report.gate).toBeUndefined();
  });
});
