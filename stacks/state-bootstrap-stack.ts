import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Fn, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { StateBootstrapConfig } from "../config";
import { AppStack, type AppStackProps } from "./app-stack";
import { denyInsecureTransport, policyDocument } from "./constructs/iam";
import { acknowledgeRule } from "./rules/acknowledge";

export const STATE_BOOTSTRAP_STACK = "state-bootstrap";

/** The stack's slice of the configuration: what every stack takes, and the `stateBootstrap` section. */
export interface StateBootstrapStackProps extends AppStackProps {
  readonly stateBootstrap: StateBootstrapConfig;
}

/**
 * The `backend` section to paste into config/environments/<environment>.json once the bucket exists.
 * `bucket` is the bucket's name: the configured one, or `bucketName` (a Terraform reference to the
 * created bucket's generated name) when only a prefix is configured.
 */
export function backendSettings(config: StateBootstrapStackProps, bucketName?: string): Record<string, string | boolean> {
  const bootstrap = config.stateBootstrap;
  const current = config.backend;
  return {
    type: "s3",
    bucket: bootstrap.bucketName ?? bucketName ?? `${bootstrap.bucketPrefix}<unique suffix>`,
    region: current.type === "s3" ? current.region : config.region,
    keyPrefix: current.type === "s3" ? current.keyPrefix : `${config.project}/${config.environment}`,
    useLockfile: true,
    ...(bootstrap.kmsKeyArn !== undefined ? { kmsKeyId: bootstrap.kmsKeyArn } : {}),
  };
}

/**
 * The S3 bucket that holds every other stack's state: versioned, encrypted (SSE-S3, or SSE-KMS with
 * `stateBootstrap.kmsKeyArn`), public access blocked, TLS only, ACLs disabled, old versions expired.
 *
 * Its own state is always local (`terraform.state-bootstrap.tfstate` in the project folder), whatever
 * backend the configuration names: it creates the bucket the others use. Deploy it first.
 */
export class StateBootstrapStack extends AppStack {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, config: StateBootstrapStackProps) {
    const settings = backendSettings(config);
    super(scope, STATE_BOOTSTRAP_STACK, { ...config, region: String(settings["region"]), backend: { type: "local" } });
    const bootstrap = config.stateBootstrap;

    this.bucket = new S3Bucket(this, "state-bucket", {
      // S3 names are global: without a configured name, S3 gets a prefix and Terraform a unique suffix.
      ...(bootstrap.bucketName !== undefined ? { bucket: bootstrap.bucketName } : { bucketPrefix: bootstrap.bucketPrefix }),
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    new S3BucketVersioningA(this, "versioning", { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        bootstrap.kmsKeyArn !== undefined
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: bootstrap.kmsKeyArn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    if (bootstrap.kmsKeyArn === undefined) {
      acknowledgeRule(this.bucket, "ENC-5", "SSE-S3 by default; set stateBootstrap.kmsKeyArn to encrypt state with a customer-managed key");
    }
    const publicAccess = new S3BucketPublicAccessBlock(this, "public-access", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketPolicy(this, "tls-only", {
      bucket: this.bucket.id,
      policy: policyDocument(this, "tls-only-document", [denyInsecureTransport(["s3:*"], [this.bucket.arn, `${this.bucket.arn}/*`])]).json,
      // A policy written before the block is in place could be rejected as public by a race.
      dependsOn: [publicAccess],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle-rules", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-old-state-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [
            {
              noncurrentDays: bootstrap.noncurrentVersionDays,
              ...(bootstrap.noncurrentVersionsToKeep > 0 ? { newerNoncurrentVersions: bootstrap.noncurrentVersionsToKeep } : {}),
            },
          ],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
      ],
    });

    new TerraformOutput(this, "state_bucket_arn", { value: this.bucket.arn, description: "The state bucket" });
    new TerraformOutput(this, "backend_config", {
      value: Fn.jsonencode({ backend: backendSettings(config, this.bucket.bucket) }),
      description: `Put this "backend" section into config/environments/${config.environment}.json, then run cdktf deploy for the other stacks`,
    });
  }
}
