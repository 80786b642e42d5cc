import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { CreateTagsCommand, DeleteTagsCommand, DescribeImagesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import type { SNSEvent } from "aws-lambda";
import fc from "fast-check";
import { handler } from "../../../handlers/ami-tracker/index";
import { parseMessage } from "../../../handlers/ami-tracker/message";
import { compareBuilds } from "../../../ami-pointers/build-order";
import { captureConsole, fixtureJson, lambdaContext, snsEvent } from "./support/events";
import { FakeSsm } from "./support/fake-ssm";

const AMI = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
const ssmMock = mockClient(SSMClient);
// The handler also moves the in-use tags of AMIs (in-use.test.ts shows how): here EC2 answers with no holder.
const ec2Mock = mockClient(EC2Client);
const savedEnv = { ...process.env };
let output: ReturnType<typeof captureConsole>;

beforeEach(() => {
  output = captureConsole();
  process.env.AWS_REGION = "us-east-1";
  process.env.TRACKED_REGIONS = "us-east-1,us-east-2,us-west-1";
  delete process.env.PARAMETER_NAME;
});
afterEach(() => {
  output.restore();
  process.env = { ...savedEnv };
});

/** Runs the real handler against a fresh stateful fake; returns the PutParameter values. */
async function run(event: unknown, account = "123456789012"): Promise<string[]> {
  ssmMock.reset();
  new FakeSsm().attach(ssmMock);
  ec2Mock.reset();
  ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
  ec2Mock.on(CreateTagsCommand).resolves({});
  ec2Mock.on(DeleteTagsCommand).resolves({});
  await handler(event as SNSEvent, lambdaContext(account));
  return ssmMock.commandCalls(PutParameterCommand).map((call) => String(call.args[0].input.Value));
}

type Json = Record<string, unknown> | unknown[];

/** Every path (list of keys) into a JSON value, parents before children. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== "object" || value === null) return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...paths(child, [...prefix, key])]);
}

function mutate(root: Json, path: Array<string | number>, replacement: unknown, drop: boolean): void {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    node = (node as Record<string | number, unknown>)[key];
    if (typeof node !== "object" || node === null) return;
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  const container = node as Record<string | number, unknown>;
  if (drop) delete container[last];
  else container[last] = replacement;
}

const amiLike = fc.oneof(fc.stringMatching(/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/), fc.stringMatching(/^ami-[0-9a-fA-F]{0,20}$/), fc.string());

const FIXTURES: Array<[string, string]> = [
  ["sns-message-available-docs.json", "123456789012"],
  ["sns-message-available-2020-no-accountid.json", "253121499730"],
  ["sns-message-available-multiaccount-multiregion.json", "526904826677"],
  ["sns-message-failed-docs.json", "123456789012"],
];

test("arbitrary strings as the SNS Message: never throws, writes nothing", async () => {
  await fc.assert(
    fc.asyncProperty(fc.string(), async (message) => {
      const values = await run(snsEvent(message));
      expect(values).toEqual([]);
    }),
    { numRuns: 200 },
  );
});

test("arbitrary JSON as the SNS Message: never throws, every written value is an AMI ID", async () => {
  await fc.assert(
    fc.asyncProperty(fc.jsonValue(), async (value) => {
      const values = await run(snsEvent(JSON.stringify(value)));
      expect(values.every((v) => AMI.test(v))).toBe(true);
    }),
    { numRuns: 200 },
  );
});

test("arbitrary values as the whole event or its records: never throws, writes nothing", async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.anything(), fc.record({ Records: fc.anything() }), fc.record({ Records: fc.array(fc.anything()) })), async (event) => {
      const values = await run(event);
      expect(values).toEqual([]);
    }),
    { numRuns: 200 },
  );
});

test("mutated fixture messages (dropped fields, changed types, random AMI IDs): never throws, only AMI IDs are written", async () => {
  const mutation = fc.record({ pick: fc.nat(), drop: fc.boolean(), value: fc.oneof(fc.jsonValue(), amiLike) });
  let writes = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...FIXTURES),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.array(amiLike, { maxLength: 5 }),
      async ([file, account], mutations, amiIds) => {
        // Prepare
        const message = fixtureJson(file);
        const resources = message.outputResources as { amis?: Array<Record<string, unknown>> } | undefined;
        amiIds.forEach((id, index) => {
          const ami = resources?.amis?.[index];
          if (ami !== undefined) ami.image = id;
        });
        for (const { pick, drop, value } of mutations) {
          const all = paths(message);
          const path = all[pick % all.length];
          if (path !== undefined) mutate(message, path, value, drop);
        }

        // Act
        const values = await run(snsEvent(JSON.stringify(message)), account);

        // Assess
        expect(values.every((v) => AMI.test(v))).toBe(true);
        writes += values.length;
      },
    ),
    { numRuns: 300 },
  );
  // Not vacuous: many mutations leave a writable message.
  expect(writes).toBeGreaterThan(0);
});

test("parseMessage classifies any text without throwing", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
      expect(["image", "eventbridge", "invalid"]).toContain(parseMessage(text).kind);
    }),
  );
});

test("compareBuilds orders like (major, minor, patch, build) as BigInts", () => {
  const part = fc.bigInt({ min: 0n, max: 2n ** 70n });
  const build = fc.record({ version: fc.tuple(part, part, part), buildVersion: fc.bigInt({ min: 1n, max: 2n ** 70n }) });
  fc.assert(
    fc.property(build, build, (a, b) => {
      const order = compareBuilds(a, b);
      expect(compareBuilds(b, a)).toBe(-order);
      const key = (x: typeof a) => [...x.version, x.buildVersion];
      const first = key(a).findIndex((v, i) => v !== key(b)[i]);
      const expected = first === -1 ? 0 : (key(a)[first] ?? 0n) < (key(b)[first] ?? 0n) ? -1 : 1;
      expect(order).toBe(expected);
    }),
  );
});
