// UDP input as a host without UDP sockets sees it (10.4 sys/netinet/udp_usrreq.c udp_input):
// the length and checksum checks with their counters, then — no PCB can match — silence for
// broadcast and multicast, and ICMP port unreachable for unicast. Sockets, udp_output and
// UDP-Lite are not modelled.

import { IPPROTO_UDP } from "../../abi/in.ts";
import { viewOf } from "../../abi/decode.ts";
import { AF_INET } from "../../abi/socket.ts";
import { internetChecksum, pseudoHeaderSum } from "../../wire/checksum.ts";
import { IPV4, IPV4_MIN_HEADER_LEN } from "../../wire/ipv4.ts";
import { ICMP_UNREACH } from "../../wire/icmp.ts";
import { M_BCAST, M_MCAST, type Mbuf } from "../kern/mbuf.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, SYSCTL_INT, SYSCTL_NODE } from "../kern/sysctl.ts";
import { VNET, VNET_DEFINE } from "../net/vnet.ts";
import { IN_MULTICAST } from "../../abi/in.ts";
import { in_broadcast } from "./in.ts";
import { badport_bandlim, BANDLIM_ICMP_UNREACH, icmp_error, ip_stripoptions } from "./ip_icmp.ts";

/** ip_icmp.h ICMP_UNREACH_PORT */
const ICMP_UNREACH_PORT = 3;
/** sizeof(struct udphdr) */
const UDP_HDR_LEN = 8;

// udp_var.h: struct udpstat (the counters the twin moves)
export interface udpstat {
  udps_ipackets: number;
  udps_hdrops: number;
  udps_badsum: number;
  udps_nosum: number;
  udps_badlen: number;
  udps_noport: number;
  udps_noportbcast: number;
}

interface UdpVnet {
  stat: udpstat;
  /** V_udp_blackhole: net.inet.udp.blackhole, 0 by default. */
  udp_blackhole: number;
}

const V_udp = VNET_DEFINE("udp", (): UdpVnet => ({
  stat: {
    udps_ipackets: 0,
    udps_hdrops: 0,
    udps_badsum: 0,
    udps_nosum: 0,
    udps_badlen: 0,
    udps_noport: 0,
    udps_noportbcast: 0,
  },
  udp_blackhole: 0,
}));

SYSCTL_NODE("", 4, "net", CTLFLAG_RW, null, "Network, (see socket.h)");
SYSCTL_NODE("net", AF_INET, "inet", CTLFLAG_RW, null, "Internet Family");
SYSCTL_NODE("net.inet", IPPROTO_UDP, "udp", CTLFLAG_RW, null, "UDP");
SYSCTL_INT(
  "net.inet.udp.blackhole",
  CTLFLAG_RW | CTLFLAG_VNET,
  {
    get: () => VNET(V_udp).udp_blackhole,
    set: (v) => {
      VNET(V_udp).udp_blackhole = v;
    },
  },
  "Do not send port unreachables for refused connects",
);

/** The current VNET's UDP counters. */
export function udpstat(): udpstat {
  return VNET(V_udp).stat;
}

// udp_usrreq.c: udp_input — `off` is the IP header length; m.data holds ip_len bytes.
export function udp_input(m: Mbuf, off: number): void {
  const g = VNET(V_udp);
  const st = g.stat;
  const ifp = m.rcvif;
  st.udps_ipackets++;

  // Options are stripped first: the checksum is computed over a plain header.
  let iphlen = off;
  if (iphlen > IPV4_MIN_HEADER_LEN) {
    ip_stripoptions(m, iphlen);
    iphlen = IPV4_MIN_HEADER_LEN;
  }
  if (m.data.length < iphlen + UDP_HDR_LEN) {
    st.udps_hdrops++;
    return;
  }
  const ip = viewOf(m.data);
  const uh = viewOf(m.data.subarray(iphlen));
  // RFC 768: destination port 0 is illegal.
  if (uh.getUint16(2, false) === 0) return;

  const len = uh.getUint16(4, false);
  const ip_len = ip.getUint16(IPV4.LENGTH, false) - iphlen;
  if (ip_len !== len) {
    if (len > ip_len || len < UDP_HDR_LEN) {
      st.udps_badlen++;
      return;
    }
    // m_adj trims the data to the UDP length; ip_len in the header is left as it was.
    m.data = m.data.subarray(0, iphlen + len);
  }
  const save_ip = g.udp_blackhole
    ? new Uint8Array(IPV4_MIN_HEADER_LEN)
    : m.data.slice(0, IPV4_MIN_HEADER_LEN);

  const src = ip.getUint32(IPV4.SRC, false);
  const dst = ip.getUint32(IPV4.DST, false);
  if (uh.getUint16(6, false) !== 0) {
    const pseudo = pseudoHeaderSum(src, dst, IPPROTO_UDP, len);
    if (internetChecksum(m.data.subarray(iphlen, iphlen + len), pseudo) !== 0) {
      st.udps_badsum++;
      return;
    }
  } else {
    st.udps_nosum++;
  }

  // Broadcast and multicast go to every matching socket; there are none, and no error is due.
  if (IN_MULTICAST(dst) || (ifp !== null && in_broadcast(dst, ifp) !== 0)) {
    st.udps_noportbcast++;
    return;
  }

  // Unicast: in_pcblookup_mbuf finds nothing.
  st.udps_noport++;
  if (m.m_flags & (M_BCAST | M_MCAST)) {
    st.udps_noportbcast++;
    return;
  }
  if (g.udp_blackhole) return;
  if (badport_bandlim(BANDLIM_ICMP_UNREACH) < 0) return;
  m.data.set(save_ip, 0);
  icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_PORT, 0, 0);
}
