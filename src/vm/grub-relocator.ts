// Debian 12's GRUB 2.06 i386-pc relocator.mod cannot enter a 64-bit FreeBSD kernel: the
// relocator64 trampoline ends in `movabs $0,%rdx; cld; jmp *disp32(%rip)`, assembled as 32-bit
// code with disp32 = 0, while the 8-byte jump target (grub_relocator64_rip) sits 4 bytes past
// the instruction. The CPU then jumps to `entry << 32` and the guest triple-faults right after
// "Booting". Setting disp32 to 4 makes the jump read the variable. (vm/freebsd/10.4/PROVENANCE.md
// has the whole story.)

export class RelocatorPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RelocatorPatchError";
  }
}

/** movabs $0, %rdx; cld; jmp *disp32(%rip) — the opcode bytes before disp32. */
const TRAMPOLINE_TAIL = Uint8Array.from([0x48, 0xba, 0, 0, 0, 0, 0, 0, 0, 0, 0xfc, 0xff, 0x25]);

function occurrences(hay: Uint8Array, needle: Uint8Array): number[] {
  const at: number[] = [];
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    at.push(i);
  }
  return at;
}

/** The patched module, or the input unchanged if it is already patched. Refuses any module
 * that does not hold the trampoline exactly once followed by disp32 = 0 (or 4) and 4 zero bytes. */
export function patchRelocator(mod: Uint8Array): Uint8Array {
  const hits = occurrences(mod, TRAMPOLINE_TAIL);
  if (hits.length !== 1) {
    throw new RelocatorPatchError(`relocator.mod: trampoline found ${hits.length} times, expected once`);
  }
  const disp = hits[0] + TRAMPOLINE_TAIL.length;
  const tail = mod.subarray(disp, disp + 8);
  const known = tail.length === 8 && tail.every((b, i) => b === (i === 0 ? tail[0] : 0));
  if (!known || (tail[0] !== 0 && tail[0] !== 4)) {
    throw new RelocatorPatchError(
      `relocator.mod: unexpected bytes ${Buffer.from(tail).toString("hex")} at offset ${disp}`,
    );
  }
  const out = Uint8Array.from(mod);
  out[disp] = 4;
  return out;
}
