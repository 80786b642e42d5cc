/**
 * What Terraform (hashicorp/aws 5.100.0) calls in AWS to plan (refresh) and apply the workload stacks,
 * per resource type, per argument the stacks set, and per data source, as data: one file per service
 * folder of the provider (`<service>.ts` here), listed below.
 *
 * Each entry names the calls the provider makes to create, read, update and delete the resource, read
 * from its source file (`internal/service/<service>/<file>.go` in hashicorp/terraform-provider-aws),
 * and the IAM resources they are limited to (a scope, ../scopes.ts). The plan role gets every `read` call
 * of what the stacks declare; the apply role gets every call. An argument's entry adds the calls that only
 * that argument (or only some of its values) causes, including what AWS itself checks at apply time
 * (the Service Authorization Reference and the service guides, cited where they are the source).
 *
 * A resource type, data source or argument missing here fails synth of the ci-access stack (and the
 * coverage test) with what to add: a new resource cannot reach CI without its permissions reviewed.
 */
import type { DataSourcePermissions, ResourcePermissions, ServicePermissions } from "../table";
import { apigatewayv2 } from "./apigatewayv2";
import { appconfig } from "./appconfig";
import { archive } from "./archive";
import { autoscaling } from "./autoscaling";
import { cloudwatch } from "./cloudwatch";
import { ec2 } from "./ec2";
import { events } from "./events";
import { iam } from "./iam";
import { imagebuilder } from "./imagebuilder";
import { kinesis } from "./kinesis";
import { kms } from "./kms";
import { lambda } from "./lambda";
import { logs } from "./logs";
import { meta } from "./meta";
import { ram } from "./ram";
import { sfn } from "./sfn";
import { sns } from "./sns";
import { sqs } from "./sqs";
import { ssm } from "./ssm";
import { sts } from "./sts";

/** This folder, relative to the repository (for messages). */
export const PERMISSIONS_DIRECTORY = "stacks/ci-access/permissions";

/** Every service's rows, by file name (`<service>.ts`). */
export const SERVICES: Readonly<Record<string, ServicePermissions>> = {
  sqs,
  sns,
  kms,
  iam,
  logs,
  cloudwatch,
  lambda,
  ec2,
  autoscaling,
  sfn,
  events,
  kinesis,
  apigatewayv2,
  appconfig,
  imagebuilder,
  ssm,
  ram,
  meta,
  sts,
  archive,
};

/** The services' rows of one kind as one table, in the services' order, with the service each came from; a type in two services throws. */
export function mergeRows<T extends ResourcePermissions | DataSourcePermissions>(
  services: Readonly<Record<string, ServicePermissions>>,
  kind: "resources" | "dataSources",
): { table: Record<string, T>; serviceOf: Map<string, string> } {
  const table: Record<string, T> = {};
  const serviceOf = new Map<string, string>();
  for (const [service, rows] of Object.entries(services)) {
    for (const [type, entry] of Object.entries(rows[kind] ?? {})) {
      const first = serviceOf.get(type);
      if (first !== undefined) throw new Error(`deploy permissions: ${type} is in both permissions/${first}.ts and permissions/${service}.ts; keep it in one`);
      serviceOf.set(type, service);
      table[type] = entry as T;
    }
  }
  return { table, serviceOf };
}

const resources = mergeRows<ResourcePermissions>(SERVICES, "resources");
const dataSources = mergeRows<DataSourcePermissions>(SERVICES, "dataSources");

/**
 * Per resource type. Tags: the provider sends default_tags in the create request and reads them back
 * (from the read's own output, or through ListTagsForResource when the read returns none: the
 * provider's transparent tagging, internal/provider/intercept.go), so every taggable type has its tag calls.
 */
export const RESOURCE_PERMISSIONS: Readonly<Record<string, ResourcePermissions>> = resources.table;

export const DATA_SOURCE_PERMISSIONS: Readonly<Record<string, DataSourcePermissions>> = dataSources.table;

/** Where a resource type's or data source's row lives, relative to the repository. */
export function permissionsFile(kind: "resource" | "data", type: string): string | undefined {
  const service = (kind === "resource" ? resources : dataSources).serviceOf.get(type);
  return service === undefined ? undefined : `${PERMISSIONS_DIRECTORY}/${service}.ts`;
}
