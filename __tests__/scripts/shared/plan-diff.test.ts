/**
 * The changed arguments of a resource change (scripts/shared/plan-diff.ts) and the escaping of plan text
 * into Markdown (scripts/pull-requests/lib/markdown.ts), on hand-made changes in the shape of `terraform show -json`
 * (https://developer.hashicorp.com/terraform/internals/json-format#change-representation) and on
 * arbitrary strings (fast-check).
 */
import fc from "fast-check";
import { code, escapeHtml, escapeMarkdown, fenced } from "../../../scripts/pull-requests/lib/markdown";
import { changedArguments, formatPath, SENSITIVE, shorten, UNKNOWN, VALUE_MAX } from "../../../scripts/shared/plan-diff";

describe("changed arguments", () => {
  test("nested leaves by path: a map key, a block's list item, an index", () => {
    const before = { tags: { Env: "dev", Name: "web" }, ingress: [{ cidr_blocks: ["10.0.0.0/16", "10.1.0.0/16"], from_port: 443 }] };
    const after = { tags: { Env: "prod", Name: "web" }, ingress: [{ cidr_blocks: ["10.0.0.0/16", "10.2.0.0/16"], from_port: 443 }] };
    expect(changedArguments({ actions: ["update"], before, after })).toEqual([
      { path: "ingress[0].cidr_blocks[1]", before: '"10.1.0.0/16"', after: '"10.2.0.0/16"', forcesReplacement: false },
      { path: "tags.Env", before: '"dev"', after: '"prod"', forcesReplacement: false },
    ]);
  });

  test("a key that is not an identifier is quoted; an added or removed key shows absent on one side", () => {
    const result = changedArguments({ actions: ["update"], before: { tags: { "a b": "1", gone: "x" } }, after: { tags: { "a b": "2", added: "y" } } });
    expect(result).toEqual([
      { path: 'tags["a b"]', before: '"1"', after: '"2"', forcesReplacement: false },
      { path: "tags.added", before: undefined, after: '"y"', forcesReplacement: false },
      { path: "tags.gone", before: '"x"', after: undefined, forcesReplacement: false },
    ]);
  });

  test("a sensitive value is a leaf: never read below, never shown, even when only part of it changes", () => {
    const result = changedArguments({
      actions: ["update"],
      before: { environment: [{ variables: { PASSWORD: "hunter2-old", MODE: "a" } }], name: "f" },
      after: { environment: [{ variables: { PASSWORD: "hunter2-new", MODE: "a" } }], name: "f" },
      before_sensitive: { environment: [{ variables: true }] },
      after_sensitive: { environment: [{ variables: true }] },
    });
    expect(result).toEqual([{ path: "environment[0].variables", before: SENSITIVE, after: SENSITIVE, forcesReplacement: false }]);
    expect(JSON.stringify(result)).not.toContain("hunter2");
  });

  test("property: no value under a sensitive mask ever reaches the result", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ minLength: 1 })), fc.string({ minLength: 6 }), (tags, secret) => {
        const result = changedArguments({
          actions: ["update"],
          before: { tags, token: `${secret}-before` },
          after: { tags: { ...tags, token: `${secret}-after` }, token: `${secret}-after` },
          before_sensitive: { token: true },
          after_sensitive: { token: true, tags: { token: true } },
        });
        const text = JSON.stringify(result);
        return !text.includes(JSON.stringify(`${secret}-before`).slice(1, -1)) && !text.includes(JSON.stringify(`${secret}-after`).slice(1, -1));
      }),
    );
  });

  test("unknown values: known after apply; a computed value with none before is shown only when nothing else changes", () => {
    expect(
      changedArguments({
        actions: ["update"],
        before: { value: "a", version: 3, arn: null },
        after: { value: "b", version: null, arn: null },
        after_unknown: { version: true, arn: true },
      }),
    ).toEqual([
      { path: "value", before: '"a"', after: '"b"', forcesReplacement: false },
      { path: "version", before: "3", after: UNKNOWN, forcesReplacement: false },
    ]);
    expect(changedArguments({ actions: ["update"], before: { egress: null }, after: { egress: null }, after_unknown: { egress: true } })).toEqual([
      { path: "egress", before: "null", after: UNKNOWN, forcesReplacement: false },
    ]);
  });

  test("a replacement: the paths in replace_paths first and marked, also a removed block with no leaf of its own", () => {
    const result = changedArguments({
      actions: ["delete", "create"],
      before: { name: "a", tags: { x: "1" }, block: [{ k: "v" }] },
      after: { name: "b", tags: { x: "2" }, block: [] },
      replace_paths: [["name"], ["block"]],
    });
    expect(result).toEqual([
      { path: "block[0]", before: '{"k":"v"}', after: undefined, forcesReplacement: true },
      { path: "name", before: '"a"', after: '"b"', forcesReplacement: true },
      { path: "tags.x", before: '"1"', after: '"2"', forcesReplacement: false },
    ]);
  });

  test("a create lists what it sets (no empty or unknown values); a delete lists nothing", () => {
    expect(changedArguments({ actions: ["create"], before: null, after: { name: "q", tags: {}, arn: null, delay: 0 }, after_unknown: { arn: true } })).toEqual([
      { path: "delay", before: undefined, after: "0", forcesReplacement: false },
      { path: "name", before: undefined, after: '"q"', forcesReplacement: false },
    ]);
    expect(changedArguments({ actions: ["delete"], before: { name: "q" }, after: null })).toEqual([]);
  });

  test("a string holding a JSON document (a policy): the changed leaves inside it; a string that is not JSON stays one value", () => {
    const policy = (actions: string[]): string => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] });
    expect(changedArguments({ actions: ["update"], before: { policy: policy(["s3:GetObject"]) }, after: { policy: policy(["s3:PutObject"]) } })).toEqual([
      { path: "policy (JSON) Statement[0].Action[0]", before: '"s3:GetObject"', after: '"s3:PutObject"', forcesReplacement: false },
    ]);
    expect(changedArguments({ actions: ["update"], before: { description: "{not json" }, after: { description: "{still not" } })).toEqual([
      { path: "description", before: '"{not json"', after: '"{still not"', forcesReplacement: false },
    ]);
  });

  test("long values are shortened with a marker saying how much was left out", () => {
    const long = "p".repeat(500);
    const [entry] = changedArguments({ actions: ["update"], before: { policy: long }, after: { policy: `${long}!` } });
    expect(entry?.before).toBe(`"${"p".repeat(VALUE_MAX - 1)}… (${502 - VALUE_MAX} more characters)`);
    expect(shorten("short")).toBe("short");
    expect(formatPath(["a", 0, "b-c", "d e"])).toBe('a[0].b-c["d e"]');
  });
});

describe("plan text into Markdown", () => {
  const SPECIAL = /[`|<>*_[\]\\~\n\r@]/;

  test("property: escaped text holds no character Markdown or HTML reads", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => !SPECIAL.test(escapeMarkdown(text))));
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => !/[<>\n\r"]/.test(escapeHtml(text))));
  });

  test("property: a code span is used only when the text cannot end it or split a table cell", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const rendered = code(text);
        if (rendered.startsWith("<code>")) return !SPECIAL.test(rendered.slice("<code>".length, -"</code>".length));
        return rendered === `\`${text}\`` && !/[`|\n\r]/.test(text);
      }),
    );
    expect(code("aws_s3_bucket.b")).toBe("`aws_s3_bucket.b`");
    expect(code('a["x` | </details>"]')).toBe("<code>a&#91;&quot;x&#96; &#124; &lt;/details&gt;&quot;&#93;</code>");
    expect(code('a["<b>"]', { html: true })).toBe("<code>a[&quot;&lt;b&gt;&quot;]</code>");
  });

  test("property: no text closes the fence around it", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 8 }), (text, run) => {
        const body = `${text}\n${"`".repeat(run)}\n${text}`;
        const block = fenced(body);
        const fence = /^`+/.exec(block)?.[0] ?? "";
        // A line of backticks at least as long as the fence would close it early (CommonMark, fenced code blocks).
        return body.split("\n").every((line) => !(line.trim().startsWith(fence) && /^`+$/.test(line.trim())));
      }),
    );
  });
});
