/**
 * Terraform's output made safe and short for a pull-request comment or an issue: colours removed,
 * secrets replaced by [REDACTED], and only the error diagnostics kept (they say what failed).
 * GitHub masks registered secrets in job logs, never in comments a script posts: this is the only guard there.
 */

export const REDACTED = "[REDACTED]";

/** Token shapes that are secret wherever they appear. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, // AWS access key IDs
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{40,}\b/g,
  /\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{40,}/g, // HCP Terraform API tokens
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWTs (OIDC tokens)
  /\bxox[abpr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/** Names whose value is a secret: `NAME = "value"`, `NAME: value`, `var.NAME is "value"` (a diagnostic's values). */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:secret|password|passwd|token|api[_-]?key|private[_-]?key|access[_-]?key|credential|session)[A-Za-z0-9_-]*`;
const NAMED_VALUE: ReadonlyArray<readonly [RegExp, string]> = [
  [new RegExp(String.raw`(\b${SECRET_NAME}"?\s*(?:=|:|is)\s*)"(?:[^"\\]|\\.)*"`, "gi"), `$1"${REDACTED}"`],
  [new RegExp(String.raw`(\b${SECRET_NAME}\s*=\s*)(?!")[^\s,;]+`, "gi"), `$1${REDACTED}`],
  [/(\bAuthorization:\s*(?:Bearer|Basic|token)\s+)\S+/gi, `$1${REDACTED}`],
];

/** Environment variables whose values are replaced wherever they appear, when set. */
export const SECRET_ENVIRONMENT: readonly string[] = [
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "ACTIONS_RUNTIME_TOKEN",
  "TFE_TOKEN",
];

/** The values of SECRET_ENVIRONMENT and of every TF_TOKEN_* (HCP Terraform credentials) in `env`. */
export function secretsFromEnvironment(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => (SECRET_ENVIRONMENT.includes(name) || name.startsWith("TF_TOKEN_")) && value !== undefined && value.length >= 8)
    .map(([, value]) => value ?? "");
}

export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

/** Replaces known secret values, token shapes and values of secret-named settings by [REDACTED]. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of [...secrets].filter((value) => value.length >= 8).sort((a, b) => b.length - a.length)) result = result.split(secret).join(REDACTED);
  for (const pattern of SECRET_PATTERNS) result = result.replace(pattern, REDACTED);
  for (const [pattern, replacement] of NAMED_VALUE) result = result.replace(pattern, replacement);
  return result;
}

export interface TrimOptions {
  /** @default 60 */
  readonly maxLines?: number;
  /** @default 6000 */
  readonly maxChars?: number;
}

/**
 * The error diagnostics of Terraform's output (each from its `Error:` line to the end of its box),
 * or its last lines when there is none; capped in lines and characters with a note.
 */
export function trimTerraformError(text: string, options: TrimOptions = {}): string {
  const maxLines = options.maxLines ?? 60;
  const maxChars = options.maxChars ?? 6000;
  const lines = stripAnsi(text).replace(/\r\n/g, "\n").split("\n");
  const kept: string[] = [];
  let inError = false;
  for (const line of lines) {
    const bare = line.replace(/^[│╷╵ ]+/, "");
    if (/^Error: /.test(bare)) {
      if (kept.length > 0) kept.push("");
      inError = true;
    } else if (/^Warning: /.test(bare) || /^╵/.test(line)) {
      inError = false;
    }
    if (inError) kept.push(line.replace(/^│ ?/, "").trimEnd());
  }
  const chosen =
    kept.length > 0
      ? kept
      : lines
          .map((line) => line.trimEnd())
          .filter((line) => line !== "")
          .slice(-maxLines);
  let result = chosen.slice(0, maxLines).join("\n").trim();
  const droppedLines = chosen.length - Math.min(chosen.length, maxLines);
  if (result.length > maxChars) result = result.slice(0, maxChars);
  if (droppedLines > 0 || result.length < chosen.join("\n").trim().length) result += "\n[... trimmed: the run's log has the whole output]";
  return result;
}

/** Redacted, then trimmed: a cut never splits a secret and lets half of it through. */
export function safeTerraformError(text: string, secrets: readonly string[] = secretsFromEnvironment(), options: TrimOptions = {}): string {
  return trimTerraformError(redactSecrets(stripAnsi(text), secrets), options);
}
