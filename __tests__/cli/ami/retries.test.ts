/**
 * Retries go through the real SDK middleware: a stub HTTP handler answers SSM's JSON protocol, so the
 * retry strategy of `createAwsClients` is what retries (aws-sdk-client-mock would bypass it).
 */
import { Readable } from "node:stream";
import { HttpResponse, type HttpRequest } from "@smithy/protocol-http";
import { createAwsClients, MAX_ATTEMPTS } from "../../../cli/ami/sdk";
import { parameterHistory } from "../../../cli/ami/ssm";

const REF = { name: "/ec2-imagebuilder/latest", region: "us-east-1", arn: "arn:aws:ssm:us-east-1:111122223333:parameter/ec2-imagebuilder/latest" };

function response(statusCode: number, body: Record<string, unknown>, errorType?: string): HttpResponse {
  const headers: Record<string, string> = { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "stub" };
  if (errorType !== undefined) headers["x-amzn-errortype"] = errorType;
  return new HttpResponse({ statusCode, headers, body: Readable.from([Buffer.from(JSON.stringify(body))]) });
}

/** Answers `failures` errors of `errorType`, then the history. */
function stub(errorType: string, statusCode: number, failures: number) {
  const targets: string[] = [];
  let left = failures;
  const handler = {
    handle: async (request: HttpRequest) => {
      targets.push(String(request.headers["x-amz-target"]));
      if (left-- > 0) return { response: response(statusCode, { __type: errorType, message: errorType }, errorType) };
      return { response: response(200, { Parameters: [{ Name: REF.name, Version: 1, Value: "ami-0123456789abcdef0", DataType: "aws:ec2:image" }] }) };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  const clients = createAwsClients({
    backoff: () => 0,
    clientConfig: { requestHandler: handler, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } },
  });
  return { clients, targets };
}

test.each([
  ["ThrottlingException", 400],
  ["InternalServerError", 500],
])("%s twice: retried by the SDK, then answered", async (errorType, statusCode) => {
  const { clients, targets } = stub(errorType, statusCode, 2);
  const versions = await parameterHistory(clients, REF);
  expect(versions?.map((entry) => entry.value)).toEqual(["ami-0123456789abcdef0"]);
  expect(targets).toEqual(Array(3).fill("AmazonSSM.GetParameterHistory"));
});

test(`throttled beyond ${MAX_ATTEMPTS} attempts: one error naming the action and the ARN`, async () => {
  const { clients, targets } = stub("ThrottlingException", 400, 100);
  await expect(parameterHistory(clients, REF)).rejects.toThrow(`ssm:GetParameterHistory on ${REF.arn} failed: ThrottlingException`);
  expect(targets).toHaveLength(MAX_ATTEMPTS);
});

test("AccessDenied is not retried", async () => {
  const { clients, targets } = stub("AccessDeniedException", 400, 100);
  await expect(parameterHistory(clients, REF)).rejects.toThrow(`the caller lacks permission "ssm:GetParameterHistory" on ${REF.arn}`);
  expect(targets).toHaveLength(1);
});
