/** Option checks the pull-request tools share (scripts/shared/cli-args.cjs calls them on each value). */

/** A cdktf stack name as the workflows' matrix passes it: ami-tracker, storage-first-api. */
export function stackProblem(value: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(value) ? undefined : "expected a stack name (letters, digits, - and _), e.g. ami-tracker";
}

/** The commit planned, as the workflows pass it: 40 hexadecimal digits. */
export function commitProblem(value: string): string | undefined {
  return /^[0-9a-f]{40}$/.test(value) ? undefined : "expected the 40-hex-digit commit planned (github.event.pull_request.head.sha)";
}
