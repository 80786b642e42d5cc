/**
 * Formats of single settings, each written once: the schema carries it as JSON Schema `pattern`
 * (so editors and ajv check it) and the section tests the same RegExp to word its message.
 * ajv and VS Code compile a pattern with the "u" flag: __tests__/config/schema.test.ts checks each does.
 */

/** A 12-digit AWS account ID. */
export const ACCOUNT_ID = /^\d{12}$/;
