// Routing sockets (10.4 sys/net/rtsock.c): the messages the kernel broadcasts on PF_ROUTE
// sockets (rt_msg1 layouts), route_output for messages userland writes, and the
// net.routetable sysctl dumps (rt_msg2 layouts, ALIGNed): NET_RT_DUMP, NET_RT_FLAGS (ARP
// entries for RTF_LLINFO), NET_RT_IFLIST and NET_RT_IFMALIST.

import {
  EAFNOSUPPORT,
  EINVAL,
  EISDIR,
  EMSGSIZE,
  ENOBUFS,
  ENOTDIR,
  EOPNOTSUPP,
  EPERM,
  EPROTONOSUPPORT,
  ESRCH,
} from "../../abi/errno.ts";
import { IFF_LOOPBACK, IFF_POINTOPOINT, IFT_PROPVIRTUAL, IFNAMSIZ, encodeIfData } from "../../abi/if.ts";
import { viewOf, writeCString } from "../../abi/decode.ts";
import {
  RTAX_BRD,
  RTAX_DST,
  RTAX_GATEWAY,
  RTAX_GENMASK,
  RTAX_IFA,
  RTAX_IFP,
  RTAX_MAX,
  RTAX_NETMASK,
  RTF_ANNOUNCE,
  RTF_DONE,
  RTF_FMASK,
  RTF_GATEWAY,
  RTF_GWFLAG_COMPAT,
  RTF_HOST,
  RTF_LLDATA,
  RTF_LLINFO,
  RTM_ADD,
  RTM_CHANGE,
  RTM_DELADDR,
  RTM_DELETE,
  RTM_DELMADDR,
  RTM_GET,
  RTM_IEEE80211,
  RTM_IFANNOUNCE,
  RTM_IFINFO,
  RTM_LOCK,
  RTM_NEWADDR,
  RTM_NEWMADDR,
  RTM_VERSION,
  RTV_EXPIRE,
  RTV_MTU,
  RTV_WEIGHT,
} from "../../abi/route_defs.ts";
import {
  ALIGN,
  IFA_MSGHDR_SIZE,
  IF_ANNOUNCEMSGHDR_SIZE,
  IF_MSGHDR_SIZE,
  IFMA_MSGHDR_SIZE,
  RT_MSGHDR_SIZE,
  emptyRtMetrics,
  encodeRtMetrics,
  type RtMsghdr,
} from "../../abi/rtmsg.ts";
import {
  NET_RT_DUMP,
  NET_RT_FLAGS,
  NET_RT_IFLIST,
  NET_RT_IFLISTL,
  NET_RT_IFMALIST,
} from "../../abi/sysctl.ts";
import {
  AF_INET,
  AF_LINK,
  AF_MAX,
  AF_UNSPEC,
  PF_ROUTE,
  SA_SIZE,
  isSockaddrIn,
  sockaddrFamily,
  sockaddrIn,
  sockaddrLen,
  type Sockaddr,
} from "../../abi/socket.ts";
import {
  jailed,
  prison_check_ip4,
  prison_if,
  prison_owns_vnet,
  priv_check,
  PRIV_NET_ROUTE,
  type Thread,
  type Ucred,
} from "../kern/cred.ts";
import { KASSERT } from "../kern/invariant.ts";
import { CTLFLAG_RD, SYSCTL_NODE, type SysctlReq } from "../kern/sysctl.ts";
import { ifa_free, ifa_ifwithnet, ifa_ref } from "./if.ts";
import { lla_rt_output, lltable_sysctl_dumparp } from "./if_llatbl.ts";
import type { ifaddr, ifmultiaddr, ifnet } from "./if_var.ts";
import { rt_maskedcopy, sa_from_image, sa_image } from "./radix.ts";
import {
  RT_ALL_FIBS,
  RTFREE,
  rt_addrinfo_zero,
  rt_getifa_fib,
  rt_numfibs,
  rt_setgate,
  rt_tables_get_rnh,
  rtalloc_ign_fib,
  rtrequest1_fib,
  type rt_addrinfo,
  type route,
  type rtentry,
} from "./route.ts";
import { VNET, VNET_DEFINE, curvnet } from "./vnet.ts";
import { list_remove } from "../sys/queue.ts";

// sys/socket.h
export const SO_USELOOPBACK = 0x0040;
/** raw_usrreq.c raw_sendspace (RAWSNDQ): the most one write may carry. */
export const RAWSNDQ = 8192;

/** An open PF_ROUTE socket (its rawcb): what it was opened for and what it has received. */
export class routesock {
  /** rcb_proto.sp_protocol: 0 for every family, else only messages tagged with this one. */
  readonly sp_protocol: number;
  so_options = SO_USELOOPBACK;
  readonly so_fibnum = 0;
  /** p_pid of the owner, written into rtm_pid of what it sends. */
  readonly pid: number;
  readonly #queue: Uint8Array[] = [];
  closed = false;

  constructor(sp_protocol: number, pid: number) {
    this.sp_protocol = sp_protocol;
    this.pid = pid;
  }

  /** @internal raw_input delivers a copy. */
  deliver(msg: Uint8Array): void {
    this.#queue.push(msg.slice());
  }

  /** Every message received since the last read, oldest first. */
  read(): Uint8Array[] {
    return this.#queue.splice(0, this.#queue.length);
  }
}

interface RouteCb {
  sockets: routesock[];
}

const V_route_cb = VNET_DEFINE<RouteCb>("route_cb", () => ({ sockets: [] }));

/**
 * References 10.4 itself leaks: route_output's RTM_CHANGE (10.4 sys/net/rtsock.c, case
 * RTM_CHANGE) releases the old rt_ifa's reference only when that ifa has an ifa_rtrequest hook,
 * yet always takes one on the new ifa. An address without the hook (an Ethernet one: 10.4
 * if_ether.c arp_ifinit sets it to NULL) thus keeps one reference per RTM_CHANGE that moved a
 * route off it. The twin leaks them too and counts them here, so reference audits accept
 * exactly these.
 */
const V_rtm_change_leaks = VNET_DEFINE("rtm_change_leaks", () => new Map<ifaddr, number>());

/** ifaddrs holding references 10.4's RTM_CHANGE never releases, with how many each. */
export function rtm_change_leakrefs(): ReadonlyMap<ifaddr, number> {
  return VNET(V_rtm_change_leaks);
}

// rtsock.c: rts_attach — every socket starts with SO_USELOOPBACK (it hears its own messages).
export function rts_attach(proto: number, pid: number): routesock {
  const so = new routesock(proto, pid);
  VNET(V_route_cb).sockets.push(so);
  return so;
}

// rtsock.c: rts_detach
export function rts_detach(so: routesock): void {
  const cb = VNET(V_route_cb);
  list_remove(cb.sockets, so);
  so.closed = true;
}

function any_count(): number {
  return VNET(V_route_cb).sockets.length;
}

/**
 * rtsock.c: rt_dispatch + raw_usrreq.c raw_input_ext — the message goes to every routing
 * socket whose protocol is 0 or the message's family (messages without a family reach only
 * protocol-0 sockets), except `skip`.
 */
function rt_dispatch(msg: Uint8Array, saf: number, skip: routesock | null = null): void {
  for (const so of VNET(V_route_cb).sockets) {
    if (so === skip) continue;
    if (so.sp_protocol !== 0 && so.sp_protocol !== saf) continue;
    so.deliver(msg);
  }
}

// ---------------------------------------------------------------------------------------------
// message layout

/** rt_msg1/rt_msg2: the header size a message type takes. */
function headerLen(type: number): number {
  switch (type) {
    case RTM_DELADDR:
    case RTM_NEWADDR:
      return IFA_MSGHDR_SIZE;
    case RTM_DELMADDR:
    case RTM_NEWMADDR:
      return IFMA_MSGHDR_SIZE;
    case RTM_IFINFO:
      return IF_MSGHDR_SIZE;
    case RTM_IFANNOUNCE:
    case RTM_IEEE80211:
      return IF_ANNOUNCEMSGHDR_SIZE;
    default:
      return RT_MSGHDR_SIZE;
  }
}

/**
 * rtsock.c: rt_msg1 (align false) / rt_msg2 (align true) — a zeroed header then each present
 * sockaddr, SA_SIZE bytes of it copied from its memory image; rti_addrs gets the bits. The
 * version, type and length are set; the caller fills in the rest of the header.
 */
function rt_msg(type: number, info: rt_addrinfo, align: boolean, hdrlen = headerLen(type)): Uint8Array {
  info.rti_addrs = 0;
  let len = hdrlen;
  const parts: [number, Uint8Array][] = [];
  for (let i = 0; i < RTAX_MAX; i++) {
    const sa = info.rti_info[i];
    if (sa === null || sa === undefined) continue;
    info.rti_addrs |= 1 << i;
    const dlen = SA_SIZE(sockaddrLen(sa));
    const img = sa_image(sa);
    const bytes = new Uint8Array(dlen);
    bytes.set(img.subarray(0, dlen));
    parts.push([len, bytes]);
    len += dlen;
  }
  if (align) len = ALIGN(len);
  const out = new Uint8Array(len);
  for (const [at, b] of parts) out.set(b, at);
  viewOf(out).setUint16(0, len, true);
  out[2] = RTM_VERSION;
  out[3] = type;
  return out;
}

// rt_msghdr, ifa_msghdr, if_msghdr, ifma_msghdr field writers (10.4 route.h / if.h, amd64)
const rtm = {
  index: (b: Uint8Array, v: number) => viewOf(b).setUint16(4, v, true),
  flags: (b: Uint8Array, v: number) => viewOf(b).setInt32(8, v, true),
  addrs: (b: Uint8Array, v: number) => viewOf(b).setInt32(12, v, true),
  pid: (b: Uint8Array, v: number) => viewOf(b).setInt32(16, v, true),
  errno: (b: Uint8Array, v: number) => viewOf(b).setInt32(24, v, true),
};
const ifam = {
  addrs: (b: Uint8Array, v: number) => viewOf(b).setInt32(4, v, true),
  flags: (b: Uint8Array, v: number) => viewOf(b).setInt32(8, v, true),
  index: (b: Uint8Array, v: number) => viewOf(b).setUint16(12, v, true),
  metric: (b: Uint8Array, v: number) => viewOf(b).setInt32(16, v, true),
};

/** The if_msghdr body shared by RTM_IFINFO messages and NET_RT_IFLIST entries. */
function fill_if_msghdr(b: Uint8Array, ifp: ifnet, addrs: number): void {
  const v = viewOf(b);
  v.setInt32(4, addrs, true);
  v.setInt32(8, ifp.if_flags | ifp.if_drv_flags, true);
  v.setUint16(12, ifp.if_index, true);
  encodeIfData(ifp.if_data, b, 16);
}

// ---------------------------------------------------------------------------------------------
// messages the kernel sends

// rtsock.c: rt_missmsg_fib
export function rt_missmsg_fib(
  type: number,
  rtinfo: rt_addrinfo,
  flags: number,
  error: number,
  fibnum: number,
): void {
  void fibnum; // one FIB: every socket matches
  const sa = rtinfo.rti_info[RTAX_DST];
  if (any_count() === 0) return;
  const m = rt_msg(type, rtinfo, false);
  rtm.flags(m, RTF_DONE | flags);
  rtm.errno(m, error);
  rtm.addrs(m, rtinfo.rti_addrs);
  rt_dispatch(m, sa !== null ? sockaddrFamily(sa) : AF_UNSPEC);
}

// rtsock.c: rt_ifmsg — RTM_IFINFO with the interface's flags and if_data, no addresses.
export function rt_ifmsg(ifp: ifnet): void {
  if (any_count() === 0) return;
  const m = rt_msg(RTM_IFINFO, rt_addrinfo_zero(), false);
  fill_if_msghdr(m, ifp, 0);
  rt_dispatch(m, AF_UNSPEC);
}

// rtsock.c: rtsock_addrmsg — RTM_NEWADDR/RTM_DELADDR: the address, its interface, mask, brd.
export function rtsock_addrmsg(cmd: number, ifa: ifaddr, fibnum: number): number {
  void fibnum;
  if (any_count() === 0) return 0;
  const ifp = ifa.ifa_ifp;
  const info = rt_addrinfo_zero();
  info.rti_info[RTAX_IFA] = ifa.ifa_addr;
  info.rti_info[RTAX_IFP] = ifp.if_addr?.ifa_addr ?? null;
  info.rti_info[RTAX_NETMASK] = ifa.ifa_netmask;
  info.rti_info[RTAX_BRD] = ifa.ifa_dstaddr;
  const m = rt_msg(cmd === RTM_ADD ? RTM_NEWADDR : RTM_DELADDR, info, false);
  ifam.index(m, ifp.if_index);
  ifam.metric(m, ifa.ifa_metric);
  ifam.flags(m, ifa.ifa_flags);
  ifam.addrs(m, info.rti_addrs);
  rt_dispatch(m, sockaddrFamily(ifa.ifa_addr));
  return 0;
}

/** The route fields a routing message reports; in.c's in_addralias_rtmsg passes a modified copy. */
export type rtentry_view = Pick<rtentry, "rt_key" | "rt_mask" | "rt_gateway" | "rt_flags">;

// rtsock.c: rtsock_routemsg — RTM_ADD/RTM_DELETE for a route: dst, gateway, netmask.
export function rtsock_routemsg(
  cmd: number,
  ifp: ifnet,
  error: number,
  rt: rtentry_view,
  fibnum: number,
): number {
  void fibnum;
  if (any_count() === 0) return 0;
  const info = rt_addrinfo_zero();
  info.rti_info[RTAX_NETMASK] = rt.rt_mask;
  info.rti_info[RTAX_DST] = rt.rt_key;
  info.rti_info[RTAX_GATEWAY] = rt.rt_gateway;
  const m = rt_msg(cmd, info, false);
  rtm.index(m, ifp.if_index);
  rtm.flags(m, rt.rt_flags);
  rtm.errno(m, error);
  rtm.addrs(m, info.rti_addrs);
  rt_dispatch(m, sockaddrFamily(rt.rt_key));
  return 0;
}

// route.c: rt_addrmsg
export function rt_addrmsg(cmd: number, ifa: ifaddr, fibnum: number): number {
  KASSERT(cmd === RTM_ADD || cmd === RTM_DELETE, "rt_addrmsg: cmd is neither RTM_ADD nor RTM_DELETE");
  return rtsock_addrmsg(cmd, ifa, fibnum);
}

// route.c: rt_routemsg
export function rt_routemsg(
  cmd: number,
  ifp: ifnet,
  error: number,
  rt: rtentry_view,
  fibnum: number,
): number {
  KASSERT(cmd === RTM_ADD || cmd === RTM_DELETE, "rt_routemsg: cmd is neither RTM_ADD nor RTM_DELETE");
  return rtsock_routemsg(cmd, ifp, error, rt, fibnum);
}

/**
 * route.c (rtsock.c in the seed's era): rt_newaddrmsg_fib — on add, RTM_NEWADDR then the
 * route's RTM_ADD; on delete, the route's RTM_DELETE then RTM_DELADDR.
 */
export function rt_newaddrmsg_fib(
  cmd: number,
  ifa: ifaddr,
  error: number,
  rt: rtentry_view | null,
  fibnum: number,
): void {
  KASSERT(cmd === RTM_ADD || cmd === RTM_DELETE, "rt_newaddrmsg_fib: cmd is neither RTM_ADD nor RTM_DELETE");
  if (cmd === RTM_ADD) {
    rt_addrmsg(cmd, ifa, fibnum);
    if (rt !== null) rt_routemsg(cmd, ifa.ifa_ifp, error, rt, fibnum);
  } else {
    if (rt !== null) rt_routemsg(cmd, ifa.ifa_ifp, error, rt, fibnum);
    rt_addrmsg(cmd, ifa, fibnum);
  }
}

// route.c: rt_newaddrmsg
export function rt_newaddrmsg(cmd: number, ifa: ifaddr, error: number, rt: rtentry_view | null): void {
  rt_newaddrmsg_fib(cmd, ifa, error, rt, RT_ALL_FIBS);
}

// rtsock.c: rt_newmaddrmsg — RTM_NEWMADDR/RTM_DELMADDR: group, interface, link-layer group.
export function rt_newmaddrmsg(cmd: number, ifma: ifmultiaddr): void {
  if (any_count() === 0) return;
  const ifp = ifma.ifma_ifp;
  KASSERT(ifp !== null, "rt_newmaddrmsg: link-layer multicast address without ifp");
  const info = rt_addrinfo_zero();
  info.rti_info[RTAX_IFA] = ifma.ifma_addr;
  info.rti_info[RTAX_IFP] = ifp.if_addr?.ifa_addr ?? null;
  info.rti_info[RTAX_GATEWAY] = ifma.ifma_lladdr;
  const m = rt_msg(cmd, info, false);
  ifam.addrs(m, info.rti_addrs);
  viewOf(m).setUint16(12, ifp.if_index, true);
  rt_dispatch(m, sockaddrFamily(ifma.ifma_addr));
}

// rtsock.c: rt_ifannouncemsg — RTM_IFANNOUNCE with index, name and what (arrival/departure).
export function rt_ifannouncemsg(ifp: ifnet, what: number): void {
  if (any_count() === 0) return;
  const m = rt_msg(RTM_IFANNOUNCE, rt_addrinfo_zero(), false);
  const v = viewOf(m);
  v.setUint16(4, ifp.if_index, true);
  writeCString(m, 6, IFNAMSIZ, ifp.if_xname);
  v.setUint16(22, what, true);
  rt_dispatch(m, AF_UNSPEC);
}

// ---------------------------------------------------------------------------------------------
// route_output

/** time_second as the twin keeps it: seconds of uptime plus the boot epoch. */
function time_second(): number {
  const c = curvnet().clock;
  return c.time_second;
}

// rtsock.c: rt_setmetrics
// (The twin keeps route metrics as numbers: u_long values past 2^53 are rounded.)
function rt_setmetrics(msg: RtMsghdr, rt: rtentry): void {
  const inits = (bit: number): boolean => (msg.rtm_inits & BigInt(bit)) !== 0n;
  const m = msg.rtm_rmx;
  if (inits(RTV_MTU)) rt.rt_mtu = Number(m.rmx_mtu);
  if (inits(RTV_WEIGHT)) rt.rt_weight = Number(m.rmx_weight);
  // u_long arithmetic: the userland-to-kernel timebase shift wraps modulo 2^64.
  if (inits(RTV_EXPIRE))
    rt.rt_expire = m.rmx_expire
      ? Number(BigInt.asUintN(64, m.rmx_expire - BigInt(time_second()) + BigInt(curvnet().clock.time_uptime)))
      : 0;
}

// rtsock.c: rt_getmetrics — the 112-byte rt_metrics of a route.
function rt_getmetrics(rt: rtentry): Uint8Array {
  const m = emptyRtMetrics();
  const ulong = (n: number): bigint => BigInt.asUintN(64, BigInt(n));
  m.rmx_mtu = ulong(rt.rt_mtu);
  m.rmx_weight = ulong(rt.rt_weight);
  m.rmx_pksent = ulong(rt.rt_pksent);
  m.rmx_expire = rt.rt_expire ? ulong(rt.rt_expire - curvnet().clock.time_uptime + time_second()) : 0n;
  return encodeRtMetrics(m);
}

/** A u_long from the user's message. */
function u_long(v: DataView, at: number): bigint {
  return v.getBigUint64(at, true);
}

/** The rt_msghdr fields route_output reads from the user's message. */
function readRtMsghdr(b: Uint8Array): RtMsghdr {
  const v = viewOf(b);
  const rmx = emptyRtMetrics();
  rmx.rmx_locks = u_long(v, 40);
  rmx.rmx_mtu = u_long(v, 48);
  rmx.rmx_expire = u_long(v, 64);
  rmx.rmx_weight = u_long(v, 120);
  return {
    rtm_msglen: v.getUint16(0, true),
    rtm_version: b[2],
    rtm_type: b[3],
    rtm_index: v.getUint16(4, true),
    rtm_flags: v.getInt32(8, true),
    rtm_addrs: v.getInt32(12, true),
    rtm_pid: v.getInt32(16, true),
    rtm_seq: v.getInt32(20, true),
    rtm_errno: v.getInt32(24, true),
    rtm_fmask: v.getInt32(28, true),
    rtm_inits: u_long(v, 32),
    rtm_rmx: rmx,
  };
}

/** A sockaddr read from user memory: sa_len bytes at `at` (family AF_INET and length ≤ 16 as sockaddr_in). */
function readSockaddr(b: Uint8Array, at: number): Sockaddr {
  const len = b[at];
  const img = new Uint8Array(Math.max(len, 2));
  img.set(b.subarray(at, at + Math.max(len, 2)));
  img[0] = len;
  const fam = img[1];
  if (fam === AF_INET && len <= 16) {
    const full = new Uint8Array(16);
    full.set(img.subarray(0, len));
    const v = viewOf(full);
    const sin = sockaddrIn(v.getUint32(4, false), len);
    sin.sin_port = v.getUint16(2, false);
    const zero = full.subarray(8, 16);
    if (zero.some((x) => x !== 0)) sin.sin_zero = zero.slice();
    return sin;
  }
  return sa_from_image(img);
}

/** sa_zero: what rt_xaddrs substitutes for a zero-length sockaddr ({sizeof(sa_zero), AF_INET}). */
function sa_zero(): Sockaddr {
  const s = sockaddrIn(0);
  return s;
}

/**
 * rtsock.c: rt_xaddrs — the sockaddrs after the header, one per rtm_addrs bit in RTAX order,
 * each SA_SIZE long; EINVAL if one runs past the message. A zero-length one ends the list
 * (pointing that slot at sa_zero) without error.
 */
function rt_xaddrs(b: Uint8Array, cp: number, cplim: number, info: rt_addrinfo): number {
  for (let i = 0; i < RTAX_MAX && cp < cplim; i++) {
    if ((info.rti_addrs & (1 << i)) === 0) continue;
    const len = b[cp];
    if (cp + len > cplim) return EINVAL;
    if (len === 0) {
      info.rti_info[i] = sa_zero();
      return 0;
    }
    info.rti_info[i] = readSockaddr(b, cp);
    cp += SA_SIZE(len);
  }
  return 0;
}

/** jailed_without_vnet (kern_jail.c) */
function jailed_without_vnet(cred: Ucred): boolean {
  return jailed(cred) && !prison_owns_vnet(cred);
}

/**
 * rtsock.c: rtm_get_jailed — the RTA_IFA a jailed caller may see: the route's own address if
 * it is the jail's, else one of the jail's on the outgoing interface, else the jail's first.
 */
function rtm_get_jailed(info: rt_addrinfo, ifp: ifnet, rt: rtentry, cred: Ucred): number {
  if (prison_if(cred, rt.rt_ifa.ifa_addr) === 0) {
    info.rti_info[RTAX_IFA] = rt.rt_ifa.ifa_addr;
    return 0;
  }
  const dst = info.rti_info[RTAX_DST];
  if (dst === null || sockaddrFamily(dst) !== AF_INET) return ESRCH;
  let found: number | null = null;
  for (const ifa of ifp.if_addrhead) {
    const sa = ifa.ifa_addr;
    if (!isSockaddrIn(sa)) continue;
    if (prison_check_ip4(cred, sa.sin_addr) === 0) {
      found = sa.sin_addr;
      break;
    }
  }
  if (found === null) {
    const pr = cred.cr_prison;
    if (pr === null || pr.pr_ip4.length === 0) return ESRCH;
    found = pr.pr_ip4[0];
  }
  info.rti_info[RTAX_IFA] = sockaddrIn(found);
  return 0;
}

/** What route_output leaves for the sender and the listeners. */
export interface RouteOutputResult {
  error: number;
}

/**
 * rtsock.c: route_output — one message written to a routing socket. The message (or the
 * kernel's answer in its place, with rtm_errno or RTF_DONE) is then broadcast to the listening
 * sockets, the writer included unless it cleared SO_USELOOPBACK. Writes past the send buffer
 * (EMSGSIZE, sosend) and too short to hold a long (ENOBUFS, m_pullup) are not broadcast.
 */
export function route_output(so: routesock, td: Thread, data: Uint8Array): number {
  if (data.length > RAWSNDQ) return EMSGSIZE;
  if (data.length < 8) return ENOBUFS;
  let m: Uint8Array | null = data.slice();
  let msg: Uint8Array | null = null;
  let hdr: RtMsghdr | null = null;
  const info = rt_addrinfo_zero();
  let rt: rtentry | null = null;
  let saf = AF_UNSPEC;
  let error = 0;

  const flush = (): number => {
    if (msg !== null && hdr !== null) {
      if (error) rtm.errno(msg, error);
      else rtm.flags(msg, viewOf(msg).getInt32(8, true) | RTF_DONE);
    }
    if (rt !== null) RTFREE(rt);
    const skip = (so.so_options & SO_USELOOPBACK) === 0 ? so : null;
    if (skip !== null && any_count() <= 1) return error;
    if (msg !== null) m = msg;
    if (m !== null) rt_dispatch(m, saf, skip);
    return error;
  };
  const senderr = (e: number): number => {
    error = e;
    return flush();
  };

  const len = data.length;
  if (len < RT_MSGHDR_SIZE || len !== viewOf(data).getUint16(0, true)) return senderr(EINVAL);
  msg = data.slice();
  hdr = readRtMsghdr(msg);
  if (hdr.rtm_version !== RTM_VERSION) return senderr(EPROTONOSUPPORT);
  rtm.pid(msg, so.pid);
  info.rti_addrs = hdr.rtm_addrs;
  if (rt_xaddrs(msg, RT_MSGHDR_SIZE, len, info)) {
    info.rti_info[RTAX_DST] = null;
    return senderr(EINVAL);
  }
  info.rti_flags = hdr.rtm_flags;
  const dst0 = info.rti_info[RTAX_DST];
  const gw0 = info.rti_info[RTAX_GATEWAY];
  if (dst0 === null || sockaddrFamily(dst0) >= AF_MAX || (gw0 !== null && sockaddrFamily(gw0) >= AF_MAX))
    return senderr(EINVAL);
  saf = sockaddrFamily(dst0);
  if (hdr.rtm_type !== RTM_GET) {
    const e = priv_check(td, PRIV_NET_ROUTE);
    if (e) return senderr(e);
  }

  // A gateway that is one of our own addresses (its route is a loopback host route) is not a gateway.
  if (gw0 !== null && sockaddrFamily(gw0) !== AF_LINK) {
    const gw_ro: route = { ro_rt: null, ro_dst: gw0, ro_flags: 0 };
    rtalloc_ign_fib(gw_ro, 0, so.so_fibnum);
    const grt = gw_ro.ro_rt as rtentry | null;
    if (grt !== null && sockaddrFamily(grt.rt_gateway) === AF_LINK && grt.rt_ifp.if_flags & IFF_LOOPBACK) {
      info.rti_flags &= ~RTF_GATEWAY;
      info.rti_flags |= RTF_GWFLAG_COMPAT;
    }
    if (grt !== null) RTFREE(grt);
  }

  switch (hdr.rtm_type) {
    case RTM_ADD: {
      if (gw0 === null) return senderr(EINVAL);
      if (sockaddrFamily(gw0) === AF_LINK && hdr.rtm_flags & RTF_LLDATA) {
        error = lla_rt_output(hdr, info);
        break;
      }
      const saved: { rt: rtentry | null } = { rt: null };
      error = rtrequest1_fib(RTM_ADD, info, saved, so.so_fibnum);
      if (error === 0 && saved.rt !== null) {
        rt_setmetrics(hdr, saved.rt);
        rtm.index(msg, saved.rt.rt_ifp.if_index);
        saved.rt.rt_refcnt--;
      }
      break;
    }
    case RTM_DELETE: {
      if (gw0 !== null && sockaddrFamily(gw0) === AF_LINK && hdr.rtm_flags & RTF_LLDATA) {
        error = lla_rt_output(hdr, info);
        break;
      }
      const saved: { rt: rtentry | null } = { rt: null };
      error = rtrequest1_fib(RTM_DELETE, info, saved, so.so_fibnum);
      if (error === 0) {
        rt = saved.rt;
        const e = report(rt as rtentry);
        if (e) return senderr(e);
      }
      break;
    }
    case RTM_GET:
    case RTM_CHANGE:
    case RTM_LOCK: {
      const rnh = rt_tables_get_rnh(so.so_fibnum, sockaddrFamily(dst0));
      if (rnh === null) return senderr(EAFNOSUPPORT);
      const netmask = info.rti_info[RTAX_NETMASK];
      let found =
        netmask === null && hdr.rtm_type === RTM_GET
          ? rnh.rnh.rn_match(dst0)
          : rnh.rnh.rn_lookup(dst0, netmask);
      if (found === null) return senderr(ESRCH);
      if (hdr.rtm_flags & RTF_ANNOUNCE) {
        const frt = found.value;
        let laddr: Sockaddr | null = null;
        if (frt.rt_ifp.if_type === IFT_PROPVIRTUAL) {
          const ifa = ifa_ifwithnet(dst0, 1);
          if (ifa !== null) {
            laddr = ifa.ifa_netmask !== null ? rt_maskedcopy(ifa.ifa_addr, ifa.ifa_netmask) : ifa.ifa_addr;
            ifa_free(ifa);
          }
        } else if (frt.rt_ifa.ifa_netmask !== null) {
          laddr = rt_maskedcopy(frt.rt_ifa.ifa_addr, frt.rt_ifa.ifa_netmask);
        }
        found = laddr === null ? null : rnh.rnh.rn_match(laddr);
        if (found === null) return senderr(ESRCH);
      }
      rt = found.value;
      rt.rt_refcnt++;
      if (hdr.rtm_type === RTM_GET) {
        const e = report(rt);
        if (e) return senderr(e);
      } else if (hdr.rtm_type === RTM_CHANGE) {
        const e = change(rt);
        if (e) return senderr(e);
      }
      break;
    }
    default:
      return senderr(EOPNOTSUPP);
  }
  return flush();

  // rtsock.c route_output "report:" — the answer to RTM_GET (and a successful RTM_DELETE).
  function report(r: rtentry): number {
    const cred = td.td_ucred;
    if ((r.rt_flags & RTF_HOST) === 0 ? jailed_without_vnet(cred) : prison_if(cred, r.rt_key) !== 0)
      return ESRCH;
    KASSERT(hdr !== null && msg !== null, "report without a message");
    info.rti_info[RTAX_DST] = r.rt_key;
    info.rti_info[RTAX_GATEWAY] = r.rt_gateway;
    info.rti_info[RTAX_NETMASK] = r.rt_mask;
    info.rti_info[RTAX_GENMASK] = null;
    let index = viewOf(msg).getUint16(4, true);
    if (hdr.rtm_addrs & (0x10 | 0x20)) {
      const ifp = r.rt_ifp;
      info.rti_info[RTAX_IFP] = ifp.if_addr?.ifa_addr ?? null;
      const e = rtm_get_jailed(info, ifp, r, cred);
      if (e) return e;
      if (ifp.if_flags & IFF_POINTOPOINT) info.rti_info[RTAX_BRD] = r.rt_ifa.ifa_dstaddr;
      index = ifp.if_index;
    } else {
      index = r.rt_ifp.if_index;
    }
    const body = rt_msg(hdr.rtm_type, info, true);
    const grown = body.length > hdr.rtm_msglen ? new Uint8Array(body.length) : new Uint8Array(hdr.rtm_msglen);
    grown.set(msg.subarray(0, hdr.rtm_msglen));
    // rt_msg2 writes version, type, length and the sockaddrs over the old message.
    grown.set(body.subarray(RT_MSGHDR_SIZE), RT_MSGHDR_SIZE);
    grown.set(body.subarray(0, 4), 0);
    const out = grown.subarray(0, viewOf(grown).getUint16(0, true)).slice();
    rtm.index(out, index);
    rtm.flags(
      out,
      r.rt_flags & RTF_GWFLAG_COMPAT ? RTF_GATEWAY | (r.rt_flags & ~RTF_GWFLAG_COMPAT) : r.rt_flags,
    );
    out.set(rt_getmetrics(r), 40);
    rtm.addrs(out, info.rti_addrs);
    msg = out;
    return 0;
  }

  // rtsock.c route_output case RTM_CHANGE — new gateway, ifa or flags for an existing route.
  function change(r: rtentry): number {
    KASSERT(hdr !== null && msg !== null, "change without a message");
    const gw = info.rti_info[RTAX_GATEWAY];
    const ifaaddr = info.rti_info[RTAX_IFA];
    if (
      (r.rt_flags & RTF_GATEWAY && gw !== null) ||
      info.rti_info[RTAX_IFP] !== null ||
      (ifaaddr !== null && !sameSockaddr(ifaaddr, r.rt_ifa.ifa_addr))
    ) {
      const e = rt_getifa_fib(info, r.rt_fibnum);
      // Historical behaviour: the reference rt_getifa_fib took is dropped at once.
      if (info.rti_ifa !== null) ifa_free(info.rti_ifa);
      if (e) return e;
    }
    if (info.rti_ifa !== null && info.rti_ifa !== r.rt_ifa) {
      if (r.rt_ifa.ifa_rtrequest !== null) {
        r.rt_ifa.ifa_rtrequest(RTM_DELETE, r, info);
        ifa_free(r.rt_ifa);
      } else {
        // 10.4 keeps the route's reference on the old ifa (see V_rtm_change_leaks).
        const leaks = VNET(V_rtm_change_leaks);
        leaks.set(r.rt_ifa, (leaks.get(r.rt_ifa) ?? 0) + 1);
      }
    }
    if (gw !== null) {
      rt_setgate(r, gw);
      r.rt_flags &= ~RTF_GATEWAY;
      r.rt_flags |= RTF_GATEWAY & info.rti_flags;
    }
    if (info.rti_ifa !== null && info.rti_ifa !== r.rt_ifa) {
      ifa_ref(info.rti_ifa);
      r.rt_ifa = info.rti_ifa;
      r.rt_ifp = info.rti_ifp ?? info.rti_ifa.ifa_ifp;
    }
    r.rt_flags = (r.rt_flags & ~RTF_FMASK) | (hdr.rtm_flags & RTF_FMASK);
    rt_setmetrics(hdr, r);
    rtm.index(msg, r.rt_ifp.if_index);
    if (r.rt_ifa.ifa_rtrequest !== null) r.rt_ifa.ifa_rtrequest(RTM_ADD, r, info);
    return 0;
  }
}

/** bcmp over a1's sa_len, as route_output's local sa_equal. */
function sameSockaddr(a: Sockaddr, b: Sockaddr): boolean {
  const x = sa_image(a);
  const y = sa_image(b);
  for (let i = 0; i < sockaddrLen(a); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// sysctl dumps

interface walkarg {
  w_op: number;
  w_arg: number;
  w_req: SysctlReq;
}

// rtsock.c: sysctl_dumpentry — one RTM_GET message per route (rt_msg2 layout).
function sysctl_dumpentry(rt: rtentry, w: walkarg): number {
  if (w.w_op === NET_RT_FLAGS && !(rt.rt_flags & w.w_arg)) return 0;
  const cred = w.w_req.td.td_ucred;
  if ((rt.rt_flags & RTF_HOST) === 0 ? jailed_without_vnet(cred) : prison_if(cred, rt.rt_key) !== 0) return 0;
  const info = rt_addrinfo_zero();
  info.rti_info[RTAX_DST] = rt.rt_key;
  info.rti_info[RTAX_GATEWAY] = rt.rt_gateway;
  info.rti_info[RTAX_NETMASK] = rt.rt_mask;
  info.rti_info[RTAX_IFP] = rt.rt_ifp.if_addr?.ifa_addr ?? null;
  info.rti_info[RTAX_IFA] = rt.rt_ifa.ifa_addr;
  if (rt.rt_ifp.if_flags & IFF_POINTOPOINT) info.rti_info[RTAX_BRD] = rt.rt_ifa.ifa_dstaddr;
  const m = rt_msg(RTM_GET, info, true);
  rtm.flags(
    m,
    rt.rt_flags & RTF_GWFLAG_COMPAT ? RTF_GATEWAY | (rt.rt_flags & ~RTF_GWFLAG_COMPAT) : rt.rt_flags,
  );
  m.set(rt_getmetrics(rt), 40);
  rtm.index(m, rt.rt_ifp.if_index);
  rtm.addrs(m, info.rti_addrs);
  return w.w_req.SYSCTL_OUT(m);
}

// net/if.h struct if_msghdrl / ifa_msghdrl on amd64: the fixed part, then if_data at 24 (and, as
// rtsock.c compiles it with _IN_NET_RTSOCK_C, a u_long ifi_oqdrops after the interface's).
const IF_MSGHDRL_SIZE = 24 + 152 + 8;
const IFA_MSGHDRL_SIZE = 24 + 152;
const MSGHDRL_DATA_OFF = 24;

// rtsock.c: sysctl_iflist_ifml — the if_msghdrl of NET_RT_IFLISTL.
function fill_if_msghdrl(b: Uint8Array, ifp: ifnet, addrs: number): void {
  const v = viewOf(b);
  v.setInt32(4, addrs, true);
  v.setInt32(8, ifp.if_flags | ifp.if_drv_flags, true);
  v.setUint16(12, ifp.if_index, true);
  v.setUint16(14, 0, true);
  v.setUint16(16, IF_MSGHDRL_SIZE, true);
  v.setUint16(18, MSGHDRL_DATA_OFF, true);
  encodeIfData({ ...ifp.if_data, ifi_datalen: ifp.if_data.ifi_datalen + 8 }, b, MSGHDRL_DATA_OFF);
  // ifi_oqdrops: the send queue's drops; the twin's drivers keep no queue.
  v.setBigUint64(MSGHDRL_DATA_OFF + 152, 0n, true);
}

/**
 * rtsock.c: sysctl_iflist_ifaml — the ifa_msghdrl of NET_RT_IFLISTL. ifam_data is the address's
 * own if_data, of which the twin keeps only ifi_datalen (ifa_init): per-address packet counts
 * are not modelled.
 */
function fill_ifa_msghdrl(b: Uint8Array, ifa: ifaddr, addrs: number): void {
  const v = viewOf(b);
  v.setInt32(4, addrs, true);
  v.setInt32(8, ifa.ifa_flags, true);
  v.setUint16(12, ifa.ifa_ifp.if_index, true);
  v.setUint16(14, 0, true);
  v.setUint16(16, IFA_MSGHDRL_SIZE, true);
  v.setUint16(18, MSGHDRL_DATA_OFF, true);
  v.setInt32(20, ifa.ifa_metric, true);
  b[MSGHDRL_DATA_OFF + 7] = 152;
}

// rtsock.c: sysctl_iflist — per interface an RTM_IFINFO, then an RTM_NEWADDR per address.
function sysctl_iflist(af: number, w: walkarg): number {
  const l = w.w_op === NET_RT_IFLISTL;
  for (const ifp of curvnet().ifnet) {
    if (w.w_arg && w.w_arg !== ifp.if_index) continue;
    const lifa = ifp.if_addr;
    KASSERT(lifa !== null, `${ifp.if_xname}: attached without a link-level address`);
    const info = rt_addrinfo_zero();
    info.rti_info[RTAX_IFP] = lifa.ifa_addr;
    const im = rt_msg(RTM_IFINFO, info, true, l ? IF_MSGHDRL_SIZE : IF_MSGHDR_SIZE);
    if (l) fill_if_msghdrl(im, ifp, info.rti_addrs);
    else fill_if_msghdr(im, ifp, info.rti_addrs);
    let error = w.w_req.SYSCTL_OUT(im);
    if (error) return error;
    info.rti_info[RTAX_IFP] = null;
    for (const ifa of ifp.if_addrhead.slice(ifp.if_addrhead.indexOf(lifa) + 1)) {
      if (af && af !== sockaddrFamily(ifa.ifa_addr)) continue;
      if (prison_if(w.w_req.td.td_ucred, ifa.ifa_addr) !== 0) continue;
      info.rti_info[RTAX_IFA] = ifa.ifa_addr;
      info.rti_info[RTAX_NETMASK] = ifa.ifa_netmask;
      info.rti_info[RTAX_BRD] = ifa.ifa_dstaddr;
      const am = rt_msg(RTM_NEWADDR, info, true, l ? IFA_MSGHDRL_SIZE : IFA_MSGHDR_SIZE);
      if (l) {
        fill_ifa_msghdrl(am, ifa, info.rti_addrs);
      } else {
        ifam.addrs(am, info.rti_addrs);
        ifam.flags(am, ifa.ifa_flags);
        ifam.index(am, ifa.ifa_ifp.if_index);
        ifam.metric(am, ifa.ifa_metric);
      }
      error = w.w_req.SYSCTL_OUT(am);
      if (error) return error;
    }
  }
  return 0;
}

// rtsock.c: sysctl_ifmalist — an RTM_NEWMADDR per multicast membership.
function sysctl_ifmalist(af: number, w: walkarg): number {
  for (const ifp of curvnet().ifnet) {
    if (w.w_arg && w.w_arg !== ifp.if_index) continue;
    const info = rt_addrinfo_zero();
    info.rti_info[RTAX_IFP] = ifp.if_addr?.ifa_addr ?? null;
    for (const ifma of ifp.if_multiaddrs) {
      if (af && af !== sockaddrFamily(ifma.ifma_addr)) continue;
      if (prison_if(w.w_req.td.td_ucred, ifma.ifma_addr) !== 0) continue;
      info.rti_info[RTAX_IFA] = ifma.ifma_addr;
      info.rti_info[RTAX_GATEWAY] = sockaddrFamily(ifma.ifma_addr) !== AF_LINK ? ifma.ifma_lladdr : null;
      const m = rt_msg(RTM_NEWMADDR, info, true);
      KASSERT(ifma.ifma_ifp !== null, "sysctl_ifmalist: membership without ifp");
      viewOf(m).setUint16(12, ifma.ifma_ifp.if_index, true);
      viewOf(m).setInt32(8, 0, true);
      viewOf(m).setInt32(4, info.rti_addrs, true);
      const error = w.w_req.SYSCTL_OUT(m);
      if (error) return error;
    }
  }
  return 0;
}

/**
 * rtsock.c: sysctl_rtsock — net.routetable (CTL_NET.PF_ROUTE) with the name
 * 0.af.op.arg[.fib]: EPERM for writes, EISDIR/ENOTDIR for a name of the wrong length.
 */
function sysctl_rtsock(name: readonly number[], req: SysctlReq): number {
  const n = name.slice(1);
  if (req.newptr !== null) return EPERM;
  // namelen is a u_int: with nothing after net.routetable it wraps and reads as too long.
  if (name.length === 0) return ENOTDIR;
  let fib = 0;
  if (n[1] === NET_RT_DUMP) {
    if (n.length === 3) fib = 0;
    else if (n.length === 4) fib = n[3] === RT_ALL_FIBS ? 0 : n[3];
    else return n.length < 3 ? EISDIR : ENOTDIR;
    if (fib < 0 || fib >= rt_numfibs) return EINVAL;
  } else if (n.length !== 3) {
    return n.length < 3 ? EISDIR : ENOTDIR;
  }
  const af = n[0] & 0xff;
  if (af > AF_MAX) return EINVAL;
  const w: walkarg = { w_op: n[1], w_arg: n[2], w_req: req };
  let error = EINVAL;
  switch (w.w_op) {
    case NET_RT_DUMP:
    case NET_RT_FLAGS: {
      if (w.w_op === NET_RT_FLAGS && (w.w_arg === 0 || w.w_arg & RTF_LLINFO)) {
        return af !== 0 ? lltable_sysctl_dumparp(af, req) : EINVAL;
      }
      const lo = af === 0 ? 1 : af;
      const hi = af === 0 ? AF_MAX : af;
      error = 0;
      for (let i = lo; error === 0 && i <= hi; i++) {
        const rnh = rt_tables_get_rnh(fib, i);
        if (rnh !== null) error = rnh.rnh.rn_walktree((e) => sysctl_dumpentry(e.value, w));
        else if (af !== 0) error = EAFNOSUPPORT;
      }
      break;
    }
    case NET_RT_IFLIST:
    case NET_RT_IFLISTL:
      error = sysctl_iflist(af, w);
      break;
    case NET_RT_IFMALIST:
      error = sysctl_ifmalist(af, w);
      break;
  }
  return error;
}

SYSCTL_NODE("net", PF_ROUTE, "routetable", CTLFLAG_RD, (_oidp, name, req) => sysctl_rtsock(name, req));
