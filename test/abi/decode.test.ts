import { describe, expect, it } from "vitest";
import {
  getI16,
  getI32,
  getN16,
  getN32,
  getI64,
  getU16,
  getU32,
  getU64,
  readCString,
  setN16,
  setN32,
  setU16,
  setU32,
  setU64,
} from "../../src/abi/decode.ts";
import { seededRandom } from "../wire/helpers.ts";

// The byte-by-byte field helpers must read and write exactly what a little-endian DataView does
// (amd64's layout), for every value: they replaced DataViews on the hot paths.
describe("little-endian field helpers agree with DataView", () => {
  const rand = seededRandom(0x5eed);
  const samples = (n: number): Uint8Array[] =>
    Array.from({ length: n }, () => Uint8Array.from({ length: 12 }, () => Math.floor(rand() * 256)));
  const edges = [0x00, 0x7f, 0x80, 0xff].map((b) => new Uint8Array(12).fill(b));

  it("reads 16, 32 and 64-bit fields, signed and unsigned, at any offset", () => {
    for (const b of [...edges, ...samples(500)]) {
      const v = new DataView(b.buffer);
      for (const at of [0, 1, 3]) {
        expect(getU16(b, at)).toBe(v.getUint16(at, true));
        expect(getI16(b, at)).toBe(v.getInt16(at, true));
        expect(getU32(b, at)).toBe(v.getUint32(at, true));
        expect(getI32(b, at)).toBe(v.getInt32(at, true));
        expect(getU64(b, at)).toBe(v.getBigUint64(at, true));
        expect(getI64(b, at)).toBe(v.getBigInt64(at, true));
      }
    }
  });

  it("writes as DataView's setters do, wrapping out-of-range values the same way", () => {
    const numbers = [0, 1, -1, 0x7fff, 0x8000, -0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000, 0xffffffff];
    const more = Array.from({ length: 200 }, () => Math.floor((rand() - 0.5) * 2 ** 34));
    for (const n of [...numbers, ...more, 1.5, -2.5, NaN]) {
      const a = new Uint8Array(4);
      const b = new Uint8Array(4);
      setU16(a, 1, n);
      new DataView(b.buffer).setUint16(1, n, true);
      expect(a).toEqual(b);
      setU32(a, 0, n);
      new DataView(b.buffer).setInt32(0, n, true);
      expect(a).toEqual(b);
    }
    const bigs = [
      0n,
      1n,
      0xffffffffn,
      0x100000000n,
      2n ** 64n - 1n,
      2n ** 64n,
      -1n,
      -(2n ** 63n),
      2n ** 70n + 5n,
    ];
    for (const n of [...bigs, ...more.map((x) => BigInt(x) * 3_000_000_007n)]) {
      const a = new Uint8Array(10);
      const b = new Uint8Array(10);
      setU64(a, 2, n);
      new DataView(b.buffer).setBigUint64(2, BigInt.asUintN(64, n), true);
      expect(a).toEqual(b);
    }
  });
});

describe("readCString", () => {
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

  it("stops at the first NUL, at the field's size, or at the end of the bytes", () => {
    expect(readCString(bytes("vtnet0\0junk"), 0, 16)).toBe("vtnet0");
    expect(readCString(bytes("abcdefghijklmnopqrs"), 0, 16)).toBe("abcdefghijklmnop");
    expect(readCString(bytes("xxlo0"), 2, 16)).toBe("lo0");
    expect(readCString(new Uint8Array(0), 0, 16)).toBe("");
  });

  it("keeps bytes above 0x7f as the Latin-1 characters C's char array holds", () => {
    expect(readCString(new Uint8Array([0x65, 0xe9, 0xff, 0]), 0, 16)).toBe("e\u00e9\u00ff");
  });
});

// Packet headers are big-endian: the same agreement with a big-endian DataView.
describe("network-order field helpers agree with DataView", () => {
  const rand = seededRandom(0xbe);
  it("read 16 and 32-bit fields at any offset, and missing bytes past the end as zero", () => {
    for (let i = 0; i < 500; i++) {
      const b = Uint8Array.from({ length: 8 }, () => Math.floor(rand() * 256));
      const v = new DataView(b.buffer);
      for (const at of [0, 1, 4]) {
        expect(getN16(b, at)).toBe(v.getUint16(at, false));
        expect(getN32(b, at)).toBe(v.getUint32(at, false));
      }
      expect(getN32(b, 6)).toBe(((b[6] << 24) | (b[7] << 16)) >>> 0);
    }
  });

  it("write the low bits most significant byte first, as DataView's setters do", () => {
    const numbers = [0, 1, -1, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000, 0xffffffff];
    const more = Array.from({ length: 200 }, () => Math.floor((rand() - 0.5) * 2 ** 34));
    for (const n of [...numbers, ...more]) {
      const a = new Uint8Array(4);
      const b = new Uint8Array(4);
      setN16(a, 1, n);
      new DataView(b.buffer).setUint16(1, n, false);
      expect(a).toEqual(b);
      setN32(a, 0, n);
      new DataView(b.buffer).setUint32(0, n, false);
      expect(a).toEqual(b);
    }
  });
});
