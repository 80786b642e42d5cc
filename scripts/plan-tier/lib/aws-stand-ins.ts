import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ssmParameterArn } from "../../../aws/arn";

/**
 * The AWS calls hashicorp/aws 5.100.0 makes while planning that the offline plan answers locally
 * (the script points the provider's sfn and ssm endpoints here):
 * - Step Functions' ValidateStateMachineDefinition, for an `aws_sfn_state_machine` whose definition is
 *   known: a shape check only (JSON, StartAt names a state, every state has a Type), not what AWS
 *   checks (ASL semantics, JSONata, ARNs);
 * - Systems Manager's GetParameter, for a `data "aws_ssm_parameter"` of AWS's public Amazon Linux
 *   parameters (PUBLIC_AMI_PARAMETER_PREFIX): a made-up AMI ID derived from the name, never a real one.
 */
export interface StandInEndpoint {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** How many definitions it was asked to validate. */
  readonly calls: () => number;
  /** How many public parameters it was asked for. */
  readonly parameterReads: () => number;
  readonly close: () => Promise<void>;
}

/** AWS's public parameters holding the latest Amazon Linux AMI IDs of each region. */
export const PUBLIC_AMI_PARAMETER_PREFIX = "/aws/service/ami-amazon-linux-latest/";

/** The stand-in's answer for a public AMI parameter: `ami-0` + 16 hex digits of the name's SHA-256 (same name, same ID). */
export function offlineAmiId(parameterName: string): string {
  return `ami-0${createHash("sha256").update(parameterName).digest("hex").slice(0, 16)}`;
}

const STATE_TYPES = new Set(["Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"]);

/** Problems the stand-in finds in a definition (empty: accepted). */
export function checkDefinitionShape(definition: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (error) {
    return [`the definition is not JSON: ${(error as Error).message}`];
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return ["the definition is not a JSON object"];
  const record = parsed as Record<string, unknown>;
  const states = record["States"];
  if (typeof states !== "object" || states === null || Array.isArray(states)) return ["the definition has no States object"];
  const names = Object.keys(states);
  const problems: string[] = [];
  if (typeof record["StartAt"] !== "string" || !names.includes(record["StartAt"])) {
    problems.push(`StartAt ${JSON.stringify(record["StartAt"])} does not name a state (states: ${names.join(", ")})`);
  }
  for (const [name, state] of Object.entries(states as Record<string, unknown>)) {
    const type = typeof state === "object" && state !== null ? (state as Record<string, unknown>)["Type"] : undefined;
    if (typeof type !== "string" || !STATE_TYPES.has(type)) problems.push(`state "${name}" has no valid Type (got ${JSON.stringify(type)})`);
  }
  return problems;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function answer(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  response.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
  response.end(JSON.stringify(body));
}

/** GetParameter's answer for a public AMI parameter, or the error AWS gives for a name that does not exist. */
export function getParameterAnswer(body: string): { status: number; body: Record<string, unknown> } {
  let name = "";
  try {
    const input = JSON.parse(body) as { Name?: unknown };
    name = typeof input.Name === "string" ? input.Name : "";
  } catch {
    name = "";
  }
  if (!name.startsWith(PUBLIC_AMI_PARAMETER_PREFIX)) {
    return {
      status: 400,
      body: {
        __type: "ParameterNotFound",
        message: `the offline plan stand-in answers only ${PUBLIC_AMI_PARAMETER_PREFIX}* parameters, not ${JSON.stringify(name)}`,
      },
    };
  }
  return {
    status: 200,
    body: {
      Parameter: {
        Name: name,
        Type: "String",
        Value: offlineAmiId(name),
        Version: 1,
        DataType: "text",
        ARN: ssmParameterArn({ partition: "aws", region: "us-east-1", account: "" }, name),
      },
    },
  };
}

/** Starts the stand-in on a free port of 127.0.0.1. */
export function startAwsStandIn(): Promise<StandInEndpoint> {
  let calls = 0;
  let parameterReads = 0;
  const server = createServer((request, response) => {
    void readBody(request).then((text) => {
      const target = String(request.headers["x-amz-target"] ?? "");
      if (target === "AmazonSSM.GetParameter") {
        parameterReads++;
        const reply = getParameterAnswer(text);
        response.writeHead(reply.status, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify(reply.body));
        return;
      }
      if (target !== "AWSStepFunctions.ValidateStateMachineDefinition") {
        answer(response, 400, {
          __type: "UnknownOperationException",
          message: `the offline plan stand-in answers only ValidateStateMachineDefinition and GetParameter (${PUBLIC_AMI_PARAMETER_PREFIX}*), not ${target}`,
        });
        return;
      }
      calls++;
      let definition = "";
      try {
        const input = JSON.parse(text) as { definition?: unknown };
        definition = typeof input.definition === "string" ? input.definition : "";
      } catch {
        definition = "";
      }
      const problems = checkDefinitionShape(definition);
      answer(response, 200, {
        result: problems.length === 0 ? "OK" : "FAIL",
        diagnostics: problems.map((message) => ({ severity: "ERROR", code: "OFFLINE_PLAN_SHAPE_CHECK", message })),
        truncated: false,
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.unref();
      resolve({
        url: `http://127.0.0.1:${port}`,
        calls: () => calls,
        parameterReads: () => parameterReads,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
