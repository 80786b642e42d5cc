/**
 * The SQS consumer Lambda's environment: names, types and the parse, declared once. The storage-first API
 * stack writes it with `consumerEnvironment`, the handler reads it with `readConsumerEnvironment`.
 * Imported by the stack: it imports nothing of the handler's runtime.
 */
import { ConfigError } from "../../config/errors";

/** Powertools' `service` key, unless POWERTOOLS_SERVICE_NAME says otherwise. */
export const CONSUMER_SERVICE = "sqs-consumer";

/** The variables, by what they hold. */
export const CONSUMER_VARIABLES = {
  serviceName: "POWERTOOLS_SERVICE_NAME",
  eventBusName: "EVENT_BUS_NAME",
  source: "EVENT_SOURCE",
} as const;

/** What the consumer is configured with. */
export interface ConsumerEnvironment {
  /** The EventBridge bus each delivered message is put on. */
  readonly eventBusName: string;
  /** The events' `source`. */
  readonly source: string;
}

/** The variables that configure the consumer with `config`. */
export function consumerEnvironment(config: ConsumerEnvironment): Record<string, string> {
  return {
    [CONSUMER_VARIABLES.serviceName]: CONSUMER_SERVICE,
    [CONSUMER_VARIABLES.eventBusName]: config.eventBusName,
    [CONSUMER_VARIABLES.source]: config.source,
  };
}

/** Reads EVENT_BUS_NAME and EVENT_SOURCE (both required); a missing one is a ConfigError naming it. */
export function readConsumerEnvironment(env: Readonly<Record<string, string | undefined>>): ConsumerEnvironment {
  const problems = (["eventBusName", "source"] as const)
    .filter((key) => (env[CONSUMER_VARIABLES[key]]?.trim() ?? "") === "")
    .map((key) => ({ path: CONSUMER_VARIABLES[key], message: "is not set; the storage-first-api stack sets it (consumerEnvironment)" }));
  if (problems.length > 0) throw new ConfigError("the function's environment variables", problems);
  return { eventBusName: String(env[CONSUMER_VARIABLES.eventBusName]).trim(), source: String(env[CONSUMER_VARIABLES.source]).trim() };
}
