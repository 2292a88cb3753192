#!/bin/sh
# hosttools.sh SRC OUT -- the FreeBSD programs the 10.4 Makefiles run on the build host.
#
#   SRC  a FreeBSD 10.4-RELEASE source tree (read only)
#   OUT  work directory; OUT/bin receives config(8), rpcgen(1) and file2c(1), compiled natively
#        from SRC, and the shims of ./shims (install, mtree, xargs, date, fbsd-cc, fbsd-cpp)
#
# Put OUT/bin first on PATH (kmake.sh, umake.sh and kmod.sh do it from FBSD_TOOLS=OUT/bin).
# Host packages (Debian 12): gcc byacc flex libbsd-dev.
set -eu
if [ $# -ne 2 ]; then sed -n '2,10p' "$0" >&2; exit 2; fi
src=$(cd "$1" && pwd -P)
mkdir -p "$2/bin"
out=$(cd "$2" && pwd -P)
here=$(cd "$(dirname "$0")" && pwd -P)
hcc() { gcc -O2 -w -fcommon -D_GNU_SOURCE -include "$here/host-compat.h" "$@"; }

# config(8): parser (byacc) + scanner (flex), kernconf.tmpl as a C string (what file2c makes),
# and the kernel's own sbuf(9) code, whose header needs the glibc spelling of its types.
c=$out/config
rm -rf "$c"; mkdir -p "$c/inc/sys"
cp "$src"/usr.sbin/config/*.[chly] "$src/usr.sbin/config/kernconf.tmpl" "$src/sys/kern/subr_sbuf.c" "$c/"
cp "$src/sys/sys/queue.h" "$c/inc/sys/"
sed 's|^#include <sys/_types.h>|#include <sys/types.h>|' "$src/sys/sys/sbuf.h" > "$c/inc/sys/sbuf.h"
(
	cd "$c"
	byacc -d config.y
	flex -olang.c lang.l
	{
		echo 'char kernconfstr[] = {'
		od -An -v -tu1 kernconf.tmpl | tr -s ' ' '\n' | sed -n 's/^\([0-9][0-9]*\)$/\1,/p'
		echo '0 };'
	} > kernconf.c
	hcc -Iinc -I. -o "$out/bin/config" y.tab.c main.c lang.c mkmakefile.c mkheaders.c \
		mkoptions.c kernconf.c subr_sbuf.c -lbsd
)

# rpcgen(1): include/ runs it for rpc/*.h and rpcsvc/*.h; it only needs bool_t from <rpc/types.h>
r=$out/rpcgen
rm -rf "$r"; mkdir -p "$r/inc/rpc"
cp "$src"/usr.bin/rpcgen/*.[ch] "$r/"
printf '%s\n' '#ifndef _RPC_TYPES_H' '#define _RPC_TYPES_H' 'typedef int bool_t;' \
	'#define TRUE 1' '#define FALSE 0' '#endif' > "$r/inc/rpc/types.h"
(cd "$r" && hcc -Iinc -I. -o "$out/bin/rpcgen" ./*.c -lbsd)

# file2c(1): the kernel build embeds the config file with it (INCLUDE_CONFIG_FILE)
hcc -o "$out/bin/file2c" "$src/usr.bin/file2c/file2c.c" -lbsd

for s in install mtree xargs date fbsd-cc fbsd-cpp; do cp "$here/shims/$s" "$out/bin/$s"; chmod 755 "$out/bin/$s"; done
ls "$out/bin"
