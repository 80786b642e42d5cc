/**
 * The shape of the deploy permission table's rows (permissions/<service>.ts) and the helpers they are
 * written with.
 */
import { VENDED_LOG_DELIVERY_ACTIONS } from "../../aws/logs";
import type { ScopeName } from "./scopes";

/** The calls of one CRUD phase, granted on a scope. */
export interface Grant {
  readonly scope: ScopeName;
  readonly actions: readonly string[];
}

/** Calls by phase: `read` is what plan (refresh) calls; apply calls all four. */
export interface Calls {
  readonly create?: readonly Grant[];
  readonly read?: readonly Grant[];
  readonly update?: readonly Grant[];
  readonly delete?: readonly Grant[];
}

export interface ArgumentPermissions extends Calls {
  /** Why these calls (or why none beyond the type's own). */
  readonly why: string;
  /** Where it comes from, when not the type's source file. */
  readonly source?: string;
  /** The calls apply only to values for which this holds (e.g. `resolve:ssm:` image IDs). @default every value */
  readonly when?: (value: unknown) => boolean;
  /** A value the table does not cover: returns the problem (the coverage check reports it). @default every value covered */
  readonly unsupported?: (value: unknown) => string | undefined;
}

export interface ResourcePermissions extends Calls {
  /** The provider file the calls were read from (hashicorp/terraform-provider-aws). */
  readonly source: string;
  /** Every argument the stacks may set; `{ why }` alone means the type's calls already cover it. */
  readonly arguments: Readonly<Record<string, ArgumentPermissions>>;
}

/** Per data source: the calls a plan makes to read it (none for the ones computed on this machine). */
export interface DataSourcePermissions {
  readonly source: string;
  readonly read: readonly Grant[];
}

/** One service's rows (one file per service folder of the provider): its resource types and data sources. */
export interface ServicePermissions {
  readonly resources?: Readonly<Record<string, ResourcePermissions>>;
  readonly dataSources?: Readonly<Record<string, DataSourcePermissions>>;
}

const PROVIDER = "hashicorp/terraform-provider-aws";
/** A file of the provider's source, `internal/service/<service>/<file>.go`. */
export const src = (file: string): string => `${PROVIDER} internal/service/${file}`;
/** A grant of `actions` on `scope`. */
export const g = (scope: ScopeName, ...actions: string[]): Grant => ({ scope, actions });
/** An argument sent in `request` that causes no call of its own. */
export const sent = (request: string): ArgumentPermissions => ({ why: `sent in ${request}; no other call` });
/** Arguments that go into the create/update request and nothing else. */
export const inRequest = (request: string, ...names: string[]): Record<string, ArgumentPermissions> =>
  Object.fromEntries(names.map((name) => [name, sent(request)]));
/** An argument naming a role the service is passed. */
export const passRole = (why: string): ArgumentPermissions => ({
  why: `${why}: passing a role to a service needs iam:PassRole on it`,
  source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html",
  create: [g("iamRoles", "iam:PassRole")],
  update: [g("iamRoles", "iam:PassRole")],
});
/** What a service calls with the caller's credentials to set up vended log delivery (aws/logs.ts). */
export const LOG_DELIVERY = VENDED_LOG_DELIVERY_ACTIONS;
