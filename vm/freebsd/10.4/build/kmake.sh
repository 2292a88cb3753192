#!/bin/sh
# kmake.sh KOBJ [bmake arguments...] -- run the kernel Makefile config(8) wrote into KOBJ with
# Debian's bmake, clang 14 and ld.lld 14 instead of FreeBSD's make, cc and ld.
#
# Environment:
#   FBSD_SRC    FreeBSD 10.4 source tree: its share/mk is the make library (required)
#   FBSD_TOOLS  bin directory made by hosttools.sh, put first on PATH (required)
#   KCFLAGS     extra compiler flags, appended to the kernel's CFLAGS as CONF_CFLAGS
#
# Example: kmake.sh "$KOBJ" -j2 all    (kernel.sh runs it that way)
set -eu
if [ $# -lt 1 ]; then sed -n '2,11p' "$0" >&2; exit 2; fi
kobj=$1; shift
: "${FBSD_SRC:?FBSD_SRC: the FreeBSD 10.4 source tree}" "${FBSD_TOOLS:?FBSD_TOOLS: hosttools.sh OUT/bin}"
mk=$(cd "$FBSD_SRC/share/mk" && pwd -P)
cd "$kobj"
PATH=$FBSD_TOOLS:$PATH
export PATH
# LDFLAGS: ld.lld needs the 2 MB page size the kernel's ldscript (MAXPAGESIZE) assumes, and a
# single read-only+text segment as BFD ld makes it. HACK_EXTRA_FLAGS: hack.So, the empty shared
# object that makes the link dynamic, is linked by clang, which must use ld.lld for it too.
# No -Werror (clang 14 warns where 2017's clang did not) and no CTF tools on this host.
exec bmake -m "$mk" \
	MACHINE=amd64 MACHINE_ARCH=amd64 MACHINE_CPUARCH=amd64 \
	CC=fbsd-cc \
	LD=ld.lld NM=nm OBJCOPY=objcopy SIZE=size AWK=gawk \
	LDFLAGS="-z max-page-size=0x200000 --no-rosegment" \
	HACK_EXTRA_FLAGS="-shared -fuse-ld=lld" \
	WERROR= NO_WERROR=yes WITHOUT_FORMAT_EXTENSIONS=yes WITHOUT_CTF=yes \
	CONF_CFLAGS="${KCFLAGS:-}" \
	"$@"
