import { expect, test } from "vitest";
import { bcopy } from "../../../src/kernel/sys/systm.ts";

test("bcopy copies n bytes to the offset, or as many as the source has", () => {
  const dst = new Uint8Array(8);
  bcopy(Uint8Array.of(1, 2, 3), dst, 2, 2);
  expect([...dst]).toEqual([0, 0, 1, 2, 0, 0, 0, 0]);
  bcopy(Uint8Array.of(9, 8), dst, 5, 6);
  expect([...dst]).toEqual([0, 0, 1, 2, 0, 9, 8, 0]);
});
