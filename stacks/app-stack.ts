import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Aspects, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { AppConfig } from "../config";
import { configureBackend } from "./backend";
import { ARCHIVE_PROVIDER_CONSTRAINT } from "./constructs/nodejs-function";
import { boundedName } from "./constructs/http-api/http-api";
import { RulePackAspect } from "./rules/rule-pack";

/**
 * What every stack requires of Terraform and its providers. Terraform >= 1.10 reads the S3 backend's
 * `use_lockfile`; the bindings (@cdktf/provider-aws 20.1.0, @cdktf/provider-archive 11.0.1) are
 * generated from hashicorp/aws 5.100.0 and hashicorp/archive 2.7.1, and later minor versions only add.
 */
export const VERSION_CONSTRAINTS = {
  terraform: ">= 1.10",
  aws: "~> 5.100",
  archive: ARCHIVE_PROVIDER_CONSTRAINT,
} as const;

/** What every stack takes of the configuration: names, region, tags and where its state lives. */
export type AppStackProps = Pick<AppConfig, "project" | "environment" | "region" | "accountId" | "tags" | "backend">;

/** The slice of the configuration every stack takes (AppStackProps), out of the whole configuration. */
export function appStackProps(config: AppStackProps): AppStackProps {
  return {
    project: config.project,
    environment: config.environment,
    region: config.region,
    ...(config.accountId !== undefined ? { accountId: config.accountId } : {}),
    tags: config.tags,
    backend: config.backend,
  };
}

/**
 * A stack with this app's backend, an AWS provider in the configured region with default tags, and
 * the rule pack (stacks/rules, docs/rules.md) run at synth.
 */
export class AppStack extends TerraformStack {
  /** The region of the stack's AWS provider. */
  readonly region: string;
  /** `<project>-<environment>`: the prefix of every resource name in the stack. */
  readonly namePrefix: string;
  /**
   * `<project>-<environment>-<region>`: the prefix of names that are global per account (IAM roles and
   * instance profiles), so one environment in two regions, or two environments, never collide.
   */
  readonly globalNamePrefix: string;
  private readonly providerTags: Readonly<Record<string, string>>;
  /** Every AWS provider of the stack refuses other accounts' credentials (before any change): empty when the configuration names no account. */
  private readonly allowedAccountIds: { readonly allowedAccountIds?: string[] };

  constructor(scope: Construct, stackName: string, config: AppStackProps) {
    super(scope, stackName);
    this.region = config.region;
    this.namePrefix = `${config.project}-${config.environment}`;
    this.globalNamePrefix = `${this.namePrefix}-${config.region}`;
    configureBackend(this, stackName, config.backend);
    this.addOverride("terraform.required_version", VERSION_CONSTRAINTS.terraform);
    this.addOverride("terraform.required_providers.aws.version", VERSION_CONSTRAINTS.aws);
    this.providerTags = { ...config.tags, Stack: stackName };
    this.allowedAccountIds = config.accountId !== undefined ? { allowedAccountIds: [config.accountId] } : {};
    new AwsProvider(this, "aws", { region: config.region, ...this.allowedAccountIds, defaultTags: [{ tags: this.providerTags }] });
    Aspects.of(this).add(new RulePackAspect());
  }

  /**
   * The AWS provider that creates resources in `region`: undefined for the stack's own region (its
   * default provider), else one aliased by the region's name, `aws.<region>`, with the same default
   * tags. The alias is the region so that the provider's address never depends on the order of use.
   */
  providerIn(region: string): AwsProvider | undefined {
    if (region === this.region) return undefined;
    const id = `aws-${region}`;
    const existing = this.node.tryFindChild(id);
    if (existing instanceof AwsProvider) return existing;
    return new AwsProvider(this, id, { alias: region, region, ...this.allowedAccountIds, defaultTags: [{ tags: this.providerTags }] });
  }

  /** An account-global name (IAM role, instance profile): `<globalNamePrefix>-<suffix>`, at most 64 characters. */
  globalName(suffix: string): string {
    return boundedName(`${this.globalNamePrefix}-${suffix}`, 64);
  }
}
