/**
 * The least-privilege IAM policy an operator needs for `npm run ami -- <command>`: actions and exact
 * resource ARNs, from the tracked parameters, their channels, the regions, the partition and the account.
 * Pure and free of cdktf, so a stack can output it (`JSON.stringify`) and a test can read it.
 *
 * Sources (Service Authorization Reference):
 * - SSM: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
 *   (GetParameter, GetParameterHistory, ListTagsForResource, PutParameter, AddTagsToResource,
 *   RemoveTagsFromResource, DeleteParameter: resource type `parameter`,
 *   `arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}`).
 * - EC2: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
 *   (DescribeImages supports no resource type, so `*`; CreateTags and DeleteTags on `image`,
 *   `arn:${Partition}:ec2:${Region}::image/${ImageId}` with no account, conditioned on `aws:TagKeys`).
 *   Revoke and restore: EnableImageDeprecation, DisableImageDeprecation, DisableImage and EnableImage on
 *   `image` too.
 * - Image Builder: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2imagebuilder.html
 *   (GetImage on `image`, `arn:${Partition}:imagebuilder:${Region}:${Account}:image/${ImageName}/${ImageVersion}/${ImageBuildVersion}`;
 *   ListImageScanFindings on `image` too, optional there, and the CLI filters on one image build version):
 *   only for a channel with a scan gate (maxSeverity).
 * - sts:GetCallerIdentity needs no permission.
 * - Writing an `aws:ec2:image` value needs ec2:DescribeImages too (SSM validates the AMI as the caller):
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-ec2-aliases.html
 */
import { REGION_PATTERN } from "../aws/regions";
import { inUseTagKey } from "./in-use";
import { channelParameterName } from "./channels";
import { formatArn, ssmParameterArn } from "../aws/arn";
import type { ChannelGate } from "./gates";

export type OperatorCommand = "status" | "history" | "promote" | "rollback" | "revoke" | "restore";
export const OPERATOR_COMMANDS: readonly OperatorCommand[] = ["status", "history", "promote", "rollback", "revoke", "restore"];

/** One tracked parameter (the tracker's `latest`), the channels declared beside it and the regions they live in (model.ts). */
export interface TrackedPointers {
  readonly parameter: string;
  readonly channels: readonly string[];
  readonly regions: readonly string[];
  /** The channels' promotion gates (gates.ts): a scan gate needs Image Builder's read actions. @default none */
  readonly gates?: readonly Pick<ChannelGate, "channel" | "maxSeverity">[];
}

export interface OperatorPolicyProps {
  readonly partition: string;
  readonly account: string;
  readonly tracked: readonly TrackedPointers[];
  /** The commands to allow. @default every command */
  readonly commands?: readonly OperatorCommand[];
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

const PARTITIONS = new Set(["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"]);

/** `arn:aws:ssm:us-east-1:111122223333:parameter/ec2-imagebuilder/latest` (one slash, whatever the name). */
export function parameterArn(partition: string, region: string, account: string, name: string): string {
  return ssmParameterArn({ partition, region, account }, name);
}

function check(props: OperatorPolicyProps): void {
  if (!PARTITIONS.has(props.partition)) throw new Error(`partition: "${props.partition}" is not an AWS partition (expected e.g. "aws")`);
  if (!/^\d{12}$/.test(props.account)) throw new Error(`account: "${props.account}" is not a 12-digit AWS account ID`);
  if (props.tracked.length === 0) throw new Error("tracked: is empty; list at least one tracked parameter");
  for (const tracked of props.tracked) {
    const where = `tracked "${tracked.parameter.slice(0, 200)}".regions`;
    if (tracked.regions.length === 0) throw new Error(`${where}: is empty; list the regions it lives in, e.g. ["us-east-1"]`);
    for (const region of tracked.regions)
      if (!REGION_PATTERN.test(region)) throw new Error(`${where}: "${region}" is not an AWS region (expected e.g. "us-east-1")`);
  }
}

/** The policy document; statements without resources are left out. */
export function amiOperatorPolicy(props: OperatorPolicyProps): PolicyDocument {
  check(props);
  const commands = new Set(props.commands ?? OPERATOR_COMMANDS);
  // Each pointer's ARNs in its own parameter's regions only; names and ARNs each once, sorted.
  const located = props.tracked.flatMap((tracked) => {
    const channels = tracked.channels.map((channel) => channelParameterName(tracked.parameter, channel));
    return [tracked.parameter, ...channels].map((name) => ({ name, channel: name !== tracked.parameter, regions: tracked.regions }));
  });
  const arns = (names: readonly { name: string; regions: readonly string[] }[]) =>
    [...new Set(names.flatMap(({ name, regions }) => regions.map((region) => parameterArn(props.partition, region, props.account, name))))].sort();
  const channels = located.filter((pointer) => pointer.channel);
  const revokes = commands.has("revoke");
  const writes = commands.has("promote") || commands.has("rollback") || revokes;
  // promote writes channels only; rollback and revoke may write `latest` too.
  const written = commands.has("rollback") || revokes ? located : commands.has("promote") ? channels : [];
  const writtenNames = [...new Set(written.map((pointer) => pointer.name))].sort();
  const writtenRegions = [...new Set(written.flatMap((pointer) => pointer.regions))].sort();

  const statements: PolicyStatement[] = [];
  const readActions = new Set<string>(["ssm:GetParameterHistory"]);
  if (commands.has("status") || writes || commands.has("restore")) readActions.add("ssm:ListTagsForResource");
  if (writes) readActions.add("ssm:GetParameter");
  statements.push({ Sid: "ReadPointers", Effect: "Allow", Action: [...readActions].sort(), Resource: arns(located) });
  statements.push({ Sid: "DescribeImages", Effect: "Allow", Action: ["ec2:DescribeImages"], Resource: ["*"] });
  if (written.length > 0) {
    statements.push({
      Sid: "WritePointers",
      Effect: "Allow",
      Action: ["ssm:AddTagsToResource", "ssm:PutParameter", "ssm:RemoveTagsFromResource"],
      Resource: arns(written),
    });
  }
  if (commands.has("promote") && channels.length > 0) {
    // Undoing a promote that created a channel in one region deletes it again.
    statements.push({ Sid: "UndoNewChannel", Effect: "Allow", Action: ["ssm:DeleteParameter"], Resource: arns(channels) });
  }
  if (written.length > 0) {
    const keys = writtenNames.flatMap((name) => [inUseTagKey(name, "current"), inUseTagKey(name, "previous")]).sort();
    statements.push({
      Sid: "MoveInUseTags",
      Effect: "Allow",
      Action: ["ec2:CreateTags", "ec2:DeleteTags"],
      Resource: writtenRegions.map((region) => formatArn({ partition: props.partition, service: "ec2", region, resource: "image/*" })),
      // Null: a DeleteTags without tag keys would delete every tag; ForAllValues alone allows it.
      Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": keys }, Null: { "aws:TagKeys": "false" } },
    });
  }
  const trackedNames = props.tracked.map((tracked) => ({ name: tracked.parameter, regions: tracked.regions }));
  if (commands.has("restore") && !commands.has("rollback") && !revokes) {
    // restore only lifts the revocation tag of the tracked parameter; revoke's writes above cover it otherwise.
    statements.push({
      Sid: "RecordRevocation",
      Effect: "Allow",
      Action: ["ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
      Resource: arns(trackedNames),
    });
  }
  if (revokes || commands.has("restore")) {
    const regions = [...new Set(props.tracked.flatMap((tracked) => tracked.regions))].sort();
    statements.push({
      Sid: "RevokeImages",
      Effect: "Allow",
      Action: ["ec2:DisableImage", "ec2:DisableImageDeprecation", "ec2:EnableImage", "ec2:EnableImageDeprecation"],
      Resource: regions.map((region) => formatArn({ partition: props.partition, service: "ec2", region, resource: "image/*" })),
    });
  }
  const scanned = props.tracked.filter((tracked) => (tracked.gates ?? []).some((gate) => gate.maxSeverity !== undefined));
  if (commands.has("promote") && scanned.length > 0) {
    const regions = [...new Set(scanned.flatMap((tracked) => tracked.regions))].sort();
    // Both act on `image` (ListImageScanFindings optionally, here filtered on one image build version).
    statements.push({
      Sid: "ReadImageScans",
      Effect: "Allow",
      Action: ["imagebuilder:GetImage", "imagebuilder:ListImageScanFindings"],
      Resource: regions.map((region) =>
        formatArn({ partition: props.partition, service: "imagebuilder", region, account: props.account, resource: "image/*" }),
      ),
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}
