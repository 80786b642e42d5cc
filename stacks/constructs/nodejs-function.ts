import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AssetType, TerraformAsset, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { basename, dirname } from "node:path";
import { bundleHandler } from "./bundle";
import { policyDocument, serviceTrust, type PolicyStatement } from "./iam";
import { encryptedLogGroup } from "./log-group";

/** The archive provider's version constraint (the binding is generated from 2.7.1). */
export const ARCHIVE_PROVIDER_CONSTRAINT = "~> 2.7";

/** Newest runtime that hashicorp/aws 5.100.0 accepts (nodejs24.x fails validate). */
export const NODEJS_RUNTIME = "nodejs22.x";

export interface NodejsFunctionProps {
  /** The function's name, also its log group's: `/aws/lambda/<functionName>`. */
  readonly functionName: string;
  /** The role's name; IAM names are global per account, so it should hold the region. @default functionName */
  readonly roleName?: string;
  /** The handler's entry file, relative to the project folder, e.g. "handlers/ami-tracker/index.ts". */
  readonly entry: string;
  readonly description: string;
  /** @default 128 */
  readonly memoryMb?: number;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** @default - unreserved */
  readonly reservedConcurrency?: number;
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Level of the function's own log lines (Lambda passes it as AWS_LAMBDA_LOG_LEVEL; Powertools' Logger obeys it).
   * @default "INFO"
   */
  readonly applicationLogLevel?: string;
  /** Level of Lambda's platform lines (START, END, REPORT). @default "INFO" */
  readonly systemLogLevel?: string;
  /** What the function may do besides writing its own logs; every action and resource named. */
  readonly statements: readonly PolicyStatement[];
}

/**
 * What active tracing needs on the role. Lambda's CreateFunction refuses `TracingConfig: Active` when
 * the role cannot call PutTraceSegments ("The provided execution role does not have permissions to
 * call PutTraceSegments on XRAY", InvalidParameterValueException); both actions take only Resource "*".
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
 */
export const TRACING_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"] as const;

/**
 * A TypeScript handler bundled by esbuild, copied into the stack folder as an asset, zipped by the
 * archive provider at plan time (`${path.module}`-relative: the stack folder is self-contained), and
 * deployed on arm64 with its own log group, JSON logs at the configured levels, active X-Ray tracing,
 * and a role that holds exactly `statements` plus its logs and traces.
 */
export class NodejsFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly archive: DataArchiveFile;

  constructor(scope: Construct, id: string, props: NodejsFunctionProps) {
    super(scope, id);
    const bundle = bundleHandler(basename(dirname(props.entry)), props.entry);
    const asset = new TerraformAsset(this, "bundle", {
      path: bundle.directory,
      type: AssetType.DIRECTORY,
      assetHash: bundle.hash,
    });
    ensureArchiveProvider(TerraformStack.of(this));
    this.archive = new DataArchiveFile(this, "zip", {
      type: "zip",
      sourceDir: `\${path.module}/${asset.path}`,
      outputPath: `\${path.module}/build/${props.functionName}.zip`,
    });

    this.logGroup = encryptedLogGroup(this, "logs", {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionDays ?? 30,
    });

    this.role = new IamRole(this, "role", {
      name: props.roleName ?? props.functionName,
      assumeRolePolicy: serviceTrust(this, "trust", "lambda.amazonaws.com").json,
    });
    const policy = policyDocument(this, "policy", [
      {
        sid: "WriteOwnLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${this.logGroup.arn}:*`],
      },
      { sid: "WriteTraces", actions: [...TRACING_ACTIONS], resources: ["*"] },
      ...props.statements,
    ]);
    const rolePolicy = new IamRolePolicy(this, "role-policy", { name: "least-privilege", role: this.role.id, policy: policy.json });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: NODEJS_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: this.archive.outputPath,
      sourceCodeHash: this.archive.outputBase64Sha256,
      memorySize: props.memoryMb ?? 128,
      timeout: props.timeoutSeconds ?? 30,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      environment: { variables: { NODE_OPTIONS: "--enable-source-maps", ...props.environment } },
      loggingConfig: {
        logFormat: "JSON",
        applicationLogLevel: props.applicationLogLevel ?? "INFO",
        systemLogLevel: props.systemLogLevel ?? "INFO",
        logGroup: this.logGroup.name,
      },
      tracingConfig: { mode: "Active" },
      // The role must hold the X-Ray actions before CreateFunction checks them.
      dependsOn: [this.logGroup, rolePolicy],
    });
  }
}

function ensureArchiveProvider(stack: TerraformStack): void {
  if (stack.node.tryFindChild("archive") !== undefined) return;
  new ArchiveProvider(stack, "archive");
  // The binding pins 2.7.1 exactly; a constraint lets a lock file take a later 2.x.
  stack.addOverride("terraform.required_providers.archive.version", ARCHIVE_PROVIDER_CONSTRAINT);
}
