// The virtio-net NIC the FreeBSD VM gives the tests (10.4 sys/dev/virtio/network/if_vtnet.c),
// with the device side of QEMU's virtio-net as the features it offers by default: a MAC
// address, link status, the control queue with RX mode and MAC table, mergeable receive
// buffers, checksum and TSO offloads. Virtqueues, interrupts, netmap and multiqueue are not
// modelled: a transmitted frame is recorded at once, an injected one is delivered at once.
// SIOCGIFMEDIA/SIOCSIFMEDIA (ifmedia) are not modelled and answer EOPNOTSUPP.

import { EINVAL, EOPNOTSUPP } from "../../abi/errno.ts";
import {
  IFCAP_JUMBO_MTU,
  IFCAP_LINKSTATE,
  IFCAP_LRO,
  IFCAP_RXCSUM,
  IFCAP_RXCSUM_IPV6,
  IFCAP_TSO4,
  IFCAP_TSO6,
  IFCAP_TXCSUM,
  IFCAP_TXCSUM_IPV6,
  IFCAP_VLAN_HWCSUM,
  IFCAP_VLAN_HWFILTER,
  IFCAP_VLAN_HWTAGGING,
  IFCAP_VLAN_HWTSO,
  IFCAP_VLAN_MTU,
  IFF_ALLMULTI,
  IFF_BROADCAST,
  IFF_DRV_RUNNING,
  IFF_MULTICAST,
  IFF_PROMISC,
  IFF_SIMPLEX,
  IFF_UP,
  IFREQ_OFFSETS,
  IFT_ETHER,
  LINK_STATE_DOWN,
  LINK_STATE_UP,
} from "../../abi/if.ts";
import {
  SIOCADDMULTI,
  SIOCDELMULTI,
  SIOCGIFMEDIA,
  SIOCSIFCAP,
  SIOCSIFFLAGS,
  SIOCSIFMEDIA,
  SIOCSIFMTU,
} from "../../abi/sockio.ts";
import { AF_LINK, isSockaddrDl, LLADDR, sockaddrFamily } from "../../abi/socket.ts";
import { BROADCAST_MAC, ETHER_ADDR_LEN, isMulticastMac, macEquals } from "../../wire/addr.ts";
import { ETHER_HDR_LEN } from "../../wire/ethernet.ts";
import { viewOf } from "../../abi/decode.ts";
import { Callout } from "../kern/clock.ts";
import { KASSERT } from "../kern/invariant.ts";
import { M_BCAST, M_MCAST, m_gethdr, type Mbuf } from "../kern/mbuf.ts";
import { frames } from "../net/frames.ts";
import { if_alloc, if_initname, if_link_state_change } from "../net/if.ts";
import { ETHERMIN, ether_ifattach, ether_ioctl, ifr_mtu } from "../net/if_ethersubr.ts";
import { IF_LLADDR, type ifnet, type IoctlData } from "../net/if_var.ts";
import { curvnet } from "../net/vnet.ts";

/** if_vtnetvar.h: VTNET_MAX_MAC_ENTRIES — past this many, fall back to promiscuous/allmulti. */
export const VTNET_MAX_MAC_ENTRIES = 128;
/** if_vtnetvar.h: VTNET_MAX_MTU (ifioctl's IF_MAXMTU, 65535, is the tighter bound). */
export const VTNET_MAX_MTU = 65536;

/**
 * Capabilities vtnet_setup_interface derives from what QEMU's virtio-net offers by default
 * (MAC, STATUS, CSUM, GUEST_CSUM, HOST/GUEST_TSO4/6, HOST_ECN, MRG_RXBUFS, CTRL_VQ, CTRL_RX,
 * CTRL_VLAN): all enabled, and VLAN_HWFILTER available but off.
 */
const VTNET_CAPENABLE =
  IFCAP_LINKSTATE |
  IFCAP_JUMBO_MTU |
  IFCAP_VLAN_MTU |
  IFCAP_TXCSUM |
  IFCAP_TXCSUM_IPV6 |
  IFCAP_TSO4 |
  IFCAP_TSO6 |
  IFCAP_VLAN_HWTSO |
  IFCAP_RXCSUM |
  IFCAP_RXCSUM_IPV6 |
  IFCAP_LRO |
  IFCAP_VLAN_HWTAGGING |
  IFCAP_VLAN_HWCSUM;

/** The device's receive filter as the guest programmed it (VIRTIO_NET_CTRL_RX / _MAC). */
export interface vtnet_hw_filter {
  promisc: boolean;
  allmulti: boolean;
  /** The device's own MAC (VIRTIO_NET_CTRL_MAC_ADDR_SET or config space). */
  mac: Uint8Array;
  unicast: Uint8Array[];
  multicast: Uint8Array[];
}

// if_vtnetvar.h: struct vtnet_softc (the parts the twin keeps)
export interface vtnet_softc {
  vtnet_ifp: ifnet;
  vtnet_hwaddr: Uint8Array;
  /** if_flags as of the last SIOCSIFFLAGS, to see which of PROMISC/ALLMULTI changed. */
  vtnet_if_flags: number;
  vtnet_link_active: boolean;
  vtnet_tick_ch: Callout;
  /** The host side: QEMU's reset state is promiscuous with an empty MAC table. */
  hw: vtnet_hw_filter;
  /** Whether the host reports link up (VIRTIO_NET_S_LINK_UP). */
  hw_link_up: boolean;
  /** Per-queue statistics, folded into if_data by vtnet_tick as the driver does. */
  stats: {
    ipackets: number;
    iqdrops: number;
    ierrors: number;
    opackets: number;
    obytes: number;
    omcasts: number;
  };
}

/** QEMU virtio-net after a device reset: promiscuous, no filter table. */
function hw_reset(mac: Uint8Array): vtnet_hw_filter {
  return { promisc: true, allmulti: false, mac: mac.slice(), unicast: [], multicast: [] };
}

/**
 * if_vtnet.c: vtnet_attach (vtnet_setup_interface, vtnet_attach_disable_promisc) — a vtnet
 * unit with the MAC the scenario gives (QEMU's config-space MAC).
 */
export function vtnet_attach(unit: number, mac: Uint8Array): vtnet_softc {
  const ifp = if_alloc(IFT_ETHER);
  KASSERT(ifp !== null, "vtnet_attach: if_alloc failed");
  const sc: vtnet_softc = {
    vtnet_ifp: ifp,
    vtnet_hwaddr: mac.slice(0, ETHER_ADDR_LEN),
    vtnet_if_flags: 0,
    vtnet_link_active: false,
    vtnet_tick_ch: new Callout(curvnet().clock),
    hw: hw_reset(mac),
    hw_link_up: true,
    stats: { ipackets: 0, iqdrops: 0, ierrors: 0, opackets: 0, obytes: 0, omcasts: 0 },
  };
  if_initname(ifp, "vtnet", unit);
  ifp.if_baudrate = 10 * 1000 * 1000 * 1000; // IF_Gbps(10), "Approx."
  ifp.if_softc = sc;
  ifp.if_flags = IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST;
  ifp.if_init = vtnet_init;
  ifp.if_ioctl = vtnet_ioctl;
  ifp.if_transmit = vtnet_txq_mq_start;
  ifp.if_qflush = () => undefined;
  ether_ifattach(ifp, sc.vtnet_hwaddr);
  ifp.if_hdrlen = ETHER_HDR_LEN + 4; // sizeof(struct ether_vlan_header): long frames
  ifp.if_capabilities = VTNET_CAPENABLE | IFCAP_VLAN_HWFILTER;
  ifp.if_capenable = VTNET_CAPENABLE;
  // The device starts promiscuous; with CTRL_RX the driver turns that off.
  sc.hw.promisc = false;
  frames().attach(ifp, vtnet_rx);
  return sc;
}

function softc(ifp: ifnet): vtnet_softc {
  const sc = ifp.if_softc as vtnet_softc | null;
  KASSERT(sc !== null && sc.vtnet_ifp === ifp, `${ifp.if_xname}: not a vtnet`);
  return sc;
}

// if_vtnet.c: vtnet_init — if_init, called with the if_softc vtnet_attach set (void *xsc in C).
function vtnet_init(xsc: unknown): void {
  vtnet_init_locked(xsc as vtnet_softc);
}

// if_vtnet.c: vtnet_init_locked — reset the device, program it, mark running, check the link.
function vtnet_init_locked(sc: vtnet_softc): void {
  const ifp = sc.vtnet_ifp;
  if (ifp.if_drv_flags & IFF_DRV_RUNNING) return;
  vtnet_stop(sc);
  // vtnet_reinit: the current link-level address becomes the device's.
  sc.vtnet_hwaddr = IF_LLADDR(ifp).slice();
  sc.hw.mac = sc.vtnet_hwaddr.slice();
  vtnet_rx_filter(sc);
  vtnet_rx_filter_mac(sc);
  ifp.if_drv_flags |= IFF_DRV_RUNNING;
  vtnet_update_link_status(sc);
  sc.vtnet_tick_ch.callout_reset(curvnet().clock.hz, () => vtnet_tick(sc));
}

// if_vtnet.c: vtnet_stop — the device is reset, which also resets its receive filter.
function vtnet_stop(sc: vtnet_softc): void {
  const ifp = sc.vtnet_ifp;
  ifp.if_drv_flags &= ~IFF_DRV_RUNNING;
  sc.vtnet_link_active = false;
  sc.vtnet_tick_ch.callout_stop();
  sc.hw = hw_reset(sc.vtnet_hwaddr);
}

// if_vtnet.c: vtnet_tick — once a second: fold the queue statistics into if_data.
function vtnet_tick(sc: vtnet_softc): void {
  vtnet_accumulate_stats(sc);
  sc.vtnet_tick_ch.callout_reset(curvnet().clock.hz, () => vtnet_tick(sc));
}

// if_vtnet.c: vtnet_accumulate_stats — the driver's counters overwrite if_data's (including
// if_ierrors, which ether_input also bumps).
export function vtnet_accumulate_stats(sc: vtnet_softc): void {
  const d = sc.vtnet_ifp.if_data;
  d.ifi_ipackets = BigInt(sc.stats.ipackets);
  d.ifi_iqdrops = BigInt(sc.stats.iqdrops);
  d.ifi_ierrors = BigInt(sc.stats.ierrors);
  d.ifi_opackets = BigInt(sc.stats.opackets);
  d.ifi_obytes = BigInt(sc.stats.obytes);
  d.ifi_omcasts = BigInt(sc.stats.omcasts);
}

// if_vtnet.c: vtnet_update_link_status
function vtnet_update_link_status(sc: vtnet_softc): void {
  const link = sc.hw_link_up;
  if (link && !sc.vtnet_link_active) {
    sc.vtnet_link_active = true;
    if_link_state_change(sc.vtnet_ifp, LINK_STATE_UP);
  } else if (!link && sc.vtnet_link_active) {
    sc.vtnet_link_active = false;
    if_link_state_change(sc.vtnet_ifp, LINK_STATE_DOWN);
  }
}

/** The host toggles the link (QEMU `set_link`), raising a config-change interrupt. */
export function vtnet_set_host_link(sc: vtnet_softc, up: boolean): void {
  sc.hw_link_up = up;
  if (sc.vtnet_ifp.if_drv_flags & IFF_DRV_RUNNING) vtnet_update_link_status(sc);
}

// if_vtnet.c: vtnet_rx_filter — promiscuous and all-multicast modes to the device.
function vtnet_rx_filter(sc: vtnet_softc): void {
  const ifp = sc.vtnet_ifp;
  sc.hw.promisc = (ifp.if_flags & IFF_PROMISC) !== 0;
  sc.hw.allmulti = (ifp.if_flags & IFF_ALLMULTI) !== 0;
}

// if_vtnet.c: vtnet_rx_filter_mac — extra unicast addresses and the link-layer multicast groups
// to the device's MAC table; too many of either turns on promiscuous or all-multicast mode.
function vtnet_rx_filter_mac(sc: vtnet_softc): void {
  const ifp = sc.vtnet_ifp;
  const unicast: Uint8Array[] = [];
  let promisc = false;
  for (const ifa of ifp.if_addrhead) {
    if (sockaddrFamily(ifa.ifa_addr) !== AF_LINK || !isSockaddrDl(ifa.ifa_addr)) continue;
    const ll = LLADDR(ifa.ifa_addr);
    if (macEquals(ll, sc.vtnet_hwaddr)) continue;
    if (unicast.length === VTNET_MAX_MAC_ENTRIES) {
      promisc = true;
      break;
    }
    unicast.push(ll.slice());
  }
  const multicast: Uint8Array[] = [];
  let allmulti = false;
  for (const ifma of ifp.if_multiaddrs) {
    if (sockaddrFamily(ifma.ifma_addr) !== AF_LINK || !isSockaddrDl(ifma.ifma_addr)) continue;
    if (multicast.length === VTNET_MAX_MAC_ENTRIES) {
      allmulti = true;
      break;
    }
    multicast.push(LLADDR(ifma.ifma_addr).slice());
  }
  if (!(promisc && allmulti)) {
    sc.hw.unicast = promisc ? [] : unicast;
    sc.hw.multicast = allmulti ? [] : multicast;
  }
  if (promisc) sc.hw.promisc = true;
  if (allmulti) sc.hw.allmulti = true;
}

// if_vtnet.c: vtnet_change_mtu
function vtnet_change_mtu(sc: vtnet_softc, new_mtu: number): number {
  const ifp = sc.vtnet_ifp;
  if (new_mtu < ETHERMIN || new_mtu > VTNET_MAX_MTU) return EINVAL;
  // With mergeable receive buffers any size up to VTNET_MAX_MTU fits the receive clusters.
  ifp.if_mtu = new_mtu;
  if (ifp.if_drv_flags & IFF_DRV_RUNNING) {
    ifp.if_drv_flags &= ~IFF_DRV_RUNNING;
    vtnet_init_locked(sc);
  }
  return 0;
}

// if_vtnet.c: vtnet_ioctl
export function vtnet_ioctl(ifp: ifnet, cmd: number, data: IoctlData): number {
  const sc = softc(ifp);
  switch (cmd) {
    case SIOCSIFMTU: {
      if (!(data instanceof Uint8Array)) return EINVAL;
      const mtu = ifr_mtu(data);
      return ifp.if_mtu !== mtu ? vtnet_change_mtu(sc, mtu) : 0;
    }
    case SIOCSIFFLAGS: {
      if ((ifp.if_flags & IFF_UP) === 0) {
        if (ifp.if_drv_flags & IFF_DRV_RUNNING) vtnet_stop(sc);
      } else if (ifp.if_drv_flags & IFF_DRV_RUNNING) {
        // CTRL_RX is negotiated, so a PROMISC/ALLMULTI change goes to the device.
        if ((ifp.if_flags ^ sc.vtnet_if_flags) & (IFF_PROMISC | IFF_ALLMULTI)) vtnet_rx_filter(sc);
      } else {
        vtnet_init_locked(sc);
      }
      sc.vtnet_if_flags = ifp.if_flags;
      return 0;
    }
    case SIOCADDMULTI:
    case SIOCDELMULTI:
      if (ifp.if_drv_flags & IFF_DRV_RUNNING) vtnet_rx_filter_mac(sc);
      return 0;
    case SIOCSIFMEDIA:
    case SIOCGIFMEDIA:
      return EOPNOTSUPP;
    case SIOCSIFCAP: {
      if (!(data instanceof Uint8Array)) return EINVAL;
      const reqcap = viewOf(data).getInt32(IFREQ_OFFSETS.ifr_reqcap, true);
      const mask = reqcap ^ ifp.if_capenable;
      for (const bit of [IFCAP_TXCSUM, IFCAP_TXCSUM_IPV6, IFCAP_TSO4, IFCAP_TSO6]) {
        if (mask & bit) ifp.if_capenable ^= bit;
      }
      // Receive features need the device renegotiated.
      const rxbits = IFCAP_RXCSUM | IFCAP_RXCSUM_IPV6 | IFCAP_LRO | IFCAP_VLAN_HWFILTER;
      const reinit = (mask & rxbits) !== 0;
      if (reinit) ifp.if_capenable ^= mask & rxbits;
      for (const bit of [IFCAP_VLAN_HWTSO, IFCAP_VLAN_HWTAGGING]) {
        if (mask & bit) ifp.if_capenable ^= bit;
      }
      if (reinit && ifp.if_drv_flags & IFF_DRV_RUNNING) {
        ifp.if_drv_flags &= ~IFF_DRV_RUNNING;
        vtnet_init_locked(sc);
      }
      return 0;
    }
    default:
      return ether_ioctl(ifp, cmd, data);
  }
}

// if_vtnet.c: vtnet_txq_mq_start — the frame goes to the host, which puts it on the wire.
function vtnet_txq_mq_start(ifp: ifnet, m: Mbuf): number {
  const sc = softc(ifp);
  // Not running or link down: the driver leaves it on its buf_ring, which the twin drops.
  if ((ifp.if_drv_flags & IFF_DRV_RUNNING) === 0 || !sc.vtnet_link_active) return 0;
  frames().record(ifp, m.data);
  sc.stats.opackets++;
  sc.stats.obytes += m.data.length;
  if (m.m_flags & (M_BCAST | M_MCAST)) sc.stats.omcasts++;
  return 0;
}

/**
 * QEMU virtio-net receive_filter: what the device accepts given the filter the guest set.
 * Broadcasts always pass (the guest never sets NOBCAST).
 */
export function vtnet_hw_accepts(hw: vtnet_hw_filter, frame: Uint8Array): boolean {
  if (hw.promisc) return true;
  const dst = frame.subarray(0, ETHER_ADDR_LEN);
  if (isMulticastMac(dst)) {
    if (macEquals(dst, BROADCAST_MAC)) return true;
    if (hw.allmulti) return true;
    return hw.multicast.some((m) => macEquals(m, dst));
  }
  if (macEquals(dst, hw.mac)) return true;
  return hw.unicast.some((m) => macEquals(m, dst));
}

/**
 * A frame from the wire: the host filters it, then vtnet_rxq_eof/vtnet_rxq_input hand it to
 * ether_input. Nothing arrives while the device is reset (interface not running).
 */
function vtnet_rx(ifp: ifnet, frame: Uint8Array): void {
  const sc = softc(ifp);
  if ((ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) return;
  if (frame.length >= ETHER_ADDR_LEN && !vtnet_hw_accepts(sc.hw, frame)) return;
  // vtnet_rxq_eof: shorter than the virtio header plus an Ethernet header.
  if (frame.length < ETHER_HDR_LEN) {
    sc.stats.ierrors++;
    return;
  }
  const m = m_gethdr(frame, 0, ifp);
  sc.stats.ipackets++;
  const input = ifp.if_input;
  KASSERT(input !== null, `${ifp.if_xname}: no if_input`);
  input(ifp, m);
}
