/** One problem in the configuration: where it is, what was found, and how to fix it. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** Thrown before any construct is built, so a bad configuration never writes a stack. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(`Invalid configuration (${source}):\n` + problems.map((problem) => `  - ${problem.path}: ${problem.message}`).join("\n"));
    this.name = "ConfigError";
  }
}
