/**
 * The one "did you mean" (config/did-you-mean.cjs) used by the configuration's checks and every command
 * line: the edges its mutation run left open (docs/mutation.md), and the distance's own laws.
 */
import fc from "fast-check";
import { closest, didYouMean, editDistance, nearest } from "../../config/did-you-mean.cjs";

describe("editDistance", () => {
  test("one insertion, deletion or substitution each", () => {
    expect(editDistance("us-est-1", "us-east-1")).toBe(1);
    expect(editDistance("stack", "stak")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });

  test("a metric: zero only for equal words, symmetric, the triangle inequality, at most the longer length", () => {
    const word = fc.string({ maxLength: 8 });
    fc.assert(
      fc.property(word, word, word, (a, b, c) => {
        expect(editDistance(a, b) === 0).toBe(a === b);
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, c)).toBeLessThanOrEqual(editDistance(a, b) + editDistance(b, c));
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});

describe("closest", () => {
  test("case is folded to lower case, as written: ß stays one letter (upper case would make it SS)", () => {
    expect(closest("STRASSE", ["straße"], 0, { ignoreCase: true })).toEqual([]);
    expect(closest("US-EST-1", ["us-east-1"], 1, { ignoreCase: true })).toEqual(["us-east-1"]);
    expect(closest("US-EST-1", ["us-east-1"], 1)).toEqual([]);
  });

  test("every candidate at the smallest distance, none past the limit", () => {
    expect(closest("us-est-1", ["us-east-1", "us-west-1", "eu-west-1"], 1)).toEqual(["us-east-1", "us-west-1"]);
    expect(closest("xyz", ["us-east-1"], 2)).toEqual([]);
  });
});

describe("nearest", () => {
  test("an empty word suggests nothing (every candidate would begin with it)", () => {
    expect(nearest("", ["env", "stack"])).toEqual([]);
  });

  test("no candidates, no suggestion", () => {
    expect(nearest("stack", [])).toEqual([]);
  });

  test("up to three candidates the word begins are suggested; a fourth makes the prefix say nothing", () => {
    expect(nearest("st", ["stack", "stage", "state", "env"])).toEqual(["stack", "stage", "state"]);
    expect(nearest("st", ["stack", "stage", "state", "stats"])).toEqual([]);
  });

  test("a typo in another case is still found", () => {
    expect(nearest("STAK", ["stack", "env"])).toEqual(["stack"]);
  });
});

test("didYouMean joins two suggestions with or", () => {
  expect(didYouMean("us-est-1", ["us-east-1", "us-west-1", "eu-central-1"])).toBe(" (did you mean us-east-1 or us-west-1?)");
  expect(didYouMean("zzzzzz", ["us-east-1"])).toBe("");
  expect(didYouMean("stak", ["stack"], (name) => `--${name}`)).toBe(" (did you mean --stack?)");
});
