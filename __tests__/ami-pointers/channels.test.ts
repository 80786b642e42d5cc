import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parameterNameProblem } from "../../aws/ssm-parameter-name";
import {
  buildFromDescription,
  buildFromImageArn,
  channelNameProblem,
  ChannelNameError,
  channelParameterName,
  parseBuildText,
  planInUseMove,
  pointerDescription,
  pointerParameterName,
  pointerTags,
  readChangeRecord,
  staleTagKeys,
  BUILD_TAG_KEYS,
  isWriterTagKey,
  OPERATOR_TAG_KEYS,
  WRITER_TAG_KEYS,
} from "../../ami-pointers/channels";

const IMAGE_ARN = "arn:aws:imagebuilder:us-east-1:111122223333:image/golden/1.2.0/3";

describe("channel parameter names", () => {
  test.each([
    ["/ec2-imagebuilder/latest", "stable", "/ec2-imagebuilder/stable"],
    ["/ec2-imagebuilder/web/latest", "prod", "/ec2-imagebuilder/web/prod"],
    ["/golden-ami/bastion", "stable", "/golden-ami/bastion/stable"],
    ["latest", "stable", "stable"],
    ["web-ami", "stable", "web-ami-stable"],
  ])("%s + %s -> %s", (tracked, channel, expected) => {
    expect(channelParameterName(tracked, channel)).toBe(expected);
  });

  test("latest is the tracked parameter itself", () => {
    expect(pointerParameterName("/ec2-imagebuilder/latest", "latest")).toBe("/ec2-imagebuilder/latest");
  });

  test.each([
    ["latest", /"latest" is the tracker's own parameter/],
    ["Stable", /not a channel name; use 1-32 lowercase letters/],
    ["a/b", /not a channel name/],
    ["", /not a channel name/],
    ["x".repeat(33), /not a channel name/],
  ])("channel %j is refused", (channel, message) => {
    expect(channelNameProblem(channel)).toMatch(message);
    expect(() => channelParameterName("/ec2-imagebuilder/latest", channel)).toThrow(ChannelNameError);
  });

  test("a tracked name SSM rejects, or a result too deep, names the field and the fix", () => {
    expect(() => channelParameterName("/aws/latest", "stable")).toThrow(
      /parameter: "\/aws\/latest" is not an SSM parameter name: the name starts with the reserved prefix/,
    );
    const deep = `/${Array.from({ length: 15 }, (_, i) => `l${i}`).join("/")}`;
    expect(() => channelParameterName(deep, "stable")).toThrow(
      /gives ".*", which SSM rejects: the name has more than 15 levels; use a shorter parameter or channel name/,
    );
  });

  test("property: a channel name is a valid SSM name, never the tracked one, and distinct per channel", () => {
    const level = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,12}$/).filter((text) => !/^(aws|ssm)/i.test(text));
    const channel = fc.stringMatching(/^[a-z][a-z0-9-]{0,31}$/).filter((text) => text !== "latest");
    fc.assert(
      fc.property(fc.array(level, { minLength: 1, maxLength: 6 }), fc.boolean(), channel, channel, (levels, endsInLatest, a, b) => {
        const tracked = `/${[...levels, ...(endsInLatest ? ["latest"] : [])].join("/")}`;
        const name = channelParameterName(tracked, a);
        expect(parameterNameProblem(name)).toBeUndefined();
        expect(name).not.toBe(tracked);
        if (a !== b) expect(channelParameterName(tracked, b)).not.toBe(name);
      }),
    );
  });
});

describe("builds", () => {
  test("from Image Builder's image ARN, the tracker's description, or text", () => {
    expect(buildFromImageArn(IMAGE_ARN)).toEqual({ version: "1.2.0", buildVersion: "3" });
    expect(buildFromImageArn("arn:aws:ec2:us-east-1::image/ami-1")).toBeUndefined();
    expect(buildFromDescription("Latest AMI from EC2 Image Builder: golden 1.2.0/3")).toEqual({ version: "1.2.0", buildVersion: "3" });
    expect(buildFromDescription(undefined)).toBeUndefined();
    expect(parseBuildText("1.2.0/0")).toBeUndefined();
    expect(parseBuildText("1.2/3")).toBeUndefined();
  });
});

describe("pointer tags", () => {
  const ami = { region: "us-east-1", amiId: "ami-new", amiName: "golden 1.2.0/3", imageArn: IMAGE_ARN };
  const change = {
    tracked: "/ec2-imagebuilder/latest",
    pointer: "stable",
    by: "arn:aws:iam::111122223333:user/jane",
    at: new Date("2026-11-30T08:00:00Z"),
    from: "latest",
    rollback: false,
    replacedAmiId: "ami-old",
  };

  test("build tags like the tracker's, then who, when, from where, and the rollback flag", () => {
    expect(Object.fromEntries(pointerTags(ami, change).map((tag) => [tag.Key, tag.Value]))).toEqual({
      Source: "EC2 Image Builder",
      AMI_REGION: "us-east-1",
      AMI_ID: "ami-new",
      AMI_NAME: "golden 1.2.0/3",
      IMAGE_ARN: IMAGE_ARN,
      IMAGE_VERSION: "1.2.0",
      IMAGE_BUILD_VERSION: "3",
      CHANNEL: "stable",
      CHANNEL_OF: "/ec2-imagebuilder/latest",
      PROMOTED_BY: "arn:aws:iam::111122223333:user/jane",
      PROMOTED_AT: "2026-11-30T08:00:00.000Z",
      PROMOTED_FROM: "latest",
      ROLLBACK: "false",
      REPLACED_AMI_ID: "ami-old",
      PROMOTED_AMI_ID: "ami-new",
    });
  });

  test("a change record is read only while it describes the current value", () => {
    const tags = new Map(pointerTags(ami, { ...change, rollback: true }).map((tag) => [tag.Key, tag.Value]));
    expect(readChangeRecord(tags, "ami-new")).toEqual({
      by: change.by,
      at: "2026-11-30T08:00:00.000Z",
      from: "latest",
      rollback: true,
      replacedAmiId: "ami-old",
    });
    // The tracker wrote latest since: its own build tags moved, the operator tags did not.
    expect(readChangeRecord(tags, "ami-newer")).toBeUndefined();
  });

  test("every writer tag (WRITER_TAG_KEYS) the new set lacks is stale, and only those", () => {
    // Prepare: a pointer carrying every writer tag and one foreign tag.
    const current = new Map([...WRITER_TAG_KEYS.map((key): [string, string] => [key, "old"]), ["team", "platform"]]);
    // Act
    const stale = staleTagKeys(current, []);
    // Assess
    expect(stale).toEqual([...WRITER_TAG_KEYS].sort());
    expect(isWriterTagKey("team")).toBe(false);
  });

  test("owned tags the new set lacks are stale; foreign tags are left alone", () => {
    const current = new Map([
      ["RECIPE_NAME", "old"],
      ["AMI_ID", "ami-old"],
      ["team", "platform"],
    ]);
    expect(staleTagKeys(current, pointerTags(ami, change))).toEqual(["RECIPE_NAME"]);
  });

  test("the description ends in the build, as the tracker's does", () => {
    const text = pointerDescription(ami, change);
    expect(text).toBe("Channel stable of /ec2-imagebuilder/latest, promoted from latest: golden 1.2.0/3 1.2.0/3");
    expect(buildFromDescription(text)).toEqual({ version: "1.2.0", buildVersion: "3" });
  });
});

describe("in-use tag moves (ami-in-use.ts)", () => {
  const P = "/p/stable";
  const cur = `ami-loop:current:${P}`;
  const prev = `ami-loop:previous:${P}`;

  test("A -> B: B current, A previous, the old previous and A's current removed", () => {
    expect(planInUseMove(P, "ami-a", "ami-b", { current: ["ami-a"], previous: ["ami-z"] })).toEqual({
      create: [
        { imageId: "ami-b", key: cur },
        { imageId: "ami-a", key: prev },
      ],
      remove: [
        { imageId: "ami-a", key: cur },
        { imageId: "ami-z", key: prev },
      ],
    });
  });

  test("rollback B -> A: A current (its previous tag goes), B previous: the rollback target stays protected", () => {
    expect(planInUseMove(P, "ami-b", "ami-a", { current: ["ami-b"], previous: ["ami-a"] })).toEqual({
      create: [
        { imageId: "ami-a", key: cur },
        { imageId: "ami-b", key: prev },
      ],
      remove: [
        { imageId: "ami-b", key: cur },
        { imageId: "ami-a", key: prev },
      ],
    });
  });

  test("a first write tags only the new AMI; a repeated move changes nothing", () => {
    expect(planInUseMove(P, undefined, "ami-a", { current: [], previous: [] })).toEqual({ create: [{ imageId: "ami-a", key: cur }], remove: [] });
    expect(planInUseMove(P, "ami-a", "ami-b", { current: ["ami-b"], previous: ["ami-a"] })).toEqual({ create: [], remove: [] });
  });

  test("property: after the move exactly `to` is current and exactly `from` (if different) is previous", () => {
    const id = fc.constantFrom("ami-1", "ami-2", "ami-3", "ami-4");
    fc.assert(
      fc.property(fc.option(id, { nil: undefined }), id, fc.uniqueArray(id), fc.uniqueArray(id), (from, to, current, previous) => {
        const move = planInUseMove(P, from, to, { current, previous });
        const apply = (holders: readonly string[], key: string) => {
          const set = new Set(holders);
          for (const edit of move.remove) if (edit.key === key) set.delete(edit.imageId);
          for (const edit of move.create) if (edit.key === key) set.add(edit.imageId);
          return [...set].sort();
        };
        expect(apply(current, cur)).toEqual([to]);
        expect(apply(previous, prev)).toEqual(from !== undefined && from !== to ? [from] : []);
      }),
    );
  });
});

describe("one list of the tags a pointer writer owns", () => {
  const ROOT = join(__dirname, "../..");
  const CHANNELS = "ami-pointers/channels.ts";

  function sourceFiles(folder: string): string[] {
    return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
      .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
  }

  test("WRITER_TAG_KEYS is the build keys then the operator keys, each once", () => {
    expect(WRITER_TAG_KEYS).toEqual([...BUILD_TAG_KEYS, ...OPERATOR_TAG_KEYS]);
    expect(new Set(WRITER_TAG_KEYS).size).toBe(WRITER_TAG_KEYS.length);
  });

  test("no product file but channels.ts names the build or operator key lists: the stack, drift and the CLI use WRITER_TAG_KEYS", () => {
    // Prepare: every TypeScript file of the product (not the tests).
    const files = ["ami-pointers", "handlers", "stacks", "scripts", "cli", "config"].flatMap(sourceFiles);
    // Act
    const naming = files.filter((file) => file !== CHANNELS && /\b(BUILD_TAG_KEYS|OPERATOR_TAG_KEYS)\b/.test(readFileSync(join(ROOT, file), "utf8")));
    const users = files.filter((file) => /\b(WRITER_TAG_KEYS|isWriterTagKey)\b/.test(readFileSync(join(ROOT, file), "utf8")));
    // Assess
    expect(files).toContain(CHANNELS);
    expect(naming).toEqual([]);
    expect(users.sort()).toEqual([
      CHANNELS,
      "ami-pointers/newest-wins.ts",
      "cli/ami/change.ts",
      "scripts/pull-requests/drift.ts",
      "stacks/constructs/ami-loop.ts",
    ]);
  });
});
