// Interfaces and their addresses (10.4 sys/net/if.c): ifaddr reference counts, interface
// allocation, attach and detach, address lookups, multicast memberships, up/down with the
// protocols' notification, the loopback routes of interface addresses, and the interface
// ioctls (ifioctl/ifhwioctl) that reach the protocol's control routine last.

import {
  EADDRINUSE,
  EFAULT,
  EHOSTUNREACH,
  EINVAL,
  ENAMETOOLONG,
  ENODEV,
  ENOENT,
  ENOIOCTL,
  ENOMSG,
  ENXIO,
  EOPNOTSUPP,
  EPROTONOSUPPORT,
} from "../../abi/errno.ts";
import {
  IFF_BROADCAST,
  IFF_CANTCHANGE,
  IFF_DYING,
  IFF_MULTICAST,
  IFF_POINTOPOINT,
  IFF_PPROMISC,
  IFF_PROMISC,
  IFF_SMART,
  IFF_UP,
  IFNAMSIZ,
  IFREQ_OFFSETS,
  IFT_BRIDGE,
  IFT_ETHER,
  IFT_L2VLAN,
} from "../../abi/if.ts";
import { IFAN_ARRIVAL, IFAN_DEPARTURE, LINK_STATE_UP } from "../../abi/if.ts";
import { IF_DATA_SIZE, emptyIfData } from "../../abi/if.ts";
import { viewOf, writeCString } from "../../abi/decode.ts";
import {
  RTF_HOST,
  RTF_PINNED,
  RTF_RNH_LOCKED,
  RTF_STATIC,
  RTF_UP,
  RTM_ADD,
  RTM_DELETE,
  RTM_DELMADDR,
  RTM_NEWMADDR,
  RTAX_DST,
  RTAX_GATEWAY,
} from "../../abi/route_defs.ts";
import { encodeInAliasreq, inAliasreq } from "../../abi/in.ts";
import {
  AF_INET,
  AF_LINK,
  AF_MAX,
  AF_UNSPEC,
  LLADDR,
  isSockaddrDl,
  isSockaddrIn,
  sockaddrDl,
  sockaddrFamily,
  sockaddrIn,
  sockaddrLen,
} from "../../abi/socket.ts";
import type { Sockaddr, SockaddrIn } from "../../abi/socket.ts";
import * as sockioModule from "../../abi/sockio.ts";
import { priv_check, type Thread } from "../kern/cred.ts";
import * as priv from "../kern/cred.ts";
import { domains } from "../kern/domain.ts";
import { EVENTHANDLER_INVOKE, IFNET_EVENT_DOWN, IFNET_EVENT_UP } from "../kern/eventhandler.ts";
import { InvariantError, KASSERT } from "../kern/invariant.ts";
import { log, LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING } from "../kern/syslog.ts";
import { arp_ifinit } from "../netinet/if_ether.ts";
import { in_control, in_ifdetach } from "../netinet/in.ts";
import { carp_attach_p } from "../netinet/ip_carp.ts";
import { if_clone_create, if_clone_destroy, if_clone_list } from "./if_clone.ts";
import { ifnet, in_ifaddr, type IoctlData, type ifaddr, type ifmultiaddr } from "./if_var.ts";
import { sa_equal, sa_from_image, sa_image, saByte } from "./radix.ts";
import {
  rtalloc1_fib,
  RTFREE,
  null_sdl,
  rtrequest1_fib,
  rtrequest_fib,
  rt_addrinfo_zero,
  rt_numfibs,
  rt_tables_get_rnh,
  type rt_addrinfo,
  type rtentry,
} from "./route.ts";
import { rt_ifannouncemsg, rt_ifmsg, rt_newmaddrmsg } from "./rtsock.ts";
import { CURVNET_RESTORE, CURVNET_SET, curvnet, type vnet } from "./vnet.ts";
import { list_remove } from "../sys/queue.ts";

// The ioctl numbers as plain data properties, copied once. Through the module namespace every
// `sockio.X` is a getter call in the TypeScript runners (tsx, vitest), and ifhwioctl's switch
// reads dozens of them per call before it reaches ENOIOCTL.
const sockio = { ...sockioModule };

// sys/protosw.h: the control-input commands if_up/if_down send
export const PRC_IFDOWN = 0;
export const PRC_IFUP = 2;

/** if.c ifdescr_maxlen (net.ifdescr_maxlen): the longest description SIOCSIFDESCR takes. */
const IFDESCR_MAXLEN = 1024;

/** if_var.h IF_MINMTU / IF_MAXMTU */
export const IF_MINMTU = 72;
export const IF_MAXMTU = 65535;

/** if_var.h IF_DUNIT_NONE */
export const IF_DUNIT_NONE = -1;

// ---------------------------------------------------------------------------------------------
// ifaddr reference counts

/**
 * if.c: ifa_alloc (the seed era's allocator; 10.4 has malloc + ifa_init) — the new ifaddr
 * starts with one reference and is tracked until its last reference goes.
 */
export function ifa_alloc<T extends ifaddr>(ifa: T): T {
  KASSERT(ifa.ifa_refcnt === 0, "ifa_alloc: ifaddr already in use");
  ifa.ifa_refcnt = 1;
  ifa.ifa_ifp.if_vnet.ifaddrs_live.add(ifa);
  return ifa;
}

// if.c: ifa_ref
export function ifa_ref(ifa: ifaddr): void {
  KASSERT(ifa.ifa_refcnt > 0, "ifa_ref: ifaddr already freed");
  ifa.ifa_refcnt++;
}

// if.c: ifa_free — the last reference frees the address.
export function ifa_free(ifa: ifaddr): void {
  if (ifa.ifa_refcnt <= 0) throw new InvariantError("ifa_free: reference count underflow");
  ifa.ifa_refcnt--;
  if (ifa.ifa_refcnt === 0) ifa.ifa_ifp.if_vnet.ifaddrs_live.delete(ifa);
  // Down to the seed's unreleased ifa_alloc reference (in.ts in_aifaddr_allocref_held): the
  // address is off every list and unreachable, as the C leaks it. Keeping it would make every
  // SIOCAIFADDR+SIOCDIFADDR pair retain an in_ifaddr for good.
  else if (ifa.ifa_refcnt === 1 && ifa instanceof in_ifaddr && ifa.ia_allocref)
    ifa.ifa_ifp.if_vnet.ifaddrs_live.release(ifa);
}

// ---------------------------------------------------------------------------------------------
// interface index and lookup

// if.c: ifnet_byindex_locked / ifnet_byindex
export function ifnet_byindex(idx: number): ifnet | null {
  const v = curvnet();
  if (idx > v.if_index || idx < 0) return null;
  return v.ifindex_table[idx] ?? null;
}

// if.c: ifaddr_byindex — the link-level address, referenced.
export function ifaddr_byindex(idx: number): ifaddr | null {
  const ifp = ifnet_byindex(idx);
  const ifa = ifp?.if_addr ?? null;
  if (ifa !== null) ifa_ref(ifa);
  return ifa;
}

// if.c: ifindex_alloc_locked — the lowest free slot above 0.
function ifindex_alloc(v: vnet): number {
  let idx = 1;
  while (idx <= v.if_index && v.ifindex_table[idx] !== null) idx++;
  if (idx > 0xffff) return -1;
  if (idx > v.if_index) v.if_index = idx;
  while (v.ifindex_table.length <= idx) v.ifindex_table.push(null);
  return idx;
}

// if.c: ifindex_free_locked
function ifindex_free(v: vnet, idx: number): void {
  v.ifindex_table[idx] = null;
  while (v.if_index > 0 && v.ifindex_table[v.if_index] === null) v.if_index--;
}

// if.c: if_alloc — an interface with an index in the current VNET, not yet attached.
export function if_alloc(type: number): ifnet | null {
  const v = curvnet();
  const idx = ifindex_alloc(v);
  if (idx < 0) return null;
  const ifp = new ifnet(v, emptyIfData(), type);
  ifp.if_index = idx;
  v.ifindex_table[idx] = ifp;
  return ifp;
}

// if.c: if_initname
export function if_initname(ifp: ifnet, name: string, unit: number): void {
  ifp.if_dname = name;
  ifp.if_dunit = unit;
  ifp.if_xname = (unit !== IF_DUNIT_NONE ? `${name}${unit}` : name).slice(0, IFNAMSIZ - 1);
}

// if.c: if_ref / if_rele
export function if_ref(ifp: ifnet): void {
  ifp.if_refcount++;
}

export function if_rele(ifp: ifnet): void {
  KASSERT(ifp.if_refcount > 0, "if_rele: reference count underflow");
  ifp.if_refcount--;
}

// if.c: if_free — gives up the index; the storage goes with the last reference.
export function if_free(ifp: ifnet): void {
  ifp.if_flags |= IFF_DYING;
  const v = ifp.if_vnet;
  KASSERT(v.ifindex_table[ifp.if_index] === ifp, `${ifp.if_xname}: freeing unallocated ifnet`);
  ifindex_free(v, ifp.if_index);
  if_rele(ifp);
}

// if.c: ifunit — by name, dying or not.
export function ifunit(name: string): ifnet | null {
  const n = name.slice(0, IFNAMSIZ);
  return curvnet().ifnet.find((ifp) => ifp.if_xname === n) ?? null;
}

/** The length of the name an ifr_name's bytes hold: up to a NUL, the buffer's end or IFNAMSIZ. */
function ifname_len(name: Uint8Array): number {
  const end = Math.min(name.length, IFNAMSIZ);
  for (let i = 0; i < end; i++) if (name[i] === 0) return i;
  return end;
}

/**
 * ifunit_ref's strncmp(if_xname, name, IFNAMSIZ) == 0 on a name's bytes (`len` of them, from
 * ifname_len), read in place, so that finding the interface of every interface ioctl builds no
 * string. Names share their driver prefix, so the unit digits at the end are compared first.
 */
function ifname_equal(xname: string, name: Uint8Array, len: number): boolean {
  if (xname.length !== len) return false;
  for (let i = len - 1; i >= 0; i--) if (name[i] !== xname.charCodeAt(i)) return false;
  return true;
}

// if.c: ifunit_ref — by name (a string, or the bytes of an ifr_name), skipping dying
// interfaces, referenced.
export function ifunit_ref(name: string | Uint8Array): ifnet | null {
  let bytes: Uint8Array;
  if (typeof name === "string") {
    bytes = new Uint8Array(IFNAMSIZ);
    writeCString(bytes, 0, IFNAMSIZ, name);
  } else bytes = name;
  const len = ifname_len(bytes);
  for (const ifp of curvnet().ifnet) {
    if (ifname_equal(ifp.if_xname, bytes, len) && !(ifp.if_flags & IFF_DYING)) {
      if_ref(ifp);
      return ifp;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// attach and detach

/** kern_tc.c getmicrotime: wall-clock time, boottime plus the virtual uptime. */
function getmicrotime(v: vnet): { tv_sec: number; tv_usec: number } {
  const c = v.clock;
  const usec = Math.floor((c.ticks * 1_000_000) / c.hz);
  return { tv_sec: c.boottime + c.bootUptime + Math.floor(usec / 1_000_000), tv_usec: usec % 1_000_000 };
}

function touch(ifp: ifnet): void {
  const t = getmicrotime(ifp.if_vnet);
  ifp.if_data.ifi_lastchange = { tv_sec: BigInt(t.tv_sec), tv_usec: BigInt(t.tv_usec) };
}

/** if.c if_transmit (the IFQ_HANDOFF default): the twin has no queue, so it starts output now. */
function if_transmit_default(ifp: ifnet): number {
  if (ifp.if_start !== null) ifp.if_start(ifp);
  return 0;
}

/**
 * if.c: if_attach (if_attach_internal) — the link-level address first on if_addrhead, the
 * interface on V_ifnet, protocol state from every domain, then the arrival event and the
 * RTM_IFANNOUNCE message.
 */
export function if_attach(ifp: ifnet): void {
  const v = curvnet();
  KASSERT(
    ifp.if_index !== 0 && ifnet_byindex(ifp.if_index) === ifp,
    `${ifp.if_xname}: if_attach without if_alloc`,
  );
  ifp.if_vnet = v;
  touch(ifp);
  ifp.if_data.ifi_epoch = BigInt(v.clock.time_uptime);
  ifp.if_data.ifi_datalen = IF_DATA_SIZE;
  KASSERT(
    (ifp.if_transmit === null) === (ifp.if_qflush === null),
    "transmit and qflush must both be set or unset",
  );
  if (ifp.if_transmit === null) {
    ifp.if_transmit = (i) => if_transmit_default(i);
    ifp.if_qflush = () => undefined;
  }
  if (ifp.if_input === null) ifp.if_input = () => undefined;

  // The name and address, with room to rename in place: sdl_len is the larger of
  // offsetof(sdl_data) + IFNAMSIZ + if_addrlen and sizeof(struct sockaddr_dl), rounded to a long.
  const namelen = ifp.if_xname.length;
  const masklen = 8 + IFNAMSIZ;
  const socksize = roundup(Math.max(masklen + ifp.if_addrlen, 54), 8);
  const sdl = sockaddrDl({ index: ifp.if_index, type: ifp.if_type, name: ifp.if_xname, len: socksize });
  sdl.sdl_alen = 0;
  const mask = sockaddrDl({ index: 0, type: 0, len: masklen });
  mask.sdl_data.fill(0xff, 0, namelen);
  mask.sdl_family = 0;
  const ifa = ifa_alloc<ifaddr>({
    ifa_addr: sdl,
    ifa_dstaddr: null,
    ifa_netmask: mask,
    ifa_ifp: ifp,
    ifa_carp: null,
    ifa_rtrequest: link_rtrequest,
    ifa_flags: 0,
    ifa_refcnt: 0,
    ifa_metric: 0,
    ifa_live: -1,
  });
  ifp.if_addr = ifa;
  ifp.if_addrhead.unshift(ifa);
  ifp.if_broadcastaddr = null;
  if (ifp.if_type === IFT_ETHER) ifp.if_hw_addr = new Uint8Array(ifp.if_addrlen);

  v.ifnet.push(ifp);
  if_attachdomain1(ifp);
  EVENTHANDLER_INVOKE("ifnet_arrival_event", ifp);
  rt_ifannouncemsg(ifp, IFAN_ARRIVAL);
}

function roundup(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** The sockaddr_dl mask built above is a plain sockaddr with family 0 in the kernel. */
// if.c: if_attachdomain1 — each domain's per-interface state into if_afdata.
function if_attachdomain1(ifp: ifnet): void {
  if (ifp.if_afdata_initialized) {
    log(LOG_WARNING, `if_attachdomain1 called more than once on ${ifp.if_xname}`);
    return;
  }
  ifp.if_afdata_initialized = 1;
  for (const dp of domains) if (dp.dom_ifattach !== null) ifp.if_afdata[dp.dom_family] = dp.dom_ifattach(ifp);
}

/** The in_aliasreq if_purgeaddrs hands to in_control(SIOCDIFADDR) for an IPv4 address. */
function purgeRequest(ifp: ifnet, ifa: ifaddr): Uint8Array {
  const zero = sockaddrIn(0, 0);
  zero.sin_family = 0;
  const addr = ifa.ifa_addr as SockaddrIn;
  const brd = ifa.ifa_dstaddr !== null && isSockaddrIn(ifa.ifa_dstaddr) ? ifa.ifa_dstaddr : zero;
  return encodeInAliasreq(inAliasreq(ifp.if_xname, addr, zero, brd));
}

// if.c: if_purgeaddrs — every address but the link-level one; IPv4 ones through in_control.
export function if_purgeaddrs(ifp: ifnet): void {
  for (const ifa of [...ifp.if_addrhead]) {
    if (sockaddrFamily(ifa.ifa_addr) === AF_LINK) continue;
    if (sockaddrFamily(ifa.ifa_addr) === AF_INET) {
      if (in_control(null, sockio.SIOCDIFADDR, purgeRequest(ifp, ifa), ifp, null) === 0) continue;
    }
    if (list_remove(ifp.if_addrhead, ifa)) ifa_free(ifa);
  }
}

// if.c: if_purgemaddrs
function if_purgemaddrs(ifp: ifnet): void {
  for (const ifma of [...ifp.if_multiaddrs])
    if (ifp.if_multiaddrs.includes(ifma)) if_delmulti_locked(ifp, ifma, 1);
}

// if.c: if_rtdel — removes a route through the departing interface.
function if_rtdel(rt: rtentry, ifp: ifnet): number {
  if (rt.rt_ifp !== ifp || (rt.rt_flags & RTF_UP) === 0) return 0;
  const err = rtrequest_fib(
    RTM_DELETE,
    rt.rt_key,
    rt.rt_gateway,
    rt.rt_mask,
    rt.rt_flags | RTF_RNH_LOCKED | RTF_PINNED,
    null,
    rt.rt_fibnum,
  );
  if (err) log(LOG_WARNING, `if_rtdel: error ${err}`);
  return 0;
}

/**
 * if.c: if_detach (if_detach_internal) — off V_ifnet, down, addresses purged, IPv4 state
 * (in_ifdetach), multicast purged, the link address freed, remaining routes deleted, the
 * departure announced, then each domain's dom_ifdetach. ENOENT if it was not attached.
 */
export function if_detach(ifp: ifnet): number {
  const v = ifp.if_vnet;
  const at = v.ifnet.indexOf(ifp);
  if (at < 0) return ENOENT;
  v.ifnet.splice(at, 1);
  // taskqueue_drain(taskqueue_swi, &ifp->if_linktask) has nothing to wait for: the twin runs
  // the link task when it is queued (if_link_state_change).
  if_down(ifp);
  if_purgeaddrs(ifp);
  in_ifdetach(ifp);
  if_purgemaddrs(ifp);
  // if_dead: no more calls into the driver.
  ifp.if_ioctl = () => ENXIO;
  ifp.if_output = () => ENXIO;
  ifp.if_start = () => undefined;
  ifp.if_transmit = () => ENXIO;
  ifp.if_qflush = () => undefined;
  ifp.if_input = () => undefined;
  ifp.if_resolvemulti = null;
  ifp.if_hw_addr = null;
  ifp.if_addr = null;
  const first = ifp.if_addrhead.shift();
  if (first !== undefined) ifa_free(first);
  for (let af = 1; af <= AF_MAX; af++) {
    for (let fib = 0; fib < rt_numfibs; fib++) {
      const rnh = rt_tables_get_rnh(fib, af);
      if (rnh !== null) rnh.rnh.rn_walktree((e) => if_rtdel(e.value, ifp));
    }
  }
  rt_ifannouncemsg(ifp, IFAN_DEPARTURE);
  EVENTHANDLER_INVOKE("ifnet_departure_event", ifp);
  const initialized = ifp.if_afdata_initialized;
  ifp.if_afdata_initialized = 0;
  for (const dp of domains) {
    if (!initialized) break;
    const aux = ifp.if_afdata[dp.dom_family];
    if (dp.dom_ifdetach !== null && aux !== null && aux !== undefined) dp.dom_ifdetach(ifp, aux);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// address lookups (each returns a referenced ifaddr)

function ifaHasBroadcast(ifp: ifnet, ifa: ifaddr): boolean {
  return (
    (ifp.if_flags & IFF_BROADCAST) !== 0 && ifa.ifa_dstaddr !== null && sockaddrLen(ifa.ifa_dstaddr) !== 0
  );
}

// if.c: ifa_ifwithaddr (ifa_ifwithaddr_internal) — an address equal to `addr`, or a broadcast
// address equal to it, referenced.
export function ifa_ifwithaddr(addr: Sockaddr): ifaddr | null {
  for (const ifp of curvnet().ifnet) {
    for (const ifa of ifp.if_addrhead) {
      if (sockaddrFamily(ifa.ifa_addr) !== sockaddrFamily(addr)) continue;
      if (
        sa_equal(addr, ifa.ifa_addr) ||
        (ifaHasBroadcast(ifp, ifa) && sa_equal(ifa.ifa_dstaddr as Sockaddr, addr))
      ) {
        ifa_ref(ifa);
        return ifa;
      }
    }
  }
  return null;
}

// if.c: ifa_ifwithdstaddr_fib — the point-to-point address whose other end is `addr`.
export function ifa_ifwithdstaddr_fib(addr: Sockaddr, fibnum: number): ifaddr | null {
  for (const ifp of curvnet().ifnet) {
    if ((ifp.if_flags & IFF_POINTOPOINT) === 0) continue;
    if (fibnum !== -1 && ifp.if_fib !== fibnum) continue;
    for (const ifa of ifp.if_addrhead) {
      if (sockaddrFamily(ifa.ifa_addr) !== sockaddrFamily(addr)) continue;
      if (ifa.ifa_dstaddr !== null && sa_equal(addr, ifa.ifa_dstaddr)) {
        ifa_ref(ifa);
        return ifa;
      }
    }
  }
  return null;
}

// if.c: ifa_ifwithdstaddr
export function ifa_ifwithdstaddr(addr: Sockaddr): ifaddr | null {
  return ifa_ifwithdstaddr_fib(addr, -1);
}

/** Whether `addr` falls in ifa's network: sa_data bytes compared under the netmask's bytes. */
export function inNetwork(addr: Sockaddr, ifa: ifaddr): boolean {
  const nm = ifa.ifa_netmask as Sockaddr;
  const ia = ifa.ifa_addr;
  const n = sockaddrLen(nm);
  // Three sockaddr_ins with zero sin_zero: bytes 2-3 are the port, 4-7 the address, and the
  // rest compare equal; only the mask's first n bytes count.
  if (isSockaddrIn(addr) && isSockaddrIn(ia) && isSockaddrIn(nm)) {
    if (addr.sin_zero === undefined && ia.sin_zero === undefined && nm.sin_zero === undefined) {
      const portBytes = n >= 4 ? 0xffff : n === 3 ? 0xff00 : 0;
      const addrBytes = n >= 8 ? 0xffffffff : n <= 4 ? 0 : (0xffffffff << (32 - 8 * (n - 4))) >>> 0;
      return (
        ((addr.sin_port ^ ia.sin_port) & nm.sin_port & portBytes) === 0 &&
        ((addr.sin_addr ^ ia.sin_addr) & nm.sin_addr & addrBytes) === 0
      );
    }
  }
  for (let i = 2; i < n; i++) if ((saByte(addr, i) ^ saByte(ia, i)) & saByte(nm, i)) return false;
  return true;
}

/** radix.c rn_refines: m refines n when every bit of n is in m and they differ. */
function rn_refines(m: Sockaddr, n: Sockaddr): boolean {
  const mlen = saByte(m, 0);
  const nlen = saByte(n, 0);
  const len = Math.max(mlen, nlen);
  let masksDiffer = false;
  for (let i = 1; i < len; i++) {
    const x = i < mlen ? saByte(m, i) : 0;
    const y = i < nlen ? saByte(n, i) : 0;
    if ((x & y) !== y) return false;
    if (x !== y) masksDiffer = true;
  }
  return masksDiffer;
}

// if.c: ifa_preferred — only CARP addresses make a difference, and the twin runs no CARP master.
function ifa_preferred(cur: ifaddr, next: ifaddr): boolean {
  return cur.ifa_carp !== null && next.ifa_carp === null;
}

/**
 * if.c: ifa_ifwithnet_fib — the address whose network holds `addr`, the most specific one if
 * several do; AF_LINK addresses go straight to their interface by sdl_index. On a
 * point-to-point interface only an exact destination match counts (unless ignore_ptp).
 */
export function ifa_ifwithnet_fib(addr: Sockaddr, ignore_ptp: number, fibnum: number): ifaddr | null {
  const af = sockaddrFamily(addr);
  if (af === AF_LINK && isSockaddrDl(addr) && addr.sdl_index && addr.sdl_index <= curvnet().if_index) {
    return ifaddr_byindex(addr.sdl_index);
  }
  let ifa_maybe: ifaddr | null = null;
  for (const ifp of curvnet().ifnet) {
    if (fibnum !== -1 && ifp.if_fib !== fibnum) continue;
    for (const ifa of ifp.if_addrhead) {
      if (sockaddrFamily(ifa.ifa_addr) !== af) continue;
      if (af === AF_INET && ifp.if_flags & IFF_POINTOPOINT && !ignore_ptp) {
        if (ifa.ifa_dstaddr !== null && sa_equal(addr, ifa.ifa_dstaddr)) {
          ifa_ref(ifa);
          if (ifa_maybe !== null) ifa_free(ifa_maybe);
          return ifa;
        }
        continue;
      }
      if (ifa.ifa_netmask === null || !inNetwork(addr, ifa)) continue;
      if (
        ifa_maybe === null ||
        ifa_preferred(ifa_maybe, ifa) ||
        rn_refines(ifa.ifa_netmask, ifa_maybe.ifa_netmask as Sockaddr)
      ) {
        if (ifa_maybe !== null) ifa_free(ifa_maybe);
        ifa_maybe = ifa;
        ifa_ref(ifa_maybe);
      }
    }
  }
  return ifa_maybe;
}

// if.c: ifa_ifwithnet
export function ifa_ifwithnet(addr: Sockaddr, ignore_ptp: number): ifaddr | null {
  return ifa_ifwithnet_fib(addr, ignore_ptp, -1);
}

/**
 * if.c: ifaof_ifpforaddr — on one interface, the address of that family best matching
 * `addr`: the first whose network holds it (or whose destination is it on point-to-point
 * links), else the first of the family.
 */
export function ifaof_ifpforaddr(addr: Sockaddr, ifp: ifnet): ifaddr | null {
  const af = sockaddrFamily(addr);
  if (af >= AF_MAX) return null;
  let ifa_maybe: ifaddr | null = null;
  let found: ifaddr | null = null;
  for (const ifa of ifp.if_addrhead) {
    if (sockaddrFamily(ifa.ifa_addr) !== af) continue;
    if (ifa_maybe === null) ifa_maybe = ifa;
    if (ifa.ifa_netmask === null) {
      if (sa_equal(addr, ifa.ifa_addr) || (ifa.ifa_dstaddr !== null && sa_equal(addr, ifa.ifa_dstaddr))) {
        found = ifa;
        break;
      }
      continue;
    }
    if (ifp.if_flags & IFF_POINTOPOINT) {
      if (ifa.ifa_dstaddr !== null && sa_equal(addr, ifa.ifa_dstaddr)) {
        found = ifa;
        break;
      }
    } else if (inNetwork(addr, ifa)) {
      found = ifa;
      break;
    }
  }
  const ifa = found ?? ifa_maybe;
  if (ifa !== null) ifa_ref(ifa);
  return ifa;
}

/**
 * if.c: link_rtrequest — a route added through a link-level address switches to the
 * interface's address of the destination's family.
 */
export function link_rtrequest(cmd: number, rt: rtentry, info: rt_addrinfo | null): void {
  if (cmd !== RTM_ADD) return;
  const ifa = ifaof_ifpforaddr(rt.rt_key, rt.rt_ifa.ifa_ifp);
  if (ifa === null) return;
  const oifa = rt.rt_ifa;
  rt.rt_ifa = ifa;
  ifa_free(oifa);
  if (ifa.ifa_rtrequest !== null && ifa.ifa_rtrequest !== link_rtrequest) ifa.ifa_rtrequest(cmd, rt, info);
}

// ---------------------------------------------------------------------------------------------
// loopback routes to the interface's own addresses

/**
 * if.c: ifa_add_loopback_route — a static host route to `ia` through lo0 (V_loif), whose
 * gateway names the address's own interface.
 */
export function ifa_add_loopback_route(ifa: ifaddr, ia: Sockaddr): number {
  const info = rt_addrinfo_zero();
  info.rti_ifp = curvnet().loif;
  info.rti_flags = ifa.ifa_flags | RTF_HOST | RTF_STATIC;
  info.rti_info[RTAX_DST] = ia;
  info.rti_info[RTAX_GATEWAY] = null_sdl;
  const out: { rt: rtentry | null } = { rt: null };
  const error = rtrequest1_fib(RTM_ADD, info, out, ifa.ifa_ifp.if_fib);
  const rt = out.rt;
  if (error === 0 && rt !== null) {
    if (isSockaddrDl(rt.rt_gateway)) {
      rt.rt_gateway.sdl_type = ifa.ifa_ifp.if_type;
      rt.rt_gateway.sdl_index = ifa.ifa_ifp.if_index;
    }
    rt.rt_refcnt--;
  } else if (error !== 0) {
    log(LOG_DEBUG, `ifa_add_loopback_route: insertion failed: ${error}`);
  }
  return error;
}

// if.c: ifa_del_loopback_route
export function ifa_del_loopback_route(ifa: ifaddr, ia: Sockaddr): number {
  const info = rt_addrinfo_zero();
  info.rti_flags = ifa.ifa_flags | RTF_HOST | RTF_STATIC;
  info.rti_info[RTAX_DST] = ia;
  // null_sdl with the interface's index and type, written out (spreading the frozen null_sdl
  // is slow). A delete never reads the gateway's data bytes: they stay null_sdl's.
  info.rti_info[RTAX_GATEWAY] = {
    sdl_len: null_sdl.sdl_len,
    sdl_family: AF_LINK,
    sdl_index: ifa.ifa_ifp.if_index,
    sdl_type: ifa.ifa_ifp.if_type,
    sdl_nlen: 0,
    sdl_alen: 0,
    sdl_slen: 0,
    sdl_data: null_sdl.sdl_data,
  };
  const error = rtrequest1_fib(RTM_DELETE, info, null, ifa.ifa_ifp.if_fib);
  if (error !== 0) log(LOG_DEBUG, `ifa_del_loopback_route: deletion failed: ${error}`);
  return error;
}

/**
 * if.c: ifa_switch_loopback_route (the seed's 2014 head; absent from 10.4) — the loopback
 * route to `sa` now names `ifa`'s interface in its gateway. Only the gateway changes: rt_ifa
 * and rt_ifp stay as they were. EHOSTUNREACH when nothing routes `sa`.
 */
export function ifa_switch_loopback_route(ifa: ifaddr, sa: Sockaddr): number {
  const rt = rtalloc1_fib(sa, 0, 0, ifa.ifa_ifp.if_fib);
  if (rt === null) {
    log(LOG_DEBUG, "ifa_switch_loopback_route: fail");
    return EHOSTUNREACH;
  }
  if (isSockaddrDl(rt.rt_gateway)) {
    rt.rt_gateway.sdl_type = ifa.ifa_ifp.if_type;
    rt.rt_gateway.sdl_index = ifa.ifa_ifp.if_index;
  }
  RTFREE(rt);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// up and down

/** kern/uipc_domain.c pfctlinput — every domain's control input hears the event. */
export function pfctlinput(cmd: number, sa: Sockaddr): void {
  for (const dp of domains) if (dp.dom_ctlinput !== null) dp.dom_ctlinput(cmd, sa);
}

// if.c: if_unroute
function if_unroute(ifp: ifnet, flag: number, fam: number): void {
  KASSERT(flag === IFF_UP, "if_unroute: flag != IFF_UP");
  ifp.if_flags &= ~flag;
  touch(ifp);
  for (const ifa of [...ifp.if_addrhead])
    if (fam === AF_UNSPEC || fam === sockaddrFamily(ifa.ifa_addr)) pfctlinput(PRC_IFDOWN, ifa.ifa_addr);
  ifp.if_qflush?.(ifp);
  rt_ifmsg(ifp);
}

// if.c: if_route
function if_route(ifp: ifnet, flag: number, fam: number): void {
  KASSERT(flag === IFF_UP, "if_route: flag != IFF_UP");
  ifp.if_flags |= flag;
  touch(ifp);
  for (const ifa of [...ifp.if_addrhead])
    if (fam === AF_UNSPEC || fam === sockaddrFamily(ifa.ifa_addr)) pfctlinput(PRC_IFUP, ifa.ifa_addr);
  rt_ifmsg(ifp);
}

// if.c: if_down
export function if_down(ifp: ifnet): void {
  EVENTHANDLER_INVOKE("ifnet_event", ifp, IFNET_EVENT_DOWN);
  if_unroute(ifp, IFF_UP, AF_UNSPEC);
}

// if.c: if_up
export function if_up(ifp: ifnet): void {
  if_route(ifp, IFF_UP, AF_UNSPEC);
  EVENTHANDLER_INVOKE("ifnet_event", ifp, IFNET_EVENT_UP);
}

/**
 * if.c: if_link_state_change — records the new state and queues the link task on
 * taskqueue_swi (10.4 if.c:2139-2148). The twin runs the task at once: the swi thread has
 * priority PI_SWI(SWI_TQ) (subr_taskqueue.c:670-671, kern_intr.c:1127, priority.h:92-93),
 * below preempt_thresh = PRI_MIN_KERN under options PREEMPTION (sched_ule.c:210-214), so waking
 * it preempts the thread that queued the task (sched_ule.c:2343 sched_setpreempt). Its
 * RTM_IFINFO therefore comes before whatever that thread reports next, e.g. before the
 * RTM_NEWADDR of a SIOCAIFADDR whose SIOCSIFADDR brought the link up.
 */
export function if_link_state_change(ifp: ifnet, link_state: number): void {
  if (ifp.if_link_state === link_state) return;
  ifp.if_link_state = link_state;
  do_link_state_change(ifp);
}

// if.c: do_link_state_change — RTM_IFINFO and the link event, with the state as it is now.
function do_link_state_change(ifp: ifnet): void {
  const prev = CURVNET_SET(ifp.if_vnet);
  try {
    const link_state = ifp.if_link_state;
    rt_ifmsg(ifp);
    log(LOG_NOTICE, `${ifp.if_xname}: link state changed to ${link_state === LINK_STATE_UP ? "UP" : "DOWN"}`);
    EVENTHANDLER_INVOKE("ifnet_link_event", ifp, link_state);
  } finally {
    CURVNET_RESTORE(prev);
  }
}

// ---------------------------------------------------------------------------------------------
// multicast memberships

/** if.c sa_dl_equal: equal sdl_len and equal link-level addresses. */
function sa_dl_equal(a: Sockaddr, b: Sockaddr): boolean {
  if (!isSockaddrDl(a) || !isSockaddrDl(b)) return false;
  if (a.sdl_len !== b.sdl_len) return false;
  const la = LLADDR(a);
  const lb = b.sdl_data.subarray(b.sdl_nlen, b.sdl_nlen + a.sdl_alen);
  for (let i = 0; i < a.sdl_alen; i++) if (la[i] !== lb[i]) return false;
  return true;
}

// if.c: if_findmulti
export function if_findmulti(ifp: ifnet, sa: Sockaddr): ifmultiaddr | null {
  for (const ifma of ifp.if_multiaddrs) {
    if (sockaddrFamily(sa) === AF_LINK ? sa_dl_equal(ifma.ifma_addr, sa) : sa_equal(ifma.ifma_addr, sa))
      return ifma;
  }
  return null;
}

// if.c: if_allocmulti — copies of the addresses, one reference.
function if_allocmulti(ifp: ifnet, sa: Sockaddr, llsa: Sockaddr | null): ifmultiaddr {
  return {
    ifma_addr: sa_from_image(sa_image(sa).slice(0, Math.max(sockaddrLen(sa), 2))),
    ifma_lladdr:
      llsa === null ? null : sa_from_image(sa_image(llsa).slice(0, Math.max(sockaddrLen(llsa), 2))),
    ifma_ifp: ifp,
    ifma_refcount: 1,
    ifma_protospec: null,
    ifma_llifma: null,
  };
}

// if.c: if_freemulti
function if_freemulti(ifma: ifmultiaddr): void {
  KASSERT(ifma.ifma_refcount === 0, `if_freemulti: refcount ${ifma.ifma_refcount}`);
  KASSERT(ifma.ifma_protospec === null, "if_freemulti: protospec not NULL");
}

/**
 * if.c: if_addmulti — a new reference to an existing membership, or a new one (with its
 * link-layer group from if_resolvemulti, itself shared and counted) at the head of
 * if_multiaddrs, announced with RTM_NEWMADDR, then SIOCADDMULTI to the driver.
 */
export function if_addmulti(ifp: ifnet, sa: Sockaddr): { error: number; ifma: ifmultiaddr | null } {
  const existing = if_findmulti(ifp, sa);
  if (existing !== null) {
    existing.ifma_refcount++;
    return { error: 0, ifma: existing };
  }
  let llsa: Sockaddr | null = null;
  if (ifp.if_resolvemulti !== null) {
    const r = ifp.if_resolvemulti(ifp, sa);
    if (r.error) return { error: r.error, ifma: null };
    llsa = r.llsa;
  }
  const ifma = if_allocmulti(ifp, sa, llsa);
  if (llsa !== null) {
    let ll_ifma = if_findmulti(ifp, llsa);
    if (ll_ifma === null) {
      ll_ifma = if_allocmulti(ifp, llsa, null);
      ifp.if_multiaddrs.unshift(ll_ifma);
    } else {
      ll_ifma.ifma_refcount++;
    }
    ifma.ifma_llifma = ll_ifma;
  }
  ifp.if_multiaddrs.unshift(ifma);
  rt_newmaddrmsg(RTM_NEWMADDR, ifma);
  if (ifp.if_ioctl !== null) ifp.if_ioctl(ifp, sockio.SIOCADDMULTI, new Uint8Array(0));
  return { error: 0, ifma };
}

/**
 * if.c: if_delmulti_locked — drops a reference; the last one frees the membership and its
 * link-layer group's reference. Returns 1 when the driver's filter must be reprogrammed.
 */
function if_delmulti_locked(ifp: ifnet | null, ifma: ifmultiaddr, detaching: number): number {
  if (ifp !== null && ifma.ifma_ifp !== null)
    KASSERT(ifma.ifma_ifp === ifp, "if_delmulti_locked: inconsistent ifp");
  const mifp = ifma.ifma_ifp;
  if (detaching && mifp !== null) {
    rt_newmaddrmsg(RTM_DELMADDR, ifma);
    ifma.ifma_ifp = null;
  }
  if (--ifma.ifma_refcount > 0) return 0;
  const ll_ifma = ifma.ifma_llifma;
  if (ll_ifma !== null) {
    KASSERT(ifma.ifma_lladdr !== null, "if_delmulti_locked: llifma without lladdr");
    if (detaching) ll_ifma.ifma_ifp = null;
    if (--ll_ifma.ifma_refcount === 0) {
      if (mifp !== null) list_remove(mifp.if_multiaddrs, ll_ifma);
      if_freemulti(ll_ifma);
    }
  }
  if (mifp !== null) list_remove(mifp.if_multiaddrs, ifma);
  if_freemulti(ifma);
  return 1;
}

// if.c: if_delmulti — ENOENT when there is no such membership.
export function if_delmulti(ifp: ifnet, sa: Sockaddr): number {
  const ifma = if_findmulti(ifp, sa);
  if (ifma === null) return ENOENT;
  const lastref = if_delmulti_locked(ifp, ifma, 0);
  if (lastref && ifp.if_ioctl !== null) ifp.if_ioctl(ifp, sockio.SIOCDELMULTI, new Uint8Array(0));
  return 0;
}

// if.c: if_delmulti_ifma
export function if_delmulti_ifma(ifma: ifmultiaddr): void {
  const ifp =
    ifma.ifma_ifp !== null && ifma.ifma_ifp.if_vnet.ifnet.includes(ifma.ifma_ifp) ? ifma.ifma_ifp : null;
  const lastref = if_delmulti_locked(ifp, ifma, 0);
  if (ifp !== null && lastref && ifp.if_ioctl !== null)
    ifp.if_ioctl(ifp, sockio.SIOCDELMULTI, new Uint8Array(0));
}

/** An ifreq holding ifp's current flags, as if.c builds one for the driver. */
function flagsIfreq(ifp: ifnet): Uint8Array {
  const ifr = new Uint8Array(32);
  writeCString(ifr, 0, IFNAMSIZ, ifp.if_xname);
  const v = viewOf(ifr);
  v.setInt16(IFREQ_OFFSETS.ifr_flags, ifp.if_flags & 0xffff, true);
  v.setInt16(IFREQ_OFFSETS.ifr_flagshigh, ifp.if_flags >> 16, true);
  return ifr;
}

// ---------------------------------------------------------------------------------------------
// link-level address

// if.c if_setlladdr's list, numbered by net/if_types.h: ETHER, FDDI (0xf), XETHER (0x1a),
// ISO88025 (0x9), L2VLAN, BRIDGE, ARCNET (0x23), IEEE8023ADLAG (0xa1), IEEE80211 (0x47).
const LLADDR_TYPES = new Set([IFT_ETHER, 0xf, 0x1a, 0x9, IFT_L2VLAN, IFT_BRIDGE, 0x23, 0xa1, 0x47]);

/**
 * if.c: if_setlladdr — only for link types with a settable address, and only at the same
 * length; an interface that is up is bounced and announces its addresses again (arp_ifinit).
 */
export function if_setlladdr(ifp: ifnet, lladdr: Uint8Array, len: number): number {
  const ifa = ifp.if_addr;
  if (ifa === null) return EINVAL;
  const sdl = ifa.ifa_addr;
  if (!isSockaddrDl(sdl) || len !== sdl.sdl_alen) return EINVAL;
  if (!LLADDR_TYPES.has(ifp.if_type)) return ENODEV;
  sdl.sdl_data.set(lladdr.subarray(0, len), sdl.sdl_nlen);
  if (ifp.if_flags & IFF_UP) {
    if (ifp.if_ioctl !== null) {
      ifp.if_flags &= ~IFF_UP;
      ifp.if_ioctl(ifp, sockio.SIOCSIFFLAGS, flagsIfreq(ifp));
      ifp.if_flags |= IFF_UP;
      ifp.if_ioctl(ifp, sockio.SIOCSIFFLAGS, flagsIfreq(ifp));
    }
    for (const a of [...ifp.if_addrhead]) if (sockaddrFamily(a.ifa_addr) === AF_INET) arp_ifinit(ifp, a);
  }
  return 0;
}

/** if_types.h IFT_IEEE8023ADLAG: lagg ports keep their hardware address too. */
const IFT_IEEE8023ADLAG = 0xa1;

// if.c: if_gethwaddr — the address read at attach, into ifr_addr.sa_data.
function if_gethwaddr(ifp: ifnet, ifr: Uint8Array): number {
  if (ifp.if_hw_addr === null) return ENODEV;
  if (ifp.if_type !== IFT_ETHER && ifp.if_type !== IFT_IEEE8023ADLAG) return ENODEV;
  ifr.set(ifp.if_hw_addr.subarray(0, ifp.if_addrlen), IFREQ_OFFSETS.ifr_addr + 2);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// interface ioctls

/** struct ifreq's ifr_addr, read as the kernel would: sa_len, sa_family, then sa_data. */
function ifrSockaddr(ifr: Uint8Array): Sockaddr {
  const img = ifr.slice(IFREQ_OFFSETS.ifr_addr, IFREQ_OFFSETS.ifr_addr + 16);
  return sa_from_image(img.subarray(0, Math.max(2, Math.min(img[0], 16))));
}

/**
 * if.c: ifhwioctl — the generic interface ioctls. ENOIOCTL for anything else, so ifioctl
 * passes it on to the protocol.
 */
function ifhwioctl(cmd: number, ifp: ifnet, ifr: Uint8Array, td: Thread): number {
  // A DataView only in the cases that read or write the ifreq: most commands reaching here are
  // not ifhwioctl's, and for them it would be wasted work on every call.
  let error = 0;
  switch (cmd) {
    case sockio.SIOCGIFINDEX:
      viewOf(ifr).setInt16(IFREQ_OFFSETS.ifr_index, ifp.if_index, true);
      return 0;
    case sockio.SIOCGIFFLAGS: {
      const temp = ifp.if_flags | ifp.if_drv_flags;
      viewOf(ifr).setInt16(IFREQ_OFFSETS.ifr_flags, temp & 0xffff, true);
      viewOf(ifr).setInt16(IFREQ_OFFSETS.ifr_flagshigh, temp >> 16, true);
      return 0;
    }
    case sockio.SIOCGIFCAP:
      viewOf(ifr).setInt32(IFREQ_OFFSETS.ifr_reqcap, ifp.if_capabilities, true);
      viewOf(ifr).setInt32(IFREQ_OFFSETS.ifr_curcap, ifp.if_capenable, true);
      return 0;
    case sockio.SIOCGIFMETRIC:
      viewOf(ifr).setInt32(IFREQ_OFFSETS.ifr_metric, ifp.if_metric, true);
      return 0;
    case sockio.SIOCGIFMTU:
      viewOf(ifr).setInt32(IFREQ_OFFSETS.ifr_mtu, ifp.if_mtu, true);
      return 0;
    case sockio.SIOCGIFPHYS:
      viewOf(ifr).setInt32(IFREQ_OFFSETS.ifr_phys, ifp.if_data.ifi_physical, true);
      return 0;
    case sockio.SIOCGIFDESCR: {
      if (ifp.if_description === null) return ENOMSG;
      // struct ifreq_buffer: size_t length at 16, void *buffer at 24.
      const descrlen = ifp.if_description.length + 1;
      const fits = viewOf(ifr).getBigUint64(IFREQ_OFFSETS.ifr_ifru, true) >= BigInt(descrlen);
      if (!fits) viewOf(ifr).setBigUint64(IFREQ_OFFSETS.ifr_ifru + 8, 0n, true);
      viewOf(ifr).setBigUint64(IFREQ_OFFSETS.ifr_ifru, BigInt(descrlen), true);
      // copyout to the caller's buffer: the twin's process has no memory behind that pointer.
      return fits ? EFAULT : 0;
    }
    case sockio.SIOCGIFFIB:
      viewOf(ifr).setInt32(IFREQ_OFFSETS.ifr_fib, ifp.if_fib, true);
      return 0;
    case sockio.SIOCSIFFIB: {
      error = priv_check(td, priv.PRIV_NET_SETIFFIB);
      if (error) return error;
      const fib = viewOf(ifr).getUint32(IFREQ_OFFSETS.ifr_fib, true);
      if (fib >= rt_numfibs) return EINVAL;
      ifp.if_fib = fib;
      return 0;
    }
    case sockio.SIOCSIFFLAGS: {
      error = priv_check(td, priv.PRIV_NET_SETIFFLAGS);
      if (error) return error;
      const new_flags =
        (viewOf(ifr).getInt16(IFREQ_OFFSETS.ifr_flags, true) & 0xffff) |
        (viewOf(ifr).getInt16(IFREQ_OFFSETS.ifr_flagshigh, true) << 16);
      let do_ifup = false;
      if (ifp.if_flags & IFF_SMART) {
        // smart drivers twiddle their own routes
      } else if (ifp.if_flags & IFF_UP && (new_flags & IFF_UP) === 0) {
        if_down(ifp);
      } else if (new_flags & IFF_UP && (ifp.if_flags & IFF_UP) === 0) {
        do_ifup = true;
      }
      if ((ifp.if_flags ^ new_flags) & IFF_PPROMISC) {
        if (new_flags & IFF_PPROMISC) ifp.if_flags |= IFF_PROMISC;
        else if (ifp.if_pcount === 0) ifp.if_flags &= ~IFF_PROMISC;
        log(
          LOG_INFO,
          `${ifp.if_xname}: permanently promiscuous mode ${new_flags & IFF_PPROMISC ? "enabled" : "disabled"}`,
        );
      }
      ifp.if_flags = (ifp.if_flags & IFF_CANTCHANGE) | (new_flags & ~IFF_CANTCHANGE);
      if (ifp.if_ioctl !== null) ifp.if_ioctl(ifp, cmd, ifr);
      if (do_ifup) if_up(ifp);
      touch(ifp);
      return 0;
    }
    case sockio.SIOCSIFCAP:
      error = priv_check(td, priv.PRIV_NET_SETIFCAP);
      if (error) return error;
      if (ifp.if_ioctl === null) return EOPNOTSUPP;
      if (viewOf(ifr).getInt32(IFREQ_OFFSETS.ifr_reqcap, true) & ~ifp.if_capabilities) return EINVAL;
      error = ifp.if_ioctl(ifp, cmd, ifr);
      if (error === 0) touch(ifp);
      return error;
    case sockio.SIOCSIFNAME:
      error = priv_check(td, priv.PRIV_NET_SETIFNAME);
      if (error) return error;
      // copyinstr(ifr_data): the new name sits behind a user pointer the twin has no memory for.
      return EFAULT;
    case sockio.SIOCSIFDESCR: {
      error = priv_check(td, priv.PRIV_NET_SETIFDESCR);
      if (error) return error;
      const length = viewOf(ifr).getBigUint64(IFREQ_OFFSETS.ifr_ifru, true);
      if (length > BigInt(IFDESCR_MAXLEN)) return ENAMETOOLONG;
      // A zero length clears the description; anything else is copied in from a user pointer.
      if (length !== 0n) return EFAULT;
      ifp.if_description = null;
      touch(ifp);
      return 0;
    }
    case sockio.SIOCSIFMETRIC:
      error = priv_check(td, priv.PRIV_NET_SETIFMETRIC);
      if (error) return error;
      ifp.if_metric = viewOf(ifr).getInt32(IFREQ_OFFSETS.ifr_metric, true);
      touch(ifp);
      return 0;
    case sockio.SIOCSIFPHYS:
      error = priv_check(td, priv.PRIV_NET_SETIFPHYS);
      if (error) return error;
      if (ifp.if_ioctl === null) return EOPNOTSUPP;
      error = ifp.if_ioctl(ifp, cmd, ifr);
      if (error === 0) touch(ifp);
      return error;
    case sockio.SIOCSIFMTU: {
      const oldmtu = ifp.if_mtu;
      void oldmtu; // nd6_setmtu only: no IPv6 in the twin
      error = priv_check(td, priv.PRIV_NET_SETIFMTU);
      if (error) return error;
      const mtu = viewOf(ifr).getInt32(IFREQ_OFFSETS.ifr_mtu, true);
      if (mtu < IF_MINMTU || mtu > IF_MAXMTU) return EINVAL;
      if (ifp.if_ioctl === null) return EOPNOTSUPP;
      error = ifp.if_ioctl(ifp, cmd, ifr);
      if (error === 0) {
        touch(ifp);
        rt_ifmsg(ifp);
      }
      return error;
    }
    case sockio.SIOCADDMULTI:
    case sockio.SIOCDELMULTI: {
      error = priv_check(td, cmd === sockio.SIOCADDMULTI ? priv.PRIV_NET_ADDMULTI : priv.PRIV_NET_DELMULTI);
      if (error) return error;
      if ((ifp.if_flags & IFF_MULTICAST) === 0) return EOPNOTSUPP;
      const sa = ifrSockaddr(ifr);
      if (sockaddrFamily(sa) !== AF_LINK) return EINVAL;
      if (cmd === sockio.SIOCADDMULTI) {
        error = if_findmulti(ifp, sa) !== null ? EADDRINUSE : if_addmulti(ifp, sa).error;
      } else {
        error = if_delmulti(ifp, sa);
      }
      if (error === 0) touch(ifp);
      return error;
    }
    case sockio.SIOCSIFPHYADDR:
    case sockio.SIOCDIFPHYADDR:
    case sockio.SIOCSLIFPHYADDR:
    case sockio.SIOCSIFMEDIA:
    case sockio.SIOCSIFGENERIC:
      error = priv_check(td, priv.PRIV_NET_HWIOCTL);
      if (error) return error;
      if (ifp.if_ioctl === null) return EOPNOTSUPP;
      error = ifp.if_ioctl(ifp, cmd, ifr);
      if (error === 0) touch(ifp);
      return error;
    case sockio.SIOCGIFSTATUS:
    case sockio.SIOCGIFPSRCADDR:
    case sockio.SIOCGIFPDSTADDR:
    case sockio.SIOCGLIFPHYADDR:
    case sockio.SIOCGIFMEDIA:
    case sockio.SIOCGIFGENERIC:
      if (cmd === sockio.SIOCGIFSTATUS) ifr[IFNAMSIZ] = 0;
      if (ifp.if_ioctl === null) return EOPNOTSUPP;
      return ifp.if_ioctl(ifp, cmd, ifr);
    case sockio.SIOCSIFLLADDR: {
      error = priv_check(td, priv.PRIV_NET_SETLLADDR);
      if (error) return error;
      const at = IFREQ_OFFSETS.ifr_addr;
      error = if_setlladdr(ifp, ifr.subarray(at + 2, at + 16), ifr[at]);
      EVENTHANDLER_INVOKE("iflladdr_event", ifp);
      return error;
    }
    case sockio.SIOCGHWADDR:
      return if_gethwaddr(ifp, ifr);
    default:
      return ENOIOCTL;
  }
}

/** What ifioctl needs of the socket the ioctl was made on (socketvar.h struct socket). */
export interface socket {
  so_vnet: vnet;
  so_fibnum: number;
  /** pr_usrreqs->pru_control of the socket's protocol; null for a socket without one. */
  so_control:
    ((so: socket, cmd: number, data: IoctlData, ifp: ifnet | null, td: Thread | null) => number) | null;
}

/** The AF_INET datagram socket ifconfig(8) opens: its pru_control is in_control. */
export function inet_dgram_socket(v: vnet): socket {
  return {
    so_vnet: v,
    so_fibnum: 0,
    so_control: (so, cmd, data, ifp, td) => in_control(so, cmd, data, ifp, td),
  };
}

/**
 * The ifreq's ifr_name as ifunit_ref reads it: up to IFNAMSIZ (16) bytes, ending at the first NUL.
 * Built a character at a time, which for names this short beats a spread into fromCharCode.
 */
function ifr_name(data: Uint8Array): string {
  const n = ifname_len(data);
  let name = "";
  for (let i = 0; i < n; i++) name += String.fromCharCode(data[i]);
  return name;
}

/**
 * if.c: ifioctl — cloner requests first, then ENXIO for an unknown name, the generic ioctls
 * (ifhwioctl), and finally the protocol's control routine, falling back to the driver when the
 * protocol answers EOPNOTSUPP (never for the legacy SIOCSIF*ADDR requests).
 */
export function ifioctl(so: socket, cmd: number, data: Uint8Array, td: Thread): number {
  switch (cmd) {
    case sockio.SIOCGIFCONF:
    case sockio.OSIOCGIFCONF:
      // ifc_buf is a user pointer: the twin cannot write the list anywhere the caller sees.
      return ifconf(data);
    case sockio.SIOCIFCREATE:
    case sockio.SIOCIFCREATE2: {
      const error = priv_check(td, priv.PRIV_NET_IFCREATE);
      if (error) return error;
      return if_clone_create(
        data,
        IFNAMSIZ,
        cmd === sockio.SIOCIFCREATE2
          ? data.subarray(IFREQ_OFFSETS.ifr_data, IFREQ_OFFSETS.ifr_data + 8)
          : null,
      );
    }
    case sockio.SIOCIFDESTROY: {
      const error = priv_check(td, priv.PRIV_NET_IFDESTROY);
      if (error) return error;
      return if_clone_destroy(ifr_name(data));
    }
    case sockio.SIOCIFGCLONERS:
      return if_clone_list(data);
    case sockio.SIOCSVH:
    case sockio.SIOCGVH:
      // Before any name lookup: carp_ioctl_p, NULL until carp is loaded. It is set and cleared
      // with carp_attach_p (10.4 ip_carp.c carp_mod_load/carp_mod_cleanup). carp_ioctl's first
      // step is copyin of the carpreq through ifr_data, a user pointer the twin has no memory
      // behind: EFAULT, as for the other pointer-carrying ioctls.
      return carp_attach_p() === null ? EPROTONOSUPPORT : EFAULT;
  }
  const ifp = ifunit_ref(data);
  if (ifp === null) return ENXIO;
  // Every path drops the reference; `finally` also keeps the count right when a twin fault
  // (InvariantError) escapes from below.
  try {
    const error = ifhwioctl(cmd, ifp, data, td);
    if (error !== ENOIOCTL) return error;
    if (so.so_control === null) return EOPNOTSUPP;
    return protocol_control(so, cmd, data, ifp, td);
  } finally {
    if_rele(ifp);
  }
}

/** The tail of if.c ifioctl: the protocol first, the driver when the protocol has no answer. */
function protocol_control(so: socket, cmd: number, data: Uint8Array, ifp: ifnet, td: Thread): number {
  KASSERT(so.so_control !== null, "protocol_control without pru_control");
  const error = so.so_control(so, cmd, data, ifp, td);
  if (
    error === EOPNOTSUPP &&
    ifp.if_ioctl !== null &&
    cmd !== sockio.SIOCSIFADDR &&
    cmd !== sockio.SIOCSIFBRDADDR &&
    cmd !== sockio.SIOCSIFDSTADDR &&
    cmd !== sockio.SIOCSIFNETMASK
  )
    return ifp.if_ioctl(ifp, cmd, data);
  return error;
}

/**
 * if.c: ifconf — EINVAL for a non-positive ifc_len; otherwise the list is copied out to
 * ifc_req, a user pointer the twin has no memory behind (there is always lo0 to list), so
 * EFAULT.
 */
function ifconf(data: Uint8Array): number {
  return viewOf(data).getInt32(0, true) <= 0 ? EINVAL : EFAULT;
}
