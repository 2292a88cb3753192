#!/bin/sh
# kmod.sh SYS KOBJ OUT.ko -- build a FreeBSD 10.4 kernel module (default carp(4)) for one of the
# kernels of kernel.sh, and make it loadable by that kernel (kld-relocs.py).
#
#   SYS    the kernel's source tree, the sys/ directory (for the seed kernel: OUT/seed/sys of
#          kernel.sh)
#   KOBJ   the kernel's object directory (kernel.sh's OUT/obj/IDENT, or its KOBJ): the module is
#          compiled with that kernel's opt_*.h
#   OUT.ko the module
#
# Environment:
#   FBSD_SRC, FBSD_TOOLS  as for kmake.sh (share/mk, and the hosttools.sh bin directory)
#   MODULE                the directory under SYS/modules (default carp)
#   KERNEL_DEPEND=drop    neutralise the module's MODULE_DEPEND(..., kernel, ...) record, for
#                         the kernels that do not register their `kernel` module (built before
#                         kernel.sh compiled link_elf.o with -fno-delete-null-pointer-checks;
#                         see PROVENANCE.md). Default: keep it.
# kmod.mk of 10.4 is used unchanged: ld -r -d, every global made local (EXPORT_SYMS=NO, via
# the xargs -J shim), objcopy --strip-debug.
set -eu
if [ $# -ne 3 ]; then sed -n '2,20p' "$0" >&2; exit 2; fi
: "${FBSD_SRC:?FBSD_SRC: the FreeBSD 10.4 source tree}" "${FBSD_TOOLS:?FBSD_TOOLS: hosttools.sh OUT/bin}"
sys=$(cd "$1" && pwd -P)
kobj=$(cd "$2" && pwd -P)
out=$3
here=$(cd "$(dirname "$0")" && pwd -P)
mk=$(cd "$FBSD_SRC/share/mk" && pwd -P)
module=${MODULE:-carp}
ident=$(sed -n 's/^KERN_IDENT=[[:space:]]*//p' "$kobj/Makefile")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PATH=$FBSD_TOOLS:$PATH
export PATH
# MAKEOBJDIR: objects go to the (existing) scratch directory, never into SYS. The prefix maps
# give __FILE__ strings the paths a FreeBSD build machine would have.
(
	cd "$sys/modules/$module"
	MAKEOBJDIR=$work bmake -m "$mk" \
		MACHINE=amd64 MACHINE_ARCH=amd64 MACHINE_CPUARCH=amd64 \
		CC=fbsd-cc LD=ld.lld NM=nm OBJCOPY=objcopy AWK=gawk \
		LDFLAGS= WERROR= NO_WERROR=yes WITHOUT_FORMAT_EXTENSIONS=yes WITHOUT_CTF=yes \
		SYSDIR="$sys" KERNBUILDDIR="$kobj" \
		CONF_CFLAGS="-ffile-prefix-map=$sys=/usr/src/sys -ffile-prefix-map=$kobj=/usr/obj/usr/src/sys/$ident" \
		all
)
drop=
[ "${KERNEL_DEPEND:-keep}" = drop ] && drop=--drop-kernel-depend
python3 "$here/kld-relocs.py" "$work/$module.ko" "$out" $drop
sha256sum "$out"
