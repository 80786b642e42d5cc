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
 * - sts:GetCallerIdentity needs no permission.
 * - Writing an `aws:ec2:image` value needs ec2:DescribeImages too (SSM validates the AMI as the caller):
 *   https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-ec2-aliases.html
 */
import { REGION } from "../ami-tracker/message";
import { inUseTagKey } from "./ami-in-use";
import { channelParameterName } from "./channels";
import { formatArn, ssmParameterArn } from "../../aws/arn";

export type OperatorCommand = "status" | "history" | "promote" | "rollback";
export const OPERATOR_COMMANDS: readonly OperatorCommand[] = ["status", "history", "promote", "rollback"];

/** One tracked parameter (the tracker's `latest`) and the channels declared beside it. */
export interface TrackedPointers {
  readonly parameter: string;
  readonly channels: readonly string[];
}

export interface OperatorPolicyProps {
  readonly partition: string;
  readonly account: string;
  readonly regions: readonly string[];
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
  if (props.regions.length === 0) throw new Error('regions: is empty; list the tracked regions, e.g. ["us-east-1"]');
  for (const region of props.regions) if (!REGION.test(region)) throw new Error(`regions: "${region}" is not an AWS region (expected e.g. "us-east-1")`);
  if (props.tracked.length === 0) throw new Error("tracked: is empty; list at least one tracked parameter");
}

/** The policy document; statements without resources are left out. */
export function amiOperatorPolicy(props: OperatorPolicyProps): PolicyDocument {
  check(props);
  const commands = new Set(props.commands ?? OPERATOR_COMMANDS);
  const regions = [...new Set(props.regions)].sort();
  const arns = (names: readonly string[]) => regions.flatMap((region) => names.map((name) => parameterArn(props.partition, region, props.account, name)));

  const trackedNames = props.tracked.map((tracked) => tracked.parameter);
  const channelNames = props.tracked.flatMap((tracked) => tracked.channels.map((channel) => channelParameterName(tracked.parameter, channel)));
  const pointers = [...new Set([...trackedNames, ...channelNames])].sort();
  const writes = commands.has("promote") || commands.has("rollback");
  // promote writes channels only; rollback may write `latest` too.
  const written = [...new Set([...(commands.has("promote") ? channelNames : []), ...(commands.has("rollback") ? pointers : [])])].sort();

  const statements: PolicyStatement[] = [];
  const readActions = new Set<string>(["ssm:GetParameterHistory"]);
  if (commands.has("status") || writes) readActions.add("ssm:ListTagsForResource");
  if (writes) readActions.add("ssm:GetParameter");
  statements.push({ Sid: "ReadPointers", Effect: "Allow", Action: [...readActions].sort(), Resource: arns(pointers) });
  statements.push({ Sid: "DescribeImages", Effect: "Allow", Action: ["ec2:DescribeImages"], Resource: ["*"] });
  if (writes && written.length > 0) {
    statements.push({
      Sid: "WritePointers",
      Effect: "Allow",
      Action: ["ssm:AddTagsToResource", "ssm:PutParameter", "ssm:RemoveTagsFromResource"],
      Resource: arns(written),
    });
  }
  const newChannels = commands.has("promote") ? [...new Set(channelNames)].sort() : [];
  if (newChannels.length > 0) {
    // Undoing a promote that created a channel in one region deletes it again.
    statements.push({ Sid: "UndoNewChannel", Effect: "Allow", Action: ["ssm:DeleteParameter"], Resource: arns(newChannels) });
  }
  if (writes && written.length > 0) {
    const keys = written.flatMap((name) => [inUseTagKey(name, "current"), inUseTagKey(name, "previous")]).sort();
    statements.push({
      Sid: "MoveInUseTags",
      Effect: "Allow",
      Action: ["ec2:CreateTags", "ec2:DeleteTags"],
      Resource: regions.map((region) => formatArn({ partition: props.partition, service: "ec2", region, resource: "image/*" })),
      // Null: a DeleteTags without tag keys would delete every tag; ForAllValues alone allows it.
      Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": keys }, Null: { "aws:TagKeys": "false" } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}
