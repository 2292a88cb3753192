/*
 * host-compat.h -- the BSD <sys/cdefs.h> spellings FreeBSD 10.4's config(8), rpcgen(1) and
 * file2c(1) use, for compiling them natively on a glibc host (hosttools.sh force-includes it).
 */
#ifndef INCONF_HOST_COMPAT_H
#define INCONF_HOST_COMPAT_H
#include <sys/cdefs.h>
#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>

#define __FBSDID(s)
#ifndef __printflike
#define __printflike(f, a) __attribute__((__format__(__printf__, f, a)))
#endif
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
#ifndef __dead2
#define __dead2 __attribute__((__noreturn__))
#endif
#ifndef __DECONST
#define __DECONST(t, v) ((t)(unsigned long)(const void *)(v))
#endif
#ifndef __predict_true
#define __predict_true(e) __builtin_expect((e), 1)
#define __predict_false(e) __builtin_expect((e), 0)
#endif
#ifndef __va_list
#define __va_list va_list
#endif
#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef roundup2
#define roundup2(x, y) (((x) + ((y) - 1)) & ~((y) - 1))
#endif
#ifndef rounddown
#define rounddown(x, y) (((x) / (y)) * (y))
#endif
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#endif
