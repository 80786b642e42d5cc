/**
 * Text from a plan or a log placed in Markdown so that it can only be read, never rendered: a code
 * span or fenced block whose fence is longer than any run of that character inside it (CommonMark
 * 0.31, "Code spans" and "Fenced code blocks": a block ends only at a fence at least as long).
 */

function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}

/** A fenced code block no line of `text` can close: backticks, one more than the longest run (at least 3). */
export function fencedBlock(text: string, info = "text"): string {
  const fence = "`".repeat(Math.max(3, longestRun(text, "`") + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

/** An inline code span for one line of untrusted text, safe inside a table cell. */
export function codeSpan(text: string): string {
  const line = text.replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|");
  const ticks = "`".repeat(longestRun(line, "`") + 1);
  const pad = line.startsWith("`") || line.endsWith("`") ? " " : "";
  return `${ticks}${pad}${line}${pad}${ticks}`;
}
