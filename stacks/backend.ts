import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, type TerraformStack } from "cdktf";
import type { BackendConfig } from "../config";

/**
 * The one place that decides where a stack's state lives.
 * Local state sits in the project folder (relative path, so a synthesized stack holds no machine path).
 */
export function configureBackend(stack: TerraformStack, stackName: string, backend: BackendConfig): void {
  switch (backend.type) {
    case "local":
      // Terraform runs in cdktf.out/stacks/<stack>/: three levels up is the project folder.
      new LocalBackend(stack, { path: `../../../terraform.${stackName}.tfstate` });
      return;
    case "s3": {
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: `${backend.keyPrefix}/${stackName}.tfstate`,
        region: backend.region,
        encrypt: true,
        ...(backend.kmsKeyId !== undefined ? { kmsKeyId: backend.kmsKeyId } : {}),
        ...(backend.dynamodbTable !== undefined ? { dynamodbTable: backend.dynamodbTable } : {}),
      });
      // cdktf 0.21's S3Backend has no useLockfile; Terraform >= 1.10 reads it.
      if (backend.useLockfile) s3.addOverride("use_lockfile", true);
      return;
    }
    case "cloud":
      // One named workspace per stack: HCP Terraform runs each in cdktf.out/stacks/<stack>/.
      new CloudBackend(stack, {
        hostname: backend.hostname,
        organization: backend.organization,
        workspaces: new NamedCloudWorkspace(cloudWorkspaceName(backend, stackName), backend.project),
      });
      return;
  }
}

/** The HCP Terraform workspace of a stack: `<workspacePrefix><stack>`. */
export function cloudWorkspaceName(backend: { readonly workspacePrefix: string }, stackName: string): string {
  return `${backend.workspacePrefix}${stackName}`;
}

/** One line for people running synth without a state bucket. */
export function backendNotice(backend: BackendConfig, environment: string): string | undefined {
  if (backend.type !== "local") return undefined;
  return `State is local (terraform.<stack>.tfstate in this folder): set backend.bucket in ` + `config/environments/${environment}.json to keep it in S3.`;
}
