// Edges of the configuration's single-value checks (config/validators.ts): multi-part regions, the
// did-you-mean distance limit and its ties, every anchor and bound of the name patterns, empty and
// over-long values, each SSM parameter-name rule's own message. docs/mutation.md has the scores.
import fc from "fast-check";
import { AWS_REGIONS } from "../../aws/regions";
import { closest, editDistance } from "../../config/did-you-mean.cjs";
import {
  checkBucketName,
  checkLogRetention,
  checkNamePrefix,
  checkParameterName,
  checkRegion,
  checkTimeZone,
  NAME_PREFIX,
  nearest,
} from "../../config/validators";

const FIX = `use letters, digits and _ . - / only, starting with "/", e.g. "/ec2-imagebuilder/latest"`;
const ZONE_FIX = `write it like "Etc/UTC" or "Europe/Paris"`;

describe("checkRegion", () => {
  test.each(["us-gov-west-1", "us-gov-east-1", "ap-southeast-5", "cn-northwest-1", "us-east-1"])("the region %p is accepted", (region) => {
    expect(checkRegion(region)).toBeUndefined();
  });

  test("a typo of a multi-part region names it", () => {
    expect(checkRegion("us-gov-west-2")).toBe(`"us-gov-west-2" is not an AWS region (did you mean "us-gov-west-1"?)`);
  });

  test("every region at the smallest distance is offered, in the list's order, joined by or", () => {
    expect(checkRegion("us-east-7")).toBe(`"us-east-7" is not an AWS region (did you mean "us-east-1" or "us-east-2"?)`);
    expect(checkRegion("eu-west-9")).toBe(`"eu-west-9" is not an AWS region (did you mean "eu-west-1" or "eu-west-2" or "eu-west-3"?)`);
  });

  test("two edits away is still offered; nothing near gives an example instead", () => {
    expect(checkRegion("useast1")).toBe(`"useast1" is not an AWS region (did you mean "us-east-1"?)`);
    expect(checkRegion("xx-nowhere-9")).toBe(`"xx-nowhere-9" is not an AWS region (expected e.g. "us-east-1")`);
  });

  test("an empty string and upper case are refused (region codes are lower case)", () => {
    expect(checkRegion("")).toBe(`"" is not an AWS region (expected e.g. "us-east-1")`);
    expect(checkRegion("US-EAST-1")).toBe(`"US-EAST-1" is not an AWS region (expected e.g. "us-east-1")`);
  });

  test("an over-long value is shortened in the message", () => {
    const long = `us-east-1${"x".repeat(100)}`;

    expect(checkRegion(long)).toBe(`${JSON.stringify(long).slice(0, 57)}... is not an AWS region (expected e.g. "us-east-1")`);
  });

  test("property: every region with one character changed is refused and the region is among the suggestions", () => {
    fc.assert(
      fc.property(fc.constantFrom(...AWS_REGIONS), fc.nat(), fc.constantFrom("q", "7", "_"), (region, at, letter) => {
        const index = at % region.length;
        const typo = region.slice(0, index) + letter + region.slice(index + 1);
        fc.pre(!AWS_REGIONS.includes(typo));

        expect(checkRegion(typo)).toContain(`"${region}"`);
      }),
    );
  });
});

describe("nearest (the configuration's did-you-mean)", () => {
  test("at most two edits, all ties, case counted", () => {
    expect(nearest("abcd", ["abxy", "abcdxyz"])).toEqual(["abxy"]);
    expect(nearest("abcd", ["axyz"])).toEqual([]);
    expect(nearest("abc", ["abd", "xbc", "abcdef"])).toEqual(["abd", "xbc"]);
    expect(nearest("ABC", ["abc"])).toEqual([]);
    expect(nearest("abc", [])).toEqual([]);
  });
});

describe("the shared edit distance (config/did-you-mean.cjs)", () => {
  test.each([
    ["", "", 0],
    ["", "abc", 3],
    ["abc", "", 3],
    ["abc", "abc", 0],
    ["abc", "abd", 1],
    ["abc", "ab", 1],
    ["ab", "abc", 1],
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
  ])("editDistance(%p, %p) is %p", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });

  test("property: a distance, symmetric, zero only for equal strings, at most the longer length", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const distance = editDistance(a, b);

        expect(distance).toBe(editDistance(b, a));
        expect(distance === 0).toBe(a === b);
        expect(distance).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(distance).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      }),
    );
  });

  test("closest: the limit is inclusive, ignoreCase folds both sides and returns the candidates as written", () => {
    expect(closest("abc", ["abx"], 1)).toEqual(["abx"]);
    expect(closest("abc", ["axy"], 1)).toEqual([]);
    expect(closest("ABC", ["abc", "abd"], 0, { ignoreCase: true })).toEqual(["abc"]);
    expect(closest("ABC", ["abc"], 0)).toEqual([]);
  });
});

describe("checkTimeZone", () => {
  test.each(["Etc/UTC", "UTC", "UCT", "GMT", "Universal", "Zulu", "Greenwich", "Etc/Zulu", "Etc/GMT+1", "Etc/GMT-1", "Etc/GMT+10", "Etc/GMT+14", "Etc/GMT-14"])(
    "the UTC name %p is accepted",
    (zone) => {
      expect(checkTimeZone(zone)).toBeUndefined();
    },
  );

  test.each(["Europe/Paris", "America/Indiana/Knox", "US/Eastern", "america/new_york", "America/Argentina/Buenos_Aires"])(
    "%p (canonical, or an alias Intl resolves, of up to three parts) is accepted",
    (zone) => {
      expect(checkTimeZone(zone)).toBeUndefined();
    },
  );

  test.each(["Etc/GMT+15", "Etc/GMT-15", "xUTC", "UTCx", "Etc/UTCx", "Etc/GMT+", "", "Mars/Olympus", "+05:00"])("%p is refused with an example", (zone) => {
    expect(checkTimeZone(zone)).toBe(`${JSON.stringify(zone)} is not an IANA time zone (${ZONE_FIX})`);
  });

  // Intl resolves these legacy names, but they are not Area/Location names: the check asks for one.
  test.each(["EST5EDT", "GMT+0", "GMT0"])("the legacy name %p that Intl takes is refused", (zone) => {
    expect(checkTimeZone(zone)).toMatch(/ is not an IANA time zone \(/);
  });

  test("the Etc/GMT offsets are read whole: a letter for the hours, or text before, is refused", () => {
    expect(checkTimeZone("Etc/GMT+x")).toBe(`"Etc/GMT+x" is not an IANA time zone (${ZONE_FIX})`);
    expect(checkTimeZone("xEtc/GMT+5")).toBe(`"xEtc/GMT+5" is not an IANA time zone (${ZONE_FIX})`);
  });

  test("the UTC names are accepted without Intl.DateTimeFormat, which loads ICU's date data", () => {
    const format = jest.spyOn(Intl, "DateTimeFormat");
    try {
      for (const zone of ["UTC", "Etc/UTC", "GMT", "Zulu", "Etc/GMT+5", "Etc/GMT-14"]) expect(checkTimeZone(zone)).toBeUndefined();

      expect(format).not.toHaveBeenCalled();
    } finally {
      format.mockRestore();
    }
  });

  test("ties are all offered, joined by or", () => {
    expect(checkTimeZone("Africa/Asme")).toBe(`"Africa/Asme" is not an IANA time zone (did you mean "Africa/Asmera" or "Africa/Lome"?)`);
  });

  test("a typo names the nearest zone", () => {
    expect(checkTimeZone("Europe/Pari")).toBe(`"Europe/Pari" is not an IANA time zone (did you mean "Europe/Paris"?)`);
    expect(checkTimeZone("Europe/Paris/x")).toBe(`"Europe/Paris/x" is not an IANA time zone (did you mean "Europe/Paris"?)`);
  });
});

describe("checkParameterName: each rule's own message", () => {
  const both = (value: string) => [checkParameterName(value, { allowPlaceholders: true }), checkParameterName(value, { allowPlaceholders: false })];

  test.each([
    ["", `"" is empty; ${FIX}`],
    [" ", `" " is empty; ${FIX}`],
    ["/a/b!", `"/a/b!" has characters SSM rejects; ${FIX}`],
    ["a/b", `"a/b" has levels but does not start with "/"; ${FIX}`],
    ["/aws/x", `"/aws/x" starts with "aws" or "ssm", which SSM reserves; choose another first level`],
    ["/a//b", `"/a//b" has an empty level; ${FIX}`],
    [`/${"a/".repeat(15)}b`, `"/${"a/".repeat(15)}b" has more than 15 levels, the SSM limit`],
    ["/a/{x}", `"/a/{x}" has unknown placeholder {x}; only {pipeline} and {image} exist`],
    ["/a/{}/{y}", `"/a/{}/{y}" has unknown placeholder {}, {y}; only {pipeline} and {image} exist`],
  ])("%p: %s", (value, message) => {
    expect(both(value)).toEqual([message, message]);
  });

  test("an over-long name is refused with the limit, the value shortened", () => {
    const long = `/${"a".repeat(2048)}`;

    expect(both(long)).toEqual(Array(2).fill(`"/${"a".repeat(55)}... is longer than 1011 characters, the SSM limit`));
  });

  test("the placeholders are the tracker's only: refused in a fixed name, accepted in a template", () => {
    expect(both("/a/{pipeline}")).toEqual([undefined, `"/a/{pipeline}" has a placeholder, which only the tracker can fill in; name one fixed parameter`]);
    expect(both("{image}")).toEqual([undefined, `"{image}" has a placeholder, which only the tracker can fill in; name one fixed parameter`]);
    expect(both("/ec2-imagebuilder/latest")).toEqual([undefined, undefined]);
  });

  test("a placeholder stands for one level's characters: the rules apply to what is around it", () => {
    expect(checkParameterName("{pipeline}/{image}", { allowPlaceholders: true })).toBe(`"{pipeline}/{image}" has levels but does not start with "/"; ${FIX}`);
    expect(checkParameterName("/a/{pipeline}{image}", { allowPlaceholders: true })).toBeUndefined();
  });
});

describe("checkBucketName", () => {
  const refused = (value: string) =>
    `${JSON.stringify(value).length > 60 ? `${JSON.stringify(value).slice(0, 57)}...` : JSON.stringify(value)} is not a valid S3 bucket name (3-63 lowercase letters, digits, "." or "-")`;

  test.each(["abc", "a".repeat(63), "a.b-c", "1bc"])("%p is accepted", (value) => {
    expect(checkBucketName(value)).toBeUndefined();
  });

  test.each(["", "ab", "a".repeat(64), "a..b", "-ab", "ab-", "Abc", "a_b", " abc", "abc "])("%p is refused", (value) => {
    expect(checkBucketName(value)).toBe(refused(value));
  });
});

describe("checkNamePrefix and NAME_PREFIX", () => {
  const message = (value: string) => `${JSON.stringify(value)} must be 1-24 lowercase letters, digits or "-", starting with a letter, e.g. "ssm-patterns"`;

  test.each(["a", "ab", "a1", "a-b", "a".repeat(24)])("%p is accepted", (value) => {
    expect(checkNamePrefix(value)).toBeUndefined();
  });

  test.each(["", "a".repeat(25), "a-", "1a", "-a", "A", "a_b", "xa-", " a", "a "])("%p is refused", (value) => {
    expect(checkNamePrefix(value)).toBe(message(value));
  });

  test("property: anything before or after a valid prefix that is not a letter, digit or - makes it invalid (both anchors)", () => {
    fc.assert(
      fc.property(fc.constantFrom("_", " ", "/", ".", "A", "\n"), fc.boolean(), (extra, before) => {
        expect(NAME_PREFIX.test(before ? `${extra}ab` : `ab${extra}`)).toBe(false);
      }),
    );
  });
});

describe("checkLogRetention", () => {
  test("the first and last values CloudWatch Logs takes are accepted; a value between them is refused with the list", () => {
    expect(checkLogRetention(1)).toBeUndefined();
    expect(checkLogRetention(3653)).toBeUndefined();
    expect(checkLogRetention(2)).toBe(
      "2 is not a retention CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    );
    expect(checkLogRetention(0)).toMatch(/^0 is not a retention CloudWatch Logs accepts; use one of 1, 3, /);
  });
});
