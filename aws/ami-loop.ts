/**
 * Limits the AMI loop's configuration (config/sections/ami-loop.ts) and its constructs both check, with
 * where each comes from, and the defaults both apply.
 */

/** SSM GetParameters reads at most 10 names in one call (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html). */
export const GET_PARAMETERS_MAX_NAMES = 10;

/** Image Builder's `lastLaunched` exclusion takes 1 to 365 days (hashicorp/aws internal/service/imagebuilder/lifecycle_policy.go). */
export const LAST_LAUNCHED_MAX_DAYS = 365;

/** The project's launch backstop of a lifecycle policy: an AMI launched within 30 days is never acted on. */
export const DEFAULT_PROTECT_LAUNCHED_WITHIN_DAYS = 30;

/** The project's longest staleness limit, in days: a pointer older than a year is past any patching cadence. */
export const MAX_STALENESS_DAYS = 365;
