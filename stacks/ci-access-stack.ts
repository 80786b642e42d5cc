import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Fn, TerraformDataSource, TerraformOutput, TerraformResource, type TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { arnAt, formatArn, iamArn, type AwsLocation } from "../aws/arn";
import type { CiAccessConfig, StateBootstrapConfig } from "../config";
import { kmsKeyForm } from "../config/sections/backend";
import { AppStack, type AppStackProps } from "./app-stack";
import { cloudWorkspaceName } from "./backend";
import { exactStatements, pack, requiredPermissions, scopeStatements, unscopedActions, type DeclaredBlock, type RequiredPermissions } from "./ci-access/engine";
import type { ScopeName } from "./ci-access/scopes";
import { policyDocument, type PolicyStatement } from "./constructs/iam";
import { acknowledgeRule } from "./rules/acknowledge";
import { ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS } from "./rules/checks/iam";

export const CI_ACCESS_STACK = "ci-access";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_AUDIENCE = "sts.amazonaws.com";

/** What the apply role must never do to the CI roles themselves. */
const ROLE_CHANGES: readonly string[] = [
  "iam:AttachRolePolicy",
  "iam:DeleteRole",
  "iam:DeleteRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
];
/**
 * ... nor to their managed policies or OIDC providers: a new default version of an attached policy, or a new
 * client ID, changes who may do what. Denied only when a workload stack's blocks grant the apply role such calls
 * (permissions/iam.ts: aws_iam_policy, aws_iam_openid_connect_provider); none does today.
 */
const POLICY_CHANGES: readonly string[] = [
  "iam:CreatePolicyVersion",
  "iam:DeletePolicy",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:TagPolicy",
  "iam:UntagPolicy",
];
const OIDC_PROVIDER_CHANGES: readonly string[] = [
  "iam:AddClientIDToOpenIDConnectProvider",
  "iam:DeleteOpenIDConnectProvider",
  "iam:RemoveClientIDFromOpenIDConnectProvider",
  "iam:TagOpenIDConnectProvider",
  "iam:UntagOpenIDConnectProvider",
  "iam:UpdateOpenIDConnectProviderThumbprint",
];
/** ... nor to the state bucket. */
const BUCKET_CHANGES: readonly string[] = [
  "s3:DeleteBucket",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketPolicy",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketTagging",
  "s3:PutBucketVersioning",
  "s3:PutEncryptionConfiguration",
  "s3:PutLifecycleConfiguration",
];

type Phase = "plan" | "apply";

/**
 * The stack's slice of the configuration: what every stack takes, the `ciAccess` section, and the state
 * bucket's KMS key (`stateBootstrap.kmsKeyArn`), which the roles may use on the state when
 * `backend.kmsKeyId` is not set.
 */
export interface CiAccessStackProps extends AppStackProps {
  readonly ciAccess: CiAccessConfig;
  readonly stateBootstrap: Pick<StateBootstrapConfig, "kmsKeyArn">;
}

/**
 * What CI needs in AWS: OIDC identity providers for GitHub Actions and HCP Terraform (each optional,
 * or an existing one by ARN), a read-only plan role and an apply role.
 *
 * - plan role: trusted by the repository's pull requests (`repo:<owner>/<repo>:pull_request`), by the
 *   main branch (drift.yml's scheduled, read-only plans) and by
 *   the HCP workspaces' plan phase; the read calls of every resource, argument and data source the
 *   workload stacks declare (stacks/ci-access/permissions/), and state reads. It also reads this stack
 *   itself (its own-read policy: the same table's read calls, on this stack's own roles, policies and OIDC
 *   providers by ARN, and its state), so pull requests and drift.yml plan ci-access too.
 * - apply role: trusted by pushes to the main branch and by the HCP workspaces' apply phase; all their
 *   create, read, update and delete calls, limited to `<project>-<environment>-*` where the ARN holds
 *   the name, state reads and writes, and an explicit deny on the CI roles and the state bucket themselves.
 *
 * This stack and state-bootstrap are applied by a person with administrator credentials; CI plans
 * ci-access (read-only) and plans and applies the other ("workload") stacks.
 */
export class CiAccessStack extends AppStack {
  readonly planRole: IamRole;
  readonly applyRole: IamRole;
  /** The stacks CI plans and applies, sorted. */
  readonly workloadStacks: readonly string[];
  /** What the roles hold, by scope (stacks/ci-access/permissions/), from the workload stacks' resources, arguments and data sources. */
  readonly permissions: RequiredPermissions;
  /** The read calls of this stack's own blocks, by scope: what the plan role's own-read policy grants, on this stack's resources by ARN. */
  readonly ownRead: ReadonlyMap<ScopeName, ReadonlySet<string>>;
  readonly githubProviderArn: string | undefined;
  readonly hcpProviderArn: string | undefined;

  /** The roles' names (ciRoleName), which their policies' names start with. */
  private readonly roleNames: Readonly<Record<Phase, string>>;

  constructor(scope: Construct, config: CiAccessStackProps, workloads: readonly TerraformStack[]) {
    super(scope, CI_ACCESS_STACK, config);
    this.roleNames = { plan: ciRoleName(config, "plan"), apply: ciRoleName(config, "apply") };
    const ci = config.ciAccess;
    this.workloadStacks = workloads.map((stack) => stack.node.id).sort();
    this.permissions = requiredPermissions(declaredBlocks(workloads));
    const partition = new DataAwsPartition(this, "partition").partition;

    this.githubProviderArn =
      ci.github === undefined
        ? undefined
        : (ci.github.oidcProviderArn ??
          // No thumbprint_list: hashicorp/aws >= 5.81 leaves it optional and IAM verifies GitHub's certificate through its trusted CAs.
          new IamOpenidConnectProvider(this, "github-oidc", { url: `https://${GITHUB_OIDC_HOST}`, clientIdList: [GITHUB_AUDIENCE] }).arn);
    this.hcpProviderArn =
      ci.hcp === undefined
        ? undefined
        : (ci.hcp.oidcProviderArn ??
          new IamOpenidConnectProvider(this, "hcp-oidc", { url: `https://${ci.hcp.hostname}`, clientIdList: [ci.hcp.audience] }).arn);
    const anyProvider = this.githubProviderArn ?? this.hcpProviderArn;
    if (anyProvider === undefined) throw new Error("ciAccess: neither github nor hcp is configured (the configuration check should have said so)");
    // The account ID from a provider's ARN: no data source that calls AWS at plan time.
    const account = Fn.element(Fn.split(":", anyProvider), 4);
    const location: AwsLocation = { partition, region: config.region, account };

    this.planRole = this.role("plan", config.ciAccess);
    this.applyRole = this.role("apply", config.ciAccess);

    const state = stateAccess(config, this.workloadStacks, partition, account);
    const guard: PolicyStatement[] = [
      {
        sid: "DenyChangesToCiAccess",
        effect: "Deny",
        actions: ROLE_CHANGES,
        resources: [iamArn(location, `role/${this.namePrefix}-ci-*`)],
      },
      ...(this.permissions.apply.has("iamPolicies")
        ? [
            {
              sid: "DenyChangesToCiPolicies",
              effect: "Deny" as const,
              actions: POLICY_CHANGES,
              resources: [iamArn(location, `policy/${this.namePrefix}-ci-*`)],
            },
          ]
        : []),
      ...(this.permissions.apply.has("oidcProviders")
        ? [
            {
              sid: "DenyChangesToCiOidcProviders",
              effect: "Deny" as const,
              actions: OIDC_PROVIDER_CHANGES,
              resources: [this.githubProviderArn, this.hcpProviderArn].filter((arn): arn is string => arn !== undefined),
            },
          ]
        : []),
      ...(state.bucketArn !== undefined
        ? [{ sid: "DenyChangesToStateBucket", effect: "Deny" as const, actions: BUCKET_CHANGES, resources: [state.bucketArn] }]
        : []),
    ];
    const policies = [
      ...this.attach("plan", this.planRole, location, this.permissions.plan, state.plan, []),
      ...this.attach("apply", this.applyRole, location, this.permissions.apply, state.apply, guard),
    ];
    const providerHosts = [
      ...(ci.github !== undefined && ci.github.oidcProviderArn === undefined ? [GITHUB_OIDC_HOST] : []),
      ...(ci.hcp !== undefined && ci.hcp.oidcProviderArn === undefined ? [ci.hcp.hostname] : []),
    ];
    this.ownRead = this.attachOwnRead(location, policies, providerHosts);

    if (this.githubProviderArn !== undefined) new TerraformOutput(this, "github_oidc_provider_arn", { value: this.githubProviderArn });
    if (this.hcpProviderArn !== undefined) new TerraformOutput(this, "hcp_oidc_provider_arn", { value: this.hcpProviderArn });
    new TerraformOutput(this, "plan_role_arn", { value: this.planRole.arn, description: "GitHub: AWS_PLAN_ROLE_ARN; HCP: TFC_AWS_PLAN_ROLE_ARN" });
    new TerraformOutput(this, "apply_role_arn", { value: this.applyRole.arn, description: "GitHub: AWS_APPLY_ROLE_ARN; HCP: TFC_AWS_APPLY_ROLE_ARN" });
  }

  private role(phase: Phase, ci: CiAccessConfig): IamRole {
    const statements: PolicyStatement[] = [];
    const github = ci.github;
    if (github !== undefined && this.githubProviderArn !== undefined) {
      const mainBranch = `repo:${github.repository}:ref:refs/heads/${github.mainBranch}`;
      // The plan role also serves drift.yml, which runs on the main branch; the apply role trusts that branch already.
      const subjects = phase === "plan" ? [`repo:${github.repository}:pull_request`, mainBranch] : [mainBranch];
      statements.push({
        sid: phase === "plan" ? "GitHubPullRequestsAndDrift" : "GitHubMainBranch",
        actions: ["sts:AssumeRoleWithWebIdentity"],
        principals: [{ type: "Federated", identifiers: [this.githubProviderArn] }],
        conditions: [
          { test: "StringEquals", variable: `${GITHUB_OIDC_HOST}:aud`, values: [GITHUB_AUDIENCE] },
          { test: "StringEquals", variable: `${GITHUB_OIDC_HOST}:sub`, values: subjects },
        ],
      });
    }
    const hcp = ci.hcp;
    if (hcp !== undefined && this.hcpProviderArn !== undefined) {
      statements.push({
        sid: phase === "plan" ? "HcpTerraformPlanPhase" : "HcpTerraformApplyPhase",
        actions: ["sts:AssumeRoleWithWebIdentity"],
        principals: [{ type: "Federated", identifiers: [this.hcpProviderArn] }],
        conditions: [
          { test: "StringEquals", variable: `${hcp.hostname}:aud`, values: [hcp.audience] },
          {
            test: "StringEquals",
            variable: `${hcp.hostname}:sub`,
            values: this.workloadStacks.map(
              (stack) => `organization:${hcp.organization}:project:${hcp.project}:workspace:${cloudWorkspaceName(hcp, stack)}:run_phase:${phase}`,
            ),
          },
        ],
      });
    }
    return new IamRole(this, `${phase}-role`, {
      name: this.roleNames[phase],
      description: phase === "plan" ? "CI: terraform plan of the workload stacks (read-only)" : "CI: terraform apply of the workload stacks",
      maxSessionDuration: 3600,
      assumeRolePolicy: policyDocument(this, `${phase}-trust`, statements).json,
    });
  }

  /**
   * The plan role's reads of this stack (pull requests and drift.yml plan it; an administrator applies it):
   * the table's read calls of every block declared so far, on this stack's own resources by ARN: the two CI
   * roles, every policy of theirs (this one's included) and the OIDC providers it creates (an existing
   * provider named by ARN is no block here, so nothing reads it). Its own blocks are of types declared before
   * it; a type added later without a row or without its resources named here fails synth.
   */
  private attachOwnRead(location: AwsLocation, policyNames: readonly string[], providerHosts: readonly string[]): ReadonlyMap<ScopeName, ReadonlySet<string>> {
    const name = `${this.roleNames.plan}-${CI_ACCESS_STACK}`;
    const required = requiredPermissions(declaredBlocks([this])).plan;
    const statements = exactStatements("CiAccess", required, {
      iamRoles: [this.roleNames.plan, this.roleNames.apply].map((role) => iamArn(location, `role/${role}`)),
      iamPolicies: [...policyNames, name].map((policy) => iamArn(location, `policy/${policy}`)),
      oidcProviders: providerHosts.map((host) => iamArn(location, `oidc-provider/${host}`)),
    });
    const policy = new IamPolicy(this, "plan-ci-access-policy", {
      name,
      policy: policyDocument(this, "plan-ci-access-document", statements).json,
    });
    new IamRolePolicyAttachment(this, "plan-ci-access-attachment", { role: this.planRole.name, policyArn: policy.arn });
    // The policy, its document and attachment are blocks too: their reads must be among those granted.
    const missing = [...requiredPermissions(declaredBlocks([this])).plan].flatMap(([scope, actions]) =>
      [...actions].filter((action) => !required.get(scope)?.has(action)).map((action) => `${action} (${scope})`),
    );
    if (missing.length > 0) throw new Error(`ciAccess: the own-read policy lacks ${missing.join(", ")}: declare its types before attachOwnRead`);
    return required;
  }

  /** Managed policies (6,144 characters each) packed with one statement per scope, plus one for the actions IAM accepts only on "*"; returns their names. */
  private attach(
    phase: Phase,
    role: IamRole,
    location: AwsLocation,
    required: ReadonlyMap<ScopeName, ReadonlySet<string>>,
    stateStatements: readonly PolicyStatement[],
    guard: readonly PolicyStatement[],
  ): string[] {
    const scoped = [...stateStatements, ...scopeStatements(phase, required, this.permissions.otherRegions, location, this.namePrefix)];
    const groups = pack([...guard, ...scoped]);
    const policyName = (suffix: string): string => `${this.roleNames[phase]}-${suffix}`;
    const names = groups.map((_statements, index) => policyName(String(index + 1)));
    groups.forEach((statements, index) => {
      const policy = new IamPolicy(this, `${phase}-policy-${index + 1}`, {
        name: policyName(String(index + 1)),
        policy: policyDocument(this, `${phase}-policy-${index + 1}-document`, statements).json,
      });
      new IamRolePolicyAttachment(this, `${phase}-policy-${index + 1}-attachment`, { role: role.name, policyArn: policy.arn });
    });
    const unscoped = unscopedActions(required);
    if (unscoped.length > 0) {
      const policy = new IamPolicy(this, `${phase}-unscoped-policy`, {
        name: policyName("unscoped"),
        policy: policyDocument(this, `${phase}-unscoped-document`, [{ sid: "NoResourceLevelPermissions", actions: unscoped, resources: ["*"] }]).json,
      });
      const unlisted = unscoped.filter((action) => !ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.has(action));
      if (unlisted.length > 0) {
        acknowledgeRule(
          policy,
          "IAM-2",
          `these actions have no resource-level permissions, so IAM accepts only Resource "*" (aws/iam-star-only.ts lists them, generated from the Service Authorization Reference): ${unlisted.join(", ")}`,
        );
      }
      new IamRolePolicyAttachment(this, `${phase}-unscoped-attachment`, { role: role.name, policyArn: policy.arn });
      names.push(policyName("unscoped"));
    }
    return names;
  }
}

/**
 * A CI role's name: `<project>-<environment>-ci-<phase>-<region>`. IAM names are global per account, so
 * the region keeps one environment deployed in two regions from colliding.
 */
export function ciRoleName(config: Pick<AppStackProps, "project" | "environment" | "region">, phase: Phase): string {
  return `${config.project}-${config.environment}-ci-${phase}-${config.region}`;
}

/** Every resource and data source the stacks declare, with its arguments as they will be synthesized. */
export function declaredBlocks(stacks: readonly TerraformStack[]): DeclaredBlock[] {
  const blocks: DeclaredBlock[] = [];
  for (const stack of stacks) {
    for (const construct of stack.node.findAll()) {
      if (!(construct instanceof TerraformResource) && !(construct instanceof TerraformDataSource)) continue;
      const kind = construct instanceof TerraformResource ? "resource" : "data";
      // An aliased AWS provider puts the block in its region (AppStack.providerIn).
      const provider = construct.provider;
      const region = provider instanceof AwsProvider && provider.alias !== undefined ? provider.region : undefined;
      const rendered = construct.toTerraform() as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
      for (const [type, byId] of Object.entries(rendered[kind] ?? {})) {
        for (const [id, all] of Object.entries(byId)) {
          // toTerraform() lists every attribute; only the ones set reach the synthesized JSON.
          const set = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined && value !== null));
          const address = `${stack.node.id}/${kind === "data" ? "data." : ""}${type}.${id}`;
          blocks.push({ kind, type, address, arguments: set, ...(region !== undefined ? { region } : {}) });
        }
      }
    }
  }
  return blocks;
}

/**
 * The state objects: the workload stacks' and ci-access's own read for plan (plans run with -lock=false, so
 * no lock file), the workload stacks' read and write (with the S3 lock file) for apply. ci-access's state is
 * written by the administrator who applies it, never by the apply role.
 */
function stateAccess(
  config: CiAccessStackProps,
  stacks: readonly string[],
  partition: string,
  account: string,
): { plan: PolicyStatement[]; apply: PolicyStatement[]; bucketArn: string | undefined } {
  const backend = config.backend;
  if (backend.type !== "s3") return { plan: [], apply: [], bucketArn: undefined };
  const bucketArn = formatArn({ partition, service: "s3", resource: backend.bucket });
  const keyOf = (stack: string): string => `${bucketArn}/${backend.keyPrefix}/${stack}.tfstate`;
  const keys = stacks.map(keyOf);
  const locks = keys.map((key) => `${key}.tflock`);
  const kmsKey = backend.kmsKeyId ?? config.stateBootstrap.kmsKeyArn;
  const key = kmsKey === undefined ? undefined : stateKeyGrant(kmsKey, { partition, region: backend.region, account });
  const table =
    backend.dynamodbTable === undefined ? undefined : arnAt({ partition, region: backend.region, account }, "dynamodb", `table/${backend.dynamodbTable}`);
  const list: PolicyStatement = { sid: "StateList", actions: ["s3:ListBucket"], resources: [bucketArn] };
  const plan: PolicyStatement[] = [
    list,
    // ci-access's own state too: pull requests and drift.yml plan it (with -lock=false, as every plan: no lock file).
    { sid: "StateRead", actions: ["s3:GetObject"], resources: [...keys, keyOf(CI_ACCESS_STACK)] },
    ...(key !== undefined ? [{ sid: "StateDecrypt", actions: ["kms:Decrypt"], ...key }] : []),
    // The S3 backend reads the state's digest from the lock table even without a lock.
    ...(table !== undefined ? [{ sid: "StateDigest", actions: ["dynamodb:GetItem"], resources: [table] }] : []),
  ];
  const apply: PolicyStatement[] = [
    list,
    { sid: "StateReadWrite", actions: ["s3:GetObject", "s3:PutObject"], resources: keys },
    ...(backend.useLockfile ? [{ sid: "StateLockFile", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources: locks }] : []),
    ...(key !== undefined ? [{ sid: "StateEncrypt", actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], ...key }] : []),
    ...(table !== undefined ? [{ sid: "StateLockTable", actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], resources: [table] }] : []),
  ];
  return { plan, apply, bucketArn };
}

/**
 * The resources (and condition) of the state key grant for backend.kmsKeyId in any form KMS accepts.
 * KMS authorizes Decrypt/Encrypt/GenerateDataKey on the key ARN, never on an alias ARN, so an alias
 * becomes "the keys of that account and region that carry this alias" (kms:ResourceAliases,
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases);
 * a bare key ID becomes the key ARN in the bucket's region (SSE-KMS keys are in the bucket's region)
 * and this account. Anything else throws: the configuration check rejects it first.
 */
export function stateKeyGrant(kmsKeyId: string, where: AwsLocation): Pick<PolicyStatement, "resources" | "conditions"> {
  const byAlias = (alias: string, region: string, account: string): Pick<PolicyStatement, "resources" | "conditions"> => ({
    resources: [arnAt({ partition: where.partition, region, account }, "kms", "key/*")],
    conditions: [{ test: "ForAnyValue:StringEquals", variable: "kms:ResourceAliases", values: [alias] }],
  });
  const form = kmsKeyForm(kmsKeyId);
  switch (form?.kind) {
    case "key-arn":
      return { resources: [kmsKeyId] };
    case "alias-arn":
      return byAlias(form.alias, form.region, form.account);
    case "alias-name":
      return byAlias(kmsKeyId, where.region, where.account);
    case "key-id":
      return { resources: [arnAt(where, "kms", `key/${kmsKeyId}`)] };
    default:
      throw new Error(`backend.kmsKeyId: ${JSON.stringify(kmsKeyId)} is not a KMS key ID, key ARN, alias name or alias ARN`);
  }
}
