/**
 * A stateful fake of the five Parameter Store calls the tracker makes, with two adapters:
 * aws-sdk-client-mock (replaces `send`) and a stub HTTP `requestHandler` (goes through the real
 * SDK middleware, retries included).
 */
import { Readable } from "node:stream";
import {
  AddTagsToResourceCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMServiceException,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type SSMClientResolvedConfig,
} from "@aws-sdk/client-ssm";
import { HttpResponse, type HttpRequest } from "@smithy/protocol-http";
import type { AwsStub } from "aws-sdk-client-mock";

export type Operation = "ListTagsForResource" | "PutParameter" | "GetParameter" | "GetParameterHistory" | "AddTagsToResource" | "RemoveTagsFromResource";

/** One version as GetParameterHistory answers it. */
export interface StoredVersion {
  readonly value: string;
  readonly description?: string;
  readonly modified: Date;
  readonly user: string;
}

export interface StoredParameter {
  value: string;
  dataType: string;
  tags: Map<string, string>;
  /** The current version; `history` holds the value of every version. */
  version: number;
  history: Map<number, string>;
  /** Description, date and writer of every version (GetParameterHistory). */
  records: Map<number, StoredVersion>;
}

/** A PutParameter of an `aws:ec2:image` value that SSM is still validating. */
interface PendingWrite {
  readonly key: string;
  readonly version: number;
  readonly value: string;
  readonly dataType: string;
  readonly record: StoredVersion;
  /** Calls (of any operation) during which the write stays invisible. */
  callsLeft: number;
}

/** An error the fake answers with. */
export class FakeAwsError extends Error {
  constructor(
    readonly errorType: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Decides, per call, whether to fail it: return an error to answer with, or undefined to proceed. */
export type Interceptor = (operation: Operation, region: string, input: Record<string, unknown>) => FakeAwsError | undefined;

export interface Call {
  readonly operation: Operation;
  readonly region: string;
  readonly input: Record<string, unknown>;
}

function str(value: unknown): string {
  if (typeof value !== "string") throw new FakeAwsError("ValidationException", 400, "expected a string");
  return value;
}

export class FakeSsm {
  /** Key: `${region}|${name}`. */
  readonly parameters = new Map<string, StoredParameter>();
  /** Every call that reached the fake (each HTTP attempt counts). */
  readonly calls: Call[] = [];
  interceptor: Interceptor = () => undefined;
  /**
   * Awaited before each call through `attach`: a test's scheduler holds the call here, so concurrent
   * invocations interleave in the order the test chooses (concurrency.test.ts). @default at once
   */
  gate: (operation: Operation, region: string) => Promise<void> = async () => undefined;
  /**
   * Asynchronous validation of `aws:ec2:image` values: a write stays invisible (a new parameter does not
   * exist, an existing one keeps its value and version) for this many calls after PutParameter. 0: at once.
   */
  validationDelayCalls = 0;
  /** Values whose validation fails: the write never becomes a version. */
  rejectsValue: (value: string) => boolean = () => false;
  private readonly pending: PendingWrite[] = [];

  get(region: string, name: string): StoredParameter | undefined {
    return this.parameters.get(`${region}|${name}`);
  }

  /**
   * Seeds a parameter as if an earlier build had written it: with build tags, the description the
   * tracker wrote for that build (newest-wins.ts reads it); without, a seed of Terraform's.
   */
  seed(region: string, name: string, value: string, tags: Record<string, string>): void {
    const build = tags.IMAGE_VERSION !== undefined && tags.IMAGE_BUILD_VERSION !== undefined ? `${tags.IMAGE_VERSION}/${tags.IMAGE_BUILD_VERSION}` : undefined;
    const description = build === undefined ? undefined : `Latest AMI from EC2 Image Builder: seeded ${build}`;
    this.parameters.set(`${region}|${name}`, {
      value,
      dataType: "aws:ec2:image",
      tags: new Map(Object.entries(tags)),
      version: 1,
      history: new Map([[1, value]]),
      records: new Map([
        [1, { value, ...(description !== undefined ? { description } : {}), modified: new Date(0), user: "arn:aws:iam::123456789012:user/terraform" }],
      ]),
    });
  }

  /** Ends every validation still running (as time passing would). */
  settleAll(): void {
    for (const write of this.pending.splice(0)) this.settle(write);
  }

  /** Ends a write's validation: accepted values become the current version, rejected ones vanish. */
  private settle(write: PendingWrite): void {
    if (this.rejectsValue(write.value)) return;
    const existing = this.parameters.get(write.key);
    const history = existing?.history ?? new Map<number, string>();
    history.set(write.version, write.value);
    const records = existing?.records ?? new Map<number, StoredVersion>();
    records.set(write.version, write.record);
    this.parameters.set(write.key, {
      value: write.value,
      dataType: write.dataType,
      tags: existing?.tags ?? new Map(),
      version: write.version,
      history,
      records,
    });
  }

  /** Each call lets time pass for the writes being validated. */
  private tick(): void {
    for (const write of [...this.pending]) {
      if (write.callsLeft > 0) {
        write.callsLeft--;
        continue;
      }
      this.pending.splice(this.pending.indexOf(write), 1);
      this.settle(write);
    }
  }

  count(operation: Operation): number {
    return this.calls.filter((call) => call.operation === operation).length;
  }

  /** Runs one call against the state; throws FakeAwsError for AWS errors. */
  invoke(operation: Operation, region: string, input: Record<string, unknown>): Record<string, unknown> {
    this.calls.push({ operation, region, input });
    this.tick();
    const injected = this.interceptor(operation, region, input);
    if (injected !== undefined) throw injected;
    switch (operation) {
      case "ListTagsForResource": {
        const parameter = this.get(region, str(input.ResourceId));
        if (parameter === undefined) throw new FakeAwsError("InvalidResourceId", 400, "The resource ID is not valid.");
        return { TagList: [...parameter.tags].map(([Key, Value]) => ({ Key, Value })) };
      }
      case "PutParameter": {
        if (input.Tags !== undefined && input.Overwrite === true)
          throw new FakeAwsError("ValidationException", 400, "Tags and Overwrite can't be used together.");
        const name = str(input.Name);
        const existing = this.get(region, name);
        if (existing !== undefined && input.Overwrite !== true) throw new FakeAwsError("ParameterAlreadyExists", 400, "exists");
        const key = `${region}|${name}`;
        const version = (existing?.version ?? 0) + this.pending.filter((write) => write.key === key).length + 1;
        const record: StoredVersion = {
          value: str(input.Value),
          ...(typeof input.Description === "string" ? { description: input.Description } : {}),
          modified: new Date(Date.UTC(2026, 0, 1) + this.calls.length * 1000),
          user: "arn:aws:sts::123456789012:assumed-role/ami-tracker/ami-tracker",
        };
        const write: PendingWrite = { key, version, value: str(input.Value), dataType: str(input.DataType), record, callsLeft: this.validationDelayCalls };
        if (write.dataType === "aws:ec2:image" && this.validationDelayCalls > 0) this.pending.push(write);
        else this.settle(write);
        return { Version: version, Tier: "Standard" };
      }
      case "GetParameter": {
        const [name = "", selector] = str(input.Name).split(":");
        const parameter = this.get(region, name);
        if (parameter === undefined) throw new FakeAwsError("ParameterNotFound", 400, "");
        const version = selector === undefined ? parameter.version : Number(selector);
        const value = parameter.history.get(version);
        if (value === undefined) throw new FakeAwsError("ParameterVersionNotFound", 400, `Systems Manager could not find version ${selector} of ${name}.`);
        return {
          Parameter: {
            Name: name,
            Type: "String",
            Value: value,
            Version: version,
            DataType: parameter.dataType,
            ...(selector !== undefined ? { Selector: `:${selector}` } : {}),
          },
        };
      }
      case "GetParameterHistory": {
        const name = str(input.Name);
        const parameter = this.get(region, name);
        if (parameter === undefined) throw new FakeAwsError("ParameterNotFound", 400, "");
        // Oldest first, pages of MaxResults (at most 50), as SSM answers.
        const all = [...parameter.records.entries()].sort(([a], [b]) => a - b);
        const size = Math.min(50, typeof input.MaxResults === "number" ? input.MaxResults : 50);
        const start = typeof input.NextToken === "string" ? Number(input.NextToken) : 0;
        const page = all.slice(start, start + size);
        return {
          Parameters: page.map(([version, record]) => ({
            Name: name,
            Type: "String",
            DataType: parameter.dataType,
            Value: record.value,
            Version: version,
            LastModifiedDate: record.modified,
            LastModifiedUser: record.user,
            ...(record.description !== undefined ? { Description: record.description } : {}),
          })),
          ...(start + size < all.length ? { NextToken: String(start + size) } : {}),
        };
      }
      case "AddTagsToResource": {
        const parameter = this.get(region, str(input.ResourceId));
        if (parameter === undefined) throw new FakeAwsError("InvalidResourceId", 400, "The resource ID is not valid.");
        const tags = Array.isArray(input.Tags) ? (input.Tags as Array<{ Key: string; Value: string }>) : [];
        for (const tag of tags) parameter.tags.set(tag.Key, tag.Value);
        return {};
      }
      case "RemoveTagsFromResource": {
        const parameter = this.get(region, str(input.ResourceId));
        if (parameter === undefined) throw new FakeAwsError("InvalidResourceId", 400, "The resource ID is not valid.");
        const keys = Array.isArray(input.TagKeys) ? (input.TagKeys as string[]) : [];
        for (const key of keys) parameter.tags.delete(key);
        return {};
      }
    }
  }

  /** Wires the fake behind an aws-sdk-client-mock stub of SSMClient. */
  attach(mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, SSMClientResolvedConfig>): void {
    const bind = (operation: Operation) => async (input: Record<string, unknown>, getClient: () => { config: SSMClientResolvedConfig }) => {
      const region = await getClient().config.region();
      await this.gate(operation, region);
      try {
        return this.invoke(operation, region, input);
      } catch (error) {
        if (error instanceof FakeAwsError) {
          throw new SSMServiceException({
            name: error.errorType,
            $fault: error.statusCode >= 500 ? "server" : "client",
            $metadata: { httpStatusCode: error.statusCode },
            message: error.message,
          });
        }
        throw error;
      }
    };
    mock.on(ListTagsForResourceCommand).callsFake(bind("ListTagsForResource"));
    mock.on(PutParameterCommand).callsFake(bind("PutParameter"));
    mock.on(GetParameterCommand).callsFake(bind("GetParameter"));
    mock.on(GetParameterHistoryCommand).callsFake(bind("GetParameterHistory"));
    mock.on(AddTagsToResourceCommand).callsFake(bind("AddTagsToResource"));
    mock.on(RemoveTagsFromResourceCommand).callsFake(bind("RemoveTagsFromResource"));
  }

  /** A `requestHandler` for a real SSMClient: answers HTTP requests from the fake's state. */
  requestHandler(): {
    handle: (request: HttpRequest) => Promise<{ response: HttpResponse }>;
    updateHttpClientConfig: () => void;
    httpHandlerConfigs: () => Record<string, never>;
  } {
    return {
      handle: async (request) => {
        const target = String(request.headers["x-amz-target"] ?? "");
        const operation = target.replace(/^AmazonSSM\./, "") as Operation;
        const region = request.hostname.split(".")[1] ?? "unknown";
        const input = JSON.parse(typeof request.body === "string" ? request.body : Buffer.from(request.body as Uint8Array).toString("utf8")) as Record<
          string,
          unknown
        >;
        try {
          return { response: jsonResponse(200, this.invoke(operation, region, input)) };
        } catch (error) {
          if (error instanceof FakeAwsError) {
            return { response: jsonResponse(error.statusCode, { __type: error.errorType, message: error.message }, error.errorType) };
          }
          throw error;
        }
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
  }
}

/** JSON 1.1 sends timestamps as epoch seconds. */
function epochSeconds(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

function jsonResponse(statusCode: number, body: Record<string, unknown>, errorType?: string): HttpResponse {
  const headers: Record<string, string> = { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "fake-request" };
  if (errorType !== undefined) headers["x-amzn-errortype"] = errorType;
  return new HttpResponse({ statusCode, headers, body: Readable.from([Buffer.from(JSON.stringify(body, epochSeconds))]) });
}
