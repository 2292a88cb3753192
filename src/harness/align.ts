// Aligns two sequences (routing messages, frames) so that one missing or extra element shows
// as one difference instead of shifting every later pair: a longest common subsequence on
// equality, then unmatched neighbours that are "alike" (same message type, same interface)
// paired as changed.

export type Aligned<T> =
  | { kind: "same"; i: number; j: number }
  | { kind: "changed"; i: number; j: number; a: T; b: T }
  | { kind: "only-a"; i: number; a: T }
  | { kind: "only-b"; j: number; b: T };

export function align<T>(
  xs: readonly T[],
  ys: readonly T[],
  equal: (a: T, b: T) => boolean,
  alike: (a: T, b: T) => boolean,
): Aligned<T>[] {
  // lcs[i][j]: length of the longest common subsequence of xs[i..] and ys[j..].
  const lcs = Array.from({ length: xs.length + 1 }, () => new Array<number>(ys.length + 1).fill(0));
  for (let i = xs.length - 1; i >= 0; i--) {
    for (let j = ys.length - 1; j >= 0; j--) {
      lcs[i][j] = equal(xs[i], ys[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: Aligned<T>[] = [];
  let i = 0;
  let j = 0;
  while (i < xs.length || j < ys.length) {
    if (i < xs.length && j < ys.length && equal(xs[i], ys[j])) {
      out.push({ kind: "same", i: i++, j: j++ });
    } else if (i < xs.length && j < ys.length && alike(xs[i], ys[j]) && lcs[i + 1][j + 1] === lcs[i][j]) {
      // Pairing them loses no common element: report one change, not a removal and an addition.
      out.push({ kind: "changed", i, j, a: xs[i++], b: ys[j++] });
    } else if (j >= ys.length || (i < xs.length && lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push({ kind: "only-a", i, a: xs[i++] });
    } else {
      out.push({ kind: "only-b", j, b: ys[j++] });
    }
  }
  return out;
}
