/** HTTP API (apigatewayv2) checks: route authorization, stage throttling, access logs. */
import { firstBlock } from "../stack-index";
import { compliant, nonCompliant, type RuleOutcome, type SynthesizedBlock } from "../types";

/** API-1: a route names an authorizer (AWS_IAM, JWT, CUSTOM); a public route is acknowledged with its reason. */
export function routeAuthorized(route: SynthesizedBlock): RuleOutcome {
  const type = route.config.authorization_type;
  const key = typeof route.config.route_key === "string" ? route.config.route_key : route.name;
  if (typeof type === "string" && type !== "NONE") return compliant(`${key}: ${type}`);
  return nonCompliant(
    `route "${key}" has authorization_type ${typeof type === "string" ? type : "unset (NONE)"}: anyone can call it; set an authorizer, or acknowledge API-1 with why the route is public`,
  );
}

function positive(value: unknown): boolean {
  return (typeof value === "number" && value > 0) || (typeof value === "string" && value.includes("${"));
}

/** API-2: the stage's default route settings set both throttling values. */
export function stageThrottled(stage: SynthesizedBlock): RuleOutcome {
  const settings = firstBlock(stage.config.default_route_settings);
  const burst = settings?.throttling_burst_limit;
  const rate = settings?.throttling_rate_limit;
  if (positive(burst) && positive(rate)) return compliant(`burst ${String(burst)}, rate ${String(rate)}/s`);
  const missing = [positive(burst) ? undefined : "throttling_burst_limit", positive(rate) ? undefined : "throttling_rate_limit"].filter(
    (m): m is string => m !== undefined,
  );
  return nonCompliant(
    `default_route_settings lacks ${missing.join(" and ")} (a missing value is 0 on an HTTP API stage: every request gets 429, or the account limit applies)`,
  );
}

/** API-3: the stage writes access logs (destination and format). */
export function stageAccessLogs(stage: SynthesizedBlock): RuleOutcome {
  const settings = firstBlock(stage.config.access_log_settings);
  const destination = settings?.destination_arn;
  const format = settings?.format;
  if (typeof destination === "string" && destination.length > 0 && typeof format === "string" && format.length > 0) return compliant();
  return nonCompliant("access_log_settings with destination_arn and format is not set: requests leave no trace");
}
