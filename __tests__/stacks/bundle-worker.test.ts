import * as ec2 from "@aws-sdk/client-ec2";
import { buildSync } from "esbuild";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { bundleHandler, PROJECT_ROOT, runWorker, SCHEMA_KEY_PACKAGES } from "../../stacks/constructs/bundle";
import { inlineSchemaKeys, schemaFileFilter } from "../../stacks/constructs/bundle-worker";

/** A client's generated schemas, in the ES module build the handlers bundle. */
const schemasOf = (client: string) => join(PROJECT_ROOT, "node_modules", ...client.split("/"), "dist-es", "schemas", "schemas_0.js");
const EC2_SCHEMAS = schemasOf("@aws-sdk/client-ec2");

describe("inlineSchemaKeys", () => {
  test("writes a computed key that names a top-level string constant as that string", () => {
    // Prepare
    const source = ['const _xN = "xmlName";', 'const _eQN = "ec2QueryName";', "export var S = [3, n0, _S, 0, [_a], [[0, { [_eQN]: `Min`, [_xN]: _m }]]];"].join(
      "\n",
    );

    // Act
    const { text, replaced } = inlineSchemaKeys(source);

    // Assess
    expect(replaced).toBe(2);
    expect(text).toContain('{ "ec2QueryName": `Min`, "xmlName": _m }');
    expect(text).toContain("[_a]");
  });

  test("leaves keys alone that name anything else, and array elements that look like keys", () => {
    const source = ['const _a = "a";', "let _b = 'b';", "export var S = { [_b]: 1, [_c]: 2 };", "export var T = c ? [_a]: d;", "export var U = [_a];"].join(
      "\n",
    );

    const { text, replaced } = inlineSchemaKeys(source);

    expect(replaced).toBe(0);
    expect(text).toBe(source);
  });

  // Once the SDK writes literal keys itself, nothing is replaced here and the rewrite can go.
  test.each(SCHEMA_KEY_PACKAGES)("leaves no computed key in the schemas of %s", (client) => {
    const { text, replaced } = inlineSchemaKeys(readFileSync(schemasOf(client), "utf8"));

    expect(replaced).toBeGreaterThan(100);
    expect(text.match(/\[_\w+\]\s*:/g) ?? []).toEqual([]);
  });

  test("selects the schema files of the named packages only", () => {
    const filter = schemaFileFilter(["@aws-sdk/client-ec2"]);

    expect(filter.test(EC2_SCHEMAS)).toBe(true);
    expect(filter.test(EC2_SCHEMAS.replace("client-ec2", "client-eventbridge"))).toBe(false);
    expect(filter.test(EC2_SCHEMAS.replace("dist-es", "dist-cjs"))).toBe(false);
  });
});

/** Evaluates an ES module file (with what it imports) as CommonJS; `contents` replaces the file's text. */
function evaluate(file: string, contents: string): Record<string, unknown> {
  const output = buildSync({
    stdin: { contents, resolveDir: dirname(file), sourcefile: file, loader: "js" },
    bundle: true,
    platform: "node",
    format: "cjs",
    mainFields: ["module", "main"],
    write: false,
    logLevel: "error",
  });
  const module = { exports: {} as Record<string, unknown> };
  new Function("module", "exports", "require", output.outputFiles[0]?.text ?? "")(module, module.exports, require);
  return module.exports;
}

/** A schema as text: a lazy reference (`() => Shape`) is written as the name of the export it returns. */
function describeSchemas(exports: Record<string, unknown>): Map<string, string> {
  const names = new Map<unknown, string>(Object.entries(exports).map(([name, value]) => [value, name]));
  const write = (value: unknown): unknown => {
    if (typeof value === "function") return `=> ${names.get(value()) ?? "?"}`;
    if (Array.isArray(value)) return value.map(write);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, write(inner)]));
    return value;
  };
  return new Map(Object.entries(exports).map(([name, value]) => [name, JSON.stringify(write(value))]));
}

describe("a client's schemas with literal keys", () => {
  test.each(SCHEMA_KEY_PACKAGES)("are the same schemas as those of %s, export by export, key order included", (client) => {
    // Prepare
    const file = schemasOf(client);
    const source = readFileSync(file, "utf8");

    // Act
    const original = describeSchemas(evaluate(file, source));
    const inlined = describeSchemas(evaluate(file, inlineSchemaKeys(source).text));

    // Assess
    expect(original.size).toBeGreaterThan(100);
    expect([...inlined.keys()]).toEqual([...original.keys()]);
    const different = [...original].filter(([name, text]) => inlined.get(name) !== text).map(([name]) => name);
    expect(different).toEqual([]);
  });
});

interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

const IMAGES_XML = [
  '<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><imagesSet>',
  "<item><imageId>ami-0123456789abcdef0</imageId><name>golden 1.0.0/2</name><ownerId>123456789012</ownerId>",
  "<tagSet><item><key>InUse:/ec2-imagebuilder/latest</key><value>us-east-1</value></item></tagSet></item>",
  "</imagesSet></DescribeImagesResponse>",
].join("");
const TAGS_XML = '<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-2</requestId><return>true</return></CreateTagsResponse>';

/** The three calls the tracker makes (handlers/ami-tracker/in-use.ts), through a stub HTTP handler: what was sent, what was parsed. */
async function trackerCalls(sdk: typeof ec2): Promise<{ sent: SentRequest[]; images: unknown }> {
  const sent: SentRequest[] = [];
  const client = new sdk.EC2Client({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    requestHandler: {
      handle: async (request: { method: string; path: string; body?: unknown }) => {
        const body = String(request.body ?? "");
        sent.push({ method: request.method, path: request.path, body });
        const xml = body.includes("Action=DescribeImages") ? IMAGES_XML : TAGS_XML;
        return { response: { statusCode: 200, headers: { "content-type": "text/xml;charset=UTF-8" }, body: Readable.from([Buffer.from(xml)]) } };
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    },
  });
  const described = await client.send(
    new sdk.DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "tag-key", Values: ["InUse:/ec2-imagebuilder/latest"] }] }),
  );
  await client.send(new sdk.CreateTagsCommand({ Resources: ["ami-0123456789abcdef0"], Tags: [{ Key: "InUse:/ec2-imagebuilder/latest", Value: "us-east-1" }] }));
  await client.send(new sdk.DeleteTagsCommand({ Resources: ["ami-0123456789abcdef0"], Tags: [{ Key: "InUse:/ec2-imagebuilder/latest" }] }));
  return { sent, images: described.Images };
}

describe("the EC2 client bundled with literal schema keys", () => {
  // Bundles the EC2 client (a few seconds on a quiet machine): the timeout is a bound for a busy one, not a time goal.
  test("sends the same requests and parses the same answer as the SDK in node_modules", async () => {
    // Prepare: the client bundled as the handlers are, by the worker
    const scratch = mkdtempSync(join(tmpdir(), "bundle-worker-"));
    try {
      runWorker({
        options: {
          stdin: {
            contents: 'export { EC2Client, CreateTagsCommand, DeleteTagsCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";',
            resolveDir: PROJECT_ROOT,
            loader: "js",
          },
          bundle: true,
          platform: "node",
          target: "node22",
          format: "cjs",
          mainFields: ["module", "main"],
          outfile: join(scratch, "ec2.js"),
          absWorkingDir: PROJECT_ROOT,
          logLevel: "error",
        },
        schemaPackages: SCHEMA_KEY_PACKAGES,
      });
      const bundled = require(join(scratch, "ec2.js")) as typeof ec2;

      // Act
      const expected = await trackerCalls(ec2);
      const actual = await trackerCalls(bundled);

      // Assess
      expect(expected.sent.map((request) => request.body)).toEqual([
        expect.stringContaining("Action=DescribeImages"),
        expect.stringContaining("Action=CreateTags"),
        expect.stringContaining("Action=DeleteTags"),
      ]);
      expect(expected.images).toEqual([
        expect.objectContaining({ ImageId: "ami-0123456789abcdef0", Tags: [{ Key: "InUse:/ec2-imagebuilder/latest", Value: "us-east-1" }] }),
      ]);
      expect(actual).toEqual(expected);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 300_000);
});

describe("the tracker's bundle", () => {
  test("keeps the EC2 shapes of the calls it makes and drops the others", () => {
    // Act
    const bundle = bundleHandler("ami-tracker", "handlers/ami-tracker/index.ts");
    const code = readFileSync(join(bundle.directory, "index.js"), "utf8");

    // Assess
    for (const kept of ["CreateTagsRequest", "DeleteTagsRequest", "DescribeImagesRequest", "DescribeImagesResult"]) expect(code).toContain(`"${kept}"`);
    for (const dropped of ["RunInstancesRequest", "AllocateAddressRequest", "WithdrawByoipCidrResult"]) expect(code).not.toContain(`"${dropped}"`);
  });
});
