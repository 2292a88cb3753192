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
#include <netinet/in.h>
#include <arpa/inet.h>
#else
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#endif

#define AGENT_VERSION "inconf-agent/1"
#define MAX_LINE (4 * 1024 * 1024)
#define MAX_TOKENS 16
#define RT_BUF 65536
#define IOCTL_MAX 8192 /* IOCPARM_MAX */

static int settle_ms = 50;
static int in_child = 0;	/* running an op as another cred: make sockets here, not inherit */
static int monitor_fd = -1;
static int inet_fd = -1;

/* ---------- output ---------- */

static void put_hex(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		putchar(digits[p[i] >> 4]);
		putchar(digits[p[i] & 15]);
	}
}

/* "<id> error <text>": request-level failures; the text never contains a newline. */
static void reply_error(const char *id, const char *fmt, const char *arg)
{
	const char *s;

	printf("%s error ", id);
	for (s = fmt; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] == 's') {
			const char *a;
			for (a = arg != NULL ? arg : "(null)"; *a != '\0'; a++)
				putchar(isprint((unsigned char)*a) ? *a : '?');
			s++;
		} else {
			putchar(*s);
		}
	}
	putchar('\n');
	fflush(stdout);
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

/* ---------- tun devices held open for the program ---------- */

/*
 * The twin's nic op for tun creates tunN and opens /dev/tunN (src/kernel/dev/attach.ts). 10.4
 * refuses output on a tun nobody holds open (sys/net/if_tun.c, tunoutput: EHOSTDOWN unless
 * TUN_READY = TUN_OPEN|TUN_INITED), so the agent does the same: it holds each tun NIC's device
 * open, writes injected frames to it (tunwrite: one write is one packet) and reads what the
 * stack queued (tunread: one read is one packet) after every op. Framing is plain IPv4, the
 * twin's: tuncreate starts with tun_flags = TUN_INITED (no TUN_IFHEAD, no TUN_LMODE).
 */
#define MAX_TUNS 16
#define MAX_TUN_READS 1024	/* per device and drain: a bound, not an expected count */
static struct tun_fd {
	char name[IFNAMSIZ];
	int fd;
} tuns[MAX_TUNS];
static int ntuns = 0;
static struct timespec t_start;

static int is_tun_name(const char *s)
{
	return (strncmp(s, "tun", 3) == 0 && isdigit((unsigned char)s[3]));
}

/* " frames=..." with every packet readable on the open tun devices; nothing when none is open. */
static void drain_tuns(void)
{
	static unsigned char buf[65536];
	int i, k, first = 1;

	if (ntuns == 0)
		return;
	printf(" frames=");
	for (i = 0; i < ntuns; i++) {
		for (k = 0; k < MAX_TUN_READS; k++) {
			ssize_t n = read(tuns[i].fd, buf, sizeof(buf));
			struct timespec now;
			double secs;

			if (n < 0)
				break;	/* EWOULDBLOCK: queue empty */
			clock_gettime(CLOCK_MONOTONIC, &now);
			secs = (double)(now.tv_sec - t_start.tv_sec) +
			    (double)(now.tv_nsec - t_start.tv_nsec) / 1e9;
			printf("%s%s/%.6f/", first ? "" : ",", tuns[i].name, secs < 0 ? 0.0 : secs);
			if (n == 0)
				printf("-");
			put_hex(buf, (size_t)n);
			first = 0;
		}
	}
	if (first)
		printf("-");
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

/* Reads every message queued on the monitoring socket, waiting until it stays quiet for
 * settle_ms (routing messages are queued through netisr, so they may trail the syscall). */
static void drain_monitor(void)
{
	static unsigned char buf[RT_BUF];
	int first = 1;

	printf(" rt=");
	if (monitor_fd < 0) {
		printf("-");
		return;
	}
	for (;;) {
		struct pollfd pfd = { monitor_fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&pfd, 1, settle_ms) <= 0)
			break;
		n = recv(monitor_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		if (!first)
			putchar(',');
		put_hex(buf, (size_t)n);
		first = 0;
	}
	if (first)
		printf("-");
}

static void reply_ok(const char *id, const struct result *r, int with_rt)
{
	printf("%s ok errno=%d", id, r->err);
	if (r->data != NULL) {
		printf(" data=");
		if (r->datalen == 0)
			printf("-");
		put_hex(r->data, r->datalen);
	}
	if (with_rt) {
		drain_monitor();
		drain_tuns();
	}
	putchar('\n');
	fflush(stdout);
}

#ifndef INCONF_LINT_ON_LINUX

/* ---------- running as another credential ---------- */

static int enter_jail(const struct cred *c)
{
	struct iovec iov[8];
	int n = 0, jid;
	static char k_path[] = "path", k_name[] = "name", k_ip4addr[] = "ip4.addr", k_ip4[] = "ip4";
	static char v_root[] = "/", v_disable[] = "disable";
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
		/* no addresses: the jail has no IPv4 at all */
		iov[n].iov_base = k_ip4; iov[n++].iov_len = sizeof(k_ip4);
		iov[n].iov_base = v_disable; iov[n++].iov_len = sizeof(v_disable);
	}
	jid = jail_set(iov, (unsigned)n, JAIL_CREATE | JAIL_ATTACH);
	return (jid < 0 ? -1 : 0);
}

typedef void (*op_fn)(void *arg, struct result *r);

/*
 * Runs fn as cred: directly for plain root, else in a child that jails itself and drops to uid.
 * The child sends "err, len, bytes" through a pipe. A child that fails to set up reports the
 * setup errno; the op's own errno is only ever the kernel's answer to the op.
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
	fflush(stdout);
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
	if (hdr[0] != 0) {
		close(p[0]);
		waitpid(pid, &status, 0);
		errno = hdr[1];
		*why = hdr[0] == 1 ? "jail_set failed" : "setuid failed";
		return (-1);
	}
	r->err = hdr[1];
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
	printf("%s ok errno=%d", id, err);
	if (err == 0) {
		for (i = 0; i < 4; i++) {
			printf(" %s=", what[i].key);
			if (l[i] == 0)
				printf("-");
			put_hex(b[i], l[i]);
		}
		printf(" uptime=%lld", (long long)up.tv_sec);
	}
	for (i = 0; i < 4; i++)
		free(b[i]);
	drain_monitor();
	drain_tuns();
	putchar('\n');
	fflush(stdout);
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

/* An injected frame: one write(2) on the device. -1 when name is not a tun (host side). */
static int tun_inject(const char *name, const unsigned char *b, size_t n)
{
	struct tun_fd *t = tun_find(name);

	if (t == NULL)
		return (is_tun_name(name) ? ENXIO : -1);
	return (write(t->fd, b, n) < 0 ? errno : 0);
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

/* nic: the NIC must exist (cloners create epair/tun on demand), then MAC and offloads; a tun's
 * device is opened and held for the program, as the twin's nic_attach does. */
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
			size_t n = strlen(name);
			strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
			if (n > 0 && (name[n - 1] == 'a' || name[n - 1] == 'b'))
				ifr.ifr_name[n - 1] = '\0';
			if (ioctl(s, SIOCIFCREATE2, &ifr) != 0)
				r.err = errno;
		} else if (strcmp(driver, "tun") == 0) {
			strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
			if (ioctl(s, SIOCIFCREATE2, &ifr) != 0)
				r.err = errno;
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
static int run_as(const struct cred *c, op_fn fn, void *arg, struct result *r, const char **why)
{
	(void)c; (void)why;
	memset(r, 0, sizeof(*r));
	fn(arg, r);
	return (0);
}
static void op_dump(const char *id) { printf("%s ok errno=%d", id, ENOSYS); drain_monitor(); drain_tuns(); putchar('\n'); fflush(stdout); }
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
/* tun devices: nothing is opened here; an inject naming a tun gets the stub errno */
static int tun_inject(const char *name, const unsigned char *b, size_t n)
{
	(void)b; (void)n;
	return (is_tun_name(name) ? ENOSYS : -1);
}
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
		printf("%s ok errno=0 version=", id);
		put_hex((const unsigned char *)buf, strlen(buf));
		putchar('\n');
		fflush(stdout);
	} else if (strcmp(op, "quit") == 0) {
		printf("%s ok errno=0\n", id);
		fflush(stdout);
		exit(0);
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
		r.err = tun_inject(tok[2], b, n);
		free(b);
		if (r.err < 0)
			reply_error(id, "inject is done host side, through the NIC's netdev (the agent writes only to tun devices it holds open): %s", tok[2]);
		else
			reply_ok(id, &r, 1);
	} else {
		reply_error(id, "unknown op %s", op);
	}
}

int main(int argc, char **argv)
{
	char *line;
	size_t len = 0;
	int c, ch;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		if (ch == 's') {
			settle_ms = atoi(optarg);
			if (settle_ms < 0 || settle_ms > 10000)
				settle_ms = 50;
		} else {
			fprintf(stderr, "usage: inconf-agent [-s settle_ms]\n");
			return (2);
		}
	}
	signal(SIGPIPE, SIG_IGN);
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	open_sockets();
	line = malloc(MAX_LINE + 1);
	if (line == NULL)
		return (1);
	printf("- ready %s settle=%d\n", AGENT_VERSION, settle_ms);
	fflush(stdout);
	for (;;) {
		c = getchar();
		if (c == EOF)
			break;
		if (c == '\n') {
			if (len <= MAX_LINE) {
				line[len] = '\0';
				handle(line);
			}
			len = 0;
		} else if (len < MAX_LINE) {
			line[len++] = (char)c;
		} else if (len == MAX_LINE) {
			/* swallow the rest of an oversized line and report it once */
			reply_error("-", "request line too long", NULL);
			len = MAX_LINE + 1;
		}
	}
	return (0);
}
