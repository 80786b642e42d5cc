/**
 * The consumer side of a shared AMI pointer (issue 15, sharing): launch templates in this account that
 * launch from a parameter another account shares through AWS RAM, named by its full ARN.
 */
import { KMS_KEY_ARN, parseKeyArn } from "../../aws/ami-sharing";
import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
import { Defaulted, Flag, keysOf, ListOf, Matching, Optional, Section, type Resolved } from "../settings";
import { INSTANCE_TYPE } from "../patterns";

const SHARED_PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:([a-z0-9-]+):(\d{12}):parameter\/[A-Za-z0-9_.\-/]+$/;
const TEMPLATE_NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;

export const SharedLaunchTemplateSettings = Section(
  {
    name: Matching(TEMPLATE_NAME, "The launch template's name (1-128 letters, digits and ( ) . / _ -)."),
    parameterArn: Matching(
      SHARED_PARAMETER_ARN,
      "Full ARN of the shared parameter, arn:aws:ssm:<app's region>:<owner account>:parameter/<name>: another account's parameter cannot be named by its name.",
    ),
    instanceType: Defaulted(Matching(INSTANCE_TYPE, "Instance type of the launch template; its architecture must match the shared AMI."), "t4g.micro"),
    amiKeyArn: Optional(
      Matching(
        KMS_KEY_ARN,
        "Full ARN of the owner's KMS key of the shared AMIs in the app's region (the owner stack's ami_key_arns output): this account's Auto Scaling service-linked role then gets a grant on it, which an Auto Scaling group launching the AMI needs. Default: no grant (instances launched directly need none).",
      ),
    ),
  },
  "A launch template whose image_id is resolve:ssm:<shared parameter ARN>.",
);

export const AmiConsumerSettings = Section(
  {
    enabled: Defaulted(Flag("Deploy the ami-consumer stack (launch templates reading parameters shared with this account)."), false),
    launchTemplates: Optional(ListOf(SharedLaunchTemplateSettings, "The launch templates. Default: []")),
  },
  "The consumer side of a shared AMI pointer: launch templates that read a parameter shared through AWS RAM by its full ARN.",
);

export type SharedLaunchTemplateConfig = Resolved<typeof SharedLaunchTemplateSettings>;
export type AmiConsumerConfig = Resolved<typeof AmiConsumerSettings, never, { launchTemplates: readonly SharedLaunchTemplateConfig[] }>;

export function readAmiConsumer(reader: ConfigReader, raw: unknown, context: { readonly region: string }): AmiConsumerConfig {
  const path = "amiConsumer";
  const settings = AmiConsumerSettings;
  const record = reader.object(raw, path, keysOf(settings));
  const enabled = reader.read(settings, record, "enabled", path);
  const listPath = joinPath(path, "launchTemplates");
  const rawList = record["launchTemplates"];
  let items: unknown[] = [];
  if (Array.isArray(rawList)) items = rawList;
  else if (rawList !== undefined)
    reader.fail(listPath, `${describe(rawList)} is not a list; write it as [{ "name": "web", "parameterArn": "arn:aws:ssm:..." }]`);
  const launchTemplates = items.map((item, index): SharedLaunchTemplateConfig => {
    const at = joinPath(listPath, index);
    const entry = reader.object(item, at, keysOf(SharedLaunchTemplateSettings));
    const name = reader.read(SharedLaunchTemplateSettings, entry, "name", at, { fallback: "" });
    if (!TEMPLATE_NAME.test(name))
      reader.fail(
        joinPath(at, "name"),
        `${describe(name)} is not a launch template name; use 3-128 letters, digits and ( ) . / _ -, e.g. "web-from-shared-stable"`,
      );
    const parameterArn = reader.read(SharedLaunchTemplateSettings, entry, "parameterArn", at, { fallback: "" });
    const match = SHARED_PARAMETER_ARN.exec(parameterArn);
    if (!match) {
      reader.fail(
        joinPath(at, "parameterArn"),
        `${describe(parameterArn)} is not a parameter ARN; a shared parameter is named by its full ARN, e.g. "arn:aws:ssm:${context.region}:111122223333:parameter/ec2-imagebuilder/web/stable"`,
      );
    } else if (match[1] !== context.region) {
      reader.fail(
        joinPath(at, "parameterArn"),
        `is in ${String(match[1])}, but the app's region is "${context.region}" and RAM shares are regional; use the owner's parameter of ${context.region}`,
      );
    }
    const instanceType = reader.read(SharedLaunchTemplateSettings, entry, "instanceType", at);
    if (!INSTANCE_TYPE.test(instanceType))
      reader.fail(joinPath(at, "instanceType"), `${describe(instanceType)} is not an instance type; write it like "t4g.micro"`);
    const amiKeyArn = reader.read(SharedLaunchTemplateSettings, entry, "amiKeyArn", at);
    if (amiKeyArn !== undefined) {
      const key = parseKeyArn(amiKeyArn);
      if (key === undefined) {
        reader.fail(
          joinPath(at, "amiKeyArn"),
          `${describe(amiKeyArn)} is not a KMS key ARN; another account's key is named by its full key ARN (not an alias), e.g. "arn:aws:kms:${context.region}:111122223333:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789" (the owner stack's ami_key_arns output)`,
        );
      } else if (key.region !== context.region) {
        reader.fail(
          joinPath(at, "amiKeyArn"),
          `is in ${key.region}, but the app's region is "${context.region}" and KMS keys are regional; use the owner's key of ${context.region}`,
        );
      }
    }
    return { name, parameterArn, instanceType, ...(amiKeyArn !== undefined ? { amiKeyArn } : {}) };
  });
  const names = launchTemplates.map((template) => template.name);
  names.forEach((name, index) => {
    if (names.indexOf(name) !== index)
      reader.fail(joinPath(joinPath(listPath, index), "name"), `"${name}" is already the name of launchTemplates[${names.indexOf(name)}]; give each its own`);
  });
  if (enabled && launchTemplates.length === 0)
    reader.fail(listPath, "is empty but amiConsumer.enabled is true; list at least one launch template, or set enabled false");
  return { enabled, launchTemplates };
}
