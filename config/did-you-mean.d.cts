/** Types of did-you-mean.cjs (plain CommonJS, loaded by scripts/synth.cjs too); the behaviour is described there. */

export declare function editDistance(a: string, b: string): number;
export declare function closest(value: string, candidates: readonly string[], most: number, options?: { readonly ignoreCase?: boolean }): string[];
export declare function nearest(value: string, candidates: readonly string[]): string[];
export declare function didYouMean(value: string, candidates: readonly string[], show?: (candidate: string) => string): string;
