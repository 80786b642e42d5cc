// Edges of the Image Builder message parser: null optional fields, empty and over-long values, pattern
// anchors, exact reasons. Each test here kills mutants of handlers/ami-tracker/message.ts that the
// decision tests let through (docs/mutation.md).
import fc from "fast-check";
import { classify, parseMessage, type ParsedMessage } from "../../../handlers/ami-tracker/message";
import { fixtureJson, fixtureText } from "./support/events";

type Json = Record<string, unknown>;

/** A fixture with one change applied to the message and its first AMI (if any). */
function fixtureWith(file: string, change: (message: Json, ami: Json) => void): string {
  const message = fixtureJson(file);
  const output = message.outputResources as { amis: Json[] } | undefined;
  change(message, output?.amis[0] ?? {});
  return JSON.stringify(message);
}

const docsWith = (change: (message: Json, ami: Json) => void): string => fixtureWith("sns-message-available-docs.json", change);
const failedWith = (change: (message: Json) => void): string => fixtureWith("sns-message-failed-docs.json", change);

function image(parsed: ParsedMessage) {
  if (parsed.kind !== "image") throw new Error(`expected an image, got ${JSON.stringify(parsed)}`);
  return parsed.image;
}

function reason(parsed: ParsedMessage): string {
  if (parsed.kind !== "invalid") throw new Error(`expected invalid, got ${JSON.stringify(parsed)}`);
  return parsed.reason;
}

const DOCS_ARN = "arn:aws:imagebuilder:us-west-1:123456789012:image/example-linux-image/1.0.0/3";
const DOCS_AMI = "ami-01a23bc4def5a6789";

describe("null optional fields are absent, not invalid", () => {
  test("sourcePipelineArn null (a build no pipeline started) reads as undefined", () => {
    // Act
    const parsed = parseMessage(docsWith((m) => (m.sourcePipelineArn = null)));

    // Assess
    expect(image(parsed).sourcePipelineArn).toBeUndefined();
  });

  test("accountId null on an AMI reads as undefined", () => {
    const parsed = parseMessage(docsWith((_, ami) => (ami.accountId = null)));
    expect(image(parsed).amis).toEqual([{ region: "us-west-1", image: DOCS_AMI, name: "example-linux-image 2022-07-28T01-14-17.416Z", accountId: undefined }]);
  });

  test("the 2020 message, whose AMIs have no accountId, parses with accountId undefined", () => {
    const parsed = parseMessage(fixtureText("sns-message-available-2020-no-accountid.json"));
    expect(image(parsed).amis).toEqual([
      { region: "us-east-1", image: "ami-09ad59d64cfd44c8f", name: "image-builder9-Recipe 2020-06-30T04-52-02.140Z", accountId: undefined },
    ]);
  });

  test.each([
    ["state.reason null", (m: Json) => ((m.state as Json).reason = null), { reason: undefined }],
    ["imageRecipe null", (m: Json) => (m.imageRecipe = null), { recipeName: undefined }],
    ["imageRecipe missing", (m: Json) => delete m.imageRecipe, { recipeName: undefined }],
    ["imageRecipe.name null", (m: Json) => ((m.imageRecipe as Json).name = null), { recipeName: undefined }],
    ["imageRecipe.name empty", (m: Json) => ((m.imageRecipe as Json).name = ""), { recipeName: undefined }],
    ["imageRecipe.name a number", (m: Json) => ((m.imageRecipe as Json).name = 7), { recipeName: undefined }],
    ["imageRecipe.name an array", (m: Json) => ((m.imageRecipe as Json).name = ["amjule-barebones-linux"]), { recipeName: undefined }],
    ["outputResources.amis null", (m: Json) => (m.outputResources = { amis: null }), { amis: [] }],
    ["outputResources without amis", (m: Json) => (m.outputResources = {}), { amis: [] }],
  ])("%s", (_, change, expected) => {
    // Act
    const parsed = parseMessage(docsWith(change));

    // Assess
    expect(image(parsed)).toMatchObject(expected);
  });

  test("a FAILED message with outputResources null is still a FAILED image, not an invalid message", () => {
    const parsed = parseMessage(failedWith((m) => (m.outputResources = null)));
    expect(image(parsed)).toMatchObject({ status: "FAILED", reason: "Image Failure reason.", amis: [] });
  });

  test("a FAILED message without outputResources is a FAILED image with no AMIs", () => {
    const parsed = parseMessage(failedWith((m) => delete m.outputResources));
    expect(image(parsed)).toMatchObject({ status: "FAILED", amis: [] });
  });

  test("a FAILED message that lists an AMI keeps it (the AMIs are parsed whenever outputResources is there)", () => {
    const parsed = parseMessage(failedWith((m) => (m.outputResources = { amis: [{ region: "us-west-1", image: DOCS_AMI, name: "partial" }] })));
    expect(image(parsed).amis).toEqual([{ region: "us-west-1", image: DOCS_AMI, name: "partial", accountId: undefined }]);
  });

  test("a FAILED message with a malformed AMI in outputResources is invalid", () => {
    const parsed = parseMessage(failedWith((m) => (m.outputResources = { amis: [{ region: "us-west-1", image: "ami-x", name: "partial" }] })));
    expect(reason(parsed)).toBe('outputResources.amis[0].image "ami-x" is not an AMI ID (ami- and 8 or 17 lowercase hex digits)');
  });

  test("AVAILABLE with outputResources null is invalid: an available build must say where its AMIs are", () => {
    const parsed = parseMessage(docsWith((m) => (m.outputResources = null)));
    expect(reason(parsed)).toBe("outputResources is not an object");
  });
});

describe("exact reasons name the field", () => {
  test.each([
    ["no arn", docsWith((m) => delete m.arn), "arn is not a non-empty string"],
    ["an empty name", docsWith((m) => (m.name = "")), "name is not a non-empty string"],
    ["no version", docsWith((m) => delete m.version), "version is not a non-empty string"],
    ["an empty state.status", docsWith((m) => ((m.state as Json).status = "")), "state.status is not a non-empty string"],
    ["state null", docsWith((m) => (m.state = null)), "state is not an object"],
    ["state an array", docsWith((m) => (m.state = [])), "state is not an object"],
    ["sourcePipelineArn empty", docsWith((m) => (m.sourcePipelineArn = "")), "sourcePipelineArn is not a non-empty string"],
    ["an AMI that is null", docsWith((m) => (m.outputResources = { amis: [null] })), "outputResources.amis[0] is not an object"],
    ["an AMI that is text", docsWith((m) => (m.outputResources = { amis: ["ami-01a23bc4def5a6789"] })), "outputResources.amis[0] is not an object"],
    [
      "the second AMI without an image",
      docsWith((m, ami) => (m.outputResources = { amis: [ami, { region: "us-east-1", name: "x" }] })),
      "outputResources.amis[1].image is not a non-empty string",
    ],
    ["an AMI without a region", docsWith((_, ami) => delete ami.region), "outputResources.amis[0].region is not a non-empty string"],
    ["an AMI with an empty name", docsWith((_, ami) => (ami.name = "")), "outputResources.amis[0].name is not a non-empty string"],
    ["an accountId of 11 digits", docsWith((_, ami) => (ami.accountId = "12345678901")), "outputResources.amis[0].accountId is not a 12-digit account ID"],
    ["buildVersion 2^53 (not a safe integer)", docsWith((m) => (m.buildVersion = 2 ** 53)), "buildVersion is not a positive integer"],
    ["buildVersion -1", docsWith((m) => (m.buildVersion = -1)), "buildVersion is not a positive integer"],
    ["a two-part version", docsWith((m) => (m.version = "10.2")), 'version "10.2" is not MAJOR.MINOR.PATCH'],
  ])("%s", (_, text, expected) => {
    // Act
    const parsed = parseMessage(text);

    // Assess
    expect(reason(parsed)).toBe(expected);
  });

  test("Sns.Message that is not a string", () => {
    expect(parseMessage(undefined)).toEqual({ kind: "invalid", reason: "Sns.Message is not a string" });
    expect(parseMessage({ arn: DOCS_ARN })).toEqual({ kind: "invalid", reason: "Sns.Message is not a string" });
  });

  test("a JSON null message", () => {
    expect(classify(null)).toEqual({ kind: "invalid", reason: "message is not a JSON object" });
  });

  test("a value that is not AMI-shaped is quoted in the reason, cut to 40 characters", () => {
    // Prepare
    const long = `ami-${"z".repeat(100)}`;

    // Act
    const parsed = parseMessage(docsWith((_, ami) => (ami.image = long)));

    // Assess
    expect(reason(parsed)).toBe(`outputResources.amis[0].image "${long.slice(0, 40)}" is not an AMI ID (ami- and 8 or 17 lowercase hex digits)`);
  });

  test("a region that is not region-shaped is quoted in the reason, cut to 40 characters", () => {
    const long = `us-${"x".repeat(100)}`;
    const parsed = parseMessage(docsWith((_, ami) => (ami.region = long)));
    expect(reason(parsed)).toBe(`outputResources.amis[0].region "${long.slice(0, 40)}" is not a region`);
  });

  test("a version that is not MAJOR.MINOR.PATCH is quoted in the reason, cut to 40 characters", () => {
    const long = "1.".repeat(60);
    const parsed = parseMessage(docsWith((m) => (m.version = long)));
    expect(reason(parsed)).toBe(`version "${long.slice(0, 40)}" is not MAJOR.MINOR.PATCH`);
  });
});

describe("lengths: empty, the limit, one over", () => {
  test("buildVersion 1, the smallest, is accepted", () => {
    expect(image(parseMessage(docsWith((m) => (m.buildVersion = 1)))).buildVersion).toBe(1);
  });

  test("a two-digit major version is kept as written", () => {
    const parsed = parseMessage(docsWith((m) => (m.version = "10.0.12")));
    expect(image(parsed).version).toBe("10.0.12");
  });

  test("a name of 2048 characters is accepted, 2049 is not", () => {
    expect(image(parseMessage(docsWith((m) => (m.name = "n".repeat(2048))))).name).toHaveLength(2048);
    expect(reason(parseMessage(docsWith((m) => (m.name = "n".repeat(2049)))))).toBe("name is longer than 2048 characters");
  });

  test("an over-long AMI name is refused with the field's path", () => {
    const parsed = parseMessage(docsWith((_, ami) => (ami.name = "n".repeat(5000))));
    expect(reason(parsed)).toBe("outputResources.amis[0].name is longer than 2048 characters");
  });

  test("an over-long state.reason and recipe name are cut to 2048 characters, not refused", () => {
    // Act
    const parsed = parseMessage(
      docsWith((m) => {
        (m.state as Json).reason = "r".repeat(3000);
        (m.imageRecipe as Json).name = "p".repeat(3000);
      }),
    );

    // Assess
    expect(image(parsed)).toMatchObject({ reason: "r".repeat(2048), recipeName: "p".repeat(2048) });
  });
});

describe("pattern anchors: a valid value with anything before or after it is refused", () => {
  const junk = fc.string({ minLength: 1, maxLength: 5 }).filter((s) => /\S/.test(s));

  test("AMI ID", () => {
    fc.assert(
      fc.property(junk, fc.boolean(), (extra, before) => {
        // Prepare
        const value = before ? `${extra}${DOCS_AMI}` : `${DOCS_AMI}${extra}`;

        // Act
        const parsed = parseMessage(docsWith((_, ami) => (ami.image = value)));

        // Assess
        expect(reason(parsed)).toMatch(/^outputResources\.amis\[0\]\.image ".*" is not an AMI ID/s);
      }),
    );
  });

  test("account ID", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-z]{1,3}$/), fc.boolean(), (extra, before) => {
        const value = before ? `${extra}123456789012` : `123456789012${extra}`;
        const parsed = parseMessage(docsWith((_, ami) => (ami.accountId = value)));
        expect(reason(parsed)).toBe("outputResources.amis[0].accountId is not a 12-digit account ID");
      }),
    );
  });

  test("image ARN: anything before it, or a second word after it", () => {
    fc.assert(
      fc.property(junk, fc.boolean(), (extra, before) => {
        const value = before ? `${extra}${DOCS_ARN}` : `${DOCS_ARN} ${extra}`;
        const parsed = parseMessage(docsWith((m) => (m.arn = value)));
        expect(reason(parsed)).toBe("arn is not an Image Builder image ARN");
      }),
    );
  });
});

describe("partitions and regions of more than one word", () => {
  test("an AMI in us-gov-west-1 from an aws-us-gov image ARN is accepted", () => {
    // Prepare
    const arn = "arn:aws-us-gov:imagebuilder:us-gov-west-1:123456789012:image/example-linux-image/1.0.0/3";

    // Act
    const parsed = parseMessage(
      docsWith((m, ami) => {
        m.arn = arn;
        ami.region = "us-gov-west-1";
      }),
    );

    // Assess
    expect(image(parsed)).toMatchObject({ arn, amis: [{ region: "us-gov-west-1" }] });
  });
});

describe("EventBridge events", () => {
  const event = (): Json => fixtureJson("eventbridge-image-state-change-docs.json");

  test("another detail-type is invalid, named (cut to 100 characters) in the reason", () => {
    // Prepare
    const detailType = `EC2 Image Builder Workflow Step ${"x".repeat(200)}`;

    // Act
    const parsed = classify({ ...event(), "detail-type": detailType });

    // Assess
    expect(parsed).toEqual({ kind: "invalid", reason: `unexpected EventBridge event "${detailType.slice(0, 100)}"` });
  });

  test("resources keeps the strings only, in order", () => {
    const arn = "arn:aws:imagebuilder:us-west-2:111122223333:image/x/1.0.0/1";
    const parsed = classify({ ...event(), resources: [7, arn, null, "second"] });
    expect(parsed).toEqual({ kind: "eventbridge", detailType: "EC2 Image Builder Image State Change", resources: [arn, "second"] });
  });

  test("resources that is not an array reads as none", () => {
    expect(classify({ ...event(), resources: "arn:aws:imagebuilder:us-west-2:111122223333:image/x/1.0.0/1" })).toMatchObject({ resources: [] });
  });
});

test("an error that is not about the message (a bug) is thrown, not reported as an invalid message", () => {
  // Prepare: a getter stands in for a programming error inside the parse.
  const value = JSON.parse(fixtureText("sns-message-available-docs.json")) as Json;
  Object.defineProperty(value, "state", {
    get() {
      throw new RangeError("bug");
    },
  });

  // Act + Assess
  expect(() => classify(value)).toThrow(RangeError);
});
