// The IPv4 routing table's own behaviour (10.4 sys/netinet/in_rmx.c): flags set on insertion
// (RTF_BROADCAST, RTF_LOCAL, RTF_MULTICAST, the MTU), the aging of dynamic routes, and
// in_ifadown, which clears out the routes through an address that goes away.

import {
  RTF_BROADCAST,
  RTF_HOST,
  RTF_DYNAMIC,
  RTF_LOCAL,
  RTF_MULTICAST,
  RTF_PROTO3,
  RTF_RNH_LOCKED,
  RTF_STATIC,
  RTF_UP,
  RTM_DELETE,
} from "../../abi/route_defs.ts";
import { IN_MULTICAST } from "../../abi/in.ts";
import { AF_INET, sockaddrFamily, type Sockaddr } from "../../abi/socket.ts";
import { Callout } from "../kern/clock.ts";
import { KASSERT } from "../kern/invariant.ts";
import { log, LOG_WARNING } from "../kern/syslog.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, SYSCTL_INT } from "../kern/sysctl.ts";
import type { ifaddr } from "../net/if_var.ts";
import { IFA_ROUTE } from "../net/if_var.ts";
import { INET_RN_OFFSET, radix_node_head, sa_word, type radix_entry } from "../net/radix.ts";
import {
  rn_addroute,
  rn_match,
  rt_numfibs,
  rt_tables_get_rnh,
  rtexpunge,
  RTFREE,
  rtrequest_fib,
  type rib_head,
  type rtentry,
} from "../net/route.ts";
import { curvnet, VNET, VNET_DEFINE } from "../net/vnet.ts";
import { in_broadcast } from "./in.ts";

/** in_rmx.c RTPRF_OURS: set on dynamic routes this module is aging. */
const RTPRF_OURS = RTF_PROTO3;
/** in_rmx.c RTQ_TIMEOUT: the aging pass runs at least every ten minutes. */
const RTQ_TIMEOUT = 60 * 10;

interface RtqState {
  /** net.inet.ip.rtexpire: seconds a dynamic route lives after its last use. */
  rtq_reallyold: number;
  /** net.inet.ip.rtminexpire: the floor the automatic tuning stops at. */
  rtq_minreallyold: number;
  /** net.inet.ip.rtmaxcache: dynamic routes above which the lifetime is cut. */
  rtq_toomany: number;
  rtq_timeout: number;
  last_adjusted_timeout: number;
  rtq_timer: Callout | null;
}

const V_rtq = VNET_DEFINE<RtqState>("rtq", () => ({
  rtq_reallyold: 60 * 60,
  rtq_minreallyold: 10,
  rtq_toomany: 128,
  rtq_timeout: RTQ_TIMEOUT,
  last_adjusted_timeout: 0,
  rtq_timer: null,
}));

SYSCTL_INT(
  "net.inet.ip.rtexpire",
  CTLFLAG_RW | CTLFLAG_VNET,
  { get: () => VNET(V_rtq).rtq_reallyold, set: (v) => (VNET(V_rtq).rtq_reallyold = v) },
  "Default expiration time on dynamically learned routes",
);
SYSCTL_INT(
  "net.inet.ip.rtminexpire",
  CTLFLAG_RW | CTLFLAG_VNET,
  { get: () => VNET(V_rtq).rtq_minreallyold, set: (v) => (VNET(V_rtq).rtq_minreallyold = v) },
  "Minimum time to attempt to hold onto dynamically learned routes",
);
SYSCTL_INT(
  "net.inet.ip.rtmaxcache",
  CTLFLAG_RW | CTLFLAG_VNET,
  { get: () => VNET(V_rtq).rtq_toomany, set: (v) => (VNET(V_rtq).rtq_toomany = v) },
  "Upper limit on dynamically learned routes",
);

/**
 * in_rmx.c: in_addroute — host routes to a broadcast address get RTF_BROADCAST, to the
 * route's own interface address RTF_LOCAL; multicast destinations RTF_MULTICAST; the MTU
 * defaults to the interface's.
 */
function in_addroute(rt: rtentry, netmask: Sockaddr | null, head: rib_head): boolean {
  // satosin(rt_key(rt))->sin_addr: bytes 4..8 of the key, whatever its length.
  const dst = sin_addr_bytes(rt.rt_key);
  if (rt.rt_flags & RTF_HOST) {
    // satosin(rt_ifa->ifa_addr)->sin_addr: bytes 4..8 of whatever address rt_ifa has (for a
    // sockaddr_dl, its type and lengths).
    const ifaddr = sin_addr_bytes(rt.rt_ifa.ifa_addr);
    if (in_broadcast(dst, rt.rt_ifp)) rt.rt_flags |= RTF_BROADCAST;
    else if (ifaddr === dst) rt.rt_flags |= RTF_LOCAL;
  }
  if (IN_MULTICAST(dst)) rt.rt_flags |= RTF_MULTICAST;
  if (rt.rt_mtu === 0) rt.rt_mtu = rt.rt_ifp.if_mtu;
  return rn_addroute(rt, netmask, head);
}

/** satosin(sa)->sin_addr: bytes 4..8 of a sockaddr's image, big-endian, whatever its family. */
function sin_addr_bytes(sa: Sockaddr): number {
  return sa_word(sa, 4);
}

// in_rmx.c: in_matroute — a route found again is no longer aging.
function in_matroute(dst: Sockaddr, head: rib_head): rtentry | null {
  const rt = rn_match(dst, head);
  if (rt !== null && rt.rt_flags & RTPRF_OURS) {
    rt.rt_flags &= ~RTPRF_OURS;
    rt.rt_expire = 0;
  }
  return rt;
}

// in_rmx.c: in_clsroute — on the last reference to a dynamic route, start aging it.
function in_clsroute(rt: rtentry): void {
  if (!(rt.rt_flags & RTF_UP)) return;
  if (rt.rt_flags & RTPRF_OURS) return;
  if (!(rt.rt_flags & RTF_DYNAMIC)) return;
  const q = VNET(V_rtq);
  if (q.rtq_reallyold !== 0) {
    rt.rt_flags |= RTPRF_OURS;
    rt.rt_expire = curvnet().clock.time_uptime + q.rtq_reallyold;
  } else {
    rtexpunge(rt);
  }
}

interface rtqk_arg {
  draining: boolean;
  updating: boolean;
  killed: number;
  found: number;
  nextstop: number;
}

// in_rmx.c: in_rtqkill — deletes aged dynamic routes, or shortens their lifetime when updating.
function in_rtqkill(rn: radix_entry<rtentry>, ap: rtqk_arg): number {
  const rt = rn.value;
  if (!(rt.rt_flags & RTPRF_OURS)) return 0;
  const now = curvnet().clock.time_uptime;
  const q = VNET(V_rtq);
  ap.found++;
  if (ap.draining || rt.rt_expire <= now) {
    KASSERT(rt.rt_refcnt <= 0, "rtqkill route really not free");
    const err = rtrequest_fib(
      RTM_DELETE,
      rt.rt_key,
      rt.rt_gateway,
      rt.rt_mask,
      rt.rt_flags | RTF_RNH_LOCKED,
      null,
      rt.rt_fibnum,
    );
    if (err) log(LOG_WARNING, `in_rtqkill: error ${err}`);
    else ap.killed++;
  } else {
    if (ap.updating && rt.rt_expire - now > q.rtq_reallyold) rt.rt_expire = now + q.rtq_reallyold;
    ap.nextstop = Math.min(ap.nextstop, rt.rt_expire);
  }
  return 0;
}

// in_rmx.c: in_rtqtimo_one — one aging pass, cutting rtq_reallyold when too many routes age.
function in_rtqtimo_one(head: rib_head): void {
  const q = VNET(V_rtq);
  const now = curvnet().clock.time_uptime;
  const arg: rtqk_arg = {
    draining: false,
    updating: false,
    killed: 0,
    found: 0,
    nextstop: now + q.rtq_timeout,
  };
  head.rnh.rn_walktree(in_rtqkill, arg);
  if (
    arg.found - arg.killed > q.rtq_toomany &&
    now - q.last_adjusted_timeout >= q.rtq_timeout &&
    q.rtq_reallyold > q.rtq_minreallyold
  ) {
    q.rtq_reallyold = Math.max(Math.trunc((2 * q.rtq_reallyold) / 3), q.rtq_minreallyold);
    q.last_adjusted_timeout = now;
    const upd: rtqk_arg = { draining: false, updating: true, killed: 0, found: 0, nextstop: arg.nextstop };
    head.rnh.rn_walktree(in_rtqkill, upd);
  }
}

// in_rmx.c: in_rtqtimo — every table, then again in rtq_timeout seconds.
function in_rtqtimo(): void {
  for (let fib = 0; fib < rt_numfibs; fib++) {
    const rnh = rt_tables_get_rnh(fib, AF_INET);
    if (rnh !== null) in_rtqtimo_one(rnh);
  }
  const q = VNET(V_rtq);
  const clock = curvnet().clock;
  q.rtq_timer?.callout_reset(q.rtq_timeout * clock.hz, in_rtqtimo);
}

/**
 * in_rmx.c: in_inithead — the AF_INET table: keys compared from sin_addr on (an offset of 32
 * bits), with in_addroute, in_matroute and in_clsroute, and the aging timer started one tick
 * later.
 */
export function in_inithead(): rib_head {
  const head: rib_head = {
    rnh: new radix_node_head<rtentry>(INET_RN_OFFSET),
    rnh_addaddr: in_addroute,
    rnh_close: (rt) => in_clsroute(rt),
    rnh_matchaddr: in_matroute,
  };
  const q = VNET(V_rtq);
  if (q.rtq_timer === null) {
    const v = curvnet();
    q.rtq_timer = new Callout(v.clock);
    q.rtq_timer.callout_reset(1, in_rtqtimo);
  }
  return head;
}

interface in_ifadown_arg {
  ifa: ifaddr;
  del: number;
}

// in_rmx.c: in_ifadownkill — expunges a route through ap.ifa (a static one only when ap.del).
function in_ifadownkill(rn: radix_entry<rtentry>, ap: in_ifadown_arg): number {
  const rt = rn.value;
  if (rt.rt_ifa === ap.ifa && (ap.del || !(rt.rt_flags & RTF_STATIC))) {
    rt.rt_refcnt++;
    rtexpunge(rt);
    RTFREE(rt);
  }
  return 0;
}

/**
 * in_rmx.c: in_ifadown — removes the routes through `ifa` (static ones only when `del`), and
 * clears IFA_ROUTE. Returns 1 for a non-IPv4 address.
 */
export function in_ifadown(ifa: ifaddr, del: number): number {
  if (sockaddrFamily(ifa.ifa_addr) !== AF_INET) return 1;
  const arg: in_ifadown_arg = { ifa, del };
  for (let fib = 0; fib < rt_numfibs; fib++) {
    const rnh = rt_tables_get_rnh(fib, AF_INET);
    KASSERT(rnh !== null, "in_ifadown: no AF_INET table");
    rnh.rnh.rn_walktree(in_ifadownkill, arg);
    ifa.ifa_flags &= ~IFA_ROUTE;
  }
  return 0;
}
