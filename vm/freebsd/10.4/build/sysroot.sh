#!/bin/sh
# sysroot.sh SRC WORK -- rebuild sysroot.tar.xz (the static FreeBSD 10.4 userland the guest agent
# and init are compiled against) from the 10.4 source tree.
#
#   SRC   FreeBSD 10.4-RELEASE source tree (needs include/ lib/ sys/ share/mk/ etc/mtree/
#         usr.sbin/config/ usr.bin/rpcgen/ usr.bin/file2c/); never written
#   WORK  gets tools/ (hosttools.sh), obj/ (objects), fixinc/ (rpcgen headers), sysroot/ (the
#         tree: usr/include + usr/lib) and sysroot.tar.xz
#
# Environment: JOBS (parallel jobs for libc, default 2).
# Host packages (Debian 12): clang-14 lld-14 bmake gawk gcc byacc bison flex libbsd-dev xz-utils.
# About 3 minutes on 2 idle cores (more under load), most of it libc's 1220 objects.
set -eu
if [ $# -ne 2 ]; then sed -n '2,12p' "$0" >&2; exit 2; fi
here=$(cd "$(dirname "$0")" && pwd -P)
top=$(dirname "$here")
src=$(cd "$1" && pwd -P)
mkdir -p "$2"
work=$(cd "$2" && pwd -P)
FBSD_SRC=$src FBSD_OBJ=$work/obj FBSD_SYSROOT=$work/sysroot FBSD_TOOLS=$work/tools/bin FBSD_FIXINC=$work/fixinc
export FBSD_SRC FBSD_OBJ FBSD_SYSROOT FBSD_TOOLS FBSD_FIXINC
root=$FBSD_SYSROOT
mkdir -p "$root/usr/include" "$root/usr/lib" "$FBSD_FIXINC" "$FBSD_OBJ"
"$here/hosttools.sh" "$src" "$work/tools" >/dev/null

# 1. Headers. include/Makefile installs its SUBDIRs before it runs its own mtree step, so the
#    directory hierarchy is made first. A few headers live with their libraries.
"$FBSD_TOOLS/mtree" -deU -f "$src/etc/mtree/BSD.usr.dist" -p "$root/usr"
"$FBSD_TOOLS/mtree" -deU -f "$src/etc/mtree/BSD.include.dist" -p "$root/usr/include"
"$here/umake.sh" "$src/include" installincludes
install -m 444 "$src/lib/msun/src/math.h" "$src/lib/msun/x86/fenv.h" \
	"$src/lib/libutil/libutil.h" "$src/lib/libutil/login_cap.h" "$root/usr/include/"
# The rpcgen-made headers once more, into fixinc (searched first): a stale rpc/*.h left in
# SRC/include by some earlier build would otherwise be found before the sysroot's.
for x in "$src"/include/rpc/*.x "$src"/include/rpcsvc/*.x; do
	d=$FBSD_FIXINC/$(basename "$(dirname "$x")")
	mkdir -p "$d"
	RPCGEN_CPP="$FBSD_TOOLS/fbsd-cpp" "$FBSD_TOOLS/rpcgen" -C -h -o "$d/$(basename "$x" .x).h" "$x" 2>/dev/null || true
done

# 2. csu, libc, libcompiler_rt. bsd.lib.mk orders archive members with lorder|tsort, which
#    Linux lacks (it would write an empty libc.a): the archives are made here with ar from
#    the library's OBJS. ld.lld does not need ordered archives.
objdir() { echo "$FBSD_OBJ$src/$1"; }
"$here/umake.sh" "$src/lib/csu/amd64" all
(cd "$(objdir lib/csu/amd64)" && install -m 444 crt1.o crti.o crtn.o Scrt1.o gcrt1.o "$root/usr/lib/")
for lib in libc libcompiler_rt; do
	"$here/umake.sh" "$src/lib/$lib" -j"${JOBS:-2}" "$lib.a"
	objs=$("$here/umake.sh" "$src/lib/$lib" -V OBJS)
	# shellcheck disable=SC2086 # OBJS is a word list
	(cd "$(objdir "lib/$lib")" && rm -f "$lib.a" && ar rcs "$lib.a" $objs && install -m 444 "$lib.a" "$root/usr/lib/")
done
# FreeBSD 10 installs libgcc.a as a link to libcompiler_rt.a. clang's FreeBSD driver passes
# -lgcc_eh with -static: an empty archive (C programs need no unwinder).
ln -sf libcompiler_rt.a "$root/usr/lib/libgcc.a"
rm -f "$root/usr/lib/libgcc_eh.a"
ar rcs "$root/usr/lib/libgcc_eh.a"

# 3. crtbegin/crtend from ../crtstuff.c (FreeBSD 10 builds them from GCC's crtstuff.c)
cc="clang --target=x86_64-unknown-freebsd10.4 --sysroot=$root -O2 -fno-asynchronous-unwind-tables"
$cc -c -DCRT_BEGIN -o "$work/crtbegin.o" "$top/crtstuff.c"
$cc -c -DCRT_END -o "$work/crtend.o" "$top/crtstuff.c"
$cc -fPIC -c -DCRT_BEGIN -o "$work/crtbeginS.o" "$top/crtstuff.c"
$cc -fPIC -c -DCRT_END -o "$work/crtendS.o" "$top/crtstuff.c"
install -m 444 "$work/crtbegin.o" "$root/usr/lib/crtbegin.o"
install -m 444 "$work/crtbegin.o" "$root/usr/lib/crtbeginT.o"
install -m 444 "$work/crtbeginS.o" "$work/crtend.o" "$work/crtendS.o" "$root/usr/lib/"

# 4. The tarball: headers and the static libraries only, with fixed owners, order and times.
(
	cd "$root"
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2017-09-28 00:00Z' -cf - \
		usr/include $(find usr/lib -maxdepth 1 \( -type f -o -type l \) | sort) | xz -9e
) > "$work/sysroot.tar.xz"
sha256sum "$work/sysroot.tar.xz"
