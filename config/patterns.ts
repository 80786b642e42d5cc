/**
 * Formats of single settings, each written once: the schema carries it as JSON Schema `pattern`
 * (so editors and ajv check it) and the section tests the same RegExp to word its message.
 * ajv and VS Code compile a pattern with the "u" flag: __tests__/config/schema.test.ts checks each does.
 */

/** A 12-digit AWS account ID. */
export const ACCOUNT_ID = /^\d{12}$/;

/** An EC2 instance type, e.g. "t4g.small". */
export const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

/** A semantic version as Image Builder's recipes take it, e.g. "1.0.0". */
export const SEMANTIC_VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}$/;

/** An S3 bucket name: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
export const BUCKET_NAME = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * An SSM parameter name that may hold the tracker's placeholders {pipeline} and {image}: the rules of
 * aws/ssm-parameter-name.ts (characters; "/" first when hierarchical; first level not "aws" or "ssm"
 * in any case; no empty level; at most 15 levels) as one pattern. The length limit applies after the
 * placeholders are filled in, which only synth knows.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
 */
export const PARAMETER_NAME_TEMPLATE =
  /^(?!\/?([aA][wW][sS]|[sS][sS][mM]))(?:(?:[a-zA-Z0-9_.-]|\{pipeline\}|\{image\})+|(?:\/(?:[a-zA-Z0-9_.-]|\{pipeline\}|\{image\})+){1,15})$/;
