// Kernel routing table (10.4 sys/net/route.c, route.h): route entries and their reference
// counts, lookups, rtrequest1_fib's add/delete, rtinit for interface routes, and the address
// announcements. Only FIB 0 exists (a GENERIC kernel has ROUTETABLES=1, so rt_numfibs is 1).

import {
  EADDRINUSE,
  EAFNOSUPPORT,
  EEXIST,
  EHOSTUNREACH,
  EINVAL,
  ENETUNREACH,
  EOPNOTSUPP,
  ESRCH,
} from "../../abi/errno.ts";
import {
  RTF_GATEWAY,
  RTF_HOST,
  RTF_PINNED,
  RTF_RNH_LOCKED,
  RTF_UP,
  RTM_ADD,
  RTM_DELETE,
  RTM_MISS,
  RTM_RESOLVE,
} from "../../abi/route_defs.ts";
import { RTAX_DST, RTAX_GATEWAY, RTAX_IFA, RTAX_IFP, RTAX_NETMASK } from "../../abi/route_defs.ts";
import {
  AF_INET,
  AF_LINK,
  AF_UNSPEC,
  isSockaddrDl,
  isSockaddrIn,
  sockaddrFamily,
  sockaddrLen,
} from "../../abi/socket.ts";
import type { Sockaddr, SockaddrDl } from "../../abi/socket.ts";
import { domains } from "../kern/domain.ts";
import { KASSERT } from "../kern/invariant.ts";
import {
  ifa_free,
  ifa_ifwithaddr,
  ifa_ifwithdstaddr_fib,
  ifa_ifwithnet_fib,
  ifa_ref,
  ifaof_ifpforaddr,
} from "./if.ts";
import type { ifaddr, ifnet } from "./if_var.ts";
import { IFA_RTSELF } from "./if_var.ts";
import { radix_node_head, rt_maskedcopy, sa_copy, type radix_entry } from "./radix.ts";
import { rt_missmsg_fib, rt_newaddrmsg_fib } from "./rtsock.ts";
import { VNET, VNET_DEFINE } from "./vnet.ts";
import { list_remove } from "../sys/queue.ts";

// route.h
export const RT_DEFAULT_FIB = 0;
export const RT_ALL_FIBS = -1;
/** route.c rt_numfibs: RT_NUMFIBS is 1 without "options ROUTETABLES". */
export const rt_numfibs = 1;

// route.h: struct rtentry (rt_nodes holds the key and the radix-normalized mask)
export interface rtentry {
  /** rt_key(rt): the destination (masked with the netmask for network routes). */
  rt_key: Sockaddr;
  /** rt_mask(rt): the mask as the radix tree keeps it (see radix.ts rn_addmask); null for hosts. */
  rt_mask: Sockaddr | null;
  rt_gateway: Sockaddr;
  rt_ifp: ifnet;
  rt_ifa: ifaddr;
  rt_flags: number;
  rt_refcnt: number;
  rt_fibnum: number;
  rt_mtu: number;
  rt_weight: number;
  /** time_uptime at which the route expires; 0 for never. */
  rt_expire: number;
  rt_pksent: number;
}

// route.h: struct rt_addrinfo
export interface rt_addrinfo {
  rti_addrs: number;
  /** Indexed by RTAX_*. */
  rti_info: (Sockaddr | null)[];
  rti_flags: number;
  rti_ifa: ifaddr | null;
  rti_ifp: ifnet | null;
}

export function rt_addrinfo_zero(): rt_addrinfo {
  return {
    rti_addrs: 0,
    // One slot per RTAX_* (RTAX_MAX of them), written out: this runs on every route request.
    rti_info: [null, null, null, null, null, null, null, null],
    rti_flags: 0,
    rti_ifa: null,
    rti_ifp: null,
  };
}

// route.h: struct route — a cached lookup as rtalloc_ign_fib fills it
export interface route {
  ro_rt: rtentry | null;
  ro_dst: Sockaddr;
  ro_flags: number;
}

/**
 * A family's table: the radix head plus the method slots a domain may override (rnh_addaddr,
 * rnh_close), as struct radix_node_head carries them.
 */
export interface rib_head {
  rnh: radix_node_head<rtentry>;
  /** Inserts rt (key and gateway already set); false means the key and mask exist (EEXIST). */
  rnh_addaddr: (rt: rtentry, netmask: Sockaddr | null, head: rib_head) => boolean;
  rnh_close: ((rt: rtentry, head: rib_head) => void) | null;
  /** Best match for a destination (rn_match, or a domain's wrapper such as in_matroute). */
  rnh_matchaddr: (dst: Sockaddr, head: rib_head) => rtentry | null;
}

/** radix.c rn_match as the default rnh_matchaddr. */
export function rn_match(dst: Sockaddr, head: rib_head): rtentry | null {
  return entryRt(head.rnh.rn_match(dst));
}

/** radix.c rn_addroute as the default rnh_addaddr. */
export function rn_addroute(rt: rtentry, netmask: Sockaddr | null, head: rib_head): boolean {
  const e = head.rnh.rn_addroute(rt.rt_key, netmask, rt);
  if (e === null) return false;
  rt.rt_mask = e.mask;
  return true;
}

interface RouteState {
  /** V_rt_tables[0][af], made by each domain's dom_rtattach; indexed by family, as in C. */
  tables: (rib_head | undefined)[];
  /**
   * V_rttrash: entries out of the table but not yet freed, for leak checks. Rarely more than
   * one at a time (a delete holds its route only until rtinit1 frees it), so a plain array:
   * a Set costs more per add and delete at that size.
   */
  rttrash: rtentry[];
  rts_unreach: number;
}

const V_route = VNET_DEFINE<RouteState>("rt_tables", () => {
  const tables: (rib_head | undefined)[] = [];
  for (const dom of domains) if (dom.dom_rtattach !== null) tables[dom.dom_family] = dom.dom_rtattach();
  return { tables, rttrash: [], rts_unreach: 0 };
});

// route.c: rt_tables_get_rnh
export function rt_tables_get_rnh(fibnum: number, fam: number): rib_head | null {
  KASSERT(fibnum >= 0 && fibnum < rt_numfibs, "rt_tables_get_rnh: fib out of bounds");
  return VNET(V_route).tables[fam] ?? null;
}

/** Routes removed from the table whose storage is still referenced (V_rttrash). */
export function rt_trash(): readonly rtentry[] {
  return VNET(V_route).rttrash;
}

function entryRt(e: radix_entry<rtentry> | null): rtentry | null {
  return e === null ? null : e.value;
}

// route.c: rtalloc_ign_fib — fills ro->ro_rt with a referenced route, reusing a usable one.
export function rtalloc_ign_fib(ro: route, ignore: number, fibnum: number): void {
  const rt = ro.ro_rt;
  if (rt !== null) {
    if (rt.rt_flags & RTF_UP) return;
    RTFREE(rt);
    ro.ro_rt = null;
  }
  ro.ro_rt = rtalloc1_fib(ro.ro_dst, 1, ignore, fibnum);
}

// route.c: rtalloc1
export function rtalloc1(dst: Sockaddr, report: number, ignflags: number): rtentry | null {
  return rtalloc1_fib(dst, report, ignflags, RT_DEFAULT_FIB);
}

// route.c: rtalloc1_fib — the best match, referenced; a miss is reported with RTM_MISS.
export function rtalloc1_fib(
  dst: Sockaddr,
  report: number,
  ignflags: number,
  fibnum: number,
): rtentry | null {
  if (sockaddrFamily(dst) !== AF_INET) fibnum = RT_DEFAULT_FIB;
  void ignflags; // RTF_RNH_LOCKED only says which locks are held
  const rnh = rt_tables_get_rnh(fibnum, sockaddrFamily(dst));
  if (rnh !== null) {
    const newrt = rnh.rnh_matchaddr(dst, rnh);
    if (newrt !== null) {
      newrt.rt_refcnt++;
      return newrt;
    }
  }
  VNET(V_route).rts_unreach++;
  if (report) {
    const info = rt_addrinfo_zero();
    info.rti_info[RTAX_DST] = dst;
    rt_missmsg_fib(RTM_MISS, info, 0, 0, fibnum);
  }
  return null;
}

// route.c: rtfree — drops a reference; the last one frees a route already out of the table.
export function rtfree(rt: rtentry): void {
  const rnh = rt_tables_get_rnh(rt.rt_fibnum, sockaddrFamily(rt.rt_key));
  KASSERT(rnh !== null, "rtfree: no table");
  rt.rt_refcnt--;
  if (rt.rt_refcnt > 0) return;
  KASSERT(rt.rt_refcnt === 0, "rtfree: negative refcount");
  if (rnh.rnh_close !== null) rnh.rnh_close(rt, rnh);
  if ((rt.rt_flags & RTF_UP) === 0) {
    const trash = VNET(V_route).rttrash;
    const linked = list_remove(trash, rt);
    KASSERT(linked, "rtfree: freeing a route that is not in rttrash");
    ifa_free(rt.rt_ifa);
  }
}

// route.h: RTFREE_LOCKED / RTFREE
export function RTFREE(rt: rtentry): void {
  if (rt.rt_refcnt <= 1) rtfree(rt);
  else rt.rt_refcnt--;
}

// route.h: RTFREE_LOCKED (locks are not modelled, so it is RTFREE)
export const RTFREE_LOCKED = RTFREE;

// route.h: RT_REMREF
export function RT_REMREF(rt: rtentry): void {
  KASSERT(rt.rt_refcnt > 0, "RT_REMREF: refcount underflow");
  rt.rt_refcnt--;
}

// route.c: ifa_ifwithroute_fib — the (referenced) address a new route goes through.
export function ifa_ifwithroute_fib(
  flags: number,
  dst: Sockaddr,
  gateway: Sockaddr,
  fibnum: number,
): ifaddr | null {
  let ifa: ifaddr | null = null;
  if ((flags & RTF_GATEWAY) === 0) {
    if (flags & RTF_HOST) ifa = ifa_ifwithdstaddr_fib(dst, fibnum);
    if (ifa === null) ifa = ifa_ifwithaddr(gateway);
  } else {
    ifa = ifa_ifwithdstaddr_fib(gateway, fibnum);
  }
  if (ifa === null) ifa = ifa_ifwithnet_fib(gateway, 0, fibnum);
  if (ifa === null) {
    const rt = rtalloc1_fib(gateway, 0, RTF_RNH_LOCKED, fibnum);
    if (rt === null) return null;
    // A gateway only reachable through the default route does not count.
    const notFound =
      sockaddrFamily(gateway) === AF_INET && isSockaddrIn(rt.rt_key) && rt.rt_key.sin_addr === 0;
    if (!notFound) {
      ifa = rt.rt_ifa;
      ifa_ref(ifa);
    }
    RT_REMREF(rt);
    if (notFound || ifa === null) return null;
  }
  if (sockaddrFamily(ifa.ifa_addr) !== sockaddrFamily(dst)) {
    const oifa = ifa;
    ifa = ifaof_ifpforaddr(dst, ifa.ifa_ifp);
    if (ifa === null) ifa = oifa;
    else ifa_free(oifa);
  }
  return ifa;
}

// route.c: rtrequest_fib
export function rtrequest_fib(
  req: number,
  dst: Sockaddr,
  gateway: Sockaddr | null,
  netmask: Sockaddr | null,
  flags: number,
  ret_nrt: { rt: rtentry | null } | null,
  fibnum: number,
): number {
  if (sockaddrLen(dst) === 0) return EINVAL;
  const info = rt_addrinfo_zero();
  info.rti_flags = flags;
  info.rti_info[RTAX_DST] = dst;
  info.rti_info[RTAX_GATEWAY] = gateway;
  info.rti_info[RTAX_NETMASK] = netmask;
  return rtrequest1_fib(req, info, ret_nrt, fibnum);
}

// route.c: rtrequest
export function rtrequest(
  req: number,
  dst: Sockaddr,
  gateway: Sockaddr | null,
  netmask: Sockaddr | null,
  flags: number,
  ret_nrt: { rt: rtentry | null } | null,
): number {
  return rtrequest_fib(req, dst, gateway, netmask, flags, ret_nrt, RT_DEFAULT_FIB);
}

// route.c: rt_getifa_fib — fills rti_ifa (referenced) and rti_ifp from what the message names.
export function rt_getifa_fib(info: rt_addrinfo, fibnum: number): number {
  const dst = info.rti_info[RTAX_DST];
  const gateway = info.rti_info[RTAX_GATEWAY];
  const ifaaddr = info.rti_info[RTAX_IFA];
  const ifpaddr = info.rti_info[RTAX_IFP];
  if (info.rti_ifp === null && ifpaddr !== null && sockaddrFamily(ifpaddr) === AF_LINK) {
    const ifa = ifa_ifwithnet_fib(ifpaddr, 0, fibnum);
    if (ifa !== null) {
      info.rti_ifp = ifa.ifa_ifp;
      ifa_free(ifa);
    }
  }
  if (info.rti_ifa === null && ifaaddr !== null) info.rti_ifa = ifa_ifwithaddr(ifaaddr);
  if (info.rti_ifa === null) {
    const sa = ifaaddr ?? gateway ?? dst;
    if (sa !== null && info.rti_ifp !== null) info.rti_ifa = ifaof_ifpforaddr(sa, info.rti_ifp);
    else if (dst !== null && gateway !== null)
      info.rti_ifa = ifa_ifwithroute_fib(info.rti_flags, dst, gateway, fibnum);
    else if (sa !== null) info.rti_ifa = ifa_ifwithroute_fib(info.rti_flags, sa, sa, fibnum);
  }
  const ifa = info.rti_ifa;
  if (ifa === null) return ENETUNREACH;
  if (info.rti_ifp === null) info.rti_ifp = ifa.ifa_ifp;
  return 0;
}

// route.c: rtexpunge — takes a route out of the table; the caller drops its reference.
export function rtexpunge(rt: rtentry): number {
  const rnh = rt_tables_get_rnh(rt.rt_fibnum, sockaddrFamily(rt.rt_key));
  if (rnh === null) return EAFNOSUPPORT;
  const e = rnh.rnh.rn_delete(rt.rt_key, rt.rt_mask);
  if (e === null) return ESRCH;
  KASSERT(e.value === rt, "rtexpunge: lookup mismatch");
  rt.rt_flags &= ~RTF_UP;
  const ifa = rt.rt_ifa;
  if (ifa.ifa_rtrequest !== null) {
    const info = rt_addrinfo_zero();
    info.rti_flags = rt.rt_flags;
    info.rti_info[RTAX_DST] = rt.rt_key;
    info.rti_info[RTAX_GATEWAY] = rt.rt_gateway;
    info.rti_info[RTAX_NETMASK] = rt.rt_mask;
    ifa.ifa_rtrequest(RTM_DELETE, rt, info);
  }
  VNET(V_route).rttrash.push(rt);
  return 0;
}

/**
 * route.c: rt_setgate — a private copy of `gate` as the route's gateway. The kernel copies
 * SA_SIZE(gate) bytes into storage of its own; the twin copies the sockaddr's image.
 */
export function rt_setgate(rt: { rt_gateway: Sockaddr }, gate: Sockaddr): void {
  rt.rt_gateway = sa_copy(gate);
}

/**
 * route.c: rtrequest1_fib — RTM_ADD inserts a route through the address rt_getifa_fib picks,
 * RTM_DELETE removes the one with this key and mask (refusing RTF_PINNED interface routes to a
 * caller that did not set RTF_PINNED itself).
 */
export function rtrequest1_fib(
  req: number,
  info: rt_addrinfo,
  ret_nrt: { rt: rtentry | null } | null,
  fibnum: number,
): number {
  let dst = info.rti_info[RTAX_DST];
  KASSERT(dst !== null, "rtrequest1_fib: no destination");
  const family = sockaddrFamily(dst);
  if (family !== AF_INET) fibnum = RT_DEFAULT_FIB;
  const rnh = rt_tables_get_rnh(fibnum, family);
  if (rnh === null) return EAFNOSUPPORT;
  info.rti_flags &= ~RTF_RNH_LOCKED;
  const flags = info.rti_flags;
  // A host route keeps no netmask in the tree.
  if (flags & RTF_HOST) info.rti_info[RTAX_NETMASK] = null;
  const netmask = info.rti_info[RTAX_NETMASK];
  const gateway = info.rti_info[RTAX_GATEWAY];

  switch (req) {
    case RTM_DELETE: {
      if (netmask !== null) dst = rt_maskedcopy(dst, netmask);
      if ((flags & RTF_PINNED) === 0) {
        const target = entryRt(rnh.rnh.rn_lookup(dst, netmask));
        if (target !== null && target.rt_flags & RTF_PINNED) return EADDRINUSE;
      }
      const e = rnh.rnh.rn_delete(dst, netmask);
      if (e === null) return ESRCH;
      const rt = e.value;
      rt.rt_refcnt++;
      rt.rt_flags &= ~RTF_UP;
      if (rt.rt_ifa.ifa_rtrequest !== null) rt.rt_ifa.ifa_rtrequest(RTM_DELETE, rt, info);
      VNET(V_route).rttrash.push(rt);
      if (ret_nrt !== null) ret_nrt.rt = rt;
      else RTFREE(rt);
      return 0;
    }
    case RTM_RESOLVE:
      return 0;
    case RTM_ADD: {
      if (flags & RTF_GATEWAY && gateway === null) return EINVAL;
      const gwfamily = gateway === null ? AF_UNSPEC : sockaddrFamily(gateway);
      if (gwfamily !== family && gwfamily !== AF_UNSPEC && gwfamily !== AF_LINK) return EINVAL;
      if (info.rti_ifa === null) {
        const error = rt_getifa_fib(info, fibnum);
        if (error) return error;
      } else {
        ifa_ref(info.rti_ifa);
      }
      const ifa = info.rti_ifa;
      KASSERT(ifa !== null && gateway !== null, "rtrequest1_fib: RTM_ADD without ifa or gateway");
      const rt: rtentry = {
        rt_key: netmask !== null ? rt_maskedcopy(dst, netmask) : sa_copy(dst),
        rt_mask: null,
        rt_gateway: gateway,
        rt_ifp: ifa.ifa_ifp,
        rt_ifa: ifa,
        rt_flags: RTF_UP | flags,
        rt_refcnt: 0,
        rt_fibnum: fibnum,
        rt_mtu: 0,
        rt_weight: 1,
        rt_expire: 0,
        rt_pksent: 0,
      };
      rt_setgate(rt, gateway);
      if (!rnh.rnh_addaddr(rt, netmask, rnh)) {
        ifa_free(rt.rt_ifa);
        return EEXIST;
      }
      if (ifa.ifa_rtrequest !== null) ifa.ifa_rtrequest(req, rt, info);
      if (ret_nrt !== null) {
        ret_nrt.rt = rt;
        rt.rt_refcnt++;
      }
      return 0;
    }
    default:
      return EOPNOTSUPP;
  }
}

/**
 * route.c/if.c null_sdl: {sizeof(struct sockaddr_dl), AF_LINK}, the gateway of interface and
 * loopback routes. One shared, never-written record: rt_setgate gives each route its own copy
 * (and it is that copy rtinit1 and ifa_add_loopback_route fill in), as the C copies the
 * bytes of its stack variable.
 */
export const null_sdl: Readonly<SockaddrDl> = Object.freeze({
  sdl_len: 54,
  sdl_family: AF_LINK,
  sdl_index: 0,
  sdl_type: 0,
  sdl_nlen: 0,
  sdl_alen: 0,
  sdl_slen: 0,
  sdl_data: new Uint8Array(46),
});

/**
 * route.c: rtinit1 — the interface route for `ifa`: to its destination (RTF_HOST) or to its
 * network. A delete first checks that the route there belongs to this very ifa (else the
 * error is ENETUNREACH, or EHOSTUNREACH for a host route). Both announce the change with
 * rt_newaddrmsg_fib.
 */
function rtinit1(ifa: ifaddr, cmd: number, flags: number, fibnum: number): number {
  let dst: Sockaddr | null;
  let netmask: Sockaddr | null;
  if (flags & RTF_HOST) {
    dst = ifa.ifa_dstaddr;
    netmask = null;
  } else {
    dst = ifa.ifa_addr;
    netmask = ifa.ifa_netmask;
  }
  if (dst === null || sockaddrLen(dst) === 0) return EINVAL;
  KASSERT(fibnum === RT_ALL_FIBS || fibnum === RT_DEFAULT_FIB, "rtinit1: bad fib");
  // rt_add_addr_allfibs is 1 and there is a single FIB: every request goes to FIB 0.
  fibnum = RT_DEFAULT_FIB;
  if (cmd === RTM_DELETE && netmask !== null) dst = rt_maskedcopy(dst, netmask);

  let error = 0;
  let didwork = false;
  let a_failure = 0;
  const rnh = rt_tables_get_rnh(fibnum, sockaddrFamily(dst));
  if (cmd === RTM_DELETE) {
    if (rnh === null) return flags & RTF_HOST ? EHOSTUNREACH : ENETUNREACH;
    const rn = entryRt(rnh.rnh.rn_lookup(dst, netmask));
    if (rn === null || rn.rt_ifa !== ifa) return flags & RTF_HOST ? EHOSTUNREACH : ENETUNREACH;
  }
  const info = rt_addrinfo_zero();
  info.rti_ifa = ifa;
  info.rti_flags = flags | (ifa.ifa_flags & ~IFA_RTSELF) | RTF_PINNED;
  info.rti_info[RTAX_DST] = dst;
  info.rti_info[RTAX_GATEWAY] = cmd === RTM_ADD ? null_sdl : ifa.ifa_addr;
  info.rti_info[RTAX_NETMASK] = netmask;
  const out: { rt: rtentry | null } = { rt: null };
  error = rtrequest1_fib(cmd, info, out, fibnum);
  if (error === EEXIST && cmd === RTM_ADD) {
    // Replace whatever holds the prefix, unless it is itself pinned.
    info.rti_ifa = null;
    info.rti_flags = RTF_RNH_LOCKED;
    error = rtrequest1_fib(RTM_DELETE, info, null, fibnum);
    if (error === 0) {
      info.rti_ifa = ifa;
      info.rti_flags = flags | RTF_RNH_LOCKED | (ifa.ifa_flags & ~IFA_RTSELF) | RTF_PINNED;
      error = rtrequest1_fib(cmd, info, out, fibnum);
    }
  }
  const rt = out.rt;
  if (error === 0 && rt !== null) {
    if (cmd === RTM_ADD && isSockaddrDl(rt.rt_gateway)) {
      rt.rt_gateway.sdl_type = rt.rt_ifp.if_type;
      rt.rt_gateway.sdl_index = rt.rt_ifp.if_index;
    }
    rt_newaddrmsg_fib(cmd, ifa, error, rt, fibnum);
    if (cmd === RTM_DELETE) RTFREE(rt);
    else RT_REMREF(rt);
    didwork = true;
  }
  if (error) a_failure = error;
  if (cmd === RTM_DELETE) return didwork ? 0 : flags & RTF_HOST ? EHOSTUNREACH : ENETUNREACH;
  return a_failure;
}

// route.c: rtinit — IPv4 interface routes go to every FIB (RT_ALL_FIBS).
export function rtinit(ifa: ifaddr, cmd: number, flags: number): number {
  return rtinit1(ifa, cmd, flags, RT_ALL_FIBS);
}

// The loopback-route helpers live in if.c; in.c reaches them through route.h's neighbours.
export { ifa_add_loopback_route, ifa_del_loopback_route, ifa_switch_loopback_route } from "./if.ts";
