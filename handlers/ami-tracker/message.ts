/**
 * Parsing of the SNS `Message` that EC2 Image Builder publishes (an image object), at the boundary.
 * Whatever is not a usable image object becomes a reason, never an exception: retrying cannot fix it.
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-sns.html
 */
import { parseVersion } from "../../ami-pointers/build-order";
import { REGION_PATTERN } from "../../aws/regions";

/** One AMI of `outputResources.amis`. */
export interface AmiOutput {
  readonly region: string;
  /** The AMI ID, `ami-` + 8 or 17 lowercase hex digits. */
  readonly image: string;
  readonly name: string;
  /** Missing in older messages. */
  readonly accountId: string | undefined;
}

/** The fields of an Image Builder image object that the tracker uses. */
export interface ImageMessage {
  readonly arn: string;
  readonly name: string;
  /** MAJOR.MINOR.PATCH, as in the message. */
  readonly version: string;
  readonly buildVersion: number;
  readonly status: string;
  readonly reason: string | undefined;
  readonly recipeName: string | undefined;
  readonly sourcePipelineArn: string | undefined;
  readonly amis: readonly AmiOutput[];
}

export type ParsedMessage =
  | { readonly kind: "image"; readonly image: ImageMessage }
  | { readonly kind: "eventbridge"; readonly detailType: string; readonly resources: readonly string[] }
  | { readonly kind: "invalid"; readonly reason: string };

export const EVENTBRIDGE_DETAIL_TYPE = "EC2 Image Builder Image State Change";
export const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
const ACCOUNT_ID = /^\d{12}$/;
const IMAGE_ARN = /^arn:[a-z-]+:imagebuilder:[a-z0-9-]+:\d{12}:image\/\S+$/;
const MAX_TEXT = 2048;

type JsonObject = Readonly<Record<string, unknown>>;

class Invalid extends Error {}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(object: JsonObject, key: string, where: string): string {
  const value = object[key];
  if (typeof value !== "string" || value.length === 0) throw new Invalid(`${where}${key} is not a non-empty string`);
  if (value.length > MAX_TEXT) throw new Invalid(`${where}${key} is longer than ${MAX_TEXT} characters`);
  return value;
}

function optionalText(object: JsonObject, key: string, where: string): string | undefined {
  return object[key] === undefined || object[key] === null ? undefined : text(object, key, where);
}

function parseAmi(value: unknown, index: number): AmiOutput {
  const where = `outputResources.amis[${index}].`;
  if (!isObject(value)) throw new Invalid(`outputResources.amis[${index}] is not an object`);
  const image = text(value, "image", where);
  if (!AMI_ID.test(image)) throw new Invalid(`${where}image "${image.slice(0, 40)}" is not an AMI ID (ami- and 8 or 17 lowercase hex digits)`);
  const region = text(value, "region", where);
  if (!REGION_PATTERN.test(region)) throw new Invalid(`${where}region "${region.slice(0, 40)}" is not a region`);
  const accountId = optionalText(value, "accountId", where);
  if (accountId !== undefined && !ACCOUNT_ID.test(accountId)) throw new Invalid(`${where}accountId is not a 12-digit account ID`);
  return { image, region, accountId, name: text(value, "name", where) };
}

function parseImage(message: JsonObject): ImageMessage {
  const arn = text(message, "arn", "");
  if (!IMAGE_ARN.test(arn)) throw new Invalid("arn is not an Image Builder image ARN");
  const name = text(message, "name", "");
  const version = text(message, "version", "");
  if (parseVersion(version) === undefined) throw new Invalid(`version "${version.slice(0, 40)}" is not MAJOR.MINOR.PATCH`);
  const buildVersion = message.buildVersion;
  if (typeof buildVersion !== "number" || !Number.isSafeInteger(buildVersion) || buildVersion < 1) {
    throw new Invalid("buildVersion is not a positive integer");
  }
  const state = message.state;
  if (!isObject(state)) throw new Invalid("state is not an object");
  const status = text(state, "status", "state.");
  const reason = typeof state.reason === "string" ? state.reason.slice(0, MAX_TEXT) : undefined;
  const recipe = message.imageRecipe;
  const recipeName = isObject(recipe) && typeof recipe.name === "string" && recipe.name.length > 0 ? recipe.name.slice(0, MAX_TEXT) : undefined;
  const sourcePipelineArn = optionalText(message, "sourcePipelineArn", "");

  let amis: AmiOutput[] = [];
  const output = message.outputResources;
  // null is absent, as for every optional field: a FAILED build with `outputResources: null` is still a failure to count.
  if (status === "AVAILABLE" || (output !== undefined && output !== null)) {
    if (!isObject(output)) throw new Invalid("outputResources is not an object");
    const list = output.amis ?? [];
    if (!Array.isArray(list)) throw new Invalid("outputResources.amis is not an array");
    amis = list.map((ami, index) => parseAmi(ami, index));
  }
  return { arn, name, version, buildVersion, status, reason, recipeName, sourcePipelineArn, amis };
}

/** Classifies an already parsed JSON value. */
export function classify(value: unknown): ParsedMessage {
  if (!isObject(value)) return { kind: "invalid", reason: "message is not a JSON object" };
  const detailType = value["detail-type"];
  if (typeof detailType === "string") {
    if (detailType !== EVENTBRIDGE_DETAIL_TYPE) return { kind: "invalid", reason: `unexpected EventBridge event "${detailType.slice(0, 100)}"` };
    const resources = Array.isArray(value.resources) ? value.resources.filter((r): r is string => typeof r === "string") : [];
    return { kind: "eventbridge", detailType, resources };
  }
  try {
    return { kind: "image", image: parseImage(value) };
  } catch (error) {
    if (error instanceof Invalid) return { kind: "invalid", reason: error.message };
    throw error;
  }
}

/** Parses the SNS `Message` text. */
export function parseMessage(raw: unknown): ParsedMessage {
  if (typeof raw !== "string") return { kind: "invalid", reason: "Sns.Message is not a string" };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { kind: "invalid", reason: "Sns.Message is not JSON" };
  }
  return classify(value);
}
