// IPv4 input (10.4 sys/netinet/ip_input.c): header validation with its drop counters, the
// "is this for us" decision, local delivery to ICMP, and forwarding when net.inet.ip.forwarding
// is set (ip_forward, with redirects and ICMP errors). The per-VNET IP variables the rest of
// netinet reads (V_ipforwarding, V_ip_defttl, V_ip_id, ipstat) live here as in ip_input.c.
//
// Not modelled: IP options (ip_dooptions; datagrams with options are processed as if the
// options were absent), reassembly (fragments are dropped, counted in ips_fragdropped),
// ip_fastforward, pfil, IPsec, multicast routing, RSVP, and TCP and IGMP input: datagrams for
// us of those protocols are counted as delivered and then dropped, where FreeBSD would run
// tcp_input/igmp_input. UDP goes to udp_input (udp_usrreq.ts). Protocols without a handler go
// to rip_input, which in 10.4 drops them silently when no raw socket listens.

import { IFF_BROADCAST, IFF_LOOPBACK } from "../../abi/if.ts";
import {
  IN_CLASSA_NSHIFT,
  IN_LINKLOCAL,
  IN_LOOPBACKNET,
  IN_MULTICAST,
  INADDR_ANY,
  INADDR_BROADCAST,
  IPPROTO_ICMP,
  IPPROTO_IGMP,
  IPPROTO_IP,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from "../../abi/in.ts";
import { RTF_DYNAMIC, RTF_GATEWAY, RTF_MODIFIED } from "../../abi/route_defs.ts";
import { AF_INET, isSockaddrIn, sockaddrFamily, sockaddrIn } from "../../abi/socket.ts";
import { internetChecksum } from "../../wire/checksum.ts";
import { viewOf } from "../../abi/decode.ts";
import { IPV4, IPV4_MIN_HEADER_LEN } from "../../wire/ipv4.ts";
import { KASSERT } from "../kern/invariant.ts";
import { M_BCAST, M_MCAST, type Mbuf } from "../kern/mbuf.ts";
import {
  CTLFLAG_RW,
  CTLFLAG_VNET,
  CTLTYPE_INT,
  SYSCTL_INT,
  SYSCTL_NODE,
  sysctl_handle_int,
  sysctl_register_oid,
} from "../kern/sysctl.ts";
import { in_ifaddr } from "../net/if_var.ts";
import { RT_DEFAULT_FIB, RTFREE, rtalloc_ign_fib, type route } from "../net/route.ts";
import { curvnet, VNET, VNET_DEFINE } from "../net/vnet.ts";
import { in_canforward } from "./in.ts";
import {
  ICMP_REDIRECT_HOST,
  ICMP_TIMXCEED_INTRANS,
  ICMP_UNREACH_HOST,
  ICMP_UNREACH_NEEDFRAG,
  icmp_error,
  icmp_input,
  ip_next_mtu,
} from "./ip_icmp.ts";
import { IP_FORWARDING, IP_MF, IP_OFFMASK, ip_output, IPVERSION } from "./ip_output.ts";
import { udp_input } from "./udp_usrreq.ts";
import { ICMP_REDIRECT, ICMP_TIMXCEED, ICMP_UNREACH } from "../../wire/icmp.ts";
import { EMSGSIZE, ENOBUFS, EACCES } from "../../abi/errno.ts";

/** ip.h IPTTLDEC: what forwarding takes off the TTL. */
const IPTTLDEC = 1;
/** ip.h IPDEFTTL */
const IPDEFTTL = 64;

// ip_var.h: struct ipstat (the counters the twin moves)
export interface ipstat {
  ips_total: number;
  ips_badsum: number;
  ips_tooshort: number;
  ips_toosmall: number;
  ips_badhlen: number;
  ips_badlen: number;
  ips_fragments: number;
  ips_fragdropped: number;
  ips_forward: number;
  ips_cantforward: number;
  ips_redirectsent: number;
  ips_noproto: number;
  ips_delivered: number;
  ips_localout: number;
  ips_cantfrag: number;
  ips_fragmented: number;
  ips_ofragments: number;
  ips_noroute: number;
  ips_badvers: number;
  ips_badaddr: number;
}

export interface IpVnet {
  stat: ipstat;
  /** V_ipforwarding: net.inet.ip.forwarding, 0 by default. */
  ipforwarding: number;
  /** V_ipsendredirects: net.inet.ip.redirect, 1 by default. */
  ipsendredirects: number;
  /** V_ip_defttl: net.inet.ip.ttl. */
  ip_defttl: number;
  /** V_ip_checkinterface: net.inet.ip.check_interface (strong ES model), 0 by default. */
  ip_checkinterface: number;
  /** V_ip_id: next IP id. FreeBSD seeds it from time_second & 0xffff; the twin from 0. */
  ip_id: number;
}

export const V_ip = VNET_DEFINE("ip", (): IpVnet => ({
  stat: {
    ips_total: 0,
    ips_badsum: 0,
    ips_tooshort: 0,
    ips_toosmall: 0,
    ips_badhlen: 0,
    ips_badlen: 0,
    ips_fragments: 0,
    ips_fragdropped: 0,
    ips_forward: 0,
    ips_cantforward: 0,
    ips_redirectsent: 0,
    ips_noproto: 0,
    ips_delivered: 0,
    ips_localout: 0,
    ips_cantfrag: 0,
    ips_fragmented: 0,
    ips_ofragments: 0,
    ips_noroute: 0,
    ips_badvers: 0,
    ips_badaddr: 0,
  },
  ipforwarding: 0,
  ipsendredirects: 1,
  ip_defttl: IPDEFTTL,
  ip_checkinterface: 0,
  ip_id: 0,
}));

/** The current VNET's IP counters. */
export function ipstat(): ipstat {
  return VNET(V_ip).stat;
}

// in.h: IPCTL_* numbers of the net.inet.ip leaves that have fixed numbers
const IPCTL_FORWARDING = 1;
const IPCTL_SENDREDIRECTS = 2;
const IPCTL_DEFTTL = 3;

type IpKnob = "ipforwarding" | "ipsendredirects" | "ip_defttl" | "ip_checkinterface";

function ipRef(key: IpKnob): { get(): number; set(v: number): void } {
  return {
    get: () => VNET(V_ip)[key],
    set: (v) => {
      VNET(V_ip)[key] = v;
    },
  };
}

SYSCTL_NODE("", 4, "net", CTLFLAG_RW, null, "Network, (see socket.h)");
SYSCTL_NODE("net", AF_INET, "inet", CTLFLAG_RW, null, "Internet Family");
SYSCTL_NODE("net.inet", IPPROTO_IP, "ip", CTLFLAG_RW, null, "IP");
for (const [num, name, key, descr] of [
  [IPCTL_FORWARDING, "forwarding", "ipforwarding", "Enable IP forwarding between interfaces"],
  [IPCTL_SENDREDIRECTS, "redirect", "ipsendredirects", "Enable sending IP redirects"],
  [IPCTL_DEFTTL, "ttl", "ip_defttl", "Maximum TTL on IP packets"],
] as const) {
  const ref = ipRef(key);
  sysctl_register_oid(
    "net.inet.ip",
    num,
    name,
    CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_VNET,
    (_oidp, _name, req) => sysctl_handle_int(ref, 0, req),
    descr,
  );
}
SYSCTL_INT(
  "net.inet.ip.check_interface",
  CTLFLAG_RW | CTLFLAG_VNET,
  ipRef("ip_checkinterface"),
  "Verify packet arrives on correct interface",
);

// ip_input.c: ip_input — m.data starts at the IP header; m.rcvif is the receiving interface.
export function ip_input(m: Mbuf): void {
  const v = curvnet();
  const g = VNET(V_ip);
  const st = g.stat;
  st.ips_total++;

  if (m.data.length < IPV4_MIN_HEADER_LEN) {
    st.ips_tooshort++;
    return;
  }
  let ip = viewOf(m.data);
  if (ip.getUint8(IPV4.VER_IHL) >> 4 !== IPVERSION) {
    st.ips_badvers++;
    return;
  }
  const hlen = (ip.getUint8(IPV4.VER_IHL) & 0x0f) << 2;
  if (hlen < IPV4_MIN_HEADER_LEN) {
    st.ips_badhlen++;
    return;
  }
  if (hlen > m.data.length) {
    // m_pullup of more than the packet holds fails.
    st.ips_badhlen++;
    return;
  }

  // 127/8 must not appear on the wire (RFC 1122).
  const ifp = m.rcvif;
  KASSERT(ifp !== null, "ip_input: no receiving interface");
  const dst = ip.getUint32(IPV4.DST, false);
  const src = ip.getUint32(IPV4.SRC, false);
  if (
    (dst >>> IN_CLASSA_NSHIFT === IN_LOOPBACKNET || src >>> IN_CLASSA_NSHIFT === IN_LOOPBACKNET) &&
    (ifp.if_flags & IFF_LOOPBACK) === 0
  ) {
    st.ips_badaddr++;
    return;
  }

  if (internetChecksum(m.data.subarray(0, hlen)) !== 0) {
    st.ips_badsum++;
    return;
  }

  const ip_len = ip.getUint16(IPV4.LENGTH, false);
  if (ip_len < hlen) {
    st.ips_badlen++;
    return;
  }
  if (m.data.length < ip_len) {
    st.ips_tooshort++;
    return;
  }
  // Link-layer padding past the datagram is trimmed.
  if (m.data.length > ip_len) {
    m.data = m.data.subarray(0, ip_len);
    ip = viewOf(m.data);
  }

  // With no addresses at all, any unicast datagram may be ours.
  if (v.in_ifaddrhead.length === 0 && (m.m_flags & (M_MCAST | M_BCAST)) === 0) {
    ours(m, hlen);
    return;
  }

  // The strong end-system check applies only when asked for and not forwarding.
  const checkif = g.ip_checkinterface !== 0 && g.ipforwarding === 0 && (ifp.if_flags & IFF_LOOPBACK) === 0;
  for (const ia of v.in_ifaddrhead) {
    if (ia.ia_addr.sin_addr === dst && (!checkif || ia.ia_ifp === ifp)) {
      ours(m, hlen);
      return;
    }
  }

  // A broadcast address of the receiving interface (exactly; no old-style host-0 form here).
  if (ifp.if_flags & IFF_BROADCAST) {
    for (const ifa of ifp.if_addrhead) {
      if (sockaddrFamily(ifa.ifa_addr) !== AF_INET || !(ifa instanceof in_ifaddr)) continue;
      if (ifa.ia_broadaddr.sin_addr === dst) {
        ours(m, hlen);
        return;
      }
    }
  }
  // RFC 3927 2.7: never forward 169.254/16.
  if (IN_LINKLOCAL(dst)) {
    st.ips_cantforward++;
    return;
  }
  // Multicast is taken as ours; the protocols filter by membership.
  if (IN_MULTICAST(dst) || dst === INADDR_BROADCAST >>> 0 || dst === INADDR_ANY) {
    ours(m, hlen);
    return;
  }

  if (g.ipforwarding === 0) {
    st.ips_cantforward++;
    return;
  }
  ip_forward(m, false);
}

/** ip_input's "ours" label: reassembly, then the protocol's input routine. */
function ours(m: Mbuf, hlen: number): void {
  const st = ipstat();
  const ip = viewOf(m.data);
  if (ip.getUint16(IPV4.FLG_OFF, false) & (IP_MF | IP_OFFMASK)) {
    st.ips_fragments++;
    st.ips_fragdropped++;
    return;
  }
  st.ips_delivered++;
  switch (ip.getUint8(IPV4.PROTOCOL)) {
    case IPPROTO_ICMP:
      icmp_input(m, hlen);
      return;
    case IPPROTO_UDP:
      udp_input(m, hlen);
      return;
    case IPPROTO_IGMP:
    case IPPROTO_TCP:
      return;
    default:
      rip_input(m, hlen);
  }
}

// raw_ip.c: rip_input — with no raw sockets, 10.4 frees the datagram and undoes "delivered".
export function rip_input(_m: Mbuf, _off: number): void {
  const st = ipstat();
  st.ips_noproto++;
  st.ips_delivered--;
}

// ip_input.c: ip_forward — `srcrt` is true for a source-routed datagram (never, here).
export function ip_forward(m: Mbuf, srcrt: boolean): void {
  const g = VNET(V_ip);
  const st = g.stat;
  const ip = viewOf(m.data);
  const ip_dst = ip.getUint32(IPV4.DST, false);

  if (m.m_flags & (M_BCAST | M_MCAST) || in_canforward(ip_dst) === 0) {
    st.ips_cantforward++;
    return;
  }
  if (ip.getUint8(IPV4.TTL) <= IPTTLDEC) {
    icmp_error(m, ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 0, 0);
    return;
  }

  const ro: route = { ro_rt: null, ro_dst: sockaddrIn(ip_dst), ro_flags: 0 };
  rtalloc_ign_fib(ro, 0, RT_DEFAULT_FIB);
  const ia = ro.ro_rt !== null && ro.ro_rt.rt_ifa instanceof in_ifaddr ? ro.ro_rt.rt_ifa : null;
  if (!srcrt && ia === null) {
    icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_HOST, 0, 0);
    if (ro.ro_rt !== null) RTFREE(ro.ro_rt);
    return;
  }

  // The header and the start of the payload, kept for an ICMP error about this datagram.
  const mcopy: Mbuf = {
    data: m.data.slice(0, Math.min(m.data.length, MHLEN)),
    m_flags: m.m_flags,
    rcvif: m.rcvif,
  };

  ip.setUint8(IPV4.TTL, ip.getUint8(IPV4.TTL) - IPTTLDEC);

  // Leaving by the interface it came in on, to a host on the sender's own subnet: tell the
  // sender (host redirect), unless the route is a default or learnt from a redirect.
  let type = 0;
  let code = 0;
  let dest = 0;
  const rt = ro.ro_rt;
  if (!srcrt && g.ipsendredirects && ia !== null && ia.ia_ifp === m.rcvif && rt !== null) {
    const key = rt.rt_key;
    if ((rt.rt_flags & (RTF_DYNAMIC | RTF_MODIFIED)) === 0 && isSockaddrIn(key) && key.sin_addr !== 0) {
      const rta = rt.rt_ifa instanceof in_ifaddr ? rt.rt_ifa : null;
      const src = ip.getUint32(IPV4.SRC, false);
      if (rta !== null && (src & rta.ia_subnetmask) >>> 0 === rta.ia_subnet) {
        dest = rt.rt_flags & RTF_GATEWAY && isSockaddrIn(rt.rt_gateway) ? rt.rt_gateway.sin_addr : ip_dst;
        type = ICMP_REDIRECT;
        code = ICMP_REDIRECT_HOST;
      }
    }
  }

  const error = ip_output(m, ro, IP_FORWARDING);
  const mtu = error === EMSGSIZE && ro.ro_rt !== null ? ro.ro_rt.rt_mtu : 0;
  if (ro.ro_rt !== null) {
    RTFREE(ro.ro_rt);
    ro.ro_rt = null;
  }

  if (error) st.ips_cantforward++;
  else {
    st.ips_forward++;
    if (type) st.ips_redirectsent++;
    else return;
  }

  let errmtu = mtu;
  switch (error) {
    case 0: // forwarded, but a redirect is due
      break;
    case EMSGSIZE:
      type = ICMP_UNREACH;
      code = ICMP_UNREACH_NEEDFRAG;
      if (errmtu !== 0) {
        if (ia !== null) errmtu = Math.min(errmtu, ia.ia_ifp.if_mtu);
      } else {
        errmtu = ia !== null ? ia.ia_ifp.if_mtu : ip_next_mtu(ip.getUint16(IPV4.LENGTH, false), 0);
      }
      st.ips_cantfrag++;
      break;
    case ENOBUFS:
      // net.inet.ip.sendsourcequench is 0: no source quench.
      return;
    case EACCES:
      return;
    default:
      type = ICMP_UNREACH;
      code = ICMP_UNREACH_HOST;
      break;
  }
  icmp_error(mcopy, type, code, dest, errmtu);
}

/**
 * mbuf.h MHLEN on amd64 (MSIZE 256 - 32-byte m_hdr - 56-byte pkthdr): how much of a forwarded
 * datagram ip_forward keeps for a later ICMP error.
 */
const MHLEN = 168;
