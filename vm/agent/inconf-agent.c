/*
 * inconf-agent: performs inconf's lowered ops inside a FreeBSD guest with the very bytes the
 * twin receives, and reports what the kernel answered.
 *
 * Built in the guest by base's cc:  cc -O1 -Wall -o inconf-agent inconf-agent.c
 * (-ljail is not needed: jail_set(2) is a system call.)
 *
 * Protocol (mirrored by src/vm/agent-protocol.ts): one request per line on stdin, one response
 * line per request on stdout, space-separated tokens, byte strings in lowercase hex, "-" for
 * "none".
 *   <id> version
 *   <id> nic <name> <vtnet|epair|tun> <mac: 12 hex digits | - (tun)>
 *   <id> module <name>
 *   <id> ioctl <cred> <cmd: decimal> <data hex>
 *   <id> ifflags <cred> <ifname> <set: decimal> <clear: decimal>
 *   <id> sysctl <cred> <name> <- | =hex>
 *   <id> rtsock <cred> <msg hex> <- | at:ifname,...>   (if_nametoindex(ifname) stored as a
 *        little-endian u16 at byte offset `at` before the write: indices differ between systems)
 *   <id> sleep <seconds>
 *   <id> inject <ifname> <hex>        (tun NICs only: written to /dev/tunN; other NICs are
 *        refused, the host injects through their netdev)
 *   <id> dump
 *   <id> drain
 *   <id> quit
 * cred: "<uid>" or "<uid>@<jail name>:<ip4>,<ip4>..." (the ip4 list may be empty).
 * Response: "<id> ok key=value ..." with keys errno, data, rt (comma-separated messages read
 * from the monitoring routing socket after the op), routes/arp/iflist/ifmalist/uptime (dump),
 * version, frames (while a tun device is open: "ifname/seconds/hex,..." read from each open
 * /dev/tunN after the op, seconds on the agent's monotonic clock since it started); or
 * "<id> error <text>" when the request itself was bad. The agent never exits on bad
 * input; it exits on EOF or "quit".
 *
 * Ops with a non-root uid or a jail run in a forked child (jail_set(JAIL_CREATE|JAIL_ATTACH),
 * then setgid/setuid) that reports errno and bytes through a pipe: the agent itself stays root
 * and unjailed. The monitoring routing socket is opened at start, before the first op.
 *
 * With -DINCONF_LINT_ON_LINUX the FreeBSD system calls are replaced by ENOSYS stubs so that the
 * protocol handling can be compiled and exercised on Linux (inconf's tests do); such a build
 * says so in its version string and performs nothing.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef INCONF_LINT_ON_LINUX
#include <sys/param.h>
#include <sys/uio.h>	/* before jail.h: jail_set(2) takes a struct iovec */
#include <sys/jail.h>
#include <sys/module.h>
#include <sys/linker.h>
#include <sys/sysctl.h>
#include <net/if.h>
#include <net/if_dl.h>
#include <net/if_tun.h>
#include <net/route.h>
#include <net/bpf.h>
#include <netinet/in.h>
#include <net/if_var.h>	/* before in6_var.h */
#include <netinet6/in6_var.h>
#include <netinet6/nd6.h>
#include <arpa/inet.h>
#else
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#endif

#define AGENT_VERSION "inconf-agent/2"
#define MAX_REQUEST 20480	/* payload bytes of one request frame: 8 KB of ioctl data in hex, and room */
#define MAX_TOKENS 16
#define RT_BUF 65536
#define IOCTL_MAX 8192 /* IOCPARM_MAX */

static int settle_ms = 50;	/* quiet period that ends a drain until the sentinel is back */
static int quiet_ms = 10;	/* quiet period after it; < 0: no sentinel, settle_ms only */
static int in_child = 0;	/* running an op as another cred: make sockets here, not inherit */
static int monitor_fd = -1;
static int inet_fd = -1;

/* Line statistics, reported by the stats op. */
static unsigned long st_frames, st_naks, st_repeats, st_ops;

/* ---------- framing ---------- */

/*
 * Every line either way is a frame: "#<len>:<crc>:<payload>\n", len the payload's length in
 * bytes (decimal), crc its CRC-32 (IEEE, as zlib's) in 8 lowercase hex digits. Payloads never
 * hold '#' or '\n', so a receiver resynchronises at the next '#'. A request that arrives damaged
 * gets the frame "- nak" (the client sends it again); a good one gets "<id> ack" at once, then
 * its answer. A request repeated byte for byte (same id, same payload: the client did not get
 * the answer) is answered from the cache of the last answer, without running it again.
 */
static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t c, n, k;

	for (n = 0; n < 256; n++) {
		for (c = n, k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320U ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

static uint32_t crc32_of(const char *p, size_t n)
{
	uint32_t c = 0xffffffffU;
	size_t i;

	for (i = 0; i < n; i++)
		c = crc_table[(c ^ (unsigned char)p[i]) & 0xff] ^ (c >> 8);
	return (c ^ 0xffffffffU);
}

static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;	/* the line is gone: the next read sees EOF */
		}
		p += w;
		n -= (size_t)w;
	}
}

/* The answer being built: a growing buffer, framed and sent by end_reply. */
static char *obuf;
static size_t olen, ocap;

static void out_grow(size_t more)
{
	char *n;
	size_t cap = ocap;

	if (olen + more <= ocap)
		return;
	while (cap < olen + more)
		cap = cap < 4096 ? 4096 : cap * 2;
	n = realloc(obuf, cap);
	if (n == NULL) {
		fprintf(stderr, "inconf-agent: out of memory\n");
		exit(1);
	}
	obuf = n;
	ocap = cap;
}

static void out_c(int c)
{
	out_grow(1);
	obuf[olen++] = (char)c;
}

static void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	out_grow((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(obuf + olen, (size_t)n + 1, fmt, ap);
	va_end(ap);
	olen += (size_t)n;
}

static void put_hex(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	out_grow(2 * n);
	for (i = 0; i < n; i++) {
		obuf[olen++] = digits[p[i] >> 4];
		obuf[olen++] = digits[p[i] & 15];
	}
}

/* The last answer sent, framed, and the request it answered. */
static char *cache;
static size_t cache_len;
static char cache_id[32];
static uint32_t cache_crc;
static size_t cache_req_len;

/* Frames and sends n payload bytes; keep: also the cached answer to the current request. */
static void send_frame(const char *p, size_t n, int keep)
{
	char head[32];
	int h = snprintf(head, sizeof(head), "#%zu:%08x:", n, (unsigned)crc32_of(p, n));
	size_t total = (size_t)h + n + 1;
	char *c;

	if (!keep || (c = realloc(cache, total)) == NULL) {
		if (keep)
			cache_len = 0;	/* no cache: a repeat runs the request again */
		write_all(head, (size_t)h);
		write_all(p, n);
		write_all("\n", 1);
		return;
	}
	cache = c;
	memcpy(cache, head, (size_t)h);
	memcpy(cache + h, p, n);
	cache[total - 1] = '\n';
	cache_len = total;
	write_all(cache, cache_len);
}

static void send_text(const char *s)
{
	send_frame(s, strlen(s), 0);
}

/* Ends the answer being built: '#' and newlines cannot occur in it (error texts are cleaned). */
static void end_reply(void)
{
	send_frame(obuf, olen, 1);
	olen = 0;
}

/* "<id> error <text>": request-level failures; the text never contains a newline or '#'. */
static void reply_error(const char *id, const char *fmt, const char *arg)
{
	const char *s;

	out_printf("%s error ", id);
	for (s = fmt; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] == 's') {
			const char *a;
			for (a = arg != NULL ? arg : "(null)"; *a != '\0'; a++)
				out_c(isprint((unsigned char)*a) && *a != '#' ? *a : '?');
			s++;
		} else {
			out_c(*s);
		}
	}
	end_reply();
}

/* ---------- input parsing ---------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decodes hex into a fresh buffer (at least 1 byte allocated); -1 on bad hex. */
static int parse_hex(const char *s, unsigned char **out, size_t *outlen)
{
	size_t n = strlen(s), i;
	unsigned char *b;

	if (n % 2 != 0)
		return (-1);
	b = calloc(n / 2 + 1, 1);
	if (b == NULL)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(b);
			return (-1);
		}
		b[i] = (unsigned char)(hi << 4 | lo);
	}
	*out = b;
	*outlen = n / 2;
	return (0);
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s == '\0' || *s == '-' || *s == '+')
		return (-1);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return (-1);
	*out = v;
	return (0);
}

static int valid_name(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= max)
		return (0);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			return (0);
	}
	return (1);
}

struct rtsock_arg {
	unsigned char *msg;
	size_t len;
};

#define MAX_PATCHES 8
struct patch {
	unsigned long at;
	char ifname[IFNAMSIZ];
};

/* "-" or "at:ifname,at:ifname"; returns the count or -1. */
static int parse_patches(char *s, struct patch *p)
{
	char *item, *save = NULL, *colon;
	int n = 0;

	if (strcmp(s, "-") == 0)
		return (0);
	for (item = strtok_r(s, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		if (n == MAX_PATCHES || (colon = strchr(item, ':')) == NULL)
			return (-1);
		*colon = '\0';
		if (parse_ulong(item, 65535, &p[n].at) != 0 || !valid_name(colon + 1, IFNAMSIZ))
			return (-1);
		snprintf(p[n].ifname, sizeof(p[n].ifname), "%s", colon + 1);
		n++;
	}
	return (n);
}

#define MAX_JAIL_IP4 16
struct cred {
	uid_t uid;
	int jailed;
	char jail[64];
	int nip4;
	struct in_addr ip4[MAX_JAIL_IP4];
};

/* "<uid>" or "<uid>@<name>:<ip>,<ip>"; returns NULL or an error text. */
static const char *parse_cred(char *s, struct cred *c)
{
	char *at, *colon, *ip, *save = NULL;
	unsigned long uid;

	memset(c, 0, sizeof(*c));
	at = strchr(s, '@');
	if (at != NULL)
		*at = '\0';
	if (parse_ulong(s, 0x7fffffffUL, &uid) != 0)
		return ("bad uid in cred");
	c->uid = (uid_t)uid;
	if (at == NULL)
		return (NULL);
	colon = strchr(at + 1, ':');
	if (colon == NULL)
		return ("jail cred needs \"name:ip4,...\"");
	*colon = '\0';
	if (!valid_name(at + 1, sizeof(c->jail)))
		return ("bad jail name");
	strcpy(c->jail, at + 1);
	c->jailed = 1;
	for (ip = strtok_r(colon + 1, ",", &save); ip != NULL; ip = strtok_r(NULL, ",", &save)) {
		if (c->nip4 == MAX_JAIL_IP4)
			return ("too many jail addresses");
		if (inet_pton(AF_INET, ip, &c->ip4[c->nip4]) != 1)
			return ("bad jail ip4 address");
		c->nip4++;
	}
	return (NULL);
}

/* ---------- frames: tun devices and epair captures held for the program ---------- */

/*
 * The twin's nic op for tun creates tunN and opens /dev/tunN (src/kernel/dev/attach.ts). 10.4
 * refuses output on a tun nobody holds open (sys/net/if_tun.c, tunoutput: EHOSTDOWN unless
 * TUN_READY = TUN_OPEN|TUN_INITED), so the agent does the same: it holds each tun NIC's device
 * open, writes injected frames to it (tunwrite: one write is one packet) and reads what the
 * stack queued (tunread: one read is one packet) after every op. Framing is plain IPv4, the
 * twin's: tuncreate starts with tun_flags = TUN_INITED (no TUN_IFHEAD, no TUN_LMODE).
 *
 * epair halves have no host side either: the agent captures what each half transmits with
 * bpf(4) (direction out, monotonic time stamps), from the nic op of the pair until it is
 * destroyed, and injects a frame on a half with bpf too (epair_inject).
 */
#define MAX_TUNS 16
#define MAX_TUN_READS 1024	/* per device and drain: a bound, not an expected count */
static struct tun_fd {
	char name[IFNAMSIZ];
	int fd;
} tuns[MAX_TUNS];
static int ntuns = 0;
static struct timespec t_start;

#define MAX_CAPS 16
#define CAP_BUF 65536
static struct cap {
	char name[IFNAMSIZ];
	int fd;			/* reads: what this half transmits */
	int wfd;		/* writes on this half (-1 until the first) */
	unsigned char *skip;	/* an injected frame, to be dropped from this half's capture */
	size_t skiplen;
} caps[MAX_CAPS];
static int ncaps = 0;

static int is_tun_name(const char *s)
{
	return (strncmp(s, "tun", 3) == 0 && isdigit((unsigned char)s[3]));
}

/* "epair<digits>a|b" */
static int is_epair_half(const char *s)
{
	size_t n = strlen(s), i;

	if (strncmp(s, "epair", 5) != 0 || n < 7 || (s[n - 1] != 'a' && s[n - 1] != 'b'))
		return (0);
	for (i = 5; i < n - 1; i++)
		if (!isdigit((unsigned char)s[i]))
			return (0);
	return (1);
}

static double since_start(const struct timespec *t)
{
	double secs = (double)(t->tv_sec - t_start.tv_sec) + (double)(t->tv_nsec - t_start.tv_nsec) / 1e9;
	return (secs < 0 ? 0.0 : secs);
}

/* One frame record of the frames key. */
static void put_frame(int *first, const char *ifname, double secs, const unsigned char *b, size_t n)
{
	out_printf("%s%s/%.6f/", *first ? "" : ",", ifname, secs);
	if (n == 0)
		out_c('-');
	put_hex(b, n);
	*first = 0;
}

static void drain_caps(int *first);

/* " frames=..." with every packet captured on epair halves, then read from the open tun
 * devices; nothing when the agent holds neither. */
static void drain_frames(void)
{
	static unsigned char buf[65536];
	int i, k, first = 1;

	if (ntuns == 0 && ncaps == 0)
		return;
	out_printf(" frames=");
	drain_caps(&first);
	for (i = 0; i < ntuns; i++) {
		for (k = 0; k < MAX_TUN_READS; k++) {
			ssize_t n = read(tuns[i].fd, buf, sizeof(buf));
			struct timespec now;

			if (n < 0)
				break;	/* EWOULDBLOCK: queue empty */
			clock_gettime(CLOCK_MONOTONIC, &now);
			put_frame(&first, tuns[i].name, since_start(&now), buf, (size_t)n);
		}
	}
	if (first)
		out_c('-');
}

/* ---------- results ---------- */

struct result {
	int err;
	unsigned char *data; /* NULL: no data key */
	size_t datalen;
};

static void result_free(struct result *r)
{
	free(r->data);
	r->data = NULL;
}

static void send_sentinel(void);
static int is_sentinel(const unsigned char *b, size_t n, int *current);

/*
 * Reads every message queued on the monitoring socket. Routing messages are queued through
 * the netisr, so they trail the syscall that made them: the agent first writes a sentinel on
 * the monitoring socket itself (an RTM_GET without a destination: route_output refuses it with
 * EINVAL at once and still dispatches it, rtsock.c "flush:"), and NETISR_ROUTE is one FIFO
 * queue (netisr.c: one workstream by default, and source 0 maps to nws_array[0] under
 * NETISR_POLICY_SOURCE in any case), so once the sentinel is read everything queued before it
 * has been read too. Then a quiet period of quiet_ms catches what is queued later from another
 * context (link state changes come from a taskqueue, epair input from NETISR_EPAIR). Until the
 * sentinel is back, the old rule holds: stop after settle_ms without a message.
 */
static void drain_monitor(void)
{
	static unsigned char buf[RT_BUF];
	int first = 1, seen = 0;

	out_printf(" rt=");
	if (monitor_fd < 0) {
		out_c('-');
		return;
	}
	if (quiet_ms >= 0)
		send_sentinel();
	for (;;) {
		struct pollfd pfd = { monitor_fd, POLLIN, 0 };
		ssize_t n;
		int current;

		/* no sentinel (quiet_ms < 0): seen stays 0, settle_ms throughout */
		if (poll(&pfd, 1, seen ? quiet_ms : settle_ms) <= 0)
			break;
		n = recv(monitor_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		if (is_sentinel(buf, (size_t)n, &current)) {
			seen |= current && quiet_ms >= 0;
			continue;
		}
		if (!first)
			out_c(',');
		put_hex(buf, (size_t)n);
		first = 0;
	}
	if (first)
		out_c('-');
}

static void reply_ok(const char *id, const struct result *r, int with_rt)
{
	out_printf("%s ok errno=%d", id, r->err);
	if (r->data != NULL) {
		out_printf(" data=");
		if (r->datalen == 0)
			out_c('-');
		put_hex(r->data, r->datalen);
	}
	if (with_rt) {
		drain_monitor();
		drain_frames();
	}
	end_reply();
}

#ifndef INCONF_LINT_ON_LINUX

/* ---------- running as another credential ---------- */

static int enter_jail(const struct cred *c)
{
	struct iovec iov[8];
	int n = 0, jid;
	static char k_path[] = "path", k_name[] = "name", k_ip4addr[] = "ip4.addr", k_ip4[] = "ip4";
	static char v_root[] = "/";
	static int v_disable = JAIL_SYS_DISABLE;
	char name[64];

	strcpy(name, c->jail);
	iov[n].iov_base = k_path; iov[n++].iov_len = sizeof(k_path);
	iov[n].iov_base = v_root; iov[n++].iov_len = sizeof(v_root);
	iov[n].iov_base = k_name; iov[n++].iov_len = sizeof(k_name);
	iov[n].iov_base = name; iov[n++].iov_len = strlen(name) + 1;
	if (c->nip4 > 0) {
		iov[n].iov_base = k_ip4addr; iov[n++].iov_len = sizeof(k_ip4addr);
		iov[n].iov_base = (void *)(uintptr_t)c->ip4; iov[n++].iov_len = sizeof(struct in_addr) * (size_t)c->nip4;
	} else {
		/* no addresses: the jail has no IPv4 at all. "ip4" is an int in jail_set(2) (kern_jail.c
		 * copies it with vfs_copyopt(..., sizeof(int)); "disable" is jail(8)'s spelling) */
		iov[n].iov_base = k_ip4; iov[n++].iov_len = sizeof(k_ip4);
		iov[n].iov_base = &v_disable; iov[n++].iov_len = sizeof(v_disable);
	}
	jid = jail_set(iov, (unsigned)n, JAIL_CREATE | JAIL_ATTACH);
	return (jid < 0 ? -1 : 0);
}

typedef void (*op_fn)(void *arg, struct result *r);

/*
 * Runs fn as cred: directly for plain root, else in a child that jails itself and drops to uid.
 * The child sends "stage, err, len, bytes" through a pipe. A child that cannot take on the
 * credential (jail_set(2) refuses the jail, e.g. EINVAL for an address listed twice; setgid or
 * setuid fail) reports that errno, which becomes the op's errno, with no data: the op never ran.
 * -1 (with *why) only when the agent itself failed (pipe, fork, a child that died).
 */
static int run_as(const struct cred *c, op_fn fn, void *arg, struct result *r, const char **why)
{
	int p[2], status;
	pid_t pid;
	int32_t hdr[3];

	memset(r, 0, sizeof(*r));
	if (c->uid == 0 && !c->jailed) {
		fn(arg, r);
		return (0);
	}
	if (pipe(p) != 0) {
		*why = "pipe failed";
		return (-1);
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		*why = "fork failed";
		return (-1);
	}
	if (pid == 0) {
		struct result cr;
		int32_t h[3] = { 0, 0, -1 };

		close(p[0]);
		in_child = 1;
		memset(&cr, 0, sizeof(cr));
		if (c->jailed && enter_jail(c) != 0) {
			h[0] = 1; h[1] = errno;
		} else if (c->uid != 0 && (setgid((gid_t)c->uid) != 0 || setuid(c->uid) != 0)) {
			h[0] = 2; h[1] = errno;
		} else {
			fn(arg, &cr);
			h[1] = cr.err;
			h[2] = cr.data != NULL ? (int32_t)cr.datalen : -1;
		}
		(void)write(p[1], h, sizeof(h));
		if (cr.data != NULL && cr.datalen > 0)
			(void)write(p[1], cr.data, cr.datalen);
		_exit(0);
	}
	close(p[1]);
	{
		ssize_t got = 0, n;
		while (got < (ssize_t)sizeof(hdr) &&
		    (n = read(p[0], (char *)hdr + got, sizeof(hdr) - (size_t)got)) > 0)
			got += n;
		if (got != (ssize_t)sizeof(hdr)) {
			close(p[0]);
			waitpid(pid, &status, 0);
			*why = "child died before reporting";
			return (-1);
		}
	}
	r->err = hdr[1];
	if (hdr[0] != 0) {
		/* the credential could not be set up: that errno is the op's result, with no data */
		close(p[0]);
		waitpid(pid, &status, 0);
		return (0);
	}
	if (hdr[2] >= 0) {
		size_t want = (size_t)hdr[2], got = 0;
		ssize_t n;
		r->data = calloc(want + 1, 1);
		r->datalen = want;
		while (r->data != NULL && got < want && (n = read(p[0], r->data + got, want - got)) > 0)
			got += (size_t)n;
	}
	close(p[0]);
	waitpid(pid, &status, 0);
	return (0);
}

/* ---------- ops ---------- */

struct ioctl_arg {
	unsigned long cmd;
	unsigned char *data;
	size_t len;
};

static void do_ioctl(void *a, struct result *r)
{
	struct ioctl_arg *x = a;
	size_t buflen = x->len > IOCPARM_LEN(x->cmd) ? x->len : IOCPARM_LEN(x->cmd);
	unsigned char *buf = calloc(buflen + 1, 1);
	int s = inet_fd, own = 0;

	if (buf == NULL) {
		r->err = ENOMEM;
		return;
	}
	memcpy(buf, x->data, x->len);
	if (in_child || s < 0) {
		/* as another cred: a socket made inside the jail / as the user, like ifconfig's */
		s = socket(AF_INET, SOCK_DGRAM, 0);
		own = 1;
	}
	if (s < 0) {
		r->err = errno;
		free(buf);
		return;
	}
	r->err = ioctl(s, x->cmd, buf) == 0 ? 0 : errno;
	if (own)
		close(s);
	r->data = buf;
	/* the IOCPARM_LEN-byte buffer the kernel saw, as the twin returns it */
	r->datalen = IOCPARM_LEN(x->cmd);
}

struct ifflags_arg {
	char ifname[IFNAMSIZ];
	unsigned long set, clear;
};

static void do_ifflags(void *a, struct result *r)
{
	struct ifflags_arg *x = a;
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned flags;

	if (s < 0) {
		r->err = errno;
		return;
	}
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, x->ifname, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		r->err = errno;
		close(s);
		return;
	}
	flags = ((unsigned)(unsigned short)ifr.ifr_flags) | ((unsigned)(unsigned short)ifr.ifr_flagshigh << 16);
	flags = (flags | (unsigned)x->set) & ~(unsigned)x->clear;
	ifr.ifr_flags = (short)(flags & 0xffff);
	ifr.ifr_flagshigh = (short)(flags >> 16);
	r->err = ioctl(s, SIOCSIFFLAGS, &ifr) == 0 ? 0 : errno;
	close(s);
	r->data = malloc(sizeof(ifr));
	if (r->data != NULL) {
		memcpy(r->data, &ifr, sizeof(ifr));
		r->datalen = sizeof(ifr);
	}
}

struct sysctl_arg {
	const char *name;
	unsigned char *value; /* NULL: read only */
	size_t len;
};

static void do_sysctl(void *a, struct result *r)
{
	struct sysctl_arg *x = a;
	size_t oldlen = 0;
	unsigned char *old = NULL;

	/* size first, then read with headroom; the new value (if any) is set in the same call */
	if (sysctlbyname(x->name, NULL, &oldlen, NULL, 0) != 0) {
		r->err = errno;
		r->data = calloc(1, 1);
		r->datalen = 0;
		return;
	}
	oldlen += oldlen / 2 + 64;
	old = calloc(oldlen + 1, 1);
	if (old == NULL) {
		r->err = ENOMEM;
		return;
	}
	r->err = sysctlbyname(x->name, old, &oldlen, x->value, x->value != NULL ? x->len : 0) == 0 ? 0 : errno;
	/* data is always reported for sysctl (empty on failure), as the twin does */
	r->data = old;
	r->datalen = r->err == 0 ? oldlen : 0;
}

static void do_rtsock(void *a, struct result *r)
{
	struct rtsock_arg *x = a;
	int s = socket(PF_ROUTE, SOCK_RAW, 0);

	if (s < 0) {
		r->err = errno;
		return;
	}
	/* The echo to this writer socket is the same message the monitoring socket reads. */
	r->err = write(s, x->msg, x->len) == (ssize_t)x->len ? 0 : errno;
	close(s);
}

static int sysctl_dump(int op, int arg, unsigned char **out, size_t *outlen)
{
	int mib[6] = { CTL_NET, PF_ROUTE, 0, AF_INET, op, arg };
	size_t len = 0;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		unsigned char *b;
		if (sysctl(mib, 6, NULL, &len, NULL, 0) != 0)
			return (errno);
		len += len / 2 + 1024;
		b = calloc(len, 1);
		if (b == NULL)
			return (ENOMEM);
		if (sysctl(mib, 6, b, &len, NULL, 0) == 0) {
			*out = b;
			*outlen = len;
			return (0);
		}
		free(b);
		if (errno != ENOMEM)
			return (errno);
	}
	return (ENOMEM);
}

static void op_dump(const char *id)
{
	static const struct { const char *key; int op, arg; } what[] = {
		{ "routes", NET_RT_DUMP, 0 },
		{ "arp", NET_RT_FLAGS, RTF_LLINFO },
		{ "iflist", NET_RT_IFLIST, 0 },
		{ "ifmalist", NET_RT_IFMALIST, 0 },
	};
	unsigned char *b[4] = { NULL, NULL, NULL, NULL };
	size_t l[4] = { 0, 0, 0, 0 };
	int i, err = 0;
	struct timespec up;

	for (i = 0; i < 4 && err == 0; i++)
		err = sysctl_dump(what[i].op, what[i].arg, &b[i], &l[i]);
	/* time_uptime: what rmx_expire of ARP entries counts against */
	clock_gettime(CLOCK_UPTIME, &up);
	out_printf("%s ok errno=%d", id, err);
	if (err == 0) {
		for (i = 0; i < 4; i++) {
			out_printf(" %s=", what[i].key);
			if (l[i] == 0)
				out_printf("-");
			put_hex(b[i], l[i]);
		}
		out_printf(" uptime=%lld", (long long)up.tv_sec);
	}
	for (i = 0; i < 4; i++)
		free(b[i]);
	drain_monitor();
	drain_frames();
	end_reply();
}

static int set_lladdr(int s, const char *name, const unsigned char mac[6])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	ifr.ifr_addr.sa_len = 6;
	ifr.ifr_addr.sa_family = AF_LINK;
	memcpy(ifr.ifr_addr.sa_data, mac, 6);
	return (ioctl(s, SIOCSIFLLADDR, &ifr) == 0 ? 0 : errno);
}

static int offloads_off(int s, const char *name)
{
	struct ifreq ifr;
	int off = IFCAP_RXCSUM | IFCAP_TXCSUM | IFCAP_TSO4 | IFCAP_TSO6 | IFCAP_LRO |
	    IFCAP_VLAN_HWCSUM | IFCAP_VLAN_HWTSO;
#ifdef IFCAP_RXCSUM_IPV6
	off |= IFCAP_RXCSUM_IPV6 | IFCAP_TXCSUM_IPV6;
#endif

	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFCAP, &ifr) != 0)
		return (errno);
	if ((ifr.ifr_curcap & off) == 0)
		return (0);
	ifr.ifr_reqcap = ifr.ifr_curcap & ~off;
	return (ioctl(s, SIOCSIFCAP, &ifr) == 0 ? 0 : errno);
}

static struct tun_fd *tun_find(const char *name)
{
	int i;

	for (i = 0; i < ntuns; i++)
		if (strcmp(tuns[i].name, name) == 0)
			return (&tuns[i]);
	return (NULL);
}

/* Opens /dev/<name> for the program (once) in plain IPv4 framing; returns an errno. */
static int tun_open(const char *name)
{
	char path[sizeof("/dev/") + IFNAMSIZ];
	int fd, off = 0;

	if (tun_find(name) != NULL)
		return (0);
	if (ntuns == MAX_TUNS)
		return (EMFILE);
	snprintf(path, sizeof(path), "/dev/%s", name);
	fd = open(path, O_RDWR | O_NONBLOCK);
	if (fd < 0)
		return (errno);
	/* if_tun.c tunioctl, TUNSIFHEAD with 0: clears TUN_IFHEAD (already clear after tuncreate) */
	if (ioctl(fd, TUNSIFHEAD, &off) != 0) {
		int e = errno;
		close(fd);
		return (e);
	}
	strlcpy(tuns[ntuns].name, name, sizeof(tuns[ntuns].name));
	tuns[ntuns].fd = fd;
	ntuns++;
	return (0);
}


/*
 * SIOCIFDESTROY of a tun the agent holds open: close it first. 10.4 tun_destroy sleeps
 * (cv_wait_unlock on tun_cv) while TUN_OPEN is set, until tunclose; the agent would wait on
 * itself. Only for plain root, where the destroy gets past priv_check(PRIV_NET_IFDESTROY) in
 * ifioctl; otherwise the device stays open, as the twin's does when its destroy is refused.
 */
static void tun_before_ioctl(const struct cred *c, unsigned long cmd, const unsigned char *data, size_t len)
{
	char name[IFNAMSIZ];
	struct tun_fd *t;

	if (cmd != SIOCIFDESTROY || c->uid != 0 || c->jailed || len < IFNAMSIZ)
		return;
	memcpy(name, data, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	if ((t = tun_find(name)) != NULL) {
		close(t->fd);
		*t = tuns[ntuns - 1];
		ntuns--;
	}
}

/* ---------- the routing socket's sentinel ---------- */

#define SENTINEL_SEQ 0x69630000	/* | a 16-bit count; pid and seq mark the agent's own */
static int sentinel_count = 0;

static void send_sentinel(void)
{
	struct rt_msghdr m;

	memset(&m, 0, sizeof(m));
	m.rtm_msglen = sizeof(m);
	m.rtm_version = RTM_VERSION;
	m.rtm_type = RTM_GET;
	sentinel_count = (sentinel_count + 1) & 0xffff;
	m.rtm_seq = SENTINEL_SEQ | sentinel_count;
	/* no RTAX_DST: route_output answers EINVAL, and dispatches the message all the same */
	if (write(monitor_fd, &m, sizeof(m)) < 0 && errno != EINVAL)
		fprintf(stderr, "inconf-agent: sentinel: %s\n", strerror(errno));
}

/* One of the agent's sentinels (*current: the one this drain waits for). */
static int is_sentinel(const unsigned char *b, size_t n, int *current)
{
	struct rt_msghdr m;

	if (n != sizeof(m))
		return (0);
	memcpy(&m, b, sizeof(m));
	if (m.rtm_type != RTM_GET || m.rtm_addrs != 0 || m.rtm_pid != getpid() ||
	    (m.rtm_seq & ~0xffff) != SENTINEL_SEQ)
		return (0);
	*current = m.rtm_seq == (SENTINEL_SEQ | sentinel_count);
	return (1);
}

/* ---------- IPv6 off on the interfaces the agent makes ---------- */

/*
 * The twin has no IPv6, and the guest's boot sets `ifconfig IF inet6 -accept_rtadv ifdisabled`
 * on the NICs it finds (init.c, inconf.inet6=ifdisabled). Cloned interfaces get the same right
 * after they are made, before anything can bring them up: ND6_IFF_IFDISABLED then keeps
 * in6_ifattach from configuring a link-local address (in6_ifattach.c), so no DAD or MLD frames
 * and no RTM_NEWADDR for inet6. As ifconfig does it: SIOCGIFINFO_IN6, then SIOCSIFINFO_IN6.
 */
static int inet6_off(const char *name)
{
	struct in6_ndireq nd;
	int s = socket(AF_INET6, SOCK_DGRAM, 0), err = 0;

	if (s < 0)
		return (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT ? 0 : errno);
	memset(&nd, 0, sizeof(nd));
	strlcpy(nd.ifname, name, sizeof(nd.ifname));
	if (ioctl(s, SIOCGIFINFO_IN6, &nd) != 0) {
		err = errno;
	} else {
		nd.ndi.flags |= ND6_IFF_IFDISABLED;
		nd.ndi.flags &= ~(u_int32_t)ND6_IFF_ACCEPT_RTADV;
		if (ioctl(s, SIOCSIFINFO_IN6, &nd) != 0)
			err = errno;
	}
	close(s);
	return (err);
}

/* ---------- epair captures ---------- */

static struct cap *cap_find(const char *name)
{
	int i;

	for (i = 0; i < ncaps; i++)
		if (strcmp(caps[i].name, name) == 0)
			return (&caps[i]);
	return (NULL);
}

static void cap_close(struct cap *c)
{
	close(c->fd);
	if (c->wfd >= 0)
		close(c->wfd);
	free(c->skip);
	*c = caps[ncaps - 1];
	ncaps--;
}

/* A bpf descriptor on ifname; -1 with errno set. The reader sees only what ifname transmits,
 * stamped with the uptime clock (CLOCK_MONOTONIC's); the writer keeps the frames' source
 * addresses and captures nothing. */
static int bpf_on(const char *ifname, int writer)
{
	static struct bpf_insn none[] = { BPF_STMT(BPF_RET + BPF_K, 0) };
	struct bpf_program nothing = { 1, none };
	struct ifreq ifr;
	u_int blen = CAP_BUF, on = 1, dir = BPF_D_OUT, ts = BPF_T_MICROTIME_MONOTONIC;
	int fd = open("/dev/bpf", O_RDWR | O_NONBLOCK), e;

	if (fd < 0)
		return (-1);
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	if (ioctl(fd, BIOCSBLEN, &blen) != 0 || ioctl(fd, BIOCSETIF, &ifr) != 0 ||
	    ioctl(fd, BIOCIMMEDIATE, &on) != 0)
		goto fail;
	if (writer) {
		if (ioctl(fd, BIOCSHDRCMPLT, &on) != 0 || ioctl(fd, BIOCSETF, &nothing) != 0)
			goto fail;
	} else if (ioctl(fd, BIOCSDIRECTION, &dir) != 0 || ioctl(fd, BIOCSTSTAMP, &ts) != 0) {
		goto fail;
	}
	return (fd);
fail:
	e = errno;
	close(fd);
	errno = e;
	return (-1);
}

/* Captures on both halves of the pair `name` belongs to; returns an errno. */
static int caps_open_pair(const char *name)
{
	char half[IFNAMSIZ];
	size_t n = strlen(name);
	int k;

	for (k = 0; k < 2; k++) {
		strlcpy(half, name, sizeof(half));
		half[n - 1] = k == 0 ? 'a' : 'b';
		if (cap_find(half) != NULL)
			continue;
		if (ncaps == MAX_CAPS)
			return (EMFILE);
		caps[ncaps].fd = bpf_on(half, 0);
		if (caps[ncaps].fd < 0)
			return (errno);
		strlcpy(caps[ncaps].name, half, sizeof(caps[ncaps].name));
		caps[ncaps].wfd = -1;
		caps[ncaps].skip = NULL;
		caps[ncaps].skiplen = 0;
		ncaps++;
	}
	return (0);
}

/* Captures whose interface is gone (a destroyed pair, whose name may be made again). */
static void caps_prune(void)
{
	int i;

	for (i = ncaps - 1; i >= 0; i--)
		if (if_nametoindex(caps[i].name) == 0)
			cap_close(&caps[i]);
}

struct cap_frame {
	double t;
	int seq;
	const char *ifname;
	unsigned char *b;
	size_t n;
};

static int cap_frame_cmp(const void *a, const void *b)
{
	const struct cap_frame *x = a, *y = b;

	if (x->t != y->t)
		return (x->t < y->t ? -1 : 1);
	return (x->seq - y->seq);
}

/* Every frame the epair halves transmitted since the last drain, in time order. */
static void drain_caps(int *first)
{
	static unsigned char buf[CAP_BUF];
	struct cap_frame *fr = NULL;
	int i, nfr = 0, cap = 0;

	for (i = 0; i < ncaps; i++) {
		for (;;) {
			ssize_t n = read(caps[i].fd, buf, sizeof(buf));
			unsigned char *p = buf;

			if (n <= 0)
				break;	/* EWOULDBLOCK: nothing more */
			while (p + sizeof(struct bpf_hdr) <= buf + n) {
				struct bpf_hdr h;
				unsigned char *pkt;

				memcpy(&h, p, sizeof(h));
				pkt = p + h.bh_hdrlen;
				if (pkt + h.bh_caplen > buf + n)
					break;
				if (caps[i].skip != NULL && h.bh_caplen == caps[i].skiplen &&
				    memcmp(pkt, caps[i].skip, h.bh_caplen) == 0) {
					/* the frame the agent injected through this half */
					free(caps[i].skip);
					caps[i].skip = NULL;
				} else {
					if (nfr == cap) {
						struct cap_frame *m;
						cap = cap == 0 ? 16 : cap * 2;
						m = realloc(fr, (size_t)cap * sizeof(*fr));
						if (m == NULL)
							break;
						fr = m;
					}
					fr[nfr].t = (double)(h.bh_tstamp.tv_sec - t_start.tv_sec) +
					    ((double)h.bh_tstamp.tv_usec * 1e3 - (double)t_start.tv_nsec) / 1e9;
					if (fr[nfr].t < 0)
						fr[nfr].t = 0;
					fr[nfr].seq = nfr;
					fr[nfr].ifname = caps[i].name;
					fr[nfr].n = h.bh_caplen;
					fr[nfr].b = malloc(h.bh_caplen + 1);
					if (fr[nfr].b == NULL)
						break;
					memcpy(fr[nfr].b, pkt, h.bh_caplen);
					nfr++;
				}
				p += BPF_WORDALIGN(h.bh_hdrlen + h.bh_caplen);
			}
		}
		free(caps[i].skip);	/* injected but never seen: dropped before the tap */
		caps[i].skip = NULL;
	}
	qsort(fr, (size_t)nfr, sizeof(*fr), cap_frame_cmp);
	for (i = 0; i < nfr; i++) {
		put_frame(first, fr[i].ifname, fr[i].t, fr[i].b, fr[i].n);
		free(fr[i].b);
	}
	free(fr);
}

/* IFF_UP and IFF_DRV_RUNNING (IFF_RUNNING to userland): what epair_transmit_locked wants. */
static int if_running(const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	if (ioctl(inet_fd, SIOCGIFFLAGS, &ifr) != 0)
		return (0);
	return ((ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING));
}

/* One bpf write on half c, fed back into c's own input or not (BIOCFEEDBACK). */
static int cap_write(struct cap *c, int feedback, const unsigned char *b, size_t n)
{
	u_int fb = (u_int)feedback;

	if (c->wfd < 0 && (c->wfd = bpf_on(c->name, 1)) < 0) {
		c->wfd = -1;
		return (errno);
	}
	if (ioctl(c->wfd, BIOCFEEDBACK, &fb) != 0 || write(c->wfd, b, n) < 0)
		return (errno);
	return (0);
}

/*
 * Injects on epair half `name` (-1 when the agent holds no capture of the pair: not a NIC of
 * the program). The twin hands the frame to the half's input as if the peer had sent it
 * (epair_rx), so: with the peer up, the frame is written with bpf on the peer and arrives as its
 * transmission (epair_transmit_locked), and the peer's capture drops that one copy. With the
 * peer down, it is written on the half itself with BIOCFEEDBACK: bpfwrite passes a copy to the
 * half's if_input, and the outgoing one, marked M_PROMISC so that no tap sees it (bpf_mtap), is
 * dropped by epair_transmit_locked because the peer is down. With both down nothing is written:
 * ether_input would drop it (the half is not up), and the op's errno is 0, as the twin's.
 */
static int epair_inject(const char *name, const unsigned char *b, size_t n)
{
	char peer[IFNAMSIZ];
	size_t len = strlen(name);
	struct cap *self = cap_find(name), *p;
	int err;

	strlcpy(peer, name, sizeof(peer));
	peer[len - 1] = name[len - 1] == 'a' ? 'b' : 'a';
	if (self == NULL || (p = cap_find(peer)) == NULL)
		return (-1);
	if (!if_running(peer))
		return (if_running(name) ? cap_write(self, 1, b, n) : 0);
	if ((err = cap_write(p, 0, b, n)) != 0)
		return (err);
	free(p->skip);
	p->skip = malloc(n + 1);
	if (p->skip != NULL) {
		memcpy(p->skip, b, n);
		p->skiplen = n;
	}
	return (0);
}

/* An injected frame on a NIC whose frames the agent holds: one write(2) on a tun device, or
 * a bpf write on an epair's peer. -1 for any other NIC (the host injects through its netdev). */
static int agent_inject(const char *name, const unsigned char *b, size_t n)
{
	struct tun_fd *t;

	if (is_epair_half(name)) {
		int err = epair_inject(name, b, n);
		return (err < 0 && if_nametoindex(name) == 0 ? ENXIO : err);
	}
	if ((t = tun_find(name)) == NULL)
		return (is_tun_name(name) ? ENXIO : -1);
	return (write(t->fd, b, n) < 0 ? errno : 0);
}

/* After an ioctl: a destroyed epair's captures go (its name may be made again). */
static void caps_after_ioctl(unsigned long cmd)
{
	if (cmd == SIOCIFDESTROY)
		caps_prune();
}

/*
 * nic: the NIC must exist (cloners create epair/tun on demand), then MAC and offloads. IPv6 is
 * disabled on interfaces the agent makes; a tun's device is opened and held for the program, as
 * the twin's nic_attach does, and both halves of an epair are captured.
 */
static void op_nic(const char *id, char **tok, int ntok)
{
	struct result r;
	unsigned char *mac = NULL;
	size_t maclen = 0;
	const char *name, *driver;
	int s;

	memset(&r, 0, sizeof(r));
	if (ntok != 5) {
		reply_error(id, "usage: <id> nic <name> <driver> <mac>", NULL);
		return;
	}
	name = tok[2];
	driver = tok[3];
	if (!valid_name(name, IFNAMSIZ)) {
		reply_error(id, "bad interface name %s", name);
		return;
	}
	if (strcmp(tok[4], "-") != 0 && (parse_hex(tok[4], &mac, &maclen) != 0 || maclen != 6)) {
		free(mac);
		reply_error(id, "mac must be 12 hex digits or -, got %s", tok[4]);
		return;
	}
	s = inet_fd;
	if (if_nametoindex(name) == 0) {
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		if (strcmp(driver, "epair") == 0) {
			/* "epair3a" or "epair3b": creating "epair3" makes both ends */
			char half[IFNAMSIZ];
			size_t n = strlen(name);
			if (!is_epair_half(name)) {
				free(mac);
				reply_error(id, "an epair NIC is named epair<n>a or epair<n>b, not %s", name);
				return;
			}
			caps_prune();
			strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
			ifr.ifr_name[n - 1] = '\0';
			if (ioctl(s, SIOCIFCREATE2, &ifr) != 0)
				r.err = errno;
			strlcpy(half, name, sizeof(half));
			half[n - 1] = 'a';
			if (r.err == 0)
				r.err = inet6_off(half);
			half[n - 1] = 'b';
			if (r.err == 0)
				r.err = inet6_off(half);
		} else if (strcmp(driver, "tun") == 0) {
			strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
			if (ioctl(s, SIOCIFCREATE2, &ifr) != 0)
				r.err = errno;
			else
				r.err = inet6_off(name);
		} else if (strcmp(driver, "vtnet") != 0) {
			free(mac);
			reply_error(id, "unknown driver %s", driver);
			return;
		}
		if (r.err == 0 && if_nametoindex(name) == 0)
			r.err = ENXIO;
	}
	if (r.err == 0 && mac != NULL)
		r.err = set_lladdr(s, name, mac);
	if (r.err == 0 && strcmp(driver, "vtnet") == 0)
		r.err = offloads_off(s, name);
	if (r.err == 0 && strcmp(driver, "tun") == 0)
		r.err = tun_open(name);
	if (r.err == 0 && strcmp(driver, "epair") == 0)
		r.err = caps_open_pair(name);
	free(mac);
	reply_ok(id, &r, 1);
}

static void op_module(const char *id, const char *name)
{
	struct result r;

	memset(&r, 0, sizeof(r));
	if (!valid_name(name, 64)) {
		reply_error(id, "bad module name %s", name);
		return;
	}
	if (modfind(name) < 0 && kldfind(name) < 0 && kldload(name) < 0 && errno != EEXIST)
		r.err = errno;
	reply_ok(id, &r, 1);
}

static void open_sockets(void)
{
	monitor_fd = socket(PF_ROUTE, SOCK_RAW, AF_UNSPEC);
	inet_fd = socket(AF_INET, SOCK_DGRAM, 0);
}

#else /* INCONF_LINT_ON_LINUX: the protocol without FreeBSD underneath */

typedef void (*op_fn)(void *arg, struct result *r);
struct ioctl_arg { unsigned long cmd; unsigned char *data; size_t len; };
struct ifflags_arg { char ifname[IFNAMSIZ]; unsigned long set, clear; };
struct sysctl_arg { const char *name; unsigned char *value; size_t len; };
static void enosys(void *a, struct result *r) { (void)a; r->err = ENOSYS; }
#define do_ioctl enosys
#define do_ifflags enosys
#define do_sysctl enosys
#define do_rtsock enosys
/* jail_set(2) is a stub too: a jailed credential cannot be set up, so the op does not run */
static int run_as(const struct cred *c, op_fn fn, void *arg, struct result *r, const char **why)
{
	(void)why;
	memset(r, 0, sizeof(*r));
	if (c->jailed)
		r->err = ENOSYS;
	else
		fn(arg, r);
	return (0);
}
static void op_dump(const char *id) { out_printf("%s ok errno=%d", id, ENOSYS); drain_monitor(); drain_frames(); end_reply(); }
static void op_nic(const char *id, char **tok, int ntok)
{
	struct result r = { ENOSYS, NULL, 0 };
	unsigned char *mac = NULL;
	size_t maclen = 0;
	if (ntok != 5) { reply_error(id, "usage: <id> nic <name> <driver> <mac>", NULL); return; }
	if (!valid_name(tok[2], IFNAMSIZ)) { reply_error(id, "bad interface name %s", tok[2]); return; }
	if (strcmp(tok[4], "-") != 0 && (parse_hex(tok[4], &mac, &maclen) != 0 || maclen != 6)) { free(mac); reply_error(id, "mac must be 12 hex digits or -, got %s", tok[4]); return; }
	free(mac);
	reply_ok(id, &r, 1);
}
static void op_module(const char *id, const char *name)
{
	struct result r = { ENOSYS, NULL, 0 };
	if (!valid_name(name, 64)) { reply_error(id, "bad module name %s", name); return; }
	reply_ok(id, &r, 1);
}
static void open_sockets(void) { inet_fd = -1; (void)in_child; }
/* tun devices and epair captures: nothing is opened here; an inject naming one gets the stub
 * errno, and there are never sentinels or captured frames */
static int agent_inject(const char *name, const unsigned char *b, size_t n)
{
	(void)b; (void)n;
	return (is_tun_name(name) || is_epair_half(name) ? ENOSYS : -1);
}
static void caps_after_ioctl(unsigned long cmd) { (void)cmd; }
static void send_sentinel(void) { }
static int is_sentinel(const unsigned char *b, size_t n, int *current) { (void)b; (void)n; *current = 1; return (0); }
static void drain_caps(int *first) { (void)first; (void)caps; }
static void tun_before_ioctl(const struct cred *c, unsigned long cmd, const unsigned char *data, size_t len)
{
	(void)c; (void)cmd; (void)data; (void)len;
}
#define strlcpy(d, s, n) snprintf((d), (n), "%s", (s))
#endif

/* ---------- dispatch ---------- */

static void finish_cred_op(const char *id, const struct cred *c, op_fn fn, void *arg)
{
	struct result r;
	const char *why = NULL;

	if (run_as(c, fn, arg, &r, &why) != 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s: %s", why, strerror(errno));
		reply_error(id, "could not run as cred: %s", msg);
		return;
	}
	reply_ok(id, &r, 1);
	result_free(&r);
}

static void handle(char *line)
{
	char *tok[MAX_TOKENS], *save = NULL, *t;
	int ntok = 0;
	const char *id, *op, *err;
	struct cred cred;

	for (t = strtok_r(line, " \t\r", &save); t != NULL; t = strtok_r(NULL, " \t\r", &save)) {
		if (ntok == MAX_TOKENS) {
			reply_error(valid_name(tok[0], 32) ? tok[0] : "-", "too many tokens", NULL);
			return;
		}
		tok[ntok++] = t;
	}
	if (ntok == 0)
		return;
	id = tok[0];
	if (!valid_name(id, 32)) {
		reply_error("-", "bad request id %s", id);
		return;
	}
	if (ntok < 2) {
		reply_error(id, "missing op", NULL);
		return;
	}
	op = tok[1];

	if (strcmp(op, "version") == 0) {
		struct utsname u;
		char buf[1024];
		memset(&u, 0, sizeof(u));
		uname(&u);
		snprintf(buf, sizeof(buf), "%s %s %s %s %s %s", AGENT_VERSION,
#ifdef INCONF_LINT_ON_LINUX
		    "lint-build-on-linux(performs-nothing)",
#else
		    "freebsd",
#endif
		    u.sysname, u.release, u.version, u.machine);
		out_printf("%s ok errno=0 version=", id);
		put_hex((const unsigned char *)buf, strlen(buf));
		end_reply();
	} else if (strcmp(op, "quit") == 0) {
		out_printf("%s ok errno=0", id);
		end_reply();
		exit(0);
	} else if (strcmp(op, "echo") == 0) {
		/* the line's own check: the bytes as the agent decoded them, nothing run */
		unsigned char *b = NULL;
		size_t n = 0;
		if (ntok != 3 || (strcmp(tok[2], "-") != 0 && parse_hex(tok[2], &b, &n) != 0)) {
			reply_error(id, "usage: <id> echo <hex>", NULL);
			return;
		}
		out_printf("%s ok errno=0 data=", id);
		if (n == 0)
			out_c('-');
		put_hex(b, n);
		free(b);
		end_reply();
	} else if (strcmp(op, "stats") == 0) {
		out_printf("%s ok errno=0 frames=%lu naks=%lu repeats=%lu ops=%lu", id, st_frames, st_naks,
		    st_repeats, st_ops);
		end_reply();
	} else if (strcmp(op, "settle") == 0) {
		unsigned long s_ms, q_ms = 0;
		if (ntok != 4 || parse_ulong(tok[2], 10000, &s_ms) != 0 ||
		    (strcmp(tok[3], "-") != 0 && parse_ulong(tok[3], 10000, &q_ms) != 0)) {
			reply_error(id, "usage: <id> settle <settle_ms> <quiet_ms|->", NULL);
			return;
		}
		settle_ms = (int)s_ms;
		quiet_ms = strcmp(tok[3], "-") == 0 ? -1 : (int)q_ms;
		out_printf("%s ok errno=0", id);
		end_reply();
	} else if (strcmp(op, "drain") == 0) {
		struct result r = { 0, NULL, 0 };
		reply_ok(id, &r, 1);
	} else if (strcmp(op, "dump") == 0) {
		op_dump(id);
	} else if (strcmp(op, "nic") == 0) {
		op_nic(id, tok, ntok);
	} else if (strcmp(op, "module") == 0) {
		if (ntok != 3)
			reply_error(id, "usage: <id> module <name>", NULL);
		else
			op_module(id, tok[2]);
	} else if (strcmp(op, "ioctl") == 0) {
		struct ioctl_arg a;
		unsigned long cmd;
		if (ntok != 5) {
			reply_error(id, "usage: <id> ioctl <cred> <cmd> <hex>", NULL);
			return;
		}
		if ((err = parse_cred(tok[2], &cred)) != NULL) {
			reply_error(id, "%s", err);
			return;
		}
		if (parse_ulong(tok[3], 0xffffffffUL, &cmd) != 0) {
			reply_error(id, "bad ioctl cmd %s", tok[3]);
			return;
		}
		a.cmd = cmd;
		if (strcmp(tok[4], "-") == 0) {
			a.data = calloc(1, 1);
			a.len = 0;
		} else if (parse_hex(tok[4], &a.data, &a.len) != 0) {
			reply_error(id, "bad hex in ioctl data", NULL);
			return;
		}
		if (a.data == NULL || a.len > IOCTL_MAX) {
			free(a.data);
			reply_error(id, "ioctl data too large", NULL);
			return;
		}
		tun_before_ioctl(&cred, a.cmd, a.data, a.len);
		finish_cred_op(id, &cred, do_ioctl, &a);
		caps_after_ioctl(a.cmd);
		free(a.data);
	} else if (strcmp(op, "ifflags") == 0) {
		struct ifflags_arg a;
		if (ntok != 6) {
			reply_error(id, "usage: <id> ifflags <cred> <ifname> <set> <clear>", NULL);
			return;
		}
		if ((err = parse_cred(tok[2], &cred)) != NULL) {
			reply_error(id, "%s", err);
			return;
		}
		memset(&a, 0, sizeof(a));
		if (!valid_name(tok[3], IFNAMSIZ)) {
			reply_error(id, "bad interface name %s", tok[3]);
			return;
		}
		strlcpy(a.ifname, tok[3], sizeof(a.ifname));
		if (parse_ulong(tok[4], 0xffffffffUL, &a.set) != 0 || parse_ulong(tok[5], 0xffffffffUL, &a.clear) != 0) {
			reply_error(id, "bad flag numbers", NULL);
			return;
		}
		finish_cred_op(id, &cred, do_ifflags, &a);
	} else if (strcmp(op, "sysctl") == 0) {
		struct sysctl_arg a;
		if (ntok != 5) {
			reply_error(id, "usage: <id> sysctl <cred> <name> <-|=hex>", NULL);
			return;
		}
		if ((err = parse_cred(tok[2], &cred)) != NULL) {
			reply_error(id, "%s", err);
			return;
		}
		if (!valid_name(tok[3], 256)) {
			reply_error(id, "bad sysctl name %s", tok[3]);
			return;
		}
		a.name = tok[3];
		a.value = NULL;
		a.len = 0;
		if (strcmp(tok[4], "-") != 0) {
			if (tok[4][0] != '=' || parse_hex(tok[4] + 1, &a.value, &a.len) != 0) {
				reply_error(id, "sysctl value must be - or =hex", NULL);
				return;
			}
		}
		finish_cred_op(id, &cred, do_sysctl, &a);
		free(a.value);
	} else if (strcmp(op, "rtsock") == 0) {
		struct rtsock_arg a;
		struct patch patches[MAX_PATCHES];
		int np, i;
		if (ntok != 5) {
			reply_error(id, "usage: <id> rtsock <cred> <hex> <-|at:ifname,...>", NULL);
			return;
		}
		if ((err = parse_cred(tok[2], &cred)) != NULL) {
			reply_error(id, "%s", err);
			return;
		}
		if ((np = parse_patches(tok[4], patches)) < 0) {
			reply_error(id, "bad ifindex patches %s", tok[4]);
			return;
		}
		if (strcmp(tok[3], "-") == 0) {
			a.msg = calloc(1, 1);
			a.len = 0;
		} else if (parse_hex(tok[3], &a.msg, &a.len) != 0) {
			reply_error(id, "bad hex in routing message", NULL);
			return;
		}
		for (i = 0; i < np; i++) {
			unsigned idx = if_nametoindex(patches[i].ifname);
			if (patches[i].at + 2 > a.len) {
				free(a.msg);
				reply_error(id, "ifindex patch beyond the message", NULL);
				return;
			}
			if (idx == 0) {
				/* no such interface: nothing is written, as the twin reports it */
				struct result r = { ENXIO, NULL, 0 };
				free(a.msg);
				reply_ok(id, &r, 1);
				return;
			}
			a.msg[patches[i].at] = (unsigned char)(idx & 0xff);
			a.msg[patches[i].at + 1] = (unsigned char)(idx >> 8);
		}
		finish_cred_op(id, &cred, do_rtsock, &a);
		free(a.msg);
	} else if (strcmp(op, "sleep") == 0) {
		struct result r = { 0, NULL, 0 };
		char *end;
		double secs;
		struct timespec ts;
		if (ntok != 3) {
			reply_error(id, "usage: <id> sleep <seconds>", NULL);
			return;
		}
		secs = strtod(tok[2], &end);
		if (*end != '\0' || !(secs >= 0 && secs <= 86400)) {
			reply_error(id, "bad sleep %s", tok[2]);
			return;
		}
		ts.tv_sec = (time_t)secs;
		ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		reply_ok(id, &r, 1);
	} else if (strcmp(op, "inject") == 0) {
		struct result r = { 0, NULL, 0 };
		unsigned char *b = NULL;
		size_t n = 0;
		if (ntok != 4) {
			reply_error(id, "usage: <id> inject <ifname> <hex>", NULL);
			return;
		}
		if (!valid_name(tok[2], IFNAMSIZ)) {
			reply_error(id, "bad interface name %s", tok[2]);
			return;
		}
		if (strcmp(tok[3], "-") == 0)
			b = calloc(1, 1);
		else if (parse_hex(tok[3], &b, &n) != 0) {
			reply_error(id, "bad hex in inject frame", NULL);
			return;
		}
		if (b == NULL) {
			reply_error(id, "out of memory", NULL);
			return;
		}
		r.err = agent_inject(tok[2], b, n);
		free(b);
		if (r.err < 0)
			reply_error(id, "inject is done host side, through the NIC's netdev (the agent injects only on tun and epair NICs of the program): %s", tok[2]);
		else
			reply_ok(id, &r, 1);
	} else {
		reply_error(id, "unknown op %s", op);
	}
}

static void nak(void)
{
	st_naks++;
	send_text("- nak");
}

/* A request frame that arrived whole. */
static void take_frame(char *p, size_t n, uint32_t crc)
{
	size_t idlen = strcspn(p, " ");
	char id[32];

	st_frames++;
	if (idlen == 0 || idlen >= sizeof(id)) {
		handle(p);	/* answers "- error ..." */
		return;
	}
	memcpy(id, p, idlen);
	id[idlen] = '\0';
	if (cache_len > 0 && strcmp(id, cache_id) == 0 && crc == cache_crc && n == cache_req_len) {
		st_repeats++;
		write_all(cache, cache_len);
		return;
	}
	if (valid_name(id, sizeof(id))) {
		char ack[sizeof(id) + 8];
		snprintf(ack, sizeof(ack), "%s ack", id);
		send_text(ack);
	}
	/* the answer end_reply caches is this request's */
	strlcpy(cache_id, id, sizeof(cache_id));
	cache_crc = crc;
	cache_req_len = n;
	cache_len = 0;
	st_ops++;
	handle(p);
}

/* Reads frames from stdin until EOF (see "framing"); bytes outside a good frame are dropped. */
static void serve(void)
{
	static char in[65536];
	char *pl = malloc(MAX_REQUEST + 1);
	enum { IDLE, HEAD_LEN, HEAD_CRC, PAYLOAD } state = IDLE;
	size_t want = 0, got = 0;
	uint32_t crc = 0;
	int ndig = 0, garbage = 0;

	if (pl == NULL)
		exit(1);
	for (;;) {
		ssize_t n = read(0, in, sizeof(in)), i;

		if (n == 0)
			return;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (i = 0; i < n; i++) {
			int c = (unsigned char)in[i];
again:
			switch (state) {
			case IDLE:
				if (c == '#') {
					state = HEAD_LEN;
					want = 0;
					ndig = 0;
				} else if (c == '\n') {
					if (garbage)
						nak();
					garbage = 0;
				} else {
					garbage = 1;
				}
				continue;
			case HEAD_LEN:
				if (isdigit(c) && ndig < 6) {
					want = want * 10 + (size_t)(c - '0');
					ndig++;
					continue;
				}
				if (c == ':' && want >= 1 && want <= MAX_REQUEST) {
					state = HEAD_CRC;
					crc = 0;
					ndig = 0;
					continue;
				}
				break;
			case HEAD_CRC:
				if (((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) && ndig < 8) {
					crc = crc << 4 | (uint32_t)hexval(c);
					ndig++;
					continue;
				}
				if (c == ':' && ndig == 8) {
					state = PAYLOAD;
					got = 0;
					continue;
				}
				break;
			case PAYLOAD:
				if (c == '\n' || c == '#')
					break;
				pl[got++] = (char)c;
				if (got == want) {
					state = IDLE;
					garbage = crc32_of(pl, got) != crc;
					if (!garbage) {
						pl[got] = '\0';
						take_frame(pl, got, crc);
					}
				}
				continue;
			}
			/* a damaged frame: resynchronise at this byte ('#' or the newline that NAKs) */
			garbage = 1;
			state = IDLE;
			goto again;
		}
	}
}

int main(int argc, char **argv)
{
	char ready[96];
	int ch;

	while ((ch = getopt(argc, argv, "s:q:")) != -1) {
		if (ch == 's') {
			settle_ms = atoi(optarg);
			if (settle_ms < 0 || settle_ms > 10000)
				settle_ms = 50;
		} else if (ch == 'q') {
			quiet_ms = atoi(optarg);
			if (quiet_ms > 10000)
				quiet_ms = 10;
		} else {
			fprintf(stderr, "usage: inconf-agent [-s settle_ms] [-q quiet_ms, -1: no sentinel]\n");
			return (2);
		}
	}
	signal(SIGPIPE, SIG_IGN);
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	crc_init();
	open_sockets();
	snprintf(ready, sizeof(ready), "- ready %s settle=%d quiet=%d max=%d", AGENT_VERSION, settle_ms,
	    quiet_ms, MAX_REQUEST);
	send_text(ready);
	serve();
	return (0);
}
