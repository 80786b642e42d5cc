// Edges of the build order (ami-pointers/build-order.ts): corrupt IMAGE_VERSION / IMAGE_BUILD_VERSION tags,
// two-digit and 64-digit parts, both anchors of each pattern, and the order as a total order.
// The decision tests are in __tests__/handlers/ami-tracker/ordering.test.ts; docs/mutation.md has the scores.
import fc from "fast-check";
import { type BuildOrder, compareBuilds, parseBuildOrder, parseVersion } from "../../ami-pointers/build-order";

/** Text that adds at least one non-digit: a digit alone would only make another valid number. */
const notOnlyDigits = fc.string({ minLength: 1, maxLength: 4 }).filter((text) => /\D/.test(text));

function order(version: string, buildVersion: string): BuildOrder {
  const parsed = parseBuildOrder(version, buildVersion);
  if (parsed === undefined) throw new Error(`${version}/${buildVersion} must parse`);
  return parsed;
}

describe("parseVersion", () => {
  test("a two-digit major version reads as that number", () => {
    expect(parseVersion("10.2.0")).toEqual([10n, 2n, 0n]);
  });

  test("leading zeros read as the number (Image Builder never writes them; a hand-edited tag may)", () => {
    expect(parseVersion("01.002.0003")).toEqual([1n, 2n, 3n]);
  });

  test("a part of 64 digits is read exactly; 65 digits is refused", () => {
    // Prepare
    const digits64 = "9".repeat(64);

    // Act + Assess
    expect(parseVersion(`${digits64}.0.1`)).toEqual([10n ** 64n - 1n, 0n, 1n]);
    expect(parseVersion(`1.${digits64}.1`)).toEqual([1n, 10n ** 64n - 1n, 1n]);
    expect(parseVersion(`1.0.${digits64}`)).toEqual([1n, 0n, 10n ** 64n - 1n]);
    expect(parseVersion(`1${digits64}.0.0`)).toBeUndefined();
    expect(parseVersion(`1.1${digits64}.0`)).toBeUndefined();
    expect(parseVersion(`1.0.1${digits64}`)).toBeUndefined();
  });

  test.each(["", " ", "1..0", ".1.0", "1.0.", "1,0,0", "1 .0.0", "1.0.0\n", "a1.0.0", "1.0.0a", "1.0.0/3", "٣.0.0"])("%p is refused", (text) => {
    expect(parseVersion(text)).toBeUndefined();
  });

  test("property: anything before or after a valid version makes it unreadable (both anchors hold)", () => {
    fc.assert(
      fc.property(notOnlyDigits, fc.boolean(), (extra, before) => {
        expect(parseVersion(before ? `${extra}1.2.3` : `1.2.3${extra}`)).toBeUndefined();
      }),
    );
  });
});

describe("parseBuildOrder: the IMAGE_VERSION and IMAGE_BUILD_VERSION tags read back", () => {
  test("the smallest and a two-digit build number", () => {
    expect(parseBuildOrder("1.0.0", "1")).toEqual({ version: [1n, 0n, 0n], buildVersion: 1n });
    expect(parseBuildOrder("1.0.0", "10")).toEqual({ version: [1n, 0n, 0n], buildVersion: 10n });
  });

  test("a build number of 64 digits is read exactly; 65 digits is refused", () => {
    expect(parseBuildOrder("1.0.0", "9".repeat(64))).toEqual({ version: [1n, 0n, 0n], buildVersion: 10n ** 64n - 1n });
    expect(parseBuildOrder("1.0.0", "1".repeat(65))).toBeUndefined();
  });

  test.each(["", "0", "00", "01", "-1", "+1", "1.0", "3 ", " 3", "3a", "a3", "1e3", "0x10", "٣"])("a corrupt build-number tag %p gives no order", (build) => {
    expect(parseBuildOrder("1.0.0", build)).toBeUndefined();
  });

  test("a corrupt version tag gives no order, whatever the build number", () => {
    expect(parseBuildOrder("1.0", "3")).toBeUndefined();
    expect(parseBuildOrder("", "3")).toBeUndefined();
  });

  test("both tags missing gives no order", () => {
    expect(parseBuildOrder(undefined, undefined)).toBeUndefined();
  });

  test("property: anything before or after a valid build number makes it unreadable (both anchors hold)", () => {
    fc.assert(
      fc.property(notOnlyDigits, fc.boolean(), (extra, before) => {
        expect(parseBuildOrder("1.0.0", before ? `${extra}7` : `7${extra}`)).toBeUndefined();
      }),
    );
  });
});

describe("compareBuilds", () => {
  test.each([
    ["10.0.0", "1", "9.0.0", "1", 1],
    ["9.0.0", "1", "10.0.0", "1", -1],
    ["1.10.0", "1", "1.9.0", "1", 1],
    ["1.9.0", "1", "1.10.0", "1", -1],
    ["1.0.9", "1", "1.0.10", "1", -1],
    ["1.0.0", "10", "1.0.0", "9", 1],
    ["1.0.0", "9", "1.0.0", "10", -1],
    ["1.2.3", "4", "1.2.3", "4", 0],
    ["2.0.0", "1", "1.0.0", "99", 1],
    ["1.0.0", "99", "2.0.0", "1", -1],
  ])("%s/%s vs %s/%s -> %i", (va, ba, vb, bb, expected) => {
    expect(compareBuilds(order(va, ba), order(vb, bb))).toBe(expected);
  });

  test("property: the order is the lexicographic order of (major, minor, patch, build), as numbers", () => {
    const part = fc.bigInt({ min: 0n, max: 2n ** 70n });
    const build = fc.bigInt({ min: 1n, max: 2n ** 70n });
    const key = fc.tuple(part, part, part, build);
    fc.assert(
      fc.property(key, key, (a, b) => {
        // Prepare
        const left = order(`${a[0]}.${a[1]}.${a[2]}`, `${a[3]}`);
        const right = order(`${b[0]}.${b[1]}.${b[2]}`, `${b[3]}`);
        const firstDifference = a.findIndex((value, index) => value !== b[index]);
        const expected = firstDifference === -1 ? 0 : (a[firstDifference] ?? 0n) < (b[firstDifference] ?? 0n) ? -1 : 1;

        // Act + Assess
        expect(compareBuilds(left, right)).toBe(expected);
      }),
    );
  });
});
