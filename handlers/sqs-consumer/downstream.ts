/** The production downstream: each consumed message becomes one event on the API's event bus. */
import { PutEventsCommand, type EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { DownstreamError, type ConsumedMessage, type Downstream } from "./consumer";

export interface EventBusDownstreamOptions {
  readonly client: EventBridgeClient;
  readonly eventBusName: string;
  /** The events' `source`. */
  readonly source: string;
}

export const DETAIL_TYPE = "Message Consumed";

/** PutEvents answers 200 even when its entry failed: a FailedEntryCount above 0 is an error here. */
export function eventBusDownstream(options: EventBusDownstreamOptions): Downstream {
  return {
    async deliver(message: ConsumedMessage): Promise<void> {
      const response = await options.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: options.eventBusName,
              Source: options.source,
              DetailType: DETAIL_TYPE,
              Detail: JSON.stringify({ messageId: message.messageId, queue: message.queue, body: message.body }),
            },
          ],
        }),
      );
      if ((response.FailedEntryCount ?? 0) > 0) {
        const entry = response.Entries?.[0];
        throw new DownstreamError(`PutEvents refused the event: ${entry?.ErrorCode ?? "unknown"} ${entry?.ErrorMessage ?? ""}`.trim());
      }
    },
  };
}
