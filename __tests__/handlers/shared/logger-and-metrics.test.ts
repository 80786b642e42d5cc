import { createLogger } from "../../../handlers/shared/logger";
import { createMetrics } from "../../../handlers/shared/metrics";

test("logger: one JSON line with level, message, timestamp, base and child fields; undefined dropped", () => {
  // Prepare
  const lines: string[] = [];
  const log = createLogger({ sink: (line) => lines.push(line), fields: { requestId: "r1" }, now: () => new Date("2024-01-01T00:00:00Z") });

  // Act
  log.child({ correlationId: "m1" }).info("written", { region: "us-east-1", skipped: undefined });
  log.debug("hidden");

  // Assess
  expect(lines.map((line) => JSON.parse(line))).toEqual([
    { level: "info", message: "written", timestamp: "2024-01-01T00:00:00.000Z", requestId: "r1", correlationId: "m1", region: "us-east-1" },
  ]);
});

test("metrics: an EMF line without dimensions", () => {
  // Prepare
  const lines: string[] = [];
  const metrics = createMetrics({ namespace: "AmiTracker", sink: (line) => lines.push(line), now: () => 1700000000000 });

  // Act
  metrics.count("BuildsFailed", 1, { imageArn: "arn:x", ignored: undefined });

  // Assess
  expect(lines.map((line) => JSON.parse(line))).toEqual([
    {
      imageArn: "arn:x",
      _aws: { Timestamp: 1700000000000, CloudWatchMetrics: [{ Namespace: "AmiTracker", Dimensions: [[]], Metrics: [{ Name: "BuildsFailed", Unit: "Count" }] }] },
      BuildsFailed: 1,
    },
  ]);
});
