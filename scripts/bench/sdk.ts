/** AWS SDK clients: what they cost the tracker, built with literal schema keys (as deployed) and as the SDK is published. */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildOptions, runWorker, SCHEMA_KEY_PACKAGES } from "../../stacks/constructs/bundle";
import { directoryEntries, makeZip } from "../shared/zip";
import { BENCH_BUILD, kb, measureInit, ms, PROJECT_ROOT } from "./measure";
import { row, table } from "./summary";

/** The tracker's SDK clients, in the order of the table. */
const SDK_GROUPS = ["@aws-sdk/client-ec2", "@aws-sdk/client-ssm", "@aws-sdk/* (other)", "@smithy/*"] as const;

export interface SdkFigure {
  readonly variant: string;
  /** Minified bytes in the tracker's index.js, per SDK_GROUPS entry. */
  readonly groups: Readonly<Record<string, number>>;
  readonly indexBytes: number;
  readonly zipBytes: number;
  readonly initMs: number;
  readonly initCpuMs: number;
}

function sdkGroup(input: string): string | undefined {
  const match = /node_modules\/((@aws-sdk|@smithy)\/[^/]+)\//.exec(input);
  if (match?.[1] === undefined) return undefined;
  if ((SDK_GROUPS as readonly string[]).includes(match[1])) return match[1];
  return match[2] === "@smithy" ? "@smithy/*" : "@aws-sdk/* (other)";
}

/**
 * The tracker built twice with the handlers' options: with literal schema keys (as bundle.ts builds
 * it) and with the SDK's files as published (computed keys, nothing of EC2's schemas dropped).
 */
export function benchSdk(): SdkFigure[] {
  const variants = [
    { variant: "literal schema keys (bundle.ts, deployed)", schemaPackages: SCHEMA_KEY_PACKAGES, folder: "tracker-literal-keys" },
    { variant: "computed schema keys (the SDK as published)", schemaPackages: [], folder: "tracker-computed-keys" },
  ];
  const env = { ...process.env, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" };
  return variants.map(({ variant, schemaPackages, folder }) => {
    const directory = join(BENCH_BUILD, folder);
    rmSync(directory, { recursive: true, force: true });
    const metafile = runWorker({
      options: { ...buildOptions("handlers/ami-tracker/index.ts"), absWorkingDir: PROJECT_ROOT, outfile: join(directory, "index.js") },
      schemaPackages,
    });
    const output = Object.values(metafile.outputs).find((entry) => entry.entryPoint !== undefined);
    const groups: Record<string, number> = Object.fromEntries(SDK_GROUPS.map((group) => [group, 0]));
    for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
      const group = sdkGroup(input);
      if (group !== undefined) groups[group] = (groups[group] ?? 0) + bytesInOutput;
    }
    const init = measureInit(join(directory, "index.js"), env, `the tracker (${variant})`);
    return {
      variant,
      groups,
      indexBytes: readFileSync(join(directory, "index.js")).length,
      zipBytes: makeZip(directoryEntries(directory)).length,
      initMs: init.wallMs,
      initCpuMs: init.cpuMs,
    };
  });
}

export function reportSdk(figures: readonly SdkFigure[]): void {
  for (const figure of figures) {
    const groups = SDK_GROUPS.map((group) => `${group} ${kb(figure.groups[group] ?? 0)}`).join(", ");
    row(
      "sdk",
      `tracker, ${figure.variant}: index.js / zip / init`,
      `${kb(figure.indexBytes)} / ${kb(figure.zipBytes)} / ${ms(figure.initMs)} wall, ${ms(figure.initCpuMs)} CPU`,
    );
    row("sdk", `tracker, ${figure.variant}: in index.js`, groups);
  }
}

export function sdkTable(figures: readonly SdkFigure[]): string {
  return table(
    ["tracker built with", ...SDK_GROUPS, "index.js", "zip (with map)", "init wall / CPU (median of 20)"],
    figures.map((figure) => [
      figure.variant,
      ...SDK_GROUPS.map((group) => kb(figure.groups[group] ?? 0)),
      kb(figure.indexBytes),
      kb(figure.zipBytes),
      `${ms(figure.initMs)} / ${ms(figure.initCpuMs)}`,
    ]),
  );
}

export const SDK_SECTION = [
  "## What the AWS SDK clients cost the tracker",
  "",
  "The tracker bundles `@aws-sdk/client-ssm` and `@aws-sdk/client-ec2` (CreateTags, DeleteTags, DescribeImages). Since SDK",
  "3.930.0 each client's generated `schemas_0.js` writes its traits as computed keys (`{ [_xN]: _m }`), which esbuild cannot",
  "prove free of side effects, so it keeps every schema with a trait and what those reference: 481 KB of EC2's 3,728 schemas",
  "(aws/aws-sdk-js-v3#7607). bundle.ts rewrites those keys as the string literals they name (stacks/constructs/bundle-worker.ts,",
  "an esbuild plugin in a child process), and esbuild drops the schemas the tracker never uses. Both builds below use the",
  "handlers' options (written to .build/bench/, so their zips differ from the deployed one by the source map's relative paths);",
  "bytes per package are esbuild's metafile; init as in the bundle rows, wall and CPU (user + system) medians of 20 fresh",
  "processes, both builds in the same minute.",
];
