// Edges of the promotion channels (ami-pointers/channels.ts): a promote's ROLLBACK=false read back, missing
// operator tags, empty tag values, builds in ARNs and descriptions with multi-digit parts and other
// partitions, long names in error messages. channels.test.ts holds the decisions; docs/mutation.md the scores.
import {
  buildFromDescription,
  buildFromImageArn,
  buildText,
  ChannelNameError,
  channelNameProblem,
  channelParameterName,
  parseBuildText,
  planInUseMove,
  pointerDescription,
  pointerParameterName,
  pointerTags,
  readChangeRecord,
  TAG_PROMOTED_AMI_ID,
  TAG_ROLLBACK,
} from "../../ami-pointers/channels";

const IMAGE_ARN = "arn:aws:imagebuilder:us-east-1:111122223333:image/golden/1.2.0/3";
const AMI = { region: "us-east-1", amiId: "ami-new", amiName: "golden 1.2.0/3", imageArn: IMAGE_ARN };
const PROMOTE = {
  tracked: "/ec2-imagebuilder/latest",
  pointer: "stable",
  by: "arn:aws:iam::111122223333:user/jane",
  at: new Date("2026-11-30T08:00:00Z"),
  from: "latest",
  rollback: false,
};

function tagMap(tags: ReadonlyArray<{ Key: string; Value: string }>): Map<string, string> {
  return new Map(tags.map((tag) => [tag.Key, tag.Value]));
}

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error("expected an error");
}

describe("change records read back", () => {
  test("a promote's tags (ROLLBACK=false) read back as no rollback", () => {
    // Prepare
    const tags = tagMap(pointerTags(AMI, PROMOTE));

    // Act
    const record = readChangeRecord(tags, "ami-new");

    // Assess
    expect(tags.get(TAG_ROLLBACK)).toBe("false");
    expect(record).toStrictEqual({ by: PROMOTE.by, at: "2026-11-30T08:00:00.000Z", from: "latest", rollback: false });
  });

  test.each(["false", "True", "TRUE", "1", "yes", ""])("ROLLBACK=%p is not a rollback: only the exact text true is", (value) => {
    const record = readChangeRecord(
      new Map([
        [TAG_PROMOTED_AMI_ID, "ami-a"],
        [TAG_ROLLBACK, value],
      ]),
      "ami-a",
    );
    expect(record?.rollback).toBe(false);
  });

  test("only PROMOTED_AMI_ID present: every other field reads as unknown, no rollback, no replaced AMI", () => {
    const record = readChangeRecord(new Map([[TAG_PROMOTED_AMI_ID, "ami-a"]]), "ami-a");
    expect(record).toStrictEqual({ by: "unknown", at: "unknown", from: "unknown", rollback: false });
  });

  test("no operator tags at all: no record", () => {
    expect(readChangeRecord(new Map(), "ami-a")).toBeUndefined();
  });
});

describe("pointer tags", () => {
  test("a build's recipe and pipeline are carried over; no image ARN means no build tags; latest has no CHANNEL tag", () => {
    // Prepare
    const ami = {
      region: "us-gov-west-1",
      amiId: "ami-0a1b2c3d",
      recipeName: "golden-recipe",
      sourcePipelineArn: "arn:aws-us-gov:imagebuilder:us-gov-west-1:111122223333:image-pipeline/golden",
    };

    // Act
    const tags = pointerTags(ami, { ...PROMOTE, pointer: "latest", from: "stable", rollback: true, replacedAmiId: "ami-old" });

    // Assess: in the order a writer sends them.
    expect(tags).toEqual([
      { Key: "Source", Value: "EC2 Image Builder" },
      { Key: "AMI_REGION", Value: "us-gov-west-1" },
      { Key: "AMI_ID", Value: "ami-0a1b2c3d" },
      { Key: "RECIPE_NAME", Value: "golden-recipe" },
      { Key: "SOURCE_PIPELINE_ARN", Value: "arn:aws-us-gov:imagebuilder:us-gov-west-1:111122223333:image-pipeline/golden" },
      { Key: "CHANNEL_OF", Value: "/ec2-imagebuilder/latest" },
      { Key: "PROMOTED_BY", Value: "arn:aws:iam::111122223333:user/jane" },
      { Key: "PROMOTED_AT", Value: "2026-11-30T08:00:00.000Z" },
      { Key: "PROMOTED_FROM", Value: "stable" },
      { Key: "ROLLBACK", Value: "true" },
      { Key: "REPLACED_AMI_ID", Value: "ami-old" },
      { Key: "PROMOTED_AMI_ID", Value: "ami-0a1b2c3d" },
    ]);
  });

  test("an empty value is left out (SSM refuses an empty tag value), as is an absent one", () => {
    const tags = pointerTags({ ...AMI, amiName: "", recipeName: "" }, PROMOTE);
    expect(tags.map((tag) => tag.Key)).toEqual([
      "Source",
      "AMI_REGION",
      "AMI_ID",
      "IMAGE_ARN",
      "IMAGE_VERSION",
      "IMAGE_BUILD_VERSION",
      "CHANNEL",
      "CHANNEL_OF",
      "PROMOTED_BY",
      "PROMOTED_AT",
      "PROMOTED_FROM",
      "ROLLBACK",
      "PROMOTED_AMI_ID",
    ]);
  });
});

describe("descriptions", () => {
  test("a rollback says what it rolled back from", () => {
    const text = pointerDescription(AMI, { ...PROMOTE, rollback: true, from: "stable", replacedAmiId: "ami-bad" });
    expect(text).toBe("Channel stable of /ec2-imagebuilder/latest, rolled back from ami-bad: golden 1.2.0/3 1.2.0/3");
  });

  test("a rollback of a pointer that held nothing says so", () => {
    const text = pointerDescription(AMI, { ...PROMOTE, rollback: true });
    expect(text).toBe("Channel stable of /ec2-imagebuilder/latest, rolled back from nothing: golden 1.2.0/3 1.2.0/3");
  });

  test("latest, an AMI without a name and without an Image Builder ARN: the AMI ID and no build", () => {
    const text = pointerDescription({ region: "us-east-1", amiId: "ami-0a1b2c3d" }, { ...PROMOTE, pointer: "latest", from: "stable" });
    expect(text).toBe("Latest AMI of /ec2-imagebuilder/latest, promoted from stable: ami-0a1b2c3d");
  });

  test("an over-long description is cut to SSM's 1024 characters", () => {
    const text = pointerDescription({ ...AMI, amiName: "n".repeat(2000) }, PROMOTE);
    expect(text).toHaveLength(1024);
    expect(text.startsWith("Channel stable of /ec2-imagebuilder/latest, promoted from latest: nnn")).toBe(true);
  });
});

describe("builds", () => {
  test("buildText", () => {
    expect(buildText({ version: "10.2.0", buildVersion: "12" })).toBe("10.2.0/12");
    expect(buildText(undefined)).toBe("unknown build");
  });

  test.each([
    ["1.2.0/3/4", "a third part"],
    ["1.2.0", "no build"],
    ["1.2.0/", "an empty build"],
    ["/3", "an empty version"],
    ["", "empty"],
  ])("parseBuildText(%p): %s gives undefined", (text) => {
    expect(parseBuildText(text)).toBeUndefined();
  });

  test.each([
    ["arn:aws:imagebuilder:us-east-1:111122223333:image/golden/10.20.30/45", { version: "10.20.30", buildVersion: "45" }],
    ["arn:aws-us-gov:imagebuilder:us-gov-west-1:111122223333:image/golden/1.0.0/2", { version: "1.0.0", buildVersion: "2" }],
    ["arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/2024.1.1/1", { version: "2024.1.1", buildVersion: "1" }],
  ])("buildFromImageArn(%p)", (arn, expected) => {
    expect(buildFromImageArn(arn)).toEqual(expected);
  });

  test.each([
    [`x${IMAGE_ARN}`, "anything before arn:"],
    [`${IMAGE_ARN}/4`, "a level after the build"],
    [`${IMAGE_ARN} `, "a space after the build"],
    ["arn:aws:imagebuilder:us-east-1:111122223333:image/golden/1.2.0", "no build"],
    ["arn:aws:imagebuilder:us-east-1:1111:image/golden/1.2.0/3", "a short account"],
  ])("buildFromImageArn(%p): %s gives undefined", (arn) => {
    expect(buildFromImageArn(arn)).toBeUndefined();
  });

  test("buildFromImageArn(undefined)", () => {
    expect(buildFromImageArn(undefined)).toBeUndefined();
  });

  test.each([
    ["Latest AMI from EC2 Image Builder: golden 10.20.30/45", { version: "10.20.30", buildVersion: "45" }],
    ["Channel prod of /p/latest, promoted from stable: golden 1.2.0/3 (note)", { version: "1.2.0", buildVersion: "3" }],
  ])("buildFromDescription(%p)", (description, expected) => {
    expect(buildFromDescription(description)).toEqual(expected);
  });

  test("a description whose build runs into other text has no build", () => {
    expect(buildFromDescription("golden 1.2.0/3x")).toBeUndefined();
  });
});

describe("names", () => {
  test("ChannelNameError is named", () => {
    expect(errorOf(() => channelParameterName("/p/latest", "Stable")).name).toBe("ChannelNameError");
  });

  test("the channel's problem is the whole message after channel:", () => {
    const error = errorOf(() => channelParameterName("/p/latest", "Stable"));
    expect(error).toBeInstanceOf(ChannelNameError);
    expect(error.message).toBe(`channel: ${channelNameProblem("Stable")}`);
  });

  test("an over-long channel is quoted in the problem, cut to 64 characters", () => {
    const channel = `a${"b".repeat(99)}`;
    expect(channelNameProblem(channel)).toBe(
      `"${channel.slice(0, 64)}" is not a channel name; use 1-32 lowercase letters, digits or "-", starting with a letter, e.g. "stable"`,
    );
  });

  test.each(["1stable", "-stable", "stable_1", " stable", "stable "])("channel %p is refused (anchored at both ends)", (channel) => {
    expect(channelNameProblem(channel)).toMatch(/is not a channel name/);
  });

  test.each(["s", "stable-2", "a".repeat(32)])("channel %p is accepted", (channel) => {
    expect(channelNameProblem(channel)).toBeUndefined();
  });

  test("an over-long tracked name is quoted cut to 200 characters", () => {
    // Prepare: a valid name of 1010 characters; its channel would pass SSM's 1011.
    const tracked = `/${"t".repeat(1009)}`;

    // Act
    const error = errorOf(() => channelParameterName(tracked, "stable"));

    // Assess
    expect(error.message).toBe(
      `channel: "stable" of "${tracked.slice(0, 200)}" gives "${`${tracked}/stable`.slice(0, 200)}", which SSM rejects: the name is longer than 1011 characters; use a shorter parameter or channel name`,
    );
  });

  test("an invalid tracked name is quoted cut to 200 characters", () => {
    const tracked = `/aws/${"t".repeat(300)}`;
    const error = errorOf(() => channelParameterName(tracked, "stable"));
    expect(error.message.startsWith(`parameter: "${tracked.slice(0, 200)}" is not an SSM parameter name: `)).toBe(true);
  });

  test("pointerParameterName: a channel is the channel's parameter", () => {
    expect(pointerParameterName("/ec2-imagebuilder/latest", "stable")).toBe("/ec2-imagebuilder/stable");
  });
});

test("a move to the AMI the pointer already holds tags it current only, never previous", () => {
  const move = planInUseMove("/p/stable", "ami-a", "ami-a", { current: [], previous: [] });
  expect(move).toEqual({ create: [{ imageId: "ami-a", key: "ami-loop:current:/p/stable" }], remove: [] });
});
