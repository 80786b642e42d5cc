/**
 * A corpus of realistic secrets inside Terraform's error output (the box-drawn diagnostics of terraform
 * 1.11, as in __tests__/fixtures/plans/plan-failure.log), each tried through safeTerraformError as the
 * failure comment uses it: none may survive, in any of the forms it is printed in. Then benign plan text
 * that must stay readable. Values are made up in the providers' documented shapes (AWS IAM User Guide
 * "Unique identifiers" and "Managing access keys"; GitHub "About authentication: token formats"; HCP
 * Terraform "API tokens").
 */
import { REDACTED, encodedForms, safeTerraformError, secretsFromEnvironment } from "../../../scripts/pull-requests/lib/redact";

/** The job's own secrets, as the workflow passes them in the environment. */
const ENV = {
  AWS_SECRET_ACCESS_KEY: "q8Hd/3kLm+Zp0xR2vT9wYbN4cE6fG1hJ5sU7aKiW",
  AWS_SESSION_TOKEN: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6nJ0ex4mple",
  GITHUB_TOKEN: "ghs_3kd8FJ2nd93KD0s9dk3ND8s0dk3NDs9d2K4a",
  TF_TOKEN_app_terraform_io: "Xy7Qw2Rt9Lp3Vb.atlasv1.Kq8Zm3Xn7Vb2Lp9Rt4Wy6Hs1Jd5Fg0Ck8Qz3Mx7Nv2Bp",
  TF_VAR_db_password: 'p@ss w0rd/with&odd=chars"quoted"',
  PLAN_DIGEST_KEY: "digest-key-4f9a2c7e1b8d3f6a",
};
const SECRETS = secretsFromEnvironment(ENV);

/** Terraform's diagnostic box around a message. */
const box = (summary: string, detail: string, address = "aws_db_instance.main"): string =>
  [
    "Planning failed. Terraform encountered an error while generating this plan.",
    "",
    "╷",
    `│ Error: ${summary}`,
    "│ ",
    `│   with ${address},`,
    `│   on cdk.tf.json line 41, in resource.${address}:`,
    '│   41:         "engine": "postgres",',
    "│ ",
    ...detail.split("\n").map((line) => `│ ${line}`),
    "╵",
    "",
  ].join("\n");

const url = (value: string): string => encodeURIComponent(value);
const json = (value: string): string => JSON.stringify(value).slice(1, -1);
const PRIVATE_KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu";

/** [what, the output, the secret text that must not survive]. */
const CORPUS: ReadonlyArray<readonly [string, string, string]> = [
  ["access key ID alone", box("creating RDS DB Instance", "operation error: InvalidClientTokenId: AKIAIOSFODNN7EXAMPLE is not valid"), "AKIAIOSFODNN7EXAMPLE"],
  ["access key ID after _", box("bad key", "key_AKIAI44QH8DHBEXAMPLE rejected"), "AKIAI44QH8DHBEXAMPLE"],
  ["access key ID glued to letters", box("bad key", "accesskeyAKIAJ7QH8DHBEXAMPLEZ given"), "AKIAJ7QH8DHBEXAMPLE"],
  ["STS access key ID (ASIA)", box("expired", "ExpiredToken: ASIAY34FZKBOKMUTVV7A has expired"), "ASIAY34FZKBOKMUTVV7A"],
  ["role ID (AROA) next to a colon", box("denied", "principal AROA3XFRBF535PLBIFPI:session"), "AROA3XFRBF535PLBIFPI"],
  [
    "bare 40-char secret key",
    box("signature mismatch", "SignatureDoesNotMatch; computed with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  ],
  ["bare secret key in quotes", box("invalid", 'value "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY" not allowed'), "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"],
  [
    "secret_key = in a provider block",
    box("invalid provider configuration", 'secret_key = "Zx9/Yw8+Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa98"'),
    "Zx9/Yw8+Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa98",
  ],
  [
    "session token (IQoJ...)",
    box("expired", "token IQoJb3JpZ2luX2VjEHAaCXVzLWVhc3QtMSJIMEYCIQCxm3Vz0ExAmPlE is expired"),
    "IQoJb3JpZ2luX2VjEHAaCXVzLWVhc3QtMSJIMEYCIQCxm3Vz0ExAmPlE",
  ],
  ["older session token (FwoG...)", box("expired", "FwoGZXIvYXdzEBYaDOkEXAMPLEtoken0123456789abc expired"), "FwoGZXIvYXdzEBYaDOkEXAMPLEtoken0123456789abc"],
  [
    "session token in a presigned URL",
    box("GET failed", "https://b.s3.amazonaws.com/k?X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJrEXAMPLE%2F%2Fabc&X-Amz-Date=1"),
    "IQoJb3JpZ2luX2VjEJrEXAMPLE",
  ],
  ["the job's secret key", box("x", `secret ${ENV.AWS_SECRET_ACCESS_KEY} used`), ENV.AWS_SECRET_ACCESS_KEY],
  ["the job's secret key, URL-encoded", box("x", `https://sts.amazonaws.com/?SecretKey=${url(ENV.AWS_SECRET_ACCESS_KEY)}`), url(ENV.AWS_SECRET_ACCESS_KEY)],
  ["the job's secret key, URL-encoded lowercase", box("x", `q=${url(ENV.AWS_SECRET_ACCESS_KEY).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())}`), "3kLm"],
  ["the job's secret key, JSON-escaped", box("x", `{"k":"${json(ENV.AWS_SECRET_ACCESS_KEY).replace(/\//g, "\\/")}"}`), "3kLm"],
  ["the job's session token, URL-encoded", box("x", `token=${url(ENV.AWS_SESSION_TOKEN)}`), "wEaCXVzLWVhc3Qt"],
  ["the job's GitHub token in a git URL", box("x", `https://x-access-token:${ENV.GITHUB_TOKEN}@github.com/acme/repo.git`), ENV.GITHUB_TOKEN],
  ["the job's HCP token", box("x", `Authorization header ${ENV.TF_TOKEN_app_terraform_io}`), "Kq8Zm3Xn7Vb2Lp9Rt4"],
  ["the job's TF_VAR password, JSON-escaped", box("x", `"password": "${json(ENV.TF_VAR_db_password)}"`), "w0rd/with"],
  ["the job's TF_VAR password, URL-encoded", box("x", `postgres://admin:${url(ENV.TF_VAR_db_password)}@db:5432/app`), url(ENV.TF_VAR_db_password)],
  [
    "the job's TF_VAR password, base64",
    box("x", `user_data = ${Buffer.from(ENV.TF_VAR_db_password).toString("base64")}`),
    Buffer.from(ENV.TF_VAR_db_password).toString("base64").slice(0, 24),
  ],
  ["the job's digest key", box("x", `key ${ENV.PLAN_DIGEST_KEY}`), ENV.PLAN_DIGEST_KEY],
  ["private key with END", box("invalid key", `-----BEGIN RSA PRIVATE KEY-----\n${PRIVATE_KEY_BODY}\n-----END RSA PRIVATE KEY-----`), "MzEfYyjiWA4R4"],
  ["private key cut off (no END line)", box("invalid key", `-----BEGIN PRIVATE KEY-----\n${PRIVATE_KEY_BODY}`), "MzEfYyjiWA4R4"],
  [
    "private key, JSON-escaped, no END",
    box("invalid", `"private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\\n${PRIVATE_KEY_BODY.replace("\n", "\\n")}`),
    "MzEfYyjiWA4R4",
  ],
  ["password in a postgres URL", box("connect failed", "dial postgres://app:S3cr3t-Pa55@db.internal:5432/app: timeout"), "S3cr3t-Pa55"],
  ["password in an https URL", box("GET failed", 'Get "https://deploy:hunter2hunter2@artifacts.acme.test/x": 401'), "hunter2hunter2"],
  ["password in a redis URL", box("x", "redis://:R3d1sP4ss@cache:6379/0"), "R3d1sP4ss"],
  ["HCP team token (14-char prefix)", box("unauthorized", "token AbCdEfGhIjKlMn.atlasv1.x1Y2z3x1Y2z3x1Y2z3x1Y2z3x1Y2z3x1Y2z3x1Y2 rejected"), "x1Y2z3x1Y2z3"],
  ["HCP token with a 6-char prefix", box("unauthorized", "token Ab12Cd.atlasv1.Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2 rejected"), "Zz9Yy8Xx7Ww6"],
  ["HCP token with a 20-char prefix and _/-", box("unauthorized", "Qw3Er5Ty7Ui9Op1As3Df.atlasv1.a_b-c_d-e_f-g_h-i_j-k_l-m_n-o"), "a_b-c_d-e_f"],
  ['var.creds["password"] is "..."', box("Invalid function argument", '├────────────────\n│ var.creds["password"] is "Tr0ub4dor&3"'), "Tr0ub4dor&3"],
  ["var.creds['api_key'] is", box("Invalid value", "var.creds['api_key'] is \"k-12345-abcdef\""), "k-12345-abcdef"],
  ["var.db_password is", box("Invalid function argument", 'var.db_password is "correct horse battery"'), "correct horse battery"],
  ["a JSON-escaped secret-named value", box("x", '{\\"client_secret\\": \\"s3cr3t-in-json\\"}'), "s3cr3t-in-json"],
  ["GitHub classic PAT (ghp_)", box("x", "token ghp_R2d2C3poX9wingR2d2C3poX9wingAbCd01 denied"), "ghp_R2d2C3poX9wingR2d2C3poX9wingAbCd01"],
  ["GitHub installation token (ghs_) glued to _", box("x", "GH_ghs_16C7e42F292c6912E7710c838347Ae178B4a"), "16C7e42F292c6912E7710c838347Ae178B4a"],
  ["GitHub OAuth token (gho_)", box("x", "gho_16C7e42F292c6912E7710c838347Ae178B4a"), "16C7e42F292c6912E7710c838347Ae178B4a"],
  ["fine-grained GitHub PAT", box("x", `github_pat_11ABCDEFG0${"a1B2c3D4e5".repeat(7)}`), "a1B2c3D4e5a1B2"],
  [
    "OIDC JWT",
    box("AssumeRoleWithWebIdentity", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmEvYjpwdWxsX3JlcXVlc3QifQ.c2lnbmF0dXJlLXZhbHVl"),
    "eyJzdWIiOiJyZXBvOmEvYjpwdWxsX3JlcXVlc3QifQ",
  ],
  ["Authorization: Bearer", box("x", "Authorization: Bearer opaque-token-value-123"), "opaque-token-value-123"],
  ["Basic auth header", box("x", "Authorization: Basic YWRtaW46cGFzc3dvcmQ="), "YWRtaW46cGFzc3dvcmQ="],
  ["Slack webhook token", box("x", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"), "AbCdEfGhIjKlMnOpQrStUvWx"],
  ["npm token", box("x", "//registry/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789"), "npm_abcdefghijklmnopqrstuvwxyz0123456789"],
  ["api_key: value (YAML style)", box("x", "api_key: 9f8e7d6c5b4a39281706f5e4"), "9f8e7d6c5b4a39281706f5e4"],
  ["TF_VAR-style assignment in a log", box("x", "TF_VAR_admin_password=Adm1nPassw0rd! terraform plan"), "Adm1nPassw0rd!"],
];

describe("redaction corpus: realistic secrets in real error output", () => {
  test("the corpus has at least 42 cases", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(42);
  });

  test.each(CORPUS)("%s: gone", (_what, output, secret) => {
    const safe = safeTerraformError(output, SECRETS, { maxLines: 200, maxChars: 20_000 });
    expect(safe).not.toContain(secret);
    expect(safe).toContain(REDACTED);
    // The diagnostic itself stays: what failed, and where.
    expect(safe).toMatch(/^Error: /);
    expect(safe).toContain("on cdk.tf.json line 41");
  });

  test("encoded forms of a job secret cover URL, JSON and base64 spellings", () => {
    const forms = encodedForms('a/b c"d+e');
    expect(forms).toEqual(expect.arrayContaining(['a/b c"d+e', "a%2Fb%20c%22d%2Be", "a%2fb%20c%22d%2be", "a%2Fb+c%22d%2Be", 'a/b c\\"d+e', 'a\\/b c\\"d+e']));
  });
});

describe("benign plan text stays readable", () => {
  test.each([
    ["a git commit SHA", "planned at 9fceb02d0ae598e95dc970b74767f19372d61af8"],
    ["an ARN", "arn:aws:iam::111122223333:role/ssm-patterns-default-ci-plan-us-east-1"],
    ["a resource address with for_each", 'aws_ssm_parameter.channel["stable"]'],
    ["a Lambda source_code_hash (base64 sha256, 44 chars with =)", "source_code_hash = 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="],
    ["an SSM parameter name", "/ec2-imagebuilder/latest"],
    ["an AMI ID", "ami-0abcdef1234567890"],
    ["an IAM role's max_session_duration", "max_session_duration = 3600"],
    ["a secret-named setting whose value is prose", "password: must be at least 8 characters"],
    ["a URL without credentials", "https://sqs.us-east-1.amazonaws.com/111122223333/orders"],
    ["a KMS key ID (UUID)", "1234abcd-12ab-34cd-56ef-1234567890ab"],
    ["Terraform's own summary", "Plan: 3 to add, 1 to change, 0 to destroy."],
  ])("%s", (_what, text) => {
    expect(safeTerraformError(`Error: x\n${text}`, SECRETS)).toBe(`Error: x\n${text}`);
  });
});
