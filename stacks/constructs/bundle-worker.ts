/**
 * The esbuild run of a handler bundle, in a child process of its own: bundle.ts compiles this file
 * and runs it with node (esbuild's plugins need its asynchronous API; bundle.ts is synchronous).
 * Request on stdin: { options, schemaPackages }; answer on stdout: the metafile.
 *
 * Its plugin gives the AWS SDK's generated schemas back to esbuild's tree shaking. Since SDK
 * 3.930.0 a client's dist-es/schemas/schemas_0.js writes traits as computed keys, `{ [_xN]: _m }`,
 * where `_xN` is a top-level `const _xN = "xmlName"`. esbuild cannot prove that a computed key has
 * no side effect (its toString could run code) and inlines a string constant only up to 3
 * characters, so it keeps every schema with a trait and what those reference: ~480 KB of EC2's
 * 3,728 schemas for the three calls the tracker makes (aws/aws-sdk-js-v3#7607, evanw/esbuild#4373;
 * the generator's own fix, literal keys, is smithy-lang/smithy-typescript#1889). Writing each such
 * key as the string literal it names gives the same objects, and lets esbuild drop the unused ones.
 */
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { readFileSync } from "node:fs";

export interface BundleRequest {
  readonly options: BuildOptions;
  /** Packages whose generated schemas get literal keys, e.g. "@aws-sdk/client-ec2". */
  readonly schemaPackages: readonly string[];
}

export interface InlinedSchemaKeys {
  readonly text: string;
  /** How many computed keys became string literals. */
  readonly replaced: number;
}

/** `const _xN = "xmlName";`: the string table the SDK's code generator writes at the top of the file. */
const STRING_CONSTANT = /^const (_\w+) = ("[^"\\\n]*");$/gm;
/** A computed key naming one identifier, where an object literal's property starts (after `{` or `,`). */
const COMPUTED_KEY = /([{,]\s*)\[(_\w+)\]:/g;

/**
 * Replaces each computed object key `[_name]:` whose `_name` is a top-level string constant of the
 * same file by that string as a literal key. Other code is left as it is, byte for byte.
 */
export function inlineSchemaKeys(source: string): InlinedSchemaKeys {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) {
    if (name !== undefined && literal !== undefined) constants.set(name, literal);
  }
  let replaced = 0;
  const text = source.replace(COMPUTED_KEY, (whole: string, start: string, name: string) => {
    const literal = constants.get(name);
    if (literal === undefined) return whole;
    replaced++;
    return `${start}${literal}:`;
  });
  return { text, replaced };
}

/** A package's generated schema files, in its ES module build (what mainFields "module" selects). */
export function schemaFileFilter(packages: readonly string[]): RegExp {
  const escapeRegExp = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const names = packages.map((name) => name.split("/").map(escapeRegExp).join("[\\\\/]"));
  return new RegExp(`[\\\\/]node_modules[\\\\/](?:${names.join("|")})[\\\\/]dist-es[\\\\/]schemas[\\\\/]schemas_\\d+\\.js$`);
}

export function schemaKeysPlugin(packages: readonly string[]): Plugin {
  return {
    name: "aws-sdk-schema-keys",
    setup(build) {
      if (packages.length === 0) return;
      build.onLoad({ filter: schemaFileFilter(packages) }, (args) => {
        const { text, replaced } = inlineSchemaKeys(readFileSync(args.path, "utf8"));
        // Once the generator writes literal keys, nothing is replaced and esbuild reads the file itself.
        return replaced === 0 ? undefined : { contents: text, loader: "js" };
      });
    },
  };
}

export async function runBundleRequest(request: BundleRequest): Promise<Metafile> {
  const result = await build({ ...request.options, metafile: true, plugins: [schemaKeysPlugin(request.schemaPackages)] });
  return result.metafile;
}

function readStdin(): string {
  return readFileSync(0, "utf8");
}

if (require.main === module) {
  runBundleRequest(JSON.parse(readStdin()) as BundleRequest).then(
    (metafile) => process.stdout.write(JSON.stringify(metafile)),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
