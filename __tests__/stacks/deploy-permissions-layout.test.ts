/**
 * The deploy permission table is one file per service (stacks/ci-access/permissions/<service>.ts, named
 * after the provider's internal/service/<service>/ folder) listed in permissions/index.ts: no file left
 * out of the index, no service in two files, and the merged table holds every file's rows.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DATA_SOURCE_PERMISSIONS, mergeRows, PERMISSIONS_DIRECTORY, permissionsFile, RESOURCE_PERMISSIONS, SERVICES } from "../../stacks/ci-access/permissions";
import type { ServicePermissions } from "../../stacks/ci-access/table";

const ROOT = join(__dirname, "..", "..");
const FILES = readdirSync(join(ROOT, PERMISSIONS_DIRECTORY))
  .filter((file) => file.endsWith(".ts") && file !== "index.ts")
  .map((file) => file.slice(0, -".ts".length))
  .sort();

/** Each file's rows, read from the file itself (its export is named after the file), not through the index. */
async function rowsOfFile(service: string): Promise<ServicePermissions> {
  const module = (await import(join(ROOT, PERMISSIONS_DIRECTORY, service))) as Record<string, ServicePermissions | undefined>;
  const rows = module[service];
  if (rows === undefined) throw new Error(`${PERMISSIONS_DIRECTORY}/${service}.ts exports no "${service}"`);
  return rows;
}

describe("the permission table's files", () => {
  test("every service file is listed in the index under its file name, and every listed service has its file", () => {
    expect(FILES.length).toBeGreaterThan(10);
    expect(Object.keys(SERVICES).sort()).toEqual(FILES);
  });

  test.each(FILES)("%s.ts: the index lists the file's own rows, and the file has at least one", async (service) => {
    const rows = await rowsOfFile(service);
    expect(SERVICES[service]).toBe(rows);
    expect(Object.keys({ ...rows.resources, ...rows.dataSources }).length).toBeGreaterThan(0);
  });

  test("each resource type and data source is in one file only, the one of its provider's service folder", async () => {
    const filesOf = new Map<string, string[]>();
    for (const service of FILES) {
      const rows = await rowsOfFile(service);
      for (const [kind, table] of [
        ["resource", rows.resources],
        ["data", rows.dataSources],
      ] as const) {
        for (const [type, entry] of Object.entries(table ?? {})) {
          filesOf.set(`${kind} ${type}`, [...(filesOf.get(`${kind} ${type}`) ?? []), service]);
          // The row cites the provider source it was read from: that source's service folder is the file's name.
          const folder = entry.source.match(/^hashicorp\/terraform-provider-aws internal\/service\/([a-z0-9]+)\//)?.[1];
          expect({ type, folder: folder ?? entry.source.match(/^hashicorp\/terraform-provider-([a-z]+) /)?.[1] }).toEqual({ type, folder: service });
        }
      }
    }
    expect([...filesOf].filter(([, services]) => services.length > 1)).toEqual([]);
    const merged = [
      ...Object.keys(RESOURCE_PERMISSIONS).map((type) => `resource ${type}`),
      ...Object.keys(DATA_SOURCE_PERMISSIONS).map((type) => `data ${type}`),
    ];
    expect(merged.sort()).toEqual([...filesOf.keys()].sort());
  });

  test("a row's file is named for messages; a type in two services fails naming both files", () => {
    expect(permissionsFile("resource", "aws_sqs_queue")).toBe("stacks/ci-access/permissions/sqs.ts");
    expect(permissionsFile("data", "aws_ami")).toBe("stacks/ci-access/permissions/ec2.ts");
    expect(permissionsFile("resource", "aws_ecr_repository")).toBeUndefined();
    const queue = RESOURCE_PERMISSIONS["aws_sqs_queue"];
    if (queue === undefined) throw new Error("aws_sqs_queue has no row");
    expect(() => mergeRows({ sqs: { resources: { aws_sqs_queue: queue } }, sns: { resources: { aws_sqs_queue: queue } } }, "resources")).toThrow(
      "deploy permissions: aws_sqs_queue is in both permissions/sqs.ts and permissions/sns.ts; keep it in one",
    );
  });
});
