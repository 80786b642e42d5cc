/**
 * Counters as CloudWatch Embedded Metric Format lines, written by Powertools for AWS Lambda's Metrics
 * (which checks EMF's limits). One line per count, with the count's properties beside it as metadata
 * (searchable in Logs Insights, not dimensions). The only dimension is Powertools' default `service`:
 * the alarms on these metrics name it.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { MetricUnit, Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";

/** Extra, non-dimension properties of an EMF line. */
export type MetricProperties = Readonly<Record<string, string | number | boolean | undefined>>;

export interface MetricsOptions {
  /** The CloudWatch namespace of every metric. */
  readonly namespace: string;
  /** The `service` dimension (`POWERTOOLS_SERVICE_NAME` wins when set). */
  readonly serviceName: string;
}

export interface Metrics {
  /** Emits one EMF line with `name` = `value` (a Count). */
  count(name: string, value?: number, properties?: MetricProperties): void;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const metrics = new PowertoolsMetrics({ namespace: options.namespace, serviceName: process.env.POWERTOOLS_SERVICE_NAME || options.serviceName });
  return {
    count(name, value = 1, properties = {}) {
      for (const [key, property] of Object.entries(properties)) {
        if (property !== undefined) metrics.addMetadata(key, String(property));
      }
      metrics.addMetric(name, MetricUnit.Count, value);
      metrics.publishStoredMetrics();
    },
  };
}
