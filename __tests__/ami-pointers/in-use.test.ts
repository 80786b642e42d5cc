import { IN_USE_TAG_VALUE, inUseExclusionTags, inUseTagKey } from "../../ami-pointers/in-use";

describe("in-use tag keys", () => {
  test("a short pointer name is kept whole, one key per role", () => {
    expect(inUseTagKey("/ec2-imagebuilder/latest", "current")).toBe("ami-loop:current:/ec2-imagebuilder/latest");
    expect(inUseTagKey("/ec2-imagebuilder/latest", "previous")).toBe("ami-loop:previous:/ec2-imagebuilder/latest");
  });

  test("a long name fits in 128 characters, stays distinct from a name sharing its tail, and is stable", () => {
    const tail = "/x".repeat(200);
    const a = inUseTagKey(`/a${tail}`, "previous");
    const b = inUseTagKey(`/b${tail}`, "previous");
    expect(a.length).toBeLessThanOrEqual(128);
    expect(b.length).toBeLessThanOrEqual(128);
    expect(a).not.toBe(b);
    expect(inUseTagKey(`/a${tail}`, "previous")).toBe(a);
    // Both patterns Image Builder documents for a lifecycle exclusion tag key (API_LifecyclePolicyDetailExclusionRules).
    expect(a).toMatch(/^(?!aws:)[a-zA-Z0-9\s_.:/=+\-@]{1,128}$/);
    expect(a).toMatch(/^(?!aws:)[a-zA-Z+-=._:/]{1,128}$/);
  });

  test("keys match what EC2 and Image Builder accept in a tag key", () => {
    const key = inUseTagKey("/golden-ami/al2023/stable", "current");
    expect(key).toMatch(/^(?!aws:)[a-zA-Z0-9\s_.:/=+\-@]{1,128}$/);
  });

  test("the exclusion tags hold both roles of every pointer", () => {
    expect(inUseExclusionTags(["/p/latest", "/p/stable"])).toEqual({
      "ami-loop:current:/p/latest": IN_USE_TAG_VALUE,
      "ami-loop:previous:/p/latest": IN_USE_TAG_VALUE,
      "ami-loop:current:/p/stable": IN_USE_TAG_VALUE,
      "ami-loop:previous:/p/stable": IN_USE_TAG_VALUE,
    });
  });
});
