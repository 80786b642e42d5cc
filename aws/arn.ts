/**
 * Where a resource lives: the partition, region and account of its ARN. Each may be a Terraform token
 * (e.g. the account read from a created resource's ARN, so nothing is looked up at plan time).
 */
export interface AwsLocation {
  /** `aws`, `aws-cn`, `aws-us-gov`, or e.g. `${data.aws_partition.x.partition}`. */
  readonly partition: string;
  /** The region; `""` in the ARN of a global service (IAM, S3). */
  readonly region: string;
  /** The 12-digit account ID; `""` where the ARN has none (S3 buckets), `aws` for AWS-managed resources. */
  readonly account: string;
}

/** The parts of an ARN; `region` and `account` are left empty where the service's ARN has none. */
export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region?: string;
  readonly account?: string;
  /** Everything after the account, e.g. `parameter/ec2-imagebuilder/latest` or `role/name`. */
  readonly resource: string;
}

/**
 * `arn:<partition>:<service>:<region>:<account>:<resource>`.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export function formatArn({ partition, service, region = "", account = "", resource }: ArnParts): string {
  return `arn:${partition}:${service}:${region}:${account}:${resource}`;
}

/** The ARN of `resource` of `service` at `location`. */
export function arnAt(location: AwsLocation, service: string, resource: string): string {
  return formatArn({ ...location, service, resource });
}

/** An IAM resource (`role/<name>`, `root`, ...): IAM is global, so its ARNs have no region. */
export function iamArn({ partition, account }: Pick<AwsLocation, "partition" | "account">, resource: string): string {
  return formatArn({ partition, service: "iam", account, resource });
}

/** An AMI: `arn:<partition>:ec2:<region>::image/<image ID or *>`; AMIs have no account in their ARN. */
export function ec2ImageArn({ partition, region }: Pick<AwsLocation, "partition" | "region">, imageId: string): string {
  return formatArn({ partition, service: "ec2", region, resource: `image/${imageId}` });
}

/** An AWS-managed IAM policy: `arn:<partition>:iam::aws:policy/<name>`. */
export function managedPolicyArn(partition: string, name: string): string {
  return formatArn({ partition, service: "iam", account: "aws", resource: `policy/${name}` });
}

/** An SSM parameter's ARN: the name without its leading "/" follows `parameter/`. */
export function ssmParameterArn(location: AwsLocation, parameterName: string): string {
  return arnAt(location, "ssm", `parameter/${parameterName.replace(/^\//, "")}`);
}

/**
 * `text` with the partition and account of its ARNs moved from `from` to `to`: for a document built
 * with literal stand-ins (its builder checks for a real partition and account) that is then given
 * Terraform expressions. Every `:<from account>:` in the text moves, inside an ARN or not.
 */
export function relocateArns(text: string, from: Pick<AwsLocation, "partition" | "account">, to: Pick<AwsLocation, "partition" | "account">): string {
  const prefix = (partition: string) => `arn:${partition}:`;
  return text.split(prefix(from.partition)).join(prefix(to.partition)).split(`:${from.account}:`).join(`:${to.account}:`);
}
