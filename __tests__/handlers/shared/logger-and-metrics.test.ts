/**
 * The handlers' logging and metrics on Powertools for AWS Lambda: JSON lines with Powertools' keys,
 * the level from Lambda's logging_config (AWS_LAMBDA_LOG_LEVEL), errors with name, message and stack,
 * and EMF lines with the `service` dimension.
 */
import { lambdaContext } from "../ami-tracker/support/events";
import { createPowertoolsLogger, loggerOver, PowertoolsLogger } from "../../../handlers/shared/logger";
import { createMetrics } from "../../../handlers/shared/metrics";
import { captureOutput, withEnv, type CapturedOutput } from "../support/output";

let output: CapturedOutput;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

const TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

test("logger: one JSON line with Powertools' keys, the Lambda context, the trace id, and the child's fields; undefined dropped", async () => {
  // Prepare
  const powertools = await withEnv(
    { _X_AMZN_TRACE_ID: TRACE, AWS_LAMBDA_LOG_LEVEL: undefined, POWERTOOLS_LOG_LEVEL: undefined },
    () => new PowertoolsLogger({ serviceName: "ami-tracker" }),
  );
  powertools.addContext(lambdaContext("123456789012"));

  // Act
  await withEnv({ _X_AMZN_TRACE_ID: TRACE }, () =>
    loggerOver(powertools, { correlationId: "m1" }).child({ region: "us-east-1" }).info("written", { decision: "written", skipped: undefined }),
  );

  // Assess
  const [line] = output.lines();
  expect(line).toEqual({
    level: "INFO",
    message: "written",
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    service: "ami-tracker",
    sampling_rate: 0,
    cold_start: expect.any(Boolean),
    function_arn: "arn:aws:lambda:us-east-1:123456789012:function:ami-tracker",
    function_memory_size: "256",
    function_name: "ami-tracker",
    function_request_id: "request-1",
    xray_trace_id: "1-5759e988-bd862e3fe1be46a994272793",
    correlationId: "m1",
    region: "us-east-1",
    decision: "written",
  });
  expect(output.lines()).toHaveLength(1);
});

test.each<[string | undefined, boolean]>([
  [undefined, false],
  ["INFO", false],
  ["DEBUG", true],
  ["TRACE", true],
])("a debug line appears only when the level says so (AWS_LAMBDA_LOG_LEVEL %s: %s)", async (level, shown) => {
  // Prepare: Lambda sets AWS_LAMBDA_LOG_LEVEL from logging_config.application_log_level
  const logger = await withEnv({ AWS_LAMBDA_LOG_LEVEL: level, POWERTOOLS_LOG_LEVEL: undefined }, () => loggerOver(createPowertoolsLogger("sqs-consumer")));

  // Act
  logger.debug("message parsed", { queue: "orders" });
  logger.info("batch done");

  // Assess
  expect(output.lines().map((line) => line.level)).toEqual(shown ? ["DEBUG", "INFO"] : ["INFO"]);
});

test("an error line carries the error's name, message and stack", () => {
  // Prepare
  class SsmCallError extends Error {
    override readonly name = "SsmCallError";
  }
  const logger = loggerOver(new PowertoolsLogger({ serviceName: "ami-tracker" }));

  // Act
  logger.error("AWS call failed after retries", { action: "ssm:PutParameter", error: new SsmCallError("ssm:PutParameter on /x failed: ThrottlingException") });

  // Assess
  const [line] = output.lines();
  expect(line).toMatchObject({
    level: "ERROR",
    message: "AWS call failed after retries",
    action: "ssm:PutParameter",
    error: {
      name: "SsmCallError",
      message: "ssm:PutParameter on /x failed: ThrottlingException",
      stack: expect.stringContaining("SsmCallError: ssm:PutParameter on /x failed"),
    },
  });
  expect((line?.error as { location?: string }).location).toMatch(/logger-and-metrics\.test\.ts/);
});

test("metrics: one EMF line per count, the service dimension, the properties as metadata", async () => {
  // Prepare
  const metrics = await withEnv({ POWERTOOLS_SERVICE_NAME: undefined }, () => createMetrics({ namespace: "AmiTracker", serviceName: "ami-tracker" }));

  // Act
  metrics.count("BuildsFailed", 1, { imageArn: "arn:x", ignored: undefined });
  metrics.count("MessagesSkipped", 2);

  // Assess
  expect(output.lines()).toEqual([
    {
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [{ Namespace: "AmiTracker", Dimensions: [["service"]], Metrics: [{ Name: "BuildsFailed", Unit: "Count" }] }],
      },
      service: "ami-tracker",
      imageArn: "arn:x",
      BuildsFailed: 1,
    },
    {
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [{ Namespace: "AmiTracker", Dimensions: [["service"]], Metrics: [{ Name: "MessagesSkipped", Unit: "Count" }] }],
      },
      service: "ami-tracker",
      MessagesSkipped: 2,
    },
  ]);
});
