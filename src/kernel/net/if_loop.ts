// The loopback interface (10.4 sys/net/if_loop.c): the "lo" cloner with lo0 pre-created in every
// VNET (and kept as V_loif), looutput/if_simloop handing packets back to the input path, and
// loioctl.

import { EAFNOSUPPORT, EHOSTUNREACH, EINVAL, ENETUNREACH, ENOSPC, EOPNOTSUPP } from "../../abi/errno.ts";
import {
  IFCAP_RXCSUM,
  IFCAP_TXCSUM,
  IFF_DRV_RUNNING,
  IFF_LOOPBACK,
  IFF_MULTICAST,
  IFF_UP,
  IFREQ_OFFSETS,
  IFT_LOOP,
} from "../../abi/if.ts";
import { viewOf } from "../../abi/decode.ts";
import { RTF_BLACKHOLE, RTF_HOST, RTF_REJECT } from "../../abi/route_defs.ts";
import { AF_INET, AF_UNSPEC, sockaddrFamily, type Sockaddr } from "../../abi/socket.ts";
import * as sockio from "../../abi/sockio.ts";
import { KASSERT } from "../kern/invariant.ts";
import type { Mbuf } from "../kern/mbuf.ts";
import { M_MCAST } from "../kern/mbuf.ts";
import { printf } from "../kern/syslog.ts";
import { ip_input } from "../netinet/ip_input.ts";
import { frames } from "./frames.ts";
import { if_alloc, if_attach, if_detach, if_free, if_initname } from "./if.ts";
import { if_clone_register } from "./if_clone.ts";
import { in_ifaddr, type IoctlData, type ifnet } from "./if_var.ts";
import { sa_image } from "./radix.ts";
import type { route, rt_addrinfo, rtentry } from "./route.ts";
import { curvnet } from "./vnet.ts";

/** if_loop.c LOMTU (neither TINY_LOMTU nor LARGE_LOMTU in GENERIC). */
export const LOMTU = 16384;
// if.h IFCAP_RXCSUM_IPV6 / IFCAP_TXCSUM_IPV6
const IFCAP_RXCSUM_IPV6 = 0x200000;
const IFCAP_TXCSUM_IPV6 = 0x400000;
const IFCAP_HWCSUM = IFCAP_RXCSUM | IFCAP_TXCSUM;
const IFCAP_HWCSUM_IPV6 = IFCAP_RXCSUM_IPV6 | IFCAP_TXCSUM_IPV6;
// mbuf.h CSUM_*: LO_CSUM_FEATURES (IP, TCP, UDP, SCTP) and LO_CSUM_FEATURES6 (TCP, UDP, SCTP over IPv6)
const LO_CSUM_FEATURES = 0x1 | 0x4 | 0x2 | 0x8;
const LO_CSUM_FEATURES6 = 0x400 | 0x200 | 0x800;
/** pseudo_AF_HDRCMPLT (socket.h): BPF writes with a complete header. */
const pseudo_AF_HDRCMPLT = 31;

// if_loop.c: lortrequest — routes through lo0 take its MTU.
function lortrequest(_cmd: number, rt: rtentry, _info: rt_addrinfo | null): void {
  rt.rt_mtu = rt.rt_ifp.if_mtu;
}

/**
 * if_loop.c: loioctl — SIOCSIFADDR brings the interface up and running; multicast joins are
 * accepted for IPv4 (and IPv6) only; SIOCSIFMTU takes any MTU ifhwioctl let through.
 */
export function loioctl(ifp: ifnet, cmd: number, data: IoctlData): number {
  switch (cmd) {
    case sockio.SIOCSIFADDR:
      ifp.if_flags |= IFF_UP;
      ifp.if_drv_flags |= IFF_DRV_RUNNING;
      KASSERT(data instanceof in_ifaddr, "loioctl: SIOCSIFADDR without an ifaddr");
      data.ifa_rtrequest = lortrequest;
      return 0;
    case sockio.SIOCADDMULTI:
    case sockio.SIOCDELMULTI: {
      // if_addmulti/if_delmulti pass no ifreq at all.
      if (!(data instanceof Uint8Array) || data.length === 0) return EAFNOSUPPORT;
      const family = data[IFREQ_OFFSETS.ifr_addr + 1];
      return family === AF_INET || family === 28 ? 0 : EAFNOSUPPORT;
    }
    case sockio.SIOCSIFMTU:
      KASSERT(data instanceof Uint8Array, "loioctl: SIOCSIFMTU without an ifreq");
      ifp.if_mtu = viewOf(data).getInt32(IFREQ_OFFSETS.ifr_mtu, true);
      return 0;
    case sockio.SIOCSIFFLAGS:
      return 0;
    case sockio.SIOCSIFCAP: {
      KASSERT(data instanceof Uint8Array, "loioctl: SIOCSIFCAP without an ifreq");
      const mask = ifp.if_capenable ^ viewOf(data).getInt32(IFREQ_OFFSETS.ifr_reqcap, true);
      if (mask & IFCAP_RXCSUM) ifp.if_capenable ^= IFCAP_RXCSUM;
      if (mask & IFCAP_TXCSUM) ifp.if_capenable ^= IFCAP_TXCSUM;
      if (mask & IFCAP_RXCSUM_IPV6) return EOPNOTSUPP;
      if (mask & IFCAP_TXCSUM_IPV6) return EOPNOTSUPP;
      ifp.if_data.ifi_hwassist = BigInt(ifp.if_capenable & IFCAP_TXCSUM ? LO_CSUM_FEATURES : 0);
      return 0;
    }
    default:
      return EINVAL;
  }
}

/**
 * if_loop.c: if_simloop — the packet comes back in on `ifp` (its media header of `hlen` bytes
 * stripped) and is queued for the protocol's input.
 */
export function if_simloop(ifp: ifnet, m: Mbuf, af: number, hlen: number): number {
  m.rcvif = ifp;
  if (hlen > 0) m.data = m.data.subarray(hlen);
  if (af !== AF_INET) {
    printf(`if_simloop: can't handle af=${af}`);
    return EAFNOSUPPORT;
  }
  ifp.if_data.ifi_ipackets++;
  ifp.if_data.ifi_ibytes += BigInt(m.data.length);
  void M_MCAST; // only decides which BPF tap sees the packet
  frames().queue(() => ip_input(m));
  return 0;
}

// if_loop.c: looutput — reject/blackhole routes stop here, everything else loops back.
export function looutput(ifp: ifnet, m: Mbuf, dst: Sockaddr, ro: route | null): number {
  const rt = ro?.ro_rt ?? null;
  if (rt !== null && rt.rt_flags & (RTF_REJECT | RTF_BLACKHOLE)) {
    return rt.rt_flags & RTF_BLACKHOLE ? 0 : rt.rt_flags & RTF_HOST ? EHOSTUNREACH : ENETUNREACH;
  }
  ifp.if_data.ifi_opackets++;
  ifp.if_data.ifi_obytes += BigInt(m.data.length);
  let af = sockaddrFamily(dst);
  if (af === AF_UNSPEC || af === pseudo_AF_HDRCMPLT) af = viewOf(sa_image(dst)).getUint32(2, true);
  if (af !== AF_INET) {
    printf(`looutput: af=${af} unexpected`);
    return EAFNOSUPPORT;
  }
  return if_simloop(ifp, m, af, 0);
}

// if_loop.c: lo_clone_create — the first one becomes V_loif.
function lo_clone_create(unit: number): number {
  const ifp = if_alloc(IFT_LOOP);
  if (ifp === null) return ENOSPC;
  if_initname(ifp, "lo", unit);
  ifp.if_mtu = LOMTU;
  ifp.if_flags = IFF_LOOPBACK | IFF_MULTICAST;
  ifp.if_ioctl = loioctl;
  ifp.if_output = looutput;
  ifp.if_capabilities = ifp.if_capenable = IFCAP_HWCSUM | IFCAP_HWCSUM_IPV6;
  ifp.if_data.ifi_hwassist = BigInt(LO_CSUM_FEATURES | LO_CSUM_FEATURES6);
  if_attach(ifp);
  const v = curvnet();
  if (v.loif === null) v.loif = ifp;
  return 0;
}

// if_loop.c: lo_clone_destroy
function lo_clone_destroy(ifp: ifnet): void {
  KASSERT(curvnet().loif !== ifp, "lo_clone_destroy: destroying lo0");
  if_detach(ifp);
  if_free(ifp);
}

// if_loop.c: vnet_loif_init — a simple cloner "lo" with one unit made at attach.
if_clone_register({
  kind: "simple",
  ifc_name: "lo",
  ifc_minifs: 1,
  ifcs_create: (_ifc, unit) => lo_clone_create(unit),
  ifcs_destroy: lo_clone_destroy,
});
