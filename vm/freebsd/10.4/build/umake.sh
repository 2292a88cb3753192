#!/bin/sh
# umake.sh DIR [bmake arguments...] -- run a FreeBSD 10.4 userland Makefile (DIR, a directory of
# the 10.4 source tree) with Debian's bmake and clang 14, cross-compiling for
# x86_64-unknown-freebsd10.4 against a sysroot. Used by sysroot.sh.
#
# Environment:
#   FBSD_SRC      the FreeBSD 10.4 source tree (never written)                       (required)
#   FBSD_SYSROOT  headers and libraries compiled against; DESTDIR of install targets  (required)
#   FBSD_OBJ      object tree: DIR's objects go to $FBSD_OBJ/<physical path of DIR>    (required)
#   FBSD_TOOLS    the hosttools.sh bin directory                                      (required)
#   FBSD_FIXINC   a header directory searched before all others                       (optional)
#
# Example: umake.sh "$FBSD_SRC/lib/libc" -j2 libc.a
set -eu
if [ $# -lt 1 ]; then sed -n '2,13p' "$0" >&2; exit 2; fi
: "${FBSD_SRC:?}" "${FBSD_SYSROOT:?}" "${FBSD_OBJ:?}" "${FBSD_TOOLS:?}"
dir=$1; shift
src=$(cd "$FBSD_SRC" && pwd -P)
cd "$dir"
here=$(pwd -P)
# bmake only honours MAKEOBJDIRPREFIX when the object directory exists already; if it does not,
# it builds in the source tree. Make it for DIR and every subdirectory a SUBDIR walk may enter.
find . -type d | while IFS= read -r d; do mkdir -p "$FBSD_OBJ$here/$d"; done
PATH=$FBSD_TOOLS:$PATH MAKEOBJDIRPREFIX=$FBSD_OBJ
export PATH MAKEOBJDIRPREFIX FBSD_SYSROOT
cc="clang --target=x86_64-unknown-freebsd10.4 --sysroot=$FBSD_SYSROOT"
[ -z "${FBSD_FIXINC:-}" ] || cc="$cc -I$FBSD_FIXINC"
# __FILE__ in assert(), jemalloc and friends: name /usr/src and /usr/obj, not this machine
cc="$cc -fmacro-prefix-map=$FBSD_OBJ$src=/usr/obj/usr/src -fmacro-prefix-map=$src=/usr/src -fdebug-prefix-map=$src=/usr/src"
# libc's nsswitch parser is generated with bison as yacc (byacc writes a different parser).
# lib/csu edits .note.tag with BSD `sed -i ""`: SED_FIX_NOTE is given in GNU sed's spelling.
# The WITHOUT_* knobs leave out what a static C sysroot does not need (and what needs more
# host tools: NLS catalogues, NIS, Kerberos, C++ runtime, profiled and shared libraries).
exec bmake -m "$src/share/mk" \
	MACHINE=amd64 MACHINE_ARCH=amd64 MACHINE_CPUARCH=amd64 TARGET=amd64 TARGET_ARCH=amd64 \
	COMPILER_TYPE=clang CC="$cc" CPP=fbsd-cpp \
	AS="clang --target=x86_64-unknown-freebsd10.4 -c" \
	LD=ld.lld NM=nm OBJCOPY=objcopy AR=ar RANLIB=ranlib SIZE=size AWK=gawk \
	YACC="bison -y" LEX=flex \
	DESTDIR="$FBSD_SYSROOT" \
	BINOWN=root BINGRP=root INCOWN=root INCGRP=root LIBOWN=root LIBGRP=root \
	SHAREOWN=root SHAREGRP=root MANOWN=root MANGRP=root \
	NO_WERROR=yes WERROR= WITHOUT_FORMAT_EXTENSIONS=yes WITHOUT_CTF=yes \
	WITHOUT_NIS=yes WITHOUT_NLS=yes WITHOUT_HESIOD=yes WITHOUT_ICONV=yes WITHOUT_SSP=yes \
	WITHOUT_PROFILE=yes WITHOUT_MAN=yes WITHOUT_TESTS=yes WITHOUT_SYMVER=yes \
	WITHOUT_GSSAPI=yes WITHOUT_CDDL=yes WITHOUT_BLUETOOTH=yes WITHOUT_INFO=yes \
	WITHOUT_LIBCPLUSPLUS=yes NO_SHARED=yes \
	SED_FIX_NOTE="-i -e '/\.note\.tag/s/progbits/note/'" \
	"$@"
