import { trackerRegions } from "../../ami-pointers/model";
import type { ConfigReader } from "../reader";
import { describe, joinPath } from "../reader";
import { checkLogRetention, checkParameterName, checkRegion, checkTimeZone } from "../validators";
import type { AmiTrackerConfig } from "./ami-tracker";
import { Defaulted, Flag, keysOf, ListOf, Matching, OneOf, Optional, RegionList, RetentionDays, Section, Text, WholeNumber, type Resolved } from "../settings";
import { INSTANCE_TYPE, PARAMETER_NAME_TEMPLATE, SEMANTIC_VERSION } from "../patterns";
import { AMI_LOOP_PIPELINE_SETTINGS, LoopAlarmsSettings, readLoopAlarms, readPipelineLoop, type LoopAlarmsConfig, type PipelineLoopConfig } from "./ami-loop";

/**
 * Who writes a pipeline's "latest AMI" parameter.
 * - `tracker`: the pipeline publishes to the tracker's topic and the tracker Lambda writes the
 *   parameter (tags, ordering protection, one writer for many pipelines).
 * - `native`: the distribution configuration writes it itself (`ssm_parameter_configuration`,
 *   hashicorp/aws >= 5.98): no Lambda, no tags, no ordering rules.
 */
export type PipelineMode = "tracker" | "native";

/** One EC2 Image Builder pipeline built by the tracker stack; its settings are PipelineSettings below. */
export type PipelineConfig = Resolved<
  typeof PipelineSettings,
  "parameterName" | "regions" | "instanceTypes",
  {
    /**
     * `<project>-<environment>-<name>`: the name of the Image Builder pipeline, recipe and so of its
     * images, hence what `{pipeline}` and `{image}` become in a parameter name.
     */
    resourceName: string;
    /** The parameter that holds this pipeline's latest AMI ID, `{pipeline}` and `{image}` filled in. */
    parameterName: string;
  } & PipelineLoopConfig
>;

/** EC2 Image Builder: the pipelines that publish to the tracker's topic (or write the parameter natively). */
export type ImageBuilderConfig = Resolved<typeof ImageBuilderSettings, never, { pipelines: readonly PipelineConfig[]; loopAlarms: LoopAlarmsConfig }>;

export const DEFAULT_NATIVE_PARAMETER_NAME = "/ec2-imagebuilder/{pipeline}/latest";
export const DEFAULT_SCHEDULE = "cron(0 4 ? * MON *)";
export const DEFAULT_PARENT_IMAGE = "amazon-linux-2023-arm64";

const SECTION = "imageBuilder";
const MODES = ["tracker", "native"] as const satisfies readonly PipelineMode[];

/** The loop's settings, read by readPipelineLoop. */
const LOOP_KEYS = Object.keys(AMI_LOOP_PIPELINE_SETTINGS) as (keyof typeof AMI_LOOP_PIPELINE_SETTINGS)[];
const PIPELINE_NAME = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const MANAGED_IMAGE_NAME = /^[a-z0-9][a-z0-9-]{0,126}$/;
const IMAGE_ARN = /^arn:aws[a-z-]*:imagebuilder:[a-z0-9-]+:(aws|\d{12}):image\/[a-z0-9-]+\/(\d+|x)\.(\d+|x)\.(\d+|x)(\/\d+)?$/;
/** A parent image: a managed image name, an image ARN or an AMI ID. */
const PARENT_IMAGE = new RegExp([MANAGED_IMAGE_NAME, IMAGE_ARN, AMI_ID].map((form) => form.source).join("|"));

/** One pipeline of `imageBuilder.pipelines` (the read type is PipelineConfig above). */
export const PipelineSettings = Section(
  {
    name: Matching(PIPELINE_NAME, 'Lowercase letters, digits and "-", unique in the list; resources are named <project>-<environment>-<name>.'),
    mode: Defaulted(OneOf(MODES, 'Who writes the parameter: "tracker" (the Lambda) or "native" (the distribution).'), "tracker"),
    parameterName: Optional(
      Matching(
        PARAMETER_NAME_TEMPLATE,
        'The parameter that holds this pipeline\'s latest AMI ID. Default: tracker mode, amiTracker.parameterName resolved for this pipeline; native mode, "/ec2-imagebuilder/{pipeline}/latest" resolved.',
      ),
    ),
    regions: Optional(RegionList("Regions the distribution copies the AMI to (and writes the parameter in). Default: [the app's region].")),
    schedule: Defaulted(Text("When the pipeline runs, an Image Builder cron expression (six fields, UTC unless scheduleTimezone)."), DEFAULT_SCHEDULE),
    scheduleTimezone: Defaulted(Text('IANA time zone of schedule, e.g. "Europe/Paris".'), "Etc/UTC"),
    onlyWhenUpdated: Defaulted(Flag("Build on schedule only when the parent image or a component changed."), true),
    parentImage: Defaulted(Matching(PARENT_IMAGE, 'An Image Builder-managed image name, an image ARN ending in "/x.x.x", or an AMI ID.'), DEFAULT_PARENT_IMAGE),
    instanceTypes: Optional(
      ListOf(
        Matching(INSTANCE_TYPE),
        'Build instance types, matching the parent image\'s architecture. Default: ["t4g.small"] for arm64, ["t3.small"] otherwise.',
        { minItems: 1 },
      ),
    ),
    recipeVersion: Defaulted(
      Matching(SEMANTIC_VERSION, "Version of the example recipe and component; bump it whenever either changes (both are immutable)."),
      "1.0.0",
    ),
    volumeSizeGb: Defaulted(WholeNumber(8, 16384, "Root volume size (GiB), encrypted gp3."), 10),
    exampleLaunchTemplate: Defaulted(Flag("An example launch template in the app's region whose image_id is resolve:ssm:<parameterName>."), false),
    ...AMI_LOOP_PIPELINE_SETTINGS,
  },
  "One EC2 Image Builder pipeline built by the tracker stack.",
);

/** EC2 Image Builder: the pipelines that publish to the tracker's topic (or write the parameter natively). */
export const ImageBuilderSettings = Section(
  {
    pipelines: Optional(
      ListOf(PipelineSettings, "The pipelines to build. Default: [], bring your own pipeline and point it at the tracker's topic (output topic_arn)."),
    ),
    logRetentionDays: Defaulted(RetentionDays("Retention (days) of the build and pipeline log groups."), 30),
    subnetId: Optional(Matching(SUBNET_ID, "A subnet for the build instances. Default: the default VPC.")),
    securityGroupIds: Defaulted(
      ListOf(Matching(SECURITY_GROUP_ID), "Security groups for the build instances; required with subnetId. Default: the default VPC's."),
      [],
    ),
    loopAlarms: Optional(LoopAlarmsSettings),
  },
  "EC2 Image Builder pipelines that feed the tracker (or write their parameter natively).",
);

/** The same name with `{pipeline}` and `{image}` filled in (the image name is the recipe name). */
export function resolveParameterName(template: string, pipeline: string, imageName: string): string {
  return template.split("{pipeline}").join(pipeline).split("{image}").join(imageName);
}

/** The name of a pipeline's Image Builder pipeline and recipe (and so of its images). */
export function pipelineResourceName(namePrefix: string, pipeline: string): string {
  return `${namePrefix}-${pipeline}`;
}

/**
 * Whether the tracker's IAM pattern for `template` (each placeholder a `*`, which in IAM spans "/")
 * covers `name`: then the tracker may write that parameter too.
 */
export function templateCovers(template: string, name: string): boolean {
  const pattern = template
    .split(/\{(?:pipeline|image)\}/)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`).test(name);
}

/** An Image Builder cron expression: six fields, day-of-month or day-of-week "?". Undefined when fine. */
export function checkImageBuilderCron(value: string): string | undefined {
  const example = `e.g. "cron(0 4 ? * MON *)" (minute hour day-of-month month day-of-week year)`;
  const match = /^cron\((.*)\)$/.exec(value.trim());
  if (!match?.[1]) return `${describe(value)} is not a cron expression; write cron(...) with six fields, ${example}`;
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) return `${describe(value)} has ${fields.length} fields, Image Builder needs six; ${example}`;
  const [minute = "", hour = "", dayOfMonth = "", month = "", dayOfWeek = "", year = ""] = fields;
  const numeric = (field: string, max: number): boolean => /^[0-9*,/-]+$/.test(field) && (field.match(/\d+/g) ?? []).every((number) => Number(number) <= max);
  if (!numeric(minute, 59)) return `${describe(value)}: minute "${minute}" must be 0-59, "*", lists, ranges or steps; ${example}`;
  if (!numeric(hour, 23)) return `${describe(value)}: hour "${hour}" must be 0-23, "*", lists, ranges or steps; ${example}`;
  if (!/^([0-9*,/?LW-]+)$/.test(dayOfMonth) || (dayOfMonth.match(/\d+/g) ?? []).some((day) => Number(day) < 1 || Number(day) > 31)) {
    return `${describe(value)}: day-of-month "${dayOfMonth}" must be 1-31, "*", "?", "L" or "W"; ${example}`;
  }
  if (!/^([0-9*,/-]+|[A-Za-z,-]+)$/.test(month)) return `${describe(value)}: month "${month}" must be 1-12 or JAN-DEC; ${example}`;
  if (!/^[0-9A-Za-z*,/?L#-]+$/.test(dayOfWeek))
    return `${describe(value)}: day-of-week "${dayOfWeek}" must be 1-7 or SUN-SAT, "*", "?", "L" or "#"; ${example}`;
  if (!/^[0-9*,/-]+$/.test(year)) return `${describe(value)}: year "${year}" must be "*" or years; ${example}`;
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    return `${describe(value)}: exactly one of day-of-month and day-of-week must be "?"; ${example}`;
  }
  return undefined;
}

/** Graviton instance families carry a "g" after the generation: t4g, m7g, c7gn, r8g. */
export function isArmInstanceType(instanceType: string): boolean {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}

function isArmParent(parentImage: string): boolean {
  return /arm64|aarch64/i.test(parentImage);
}

interface Context {
  readonly region: string;
  readonly namePrefix: string;
  readonly tracker: AmiTrackerConfig;
}

export function readImageBuilder(reader: ConfigReader, raw: unknown, context: Context): ImageBuilderConfig {
  const settings = ImageBuilderSettings;
  const record = reader.object(raw, SECTION, keysOf(settings));
  const logRetentionDays = reader.read(settings, record, "logRetentionDays", SECTION);
  const retentionProblem = checkLogRetention(logRetentionDays);
  if (retentionProblem) reader.fail(joinPath(SECTION, "logRetentionDays"), retentionProblem);
  const subnetId = reader.read(settings, record, "subnetId", SECTION);
  if (subnetId !== undefined && !SUBNET_ID.test(subnetId)) {
    reader.fail(
      joinPath(SECTION, "subnetId"),
      `${describe(subnetId)} is not a subnet ID; write it like "subnet-0123456789abcdef0" or leave it out for the default VPC`,
    );
  }
  const securityGroupIds = reader.read(settings, record, "securityGroupIds", SECTION);
  securityGroupIds.forEach((group, index) => {
    if (!SECURITY_GROUP_ID.test(group)) {
      reader.fail(
        joinPath(joinPath(SECTION, "securityGroupIds"), index),
        `${describe(group)} is not a security group ID; write it like "sg-0123456789abcdef0"`,
      );
    }
  });
  if (subnetId !== undefined && securityGroupIds.length === 0) {
    reader.fail(joinPath(SECTION, "securityGroupIds"), `is empty but subnetId is set; Image Builder needs security groups with a subnet: list at least one`);
  }
  if (subnetId === undefined && securityGroupIds.length > 0) {
    reader.fail(joinPath(SECTION, "subnetId"), `is not set but securityGroupIds is; set the subnet the groups belong to, or remove securityGroupIds`);
  }

  const pipelinesPath = joinPath(SECTION, "pipelines");
  const rawPipelines = record["pipelines"];
  let pipelineList: unknown[] = [];
  if (rawPipelines !== undefined) {
    if (Array.isArray(rawPipelines)) pipelineList = rawPipelines;
    else reader.fail(pipelinesPath, `${describe(rawPipelines)} is not a list; write it as [{ "name": "example" }], or [] to bring your own pipeline`);
  }
  const pipelines = pipelineList.map((item, index) => readPipeline(reader, item, joinPath(pipelinesPath, index), context));

  checkNames(reader, pipelines, pipelinesPath);
  checkWriters(reader, pipelines, pipelinesPath, context.tracker);

  return {
    pipelines,
    loopAlarms: readLoopAlarms(reader, record["loopAlarms"], joinPath(SECTION, "loopAlarms")),
    logRetentionDays,
    ...(subnetId !== undefined ? { subnetId } : {}),
    securityGroupIds,
  };
}

function readPipeline(reader: ConfigReader, raw: unknown, path: string, context: Context): PipelineConfig {
  const settings = PipelineSettings;
  const record = reader.object(raw, path, keysOf(settings));
  if (raw !== undefined && record["name"] === undefined) {
    reader.fail(joinPath(path, "name"), `nothing is set; name the pipeline, e.g. "example" (lowercase letters, digits and "-")`);
  }
  const name = reader.read(settings, record, "name", path, { fallback: "example" });
  if (!PIPELINE_NAME.test(name)) {
    reader.fail(
      joinPath(path, "name"),
      `${describe(name)} must be 1-40 lowercase letters, digits or "-", starting with a letter, e.g. "web-server" (the Image Builder resources are named <project>-<environment>-<name>)`,
    );
  }

  const modeText: string = reader.read(settings, record, "mode", path);
  const mode: PipelineMode = (MODES as readonly string[]).includes(modeText) ? (modeText as PipelineMode) : "tracker";
  if (mode !== modeText)
    reader.fail(
      joinPath(path, "mode"),
      `${describe(modeText)} is not a mode; use "tracker" (the Lambda writes the parameter) or "native" (the distribution writes it)`,
    );

  const resourceName = pipelineResourceName(context.namePrefix, name);
  const parameterPath = joinPath(path, "parameterName");
  const template = context.tracker.parameterName;
  const trackerName = resolveParameterName(template, resourceName, resourceName);
  let parameterName: string;
  if (mode === "tracker") {
    const given = reader.read(settings, record, "parameterName", path);
    parameterName = trackerName;
    if (given !== undefined && given !== template && resolveParameterName(given, resourceName, resourceName) !== trackerName) {
      reader.fail(
        parameterPath,
        `${describe(given)} is not what the tracker writes for this pipeline ("${trackerName}", from amiTracker.parameterName "${template}"); ` +
          `leave it out, change amiTracker.parameterName, or set mode "native" to write this name from the distribution`,
      );
    }
  } else {
    const given = reader.read(settings, record, "parameterName", path, { fallback: DEFAULT_NATIVE_PARAMETER_NAME });
    const placeholderProblem = checkParameterName(given, { allowPlaceholders: true });
    parameterName = resolveParameterName(given, resourceName, resourceName);
    if (placeholderProblem) reader.fail(parameterPath, placeholderProblem);
    else {
      const resolvedProblem = checkParameterName(parameterName, { allowPlaceholders: false });
      if (resolvedProblem) reader.fail(parameterPath, `resolves to ${resolvedProblem}`);
    }
  }

  const regionsPath = joinPath(path, "regions");
  const regions = reader.read(settings, record, "regions", path, { fallback: [context.region] });
  if (regions.length === 0) reader.fail(regionsPath, `is empty; list at least one region, e.g. ["${context.region}"], or leave it out`);
  regions.forEach((region, index) => {
    const problem = checkRegion(region);
    if (problem) reader.fail(joinPath(regionsPath, index), problem);
  });
  const repeated = regions.filter((region, index) => regions.indexOf(region) !== index);
  if (repeated.length > 0) reader.fail(regionsPath, `lists ${repeated.join(", ")} twice; list each region once`);

  const schedule = reader.read(settings, record, "schedule", path);
  const cronProblem = checkImageBuilderCron(schedule);
  if (cronProblem) reader.fail(joinPath(path, "schedule"), cronProblem);
  const scheduleTimezone = reader.read(settings, record, "scheduleTimezone", path);
  const timeZoneProblem = checkTimeZone(scheduleTimezone);
  if (timeZoneProblem) reader.fail(joinPath(path, "scheduleTimezone"), timeZoneProblem);

  const parentImage = reader.read(settings, record, "parentImage", path);
  const amiId = AMI_ID;
  if (!PARENT_IMAGE.test(parentImage)) {
    reader.fail(
      joinPath(path, "parentImage"),
      `${describe(parentImage)} is not a parent image; use a managed image name like "amazon-linux-2023-arm64", an image ARN ending in "/x.x.x", or an AMI ID "ami-..."`,
    );
  }
  const arm = isArmParent(parentImage);
  const instanceTypesPath = joinPath(path, "instanceTypes");
  const instanceTypes = reader.read(settings, record, "instanceTypes", path, { fallback: [arm ? "t4g.small" : "t3.small"] });
  if (instanceTypes.length === 0) reader.fail(instanceTypesPath, `is empty; list at least one, e.g. ["${arm ? "t4g.small" : "t3.small"}"], or leave it out`);
  instanceTypes.forEach((instanceType, index) => {
    const itemPath = joinPath(instanceTypesPath, index);
    if (!INSTANCE_TYPE.test(instanceType)) {
      reader.fail(itemPath, `${describe(instanceType)} is not an instance type; write it like "t4g.small"`);
    } else if (!amiId.test(parentImage) && isArmInstanceType(instanceType) !== arm) {
      reader.fail(
        itemPath,
        `${describe(instanceType)} is ${isArmInstanceType(instanceType) ? "arm64 (Graviton)" : "x86_64"} but parentImage "${parentImage}" is ${arm ? "arm64" : "x86_64"}; ` +
          `use ${arm ? 'a Graviton type such as "t4g.small"' : 'an x86 type such as "t3.small"'}`,
      );
    }
  });

  const recipeVersion = reader.read(settings, record, "recipeVersion", path);
  if (!SEMANTIC_VERSION.test(recipeVersion)) {
    reader.fail(joinPath(path, "recipeVersion"), `${describe(recipeVersion)} is not a semantic version; write it like "1.0.0"`);
  }
  const exampleLaunchTemplate = reader.read(settings, record, "exampleLaunchTemplate", path);
  if (exampleLaunchTemplate && !regions.includes(context.region)) {
    reader.fail(
      joinPath(path, "exampleLaunchTemplate"),
      `is true but regions ${JSON.stringify(regions)} leave out the app's region "${context.region}", where the launch template resolves the parameter; add "${context.region}" to regions or set it false`,
    );
  }

  return {
    ...reader.rest(settings, record, path, [
      "name",
      "mode",
      "parameterName",
      "regions",
      "schedule",
      "scheduleTimezone",
      "parentImage",
      "instanceTypes",
      "recipeVersion",
      "exampleLaunchTemplate",
      ...LOOP_KEYS,
    ]),
    name,
    resourceName,
    mode,
    parameterName,
    regions: [...new Set(regions)],
    schedule,
    scheduleTimezone,
    parentImage,
    instanceTypes,
    recipeVersion,
    exampleLaunchTemplate,
    ...readPipelineLoop(reader, record, path, { region: context.region, mode, regions, instanceTypes }),
  };
}

function checkNames(reader: ConfigReader, pipelines: readonly PipelineConfig[], path: string): void {
  pipelines.forEach((pipeline, index) => {
    const first = pipelines.findIndex((other) => other.name === pipeline.name);
    if (first !== index) {
      reader.fail(joinPath(joinPath(path, index), "name"), `"${pipeline.name}" is already the name of pipelines[${first}]; give each pipeline its own name`);
    }
  });
}

/** One writer per parameter and region: never the tracker and a distribution, never two pipelines. */
function checkWriters(reader: ConfigReader, pipelines: readonly PipelineConfig[], path: string, tracker: AmiTrackerConfig): void {
  const regionsOfTracker = trackerRegions({ tracker, pipelines });
  const writers = new Map<string, number>();
  pipelines.forEach((pipeline, index) => {
    const parameterPath = joinPath(joinPath(path, index), "parameterName");
    for (const region of pipeline.regions) {
      const key = `${region} ${pipeline.parameterName}`;
      const other = writers.get(key);
      if (other !== undefined && other !== index) {
        const otherPipeline = pipelines[other];
        const fix =
          pipeline.mode === "tracker" && otherPipeline?.mode === "tracker"
            ? `put "{pipeline}" in amiTracker.parameterName (e.g. "/ec2-imagebuilder/{pipeline}/latest") so each pipeline gets its own`
            : `give each pipeline its own parameterName`;
        reader.fail(
          parameterPath,
          `"${pipeline.parameterName}" in ${region} is also written by pipelines[${other}] ("${otherPipeline?.name ?? ""}"); two writers of one parameter overwrite each other's AMI: ${fix}`,
        );
      } else writers.set(key, index);
      if (pipeline.mode === "native" && regionsOfTracker.includes(region) && templateCovers(tracker.parameterName, pipeline.parameterName)) {
        reader.fail(
          parameterPath,
          `"${pipeline.parameterName}" in ${region} is a native-mode parameter, but the tracker may write it too (amiTracker.parameterName "${tracker.parameterName}" covers it); ` +
            `choose a name outside that pattern, or set this pipeline's mode to "tracker"`,
        );
      }
    }
  });
}
