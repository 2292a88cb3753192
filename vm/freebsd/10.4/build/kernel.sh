#!/bin/sh
# kernel.sh stock|seed SRC OUT -- build one of the two inconf FreeBSD 10.4 kernels from source.
#
#   stock  10.4-RELEASE with the INCONF config             -> OUT/kernel, OUT/kernel.gz
#   seed   10.4-RELEASE with the seed's sys/netinet/in.c and ../seedin.patch, config INCONF-SEED
#                                                          -> OUT/kernel-seedin, OUT/kernel-seedin.gz
#   SRC    FreeBSD 10.4-RELEASE source tree (needs sys/, share/mk/, usr.sbin/config/,
#          usr.bin/rpcgen/, usr.bin/file2c/); never written
#   OUT    work directory: tools/ (hosttools.sh), seed/sys (seed tree), obj/IDENT, the kernels
#
# Environment (all optional except SEED_IN for seed):
#   SEED_IN       the seed's in.c (its sha256 must be SEED_SHA256 below)
#   FBSD_TOOLS    an existing hosttools.sh OUT/bin (else built into OUT/tools)
#   KOBJ          the object directory (default OUT/obj/IDENT); removed and made afresh
#   SRCMAP        what source paths in __FILE__ strings become (default /usr/src/sys);
#                 SRCMAP=none keeps the build machine's paths
#   BUILD_DATE    build time in seconds since 1970 for the version string (default: now)
#   BUILD_NUMBER  the "#N" of the version string (default 0)
#   USER, HOSTNAME  the "user@host" of the version string (default root@build)
#   JOBS          parallel jobs (default 2)
#   LINK_ELF_FIX  "no" builds link_elf.o like every other file, as the kernels vendored before
#                 this fix were built (their `kernel` module is missing from the kld module
#                 list, see PROVENANCE.md); default: link_elf.o gets -fno-delete-null-pointer-checks
# Host packages (Debian 12): clang-14 lld-14 bmake gawk gcc byacc flex libbsd-dev patch.
# About 3-4 minutes on 2 cores. Run it under `nice` on a shared machine.
set -eu
SEED_SHA256=468361772a80cc9a2da0f0edecf75f17dfb2d05393d5b592d5f75003560b4f3c
if [ $# -ne 3 ]; then sed -n '2,25p' "$0" >&2; exit 2; fi
variant=$1
src=$(cd "$2" && pwd -P)
mkdir -p "$3"
out=$(cd "$3" && pwd -P)
here=$(cd "$(dirname "$0")" && pwd -P)
top=$(dirname "$here")

case $variant in
stock) ident=INCONF name=kernel ;;
seed) ident=INCONF-SEED name=kernel-seedin ;;
*) echo "kernel.sh: variant must be stock or seed, not $variant" >&2; exit 2 ;;
esac

if [ -z "${FBSD_TOOLS:-}" ]; then
	"$here/hosttools.sh" "$src" "$out/tools" >/dev/null
	FBSD_TOOLS=$out/tools/bin
fi
FBSD_SRC=$src
export FBSD_SRC FBSD_TOOLS

# The tree config(8) reads. The seed tree shares every file with SRC by hard link (or copy)
# except the ones it changes, which are fresh copies so that nothing writes through a link.
if [ "$variant" = stock ]; then
	sys=$src/sys
	conf=$top/INCONF
else
	: "${SEED_IN:?SEED_IN: path of the seed in.c}"
	sum=$(sha256sum "$SEED_IN" | cut -d' ' -f1)
	if [ "$sum" != "$SEED_SHA256" ]; then
		echo "kernel.sh: $SEED_IN has sha256 $sum, not the seed's $SEED_SHA256" >&2; exit 1
	fi
	rm -rf "$out/seed"; mkdir -p "$out/seed"
	cp -al "$src/sys" "$out/seed/sys" 2>/dev/null || cp -R "$src/sys" "$out/seed/sys"
	for f in net/if.c net/if_var.h netinet/raw_ip.c netinet/in.c; do
		rm -f "$out/seed/sys/$f"
		cp "$src/sys/$f" "$out/seed/sys/$f"
	done
	(cd "$out/seed" && patch -p1 --no-backup-if-mismatch -s < "$top/seedin.patch")
	cp "$SEED_IN" "$out/seed/sys/netinet/in.c"
	sys=$out/seed/sys
	conf=$sys/amd64/conf/INCONF-SEED
fi

# config(8) of 10.4 finds the source tree as ../.. of its working directory
kobj=${KOBJ:-$out/obj/$ident}
rm -rf "$kobj"; mkdir -p "$kobj"
kobj=$(cd "$kobj" && pwd)
(cd "$sys/amd64/conf" && "$FBSD_TOOLS/config" -d "$kobj" "$conf")

# -fcommon: genassym.o is compiled with CFLAGS minus -fno-common, and genassym.sh reads the
# assembler constants from its common symbols; clang 14 defaults to -fno-common, which would
# leave assym.s empty. The prefix map keeps the build machine's paths out of the kernel.
kcflags=-fcommon
srcmap=${SRCMAP:-/usr/src/sys}
[ "$srcmap" = none ] || kcflags="$kcflags -ffile-prefix-map=$sys=$srcmap"
KCFLAGS="$kcflags${KCFLAGS:+ $KCFLAGS}"
export KCFLAGS
# newvers.sh takes the version string's parts from here
echo "${BUILD_NUMBER:-0}" > "$kobj/version"
USER=${USER:-root} HOSTNAME=${HOSTNAME:-build} LC_ALL=C TZ=UTC
export USER HOSTNAME LC_ALL TZ
if [ -n "${BUILD_DATE:-}" ]; then SOURCE_DATE_EPOCH=$BUILD_DATE; export SOURCE_DATE_EPOCH; fi

"$here/kmake.sh" "$kobj" -j"${JOBS:-2}" depend
# link_elf_lookup_set() tests (caddr_t)ef->address + st_value against NULL, and the kernel's own
# file has ef->address == NULL: clang 14 folds the test into "ef->address == NULL" (arithmetic
# on a null pointer is undefined), so every linker set lookup on the kernel file fails with
# ESRCH. link_elf.o alone is compiled first with the fold disabled; bmake then keeps it.
if [ "${LINK_ELF_FIX:-yes}" != no ]; then
	KCFLAGS="$KCFLAGS -fno-delete-null-pointer-checks" "$here/kmake.sh" "$kobj" link_elf.o
	before=$(cksum < "$kobj/link_elf.o")
fi
"$here/kmake.sh" "$kobj" -j"${JOBS:-2}" all
if [ "${LINK_ELF_FIX:-yes}" != no ] && [ "$(cksum < "$kobj/link_elf.o")" != "$before" ]; then
	echo "kernel.sh: link_elf.o was rebuilt by 'all', without -fno-delete-null-pointer-checks" >&2
	exit 1
fi
cp "$kobj/kernel" "$out/$name"
gzip -9 -n -c "$out/$name" > "$out/$name.gz"
sha256sum "$out/$name" "$out/$name.gz"
