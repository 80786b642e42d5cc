/**
 * Captures what the handlers write: Powertools' Logger and Metrics write through their own Console on
 * process.stdout and process.stderr (warn and error), one JSON object per line, as Lambda receives them.
 */
export interface CapturedOutput {
  /** Every JSON line written so far, parsed. */
  lines(): Array<Record<string, unknown>>;
  /** Every line written so far, as text. */
  raw(): string[];
  restore(): void;
}

/** Starts capturing; each JSON line is also pushed, parsed, onto `into` as it is written. */
export function captureOutput(into: Array<Record<string, unknown>> = []): CapturedOutput {
  const written: string[] = [];
  const swallow = ((chunk: unknown): boolean => {
    for (const line of String(chunk)
      .split("\n")
      .filter((text) => text.length > 0)) {
      written.push(line);
      if (line.startsWith("{")) into.push(JSON.parse(line) as Record<string, unknown>);
    }
    return true;
  }) as typeof process.stdout.write;
  const spies = [jest.spyOn(process.stdout, "write").mockImplementation(swallow), jest.spyOn(process.stderr, "write").mockImplementation(swallow)];
  return {
    lines: () => written.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>),
    raw: () => [...written],
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

/** Runs `body` with `variables` set in process.env, then restores them. */
export async function withEnv<T>(variables: Readonly<Record<string, string | undefined>>, body: () => Promise<T> | T): Promise<T> {
  const saved = Object.fromEntries(Object.keys(variables).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply({ ...variables });
  try {
    return await body();
  } finally {
    apply(saved);
  }
}
