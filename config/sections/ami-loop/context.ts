/** What every reader of a pipeline's loop settings shares: the pipeline's facts, its pointers and the region checks. */
import type { ConfigReader } from "../../reader";
import { describe, joinPath } from "../../reader";

/** The pointer a group's launch template reads: the pipeline's own parameter. */
export const LATEST_POINTER = "latest";

export interface PipelineFacts {
  readonly region: string;
  readonly mode: "tracker" | "native";
  readonly regions: readonly string[];
  readonly instanceTypes: readonly string[];
}

export interface LoopContext {
  readonly reader: ConfigReader;
  /** The pipeline's path, e.g. `imageBuilder.pipelines[0]`. */
  readonly path: string;
  readonly pipeline: PipelineFacts;
  readonly channels: readonly string[];
  /** "latest" and the channels. */
  readonly pointers: readonly string[];
  /** Fails `at` unless `value` is one of the pointers. */
  checkPointer(value: string, at: string): void;
  /** Whether the app's region is one of the pipeline's, where `setting` is built; fails `setting` if not. */
  inAppRegion(setting: string): boolean;
  /** Whether `region` is one of the pipeline's; fails `at` if not. */
  inPipelineRegions(region: string, at: string): boolean;
}

export function list(reader: ConfigReader, value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  reader.fail(path, `${describe(value)} is not a list; write it as [{ ... }] or leave it out`);
  return [];
}

export function loopContext(reader: ConfigReader, path: string, pipeline: PipelineFacts, channels: readonly string[]): LoopContext {
  const pointers = [LATEST_POINTER, ...channels];
  return {
    reader,
    path,
    pipeline,
    channels,
    pointers,
    checkPointer: (value, at) => {
      if (!pointers.includes(value))
        reader.fail(
          at,
          `${describe(value)} is not a pointer of this pipeline; use one of ${pointers.map((p) => `"${p}"`).join(", ")} (add it to channels first)`,
        );
    },
    inAppRegion: (setting) => {
      if (pipeline.regions.includes(pipeline.region)) return true;
      reader.fail(
        joinPath(path, setting),
        `is set but the pipeline's regions ${JSON.stringify(pipeline.regions)} leave out the app's region "${pipeline.region}", where it is built; add "${pipeline.region}" to regions or remove ${setting}`,
      );
      return false;
    },
    inPipelineRegions: (region, at) => {
      if (pipeline.regions.includes(region)) return true;
      reader.fail(
        at,
        `${describe(region)} is not one of the pipeline's regions ${JSON.stringify(pipeline.regions)}, where its parameter and channels are written; use one of them, or add ${describe(region)} to regions`,
      );
      return false;
    },
  };
}
