/**
 * CloudWatch Embedded Metric Format (EMF): a log line that CloudWatch Logs turns into metrics.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

/** Extra, non-dimension properties of an EMF line (searchable in Logs Insights, not metrics). */
export type MetricProperties = Readonly<Record<string, string | number | boolean | undefined>>;

export interface MetricsOptions {
  /** The CloudWatch namespace of every metric. */
  readonly namespace: string;
  /** @default console.log */
  readonly sink?: (line: string) => void;
  /** @default () => Date.now() */
  readonly now?: () => number;
}

/** Writes counters as EMF lines, without dimensions (`Dimensions: [[]]`). */
export interface Metrics {
  /** Emits one EMF line with `name` = `value` (a Count). */
  count(name: string, value?: number, properties?: MetricProperties): void;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const sink = options.sink ?? ((line: string) => console.log(line));
  const now = options.now ?? (() => Date.now());
  return {
    count(name, value = 1, properties = {}) {
      const line: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(properties)) {
        if (property !== undefined) line[key] = property;
      }
      line._aws = {
        Timestamp: now(),
        CloudWatchMetrics: [{ Namespace: options.namespace, Dimensions: [[]], Metrics: [{ Name: name, Unit: "Count" }] }],
      };
      line[name] = value;
      sink(JSON.stringify(line));
    },
  };
}
