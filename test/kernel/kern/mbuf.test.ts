// Packet storage (src/kernel/kern/mbuf.ts m_data, m_dupdata): every packet gets zeroed bytes of
// its own, whichever way they are stored (in the typed array up to 64 bytes, a slab view up to
// MCLBYTES, an array of its own past it).

import { expect, test } from "vitest";
import { MCLBYTES, m_data, m_dupdata } from "../../../src/kernel/kern/mbuf.ts";

const SIZES = [0, 1, 42, 64, 65, 98, 1514, MCLBYTES - 1, MCLBYTES, MCLBYTES + 1, 9000];

test("m_data: zero-filled storage of the size asked for, never sharing bytes with another packet", () => {
  const got = SIZES.flatMap((n) => [m_data(n), m_data(n)]);
  got.forEach((d, i) => {
    expect(d.length).toBe(SIZES[i >> 1]);
    expect(d.every((x) => x === 0)).toBe(true);
    d.fill(0xff);
  });
  // Filling each one left every other one as it was: the regions do not overlap.
  for (const d of got) expect(d.every((x) => x === 0xff)).toBe(true);
  // The next packet still starts zeroed after its neighbours were written.
  for (const n of SIZES) expect(m_data(n).every((x) => x === 0)).toBe(true);
});

test("m_data: packets over 64 bytes share MCLBYTES slabs, so a slab holds several of them", () => {
  // A whole-cluster packet uses up its slab, so the next two start a fresh one together.
  expect(m_data(MCLBYTES).byteOffset).toBe(0);
  const a = m_data(100);
  const b = m_data(100);
  expect(a.buffer).toBe(b.buffer);
  expect([a.buffer.byteLength, a.byteOffset, b.byteOffset]).toEqual([MCLBYTES, 0, 100]);
  expect(m_data(MCLBYTES + 1).buffer.byteLength).toBe(MCLBYTES + 1);
  expect(m_data(64).buffer.byteLength).toBe(64);
});

test("m_dupdata: a received packet's copy is slab storage whatever its size; m_data keeps small ones in the array", () => {
  // A whole-cluster packet uses up its slab: the copies after it share the next one.
  m_data(MCLBYTES);
  const small = m_dupdata(new Uint8Array(60));
  const next = m_dupdata(new Uint8Array(42));
  expect(small.buffer).toBe(next.buffer);
  expect([small.buffer.byteLength, small.byteOffset, next.byteOffset]).toEqual([MCLBYTES, 0, 60]);
  expect(m_data(60).buffer.byteLength).toBe(60);
});

test("m_dupdata: a copy the original's later writes do not reach", () => {
  for (const n of [10, 100, 3000]) {
    const orig = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
    const copy = m_dupdata(orig);
    expect([...copy]).toEqual([...orig]);
    orig.fill(7);
    expect(copy[1]).toBe(1);
  }
});
