/**
 * The whole configuration file's schema, assembled from the sections' schemas. config/schema.json is
 * this written out (`npm run config:schema`); the environment files point at it with "$schema", so
 * editors complete and explain every setting.
 */
import { AmiTrackerSettings } from "./sections/ami-tracker";
import { AmiConsumerSettings } from "./sections/ami-consumer";
import { BackendSettings } from "./sections/backend";
import { CiAccessSettings } from "./sections/ci-access";
import { ImageBuilderSettings } from "./sections/image-builder";
import { OpsAlarmsSettings } from "./sections/ops-alarms";
import { StateBootstrapSettings } from "./sections/state-bootstrap";
import { StorageFirstApiSettings } from "./sections/storage-first-api";
import { ACCOUNT_ID } from "./patterns";
import { Defaulted, MapOf, Matching, Optional, Region, Section, Text } from "./settings";
import { NAME_PREFIX } from "./validators";

/** A tag key of the user's: "aws:" in any case is AWS's. */
export const TAG_KEY = /^(?![aA][wW][sS]:)/;

export const ConfigFileSettings = Section(
  {
    $schema: Optional(Text('The schema of this file, for editors: "../schema.json".')),
    project: Defaulted(
      Matching(NAME_PREFIX, 'Prefix of every resource name ("<project>-<environment>-..."): 1-24 lowercase letters, digits or "-".'),
      "ssm-patterns",
    ),
    region: Defaulted(Region("The AWS region the stacks deploy to."), "us-east-1"),
    accountId: Optional(
      Matching(
        ACCOUNT_ID,
        "The 12-digit AWS account this environment deploys to. Every AWS provider of every stack gets it as allowed_account_ids, so a plan or apply with credentials of another account fails before any change; environments with different account IDs are never compared for resources IAM holds once per account (the OIDC providers). Default: any account, compared with every other environment without accountId.",
      ),
    ),
    tags: Optional(
      MapOf(Text(), 'Extra default tags; Project, Environment, ManagedBy and Stack are always set. Keys starting with "aws:" are reserved by AWS.', TAG_KEY),
    ),
    backend: Optional(BackendSettings),
    amiTracker: Optional(AmiTrackerSettings),
    imageBuilder: Optional(ImageBuilderSettings),
    alarms: Optional(OpsAlarmsSettings),
    storageFirstApi: Optional(StorageFirstApiSettings),
    stateBootstrap: Optional(StateBootstrapSettings),
    ciAccess: Optional(CiAccessSettings),
    amiConsumer: Optional(AmiConsumerSettings),
  },
  "One environment of the ssm-patterns CDKTF app (config/environments/<environment>.json; APP_ENV picks it).",
);

/** config/schema.json's text: JSON Schema draft-07, which editors and ajv read. */
export function configJsonSchemaText(): string {
  const document = {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "ssm-patterns environment configuration",
    ...ConfigFileSettings,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
