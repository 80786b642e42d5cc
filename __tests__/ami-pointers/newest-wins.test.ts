/**
 * The fold that decides which of a pointer's versions wins (ami-pointers/newest-wins.ts), and the
 * records it reads: the tags any writer rebuilds from a version equal the tags its writer wrote.
 */
import fc from "fast-check";
import { parseMessage } from "../../handlers/ami-tracker/message";
import { buildTags } from "../../handlers/ami-tracker/tags";
import { trackerDescription } from "../../handlers/ami-tracker/tracker";
import { pointerTags } from "../../ami-pointers/channels";
import {
  afterVersion,
  copyDescription,
  decide,
  operatorDescription,
  parseRecord,
  type PointerVersion,
  recordTags,
  stripMarkers,
} from "../../ami-pointers/newest-wins";
import { fixtureText } from "../handlers/ami-tracker/support/events";

const tracker = (version: number, value: string, build: number): PointerVersion => ({
  version,
  value,
  description: `Latest AMI from EC2 Image Builder: golden 1.0.0/${build}`,
});

describe("decide", () => {
  test("tracker versions: the newest build wins, whatever the order of the versions", () => {
    const decision = decide([tracker(1, "ami-1", 1), tracker(2, "ami-3", 3), tracker(3, "ami-2", 2)]);
    expect(decision?.winner.value).toBe("ami-3");
    expect(decision?.previous?.value).toBe("ami-1");
  });

  test("the same build again does not win twice (a duplicate delivery)", () => {
    expect(decide([tracker(1, "ami-3", 3), tracker(2, "ami-3b", 3)])?.winner.version).toBe(1);
  });

  test("an operator write that saw the winner wins even with an older build (a rollback)", () => {
    const rollback = { version: 3, value: "ami-1", description: afterVersion("Channel stable of /x/latest, rolled back from ami-2: golden 1.0.0/1", 2) };
    const decision = decide([tracker(1, "ami-1", 1), tracker(2, "ami-2", 2), rollback]);
    expect(decision?.winner.value).toBe("ami-1");
    expect(decision?.previous?.value).toBe("ami-2");
  });

  test("an operator write that did not see a newer build loses to it (concurrent)", () => {
    const rollback = { version: 3, value: "ami-1", description: afterVersion("Channel stable of /x/latest, rolled back: golden 1.0.0/1", 1) };
    expect(decide([tracker(1, "ami-1", 1), tracker(2, "ami-2", 2), rollback])?.winner.value).toBe("ami-2");
  });

  test("a repair (copy) changes nothing; an external write (a seed, a console edit) wins", () => {
    const winner = tracker(2, "ami-3", 3);
    const copy = { version: 4, value: "ami-3", description: copyDescription(winner) };
    expect(parseRecord(copy.description)).toMatchObject({ kind: "copy", copyOf: 2 });
    expect(decide([tracker(1, "ami-1", 1), winner, tracker(3, "ami-2", 2), copy])?.winner.version).toBe(2);
    expect(decide([winner, { version: 3, value: "ami-9" }])?.winner.value).toBe("ami-9");
  });

  test("property: for tracker versions only, the winner is the newest build, in any order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 12 }), (builds) => {
        const versions = builds.map((build, index) => tracker(index + 1, `ami-${build}`, build));
        expect(decide(versions)?.winner.value).toBe(`ami-${Math.max(...builds)}`);
      }),
    );
  });
});

describe("records", () => {
  test.each(["sns-message-available-docs.json", "sns-message-available-multiaccount-multiregion.json", "sns-message-available-2020-no-accountid.json"])(
    "%s: the tags rebuilt from the tracker's description equal the tags the tracker writes",
    (file) => {
      const parsed = parseMessage(fixtureText(file));
      if (parsed.kind !== "image") throw new Error("fixture must parse");
      for (const ami of parsed.image.amis) {
        const version = { version: 7, value: ami.image, description: trackerDescription(parsed.image, ami) };
        const winner = decide([version])?.winner;
        if (winner === undefined) throw new Error("one version decides");
        expect(winner.record.kind).toBe("tracker");
        expect(recordTags(ami.region, winner)).toEqual(buildTags(parsed.image, ami));
      }
    },
  );

  test("an operator description: the CLI's tags come back from it, with SSM's writer and date; markers strip", () => {
    const ami = {
      region: "us-east-1",
      amiId: "ami-0123456789abcdef0",
      amiName: "golden 1.2.0/3",
      imageArn: "arn:aws:imagebuilder:us-east-1:111122223333:image/golden/1.2.0/3",
    };
    const change = {
      tracked: "/x/latest",
      pointer: "stable",
      by: "arn:aws:sts::111122223333:assumed-role/ops/jane",
      at: new Date("2026-12-01T00:00:00Z"),
      from: "latest",
      rollback: false,
    };
    const description = operatorDescription(ami, change, 4);
    expect(description.length).toBeLessThanOrEqual(1024);
    const winner = decide([{ version: 5, value: ami.amiId, description, user: change.by, modified: change.at }])?.winner;
    if (winner === undefined) throw new Error("one version decides");
    expect(winner.record).toMatchObject({ kind: "operator", after: 4, build: { version: "1.2.0", buildVersion: "3" } });
    expect(recordTags("us-east-1", winner)).toEqual(pointerTags(ami, change));
    expect(stripMarkers(description)).not.toMatch(/after v4/);
  });
});
