/**
 * AMI tracker: EC2 Image Builder's SNS notification in, the newest own AMI ID per region out,
 * into an `aws:ec2:image` SSM parameter. The logic lives in tracker.ts; this file wires it.
 */
import type { Context, SNSEvent } from "aws-lambda";
import { createClientCache, createEc2ClientCache } from "./clients";
import { createTracker, readConfig } from "./tracker";

/** Module scope: clients survive across invocations of a warm container. */
const tracker = createTracker({ clientFor: createClientCache(), ec2For: createEc2ClientCache() });

export async function handler(event: SNSEvent, context: Context): Promise<void> {
  await tracker.handle(event, context, readConfig(process.env));
}
