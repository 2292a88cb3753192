// Credentials, jails and privileges: the parts of kern_prot.c, kern_priv.c and kern_jail.c that
// the address layer consults (priv_check for each configuring ioctl, prison_check_ip4 for
// addresses a jailed process may name, prison_if for what sysctl dumps may show it).

import { EADDRNOTAVAIL, EAFNOSUPPORT, EINVAL, EPERM } from "../../abi/errno.ts";
import { INADDR_ANY, INADDR_BROADCAST } from "../../abi/in.ts";
import { AF_INET, isSockaddrDl, isSockaddrIn, sockaddrFamily, type Sockaddr } from "../../abi/socket.ts";

// 10.4 sys/sys/priv.h: the privileges the network configuration paths check.
export const PRIV_SYSCTL_WRITE = 241;
export const PRIV_SYSCTL_WRITEJAIL = 242;
export const PRIV_NET_BRIDGE = 390;
export const PRIV_NET_GRE = 391;
export const PRIV_NET_BPF = 394;
export const PRIV_NET_RAW = 395;
export const PRIV_NET_ROUTE = 396;
export const PRIV_NET_TAP = 397;
export const PRIV_NET_SETIFMTU = 398;
export const PRIV_NET_SETIFFLAGS = 399;
export const PRIV_NET_SETIFCAP = 400;
export const PRIV_NET_SETIFNAME = 401;
export const PRIV_NET_SETIFMETRIC = 402;
export const PRIV_NET_SETIFPHYS = 403;
export const PRIV_NET_SETIFMAC = 404;
export const PRIV_NET_ADDMULTI = 405;
export const PRIV_NET_DELMULTI = 406;
export const PRIV_NET_HWIOCTL = 407;
export const PRIV_NET_SETLLADDR = 408;
export const PRIV_NET_ADDIFGROUP = 409;
export const PRIV_NET_DELIFGROUP = 410;
export const PRIV_NET_IFCREATE = 411;
export const PRIV_NET_IFDESTROY = 412;
export const PRIV_NET_ADDIFADDR = 413;
export const PRIV_NET_DELIFADDR = 414;
export const PRIV_NET_LAGG = 415;
export const PRIV_NET_GIF = 416;
export const PRIV_NET_SETIFVNET = 417;
export const PRIV_NET_SETIFDESCR = 418;
export const PRIV_NET_SETIFFIB = 419;
export const PRIV_NETINET_RESERVEDPORT = 490;
export const PRIV_NETINET_CARP = 495;
export const PRIV_NETINET_RAW = 497;
export const PRIV_NETINET_REUSEPORT = 504;
export const PRIV_NETINET_SETHDROPTS = 505;

// 10.4 sys/sys/jail.h: prison flags the twin models.
export const PR_VNET = 0x00000010; // the jail has its own network stack (VIMAGE kernels)
export const PR_IP4 = 0x02000000; // IPv4 is restricted to pr_ip4

export interface Prison {
  pr_name: string;
  pr_flags: number;
  /**
   * The jail's IPv4 addresses, host order: the primary first, the rest sorted ascending as
   * kern_jail.c keeps them. Only consulted when PR_IP4 is set; an empty list is the C NULL
   * (IPv4 disabled in the jail).
   */
  pr_ip4: number[];
}

export interface Ucred {
  cr_uid: number;
  /** null is prison0: not jailed. */
  cr_prison: Prison | null;
}

export interface Thread {
  td_ucred: Ucred;
}

/** A prison restricted to `ip4` (host order), primary first, as `jail -c ip4.addr=...` makes. */
export function prison_create(name: string, ip4: number[], flags = PR_IP4): Prison {
  const [primary, ...rest] = ip4.map((a) => a >>> 0);
  const sorted = rest.sort((a, b) => a - b);
  return { pr_name: name, pr_flags: flags, pr_ip4: primary === undefined ? [] : [primary, ...sorted] };
}

/** kern_jail.c jail_max_af_ips (kern_jail.c:242, security.jail.jail_max_af_ips): ip4.addr's bound. */
export const JAIL_MAX_AF_IPS = 255;

/**
 * kern_jail.c: kern_jail_set, for `jail_set(JAIL_CREATE | JAIL_ATTACH)` with name, path "/" and
 * ip4.addr (an empty list is ip4=disable), the call the guest agent makes for a jailed op:
 * the new prison, or the errno. The ip4.addr checks (kern_jail.c:827-880): more than
 * jail_max_af_ips addresses is EINVAL; the primary stays first and the rest are sorted
 * (qcmp_v4, host order); then INADDR_ANY or INADDR_BROADCAST anywhere, the primary repeated
 * later, or two equal neighbours in the sorted rest is EINVAL. The later checks cannot refuse
 * here: the parent is prison0, which has no PR_IP4 (1443-1474), and no other jail is alive to
 * clash with (1476-1516; the agent's jails die with the child that made them).
 */
export function kern_jail_set(name: string, ip4: readonly number[], flags = PR_IP4): Prison | number {
  if (ip4.length > JAIL_MAX_AF_IPS) return EINVAL;
  const pr = prison_create(name, [...ip4], flags);
  const list = pr.pr_ip4;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === INADDR_ANY || list[i] === INADDR_BROADCAST) return EINVAL;
    if (i + 1 < list.length && (list[0] === list[i + 1] || list[i] === list[i + 1])) return EINVAL;
  }
  return pr;
}

// kern_jail.c: jailed
export function jailed(cred: Ucred): boolean {
  return cred.cr_prison !== null;
}

// kern_jail.c: prison_owns_vnet
export function prison_owns_vnet(cred: Ucred): boolean {
  return cred.cr_prison !== null && (cred.cr_prison.pr_flags & PR_VNET) !== 0;
}

// Privileges a jail with its own vnet may use: 10.4 kern_jail.c prison_priv_check, the
// "#ifdef VIMAGE" switch (network stack, 802.11 and netinet administration).
const VNET_JAIL_PRIVS = new Set<number>([
  PRIV_NET_BRIDGE,
  PRIV_NET_GRE,
  PRIV_NET_BPF,
  PRIV_NET_RAW,
  PRIV_NET_ROUTE,
  PRIV_NET_TAP,
  PRIV_NET_SETIFMTU,
  PRIV_NET_SETIFFLAGS,
  PRIV_NET_SETIFCAP,
  PRIV_NET_SETIFDESCR,
  PRIV_NET_SETIFNAME,
  PRIV_NET_SETIFMETRIC,
  PRIV_NET_SETIFPHYS,
  PRIV_NET_SETIFMAC,
  PRIV_NET_ADDMULTI,
  PRIV_NET_DELMULTI,
  PRIV_NET_HWIOCTL,
  PRIV_NET_SETLLADDR,
  PRIV_NET_ADDIFGROUP,
  PRIV_NET_DELIFGROUP,
  PRIV_NET_IFCREATE,
  PRIV_NET_IFDESTROY,
  PRIV_NET_ADDIFADDR,
  PRIV_NET_DELIFADDR,
  PRIV_NET_LAGG,
  PRIV_NET_GIF,
  PRIV_NET_SETIFVNET,
  PRIV_NET_SETIFFIB,
  PRIV_NETINET_CARP,
  PRIV_NETINET_RAW,
]);

// Privileges any jailed root holds, among those the twin checks: 10.4 kern_jail.c
// prison_priv_check, second switch (SYSCTL_WRITEJAIL, reserved ports, header options).
// PRIV_NETINET_RAW there depends on allow.raw_sockets, which the twin leaves off.
const JAIL_PRIVS = new Set<number>([
  PRIV_SYSCTL_WRITEJAIL,
  PRIV_NETINET_RESERVEDPORT,
  PRIV_NETINET_REUSEPORT,
  PRIV_NETINET_SETHDROPTS,
]);

// kern_jail.c: prison_priv_check — 0 if the jail does not take `priv` away, else EPERM.
export function prison_priv_check(cred: Ucred, priv: number): number {
  if (!jailed(cred)) return 0;
  if (VNET_JAIL_PRIVS.has(priv) && prison_owns_vnet(cred)) return 0;
  return JAIL_PRIVS.has(priv) ? 0 : EPERM;
}

// kern_priv.c: priv_check_cred — the jail policy first, then superuser (uid 0) grants.
export function priv_check_cred(cred: Ucred, priv: number): number {
  if (jailed(cred)) {
    const error = prison_priv_check(cred, priv);
    if (error) return error;
  }
  return cred.cr_uid === 0 ? 0 : EPERM;
}

// kern_priv.c: priv_check
export function priv_check(td: Thread, priv: number): number {
  return priv_check_cred(td.td_ucred, priv);
}

// kern_jail.c: _prison_check_ip4 — primary address, then the sorted rest.
function _prison_check_ip4(pr: Prison, addr: number): number {
  return pr.pr_ip4.includes(addr >>> 0) ? 0 : EADDRNOTAVAIL;
}

/**
 * kern_jail.c: prison_check_ip4 (netinet/in_jail.c from 11.0) — 0 if the credential may use
 * IPv4 address `addr` (host order), EADDRNOTAVAIL if it is not the jail's, EAFNOSUPPORT if the
 * jail has no IPv4 at all.
 */
export function prison_check_ip4(cred: Ucred, addr: number): number {
  const pr = cred.cr_prison;
  if (pr === null || (pr.pr_flags & PR_IP4) === 0) return 0;
  if (pr.pr_ip4.length === 0) return EAFNOSUPPORT;
  return _prison_check_ip4(pr, addr);
}

/** ((struct sockaddr_in *)sa)->sin_addr: bytes 4..8, whatever the sockaddr's length. */
function sin_addr_of(sa: Sockaddr): number {
  if (isSockaddrIn(sa)) return sa.sin_addr;
  const d = isSockaddrDl(sa) ? new Uint8Array(0) : sa.sa_data;
  return (((d[2] ?? 0) << 24) | ((d[3] ?? 0) << 16) | ((d[4] ?? 0) << 8) | (d[5] ?? 0)) >>> 0;
}

/**
 * kern_jail.c: prison_if — whether a jailed credential may see `sa`. Families other than
 * AF_INET are refused only without allow.socket_af, which the twin leaves off.
 */
export function prison_if(cred: Ucred, sa: Sockaddr): number {
  if (!jailed(cred) || prison_owns_vnet(cred)) return 0;
  if (sockaddrFamily(sa) === AF_INET) return prison_check_ip4(cred, sin_addr_of(sa));
  return EAFNOSUPPORT;
}
