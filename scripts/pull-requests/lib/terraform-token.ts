/**
 * The environment variable Terraform reads an API token for a host from: `TF_TOKEN_` and the host with
 * periods written as underscores and hyphens as double underscores (hostnames in Punycode, lower case).
 * Terraform maps the name back the same way: hashicorp/terraform internal/command/cliconfig/credentials.go
 * (collectCredentialsFromEnv: "__" -> "-", then "_" -> "."). https://developer.hashicorp.com/terraform/cli/config/config-file#environment-variable-credentials
 */
import { domainToASCII } from "node:url";

export const DEFAULT_TERRAFORM_HOST = "app.terraform.io";

export function terraformTokenVariable(hostname: string = DEFAULT_TERRAFORM_HOST): string {
  const host = domainToASCII(hostname.trim().toLowerCase());
  if (host === "" || !/^[a-z0-9.-]+$/.test(host) || host.startsWith(".") || host.endsWith(".")) {
    throw new Error(`backend.hostname: "${hostname}" is not a host name; write it without https:// or a port, e.g. "${DEFAULT_TERRAFORM_HOST}"`);
  }
  return `TF_TOKEN_${host.replace(/-/g, "__").replace(/\./g, "_")}`;
}

/** The host a TF_TOKEN_ variable name stands for, as Terraform reads it back. */
export function hostOfTokenVariable(name: string): string | undefined {
  if (!name.startsWith("TF_TOKEN_")) return undefined;
  return name.slice("TF_TOKEN_".length).replace(/__/g, "-").replace(/_/g, ".");
}
