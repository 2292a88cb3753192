import { describe, expect, test } from "vitest";
import { list_remove, list_remove_at } from "../../../src/kernel/sys/queue.ts";

describe("list removals (sys/queue.h TAILQ_REMOVE on arrays)", () => {
  test("list_remove_at keeps the order of the rest", () => {
    const l = ["a", "b", "c", "d"];
    list_remove_at(l, 1);
    expect(l).toEqual(["a", "c", "d"]);
    list_remove_at(l, 2);
    expect(l).toEqual(["a", "c"]);
    list_remove_at(l, 0);
    expect(l).toEqual(["c"]);
  });

  test("list_remove takes the first occurrence only, and says whether it found one", () => {
    const x = { n: 1 };
    const y = { n: 2 };
    const l = [y, x, y];
    expect(list_remove(l, y)).toBe(true);
    expect(l).toEqual([x, y]);
    expect(l[1]).toBe(y);
    expect(list_remove(l, { n: 1 })).toBe(false);
    expect(l).toHaveLength(2);
  });
});
