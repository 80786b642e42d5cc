// @ts-check
/**
 * "Did you mean": the known words nearest a mistyped one, by edit distance (Levenshtein: one insertion,
 * deletion or substitution each). Written once for the configuration's checks (config/validators.ts:
 * regions, time zones) and the command lines (scripts/shared/cli-args.cjs: options, values). Plain
 * CommonJS so that scripts/synth.cjs, which runs before anything is compiled, can load it
 * (types: did-you-mean.d.cts).
 */
"use strict";

/**
 * The fewest single-character insertions, deletions and substitutions that turn `a` into `b`.
 * @param {string} a
 * @param {string} b
 * @returns {number}
 */
function editDistance(a, b) {
  // One row of the distance table at a time: previous[j] is the distance from a's first i characters to b's first j.
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] ?? 0;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidates at the smallest edit distance from `value`, if that distance is at most `most`; else none.
 * With `ignoreCase`, letters are compared in lower case (the candidates are returned as written).
 * @param {string} value
 * @param {readonly string[]} candidates
 * @param {number} most
 * @param {{ readonly ignoreCase?: boolean }} [options]
 * @returns {string[]}
 */
function closest(value, candidates, most, options = {}) {
  const fold = options.ignoreCase ? (/** @type {string} */ text) => text.toLowerCase() : (/** @type {string} */ text) => text;
  const distances = candidates.map((candidate) => ({ candidate, distance: editDistance(fold(candidate), fold(value)) }));
  const smallest = Math.min(...distances.map((entry) => entry.distance));
  return smallest <= most ? distances.filter((entry) => entry.distance === smallest).map((entry) => entry.candidate) : [];
}

/**
 * The candidates closest to `value`: those it begins (a shortened name) if any, else those at the
 * smallest edit distance when that is small for the word's length (at most 2, or a third of it).
 * Case is ignored. For command-line words, which are short and often abbreviated.
 * @param {string} value
 * @param {readonly string[]} candidates
 * @returns {string[]}
 */
function nearest(value, candidates) {
  if (value.length === 0 || candidates.length === 0) return [];
  const lower = value.toLowerCase();
  const prefixed = candidates.filter((candidate) => candidate.toLowerCase().startsWith(lower));
  if (prefixed.length > 0 && prefixed.length <= 3) return prefixed;
  return closest(value, candidates, Math.max(2, Math.floor(value.length / 3)), { ignoreCase: true });
}

/**
 * " (did you mean X or Y?)" from nearest(), or "" when nothing is close.
 * @param {string} value
 * @param {readonly string[]} candidates
 * @param {(candidate: string) => string} [show]
 * @returns {string}
 */
function didYouMean(value, candidates, show = (candidate) => candidate) {
  const close = nearest(value, candidates);
  return close.length > 0 ? ` (did you mean ${close.map(show).join(" or ")}?)` : "";
}

module.exports = { editDistance, closest, nearest, didYouMean };
