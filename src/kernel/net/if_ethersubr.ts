// Ethernet link-layer glue shared by every Ethernet driver (10.4 sys/net/if_ethersubr.c):
// attach, the common ioctls, output with ARP resolution and the IFF_SIMPLEX loopback copy,
// input with the destination check and protocol demultiplexing, and multicast address mapping.
// Not modelled: bpf, netgraph, bridge, lagg, carp, pfil hooks and the IPX/AppleTalk cases; the
// twin builds no INET6, so AF_INET6 groups are refused as an unknown family.

import { EADDRNOTAVAIL, EAFNOSUPPORT, EINVAL, ENETDOWN, EWOULDBLOCK } from "../../abi/errno.ts";
import {
  IFF_DRV_RUNNING,
  IFF_MONITOR,
  IFF_NOARP,
  IFF_PPROMISC,
  IFF_SIMPLEX,
  IFF_UP,
  IFREQ_OFFSETS,
  IFT_ETHER,
} from "../../abi/if.ts";
import { IN_MULTICAST } from "../../abi/in.ts";
import {
  AF_INET,
  AF_LINK,
  AF_UNSPEC,
  isSockaddrDl,
  isSockaddrIn,
  isSockaddrRaw,
  LLADDR,
  SOCKADDR_DL_SIZE,
  sockaddrDl,
  sockaddrFamily,
  type Sockaddr,
  type SockaddrDl,
} from "../../abi/socket.ts";
import { SIOCGIFADDR, SIOCSIFADDR, SIOCSIFMTU } from "../../abi/sockio.ts";
import { ARP, ARPHRD_ETHER, ARPOP_REVREPLY, ARPOP_REVREQUEST } from "../../wire/arp.ts";
import {
  BROADCAST_MAC,
  ETHER_ADDR_LEN,
  ipv4MulticastMac,
  isMulticastMac,
  macEquals,
} from "../../wire/addr.ts";
import {
  ETHER_HDR_LEN,
  ETHERNET,
  ETHERTYPE_ARP,
  ETHERTYPE_IP,
  ETHERTYPE_REVARP,
  ETHERTYPE_VLAN,
} from "../../wire/ethernet.ts";
import { getN16, setN16, viewOf } from "../../abi/decode.ts";
import { KASSERT } from "../kern/invariant.ts";
import { M_BCAST, M_MCAST, m_data, m_dupdata, type Mbuf } from "../kern/mbuf.ts";
import { AF_ARP, arp_ifinit, arpintr, arpresolve } from "../netinet/if_ether.ts";
import { ip_input } from "../netinet/ip_input.ts";
import { if_attach, if_detach } from "./if.ts";
import { if_simloop } from "./if_loop.ts";
import { LLE_IFADDR } from "./if_llatbl.ts";
import { IF_LLADDR, in_ifaddr, type ifnet, type IoctlData } from "./if_var.ts";
import type { route } from "./route.ts";
import { bcopy } from "../sys/systm.ts";

/** 10.4 sys/sys/socket.h pseudo_AF_HDRCMPLT: the caller supplies source and destination. */
export const pseudo_AF_HDRCMPLT = 31;

// 10.4 sys/net/ethernet.h
export const ETHERMTU = 1500;
export const ETHERMIN = 46; // ETHER_MIN_LEN (64) - ETHER_HDR_LEN - ETHER_CRC_LEN
export const ETHER_VLAN_ENCAP_LEN = 4;
const ETHER_VLAN_HDR_LEN = ETHER_HDR_LEN + ETHER_VLAN_ENCAP_LEN;
/** if_var.h IF_Mbps(10): the baud rate ether_ifattach sets when the driver left it 0. */
const ETHER_DEFAULT_BAUDRATE = 10 * 1000 * 1000;

// Twin-internal mbuf flags for what the C code keeps in m_flags (values never leave the twin).
/** mbuf.h M_PROMISC: not addressed to this host's link address. */
export const M_PROMISC = 0x00000040;

/** ifreq's int member (ifr_mtu), little-endian on amd64. */
export function ifr_mtu(data: Uint8Array): number {
  return viewOf(data).getInt32(IFREQ_OFFSETS.ifr_mtu, true);
}

// if_ethersubr.c: ether_ifattach — the driver has set if_flags, if_init and if_ioctl already.
export function ether_ifattach(ifp: ifnet, lla: Uint8Array): void {
  ifp.if_addrlen = ETHER_ADDR_LEN;
  ifp.if_hdrlen = ETHER_HDR_LEN;
  if_attach(ifp);
  ifp.if_mtu = ETHERMTU;
  ifp.if_output = ether_output;
  ifp.if_input = ether_input;
  ifp.if_resolvemulti = ether_resolvemulti;
  if (ifp.if_baudrate === 0) ifp.if_baudrate = ETHER_DEFAULT_BAUDRATE;
  ifp.if_broadcastaddr = BROADCAST_MAC;

  const ifa = ifp.if_addr;
  KASSERT(ifa !== null && isSockaddrDl(ifa.ifa_addr), `${ifp.if_xname}: if_attach left no lladdr`);
  const sdl = ifa.ifa_addr;
  sdl.sdl_type = IFT_ETHER;
  sdl.sdl_alen = ifp.if_addrlen;
  KASSERT(sdl.sdl_data.length >= sdl.sdl_nlen + ETHER_ADDR_LEN, `${ifp.if_xname}: lladdr does not fit`);
  bcopy(lla, sdl.sdl_data, sdl.sdl_nlen, ETHER_ADDR_LEN);
  if (ifp.if_hw_addr !== null) bcopy(lla, ifp.if_hw_addr, 0, ifp.if_addrlen);
}

// if_ethersubr.c: ether_ifdetach
export function ether_ifdetach(ifp: ifnet): void {
  if_detach(ifp);
}

/** The sockaddr's bytes after sa_family, for the families that carry an ether_header there. */
function saData(dst: Sockaddr): Uint8Array | null {
  return isSockaddrRaw(dst) ? dst.sa_data : null;
}

// if_ethersubr.c: ether_output
export function ether_output(ifp: ifnet, m: Mbuf, dst: Sockaddr, ro: route | null): number {
  const rt0 = ro !== null ? ro.ro_rt : null;
  if (ifp.if_flags & IFF_MONITOR) return ENETDOWN;
  if (!(ifp.if_flags & IFF_UP && ifp.if_drv_flags & IFF_DRV_RUNNING)) return ENETDOWN;

  const family = sockaddrFamily(dst);
  let edst: Uint8Array;
  let esrc: Uint8Array = IF_LLADDR(ifp);
  let type: number;
  let loop_copy = true;
  switch (family) {
    case AF_INET: {
      if (!isSockaddrIn(dst)) return EAFNOSUPPORT;
      edst = new Uint8Array(ETHER_ADDR_LEN);
      const r = arpresolve(ifp, rt0, m, dst, edst);
      if (r.error !== 0) return r.error === EWOULDBLOCK ? 0 : r.error;
      type = ETHERTYPE_IP;
      // Our own address on this interface: loop it back rather than put it on the wire.
      if (r.lle !== null && r.lle.la_flags & LLE_IFADDR) return if_simloop(ifp, m, family, 0);
      break;
    }
    case AF_ARP: {
      // ah->ar_hrd = htons(ARPHRD_ETHER), byte by byte (a DataView would allocate).
      const ah = m.data;
      setN16(ah, ARP.HTYPE, ARPHRD_ETHER);
      loop_copy = false; // never loop an ARP packet back to ourselves
      const op = getN16(ah, ARP.OPER);
      type = op === ARPOP_REVREQUEST || op === ARPOP_REVREPLY ? ETHERTYPE_REVARP : ETHERTYPE_ARP;
      edst = m.m_flags & M_BCAST ? BROADCAST_MAC : arTha(m.data);
      break;
    }
    case pseudo_AF_HDRCMPLT:
    case AF_UNSPEC: {
      const eh = saData(dst);
      if (eh === null || eh.length < ETHER_HDR_LEN) return EAFNOSUPPORT;
      if (family === pseudo_AF_HDRCMPLT) esrc = eh.slice(ETHERNET.SRC, ETHERNET.ETHERTYPE);
      loop_copy = false;
      edst = eh.slice(ETHERNET.DST, ETHERNET.SRC);
      type = getN16(eh, ETHERNET.ETHERTYPE);
      break;
    }
    default:
      return EAFNOSUPPORT;
  }

  // M_PREPEND of the header: the frame is one new buffer, written in place.
  const frame = m_data(ETHER_HDR_LEN + m.data.length);
  bcopy(edst, frame, ETHERNET.DST, ETHER_ADDR_LEN);
  bcopy(esrc, frame, ETHERNET.SRC, ETHER_ADDR_LEN);
  setN16(frame, ETHERNET.ETHERTYPE, type);
  frame.set(m.data, ETHERNET.PAYLOAD);
  m.data = frame;

  // A simplex interface cannot hear itself: hand a copy of broadcasts, and the frame itself when
  // it is addressed to our own MAC, to the input path instead.
  if (ifp.if_flags & IFF_SIMPLEX && loop_copy) {
    if (m.m_flags & M_BCAST) {
      const n: Mbuf = { data: m_dupdata(frame), m_flags: m.m_flags, rcvif: m.rcvif };
      if_simloop(ifp, n, family, ETHER_HDR_LEN);
    } else if (macEquals(edst, esrc)) {
      if_simloop(ifp, m, family, ETHER_HDR_LEN);
      return 0;
    }
  }
  return ether_output_frame(ifp, m);
}

/** ar_tha() of an Ethernet/IPv4 ARP packet: the target hardware address. */
function arTha(ah: Uint8Array): Uint8Array {
  return ah.slice(ARP.THA, ARP.THA + ETHER_ADDR_LEN);
}

// if_ethersubr.c: ether_output_frame — the frame goes to the driver.
export function ether_output_frame(ifp: ifnet, m: Mbuf): number {
  const transmit = ifp.if_transmit;
  KASSERT(transmit !== null, `${ifp.if_xname}: no if_transmit`);
  return transmit(ifp, m);
}

// if_ethersubr.c: ether_input — netisr dispatches NETISR_ETHER directly to ether_input_internal.
export function ether_input(ifp: ifnet, m: Mbuf): void {
  KASSERT(m.rcvif === ifp, `ether_input: ${ifp.if_xname}: rcvif mismatch`);
  ether_input_internal(ifp, m);
}

// if_ethersubr.c: ether_input_internal
function ether_input_internal(ifp: ifnet, m: Mbuf): void {
  if (!(ifp.if_flags & IFF_UP)) return;
  if (m.data.length < ETHER_HDR_LEN) {
    ifp.if_data.ifi_ierrors++;
    return;
  }
  if (m.rcvif === null) {
    ifp.if_data.ifi_ierrors++;
    return;
  }
  let eh = m.data;
  const dhost = eh.subarray(ETHERNET.DST, ETHERNET.SRC);
  if (isMulticastMac(dhost)) {
    m.m_flags |= macEquals(dhost, BROADCAST_MAC) ? M_BCAST : M_MCAST;
    ifp.if_data.ifi_imcasts++;
  }
  ifp.if_data.ifi_ibytes += BigInt(m.data.length);
  if (ifp.if_flags & IFF_MONITOR) return;

  // An 802.1Q header the hardware did not strip: remember the tag and remove the header.
  let vtag: number | null = null;
  if (getN16(eh, ETHERNET.ETHERTYPE) === ETHERTYPE_VLAN) {
    if (m.data.length < ETHER_VLAN_HDR_LEN) {
      ifp.if_data.ifi_ierrors++;
      return;
    }
    vtag = getN16(eh, ETHER_HDR_LEN);
    const stripped = new Uint8Array(m.data.length - ETHER_VLAN_ENCAP_LEN);
    stripped.set(eh.subarray(0, ETHERNET.ETHERTYPE));
    stripped.set(eh.subarray(ETHERNET.ETHERTYPE + ETHER_VLAN_ENCAP_LEN), ETHERNET.ETHERTYPE);
    m.data = eh = stripped;
  }

  if (!isMulticastMac(dhost) && !macEquals(IF_LLADDR(ifp), eh.subarray(ETHERNET.DST, ETHERNET.SRC))) {
    m.m_flags |= M_PROMISC;
  }
  ether_demux(ifp, m, vtag);
}

/** vlan.h EVL_VLANOFTAG: the 12-bit VLAN id. */
function EVL_VLANOFTAG(tag: number): number {
  return tag & 0x0fff;
}

// if_ethersubr.c: ether_demux — `vtag` stands for M_VLANTAG plus m_pkthdr.ether_vtag.
export function ether_demux(ifp: ifnet, m: Mbuf, vtag: number | null = null): void {
  const ether_type = getN16(m.data, ETHERNET.ETHERTYPE);
  // A frame for a VLAN other than 0 needs a vlan(4) interface, which the twin has none of.
  if (vtag !== null && EVL_VLANOFTAG(vtag) !== 0) {
    ifp.if_data.ifi_noproto++;
    return;
  }
  if (!(ifp.if_flags & IFF_PPROMISC) && m.m_flags & M_PROMISC) return;

  m.m_flags &= ~M_PROMISC;
  m.data = m.data.subarray(ETHER_HDR_LEN);
  switch (ether_type) {
    case ETHERTYPE_IP:
      // ip_fastforward is off by default (net.inet.ip.fastforwarding=0): it hands m back.
      ip_input(m);
      return;
    case ETHERTYPE_ARP:
      if (ifp.if_flags & IFF_NOARP) return;
      arpintr(m);
      return;
    default:
      return;
  }
}

// if_ethersubr.c: ether_ioctl
export function ether_ioctl(ifp: ifnet, command: number, data: IoctlData): number {
  switch (command) {
    case SIOCSIFADDR: {
      ifp.if_flags |= IFF_UP;
      ifp_init(ifp); // before arpwhohas, so the gratuitous ARP can go out
      if (data instanceof in_ifaddr && sockaddrFamily(data.ifa_addr) === AF_INET) arp_ifinit(ifp, data);
      return 0;
    }
    case SIOCGIFADDR: {
      if (data instanceof in_ifaddr) return EINVAL;
      // The MAC lands in sa_data of a sockaddr laid over ifr_data.
      data.set(IF_LLADDR(ifp).subarray(0, ETHER_ADDR_LEN), IFREQ_OFFSETS.ifr_data + 2);
      return 0;
    }
    case SIOCSIFMTU: {
      if (data instanceof in_ifaddr) return EINVAL;
      const mtu = ifr_mtu(data);
      if (mtu > ETHERMTU) return EINVAL;
      ifp.if_mtu = mtu;
      return 0;
    }
    default:
      return EINVAL;
  }
}

function ifp_init(ifp: ifnet): void {
  const init = ifp.if_init;
  KASSERT(init !== null, `${ifp.if_xname}: Ethernet driver without if_init`);
  init(ifp.if_softc);
}

// if_ethersubr.c: ether_resolvemulti
export function ether_resolvemulti(ifp: ifnet, sa: Sockaddr): { error: number; llsa: Sockaddr | null } {
  switch (sockaddrFamily(sa)) {
    case AF_LINK: {
      // Already a link-layer group: only check that it is one.
      if (!isSockaddrDl(sa) || !isMulticastMac(LLADDR(sa))) return { error: EADDRNOTAVAIL, llsa: null };
      return { error: 0, llsa: null };
    }
    case AF_INET: {
      if (!isSockaddrIn(sa) || !IN_MULTICAST(sa.sin_addr)) return { error: EADDRNOTAVAIL, llsa: null };
      const sdl: SockaddrDl = sockaddrDl({
        index: ifp.if_index,
        type: IFT_ETHER,
        lladdr: ETHER_MAP_IP_MULTICAST(sa.sin_addr),
        len: SOCKADDR_DL_SIZE,
      });
      return { error: 0, llsa: sdl };
    }
    default:
      return { error: EAFNOSUPPORT, llsa: null };
  }
}

/** if_ether.h ETHER_MAP_IP_MULTICAST: 01:00:5e and the group's low 23 bits. */
export function ETHER_MAP_IP_MULTICAST(group: number): Uint8Array {
  return ipv4MulticastMac(group);
}
