/**
 * Text from a plan (resource addresses, for_each keys, values, paths) put into Markdown that GitHub
 * renders. A for_each key is any string: a backtick ends a code span, `|` splits a table cell, `<details>`,
 * `</details>` or `<!--` opens or closes HTML that can hide the rows after it, `@name` notifies someone.
 * Every such character becomes an HTML character reference, which GitHub shows as the character and
 * never reads as syntax: GitHub Flavored Markdown splits table rows on a literal `|` only, and a
 * reference is never a tag (https://github.github.com/gfm/#entity-and-numeric-character-references).
 */

const REFERENCES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "`": "&#96;",
  "|": "&#124;",
  "\\": "&#92;",
  "*": "&#42;",
  _: "&#95;",
  "~": "&#126;",
  "[": "&#91;",
  "]": "&#93;",
  "(": "&#40;",
  ")": "&#41;",
  "@": "&#64;",
  "#": "&#35;",
  "!": "&#33;",
  ":": "&#58;",
  $: "&#36;",
};

/** Plain text safe anywhere in a comment: inline, in a table cell, inside `<summary>`. Line breaks become ⏎. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, "⏎")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/[&<>"`|\\*_~[\]()@#!:$]/g, (character) => REFERENCES[character] ?? character);
}

/**
 * Text a code span shows as it is, also inside a table cell: inside backticks nothing is Markdown or
 * HTML (https://github.github.com/gfm/#code-spans); only a backtick ends the span, and a `|` splits a
 * table row even there (https://github.github.com/gfm/#tables-extension-). Line breaks end a row or a
 * list item; leading or trailing spaces would be trimmed.
 */
const CODE_SPAN_SAFE = /^[^`|\u0000-\u001f\u007f]+$/;

/**
 * Text inside an HTML block (a line that starts with `<details>`): GitHub reads no Markdown there, up to
 * the next blank line (https://github.github.com/gfm/#html-blocks), so only HTML's own characters and
 * line breaks (which could end the block) need escaping.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, "⏎")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/[&<>"']/g, (character) => REFERENCES[character] ?? "&#39;");
}

/**
 * Monospace text. A backtick code span when the text cannot break out of it (what reads best in the
 * raw Markdown), else `<code>` with every special character escaped. Inside an HTML block (a
 * `<summary>`) pass `html: true`: `<code>` with HTML's characters escaped.
 */
export function code(text: string, options: { readonly html?: boolean } = {}): string {
  if (options.html === true) return `<code>${escapeHtml(text)}</code>`;
  if (CODE_SPAN_SAFE.test(text) && text.trim() === text) return `\`${text}\``;
  return `<code>${escapeMarkdown(text)}</code>`;
}

/** A fence longer than any run of backticks in `text`, so the text cannot close it. */
export function fenced(text: string, language = "text"): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text}\n${fence}`;
}
