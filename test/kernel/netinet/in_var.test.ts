import { expect, test } from "vitest";
import { INADDR_HASHVAL } from "../../../src/kernel/netinet/in_var.ts";

/** sys/fnv_hash.h fnv_32_buf, byte by byte: hval *= FNV_32_PRIME, then hval ^= byte. */
function fnv1_32(bytes: number[]): number {
  let hval = 0x811c9dc5;
  for (const b of bytes) {
    hval = Math.imul(hval, 0x01000193) >>> 0;
    hval = (hval ^ b) >>> 0;
  }
  return hval;
}

test("INADDR_HASHVAL is fnv_32_buf over s_addr's four bytes in memory (network order)", () => {
  let x = 0x12345678;
  for (let i = 0; i < 2000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    expect(INADDR_HASHVAL(x)).toBe(fnv1_32([x >>> 24, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff]));
  }
  expect(INADDR_HASHVAL(0)).toBe(fnv1_32([0, 0, 0, 0]));
  expect(INADDR_HASHVAL(0xffffffff)).toBe(fnv1_32([255, 255, 255, 255]));
});
