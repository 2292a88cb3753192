// The interface-layer data structures (10.4 sys/net/if_var.h, sys/netinet/in_var.h) as plain
// records with FreeBSD's field names. C macros that alias one field to another (if_mtu for
// if_data.ifi_mtu, ia_broadaddr for ia_dstaddr, ia_ifp for ia_ifa.ifa_ifp) are accessors, so
// writes through either name land in the same storage as in the kernel.

import type { IfData } from "../../abi/if.ts";
import type { Sockaddr, SockaddrDl, SockaddrIn } from "../../abi/socket.ts";
import { AF_INET, isSockaddrDl, LLADDR } from "../../abi/socket.ts";
import { KASSERT } from "../kern/invariant.ts";
import type { Mbuf } from "../kern/mbuf.ts";
import type { in_ifinfo } from "../netinet/in_var.ts";
import type { rt_addrinfo, rtentry, route } from "./route.ts";
import type { vnet } from "./vnet.ts";

/** What an interface ioctl receives: the user's struct bytes, or the in_ifaddr in_aifaddr passes. */
export type IoctlData = Uint8Array | in_ifaddr;

export type if_output_t = (ifp: ifnet, m: Mbuf, dst: Sockaddr, ro: route | null) => number;
export type if_input_t = (ifp: ifnet, m: Mbuf) => void;
export type if_transmit_t = (ifp: ifnet, m: Mbuf) => number;
export type if_ioctl_t = (ifp: ifnet, cmd: number, data: IoctlData) => number;
/** if_resolvemulti: 0 and `llsa` (the link-layer group, or null for none), or an errno. */
export type if_resolvemulti_t = (ifp: ifnet, sa: Sockaddr) => { error: number; llsa: Sockaddr | null };

/**
 * A u_long read into an int: its low 32 bits, signed. Values below 2^31 (every real MTU and
 * metric) convert directly; BigInt.asIntN makes a new bigint, and ether_output reads if_mtu
 * for every frame.
 */
function uLongToInt(v: bigint): number {
  return v < 0x80000000n ? Number(v) : Number(BigInt.asIntN(32, v));
}

// if_var.h: struct ifnet
export class ifnet {
  if_softc: unknown = null;
  if_l2com: unknown = null;
  /** The network stack this interface lives in. */
  if_vnet: vnet;
  if_xname = "";
  if_dname = "";
  if_dunit = -1;
  if_refcount = 1;
  /** Addresses in TAILQ order; the first is the AF_LINK one once attached. */
  if_addrhead: ifaddr[] = [];
  if_pcount = 0;
  if_carp: unknown = null;
  if_index = 0;
  if_flags = 0;
  if_capabilities = 0;
  if_capenable = 0;
  if_data: IfData;
  if_multiaddrs: ifmultiaddr[] = [];
  if_amcount = 0;
  if_output: if_output_t | null = null;
  if_input: if_input_t | null = null;
  if_start: ((ifp: ifnet) => void) | null = null;
  if_ioctl: if_ioctl_t | null = null;
  if_init: ((softc: unknown) => void) | null = null;
  if_resolvemulti: if_resolvemulti_t | null = null;
  if_qflush: ((ifp: ifnet) => void) | null = null;
  if_transmit: if_transmit_t | null = null;
  /** The link-level ifaddr (AF_LINK, sockaddr_dl with name and address). */
  if_addr: ifaddr | null = null;
  /** Twin bookkeeping: IF_LLADDR's last view, with what it was made from. */
  if_lladdr_view: LladdrView | null = null;
  if_drv_flags = 0;
  if_broadcastaddr: Uint8Array | null = null;
  /** The hardware address read at attach (Ethernet only), for SIOCGHWADDR. */
  if_hw_addr: Uint8Array | null = null;
  /** Per-family protocol state from each domain's dom_ifattach (if_afdata[AF_INET] is in_ifinfo). */
  if_afdata: { [AF_INET]: in_ifinfo | null; [af: number]: unknown } = { [AF_INET]: null };
  if_afdata_initialized = 0;
  if_description: string | null = null;
  if_fib = 0;
  if_alloctype: number;

  constructor(vnet: vnet, data: IfData, type: number) {
    this.if_vnet = vnet;
    this.if_data = data;
    this.if_alloctype = type;
    data.ifi_type = type;
  }

  // if_var.h aliases into if_data. ifi_mtu and ifi_metric are u_long, stored from and read into
  // ints (ifr_mtu, ifr_metric, ifa_metric): a negative int sign-extends, and reads truncate.
  get if_mtu(): number {
    return uLongToInt(this.if_data.ifi_mtu);
  }
  set if_mtu(v: number) {
    this.if_data.ifi_mtu = BigInt.asUintN(64, BigInt(v));
  }
  get if_type(): number {
    return this.if_data.ifi_type;
  }
  set if_type(v: number) {
    this.if_data.ifi_type = v;
  }
  get if_addrlen(): number {
    return this.if_data.ifi_addrlen;
  }
  set if_addrlen(v: number) {
    this.if_data.ifi_addrlen = v;
  }
  get if_hdrlen(): number {
    return this.if_data.ifi_hdrlen;
  }
  set if_hdrlen(v: number) {
    this.if_data.ifi_hdrlen = v;
  }
  get if_metric(): number {
    return uLongToInt(this.if_data.ifi_metric);
  }
  set if_metric(v: number) {
    this.if_data.ifi_metric = BigInt.asUintN(64, BigInt(v));
  }
  get if_link_state(): number {
    return this.if_data.ifi_link_state;
  }
  set if_link_state(v: number) {
    this.if_data.ifi_link_state = v;
  }
  get if_baudrate(): number {
    return Number(this.if_data.ifi_baudrate);
  }
  set if_baudrate(v: number) {
    this.if_data.ifi_baudrate = BigInt(v);
  }
}

export type ifa_rtrequest_t = (cmd: number, rt: rtentry, info: rt_addrinfo | null) => void;

// if_var.h: struct ifaddr
export interface ifaddr {
  ifa_addr: Sockaddr;
  /** Other end of a point-to-point link, or (as ifa_broadaddr) the broadcast address. */
  ifa_dstaddr: Sockaddr | null;
  ifa_netmask: Sockaddr | null;
  ifa_ifp: ifnet;
  ifa_carp: unknown;
  ifa_rtrequest: ifa_rtrequest_t | null;
  ifa_flags: number;
  ifa_refcnt: number;
  ifa_metric: number;
  /** Twin bookkeeping: the address's slot in its VNET's ifaddrs_live, -1 when not there. */
  ifa_live: number;
}

// if_var.h: ifa_flags bits
export const IFA_ROUTE = 0x1; // RTF_UP: prefix route installed
export const IFA_RTSELF = 0x4; // RTF_HOST: loopback route to self installed

function sinZero(): SockaddrIn {
  return { sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 };
}

/** C struct assignment into embedded storage: copies every field, keeping the object. */
function sin_copy(to: SockaddrIn, from: SockaddrIn): void {
  to.sin_len = from.sin_len;
  to.sin_family = from.sin_family;
  to.sin_port = from.sin_port;
  to.sin_addr = from.sin_addr >>> 0;
  // `delete` is a runtime call even when there is nothing to delete: test first.
  if (from.sin_zero === undefined) {
    if (to.sin_zero !== undefined) delete to.sin_zero;
  } else to.sin_zero = from.sin_zero.slice();
}

/**
 * in_var.h: struct in_ifaddr. ia_addr, ia_dstaddr (alias ia_broadaddr) and ia_sockmask are
 * storage embedded in the record: assigning one copies into it, so ifa_addr/ifa_dstaddr/
 * ifa_netmask, once pointed at them, keep seeing the current value as in C.
 */
export class in_ifaddr implements ifaddr {
  ifa_addr: Sockaddr;
  ifa_dstaddr: Sockaddr | null;
  ifa_netmask: Sockaddr | null;
  ifa_ifp: ifnet;
  ifa_carp: unknown = null;
  ifa_rtrequest: ifa_rtrequest_t | null = null;
  ifa_flags = 0;
  ifa_refcnt = 0;
  ifa_metric = 0;
  ifa_live = -1;
  /** Host order. */
  ia_subnet = 0;
  /** Host order. */
  ia_subnetmask = 0;
  /** Twin bookkeeping: holds the seed's never-released ifa_alloc reference (in.ts). */
  ia_allocref = false;
  readonly #addr = sinZero();
  readonly #dstaddr = sinZero();
  readonly #sockmask = sinZero();

  /**
   * The zeroed record ifa_alloc hands back, with the ifaddr pointers unset as in C (ifa_addr,
   * which cannot be null here, points at the still-zero ia_addr storage in.c points it at).
   */
  constructor(ifp: ifnet) {
    this.ifa_ifp = ifp;
    this.ifa_addr = this.#addr;
    this.ifa_dstaddr = null;
    this.ifa_netmask = null;
  }

  get ia_ifa(): in_ifaddr {
    return this;
  }
  get ia_ifp(): ifnet {
    return this.ifa_ifp;
  }
  set ia_ifp(v: ifnet) {
    this.ifa_ifp = v;
  }
  get ia_flags(): number {
    return this.ifa_flags;
  }
  set ia_flags(v: number) {
    this.ifa_flags = v;
  }
  get ia_addr(): SockaddrIn {
    return this.#addr;
  }
  set ia_addr(v: SockaddrIn) {
    sin_copy(this.#addr, v);
  }
  get ia_dstaddr(): SockaddrIn {
    return this.#dstaddr;
  }
  set ia_dstaddr(v: SockaddrIn) {
    sin_copy(this.#dstaddr, v);
  }
  get ia_broadaddr(): SockaddrIn {
    return this.#dstaddr;
  }
  set ia_broadaddr(v: SockaddrIn) {
    sin_copy(this.#dstaddr, v);
  }
  get ia_sockmask(): SockaddrIn {
    return this.#sockmask;
  }
  set ia_sockmask(v: SockaddrIn) {
    sin_copy(this.#sockmask, v);
  }
}

// if_var.h: struct ifmultiaddr
export interface ifmultiaddr {
  ifma_addr: Sockaddr;
  ifma_lladdr: Sockaddr | null;
  ifma_ifp: ifnet | null;
  ifma_refcount: number;
  /** Protocol state: the in_multi for an AF_INET group. */
  ifma_protospec: unknown;
  ifma_llifma: ifmultiaddr | null;
}

/** A view of a sockaddr_dl's address bytes and the fields it was cut by. */
interface LladdrView {
  sdl: SockaddrDl;
  data: Uint8Array;
  nlen: number;
  alen: number;
  bytes: Uint8Array;
}

/**
 * if_var.h IF_LLADDR: the interface's own link-level address (its first ifaddr, AF_LINK). The
 * view is reused while the sockaddr, its data array and its name and address lengths are the
 * ones it was cut from (a changed address is written into the same bytes): every frame sent
 * reads it.
 */
export function IF_LLADDR(ifp: ifnet): Uint8Array {
  const ifa = ifp.if_addr;
  KASSERT(ifa !== null && isSockaddrDl(ifa.ifa_addr), "IF_LLADDR: interface has no link-level address");
  const sdl = ifa.ifa_addr;
  const v = ifp.if_lladdr_view;
  if (
    v !== null &&
    v.sdl === sdl &&
    v.data === sdl.sdl_data &&
    v.nlen === sdl.sdl_nlen &&
    v.alen === sdl.sdl_alen
  )
    return v.bytes;
  const bytes = LLADDR(sdl);
  ifp.if_lladdr_view = { sdl, data: sdl.sdl_data, nlen: sdl.sdl_nlen, alen: sdl.sdl_alen, bytes };
  return bytes;
}
