// The one-byte fix of GRUB 2.06's relocator64 jump (src/vm/grub-relocator.ts), on synthetic
// modules and, where grub-pc-bin is installed, on Debian's own relocator.mod.

import { readFileSync, existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { patchRelocator, RelocatorPatchError } from "../../src/vm/grub-relocator.ts";

const TAIL = [0x48, 0xba, 0, 0, 0, 0, 0, 0, 0, 0, 0xfc, 0xff, 0x25];

function module(disp: number, after = [0, 0, 0, 0]): Uint8Array {
  return Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3, ...TAIL, disp, 0, 0, 0, ...after, 0x90, 0x90]);
}

describe("patchRelocator", () => {
  it("sets disp32 to 4 so the jump reads grub_relocator64_rip", () => {
    const out = patchRelocator(module(0));
    const at = 7 + TAIL.length;
    expect(out[at]).toBe(4);
    expect(Array.from(out.subarray(at + 1, at + 8))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(out.length).toBe(module(0).length);
  });

  it("leaves an already patched module as it is", () => {
    expect(Array.from(patchRelocator(module(4)))).toEqual(Array.from(module(4)));
  });

  it("refuses a module whose bytes after the jump are not the expected gap", () => {
    expect(() => patchRelocator(module(0, [1, 0, 0, 0]))).toThrow(RelocatorPatchError);
    expect(() => patchRelocator(module(8))).toThrow(/unexpected bytes/);
  });

  it("refuses a module without the trampoline, or with it twice", () => {
    expect(() => patchRelocator(Uint8Array.from([1, 2, 3]))).toThrow(/found 0 times/);
    const twice = Uint8Array.from([...module(0), ...module(0)]);
    expect(() => patchRelocator(twice)).toThrow(/found 2 times/);
  });

  const debian = "/usr/lib/grub/i386-pc/relocator.mod";
  it.skipIf(!existsSync(debian))("patches Debian 12's relocator.mod at byte 941 (needs grub-pc-bin)", () => {
    const mod = readFileSync(debian);
    const out = patchRelocator(mod);
    const changed = [...out.keys()].filter((i) => out[i] !== mod[i]);
    expect(changed).toEqual([941]);
    expect(out[941]).toBe(4);
  });
});
