import { arnAt, ec2ImageArn, formatArn, iamArn, managedPolicyArn, relocateArns, ssmParameterArn } from "../../aws/arn";
import { opsItemArn } from "../../aws/ops-center";

// ARN forms: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html and each service's
// "Actions, resources, and condition keys" page (Service Authorization Reference).
const location = { partition: "aws", region: "us-east-1", account: "111122223333" };

describe("formatArn", () => {
  test.each([
    ["a regional resource", formatArn({ ...location, service: "sqs", resource: "orders" }), "arn:aws:sqs:us-east-1:111122223333:orders"],
    ["IAM: global, no region", formatArn({ partition: "aws", service: "iam", account: "111122223333", resource: "root" }), "arn:aws:iam::111122223333:root"],
    ["S3: neither region nor account", formatArn({ partition: "aws-cn", service: "s3", resource: "state-bucket" }), "arn:aws-cn:s3:::state-bucket"],
    [
      "EC2 images: no account",
      formatArn({ partition: "aws", service: "ec2", region: "eu-west-1", resource: "image/ami-0123" }),
      "arn:aws:ec2:eu-west-1::image/ami-0123",
    ],
    [
      "a Step Functions service integration",
      formatArn({ partition: "aws", service: "states", resource: "events:putEvents" }),
      "arn:aws:states:::events:putEvents",
    ],
    [
      "an AWS-managed policy",
      managedPolicyArn("aws-us-gov", "EC2ImageBuilderExecutionPolicy"),
      "arn:aws-us-gov:iam::aws:policy/EC2ImageBuilderExecutionPolicy",
    ],
    [
      "an SSM parameter: the name loses its leading slash",
      ssmParameterArn(location, "/ec2-imagebuilder/latest"),
      "arn:aws:ssm:us-east-1:111122223333:parameter/ec2-imagebuilder/latest",
    ],
    [
      "an SSM parameter without a leading slash",
      ssmParameterArn({ partition: "aws", region: "us-east-1", account: "" }, "plain"),
      "arn:aws:ssm:us-east-1::parameter/plain",
    ],
    ["an IAM role: global, no region", iamArn(location, "role/ci-plan"), "arn:aws:iam::111122223333:role/ci-plan"],
    ["an AMI: no account", ec2ImageArn(location, "ami-0123"), "arn:aws:ec2:us-east-1::image/ami-0123"],
    ["an OpsItem alarm action", opsItemArn(location, 2, "Availability"), "arn:aws:ssm:us-east-1:111122223333:opsitem:2#CATEGORY=Availability"],
  ])("%s", (_, actual, expected) => {
    expect(actual).toBe(expected);
  });

  test("Terraform expressions pass through untouched", () => {
    const partition = "${data.aws_partition.partition.partition}";
    const account = '${element(split(":", aws_cloudwatch_event_bus.event-bus.arn), 4)}';
    expect(arnAt({ partition, region: "us-east-1", account }, "cloudwatch", "alarm:*")).toBe(`arn:${partition}:cloudwatch:us-east-1:${account}:alarm:*`);
  });
});

describe("relocateArns", () => {
  test("moves the partition and account of every ARN; leaves other text alone", () => {
    // Prepare
    const placeholder = { partition: "aws", account: "000000000000" };
    const document = JSON.stringify({
      Resource: [ssmParameterArn({ ...placeholder, region: "us-east-1" }, "/a"), ec2ImageArn({ ...placeholder, region: "us-east-1" }, "*")],
      Sid: "awsRead",
    });

    // Act
    const moved = relocateArns(document, placeholder, { partition: "${data.aws_partition.p.partition}", account: "${local.account}" });

    // Assess
    expect(JSON.parse(moved)).toEqual({
      Resource: [
        "arn:${data.aws_partition.p.partition}:ssm:us-east-1:${local.account}:parameter/a",
        "arn:${data.aws_partition.p.partition}:ec2:us-east-1::image/*",
      ],
      Sid: "awsRead",
    });
  });
});
