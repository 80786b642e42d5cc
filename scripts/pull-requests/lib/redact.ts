/**
 * Terraform's output made safe and short for a pull-request comment or an issue: colours removed,
 * secrets replaced by [REDACTED], and only the error diagnostics kept (they say what failed).
 * GitHub masks registered secrets in job logs, never in comments a script posts: this is the only guard there.
 */

export const REDACTED = "[REDACTED]";

/**
 * Token shapes that are secret wherever they appear. No `\b` in front of a prefix: `\b` fails between
 * `_` or a letter and the token (`key_AKIA...`, `tokenghp_...`), exactly where logs glue them.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  // AWS access key IDs (IAM user, role, STS...): AWS IAM User Guide, "Unique identifiers", prefixes.
  /(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}/g,
  // STS session tokens: base64 of their binary header, "IQoJb3JpZ2luX2Vj" (newer) or "FwoGZXIvYXdz"/"FQoGZXIvYXdz" (older).
  /(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=%]{16,}/g,
  // A bare AWS secret access key: 40 base64 characters with upper, lower and a digit or / or +, standing alone.
  // Lowercase hex (git SHAs, sha1 digests) has no uppercase letter and stays.
  /(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
  /gh[pousr]_[A-Za-z0-9]{30,}/g, // GitHub tokens
  /github_pat_[A-Za-z0-9_]{40,}/g,
  /[A-Za-z0-9]{6,}\.atlasv1\.[A-Za-z0-9_-]{20,}/g, // HCP Terraform API tokens (user, team, organization: prefixes of any length)
  /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWTs (OIDC tokens)
  /xox[abpr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /npm_[A-Za-z0-9]{36}/g, // npm tokens
  // A private key: to its END line, or, when the output cut it off, as far as its base64 body (and
  // Terraform's box drawing and JSON's \n escapes) goes.
  /-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s\u2502\\]*)/g,
  // A password in a URL: scheme://user:password@host.
  /(?<=[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']*:)[^\s@/"']+(?=@)/gi,
];

/** Names whose value is a secret: `NAME = "value"`, `NAME: value`, `var.NAME is "value"`, `var.x["NAME"] is "value"` (a diagnostic's values). */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:secret|password|passwd|passphrase|token|api[_-]?key|private[_-]?key|access[_-]?key|credential)[A-Za-z0-9_-]*`;
const AFTER_NAME = String.raw`(?:"\]|'\]|\\?")?\s*(?:=|:|is)\s*`;
const NAMED_VALUE: ReadonlyArray<readonly [RegExp, string]> = [
  // A JSON-escaped value inside another string (\"password\": \"...\"), then a quoted one, then a bare one.
  [new RegExp(String.raw`(\b${SECRET_NAME}${AFTER_NAME})\\"(?:[^"\\]|\\[^"])*\\"`, "gi"), `$1\\"${REDACTED}\\"`],
  [new RegExp(String.raw`(\b${SECRET_NAME}${AFTER_NAME})"(?:[^"\\]|\\.)*"`, "gi"), `$1"${REDACTED}"`],
  [new RegExp(String.raw`(\b${SECRET_NAME}\s*=\s*)(?![\\"])[^\s,;&]+`, "gi"), `$1${REDACTED}`],
  // `name: value` (YAML, logs): only a value that looks generated (8+ characters with a digit), so `password: must be set` stays.
  [new RegExp(String.raw`(\b${SECRET_NAME}:[ \t]*)(?![\\"])(?=[^\s,;&]*\d)[^\s,;&]{8,}`, "gi"), `$1${REDACTED}`],
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
  "PLAN_DIGEST_KEY",
];

/** The values of SECRET_ENVIRONMENT, of every TF_TOKEN_* (HCP Terraform credentials) and of secret-named TF_VAR_* in `env`. */
export function secretsFromEnvironment(env: NodeJS.ProcessEnv = process.env): string[] {
  const secretVariable = new RegExp(`^TF_VAR_${SECRET_NAME}$`, "i");
  return Object.entries(env)
    .filter(
      ([name, value]) =>
        (SECRET_ENVIRONMENT.includes(name) || name.startsWith("TF_TOKEN_") || secretVariable.test(name)) && value !== undefined && value.length >= 8,
    )
    .map(([, value]) => value ?? "");
}

/**
 * A secret as it may appear in output: as is, URL-encoded (either hex case, `+` for spaces), JSON-escaped
 * (once or twice, `/` escaped or not), and base64 (standard and URL-safe, unpadded).
 */
export function encodedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const url = encodeURIComponent(secret);
  const base64 = Buffer.from(secret, "utf8").toString("base64");
  const forms = [
    secret,
    url,
    url.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    url.replace(/%20/g, "+"),
    encodeURI(secret),
    json,
    json.replace(/\//g, "\\/"),
    JSON.stringify(json).slice(1, -1),
    base64.replace(/=+$/, ""),
    Buffer.from(secret, "utf8").toString("base64url"),
  ];
  return [...new Set(forms)].filter((form) => form.length >= 8);
}

export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

/** Replaces known secret values, token shapes and values of secret-named settings by [REDACTED]. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let result = text;
  const forms = secrets.filter((value) => value.length >= 8).flatMap(encodedForms);
  for (const form of [...new Set(forms)].sort((a, b) => b.length - a.length)) result = result.split(form).join(REDACTED);
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
