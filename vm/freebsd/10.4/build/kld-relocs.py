#!/usr/bin/env python3
"""kld-relocs.py IN.ko OUT.ko [--drop-kernel-depend]

Makes a kernel module built by clang 14 loadable by FreeBSD 10.4's amd64 kernel linker.

10.4's elf_reloc_internal() (sys/amd64/amd64/elf_machdep.c) applies only R_X86_64_NONE,
_64, _PC32, _32S, _COPY, _GLOB_DAT, _JMP_SLOT and _RELATIVE; anything else fails the
kldload with "unexpected relocation type". clang 14 emits two more in a kmod.mk object:

  R_X86_64_PLT32 for every call: for a static module it means the same as R_X86_64_PC32
  (S + A - P, there is no PLT), so only the type changes.
  R_X86_64_GOTPCREL(X) / R_X86_64_REX_GOTPCRELX for `mov sym@GOTPCREL(%rip), %reg` (the
  -fstack-protector guard, which LLVM does not assume local on FreeBSD): the kernel linker
  builds no GOT, so the load becomes `lea sym(%rip), %reg` (opcode 0x8b -> 0x8d) with an
  R_X86_64_PC32 of the same addend, which is what ld.lld itself does when it relaxes these.
  Any other instruction behind a GOT relocation is refused.

--drop-kernel-depend turns every MODULE_DEPEND(<m>, kernel, ...) record
(_mod_metadata_md_<m>_on_kernel) from MDT_DEPEND into type 0, which no 10.4 code reads: for
kernels whose own `kernel` module never reaches the linker's module list (see PROVENANCE.md,
"The kernel module that was not registered"). Every module still depends on the kernel file.
"""
import struct
import sys

R_X86_64_PC32 = 2
R_X86_64_PLT32 = 4
GOT_TYPES = {9: "GOTPCREL", 41: "GOTPCRELX", 42: "REX_GOTPCRELX"}
SHT_RELA = 4
SHT_SYMTAB = 2
SHT_NOBITS = 8
MDT_DEPEND = 1


def fail(msg):
    sys.stderr.write("kld-relocs: %s\n" % msg)
    sys.exit(1)


def sections(img):
    if img[:4] != b"\x7fELF" or img[4] != 2 or img[5] != 1:
        fail("not a little-endian ELF64 file")
    e_type, e_machine = struct.unpack_from("<HH", img, 16)
    if e_type != 1 or e_machine != 62:
        fail("not an x86-64 relocatable object (ET_REL)")
    shoff = struct.unpack_from("<Q", img, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", img, 0x3A)
    secs = []
    for i in range(shnum):
        name, typ, flags, addr, off, size, link, info, align, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", img, shoff + i * shentsize)
        secs.append(dict(name=name, type=typ, off=off, size=size, link=link, info=info,
                         entsize=entsize))
    strtab = secs[shstrndx]
    for s in secs:
        end = img.index(b"\0", strtab["off"] + s["name"])
        s["name"] = img[strtab["off"] + s["name"]:end].decode()
    return secs


def rewrite_relocs(img, secs):
    counts = {"PLT32": 0, "GOT": 0}
    for s in secs:
        if s["type"] != SHT_RELA:
            continue
        target = secs[s["info"]]
        for off in range(s["off"], s["off"] + s["size"], 24):
            r_offset, r_info = struct.unpack_from("<QQ", img, off)
            rtype = r_info & 0xFFFFFFFF
            if rtype == R_X86_64_PLT32:
                counts["PLT32"] += 1
            elif rtype in GOT_TYPES:
                at = target["off"] + r_offset  # the 32-bit displacement
                if at < 2 or img[at - 1] & 0xC7 != 0x05:
                    fail("%s at %s+%#x: not a RIP-relative operand" %
                         (GOT_TYPES[rtype], target["name"], r_offset))
                if img[at - 2] != 0x8B:
                    fail("%s at %s+%#x: opcode %#x is not mov, cannot relax" %
                         (GOT_TYPES[rtype], target["name"], r_offset, img[at - 2]))
                img[at - 2] = 0x8D  # mov sym@GOTPCREL(%rip) -> lea sym(%rip)
                counts["GOT"] += 1
            else:
                continue
            struct.pack_into("<Q", img, off + 8, (r_info & ~0xFFFFFFFF) | R_X86_64_PC32)
    return counts


def drop_kernel_depend(img, secs):
    symtab = next((s for s in secs if s["type"] == SHT_SYMTAB), None)
    if symtab is None:
        fail("no symbol table")
    strtab = secs[symtab["link"]]
    dropped = []
    for off in range(symtab["off"], symtab["off"] + symtab["size"], 24):
        st_name, st_info, st_other, st_shndx, st_value, st_size = struct.unpack_from(
            "<IBBHQQ", img, off)
        end = img.index(b"\0", strtab["off"] + st_name)
        name = img[strtab["off"] + st_name:end].decode()
        if not (name.startswith("_mod_metadata_md_") and name.endswith("_on_kernel")):
            continue
        sec = secs[st_shndx]
        if sec["type"] == SHT_NOBITS:
            fail("%s is in a NOBITS section" % name)
        at = sec["off"] + st_value + 4  # struct mod_metadata: int md_version, int md_type
        md_type = struct.unpack_from("<i", img, at)[0]
        if md_type == 0:
            dropped.append("%s: md_type already 0" % name)
            continue
        if md_type != MDT_DEPEND:
            fail("%s has md_type %d, not MDT_DEPEND" % (name, md_type))
        struct.pack_into("<i", img, at, 0)
        dropped.append("%s: md_type MDT_DEPEND -> 0" % name)
    if not dropped:
        fail("no MODULE_DEPEND(..., kernel, ...) record found")
    return dropped


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    opts = [a for a in argv if a.startswith("--")]
    if len(args) != 2 or any(o != "--drop-kernel-depend" for o in opts):
        sys.stderr.write(__doc__.split("\n\n")[0] + "\n")
        sys.exit(2)
    with open(args[0], "rb") as f:
        img = bytearray(f.read())
    secs = sections(img)
    counts = rewrite_relocs(img, secs)
    print("kld-relocs: %d R_X86_64_PLT32 -> PC32, %d GOT loads -> lea + PC32" %
          (counts["PLT32"], counts["GOT"]))
    if opts:
        for line in drop_kernel_depend(img, secs):
            print("kld-relocs: " + line)
    with open(args[1], "wb") as f:
        f.write(img)


if __name__ == "__main__":
    main(sys.argv[1:])
