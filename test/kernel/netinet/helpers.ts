// Test scaffolding for in.c: a booted Kernel, a minimal Ethernet-like test interface (and a
// point-to-point one), the ioctls ifconfig(8) issues, and readers for the state in.c changes
// (routes, routing messages, multicast groups, lltable entries). Expected values live in the
// tests next to their FreeBSD citations, never here.

import { expect } from "vitest";
import {
  IFF_BROADCAST,
  IFF_MULTICAST,
  IFF_POINTOPOINT,
  IFF_SIMPLEX,
  IFF_UP,
  IFT_ETHER,
  IFT_PPP,
  IFREQ_SIZE,
  decodeIfreq,
  encodeIfreq,
  ifreqEmpty,
  ifreqWithAddr,
  ifreqWithFlags,
  ifrFlagsAll,
} from "../../../src/abi/if.ts";
import {
  decodeSockaddrIn,
  encodeInAliasreq,
  encodeOInAliasreq,
  inAliasreq,
  ipv4ToString,
  parseIpv4,
} from "../../../src/abi/in.ts";
import { decodeRoutingMessage, type RoutingMessage } from "../../../src/abi/rtmsg.ts";
import { rtmTypeName } from "../../../src/abi/route_defs.ts";
import { isDecodeError } from "../../../src/abi/decode.ts";
import {
  AF_INET,
  isSockaddrIn,
  sockaddrFamily,
  sockaddrIn,
  type Sockaddr,
  type SockaddrIn,
} from "../../../src/abi/socket.ts";
import {
  OSIOCAIFADDR,
  SIOCADDMULTI,
  SIOCAIFADDR,
  SIOCDELMULTI,
  SIOCDIFADDR,
  SIOCGIFFLAGS,
  SIOCSIFADDR,
  SIOCSIFFLAGS,
} from "../../../src/abi/sockio.ts";
import type { Ucred } from "../../../src/kernel/kern/cred.ts";
import { Kernel, type RouteSocket } from "../../../src/kernel/kernel.ts";
import { ether_ifattach, ether_ioctl } from "../../../src/kernel/net/if_ethersubr.ts";
import { if_alloc, if_attach, if_initname } from "../../../src/kernel/net/if.ts";
import { LLE_DELETED } from "../../../src/kernel/net/if_llatbl.ts";
import { in_ifaddr, type IoctlData, type ifnet } from "../../../src/kernel/net/if_var.ts";
import { rt_tables_get_rnh, type rtentry } from "../../../src/kernel/net/route.ts";
import { sa_image } from "../../../src/kernel/net/radix.ts";
import { LLTABLE } from "../../../src/kernel/netinet/in_var.ts";
import type { in_multi } from "../../../src/kernel/netinet/in_mcast.ts";

export const ROOT: Ucred = Kernel.root();

/** A host-order address from a dotted quad (throws on a typo in a test). */
export function ip(s: string): number {
  const a = parseIpv4(s);
  if (a === null) throw new Error(`bad address in test: ${s}`);
  return a;
}

/** The zero sockaddr a caller leaves in an unused in_aliasreq slot (sin_len 0). */
export function none(): SockaddrIn {
  return { sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 };
}

export function sin(addr: string): SockaddrIn {
  return sockaddrIn(ip(addr));
}

/** A test NIC: its ifnet and a switch to make its SIOCSIFADDR fail (seed in.c fail2). */
export interface TestIf {
  readonly ifp: ifnet;
  readonly name: string;
  /** errno the driver returns for SIOCSIFADDR; 0 lets ether_ioctl run. */
  siocsifaddrError: number;
  /** The SIOCSIFADDR calls the driver saw (the in_ifaddr in.c handed it), oldest first. */
  readonly siocsifaddr: in_ifaddr[];
}

let nextMac = 1;

/**
 * An Ethernet-like interface (IFT_ETHER, IFF_BROADCAST|IFF_SIMPLEX|IFF_MULTICAST unless `flags`
 * says otherwise) whose if_ioctl hands everything to ether_ioctl, except that SIOCSIFADDR can be
 * made to fail. Not up until SIOCSIFADDR (ether_ioctl sets IFF_UP) or `up(k, t)`.
 */
export function attachEther(k: Kernel, dname = "test", unit?: number, flags?: number): TestIf {
  return k.run(() => {
    const ifp = if_alloc(IFT_ETHER);
    if (ifp === null) throw new Error("if_alloc failed");
    if_initname(ifp, dname, unit ?? ifp.if_index);
    ifp.if_flags = flags ?? IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST;
    ifp.if_init = () => undefined;
    const t: TestIf = { ifp, name: ifp.if_xname, siocsifaddrError: 0, siocsifaddr: [] };
    ifp.if_ioctl = (i: ifnet, cmd: number, data: IoctlData): number => {
      if (cmd === SIOCSIFADDR && data instanceof in_ifaddr) {
        t.siocsifaddr.push(data);
        if (t.siocsifaddrError !== 0) return t.siocsifaddrError;
      }
      // What a real NIC driver answers itself before falling back to ether_ioctl.
      if (cmd === SIOCSIFFLAGS || cmd === SIOCADDMULTI || cmd === SIOCDELMULTI) return 0;
      return ether_ioctl(i, cmd, data);
    };
    const mac = new Uint8Array([0x02, 0, 0, 0, 0, nextMac++ & 0xff]);
    ether_ifattach(ifp, mac);
    return t;
  });
}

/** A point-to-point interface (IFF_POINTOPOINT|IFF_MULTICAST) that accepts SIOCSIFADDR. */
export function attachP2p(k: Kernel, dname = "ptp", unit?: number): TestIf {
  return k.run(() => {
    const ifp = if_alloc(IFT_PPP);
    if (ifp === null) throw new Error("if_alloc failed");
    if_initname(ifp, dname, unit ?? ifp.if_index);
    ifp.if_flags = IFF_POINTOPOINT | IFF_MULTICAST;
    const t: TestIf = { ifp, name: ifp.if_xname, siocsifaddrError: 0, siocsifaddr: [] };
    ifp.if_ioctl = (_i: ifnet, cmd: number, data: IoctlData): number => {
      if (cmd === SIOCSIFADDR && data instanceof in_ifaddr) {
        t.siocsifaddr.push(data);
        return t.siocsifaddrError;
      }
      return 0;
    };
    if_attach(ifp);
    return t;
  });
}

export interface AliasReq {
  addr: SockaddrIn | string;
  mask?: SockaddrIn | string | null;
  /** ifra_broadaddr, which is also ifra_dstaddr. */
  brd?: SockaddrIn | string | null;
  vhid?: number;
  /** OSIOCAIFADDR: the 64-byte 9.x layout without ifra_vhid. */
  old?: boolean;
}

function toSin(v: SockaddrIn | string | null | undefined): SockaddrIn {
  if (v === null || v === undefined) return none();
  return typeof v === "string" ? sin(v) : v;
}

/** ifconfig <if> inet <addr> [netmask] [broadcast|dst]: SIOCAIFADDR (or OSIOCAIFADDR). */
export function aifaddr(k: Kernel, ifname: string, req: AliasReq, cred: Ucred = ROOT): number {
  const r = inAliasreq(ifname, toSin(req.addr), toSin(req.mask), toSin(req.brd), req.vhid ?? 0);
  const bytes = req.old === true ? encodeOInAliasreq(r) : encodeInAliasreq(r);
  return k.ioctl(cred, req.old === true ? OSIOCAIFADDR : SIOCAIFADDR, bytes).errno;
}

/** ifconfig <if> inet <addr> -alias: SIOCDIFADDR with ifr_addr. */
export function difaddr(k: Kernel, ifname: string, addr: SockaddrIn | string, cred: Ucred = ROOT): number {
  const bytes = encodeIfreq(ifreqWithAddr(ifname, toSin(addr)));
  return k.ioctl(cred, SIOCDIFADDR, bytes).errno;
}

/** A SIOCGIF* request with ifr_addr set; returns the errno and the sockaddr written back. */
export function gif(
  k: Kernel,
  cmd: number,
  ifname: string,
  addr: SockaddrIn | string | null = null,
  cred: Ucred = ROOT,
): { errno: number; sin: SockaddrIn } {
  const bytes = encodeIfreq(ifreqWithAddr(ifname, toSin(addr)));
  expect(bytes.length).toBe(IFREQ_SIZE);
  const r = k.ioctl(cred, cmd, bytes);
  const out = decodeSockaddrIn(r.data, 16);
  if (isDecodeError(out)) throw new Error("ifreq came back short");
  return { errno: r.errno, sin: out };
}

export interface RouteView {
  dst: string;
  /** Prefix length, or null for a host route (no mask). */
  plen: number | null;
  ifp: string;
  /** The address of rt_ifa. */
  ifa: string;
  flags: number;
  /** "link#N" for an AF_LINK gateway, else the address. */
  gw: string;
  rt: rtentry;
}

function sinOf(sa: Sockaddr): number {
  if (!isSockaddrIn(sa)) return -1;
  return sa.sin_addr;
}

/** Prefix length of a radix mask (bytes 4..7 of its image, missing bytes zero). */
function plenOf(mask: Sockaddr | null): number | null {
  if (mask === null) return null;
  const img = sa_image(mask);
  let bits = 0;
  for (let i = 4; i < 8; i++) {
    const b = i < img.length ? img[i] : 0;
    for (let j = 7; j >= 0; j--) if (b & (1 << j)) bits++;
  }
  return bits;
}

/** The IPv4 routing table, in radix order. */
export function routes(k: Kernel): RouteView[] {
  return k.run(() => {
    const rnh = rt_tables_get_rnh(0, AF_INET);
    if (rnh === null) return [];
    return rnh.rnh.entries().map((e) => {
      const rt = e.value;
      const gw = rt.rt_gateway;
      return {
        dst: ipv4ToString(sinOf(rt.rt_key)),
        plen: plenOf(rt.rt_mask),
        ifp: rt.rt_ifp.if_xname,
        ifa: isSockaddrIn(rt.rt_ifa.ifa_addr) ? ipv4ToString(rt.rt_ifa.ifa_addr.sin_addr) : "link",
        flags: rt.rt_flags,
        gw: isSockaddrIn(gw) ? ipv4ToString(gw.sin_addr) : "sdl_index" in gw ? `link#${gw.sdl_index}` : "?",
        rt,
      };
    });
  });
}

/** The route to `dst`/`plen` (null plen: host route), or undefined. */
export function route(k: Kernel, dst: string, plen: number | null): RouteView | undefined {
  return routes(k).find((r) => r.dst === dst && r.plen === plen);
}

export interface MsgView {
  type: string;
  /** Addresses by RTAX slot name, as dotted quads or link#N. */
  addrs: Record<string, string>;
  flags: number;
  index: number;
  msg: RoutingMessage;
}

function saString(sa: Sockaddr): string {
  if (isSockaddrIn(sa)) return ipv4ToString(sa.sin_addr);
  if ("sdl_index" in sa) return `link#${sa.sdl_index}`;
  // A trimmed netmask (sin_len < 8) decodes as raw bytes: show the prefix bytes.
  const img = sa_image(sa);
  return [4, 5, 6, 7].map((i) => (i < img.length ? img[i] : 0)).join(".");
}

/** Decodes what a routing socket received. */
export function readMsgs(so: RouteSocket): MsgView[] {
  return so.read().map((bytes) => {
    const m = decodeRoutingMessage(bytes);
    if (isDecodeError(m)) throw new Error(`undecodable routing message: ${m.message}`);
    const addrs: Record<string, string> = {};
    if (m.kind !== "ifannounce")
      for (const [k2, sa] of Object.entries(m.addrs)) if (sa) addrs[k2] = saString(sa);
    const hdr = m.hdr as { rtm_type?: number; ifam_type?: number; ifmam_type?: number; ifm_type?: number };
    const type = hdr.rtm_type ?? hdr.ifam_type ?? hdr.ifmam_type ?? hdr.ifm_type ?? 0;
    const flags = "rtm_flags" in m.hdr ? m.hdr.rtm_flags : "ifam_flags" in m.hdr ? m.hdr.ifam_flags : 0;
    const index = "rtm_index" in m.hdr ? m.hdr.rtm_index : "ifam_index" in m.hdr ? m.hdr.ifam_index : 0;
    return { type: rtmTypeName(type), addrs, flags, index, msg: m };
  });
}

/** The IPv4 multicast groups joined on `ifp` (dotted quads, list order). */
export function groups(k: Kernel, ifp: ifnet): string[] {
  return k.run(() =>
    ifp.if_multiaddrs
      .filter((ifma) => sockaddrFamily(ifma.ifma_addr) === AF_INET && ifma.ifma_protospec !== null)
      .map((ifma) => ipv4ToString((ifma.ifma_protospec as in_multi).inm_addr)),
  );
}

/** The live (not LLE_DELETED) lltable entries of `ifp`, as dotted quads. */
export function lltableAddrs(k: Kernel, ifp: ifnet): string[] {
  return k.run(() => {
    const llt = LLTABLE(ifp);
    if (llt === null) return [];
    return llt.lle_head
      .flat()
      .filter((lle) => (lle.la_flags & LLE_DELETED) === 0)
      .map((lle) => ipv4ToString(lle.l3_addr.sin_addr))
      .sort();
  });
}

/** The in_ifaddrs of `ifp`, in if_addrhead order. */
export function inAddrs(ifp: ifnet): in_ifaddr[] {
  return ifp.if_addrhead.filter((ifa): ifa is in_ifaddr => ifa instanceof in_ifaddr);
}

/** Every reference count balances (allowing the seed's unreleased ifa_alloc reference). */
export function expectBalanced(k: Kernel): void {
  expect(k.checkInvariants()).toEqual([]);
}

/** ifconfig <if> up / down: SIOCGIFFLAGS then SIOCSIFFLAGS with IFF_UP changed. */
export function setUp(k: Kernel, ifname: string, up: boolean): void {
  const got = k.ioctl(ROOT, SIOCGIFFLAGS, encodeIfreq(ifreqEmpty(ifname)));
  expect(got.errno).toBe(0);
  const ifr = decodeIfreq(got.data);
  if (isDecodeError(ifr)) throw new Error("ifreq came back short");
  const flags = up ? ifrFlagsAll(ifr) | IFF_UP : ifrFlagsAll(ifr) & ~IFF_UP;
  expect(k.ioctl(ROOT, SIOCSIFFLAGS, encodeIfreq(ifreqWithFlags(ifname, flags))).errno).toBe(0);
}

/** sysctl(2) write of an int (4 bytes, little-endian); returns the errno. */
export function setSysctlInt(k: Kernel, name: string, value: number): number {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, value, true);
  return k.sysctl(ROOT, name, b).errno;
}

/** sysctl(2) read of an int. */
export function getSysctlInt(k: Kernel, name: string): number {
  const r = k.sysctl(ROOT, name);
  expect(r.errno).toBe(0);
  return new DataView(r.out.buffer, r.out.byteOffset, r.out.byteLength).getInt32(0, true);
}
