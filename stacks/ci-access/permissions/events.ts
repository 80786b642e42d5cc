/** The deploy permission table's rows for EventBridge: event buses, rules and targets (hashicorp/terraform-provider-aws internal/service/events). */
import { g, inRequest, passRole, src, type ServicePermissions } from "../table";

export const events: ServicePermissions = {
  resources: {
    aws_cloudwatch_event_bus: {
      source: src("events/bus.go"),
      create: [g("events", "events:CreateEventBus", "events:TagResource", "events:DescribeEventBus")],
      read: [g("events", "events:DescribeEventBus", "events:ListTagsForResource")],
      update: [g("events", "events:UpdateEventBus", "events:TagResource", "events:UntagResource")],
      delete: [g("events", "events:DeleteEventBus")],
      arguments: inRequest("CreateEventBus / UpdateEventBus", "name", "description"),
    },
    aws_cloudwatch_event_rule: {
      source: src("events/rule.go"),
      create: [g("events", "events:PutRule", "events:TagResource", "events:DescribeRule")],
      read: [g("events", "events:DescribeRule", "events:ListTagsForResource")],
      update: [g("events", "events:PutRule", "events:EnableRule", "events:DisableRule", "events:TagResource", "events:UntagResource")],
      delete: [g("events", "events:DeleteRule", "events:ListTargetsByRule")],
      arguments: {
        ...inRequest("PutRule", "name", "description", "event_bus_name", "event_pattern", "schedule_expression", "state"),
        role_arn: passRole("PutRule (RoleArn)"),
      },
    },
    aws_cloudwatch_event_target: {
      source: src("events/target.go"),
      create: [g("events", "events:PutTargets", "events:ListTargetsByRule")],
      read: [g("events", "events:ListTargetsByRule")],
      update: [g("events", "events:PutTargets")],
      delete: [g("events", "events:RemoveTargets")],
      arguments: {
        ...inRequest("PutTargets", "arn", "rule", "event_bus_name", "target_id", "input", "input_path", "dead_letter_config", "retry_policy"),
        role_arn: passRole("PutTargets (RoleArn)"),
      },
    },
  },
};
