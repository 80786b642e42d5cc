/** The deploy permission table's rows for AWS Lambda: functions, their invoke configuration, permissions and event source mappings (hashicorp/terraform-provider-aws internal/service/lambda). */
import { g, inRequest, passRole, src, type ServicePermissions } from "../table";

export const lambda: ServicePermissions = {
  resources: {
    aws_lambda_function: {
      source: src("lambda/function.go"),
      create: [g("lambdaFunctions", "lambda:CreateFunction", "lambda:TagResource", "lambda:GetFunction", "lambda:GetFunctionConfiguration")],
      // Read: GetFunction, the latest version (ListVersionsByFunction) and, in the commercial partition, GetFunctionCodeSigningConfig.
      read: [g("lambdaFunctions", "lambda:GetFunction", "lambda:ListVersionsByFunction", "lambda:GetFunctionCodeSigningConfig")],
      update: [
        g(
          "lambdaFunctions",
          "lambda:UpdateFunctionCode",
          "lambda:UpdateFunctionConfiguration",
          "lambda:GetFunctionConfiguration",
          "lambda:TagResource",
          "lambda:UntagResource",
        ),
      ],
      delete: [g("lambdaFunctions", "lambda:DeleteFunction")],
      arguments: {
        ...inRequest(
          "CreateFunction / UpdateFunctionConfiguration / UpdateFunctionCode",
          "function_name",
          "description",
          "handler",
          "runtime",
          "architectures",
          "memory_size",
          "timeout",
          "environment",
          "filename",
          "source_code_hash",
        ),
        role: passRole("CreateFunction / UpdateFunctionConfiguration (Role)"),
        logging_config: {
          why: "sent in CreateFunction / UpdateFunctionConfiguration; the function's role writes the logs at run time, the caller needs nothing more",
        },
        tracing_config: {
          why: "sent in CreateFunction / UpdateFunctionConfiguration; xray:PutTraceSegments and xray:PutTelemetryRecords are run-time permissions of the function's role, not deploy permissions",
          source: "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html",
        },
        reserved_concurrent_executions: {
          why: "PutFunctionConcurrency after CreateFunction; Put/DeleteFunctionConcurrency on change",
          create: [g("lambdaFunctions", "lambda:PutFunctionConcurrency")],
          update: [g("lambdaFunctions", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency")],
        },
      },
    },
    aws_lambda_function_event_invoke_config: {
      source: src("lambda/function_event_invoke_config.go"),
      create: [g("lambdaFunctions", "lambda:PutFunctionEventInvokeConfig", "lambda:GetFunctionEventInvokeConfig")],
      read: [g("lambdaFunctions", "lambda:GetFunctionEventInvokeConfig")],
      update: [g("lambdaFunctions", "lambda:PutFunctionEventInvokeConfig")],
      delete: [g("lambdaFunctions", "lambda:DeleteFunctionEventInvokeConfig")],
      arguments: {
        ...inRequest("PutFunctionEventInvokeConfig", "function_name", "qualifier", "maximum_event_age_in_seconds", "maximum_retry_attempts"),
        destination_config: { why: "sent in PutFunctionEventInvokeConfig; the function's role sends to the destination at run time" },
      },
    },
    aws_lambda_permission: {
      source: src("lambda/permission.go"),
      create: [g("lambdaFunctions", "lambda:AddPermission", "lambda:GetPolicy")],
      read: [g("lambdaFunctions", "lambda:GetPolicy")],
      delete: [g("lambdaFunctions", "lambda:RemovePermission")],
      arguments: inRequest("AddPermission", "action", "function_name", "principal", "source_arn", "source_account", "statement_id", "qualifier"),
    },
    aws_lambda_event_source_mapping: {
      source: src("lambda/event_source_mapping.go"),
      create: [
        g("any", "lambda:CreateEventSourceMapping"),
        g("lambdaEventSourceMappings", "lambda:GetEventSourceMapping", "lambda:TagResource", "lambda:ListTags"),
      ],
      read: [g("lambdaEventSourceMappings", "lambda:GetEventSourceMapping", "lambda:ListTags")],
      update: [g("lambdaEventSourceMappings", "lambda:UpdateEventSourceMapping", "lambda:TagResource", "lambda:UntagResource")],
      delete: [g("lambdaEventSourceMappings", "lambda:DeleteEventSourceMapping")],
      arguments: inRequest(
        "CreateEventSourceMapping / UpdateEventSourceMapping (Lambda checks the function's role can read the queue, not the caller)",
        "event_source_arn",
        "function_name",
        "batch_size",
        "function_response_types",
        "maximum_batching_window_in_seconds",
        "scaling_config",
        "enabled",
      ),
    },
  },
};
