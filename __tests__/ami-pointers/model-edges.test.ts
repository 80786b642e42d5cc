// The AMI-pointer model on plain data: each rule of ami-pointers/model.ts with the case that tells it from
// its near misses (model.test.ts compares the model with the synthesized stacks; this file kills the
// mutants that comparison lets through, docs/mutation.md).
import fc from "fast-check";
import {
  advancedTierParameters,
  isTemplate,
  pointerNamesOf,
  pointersOf,
  type PointerPipeline,
  type PointerSources,
  trackedParameters,
  trackerRegions,
} from "../../ami-pointers/model";

function pipeline(name: string, overrides: Partial<PointerPipeline> = {}): PointerPipeline {
  return { name, parameterName: `/golden/${name}/latest`, regions: ["us-east-1"], mode: "tracker", channels: [], ...overrides };
}

function sources(pipelines: PointerPipeline[], trackedRegionsList: string[] = [], parameterName = "/ec2-imagebuilder/latest"): PointerSources {
  return { tracker: { parameterName, trackedRegions: trackedRegionsList }, pipelines };
}

describe("isTemplate", () => {
  test.each(["{pipeline}", "{image}", "/golden/{pipeline}/latest", "/golden/{image}", "{image}-ami"])("%p is a template", (name) => {
    expect(isTemplate(name)).toBe(true);
  });

  test.each(["/ec2-imagebuilder/latest", "{other}", "pipeline", "image", "{pipeline", "pipeline}", "{ image }", "{}", ""])("%p is not a template", (name) => {
    expect(isTemplate(name)).toBe(false);
  });
});

describe("trackerRegions", () => {
  test("the tracker's own regions first, then each tracker-mode pipeline's, each once, in that order", () => {
    // Prepare
    const model = sources(
      [
        pipeline("web", { regions: ["eu-west-1", "us-east-1"] }),
        pipeline("native", { mode: "native", regions: ["ap-south-1"] }),
        pipeline("gov", { regions: ["us-gov-west-1", "eu-west-1"] }),
      ],
      ["us-east-1", "us-west-2", "us-east-1"],
    );

    // Act
    const regions = trackerRegions(model);

    // Assess: ap-south-1 is written by the native pipeline's distribution, not the tracker.
    expect(regions).toEqual(["us-east-1", "us-west-2", "eu-west-1", "us-gov-west-1"]);
  });

  test("no pipelines and no tracked regions: none", () => {
    expect(trackerRegions(sources([]))).toEqual([]);
  });

  test("the caller's arrays are not changed", () => {
    const own = ["us-east-1"];
    const model = sources([pipeline("web", { regions: ["eu-west-1"] })], own);
    trackerRegions(model);
    expect(own).toEqual(["us-east-1"]);
  });
});

describe("trackedParameters", () => {
  test("one per pipeline, in configuration order, with its writer, regions (each once), channels and tier", () => {
    // Prepare
    const model = sources(
      [
        pipeline("web", { regions: ["eu-west-1", "us-east-1", "eu-west-1"], channels: ["stable", "prod"], share: { organizationArn: "arn" } }),
        pipeline("native", { mode: "native", regions: ["ap-south-1"] }),
      ],
      ["us-west-2"],
    );

    // Act
    const tracked = trackedParameters(model);

    // Assess: with pipelines configured, the tracker's own parameter is not one of them.
    expect(tracked).toEqual([
      {
        parameter: "/golden/web/latest",
        pipeline: "web",
        writer: "tracker",
        regions: ["eu-west-1", "us-east-1"],
        channels: ["stable", "prod"],
        gates: [],
        tier: "Advanced",
      },
      { parameter: "/golden/native/latest", pipeline: "native", writer: "native", regions: ["ap-south-1"], channels: [], gates: [], tier: "Standard" },
    ]);
  });

  test("without pipelines: the tracker's parameter in its tracked regions (each once), Standard, no channels, no pipeline", () => {
    const tracked = trackedParameters(sources([], ["us-east-1", "us-gov-west-1", "us-east-1"]));
    expect(tracked).toEqual([
      { parameter: "/ec2-imagebuilder/latest", writer: "tracker", regions: ["us-east-1", "us-gov-west-1"], channels: [], gates: [], tier: "Standard" },
    ]);
    expect(tracked[0]).not.toHaveProperty("pipeline");
  });

  test("without pipelines and with a template name: none (the names are known only per message)", () => {
    expect(trackedParameters(sources([], ["us-east-1"], "/golden/{image}/latest"))).toEqual([]);
  });

  test("without pipelines and without tracked regions: none", () => {
    expect(trackedParameters(sources([], []))).toEqual([]);
  });

  test("the model's lists are copies: changing one leaves the configuration alone", () => {
    // Prepare
    const channels = ["stable"];
    const model = sources([pipeline("web", { channels })]);

    // Act
    const [tracked] = trackedParameters(model);
    (tracked?.channels as string[]).push("prod");

    // Assess
    expect(channels).toEqual(["stable"]);
  });
});

describe("pointers of a tracked parameter", () => {
  test("latest first, then the channels in order", () => {
    expect(pointersOf({ channels: ["stable", "prod"] })).toEqual(["latest", "stable", "prod"]);
    expect(pointersOf({ channels: [] })).toEqual(["latest"]);
  });

  test("the names: the tracked parameter itself, then each channel's", () => {
    expect(pointerNamesOf({ parameter: "/golden/web/latest", channels: ["stable", "prod"] })).toEqual([
      "/golden/web/latest",
      "/golden/web/stable",
      "/golden/web/prod",
    ]);
  });
});

describe("advancedTierParameters", () => {
  test("only shared pipelines the tracker writes; a shared native pipeline's distribution sets its own tier", () => {
    // Prepare
    const share = { organizationArn: "arn:aws:organizations::111122223333:organization/o-example" };
    const model = sources([
      pipeline("shared", { share }),
      pipeline("plain"),
      pipeline("native-shared", { mode: "native", share }),
      pipeline("second-shared", { share }),
    ]);

    // Act + Assess
    expect(advancedTierParameters(model)).toEqual(["/golden/shared/latest", "/golden/second-shared/latest"]);
  });

  test("property: a pipeline is Advanced exactly when it is shared", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ shared: fc.boolean(), native: fc.boolean() }), { maxLength: 6 }), (flags) => {
        // Prepare
        const pipelines = flags.map(({ shared, native }, index) =>
          pipeline(`p${index}`, { mode: native ? "native" : "tracker", ...(shared ? { share: {} } : {}) }),
        );

        // Act
        const tracked = trackedParameters(sources(pipelines));

        // Assess
        expect(tracked.map((entry) => entry.tier)).toEqual(flags.map(({ shared }) => (shared ? "Advanced" : "Standard")));
        expect(advancedTierParameters(sources(pipelines))).toEqual(
          flags.flatMap(({ shared, native }, index) => (shared && !native ? [`/golden/p${index}/latest`] : [])),
        );
      }),
    );
  });
});
