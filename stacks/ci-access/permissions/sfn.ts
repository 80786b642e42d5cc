/** The deploy permission table's rows for Step Functions: state machines (hashicorp/terraform-provider-aws internal/service/sfn). */
import { g, inRequest, LOG_DELIVERY, passRole, src, type ServicePermissions } from "../table";

const isObjectWith = (value: unknown, key: string): boolean => JSON.stringify(value ?? null).includes(`"${key}"`);

export const sfn: ServicePermissions = {
  resources: {
    aws_sfn_state_machine: {
      source: src("sfn/state_machine.go"),
      create: [g("stateMachines", "states:CreateStateMachine", "states:TagResource", "states:DescribeStateMachine", "states:ListStateMachineVersions")],
      // CustomizeDiff (stateMachineDefinitionValidate) calls ValidateStateMachineDefinition while planning.
      read: [
        g("stateMachines", "states:DescribeStateMachine", "states:ListStateMachineVersions", "states:ListTagsForResource"),
        g("any", "states:ValidateStateMachineDefinition"),
      ],
      update: [g("stateMachines", "states:UpdateStateMachine", "states:TagResource", "states:UntagResource")],
      delete: [g("stateMachines", "states:DeleteStateMachine", "states:DescribeStateMachine")],
      arguments: {
        ...inRequest("CreateStateMachine / UpdateStateMachine", "name", "definition", "type", "publish"),
        role_arn: passRole("CreateStateMachine / UpdateStateMachine (RoleArn)"),
        logging_configuration: {
          why: "logs to CloudWatch Logs through vended log delivery, which Step Functions sets up with the caller's credentials",
          source: "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html",
          create: [g("any", ...LOG_DELIVERY)],
          update: [g("any", ...LOG_DELIVERY)],
          delete: [g("any", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:GetLogDelivery")],
        },
        tracing_configuration: {
          why: "sent in CreateStateMachine; X-Ray writes are the state machine role's run-time permissions",
          source: "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html",
        },
        encryption_configuration: {
          why: "an AWS owned key: nothing more (a customer managed key makes Step Functions call KMS with the caller's credentials)",
          source: "https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html",
          unsupported: (value) =>
            isObjectWith(value, "kms_key_id")
              ? "encryption_configuration with a customer managed key: add the kms:GenerateDataKey/kms:Decrypt grant on that key"
              : undefined,
        },
      },
    },
  },
};
