// IPv4 address configuration: the twin of the seed's sys/netinet/in.c (FreeBSD head, 2014),
// function by function and in the seed's order. Line numbers in comments are the seed's.
//
// Byte order: addresses are host-order numbers everywhere in the twin (SockaddrIn.sin_addr).
// Where the seed stores a host-order value into an s_addr (in_scrubprefix's prefix0/mask0) or
// applies ntohl to one, the value is modelled as amd64 would see it, with in_addr_memory as
// htonl/ntohl (both are a byte swap on little-endian).
//
// Build options: GENERIC amd64, so RADIX_MPATH is not compiled in (the #ifdef block of
// in_addprefix, seed lines 692-699, is absent), DIAGNOSTIC is off (its log() calls in the
// lltable code are absent) and INVARIANTS is on (KASSERTs throw InvariantError).

import { EADDRNOTAVAIL, EDESTADDRREQ, EEXIST, EINVAL, EOPNOTSUPP, EPROTONOSUPPORT } from "../../abi/errno.ts";
import {
  IFF_BROADCAST,
  IFF_LOOPBACK,
  IFF_MULTICAST,
  IFF_NOARP,
  IFF_POINTOPOINT,
  IFF_STATICARP,
  IFF_UP,
  IFT_ETHER,
  IFREQ_OFFSETS,
} from "../../abi/if.ts";
import {
  decodeInAliasreq,
  decodeOInAliasreq,
  decodeSockaddrIn,
  INADDR_ALLHOSTS_GROUP,
  INADDR_ANY,
  INADDR_BROADCAST,
  IN_CLASSA,
  IN_CLASSA_NET,
  IN_CLASSA_NSHIFT,
  IN_CLASSB,
  IN_CLASSB_NET,
  IN_CLASSC_NET,
  IN_EXPERIMENTAL,
  IN_LINKLOCAL,
  IN_LOOPBACKNET,
  IN_MULTICAST,
  IN_RFC3021_MASK,
  IPPROTO_IP,
  type InAliasreq,
} from "../../abi/in.ts";
import { getN32, isDecodeError } from "../../abi/decode.ts";
import {
  RTA_DST,
  RTA_GATEWAY,
  RTF_ANNOUNCE,
  RTF_GATEWAY,
  RTF_HOST,
  RTF_LLDATA,
  RTF_STATIC,
  RTF_UP,
  RTM_ADD,
  RTM_DELETE,
  RTM_GET,
  RTM_VERSION,
} from "../../abi/route_defs.ts";
import { emptyRtMetrics, encodeRoutingMessage } from "../../abi/rtmsg.ts";
import {
  AF_INET,
  SOCKADDR_DL_SIZE,
  SOCKADDR_IN_SIZE,
  sockaddrDl,
  sockaddrIn,
  sockaddrFamily,
  writeSockaddrIn,
  type SockaddrIn,
} from "../../abi/socket.ts";
import {
  priv_check,
  prison_check_ip4,
  prison_if,
  PRIV_NET_ADDIFADDR,
  PRIV_NET_DELIFADDR,
  type Thread,
} from "../kern/cred.ts";
import { EVENTHANDLER_INVOKE, LLENTRY_DELETED } from "../kern/eventhandler.ts";
import { KASSERT, KernelPanic } from "../kern/invariant.ts";
import { log, LOG_INFO } from "../kern/syslog.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, SYSCTL_INT, SYSCTL_NODE, type SysctlReq } from "../kern/sysctl.ts";
import { Callout } from "../kern/clock.ts";
import {
  ifa_add_loopback_route,
  ifa_alloc,
  ifa_del_loopback_route,
  ifa_free,
  ifa_ref,
  ifa_switch_loopback_route,
} from "../net/if.ts";
import {
  in_addr_memory,
  LLE_CREATE,
  LLE_DELETE,
  LLE_DELETED,
  LLE_DELETED_PTR,
  LLE_IFADDR,
  LLE_LINKED,
  LLE_PUB,
  LLE_REMREF,
  LLE_STATIC,
  LLE_VALID,
  LLATBL_HASH,
  LLTBL_HASHMASK,
  LL_ADDR_SIZE,
  lltable_free,
  lltable_init,
  lltable_prefix_free,
  llentry_free,
  type lla_lookup_result,
  type llentry,
  type lltable,
} from "../net/if_llatbl.ts";
import { IF_LLADDR, IFA_ROUTE, in_ifaddr, type IoctlData, type ifaddr, type ifnet } from "../net/if_var.ts";
import {
  rtalloc1,
  rtalloc_ign_fib,
  RTFREE,
  RTFREE_LOCKED,
  rtinit,
  type route,
  type rtentry,
} from "../net/route.ts";
import { sa_image } from "../net/radix.ts";
import { rt_newaddrmsg } from "../net/rtsock.ts";
import { curvnet, VNET, VNET_DEFINE } from "../net/vnet.ts";
import { arp_ifscrub, ARPSTAT_ADD } from "./if_ether.ts";
import { igmp_domifattach, igmp_domifdetach, igmp_ifdetach } from "./igmp.ts";
import { in_joingroup, in_leavegroup_locked, inm_release_locked, type in_multi } from "./in_mcast.ts";
import { in_ifadown } from "./in_rmx.ts";
import { INADDR_HASH, IA_SIN, in_ifaddr_link, in_ifaddr_unlink, type in_ifinfo } from "./in_var.ts";
import { carp_attach_p, carp_detach_p } from "./ip_carp.ts";
import {
  SIOCAIFADDR,
  OSIOCAIFADDR,
  SIOCDIFADDR,
  SIOCGIFADDR,
  SIOCGIFBRDADDR,
  SIOCGIFDSTADDR,
  SIOCGIFNETMASK,
  SIOCSIFADDR,
  SIOCSIFBRDADDR,
  SIOCSIFDSTADDR,
  SIOCSIFNETMASK,
} from "../../abi/sockio.ts";
import { list_remove } from "../sys/queue.ts";
import { bcopy } from "../sys/systm.ts";

// seed in.c:77-82 — net.inet.ip.no_same_prefix, per VNET, default 0. The nodes on the way are
// FreeBSD's numbered ones (CTL_NET 4, PF_INET 2, IPPROTO_IP 0) so the OID is the kernel's.
const V_nosameprefix = VNET_DEFINE("nosameprefix", () => ({ value: 0 }));
SYSCTL_NODE("", 4, "net", CTLFLAG_RW, null, "Network, (see socket.h)");
SYSCTL_NODE("net", AF_INET, "inet", CTLFLAG_RW, null, "Internet Family");
SYSCTL_NODE("net.inet", IPPROTO_IP, "ip", CTLFLAG_RW, null, "IP");
SYSCTL_INT(
  "net.inet.ip.no_same_prefix",
  CTLFLAG_RW | CTLFLAG_VNET,
  { get: () => VNET(V_nosameprefix).value, set: (v) => (VNET(V_nosameprefix).value = v) },
  "Refuse to create same prefixes on different interfaces",
);

/**
 * The allocation reference seed in.c:359 (ifa_alloc, refcount 1) takes and never drops: the
 * seed references the new address again for if_addrhead (line 411) and in_ifaddrhead (416),
 * and neither its success path nor fail1 releases the first one. Every address it makes thus
 * keeps one reference for ever. Reference audits count these as expected (14.x drops the
 * if_addrhead ifa_ref: "if_addrhead is already referenced by ifa_alloc()").
 */
const V_in_aifaddr_allocref = VNET_DEFINE("in_aifaddr_allocref", () => ({ count: 0 }));

/**
 * Whether `ifa` holds the seed's unreleased ifa_alloc reference (see V_in_aifaddr_allocref).
 * A flag on the address, not a set of them: the set grew by one on every SIOCAIFADDR.
 */
export function in_aifaddr_allocref_held(ifa: ifaddr): boolean {
  return ifa instanceof in_ifaddr && ifa.ia_allocref;
}

/** How many addresses ever took that reference: an audit's check that none was freed. */
export function in_aifaddr_allocref_count(): number {
  return VNET(V_in_aifaddr_allocref).count;
}

// seed in.c:94 in_localaddr
export function in_localaddr(inAddr: number): number {
  const i = inAddr >>> 0;
  for (const ia of curvnet().in_ifaddrhead) {
    if ((i & ia.ia_subnetmask) >>> 0 === ia.ia_subnet) return 1;
  }
  return 0;
}

// seed in.c:115 in_localip
export function in_localip(inAddr: number): number {
  const a = inAddr >>> 0;
  for (const ia of INADDR_HASH(curvnet(), a)) {
    if (IA_SIN(ia).sin_addr === a) return 1;
  }
  return 0;
}

// seed in.c:135 in_localip_more — another address with the same value, referenced.
export function in_localip_more(ia: in_ifaddr): in_ifaddr | null {
  const a = IA_SIN(ia).sin_addr;
  for (const it of INADDR_HASH(curvnet(), a)) {
    if (it !== ia && IA_SIN(it).sin_addr === a) {
      ifa_ref(it);
      return it;
    }
  }
  return null;
}

// seed in.c:159 in_canforward
export function in_canforward(inAddr: number): number {
  const i = inAddr >>> 0;
  if (IN_EXPERIMENTAL(i) || IN_MULTICAST(i) || IN_LINKLOCAL(i)) return 0;
  if (IN_CLASSA(i)) {
    const net = (i & IN_CLASSA_NET) >>> 0;
    if (net === 0 || net === (IN_LOOPBACKNET << IN_CLASSA_NSHIFT) >>> 0) return 0;
  }
  return 1;
}

/**
 * seed in.c:178 in_socktrim — sin_len becomes one past the last non-zero byte of sin_addr as
 * it sits in memory (network order, offsets 4-7), or 0 for an all-zero mask: /24 gives 7,
 * /16 gives 6, /32 gives 8. The trimmed length is what routing messages carry.
 */
export function in_socktrim(ap: SockaddrIn): void {
  const a = ap.sin_addr >>> 0;
  ap.sin_len = 0;
  for (let cp = 7; cp >= 4; cp--) {
    if ((a >>> ((7 - cp) * 8)) & 0xff) {
      ap.sin_len = cp + 1;
      break;
    }
  }
}

/** The user's ioctl struct: in_control is only ever handed copied-in bytes. */
function userBytes(data: IoctlData): Uint8Array {
  KASSERT(data instanceof Uint8Array, "in_control: data is not the copied-in ioctl struct");
  return data;
}

/** ifr_addr.sin_addr of an ifreq (bytes 20-23, network order) as a host-order number. */
function ifr_addr_s_addr(b: Uint8Array): number {
  return getN32(b, IFREQ_OFFSETS.ifr_addr + 4);
}

/** A sockaddr_in embedded in an ioctl struct whose size the ioctl layer has checked. */
function sinAt(bytes: Uint8Array, offset: number): SockaddrIn {
  const sin = decodeSockaddrIn(bytes, offset);
  KASSERT(!isDecodeError(sin), "ioctl struct shorter than IOCPARM_LEN");
  return sin;
}

// seed in.c:195 in_control
export function in_control(
  _so: unknown,
  cmd: number,
  data: IoctlData,
  ifp: ifnet | null,
  td: Thread | null,
): number {
  if (ifp === null) return EADDRNOTAVAIL;

  switch (cmd) {
    case SIOCGIFADDR:
    case SIOCGIFBRDADDR:
    case SIOCGIFDSTADDR:
    case SIOCGIFNETMASK:
      break;
    case SIOCDIFADDR:
      return in_difaddr_ioctl(data, ifp, td);
    case OSIOCAIFADDR:
    case SIOCAIFADDR:
      return in_aifaddr_ioctl(cmd, data, ifp, td);
    case SIOCSIFADDR:
    case SIOCSIFBRDADDR:
    case SIOCSIFDSTADDR:
    case SIOCSIFNETMASK:
      return EINVAL;
    default:
      if (ifp.if_ioctl === null) return EOPNOTSUPP;
      return ifp.if_ioctl(ifp, cmd, data);
  }

  // Only ifr_addr's sin_addr is consulted (seed 240-256): read in place, network order.
  const bytes = userBytes(data);
  KASSERT(bytes.length >= IFREQ_OFFSETS.ifr_addr + SOCKADDR_IN_SIZE, "ifreq shorter than IOCPARM_LEN");
  const addr = { sin_addr: ifr_addr_s_addr(bytes) };
  KASSERT(td !== null, "in_control: SIOCGIF* without a thread");
  if (addr.sin_addr !== INADDR_ANY && prison_check_ip4(td.td_ucred, addr.sin_addr) !== 0)
    return EADDRNOTAVAIL;

  // seed 248-262: SIOCGIFADDR (or a zero address) takes the first IPv4 address, the others
  // the named one.
  let ia: in_ifaddr | null = null;
  for (const ifa of ifp.if_addrhead) {
    if (sockaddrFamily(ifa.ifa_addr) !== AF_INET) continue;
    const it = ifa as in_ifaddr;
    if (cmd === SIOCGIFADDR || addr.sin_addr === INADDR_ANY || it.ia_addr.sin_addr === addr.sin_addr) {
      ia = it;
      break;
    }
  }
  if (ia === null) return EADDRNOTAVAIL;

  let out: SockaddrIn;
  switch (cmd) {
    case SIOCGIFADDR:
      out = ia.ia_addr;
      break;
    case SIOCGIFBRDADDR:
      if ((ifp.if_flags & IFF_BROADCAST) === 0) return EINVAL;
      out = ia.ia_broadaddr;
      break;
    case SIOCGIFDSTADDR:
      if ((ifp.if_flags & IFF_POINTOPOINT) === 0) return EINVAL;
      out = ia.ia_dstaddr;
      break;
    default:
      out = ia.ia_sockmask;
      break;
  }
  // seed 267/275/283/287: `*addr = ...`, a struct copy into the caller's ifreq.
  writeSockaddrIn(out, bytes, IFREQ_OFFSETS.ifr_addr);
  return 0;
}

// seed in.c:297 in_aifaddr_ioctl
function in_aifaddr_ioctl(cmd: number, data: IoctlData, ifp: ifnet, td: Thread | null): number {
  const bytes = userBytes(data);
  const decoded = cmd === SIOCAIFADDR ? decodeInAliasreq(bytes) : decodeOInAliasreq(bytes);
  KASSERT(!isDecodeError(decoded), "in_aliasreq shorter than IOCPARM_LEN");
  const ifra: InAliasreq = decoded;
  const addr = ifra.ifra_addr;
  const broadaddr = ifra.ifra_broadaddr;
  const mask = ifra.ifra_mask;
  const dstaddr = ifra.ifra_broadaddr; // in_var.h: #define ifra_dstaddr ifra_broadaddr
  const vhid = cmd === SIOCAIFADDR ? ifra.ifra_vhid : 0;
  KASSERT(td !== null, "in_aifaddr_ioctl: no thread");
  const v = curvnet();

  let error = priv_check(td, PRIV_NET_ADDIFADDR);
  if (error) return error;

  // seed 318-334: validation, in this order.
  if (addr.sin_len !== SOCKADDR_IN_SIZE || addr.sin_family !== AF_INET) return EINVAL;
  if (broadaddr.sin_len !== 0 && (broadaddr.sin_len !== SOCKADDR_IN_SIZE || broadaddr.sin_family !== AF_INET))
    return EINVAL;
  if (mask.sin_len !== 0 && (mask.sin_len !== SOCKADDR_IN_SIZE || mask.sin_family !== AF_INET)) return EINVAL;
  if (
    ifp.if_flags & IFF_POINTOPOINT &&
    (dstaddr.sin_len !== SOCKADDR_IN_SIZE || dstaddr.sin_addr === INADDR_ANY)
  )
    return EDESTADDRREQ;
  const attach = carp_attach_p();
  if (vhid > 0 && attach === null) return EPROTONOSUPPORT;

  // seed 339-354: any IPv4 address makes this not the first, matching or not.
  let iaIsFirst = true;
  let existing: in_ifaddr | null = null;
  for (const ifa of ifp.if_addrhead) {
    if (sockaddrFamily(ifa.ifa_addr) !== AF_INET) continue;
    const it = ifa as in_ifaddr;
    iaIsFirst = false;
    if (it.ia_addr.sin_addr === addr.sin_addr && prison_check_ip4(td.td_ucred, addr.sin_addr) === 0)
      existing = it;
  }
  if (existing !== null) in_difaddr_ioctl(data, ifp, td);

  const ia = ifa_alloc(new in_ifaddr(ifp));
  ia.ia_allocref = true;
  VNET(V_in_aifaddr_allocref).count++;
  ia.ifa_addr = ia.ia_addr;
  ia.ifa_dstaddr = ia.ia_dstaddr;
  ia.ifa_netmask = ia.ia_sockmask;

  ia.ia_ifp = ifp;
  ia.ifa_metric = ifp.if_metric;
  ia.ia_addr = addr;
  if (mask.sin_len !== 0) {
    ia.ia_sockmask = mask;
    ia.ia_subnetmask = ia.ia_sockmask.sin_addr >>> 0;
  } else {
    // seed 371-384: classful guess; only s_addr of the zeroed ia_sockmask is written, so its
    // sin_family stays 0 (and sin_len is what in_socktrim makes of it).
    const i = addr.sin_addr >>> 0;
    if (IN_CLASSA(i)) ia.ia_subnetmask = IN_CLASSA_NET;
    else if (IN_CLASSB(i)) ia.ia_subnetmask = IN_CLASSB_NET;
    else ia.ia_subnetmask = IN_CLASSC_NET;
    ia.ia_sockmask.sin_addr = ia.ia_subnetmask;
  }
  ia.ia_subnet = (addr.sin_addr & ia.ia_subnetmask) >>> 0;
  in_socktrim(ia.ia_sockmask);

  if (ifp.if_flags & IFF_BROADCAST) {
    if (broadaddr.sin_len !== 0) {
      ia.ia_broadaddr = broadaddr;
    } else if (ia.ia_subnetmask === IN_RFC3021_MASK) {
      ia.ia_broadaddr.sin_addr = INADDR_BROADCAST;
      ia.ia_broadaddr.sin_len = SOCKADDR_IN_SIZE;
      ia.ia_broadaddr.sin_family = AF_INET;
    } else {
      ia.ia_broadaddr.sin_addr = (ia.ia_subnet | ~ia.ia_subnetmask) >>> 0;
      ia.ia_broadaddr.sin_len = SOCKADDR_IN_SIZE;
      ia.ia_broadaddr.sin_family = AF_INET;
    }
  }

  // ia_dstaddr and ia_broadaddr are one field: these overwrite the broadcast address.
  if (ifp.if_flags & IFF_POINTOPOINT) ia.ia_dstaddr = dstaddr;
  if (ifp.if_flags & IFF_LOOPBACK) ia.ia_dstaddr = ia.ia_addr;

  ifa_ref(ia); // if_addrhead
  ifp.if_addrhead.push(ia);
  ifa_ref(ia); // in_ifaddrhead
  in_ifaddr_link(v, ia);

  // seed 422-506 with its labels as ordered steps: reaching failN runs every step from N on.
  let fail = 0;
  if (vhid !== 0) {
    if (attach === null) {
      throw new KernelPanic(`seed in.c:423 calls carp_attach_p while NULL (vhid ${vhid}): the kernel faults`);
    }
    error = attach(ia, vhid);
  }
  if (error) fail = 1;

  if (!fail && ifp.if_ioctl !== null) error = ifp.if_ioctl(ifp, SIOCSIFADDR, ia);
  if (!fail && error) fail = 2;

  if (!fail && vhid === 0) {
    let flags = RTF_UP;
    if (ifp.if_flags & (IFF_LOOPBACK | IFF_POINTOPOINT)) flags |= RTF_HOST;
    error = in_addprefix(ia, flags);
    if (error) fail = 2;
  }

  if (
    !fail &&
    vhid === 0 &&
    (ifp.if_flags & IFF_LOOPBACK) === 0 &&
    ia.ia_addr.sin_addr !== INADDR_ANY &&
    !(ifp.if_flags & IFF_POINTOPOINT && ia.ia_dstaddr.sin_addr === ia.ia_addr.sin_addr)
  ) {
    const eia = in_localip_more(ia);
    if (eia === null) {
      error = ifa_add_loopback_route(ia, ia.ia_addr);
      if (error) fail = 3;
    } else {
      ifa_free(eia);
    }
  }

  if (!fail) {
    if (iaIsFirst && ifp.if_flags & IFF_MULTICAST) {
      const ii = ifp.if_afdata[AF_INET];
      KASSERT(ii !== null, "in_aifaddr_ioctl: no in_ifinfo");
      const r = in_joingroup(ifp, INADDR_ALLHOSTS_GROUP, null);
      error = r.error;
      if (error === 0) ii.ii_allhosts = r.inm;
    }
    EVENTHANDLER_INVOKE("ifaddr_event", ifp);
    return error;
  }

  if (fail === 3 && vhid === 0) in_scrubprefix(ia, LLE_STATIC);
  if (fail >= 2 && ia.ifa_carp !== null) {
    const detach = carp_detach_p();
    KASSERT(detach !== null, "ifa_carp set while carp_detach_p is NULL");
    detach(ia);
  }
  const linked = list_remove(ifp.if_addrhead, ia);
  KASSERT(linked, "fail1: address not on if_addrhead");
  ifa_free(ia);
  in_ifaddr_unlink(v, ia);
  ifa_free(ia);
  return error;
}

// seed in.c:510 in_difaddr_ioctl
function in_difaddr_ioctl(data: IoctlData, ifp: ifnet, td: Thread | null): number {
  const addr = sinAt(userBytes(data), IFREQ_OFFSETS.ifr_addr);
  const v = curvnet();

  if (td !== null) {
    const error = priv_check(td, PRIV_NET_DELIFADDR);
    if (error) return error;
  }

  const deleteAny = addr.sin_len !== SOCKADDR_IN_SIZE || addr.sin_family !== AF_INET;

  // seed 532-553: the named address (or, for delete-any, the first the jail may see); the
  // address is the last only if no other IPv4 address was passed on the way.
  let iaIsLast = true;
  let ia: in_ifaddr | null = null;
  for (const ifa of ifp.if_addrhead) {
    if (sockaddrFamily(ifa.ifa_addr) !== AF_INET) continue;
    const it = ifa as in_ifaddr;
    if (deleteAny && ia === null && (td === null || prison_check_ip4(td.td_ucred, it.ia_addr.sin_addr) === 0))
      ia = it;
    if (
      it.ia_addr.sin_addr === addr.sin_addr &&
      (td === null || prison_check_ip4(td.td_ucred, addr.sin_addr) === 0)
    )
      ia = it;
    if (it !== ia) iaIsLast = false;
  }
  if (ia === null) return EADDRNOTAVAIL;

  list_remove(ifp.if_addrhead, ia);
  ifa_free(ia); // if_addrhead
  in_ifaddr_unlink(v, ia);
  ifa_free(ia); // in_ifaddrhead

  in_scrubprefix(ia, LLE_STATIC);
  in_ifadown(ia, 1);

  if (ia.ifa_carp !== null) {
    const detach = carp_detach_p();
    KASSERT(detach !== null, "ifa_carp set while carp_detach_p is NULL");
    detach(ia);
  }

  if (iaIsLast && ifp.if_flags & IFF_MULTICAST) {
    const ii = ifp.if_afdata[AF_INET];
    KASSERT(ii !== null, "in_difaddr_ioctl: no in_ifinfo");
    if (ii.ii_allhosts !== null) {
      in_leavegroup_locked(ii.ii_allhosts, null);
      ii.ii_allhosts = null;
    }
  }

  EVENTHANDLER_INVOKE("ifaddr_event", ifp);
  return 0;
}

// seed in.c:608 rtinitflags
function rtinitflags(ia: in_ifaddr): number {
  return (ia.ia_ifp.if_flags & (IFF_LOOPBACK | IFF_POINTOPOINT)) !== 0 ? RTF_HOST : 0;
}

/**
 * seed in.c:616 in_addralias_rtmsg — announces an alias's share of an existing prefix route:
 * a copy of whatever route the prefix looks up to, its gateway pointed at the alias address.
 */
function in_addralias_rtmsg(cmd: number, prefix: number, target: in_ifaddr): void {
  const ro: route = {
    ro_rt: null,
    ro_dst: { sin_len: SOCKADDR_IN_SIZE, sin_family: AF_INET, sin_port: 0, sin_addr: prefix >>> 0 },
    ro_flags: 0,
  };
  rtalloc_ign_fib(ro, 0, 0);
  if (ro.ro_rt !== null) {
    const msg_rt: rtentry = { ...ro.ro_rt, rt_gateway: target.ia_addr };
    rt_newaddrmsg(cmd, target, 0, msg_rt);
    RTFREE(ro.ro_rt);
  }
}

/** The prefix and mask (s_addr values, host order here) a route for `ia` covers. */
function iaPrefix(ia: in_ifaddr, host: boolean): { prefix: number; mask: number } {
  if (host) return { prefix: ia.ia_dstaddr.sin_addr, mask: 0 };
  const mask = ia.ia_sockmask.sin_addr >>> 0;
  return { prefix: (ia.ia_addr.sin_addr & mask) >>> 0, mask };
}

/** seed 671-685 / 774-788: does `ia` have the prefix (and mask) being looked for? */
function samePrefix(ia: in_ifaddr, prefix: number, mask: number): boolean {
  if (rtinitflags(ia)) return prefix === ia.ia_dstaddr.sin_addr;
  // iaPrefix(ia, false), without a record per address walked.
  const m = ia.ia_sockmask.sin_addr >>> 0;
  return mask === m && prefix === (ia.ia_addr.sin_addr & m) >>> 0;
}

// seed in.c:655 in_addprefix
export function in_addprefix(target: in_ifaddr, flags: number): number {
  const { prefix, mask } = iaPrefix(target, (flags & RTF_HOST) !== 0);

  for (const ia of curvnet().in_ifaddrhead) {
    if (!samePrefix(ia, prefix, mask)) continue;
    // Another address already installed this prefix's route (RADIX_MPATH not compiled in).
    if (ia.ia_flags & IFA_ROUTE) {
      if (VNET(V_nosameprefix).value) return EEXIST;
      in_addralias_rtmsg(RTM_ADD, prefix, target);
      return 0;
    }
  }

  const error = rtinit(target, RTM_ADD, flags);
  if (!error) target.ia_flags |= IFA_ROUTE;
  return error;
}

// seed in.c:727 in_scrubprefix
export function in_scrubprefix(target: in_ifaddr, flags: number): number {
  let error = 0;

  // seed 737-757: the loopback route to the address, and its ARP entry.
  if (
    target.ia_addr.sin_addr !== INADDR_ANY &&
    !(target.ia_ifp.if_flags & IFF_LOOPBACK) &&
    flags & LLE_STATIC
  ) {
    const eia = in_localip_more(target);
    if (eia !== null) {
      error = ifa_switch_loopback_route(eia, target.ia_addr);
      ifa_free(eia);
    } else {
      error = ifa_del_loopback_route(target, target.ia_addr);
    }
    if (!(target.ia_ifp.if_flags & IFF_NOARP)) arp_ifscrub(target.ia_ifp, IA_SIN(target).sin_addr);
  }

  const { prefix, mask } = iaPrefix(target, rtinitflags(target) !== 0);

  if ((target.ia_flags & IFA_ROUTE) === 0) {
    in_addralias_rtmsg(RTM_DELETE, prefix, target);
    return 0;
  }

  // seed 773-817: hand the route to another address with the prefix on an up interface.
  for (const ia of curvnet().in_ifaddrhead) {
    if (!samePrefix(ia, prefix, mask)) continue;
    if ((ia.ia_ifp.if_flags & IFF_UP) === 0) continue;
    if ((ia.ia_flags & IFA_ROUTE) === 0) {
      ifa_ref(ia);
      error = rtinit(target, RTM_DELETE, rtinitflags(target));
      if (error === 0) target.ia_flags &= ~IFA_ROUTE;
      else log(LOG_INFO, `in_scrubprefix: err=${error}, old prefix delete failed`);
      error = rtinit(ia, RTM_ADD, rtinitflags(ia) | RTF_UP);
      if (error === 0) ia.ia_flags |= IFA_ROUTE;
      else log(LOG_INFO, `in_scrubprefix: err=${error}, new prefix add failed`);
      ifa_free(ia);
      return error;
    }
  }

  // seed 824-833: prefix0/mask0 carry host-order ia_subnet/ia_subnetmask in s_addr; in the
  // twin's host-order sin_addr that is the byte-swapped value (see in_lltable_prefix_free).
  const prefix0: SockaddrIn = {
    sin_len: SOCKADDR_IN_SIZE,
    sin_family: AF_INET,
    sin_port: 0,
    sin_addr: in_addr_memory(target.ia_subnet),
  };
  const mask0: SockaddrIn = {
    sin_len: SOCKADDR_IN_SIZE,
    sin_family: AF_INET,
    sin_port: 0,
    sin_addr: in_addr_memory(target.ia_subnetmask),
  };
  lltable_prefix_free(AF_INET, prefix0, mask0, flags);

  error = rtinit(target, RTM_DELETE, rtinitflags(target));
  if (error === 0) target.ia_flags &= ~IFA_ROUTE;
  else log(LOG_INFO, `in_scrubprefix: err=${error}, prefix delete failed`);
  return error;
}

// seed in.c:852 in_broadcast
export function in_broadcast(inAddr: number, ifp: ifnet): number {
  const a = inAddr >>> 0;
  if (a === INADDR_BROADCAST || a === INADDR_ANY) return 1;
  if ((ifp.if_flags & IFF_BROADCAST) === 0) return 0;
  const t = a;
  for (const ifa of ifp.if_addrhead) {
    if (sockaddrFamily(ifa.ifa_addr) !== AF_INET) continue;
    const ia = ifa as in_ifaddr;
    if (
      (a === ia.ia_broadaddr.sin_addr || (ia.ia_subnetmask !== IN_RFC3021_MASK && t === ia.ia_subnet)) &&
      ia.ia_subnetmask !== 0xffffffff
    )
      return 1;
  }
  return 0;
}

/**
 * seed in.c:892 in_ifdetach. The seed first purges the raw IP and UDP PCBs' multicast
 * memberships on `ifp` (in_pcbpurgeif0); the twin has no IPv4 sockets, so those lists are
 * empty and only in_purgemaddrs remains.
 */
export function in_ifdetach(ifp: ifnet): void {
  in_purgemaddrs(ifp);
}

// seed in.c:908 in_purgemaddrs
function in_purgemaddrs(ifp: ifnet): void {
  // LIST_INSERT_HEAD: released in reverse order of if_multiaddrs.
  const purgeinms: in_multi[] = [];
  for (const ifma of ifp.if_multiaddrs) {
    if (sockaddrFamily(ifma.ifma_addr) !== AF_INET || ifma.ifma_protospec === null) continue;
    purgeinms.unshift(ifma.ifma_protospec as in_multi);
  }
  for (const inm of purgeinms) inm_release_locked(inm);
  igmp_ifdetach(ifp);
}

// seed in.c:958 in_lltable_free — lle_free for IPv4 entries: nothing to do but forget it.
function in_lltable_free(_llt: lltable | null, lle: llentry): void {
  KASSERT(!lle.lle_freed, "in_lltable_free: double free");
}

// seed in.c:966 in_lltable_new — an expired entry (la_expire = now) with one reference.
function in_lltable_new(l3addr: SockaddrIn, _flags: number): llentry {
  const v = curvnet();
  return {
    lle_tbl: null,
    lle_head: null,
    lle_free: in_lltable_free,
    la_hold: [],
    la_numheld: 0,
    la_expire: v.clock.time_uptime,
    la_flags: 0,
    la_asked: 0,
    la_preempt: 0,
    lle_refcnt: 1,
    ll_addr: new Uint8Array(LL_ADDR_SIZE),
    la_timer: new Callout(v.clock),
    l3_addr: { ...l3addr },
    lle_freed: false,
  };
}

/**
 * seed in.c:989 IN_ARE_MASKED_ADDR_EQUAL: ((ntohl(d) ^ a) & m) == 0 on raw s_addr values.
 * `d` is the entry's address (network order in s_addr, so ntohl gives the host-order value);
 * `a` and `m` (passed as those raw s_addr values) come from in_scrubprefix, whose s_addr hold
 * host-order ia_subnet and ia_subnetmask. Each side is thus host order and the test is an ordinary prefix match; on
 * amd64 the raw s_addr of a twin SockaddrIn is in_addr_memory(sin_addr).
 */
function IN_ARE_MASKED_ADDR_EQUAL(d: SockaddrIn, raw_a: number, raw_m: number): boolean {
  const ntohl_d = d.sin_addr >>> 0;
  return ((ntohl_d ^ raw_a) & raw_m) >>> 0 === 0;
}

// seed in.c:993 in_lltable_prefix_free
function in_lltable_prefix_free(llt: lltable, pfx: SockaddrIn, msk: SockaddrIn, flags: number): void {
  // A table with no entries: the walk of its buckets would find nothing.
  if (llt.llt_entries === 0) return;
  // The raw s_addr of each, read once for the whole walk.
  const raw_a = in_addr_memory(pfx.sin_addr);
  const raw_m = in_addr_memory(msk.sin_addr);
  for (const chain of llt.lle_head) {
    // LIST_FOREACH_SAFE: llentry_free unlinks `lle`; the walk then stays at its index.
    for (let i = 0; i < chain.length;) {
      const lle = chain[i];
      // LLE_STATIC in flags deletes static entries too.
      if (
        IN_ARE_MASKED_ADDR_EQUAL(lle.l3_addr, raw_a, raw_m) &&
        (flags & LLE_STATIC || !(lle.la_flags & LLE_STATIC))
      ) {
        if (lle.la_timer.callout_stop()) LLE_REMREF(lle);
        ARPSTAT_ADD("dropped", llentry_free(lle));
      }
      if (chain[i] === lle) i++;
    }
  }
}

// seed in.c:1025 in_lltable_rtcheck
function in_lltable_rtcheck(ifp: ifnet, _flags: number, l3addr: SockaddrIn): number {
  KASSERT(l3addr.sin_family === AF_INET, "in_lltable_rtcheck: not an AF_INET address");

  const rt = rtalloc1(l3addr, 0, 0);
  if (rt === null) return EINVAL;

  // seed 1044-1053: a gateway route passes only as an Ethernet host route whose gateway
  // matches the address. The memcmp covers sizeof(in_addr_t) bytes of sa_data, which for a
  // sockaddr_in are sin_port and the first two bytes of sin_addr (offsets 2-5), not the address.
  if (rt.rt_flags & RTF_GATEWAY) {
    const gw = sa_image(rt.rt_gateway);
    const l3 = sa_image(l3addr);
    const sameData = [2, 3, 4, 5].every((i) => gw[i] === l3[i]);
    if (
      !(rt.rt_flags & RTF_HOST) ||
      rt.rt_ifp.if_type !== IFT_ETHER ||
      (rt.rt_ifp.if_flags & (IFF_NOARP | IFF_STATICARP)) !== 0 ||
      !sameData
    ) {
      RTFREE_LOCKED(rt);
      return EINVAL;
    }
  }

  // seed 1062-1091: a network route on another interface must cover the address, compared
  // byte by byte over sin_len bytes of key, mask and address.
  if (!(rt.rt_flags & RTF_HOST) && rt.rt_ifp !== ifp) {
    const maskSa = rt.rt_mask;
    if (maskSa === null) {
      RTFREE_LOCKED(rt);
      return EINVAL;
    }
    // rt_mask is the radix copy: trimmed length in byte 0, ones over the bytes before the
    // address (family, port); bytes past its length are zero.
    const sa = sa_image(rt.rt_key);
    const mask = sa_image(maskSa);
    const addr = sa_image(l3addr);
    const at = (b: Uint8Array, i: number): number => (i < b.length ? b[i] : 0);
    for (let i = 0; i < l3addr.sin_len; i++) {
      if ((at(sa, i) ^ at(addr, i)) & at(mask, i)) {
        RTFREE_LOCKED(rt);
        return EINVAL;
      }
    }
  }

  RTFREE_LOCKED(rt);
  return 0;
}

// seed in.c:1102 in_lltable_lookup
function in_lltable_lookup(llt: lltable, flags: number, l3addr: SockaddrIn): lla_lookup_result {
  const ifp = llt.llt_ifp;
  KASSERT(l3addr.sin_family === AF_INET, "in_lltable_rtcheck: not an AF_INET address");

  const hashkey = in_addr_memory(l3addr.sin_addr);
  const lleh = llt.lle_head[LLATBL_HASH(hashkey, LLTBL_HASHMASK)];
  let lle: llentry | null = null;
  for (const e of lleh) {
    if (e.la_flags & LLE_DELETED) continue;
    if (e.l3_addr.sin_addr === l3addr.sin_addr) {
      lle = e;
      break;
    }
  }

  if (lle === null) {
    if (!(flags & LLE_CREATE)) return null;
    // A covering route must already exist, since this is a resolution.
    if (!(flags & LLE_IFADDR) && in_lltable_rtcheck(ifp, flags, l3addr) !== 0) return null;

    const created = in_lltable_new(l3addr, flags);
    created.la_flags = flags & ~LLE_CREATE;
    if ((flags & (LLE_CREATE | LLE_IFADDR)) === (LLE_CREATE | LLE_IFADDR)) {
      bcopy(IF_LLADDR(ifp), created.ll_addr, 0, ifp.if_addrlen);
      created.la_flags |= LLE_VALID | LLE_STATIC;
    }
    created.lle_tbl = llt;
    created.lle_head = lleh;
    llt.llt_entries++;
    created.la_flags |= LLE_LINKED;
    lleh.unshift(created);
    return created;
  }

  if (flags & LLE_DELETE) {
    if (!(lle.la_flags & LLE_IFADDR) || flags & LLE_IFADDR) {
      lle.la_flags |= LLE_DELETED;
      EVENTHANDLER_INVOKE("lle_event", lle, LLENTRY_DELETED);
      if ((lle.la_flags & (LLE_STATIC | LLE_IFADDR)) === LLE_STATIC) llentry_free(lle);
    }
    return LLE_DELETED_PTR;
  }
  // LLE_EXCLUSIVE only picks the lock mode (seed 1171-1176); locks are not modelled.
  return lle;
}

/**
 * seed in.c:1182 in_lltable_dump — one RTM_GET message per live entry: rt_msghdr, sockaddr_in
 * and a full-size sockaddr_dl in a zeroed struct. sizeof that struct on amd64 (152 + 16 + 54,
 * rounded to 8) is 224, which is also what rt_msg layout (sockaddrs rounded by SA_SIZE) gives,
 * so encodeRoutingMessage reproduces it byte for byte.
 */
function in_lltable_dump(llt: lltable, wr: SysctlReq): number {
  const ifp = llt.llt_ifp;
  for (const chain of llt.lle_head) {
    for (const lle of chain) {
      if ((lle.la_flags & LLE_DELETED) === LLE_DELETED) continue;
      if (prison_if(wr.td.td_ucred, lle.l3_addr) !== 0) continue;

      let rtm_flags = RTF_UP;
      if (lle.la_flags & LLE_PUB) rtm_flags |= RTF_ANNOUNCE;
      const valid = (lle.la_flags & LLE_VALID) === LLE_VALID;
      const sdl = sockaddrDl({
        index: ifp.if_index,
        type: ifp.if_type,
        lladdr: valid ? lle.ll_addr.slice(0, ifp.if_addrlen) : new Uint8Array(0),
        len: SOCKADDR_DL_SIZE,
      });
      const rtm_rmx = emptyRtMetrics();
      rtm_rmx.rmx_expire = lle.la_flags & LLE_STATIC ? 0n : BigInt.asUintN(64, BigInt(lle.la_expire));
      rtm_flags |= RTF_HOST | RTF_LLDATA;
      if (lle.la_flags & LLE_STATIC) rtm_flags |= RTF_STATIC;

      const arpc = encodeRoutingMessage({
        kind: "rt",
        hdr: {
          rtm_msglen: 0,
          rtm_version: RTM_VERSION,
          rtm_type: RTM_GET,
          rtm_index: ifp.if_index,
          rtm_flags,
          rtm_addrs: RTA_DST | RTA_GATEWAY,
          rtm_pid: 0,
          rtm_seq: 0,
          rtm_errno: 0,
          rtm_fmask: 0,
          rtm_inits: 0n,
          rtm_rmx,
        },
        addrs: { dst: sockaddrIn(lle.l3_addr.sin_addr), gateway: sdl },
      });
      // seed 1247-1249 only breaks out of this bucket, and each later bucket's first SYSCTL_OUT
      // fails the same way (kern_sysctl.c sysctl_old_user copies nothing once the buffer is
      // full): the copied bytes and the errno are those of returning here.
      const error = wr.SYSCTL_OUT(arpc);
      if (error) return error;
    }
  }
  return 0;
}

// seed in.c:1257 in_domifattach
export function in_domifattach(ifp: ifnet): in_ifinfo {
  const ii: in_ifinfo = { ii_llt: null, ii_igmp: null, ii_allhosts: null };
  const llt = lltable_init(ifp, AF_INET);
  llt.llt_prefix_free = in_lltable_prefix_free;
  llt.llt_lookup = in_lltable_lookup;
  llt.llt_dump = in_lltable_dump;
  ii.ii_llt = llt;
  ii.ii_igmp = igmp_domifattach(ifp);
  return ii;
}

// seed in.c:1278 in_domifdetach
export function in_domifdetach(ifp: ifnet, ii: in_ifinfo): void {
  igmp_domifdetach(ifp);
  KASSERT(ii.ii_llt !== null, "in_domifdetach: no lltable");
  lltable_free(ii.ii_llt);
}
