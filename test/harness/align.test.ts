import { describe, expect, it } from "vitest";
import { align } from "../../src/harness/align.ts";

const eq = (a: string, b: string) => a === b;
const alike = (a: string, b: string) => a[0] === b[0];
const kinds = (xs: string[], ys: string[]) => align(xs, ys, eq, alike).map((d) => d.kind);

describe("align", () => {
  it("equal sequences are all same", () => {
    expect(kinds(["a1", "b1"], ["a1", "b1"])).toEqual(["same", "same"]);
    expect(kinds([], [])).toEqual([]);
  });

  it("one missing element is one difference, the rest stay paired", () => {
    expect(kinds(["a1", "b1", "c1"], ["b1", "c1"])).toEqual(["only-a", "same", "same"]);
    expect(kinds(["b1", "c1"], ["a1", "b1", "c1"])).toEqual(["only-b", "same", "same"]);
  });

  it("alike unmatched neighbours pair as changed; unlike ones do not", () => {
    const d = align(["a1", "b1"], ["a2", "b1"], eq, alike);
    expect(d[0]).toEqual({ kind: "changed", i: 0, j: 0, a: "a1", b: "a2" });
    expect(kinds(["a1", "b1"], ["z1", "b1"])).toEqual(["only-a", "only-b", "same"]);
  });

  it("does not pair alike elements when that would lose a common one", () => {
    expect(kinds(["a1", "a2"], ["a2"])).toEqual(["only-a", "same"]);
  });
});
