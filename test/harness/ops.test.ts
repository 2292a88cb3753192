import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/harness/ops.ts";

describe("hex byte strings (traces carry every byte as hex)", () => {
  it("round-trip bytes, reading either case", () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromHex(toHex(bytes))).toEqual(bytes);
    expect(fromHex(toHex(bytes).toUpperCase())).toEqual(bytes);
    expect(fromHex("")).toEqual(new Uint8Array(0));
    expect(fromHex("0aFf")).toEqual(new Uint8Array([0x0a, 0xff]));
  });

  it("reject anything but an even number of hex digits", () => {
    for (const bad of ["0", "abc", "zz", "0g", "g0", "00 ", " 00", "0x00", "00\n", "aa-bb", "\u0660\u0661"])
      expect(() => fromHex(bad), JSON.stringify(bad)).toThrow(/not a hex byte string/);
  });

  it("give a plain Uint8Array of its own (not a Buffer from Node's shared pool)", () => {
    const a = fromHex("0102");
    expect(Object.getPrototypeOf(a)).toBe(Uint8Array.prototype);
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(2);
  });
});
