/** The in-use-aware lifecycle policy of a pipeline's AMIs. */
import { DEFAULT_PROTECT_LAUNCHED_WITHIN_DAYS } from "../../../aws/ami-loop";
import { SEMANTIC_VERSION } from "../../patterns";
import { describe, joinPath } from "../../reader";
import { Defaulted, keysOf, ListOf, Matching, OneOf, Optional, Section, WholeNumber, type Resolved } from "../../settings";
import type { LoopContext } from "./context";

export const CleanupSettings = Section(
  {
    type: Defaulted(OneOf(["age", "count"] as const, 'Delete AMIs older than value unit ("age") or beyond the newest value ("count").'), "age"),
    value: Defaulted(WholeNumber(1, 1000, "Age (in unit) or count of AMIs to keep."), 90),
    unit: Defaulted(OneOf(["DAYS", "WEEKS", "MONTHS", "YEARS"] as const, "Unit of an age rule."), "DAYS"),
    retainAtLeast: Defaulted(WholeNumber(1, 10, "An age rule keeps at least this many AMIs."), 3),
    protectLaunchedWithinDays: Defaulted(
      WholeNumber(0, 365, "Also keep every AMI launched within this many days, whatever its tags (a backstop); 0 turns it off."),
      DEFAULT_PROTECT_LAUNCHED_WITHIN_DAYS,
    ),
    deprecateAfter: Optional(
      WholeNumber(1, 1000, "Deprecate AMIs first: older than this many units (age) or beyond the newest this many (count); less than disableAfter and value."),
    ),
    disableAfter: Optional(
      WholeNumber(
        1,
        1000,
        "Then disable them (private and unlaunchable: every consumer loses them; EnableImage undoes it): older than this many units (age) or beyond the newest this many (count); less than value.",
      ),
    ),
    previousRecipeVersions: Defaulted(
      ListOf(
        Matching(SEMANTIC_VERSION),
        'Older recipe versions whose AMIs the policy also cleans up (list the old recipeVersion after a bump), e.g. ["1.0.0"].',
      ),
      [],
    ),
  },
  "An Image Builder lifecycle policy for the pipeline's AMIs that never deletes one a parameter or channel points to now or before (in-use tags). Tracker mode only.",
);

export type CleanupConfig = Resolved<typeof CleanupSettings>;

/** Reads `cleanup`: a known rule and unit, stages before deletion in order, tracker mode only. */
export function readCleanup(context: LoopContext, record: Record<string, unknown>): CleanupConfig | undefined {
  const { reader, path, pipeline } = context;
  let cleanup: CleanupConfig | undefined;
  if (record["cleanup"] !== undefined) {
    const at = joinPath(path, "cleanup");
    const settings = CleanupSettings;
    const entry = reader.object(record["cleanup"], at, keysOf(settings));
    const type = reader.read(settings, entry, "type", at) as string;
    if (type !== "age" && type !== "count") reader.fail(joinPath(at, "type"), `${describe(type)} is not a rule type; use "age" or "count"`);
    const unit = reader.read(settings, entry, "unit", at) as string;
    if (!["DAYS", "WEEKS", "MONTHS", "YEARS"].includes(unit))
      reader.fail(joinPath(at, "unit"), `${describe(unit)} is not a unit; use "DAYS", "WEEKS", "MONTHS" or "YEARS" (capitals)`);
    const previousRecipeVersions = reader.read(settings, entry, "previousRecipeVersions", at);
    previousRecipeVersions.forEach((version, index) => {
      if (!SEMANTIC_VERSION.test(version))
        reader.fail(joinPath(joinPath(at, "previousRecipeVersions"), index), `${describe(version)} is not a semantic version; write it like "1.0.0"`);
    });
    if (pipeline.mode === "native") {
      reader.fail(
        at,
        'is set on a native-mode pipeline: Image Builder writes its parameter and tags no AMI in use, so the policy could delete the AMI the parameter points to; set mode "tracker" or remove cleanup',
      );
    }
    const value = reader.read(settings, entry, "value", at);
    const deprecateAfter = reader.read(settings, entry, "deprecateAfter", at);
    const disableAfter = reader.read(settings, entry, "disableAfter", at);
    // Deprecate, then disable, then delete: each threshold below the next (a stage after DELETE never acts).
    const terms = type === "count" ? "newest AMIs kept" : unit;
    if (deprecateAfter !== undefined && disableAfter !== undefined && disableAfter <= deprecateAfter) {
      reader.fail(
        joinPath(at, "disableAfter"),
        `${disableAfter} must be more than deprecateAfter ${deprecateAfter} (${terms}): AMIs are deprecated, then disabled, then deleted`,
      );
    }
    for (const [setting, stage] of [
      ["deprecateAfter", deprecateAfter],
      ["disableAfter", disableAfter],
    ] as const) {
      if (stage !== undefined && stage >= value) {
        reader.fail(joinPath(at, setting), `${stage} must be less than value ${value} (${terms}), when the AMIs are deleted; raise value or lower ${setting}`);
      }
    }
    cleanup = {
      ...reader.rest(settings, entry, at, ["type", "unit", "previousRecipeVersions"]),
      type: type === "count" ? "count" : "age",
      unit: (["DAYS", "WEEKS", "MONTHS", "YEARS"].includes(unit) ? unit : "DAYS") as CleanupConfig["unit"],
      previousRecipeVersions: [...new Set(previousRecipeVersions)],
    };
  }

  return cleanup;
}
