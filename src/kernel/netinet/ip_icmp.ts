// ICMP (10.4 sys/netinet/ip_icmp.c): input processing with echo and timestamp replies, error
// generation for the IP layer, and the reply path (icmp_reflect: source selection, then
// icmp_send → ip_output). Not modelled: redirects changing the routing table (in_rtredirect;
// a redirect is validated and counted, nothing more), control input to transport protocols
// (there are no PCBs), IP options in replies (they are stripped; RR/TS are not echoed) and
// net.inet.icmp.reply_src.

import { IFF_BROADCAST, IFF_POINTOPOINT } from "../../abi/if.ts";
import {
  IN_EXPERIMENTAL,
  IN_MULTICAST,
  IN_ZERONET,
  INADDR_ANY,
  INADDR_BROADCAST,
  IPPROTO_ICMP,
  IPPROTO_TCP,
} from "../../abi/in.ts";
import { AF_INET, sockaddrFamily, sockaddrIn } from "../../abi/socket.ts";
import { internetChecksum } from "../../wire/checksum.ts";
import { viewOf } from "../../abi/decode.ts";
import {
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_MASKREPLY,
  ICMP_MASKREQ,
  ICMP_PARAMPROB,
  ICMP_REDIRECT,
  ICMP_TIMXCEED,
  ICMP_TSTAMP,
  ICMP_TSTAMPREPLY,
  ICMP_UNREACH,
} from "../../wire/icmp.ts";
import { IPV4, IPV4_MIN_HEADER_LEN } from "../../wire/ipv4.ts";
import { KASSERT } from "../kern/invariant.ts";
import { M_BCAST, M_MCAST, type Mbuf } from "../kern/mbuf.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, SYSCTL_INT, SYSCTL_NODE } from "../kern/sysctl.ts";
import { ifa_free, ifaof_ifpforaddr } from "../net/if.ts";
import { in_ifaddr } from "../net/if_var.ts";
import { RT_DEFAULT_FIB, RTFREE, rtalloc_ign_fib, type route } from "../net/route.ts";
import { curvnet, VNET, VNET_DEFINE } from "../net/vnet.ts";
import { INADDR_HASH } from "./in_var.ts";
import { rip_input, V_ip } from "./ip_input.ts";
import { IP_DF, IP_MF, ip_output, IPVERSION } from "./ip_output.ts";

// ip_icmp.h
export const ICMP_MINLEN = 8; // abs minimum
export const ICMP_TSLEN = 8 + 3 * 4; // timestamp
export const ICMP_MASKLEN = 12; // address mask
export const ICMP_ADVLENMIN = 8 + IPV4_MIN_HEADER_LEN + 8; // min
export const ICMP_MAXTYPE = 18;
export const ICMP_UNREACH_HOST = 1;
export const ICMP_UNREACH_NEEDFRAG = 4;
export const ICMP_TIMXCEED_INTRANS = 0;
export const ICMP_REDIRECT_HOST = 1;
const ICMP_SOURCEQUENCH = 4;

/** ip_icmp.h ICMP_INFOTYPE: query/reply types, which may be answered with an error. */
export function ICMP_INFOTYPE(type: number): boolean {
  return [0, 8, 9, 10, 13, 14, 15, 16, 17, 18].includes(type);
}

// icmp_var.h: struct icmpstat (the counters the twin moves)
export interface icmpstat {
  icps_error: number;
  icps_oldicmp: number;
  icps_outhist: number[];
  icps_badcode: number;
  icps_tooshort: number;
  icps_checksum: number;
  icps_badlen: number;
  icps_reflect: number;
  icps_inhist: number[];
  icps_bmcastecho: number;
  icps_bmcasttstamp: number;
  icps_badaddr: number;
  icps_noroute: number;
}

interface IcmpVnet {
  stat: icmpstat;
  icmplim: number;
  icmpmaskrepl: number;
  drop_redirect: number;
  icmp_rfi: number;
  icmp_quotelen: number;
  icmpbmcastecho: number;
  icmptstamprepl: number;
  /** badport_bandlim state per BANDLIM_* kind: tick of the window start and count in it. */
  rates: { lasttime: number; curpps: number }[];
}

// ip_icmp.c: the VNET_DEFINEs and their 10.4 defaults
const V_icmp = VNET_DEFINE("icmp", (): IcmpVnet => ({
  stat: {
    icps_error: 0,
    icps_oldicmp: 0,
    icps_outhist: new Array<number>(ICMP_MAXTYPE + 1).fill(0),
    icps_badcode: 0,
    icps_tooshort: 0,
    icps_checksum: 0,
    icps_badlen: 0,
    icps_reflect: 0,
    icps_inhist: new Array<number>(ICMP_MAXTYPE + 1).fill(0),
    icps_bmcastecho: 0,
    icps_bmcasttstamp: 0,
    icps_badaddr: 0,
    icps_noroute: 0,
  },
  icmplim: 200,
  icmpmaskrepl: 0,
  drop_redirect: 0,
  icmp_rfi: 0,
  icmp_quotelen: 8,
  icmpbmcastecho: 0,
  icmptstamprepl: 1,
  rates: Array.from({ length: BANDLIM_MAX + 1 }, () => ({ lasttime: 0, curpps: 0 })),
}));

// icmp_var.h: badport_bandlim kinds
export const BANDLIM_UNLIMITED = -1;
export const BANDLIM_ICMP_UNREACH = 0;
export const BANDLIM_ICMP_ECHO = 1;
export const BANDLIM_ICMP_TSTAMP = 2;
const BANDLIM_MAX = 6;

SYSCTL_NODE("", 4, "net", CTLFLAG_RW, null, "Network, (see socket.h)");
SYSCTL_NODE("net", AF_INET, "inet", CTLFLAG_RW, null, "Internet Family");
SYSCTL_NODE("net.inet", IPPROTO_ICMP, "icmp", CTLFLAG_RW, null, "ICMP");

function icmpInt(name: string, key: Exclude<keyof IcmpVnet, "stat" | "rates">, descr: string): void {
  SYSCTL_INT(
    `net.inet.icmp.${name}`,
    CTLFLAG_RW | CTLFLAG_VNET,
    {
      get: () => VNET(V_icmp)[key],
      set: (v) => {
        VNET(V_icmp)[key] = v;
      },
    },
    descr,
  );
}
icmpInt("icmplim", "icmplim", "Maximum number of ICMP responses per second");
icmpInt("maskrepl", "icmpmaskrepl", "Reply to ICMP Address Mask Request packets.");
icmpInt("reply_from_interface", "icmp_rfi", "ICMP reply from incoming interface for non-local packets");
icmpInt("quotelen", "icmp_quotelen", "Number of bytes from original packet to quote in ICMP reply");
icmpInt("bmcastecho", "icmpbmcastecho", "");
icmpInt("tstamprepl", "icmptstamprepl", "Respond to ICMP Timestamp packets");
icmpInt("drop_redirect", "drop_redirect", "Ignore ICMP redirects");

/** The current VNET's ICMP counters. */
export function icmpstat(): icmpstat {
  return VNET(V_icmp).stat;
}

// ip_icmp.c: icmp_error — answer the datagram in `n` (its IP header at n.data) with an error.
// `dest` is the gateway of a redirect; `mtu` the next-hop MTU of a "fragmentation needed".
export function icmp_error(n: Mbuf, type: number, code: number, dest: number, mtu: number): void {
  KASSERT(type <= ICMP_MAXTYPE, `icmp_error: illegal ICMP type ${type}`);
  const st = icmpstat();
  const oip = viewOf(n.data);
  const oiphlen = (oip.getUint8(IPV4.VER_IHL) & 0x0f) << 2;
  if (type !== ICMP_REDIRECT) st.icps_error++;

  // No error for a fragment other than the first, a link-level broadcast or multicast, or an
  // ICMP error message.
  if (oip.getUint16(IPV4.FLG_OFF, false) & ~(IP_MF | IP_DF) & 0xffff) return;
  if (n.m_flags & (M_BCAST | M_MCAST)) return;
  const oproto = oip.getUint8(IPV4.PROTOCOL);
  if (
    oproto === IPPROTO_ICMP &&
    type !== ICMP_REDIRECT &&
    n.data.length >= oiphlen + ICMP_MINLEN &&
    !ICMP_INFOTYPE(n.data[oiphlen])
  ) {
    st.icps_oldicmp++;
    return;
  }
  if (oiphlen + 8 > n.data.length) return;

  const nlen = n.data.length;
  const oip_len = oip.getUint16(IPV4.LENGTH, false);
  const quotelen = VNET(V_icmp).icmp_quotelen;
  let icmpelen = Math.max(8, Math.min(quotelen, oip_len - oiphlen));
  // TCP: quote the whole TCP header when it is there.
  if (oproto === IPPROTO_TCP && oiphlen + 20 <= n.data.length) {
    const tcphlen = (n.data[oiphlen + 12] >> 4) << 2;
    if (tcphlen < 20 || oip_len < oiphlen + tcphlen) return;
    if (oiphlen + tcphlen <= n.data.length)
      icmpelen = Math.max(tcphlen, Math.min(quotelen, oip_len - oiphlen));
  }
  const icmplen = Math.min(oiphlen + icmpelen, nlen);
  if (icmplen < IPV4_MIN_HEADER_LEN) return;

  // New datagram: a copy of the old IP header (options dropped), the ICMP header, the quote.
  const out = new Uint8Array(IPV4_MIN_HEADER_LEN + ICMP_MINLEN + icmplen);
  const icp = viewOf(out.subarray(IPV4_MIN_HEADER_LEN));
  st.icps_outhist[type]++;
  icp.setUint8(0, type);
  if (type === ICMP_REDIRECT) icp.setUint32(4, dest >>> 0, false);
  else if (type === ICMP_PARAMPROB) {
    icp.setUint8(4, code); // icmp_pptr
    code = 0;
  } else if (type === ICMP_UNREACH && code === ICMP_UNREACH_NEEDFRAG && mtu) {
    icp.setUint16(6, mtu, false); // icmp_nextmtu
  }
  icp.setUint8(1, code);
  out.set(n.data.subarray(0, icmplen), IPV4_MIN_HEADER_LEN + ICMP_MINLEN);

  out.set(n.data.subarray(0, IPV4_MIN_HEADER_LEN), 0);
  const nip = viewOf(out);
  nip.setUint16(IPV4.LENGTH, out.length, false);
  nip.setUint8(IPV4.VER_IHL, (IPVERSION << 4) | 5);
  nip.setUint8(IPV4.PROTOCOL, IPPROTO_ICMP);
  nip.setUint8(IPV4.TOS, 0);
  nip.setUint16(IPV4.FLG_OFF, 0, false);
  icmp_reflect({ data: out, m_flags: 0, rcvif: n.rcvif });
}

// ip_icmp.c: icmp_input — `off` is the IP header length; m.data holds exactly ip_len bytes.
export function icmp_input(m: Mbuf, off: number): void {
  const g = VNET(V_icmp);
  const st = g.stat;
  const ip = viewOf(m.data);
  const hlen = off;
  const icmplen = ip.getUint16(IPV4.LENGTH, false) - off;
  if (icmplen < ICMP_MINLEN) {
    st.icps_tooshort++;
    return;
  }
  KASSERT(m.data.length >= hlen + icmplen, "icmp_input: ip_input left a short datagram");
  const icmp = m.data.subarray(hlen, hlen + icmplen);
  if (internetChecksum(icmp) !== 0) {
    st.icps_checksum++;
    return;
  }
  const icp = viewOf(icmp);
  const type = icp.getUint8(0);
  if (type > ICMP_MAXTYPE) {
    rip_input(m, off);
    return;
  }
  st.icps_inhist[type]++;
  const code = icp.getUint8(1);
  switch (type) {
    case ICMP_UNREACH:
    case ICMP_TIMXCEED:
    case ICMP_PARAMPROB:
    case ICMP_SOURCEQUENCH:
      if (!icmp_ctl_code_ok(type, code)) {
        st.icps_badcode++;
        break;
      }
      // Problem with a datagram we sent: check the quote, then tell the protocol (no PCBs).
      if (!icmp_quote_ok(icmp, icmplen)) {
        st.icps_badlen++;
        return;
      }
      if (IN_MULTICAST(icp.getUint32(8 + IPV4.DST, false))) st.icps_badcode++;
      break;
    case ICMP_ECHO:
      if (!g.icmpbmcastecho && m.m_flags & (M_MCAST | M_BCAST)) {
        st.icps_bmcastecho++;
        break;
      }
      icp.setUint8(0, ICMP_ECHOREPLY);
      if (badport_bandlim(BANDLIM_ICMP_ECHO) < 0) return;
      reflect(m, ICMP_ECHOREPLY);
      return;
    case ICMP_TSTAMP:
      if (g.icmptstamprepl === 0) break;
      if (!g.icmpbmcastecho && m.m_flags & (M_MCAST | M_BCAST)) {
        st.icps_bmcasttstamp++;
        break;
      }
      if (icmplen < ICMP_TSLEN) {
        st.icps_badlen++;
        break;
      }
      icp.setUint8(0, ICMP_TSTAMPREPLY);
      icp.setUint32(12, iptime(), false); // icmp_rtime
      icp.setUint32(16, iptime(), false); // icmp_ttime, "bogus, do later!"
      if (badport_bandlim(BANDLIM_ICMP_TSTAMP) < 0) return;
      reflect(m, ICMP_TSTAMPREPLY);
      return;
    case ICMP_MASKREQ: {
      if (g.icmpmaskrepl === 0 || icmplen < ICMP_MASKLEN) break;
      // The address whose mask is asked for: the destination, or for a request sent to
      // 255.255.255.255 or 0.0.0.0 the requester's own address.
      const ip_dst = ip.getUint32(IPV4.DST, false);
      const ip_src = ip.getUint32(IPV4.SRC, false);
      const icmpdst = ip_dst === INADDR_BROADCAST >>> 0 || ip_dst === INADDR_ANY ? ip_src : ip_dst;
      const ifa = m.rcvif !== null ? ifaof_ifpforaddr(sockaddrIn(icmpdst), m.rcvif) : null;
      if (ifa === null) break;
      if (!(ifa instanceof in_ifaddr)) {
        ifa_free(ifa);
        break;
      }
      icp.setUint8(0, ICMP_MASKREPLY);
      // net.inet.icmp.maskfake (0 by default, not modelled) would replace the real mask.
      icp.setUint32(8, ifa.ia_sockmask.sin_addr >>> 0, false); // icmp_mask
      // A requester without an address gets the answer at the subnet's broadcast (or the
      // point-to-point peer's) address.
      if (ip_src === 0) {
        if (ifa.ia_ifp.if_flags & IFF_BROADCAST) ip.setUint32(IPV4.SRC, ifa.ia_broadaddr.sin_addr, false);
        else if (ifa.ia_ifp.if_flags & IFF_POINTOPOINT)
          ip.setUint32(IPV4.SRC, ifa.ia_dstaddr.sin_addr, false);
      }
      ifa_free(ifa);
      reflect(m, ICMP_MASKREPLY);
      return;
    }
    case ICMP_REDIRECT:
      // Routers ignore redirects (RFC 1812); hosts would install a route (not modelled).
      if (g.drop_redirect || VNET(V_ip).ipforwarding) break;
      if (code > 3) {
        st.icps_badcode++;
        break;
      }
      if (!icmp_quote_ok(icmp, icmplen)) st.icps_badlen++;
      break;
    default:
      break;
  }
  rip_input(m, off);
}

function reflect(m: Mbuf, replyType: number): void {
  const st = icmpstat();
  st.icps_reflect++;
  st.icps_outhist[replyType]++;
  icmp_reflect(m);
}

/** The code checks of icmp_input's error-message cases (badcode when false). */
function icmp_ctl_code_ok(type: number, code: number): boolean {
  switch (type) {
    case ICMP_UNREACH:
      return code <= 15; // every code from NET (0) to PRECEDENCE_CUTOFF (15) maps to a PRC_
    case ICMP_TIMXCEED:
    case ICMP_PARAMPROB:
      return code <= 1;
    default:
      return code === 0;
  }
}

/** ICMP_ADVLENMIN, ICMP_ADVLEN(icp) and the quoted header's ip_hl. */
function icmp_quote_ok(icmp: Uint8Array, icmplen: number): boolean {
  if (icmplen < ICMP_ADVLENMIN) return false;
  const qhl = icmp[8] & 0x0f;
  return icmplen >= 8 + (qhl << 2) + 8 && qhl >= IPV4_MIN_HEADER_LEN >> 2;
}

// ip_icmp.c: icmp_reflect — send the message back where it came from, choosing our source.
export function icmp_reflect(m: Mbuf): void {
  const st = icmpstat();
  const ip = viewOf(m.data);
  const hlen = (ip.getUint8(IPV4.VER_IHL) & 0x0f) << 2;
  const src = ip.getUint32(IPV4.SRC, false);
  if (IN_MULTICAST(src) || IN_EXPERIMENTAL(src) || IN_ZERONET(src)) {
    st.icps_badaddr++;
    return;
  }
  const t = ip.getUint32(IPV4.DST, false);
  ip.setUint32(IPV4.DST, src, false);

  const from = icmp_reflect_source(m, t, src);
  if (from === null) {
    st.icps_noroute++;
    return;
  }
  ip.setUint32(IPV4.SRC, from, false);
  ip.setUint8(IPV4.TTL, VNET(V_ip).ip_defttl);
  if (hlen > IPV4_MIN_HEADER_LEN) ip_stripoptions(m, hlen);
  m.m_flags &= ~(M_BCAST | M_MCAST);
  icmp_send(m);
}

/** icmp_reflect's source choice for a reply to `dst` of a datagram that was sent to `t`. */
function icmp_reflect_source(m: Mbuf, t: number, dst: number): number | null {
  // Addressed to one of our addresses: answer from it.
  for (const ia of INADDR_HASH(curvnet(), t)) if (ia.ia_addr.sin_addr === t) return t;
  // Addressed to a broadcast address of the receiving interface: that address's host address.
  const ifp = m.rcvif;
  if (ifp !== null && ifp.if_flags & IFF_BROADCAST) {
    for (const ifa of ifp.if_addrhead) {
      if (sockaddrFamily(ifa.ifa_addr) !== AF_INET || !(ifa instanceof in_ifaddr)) continue;
      if (ifa.ia_broadaddr.sin_addr === t) return ifa.ia_addr.sin_addr;
    }
  }
  if (VNET(V_icmp).icmp_rfi && ifp !== null) {
    for (const ifa of ifp.if_addrhead) {
      if (ifa instanceof in_ifaddr && sockaddrFamily(ifa.ifa_addr) === AF_INET) return ifa.ia_addr.sin_addr;
    }
  }
  // Transit traffic: the address of the interface the route back leaves through.
  return ip_rtaddr(dst);
}

// ip_input.c: ip_rtaddr — the address of the interface a route to `dst` uses.
function ip_rtaddr(dst: number): number | null {
  const ro: route = { ro_rt: null, ro_dst: sockaddrIn(dst), ro_flags: 0 };
  rtalloc_ign_fib(ro, 0, RT_DEFAULT_FIB);
  const rt = ro.ro_rt;
  if (rt === null) return null;
  const ia = rt.rt_ifa;
  RTFREE(rt);
  return ia instanceof in_ifaddr ? ia.ia_addr.sin_addr : null;
}

// ip_options.c: ip_stripoptions — drop the options, keeping a 20-byte header.
export function ip_stripoptions(m: Mbuf, hlen: number): void {
  const olen = hlen - IPV4_MIN_HEADER_LEN;
  const out = new Uint8Array(m.data.length - olen);
  out.set(m.data.subarray(0, IPV4_MIN_HEADER_LEN));
  out.set(m.data.subarray(hlen), IPV4_MIN_HEADER_LEN);
  const ip = viewOf(out);
  ip.setUint8(IPV4.VER_IHL, (ip.getUint8(IPV4.VER_IHL) & 0xf0) | (IPV4_MIN_HEADER_LEN >> 2));
  ip.setUint16(IPV4.LENGTH, ip.getUint16(IPV4.LENGTH, false) - olen, false);
  m.data = out;
}

// ip_icmp.c: icmp_send — checksum the ICMP part and hand the datagram to ip_output.
function icmp_send(m: Mbuf): void {
  const ip = viewOf(m.data);
  const hlen = (ip.getUint8(IPV4.VER_IHL) & 0x0f) << 2;
  const len = ip.getUint16(IPV4.LENGTH, false);
  const icp = viewOf(m.data.subarray(hlen));
  icp.setUint16(2, 0, false);
  icp.setUint16(2, internetChecksum(m.data.subarray(hlen, len)), false);
  m.rcvif = null;
  ip_output(m, null, 0);
}

/** ip_icmp.c iptime: milliseconds since midnight UTC, from the virtual clock's seconds. */
export function iptime(): number {
  const clock = curvnet().clock;
  const ms = Math.floor((clock.ticks * 1000) / clock.hz);
  return (ms % (24 * 60 * 60 * 1000)) >>> 0;
}

// ip_icmp.c: ip_next_mtu — the next RFC 1191 plateau below (dir >= 0) or above `mtu`.
export function ip_next_mtu(mtu: number, dir: number): number {
  const mtutab = [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1280, 1006, 508, 296, 68, 0];
  if (dir >= 0) {
    for (const p of mtutab) if (mtu > p) return p;
  } else {
    for (let i = mtutab.length - 1; i >= 0; i--) if (mtu < mtutab[i]) return mtutab[i];
    if (mtu === mtutab[0]) return mtutab[0];
  }
  return 0;
}

// ip_icmp.c: badport_bandlim — 0 to send, -1 over net.inet.icmp.icmplim per second.
export function badport_bandlim(which: number): number {
  const g = VNET(V_icmp);
  if (g.icmplim > 0 && which >= 0 && which < g.rates.length) {
    if (!ppsratecheck(g.rates[which], g.icmplim)) return -1;
  }
  return 0;
}

// kern_time.c: ppsratecheck — counts events in one-second windows measured in ticks since
// boot (the virtual clock started bootUptime seconds after boot); the event that brings the
// count to maxpps is already refused ("*curpps < maxpps").
function ppsratecheck(r: { lasttime: number; curpps: number }, maxpps: number): boolean {
  const clock = curvnet().clock;
  const now = clock.bootUptime * clock.hz + clock.ticks;
  if (r.lasttime === 0 || now - r.lasttime >= clock.hz) {
    r.lasttime = now;
    r.curpps = 1;
    return maxpps !== 0;
  }
  r.curpps++;
  return maxpps < 0 || r.curpps < maxpps;
}
