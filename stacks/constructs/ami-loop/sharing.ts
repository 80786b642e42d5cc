import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import type { ImagePipelineProps } from "../image-pipeline";
import { SharedAmiKey } from "../shared-ami-key";
import { amiKeyId, loopRunsIn } from "./plan";
import type { AmiLoopPipeline } from "./pipeline";

/** A shared pipeline's distribution settings, and its key ARN per region when its AMIs are encrypted. */
export interface AmiSharing {
  readonly props: Pick<ImagePipelineProps, "launchPermission" | "volumeEncryption">;
  readonly keyArns?: Record<string, string>;
}

/**
 * What a shared pipeline's AMIs need to be launchable by its consumers (issue 25): launch permissions for
 * the share's accounts, organization and OUs, and a customer-managed key per region (the build region and
 * every distribution region) whose policy lets them use it; unencrypted only with the share's reason.
 * The keys are created in `scope` (the stack), so their addresses are `ami-key-<pipeline>[-<region>]`.
 */
export function amiSharing(
  scope: Construct,
  pipeline: AmiLoopPipeline,
  appRegion: string,
  providerIn: (region: string) => AwsProvider | undefined,
): AmiSharing {
  const share = pipeline.share;
  if (share === undefined) return { props: {} };
  const consumers = {
    accounts: share.accounts,
    ...(share.organizationArn !== undefined ? { organizationArn: share.organizationArn } : {}),
    organizationalUnitArns: share.organizationalUnitArns,
  };
  const launchPermission = {
    accounts: share.accounts,
    organizationArns: share.organizationArn !== undefined ? [share.organizationArn] : [],
    organizationalUnitArns: share.organizationalUnitArns,
  };
  if (share.unencryptedReason !== undefined) return { props: { launchPermission, volumeEncryption: { unencryptedReason: share.unencryptedReason } } };
  const keyArns: Record<string, string> = {};
  for (const region of [...new Set([appRegion, ...pipeline.regions])]) {
    const provider = providerIn(region);
    keyArns[region] = new SharedAmiKey(scope, amiKeyId(pipeline.name, region, appRegion), {
      alias: `${pipeline.resourceName}-amis`,
      purpose: pipeline.resourceName,
      consumers,
      // This account's groups that launch the pipeline's AMIs here need the key too (its Auto Scaling role).
      ownerAutoScaling: loopRunsIn(pipeline, region),
      ...(provider !== undefined ? { provider } : {}),
    }).arn;
  }
  return { props: { launchPermission, volumeEncryption: { keyArns, buildRegion: appRegion } }, keyArns };
}
