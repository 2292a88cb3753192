// IPv4 output (10.4 sys/netinet/ip_output.c, ip_output): route lookup, source address,
// broadcast and multicast marking, header checksum, hand-off to the interface. The twin sends
// only what the kernel itself makes (ICMP replies and errors, forwarded datagrams), so socket
// options (ip_moptions, IP_SENDONES, IP_ROUTETOIF), IPsec, pfil and flowtable are not modelled.
// ip_fragment is modelled, with ip_optcopy for the options of forwarded datagrams.

import { EACCES, EADDRNOTAVAIL, EHOSTUNREACH, EMSGSIZE, ENETUNREACH } from "../../abi/errno.ts";
import { IFCAP_LINKSTATE, IFF_BROADCAST, IFF_LOOPBACK, IFF_MULTICAST, LINK_STATE_UP } from "../../abi/if.ts";
import { IN_CLASSA_NSHIFT, IN_LOOPBACKNET, IN_MULTICAST, INADDR_ANY } from "../../abi/in.ts";
import { RTF_BROADCAST, RTF_GATEWAY, RTF_HOST, RTF_UP } from "../../abi/route_defs.ts";
import { AF_INET, isSockaddrIn, sockaddrIn, type SockaddrIn } from "../../abi/socket.ts";
import { internetChecksum } from "../../wire/checksum.ts";
import { viewOf } from "../../abi/decode.ts";
import { IPV4, IPV4_MIN_HEADER_LEN } from "../../wire/ipv4.ts";
import { KASSERT } from "../kern/invariant.ts";
import { M_BCAST, M_MCAST, type Mbuf } from "../kern/mbuf.ts";
import { if_simloop } from "../net/if_loop.ts";
import { type ifnet, in_ifaddr } from "../net/if_var.ts";
import { RT_DEFAULT_FIB, RTFREE, rtalloc_ign_fib, type route, type rtentry } from "../net/route.ts";
import { in_broadcast } from "./in.ts";
import { ipstat, V_ip } from "./ip_input.ts";
import { VNET } from "../net/vnet.ts";

// ip_var.h: ip_output flags
export const IP_FORWARDING = 0x1; // most of ip header exists
export const IP_RAWOUTPUT = 0x2; // raw ip header exists
export const IP_ALLOWBROADCAST = 0x20; // SO_BROADCAST: can send broadcast packets

// ip.h
export const IPVERSION = 4;
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
export const IP_OFFMASK = 0x1fff;
// ip_var.h: IP_DEFAULT_MULTICAST_TTL, and in_mcast_loop's default (IP_DEFAULT_MULTICAST_LOOP)
const IP_DEFAULT_MULTICAST_TTL = 1;
const in_mcast_loop = 1;

/** if_var.h RT_LINK_IS_UP: no link-state support counts as up. */
export function RT_LINK_IS_UP(ifp: ifnet): boolean {
  return !(ifp.if_capabilities & IFCAP_LINKSTATE) || ifp.if_link_state === LINK_STATE_UP;
}

/** ip_var.h ip_newid without ip_do_randomid: the per-VNET counter, returned in host order. */
export function ip_newid(): number {
  const v = VNET(V_ip);
  const id = v.ip_id;
  v.ip_id = (v.ip_id + 1) & 0xffff;
  return id;
}

/** Header fields of the datagram at m.data, big-endian as on the wire. */
export function ipHeader(m: Mbuf): DataView {
  return viewOf(m.data);
}

/** The header checksum over the first `hlen` bytes, with the checksum field taken as zero. */
export function ip_cksum_set(m: Mbuf, hlen: number): void {
  const ip = ipHeader(m);
  ip.setUint16(IPV4.CHECKSUM, 0, false);
  ip.setUint16(IPV4.CHECKSUM, internetChecksum(m.data.subarray(0, hlen)), false);
}

// ip_output.c: ip_output — `ro` may carry a route the caller keeps (ip_forward); when null a
// private one is looked up and released here.
export function ip_output(m: Mbuf, ro: route | null, flags: number): number {
  const own = ro === null;
  const r: route = ro ?? { ro_rt: null, ro_dst: sockaddrIn(0), ro_flags: 0 };
  const error = ip_output_routed(m, r, flags);
  if (own && r.ro_rt !== null) {
    RTFREE(r.ro_rt);
    r.ro_rt = null;
  }
  return error;
}

function ip_output_routed(m: Mbuf, ro: route, flags: number): number {
  const st = ipstat();
  const ip = ipHeader(m);
  let hlen = IPV4_MIN_HEADER_LEN;
  const ip_len = ip.getUint16(IPV4.LENGTH, false);
  const ip_off = ip.getUint16(IPV4.FLG_OFF, false);

  if ((flags & (IP_FORWARDING | IP_RAWOUTPUT)) === 0) {
    ip.setUint8(IPV4.VER_IHL, (IPVERSION << 4) | (hlen >> 2));
    ip.setUint16(IPV4.IDENT, ip_newid(), false);
    st.ips_localout++;
  } else {
    hlen = (ip.getUint8(IPV4.VER_IHL) & 0x0f) << 2;
  }

  const ip_dst = ip.getUint32(IPV4.DST, false);
  let dst = ro.ro_dst as SockaddrIn;
  // A cached route must still be up and for this destination.
  let rte: rtentry | null = ro.ro_rt;
  if (
    rte !== null &&
    ((rte.rt_flags & RTF_UP) === 0 ||
      !RT_LINK_IS_UP(rte.rt_ifp) ||
      !isSockaddrIn(dst) ||
      dst.sin_addr !== ip_dst)
  ) {
    RTFREE(rte);
    ro.ro_rt = rte = null;
  }
  if (rte === null) {
    dst = sockaddrIn(ip_dst);
    ro.ro_dst = dst;
    // in_rmx.c: in_rtalloc_ign → rtalloc_ign_fib (a miss is reported with RTM_MISS)
    rtalloc_ign_fib(ro, 0, RT_DEFAULT_FIB);
    rte = ro.ro_rt;
  }
  if (rte === null || !RT_LINK_IS_UP(rte.rt_ifp)) {
    st.ips_noroute++;
    return EHOSTUNREACH;
  }
  const ifp = rte.rt_ifp;
  const ia = rte.rt_ifa instanceof in_ifaddr ? rte.rt_ifa : null;
  rte.rt_pksent++;
  let gw: SockaddrIn = dst;
  if (rte.rt_flags & RTF_GATEWAY) {
    KASSERT(isSockaddrIn(rte.rt_gateway), "ip_output: RTF_GATEWAY route without an AF_INET gateway");
    gw = rte.rt_gateway;
  }
  const isbroadcast =
    rte.rt_flags & RTF_HOST ? (rte.rt_flags & RTF_BROADCAST) !== 0 : in_broadcast(gw.sin_addr, ifp) !== 0;

  // A route whose MTU outgrew the interface's (the MTU was lowered later) is clamped.
  if (rte.rt_mtu > ifp.if_mtu) rte.rt_mtu = ifp.if_mtu;
  // RTM_CHANGE with RTV_MTU can leave 0 here: then nothing fits and ip_fragment refuses
  // (EMSGSIZE), as in 10.4.
  const mtu = rte.rt_mtu;

  if (IN_MULTICAST(ip_dst)) {
    m.m_flags |= M_MCAST;
    gw = dst;
    ip.setUint8(IPV4.TTL, IP_DEFAULT_MULTICAST_TTL);
    if ((ifp.if_flags & IFF_MULTICAST) === 0) {
      st.ips_noroute++;
      return ENETUNREACH;
    }
    if (ip.getUint32(IPV4.SRC, false) === INADDR_ANY && ia !== null) {
      ip.setUint32(IPV4.SRC, ia.ia_addr.sin_addr, false);
    }
    // Loop a copy back even when not a member: ip_input filters it.
    if (in_mcast_loop) ip_mloopback(ifp, m, hlen);
    if (ip.getUint8(IPV4.TTL) === 0 || ifp.if_flags & IFF_LOOPBACK) return 0;
  } else {
    if (ip.getUint32(IPV4.SRC, false) === INADDR_ANY && ia !== null) {
      ip.setUint32(IPV4.SRC, ia.ia_addr.sin_addr, false);
    }
    if (isbroadcast) {
      if ((ifp.if_flags & IFF_BROADCAST) === 0) return EADDRNOTAVAIL;
      if ((flags & IP_ALLOWBROADCAST) === 0) return EACCES;
      if (ip_len > mtu) return EMSGSIZE; // broadcasts are never fragmented
      m.m_flags |= M_BCAST;
    } else {
      m.m_flags &= ~M_BCAST;
    }
  }

  // 127/8 must not appear on the wire (RFC 1122).
  const src = ip.getUint32(IPV4.SRC, false);
  if (
    (ip_dst >>> IN_CLASSA_NSHIFT === IN_LOOPBACKNET || src >>> IN_CLASSA_NSHIFT === IN_LOOPBACKNET) &&
    (ifp.if_flags & IFF_LOOPBACK) === 0
  ) {
    st.ips_badaddr++;
    return EADDRNOTAVAIL;
  }

  if (ip_len <= mtu) {
    ip_cksum_set(m, hlen);
    const output = ifp.if_output;
    KASSERT(output !== null, `${ifp.if_xname}: no if_output`);
    return output(ifp, m, gw, ro);
  }
  if (ip_off & IP_DF) {
    st.ips_cantfrag++;
    return EMSGSIZE;
  }

  // Too big for the interface: send it in fragments, stopping at the first error.
  const frags = ip_fragment(m, mtu);
  if (typeof frags === "number") return frags;
  const output = ifp.if_output;
  KASSERT(output !== null, `${ifp.if_xname}: no if_output`);
  let error = 0;
  for (const f of frags) {
    if (error === 0) error = output(ifp, f, gw, ro);
  }
  if (error === 0) st.ips_fragmented++;
  return error;
}

/** machine/param.h PAGE_SIZE on amd64 */
const PAGE_SIZE = 4096;

// ip.h: option types and the option-length offset
const IPOPT_EOL = 0;
const IPOPT_NOP = 1;
const IPOPT_OLEN = 1;
/** ip.h IPOPT_COPIED: options with this bit go into every fragment. */
function IPOPT_COPIED(o: number): boolean {
  return (o & 0x80) !== 0;
}

/**
 * ip_options.c: ip_optcopy — the options of the header in `ip` that are copied into later
 * fragments, padded with EOL to a multiple of 4. The twin has no ip_dooptions to reject a
 * malformed option before forwarding, so an option length below 2 ends the copy where C
 * (trusting ip_dooptions) would loop or assert.
 */
export function ip_optcopy(ip: Uint8Array): Uint8Array {
  const hlen = (ip[IPV4.VER_IHL] & 0x0f) << 2;
  const out: number[] = [];
  let cp = IPV4_MIN_HEADER_LEN;
  for (let cnt = hlen - IPV4_MIN_HEADER_LEN, optlen = 0; cnt > 0; cnt -= optlen, cp += optlen) {
    const opt = ip[cp];
    if (opt === IPOPT_EOL) break;
    if (opt === IPOPT_NOP) {
      out.push(IPOPT_NOP); // "Preserve for IP mcast tunnel's LSRR alignment."
      optlen = 1;
      continue;
    }
    if (cnt < IPOPT_OLEN + 1) break;
    optlen = ip[cp + IPOPT_OLEN];
    if (optlen < IPOPT_OLEN + 1) break;
    if (optlen > cnt) optlen = cnt;
    if (IPOPT_COPIED(opt)) out.push(...ip.subarray(cp, cp + optlen));
  }
  while (out.length & 0x3) out.push(IPOPT_EOL);
  return Uint8Array.from(out);
}

// ip_output.c: ip_fragment — the first fragment is m itself, trimmed; the rest are new mbufs
// with the header and the options ip_optcopy keeps.
export function ip_fragment(m0: Mbuf, mtu: number): Mbuf[] | number {
  const st = ipstat();
  const ip = ipHeader(m0);
  const hlen = (ip.getUint8(IPV4.VER_IHL) & 0x0f) << 2;
  let len = (mtu - hlen) & ~7;
  const ip_len = ip.getUint16(IPV4.LENGTH, false);
  const ip_off = ip.getUint16(IPV4.FLG_OFF, false);
  if (ip_off & IP_DF) {
    st.ips_cantfrag++;
    return EMSGSIZE;
  }
  // At least 8 bytes of payload per fragment.
  if (len < 8) return EMSGSIZE;
  const opts = hlen > IPV4_MIN_HEADER_LEN ? ip_optcopy(m0.data) : new Uint8Array(0);
  const mhlen = IPV4_MIN_HEADER_LEN + opts.length;

  let off: number;
  if (len > PAGE_SIZE) {
    // Page-multiple fragments after the first, for receivers that flip pages.
    off = Math.min(mtu, m0.data.length);
    let newlen = mtu & ~(PAGE_SIZE - 1);
    if (off < hlen || newlen + IPV4_MIN_HEADER_LEN > mtu) {
      newlen = len;
      off = hlen + len;
    } else {
      off = ((off - hlen) & ~7) + hlen;
    }
    len = newlen;
  } else {
    off = hlen + len;
  }
  const firstlen = off - hlen;

  const out: Mbuf[] = [m0];
  let nfrags = 1;
  for (; off < ip_len; off += len, nfrags++) {
    let mhip_off = ((off - hlen) >> 3) + ip_off;
    if (off + len >= ip_len) len = ip_len - off;
    else mhip_off |= IP_MF;
    const data = new Uint8Array(mhlen + len);
    data.set(m0.data.subarray(0, IPV4_MIN_HEADER_LEN)); // "*mhip = *ip"
    data.set(opts, IPV4_MIN_HEADER_LEN);
    data.set(m0.data.subarray(off, off + len), mhlen);
    const f: Mbuf = { data, m_flags: m0.m_flags & M_MCAST, rcvif: m0.rcvif };
    const mhip = ipHeader(f);
    mhip.setUint8(IPV4.VER_IHL, (IPVERSION << 4) | (mhlen >> 2));
    mhip.setUint16(IPV4.FLG_OFF, mhip_off & 0xffff, false);
    mhip.setUint16(IPV4.LENGTH, len + mhlen, false);
    ip_cksum_set(f, mhlen);
    out.push(f);
  }
  st.ips_ofragments += nfrags;

  m0.data = m0.data.slice(0, hlen + firstlen);
  const first = ipHeader(m0);
  first.setUint16(IPV4.LENGTH, hlen + firstlen, false);
  first.setUint16(IPV4.FLG_OFF, ip_off | IP_MF, false);
  ip_cksum_set(m0, hlen);
  return out;
}

// ip_output.c: ip_mloopback — a copy of an outgoing multicast goes up through the loopback.
function ip_mloopback(ifp: ifnet, m: Mbuf, hlen: number): void {
  const copy: Mbuf = { data: m.data.slice(), m_flags: m.m_flags, rcvif: m.rcvif };
  ip_cksum_set(copy, hlen);
  if_simloop(ifp, copy, AF_INET, 0);
}
