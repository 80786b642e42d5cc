/**
 * The policy is enough and no more than named: every call the CLI makes in every command (including
 * the undo of a failed promote) is allowed by `amiOperatorPolicy` on the exact ARN it acted on, with
 * tag keys inside the condition.
 */
import { amiOperatorPolicy, type PolicyDocument } from "../../../ami-pointers/operator-policy";
import { run } from "../../../cli/ami/cli";
import { promote } from "../../../cli/ami/promote";
import { ACCOUNT, awsError, type Call, FakeAws } from "./fake-aws";

const LATEST = "/ec2-imagebuilder/latest";
const REGIONS = ["us-east-1", "eu-west-1"];
const TARGET = ["--parameter", LATEST, ...REGIONS.flatMap((region) => ["--region", region]), "--channel", "stable", "--channel", "prod"];

function allowed(document: PolicyDocument, call: Call): boolean {
  if (call.action === "sts:GetCallerIdentity") return true; // needs no permission
  const matches = (pattern: string, value: string) => pattern === value || (pattern.endsWith("*") && value.startsWith(pattern.slice(0, -1)));
  return document.Statement.some((statement) => {
    if (!statement.Action.includes(call.action)) return false;
    if (!statement.Resource.some((resource) => matches(resource, call.arn))) return false;
    const keys = statement.Condition?.["ForAllValues:StringEquals"]?.["aws:TagKeys"];
    if (keys === undefined) return true;
    const tags = (call.input["Tags"] as Array<{ Key: string }> | undefined) ?? [];
    return tags.length > 0 && tags.every((tag) => keys.includes(tag.Key));
  });
}

test("every call of status, history, promote (with undo and a scan gate), rollback, revoke (with undo) and restore is allowed by the policy", async () => {
  const fake = new FakeAws();
  try {
    for (const region of REGIONS) {
      fake.image(region, `ami-${region}-1`, "1.0.0/1");
      fake.image(region, `ami-${region}-2`, "1.1.0/2");
      fake.parameter(region, LATEST, [`ami-${region}-1`, `ami-${region}-2`], { AMI_ID: `ami-${region}-2`, RECIPE_NAME: "golden" });
    }
    const deps = { clients: fake.clients(), now: () => new Date("2026-11-30T09:00:00Z"), sleep: async () => undefined };
    const io = { out: () => undefined, err: () => undefined };
    await run(["status", ...TARGET], io, deps);
    await run(["history", ...TARGET], io, deps);
    await run(["promote", "--to", "stable", "--build", "1.0.0/1", ...TARGET], io, deps);
    await run(["promote", "--to", "stable", ...TARGET], io, deps);
    await run(["rollback", "stable", ...TARGET], io, deps);
    await run(["rollback", "latest", ...TARGET], io, deps);
    fake.interceptor = (call) => (call.action === "ec2:CreateTags" && call.region === "eu-west-1" ? awsError("RequestLimitExceeded") : undefined);
    await run(["promote", "--to", "prod", ...TARGET], io, deps);
    fake.interceptor = () => undefined;
    // A scan gate on prod (configuration's channelGates): Image Builder's GetImage and ListImageScanFindings.
    fake.scans.set(`arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image/golden/1.0.0/1`, { enabled: true, status: "COMPLETED", severities: ["LOW"] });
    const gated = { parameter: LATEST, regions: REGIONS, channels: ["stable", "prod"], gates: [{ channel: "prod", maxSeverity: "HIGH" as const }] };
    expect((await promote(deps, { target: gated, to: "prod", dryRun: false })).ok).toBe(true);
    await run(["promote", "--to", "prod", "--build", "1.1.0/2", ...TARGET], io, deps);
    expect(await run(["revoke", "1.1.0/2", "--reason", "test", ...TARGET], io, deps)).toBe(0);
    expect(await run(["restore", "1.1.0/2", ...TARGET], io, deps)).toBe(0);
    await run(["promote", "--to", "prod", "--build", "1.1.0/2", ...TARGET], io, deps);
    fake.interceptor = (call) => (call.action === "ec2:DisableImage" && call.region === "eu-west-1" ? awsError("UnauthorizedOperation") : undefined);
    expect(await run(["revoke", "1.1.0/2", ...TARGET], io, deps)).toBe(1);
    fake.interceptor = () => undefined;

    const document = amiOperatorPolicy({
      partition: "aws",
      account: ACCOUNT,
      tracked: [{ parameter: LATEST, channels: ["stable", "prod"], regions: REGIONS, gates: [{ channel: "prod", maxSeverity: "HIGH" }] }],
    });
    const actions = new Set(fake.calls.map((call) => call.action));
    expect([...actions].sort()).toEqual([
      "ec2:CreateTags",
      "ec2:DeleteTags",
      "ec2:DescribeImages",
      "ec2:DisableImage",
      "ec2:DisableImageDeprecation",
      "ec2:EnableImage",
      "ec2:EnableImageDeprecation",
      "imagebuilder:GetImage",
      "imagebuilder:ListImageScanFindings",
      "ssm:AddTagsToResource",
      "ssm:DeleteParameter",
      "ssm:GetParameter",
      "ssm:GetParameterHistory",
      "ssm:ListTagsForResource",
      "ssm:PutParameter",
      "ssm:RemoveTagsFromResource",
      "sts:GetCallerIdentity",
    ]);
    expect(fake.calls.filter((call) => !allowed(document, call))).toEqual([]);
    // And the policy names no action the CLI never calls.
    const granted = new Set(document.Statement.flatMap((statement) => statement.Action));
    expect([...granted].sort()).toEqual([...actions].filter((action) => action !== "sts:GetCallerIdentity").sort());
  } finally {
    fake.restore();
  }
});
