/** The deploy permission table's rows for API Gateway (HTTP APIs): APIs, authorizers, routes, integrations and stages (hashicorp/terraform-provider-aws internal/service/apigatewayv2). */
import { g, inRequest, LOG_DELIVERY, passRole, src, type ResourcePermissions, type ServicePermissions } from "../table";

export const apigatewayv2: ServicePermissions = {
  resources: {
    ...Object.fromEntries(
      (
        [
          [
            "aws_apigatewayv2_api",
            "apigatewayv2/api.go",
            ["name", "description", "protocol_type", "cors_configuration", "disable_execute_api_endpoint", "body"],
          ],
          ["aws_apigatewayv2_authorizer", "apigatewayv2/authorizer.go", ["api_id", "name", "authorizer_type", "identity_sources", "jwt_configuration"]],
          ["aws_apigatewayv2_route", "apigatewayv2/route.go", ["api_id", "route_key", "target", "authorization_type", "authorizer_id", "authorization_scopes"]],
          [
            "aws_apigatewayv2_integration",
            "apigatewayv2/integration.go",
            ["api_id", "description", "integration_type", "integration_subtype", "payload_format_version", "request_parameters", "timeout_milliseconds"],
          ],
          ["aws_apigatewayv2_stage", "apigatewayv2/stage.go", ["api_id", "name", "auto_deploy", "default_route_settings", "route_settings"]],
        ] as const
      ).map(([type, file, names]) => [
        type,
        {
          source: src(file),
          // API Gateway authorizes management calls by HTTP method on the resource path (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigatewaymanagement.html).
          create: [g("httpApis", "apigateway:POST", "apigateway:GET", "apigateway:PUT")],
          read: [g("httpApis", "apigateway:GET")],
          update: [g("httpApis", "apigateway:PATCH", "apigateway:PUT", "apigateway:POST", "apigateway:DELETE")],
          delete: [g("httpApis", "apigateway:DELETE")],
          arguments: {
            ...inRequest("the create / update request", ...names),
            ...(type === "aws_apigatewayv2_integration" ? { credentials_arn: passRole("the integration's credentials role") } : {}),
            ...(type === "aws_apigatewayv2_stage"
              ? {
                  access_log_settings: {
                    why: "access logs to CloudWatch Logs: API Gateway sets up vended log delivery with the caller's credentials",
                    source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html",
                    create: [g("any", ...LOG_DELIVERY)],
                    update: [g("any", ...LOG_DELIVERY)],
                    delete: [g("any", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:GetLogDelivery")],
                  },
                }
              : {}),
          },
        } satisfies ResourcePermissions,
      ]),
    ),
  },
};
