import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { ImagebuilderComponent } from "@cdktf/provider-aws/lib/imagebuilder-component";
import { ImagebuilderDistributionConfiguration } from "@cdktf/provider-aws/lib/imagebuilder-distribution-configuration";
import { ImagebuilderImagePipeline } from "@cdktf/provider-aws/lib/imagebuilder-image-pipeline";
import { ImagebuilderImageRecipe } from "@cdktf/provider-aws/lib/imagebuilder-image-recipe";
import { ImagebuilderInfrastructureConfiguration } from "@cdktf/provider-aws/lib/imagebuilder-infrastructure-configuration";
import type { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Construct } from "constructs";
import { Token } from "cdktf";
import { policyDocument } from "./iam";
import { encryptedLogGroup } from "./log-group";
import { isAwsManagedEbsKey } from "../../aws/ami-sharing";
import { managedPolicyArn, ssmParameterArn } from "../../aws/arn";
import type { BuildInstanceProfile } from "./build-instance-profile";

/**
 * The AWS managed baseline of an Image Builder execution role (what the service-linked role would
 * otherwise do: launch, snapshot, copy). https://docs.aws.amazon.com/aws-managed-policy/latest/reference/EC2ImageBuilderExecutionPolicy.html
 */
export const EXECUTION_ROLE_MANAGED_POLICY = "EC2ImageBuilderExecutionPolicy";

/** The distribution writes the AMI ID to this parameter itself (Image Builder's native mode). */
export interface NativeParameter {
  /** The parameter's name, the same in every distribution region. */
  readonly parameterName: string;
  /**
   * Name of the pipeline's execution role, which writes the parameter. Without an execution role
   * Image Builder writes with its service-linked role, which may write only `parameter/imagebuilder/*`.
   */
  readonly executionRoleName: string;
  /** For the parameter ARNs: the partition (e.g. `${data.aws_partition.x.partition}`). */
  readonly partition: string;
  /** For the parameter ARNs and the trust condition: the account ID. */
  readonly account: string;
}

/**
 * Other accounts that may launch the distributed AMIs: the distribution's `launchPermission` in every
 * region (https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_LaunchPermissionConfiguration.html).
 */
export interface AmiLaunchPermission {
  /** 12-digit account IDs. @default [] */
  readonly accounts?: readonly string[];
  /** Organization ARNs. @default [] */
  readonly organizationArns?: readonly string[];
  /** OU ARNs. @default [] */
  readonly organizationalUnitArns?: readonly string[];
}

/**
 * How the AMIs' volumes are encrypted when they are shared: with a customer-managed key per region (the
 * AWS managed EBS key's snapshots cannot be shared), or, only when asked with a reason, not at all.
 */
export type AmiVolumeEncryption =
  | {
      /** Per region (every distribution region and `buildRegion`), the ARN of the key (see `SharedAmiKey`). */
      readonly keyArns: Readonly<Record<string, string>>;
      /** Where the pipeline builds (the stack's region): its key encrypts the recipe's root volume. */
      readonly buildRegion: string;
    }
  | {
      /** Why the shared AMIs may be unencrypted (e.g. "public test image, no data at rest"); it goes into the distribution's description. */
      readonly unencryptedReason: string;
    };

export interface ImagePipelineProps {
  /** Name of the pipeline, its recipe (hence its images), component and configurations. */
  readonly name: string;
  /** The parent image: an image ARN (`.../x.x.x` for the newest version) or an AMI ID. */
  readonly parentImage: string;
  /** Version of the recipe and component; both are immutable, so a change needs a new version. */
  readonly version: string;
  readonly instanceProfile: BuildInstanceProfile;
  readonly instanceTypes: readonly string[];
  /** Image Builder publishes every AVAILABLE or FAILED image here. @default - no notification */
  readonly topic?: SnsTopic;
  /** Regions the AMI is copied to. */
  readonly regions: readonly string[];
  /** Write the AMI ID to SSM from the distribution, with DataType `aws:ec2:image`. @default - the tracker writes it */
  readonly nativeParameter?: NativeParameter;
  /** An Image Builder cron expression. */
  readonly schedule: string;
  /** @default "Etc/UTC" */
  readonly scheduleTimezone?: string;
  /** Run on schedule only when the parent image or a component changed. @default true */
  readonly onlyWhenUpdated?: boolean;
  /** Root volume size (GiB); the root volume is gp3 and encrypted. @default 10 */
  readonly volumeSizeGb?: number;
  /** Retention of the build and pipeline log groups. @default 30 */
  readonly logRetentionDays?: number;
  /** @default - the default VPC */
  readonly subnetId?: string;
  /** Required with `subnetId`. @default [] */
  readonly securityGroupIds?: readonly string[];
  /** Tags on the distributed AMIs. @default {} */
  readonly amiTags?: Readonly<Record<string, string>>;
  /** Accounts, organizations or OUs that may launch the AMIs. Needs `volumeEncryption`. @default - this account only */
  readonly launchPermission?: AmiLaunchPermission;
  /** Encryption of the AMIs' volumes. @default - encrypted with the account's default EBS key (AWS managed unless changed): not shareable */
  readonly volumeEncryption?: AmiVolumeEncryption;
  /**
   * Keep the findings of the Amazon Inspector scan of each build's test instance (the pipeline's
   * `image_scanning_configuration`; scan type TEST_INSTANCE_CVE, which needs Amazon Inspector activated):
   * https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-inspector.html
   * @default false
   */
  readonly imageScanning?: boolean;
}

const SHARE_ACCOUNT = /^\d{12}$/;

/** The launch permission block of a distribution, or undefined when nobody else may launch. */
function launchPermissionBlock(where: string, permission: AmiLaunchPermission | undefined) {
  const userIds = [...(permission?.accounts ?? [])];
  const organizationArns = [...(permission?.organizationArns ?? [])];
  const organizationalUnitArns = [...(permission?.organizationalUnitArns ?? [])];
  for (const account of userIds) {
    if (!Token.isUnresolved(account) && !SHARE_ACCOUNT.test(account))
      throw new Error(`${where}: launchPermission.accounts has "${account}", not a 12-digit account ID`);
  }
  if (userIds.length + organizationArns.length + organizationalUnitArns.length === 0) return undefined;
  return {
    ...(userIds.length > 0 ? { userIds } : {}),
    ...(organizationArns.length > 0 ? { organizationArns } : {}),
    ...(organizationalUnitArns.length > 0 ? { organizationalUnitArns } : {}),
  };
}

/** Checks `volumeEncryption` against the regions; returns the key per region, or undefined for unencrypted or the default. */
function volumeKeys(where: string, props: ImagePipelineProps, shared: boolean): Readonly<Record<string, string>> | undefined {
  const encryption = props.volumeEncryption;
  if (encryption === undefined) {
    if (shared) {
      throw new Error(
        `${where}: launchPermission shares the AMIs, but without volumeEncryption their snapshots are under the account's default EBS key (AWS managed: other accounts cannot launch them); give volumeEncryption.keyArns (a customer-managed key per region, e.g. SharedAmiKey) or volumeEncryption.unencryptedReason`,
      );
    }
    return undefined;
  }
  if ("unencryptedReason" in encryption) {
    if (encryption.unencryptedReason.trim().length < 10) {
      throw new Error(
        `${where}: volumeEncryption.unencryptedReason "${encryption.unencryptedReason}" must say why the AMIs may be unencrypted (10 characters at least)`,
      );
    }
    return undefined;
  }
  for (const region of [encryption.buildRegion, ...props.regions]) {
    const key = encryption.keyArns[region];
    if (key === undefined) {
      throw new Error(
        `${where}: volumeEncryption.keyArns has no key for ${region}; KMS keys are regional: give one for the build region and every distribution region`,
      );
    }
    if (!Token.isUnresolved(key) && isAwsManagedEbsKey(key)) {
      throw new Error(
        `${where}: volumeEncryption.keyArns.${region} is the AWS managed EBS key ("${key}"), whose snapshots cannot be shared; use a customer-managed key`,
      );
    }
  }
  return encryption.keyArns;
}

/**
 * One EC2 Image Builder pipeline, whole: an example component (inline YAML) and recipe, an
 * infrastructure configuration that terminates failed instances and notifies `topic`, a
 * distribution to `regions` (optionally writing the SSM parameter itself), log groups with
 * retention, and a cron schedule.
 *
 * Logs go to CloudWatch only (`/aws/imagebuilder/<name>`, `/aws/imagebuilder/pipeline/<name>`): the
 * managed instance policy already allows writing there, the groups get a retention, and an S3 log
 * bucket would need a wider instance role and a bucket to secure and empty.
 */
export class ImagePipeline extends Construct {
  readonly component: ImagebuilderComponent;
  readonly recipe: ImagebuilderImageRecipe;
  readonly infrastructure: ImagebuilderInfrastructureConfiguration;
  readonly distribution: ImagebuilderDistributionConfiguration;
  readonly pipeline: ImagebuilderImagePipeline;
  readonly buildLogGroup: CloudwatchLogGroup;
  /** With `nativeParameter`: the role Image Builder runs the pipeline with, which writes the parameter. */
  readonly executionRole?: IamRole;

  constructor(scope: Construct, id: string, props: ImagePipelineProps) {
    super(scope, id);
    if (props.regions.length === 0) throw new Error(`ImagePipeline ${props.name}: regions is empty; list at least one region`);
    if (props.instanceTypes.length === 0) throw new Error(`ImagePipeline ${props.name}: instanceTypes is empty; list at least one, e.g. "t4g.small"`);
    const securityGroupIds = props.securityGroupIds ?? [];
    if ((props.subnetId === undefined) !== (securityGroupIds.length === 0)) {
      throw new Error(`ImagePipeline ${props.name}: subnetId and securityGroupIds go together; set both or neither`);
    }
    const retention = props.logRetentionDays ?? 30;
    const launchPermission = launchPermissionBlock(`ImagePipeline ${props.name}`, props.launchPermission);
    const keys = volumeKeys(`ImagePipeline ${props.name}`, props, launchPermission !== undefined);
    const unencrypted =
      props.volumeEncryption !== undefined && "unencryptedReason" in props.volumeEncryption ? props.volumeEncryption.unencryptedReason : undefined;
    const buildKey = props.volumeEncryption !== undefined && "keyArns" in props.volumeEncryption ? keys?.[props.volumeEncryption.buildRegion] : undefined;

    this.buildLogGroup = encryptedLogGroup(this, "build-logs", { name: `/aws/imagebuilder/${props.name}`, retentionInDays: retention });
    const pipelineLogGroup = encryptedLogGroup(this, "pipeline-logs", {
      name: `/aws/imagebuilder/pipeline/${props.name}`,
      retentionInDays: retention,
    });

    this.component = new ImagebuilderComponent(this, "component", {
      name: `${props.name}-baseline`,
      version: props.version,
      platform: "Linux",
      description: "Example: updates the OS and records the build",
      changeDescription: `Version ${props.version}`,
      data: exampleComponent(props.name),
    });

    this.recipe = new ImagebuilderImageRecipe(this, "recipe", {
      name: props.name,
      version: props.version,
      parentImage: props.parentImage,
      component: [{ componentArn: this.component.arn }],
      blockDeviceMapping: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            deleteOnTermination: "true",
            encrypted: unencrypted !== undefined ? "false" : "true",
            ...(buildKey !== undefined ? { kmsKeyId: buildKey } : {}),
            volumeSize: props.volumeSizeGb ?? 10,
            volumeType: "gp3",
          },
        },
      ],
    });

    this.infrastructure = new ImagebuilderInfrastructureConfiguration(this, "infrastructure", {
      name: props.name,
      description: `Build instances of ${props.name}`,
      instanceProfileName: props.instanceProfile.profile.name,
      instanceTypes: [...props.instanceTypes],
      terminateInstanceOnFailure: true,
      instanceMetadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
      ...(props.topic !== undefined ? { snsTopicArn: props.topic.arn } : {}),
      ...(props.subnetId !== undefined ? { subnetId: props.subnetId, securityGroupIds: [...securityGroupIds] } : {}),
    });

    const native = props.nativeParameter;
    this.distribution = new ImagebuilderDistributionConfiguration(this, "distribution", {
      name: props.name,
      description: [
        native !== undefined ? `Copies ${props.name} and writes ${native.parameterName}` : `Copies ${props.name}`,
        ...(unencrypted !== undefined ? [`; unencrypted: ${unencrypted}`] : []),
      ].join(""),
      distribution: props.regions.map((region) => ({
        region,
        amiDistributionConfiguration: {
          name: `${props.name}-{{ imagebuilder:buildDate }}`,
          amiTags: { Pipeline: props.name, ...props.amiTags },
          ...(keys !== undefined ? { kmsKeyId: keys[region] } : {}),
          ...(launchPermission !== undefined ? { launchPermission } : {}),
        },
        ...(native !== undefined ? { ssmParameterConfiguration: [{ parameterName: native.parameterName, dataType: "aws:ec2:image" }] } : {}),
      })),
    });

    if (native !== undefined) this.executionRole = this.nativeExecutionRole(props, native);

    this.pipeline = new ImagebuilderImagePipeline(this, "pipeline", {
      name: props.name,
      ...(this.executionRole !== undefined ? { executionRole: this.executionRole.arn } : {}),
      description: `Builds ${props.name} on schedule`,
      imageRecipeArn: this.recipe.arn,
      infrastructureConfigurationArn: this.infrastructure.arn,
      distributionConfigurationArn: this.distribution.arn,
      enhancedImageMetadataEnabled: true,
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
      // AMIs need no ecr_configuration (that is for container images' scan results).
      ...(props.imageScanning === true ? { imageScanningConfiguration: { imageScanningEnabled: true } } : {}),
      schedule: {
        scheduleExpression: props.schedule,
        timezone: props.scheduleTimezone ?? "Etc/UTC",
        pipelineExecutionStartCondition: (props.onlyWhenUpdated ?? true) ? "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE" : "EXPRESSION_MATCH_ONLY",
      },
      status: "ENABLED",
      // The log groups exist (with their retention) before the first build writes to them.
      dependsOn: [this.buildLogGroup, pipelineLogGroup],
    });
  }

  /**
   * The execution role of a native-mode pipeline. Image Builder user guide, "Prerequisites for SSM
   * output parameters" (https://docs.aws.amazon.com/imagebuilder/latest/userguide/cr-upd-ami-distribution-settings.html):
   * the execution role needs ssm:PutParameter on the parameter in each distribution region, and
   * ec2:DescribeImages for DataType aws:ec2:image. The managed baseline covers the rest of the run;
   * PassRole hands the build instance role to EC2.
   */
  private nativeExecutionRole(props: ImagePipelineProps, native: NativeParameter): IamRole {
    const role = new IamRole(this, "execution-role", {
      name: native.executionRoleName,
      description: `EC2 Image Builder runs ${props.name} and writes ${native.parameterName}`,
      assumeRolePolicy: policyDocument(this, "execution-trust", [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["imagebuilder.amazonaws.com"] }],
          conditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [native.account] }],
        },
      ]).json,
    });
    new IamRolePolicyAttachment(this, "execution-managed-policy", {
      role: role.name,
      policyArn: managedPolicyArn(native.partition, EXECUTION_ROLE_MANAGED_POLICY),
    });
    new IamRolePolicy(this, "execution-policy", {
      name: "write-parameter",
      role: role.id,
      policy: policyDocument(this, "execution-policy-document", [
        {
          sid: "WriteNativeParameter",
          actions: ["ssm:PutParameter"],
          resources: props.regions.map((region) => ssmParameterArn({ partition: native.partition, region, account: native.account }, native.parameterName)),
        },
        {
          // DataType aws:ec2:image is validated with the writer's ec2:DescribeImages (no resource-level permissions).
          sid: "ValidateAmiDataType",
          actions: ["ec2:DescribeImages"],
          resources: ["*"],
        },
        {
          sid: "PassBuildInstanceRole",
          actions: ["iam:PassRole"],
          resources: [props.instanceProfile.role.arn],
          conditions: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ec2.amazonaws.com"] }],
        },
      ]).json,
    });
    return role;
  }
}

/** An AWSTOE document: update the OS, record the build, and check the record in the validate phase. */
function exampleComponent(name: string): string {
  return [
    `name: ${name}-baseline`,
    "description: Updates the OS and records the build",
    "schemaVersion: 1.0",
    "phases:",
    "  - name: build",
    "    steps:",
    "      - name: UpdateOS",
    "        action: UpdateOS",
    "      - name: RecordBuild",
    "        action: ExecuteBash",
    "        inputs:",
    "          commands:",
    `            - echo "${name} built by EC2 Image Builder on $(date -u +%Y-%m-%dT%H:%M:%SZ)" > /etc/image-build-info`,
    "  - name: validate",
    "    steps:",
    "      - name: CheckBuildRecord",
    "        action: ExecuteBash",
    "        inputs:",
    "          commands:",
    "            - test -s /etc/image-build-info",
    "",
  ].join("\n");
}
