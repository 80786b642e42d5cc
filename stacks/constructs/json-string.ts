/**
 * A JSON document as a Terraform string attribute whose values may hold references (a Step Functions
 * definition), written so that both of cdktf's output formats read back the same string.
 *
 * cdktf 0.21's HCL renderer (cdktf/lib/hcl/render.js, escapeQuotes and renderString) writes a string
 * that contains `${` between quotes as it is, taking it for an HCL template already: the JSON's own
 * quotes end the HCL string and `terraform fmt` fails ("Missing newline after argument"). Reported
 * upstream as hashicorp/terraform-cdk#3911 (open; CDKTF is archived). `jsonencode(...)` would render in
 * both formats, but it changes the JSON output and the planned value (Terraform sorts the keys).
 * So for HCL the literal text between the references is escaped as an HCL template wants it (`\` and
 * `"`); the references stay as they are. JSON output is `JSON.stringify` unchanged.
 */
import { App, Tokenization } from "cdktf";
import type { IConstruct } from "constructs";

/** Escapes text for inside an HCL quoted template: backslashes and double quotes (JSON.stringify leaves no raw newline). */
export function escapeHclTemplateLiteral(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

/**
 * `json` (which may hold unresolved token strings) with every literal stretch escaped by `escapeHclTemplateLiteral`
 * and every token left as it is, in order.
 */
export function escapeHclLiterals(json: string): string {
  let escaped = "";
  let rest = json;
  for (const token of Tokenization.reverseString(json).tokens) {
    const marker = token.toString();
    const at = rest.indexOf(marker);
    if (at < 0) throw new Error(`jsonString: token ${marker} not found in the rest of the string ${JSON.stringify(rest)}`);
    escaped += escapeHclTemplateLiteral(rest.slice(0, at)) + marker;
    rest = rest.slice(at + marker.length);
  }
  return escaped + escapeHclTemplateLiteral(rest);
}

/** `JSON.stringify(value)` for a string attribute of a resource in `scope`, escaped for HCL when the app synthesizes HCL. */
export function jsonString(scope: IConstruct, value: unknown): string {
  const json = JSON.stringify(value);
  return App.of(scope).hclOutput ? escapeHclLiterals(json) : json;
}
