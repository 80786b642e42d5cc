import { coveringSelection, stackFeatures, uncovered } from "../../../scripts/plan-tier/lib/plan-coverage";

describe("stackFeatures", () => {
  it("lists types, argument paths, booleans with their value and provider arguments; not names, other values or CDKTF metadata", () => {
    const features = stackFeatures({
      provider: { aws: [{ region: "us-east-1", default_tags: [{ tags: { Project: "p" } }] }] },
      resource: {
        aws_sqs_queue: {
          queue_a: { "//": { metadata: { path: "x" } }, name: "a.fifo", fifo_queue: true, redrive_policy: "${jsonencode({})}" },
          queue_b: { name: "b" },
        },
      },
      data: { archive_file: { bundle: { type: "zip" } } },
      output: { arn: { value: "x" } },
    });
    expect([...features].sort()).toEqual([
      "data.archive_file",
      "data.archive_file.type",
      "provider.aws",
      "provider.aws.default_tags",
      "provider.aws.default_tags[].tags",
      "provider.aws.default_tags[].tags.Project",
      "provider.aws.region",
      "resource.aws_sqs_queue",
      "resource.aws_sqs_queue.fifo_queue",
      "resource.aws_sqs_queue.fifo_queue=true",
      "resource.aws_sqs_queue.name",
      "resource.aws_sqs_queue.redrive_policy",
    ]);
  });
});

describe("coveringSelection", () => {
  const candidates = [
    { id: "default/api", features: new Set(["a", "b"]) },
    { id: "other/api", features: new Set(["a", "b"]) },
    { id: "fifo/api", features: new Set(["a", "b", "c"]) },
    { id: "big/tracker", features: new Set(["d", "e", "f"]) },
    { id: "small/tracker", features: new Set(["d"]) },
  ];

  it("keeps the required stacks and adds the fewest others greedily until every feature is planned", () => {
    const selected = coveringSelection(candidates, ["default/api"]);
    expect(selected).toEqual(["default/api", "fifo/api", "big/tracker"]);
    expect(uncovered(candidates, selected)).toEqual([]);
  });

  it("names what a selection leaves unplanned", () => {
    expect(uncovered(candidates, ["default/api", "small/tracker"])).toEqual(["c", "e", "f"]);
  });
});
