// The tun(4) point-to-point interface (10.4 sys/net/if_tun.c): IFT_PPP, IFF_POINTOPOINT and
// IFF_MULTICAST, up and running once an address is set. Packets routed to it are queued for
// the process holding /dev/tunN, framed as the device's mode says (plain IPv4 by default; a
// 4-byte address family with TUNSIFHEAD; the destination sockaddr with TUNSLMODE); what that
// process writes enters ip_input. The twin records what would be read as the transmitted
// frame and treats an injected frame as a write. The character device itself (read queue,
// poll/kqueue, SIGIO, TUNSIFINFO/TUNSIFMODE) is not modelled beyond open, close and the
// framing modes.

import { EAFNOSUPPORT, EHOSTDOWN, EINVAL, EIO, ENOBUFS } from "../../abi/errno.ts";
import {
  IFCAP_LINKSTATE,
  IFF_DRV_RUNNING,
  IFF_MULTICAST,
  IFF_POINTOPOINT,
  IFF_UP,
  IFT_PPP,
  LINK_STATE_DOWN,
  LINK_STATE_UP,
} from "../../abi/if.ts";
import { RTF_HOST, RTM_DELETE } from "../../abi/route_defs.ts";
import { SIOCADDMULTI, SIOCDELMULTI, SIOCSIFADDR, SIOCSIFFLAGS, SIOCSIFMTU } from "../../abi/sockio.ts";
import {
  AF_INET,
  encodeSockaddr,
  isSockaddrIn,
  sockaddrFamily,
  sockaddrLen,
  type Sockaddr,
} from "../../abi/socket.ts";
import { KASSERT } from "../kern/invariant.ts";
import { m_dupdata, m_gethdr, type Mbuf } from "../kern/mbuf.ts";
import { frames } from "../net/frames.ts";
import {
  if_alloc,
  if_attach,
  if_detach,
  if_down,
  if_free,
  if_initname,
  if_link_state_change,
  if_purgeaddrs,
} from "../net/if.ts";
import { if_clone_register, type if_clone } from "../net/if_clone.ts";
import { ifr_mtu } from "../net/if_ethersubr.ts";
import type { ifnet, IoctlData } from "../net/if_var.ts";
import { rtinit, type route } from "../net/route.ts";
import { ip_input } from "../netinet/ip_input.ts";

// if_tun.c: tun_flags
export const TUN_OPEN = 0x0001;
export const TUN_INITED = 0x0002;
export const TUN_IASET = 0x0008;
export const TUN_DSTADDR = 0x0010;
export const TUN_LMODE = 0x0020;
export const TUN_IFHEAD = 0x0100;
export const TUN_READY = TUN_OPEN | TUN_INITED;

// if_tun.h
export const TUNMTU = 1500;
export const TUNMRU = 16384;

const tunname = "tun";

// if_tun.c: struct tun_softc
export interface tun_softc {
  tun_flags: number;
  tun_ifp: ifnet;
}

function softc(ifp: ifnet): tun_softc {
  const sc = ifp.if_softc as tun_softc | null;
  KASSERT(sc !== null && sc.tun_ifp === ifp, `${ifp.if_xname}: not a tun`);
  return sc;
}

/** The softc of a tun interface, or null for any other interface. */
export function tun_softc_of(ifp: ifnet): tun_softc | null {
  return ifp.if_dname === tunname && ifp.if_softc !== null ? softc(ifp) : null;
}

// if_tun.c: tun_clone_create → tuncreate
function tun_clone_create(_ifc: if_clone, unit: number): number {
  tuncreate(unit);
  return 0;
}

// if_tun.c: tuncreate
function tuncreate(unit: number): tun_softc {
  const ifp = if_alloc(IFT_PPP);
  KASSERT(ifp !== null, "tuncreate: failed to if_alloc() interface");
  const sc: tun_softc = { tun_flags: TUN_INITED, tun_ifp: ifp };
  if_initname(ifp, tunname, unit);
  ifp.if_mtu = TUNMTU;
  ifp.if_ioctl = tunifioctl;
  ifp.if_output = tunoutput;
  ifp.if_flags = IFF_POINTOPOINT | IFF_MULTICAST;
  ifp.if_softc = sc;
  ifp.if_capabilities |= IFCAP_LINKSTATE;
  ifp.if_capenable |= IFCAP_LINKSTATE;
  ifp.if_transmit = tun_transmit;
  ifp.if_qflush = () => undefined;
  if_attach(ifp);
  frames().attach(ifp, tunwrite_frame);
  return sc;
}

// if_tun.c: tun_clone_destroy → tun_destroy. 10.4 sleeps ("if ((tp->tun_flags & TUN_OPEN) !=
// 0) cv_wait_unlock(&tp->tun_cv, ...)") until tunclose wakes it. The only holder of /dev/tunN
// in a scenario is the harness's agent (Kernel.attachNic), which would be waiting on itself: it
// closes the device first, so the destroy shows tunclose's effects, then the detach.
function tun_clone_destroy(ifp: ifnet): void {
  const sc = softc(ifp);
  if (sc.tun_flags & TUN_OPEN) tunclose(ifp);
  frames().detach(ifp);
  if_detach(ifp);
  if_free(ifp);
}

if_clone_register({
  kind: "simple",
  ifc_name: tunname,
  ifc_minifs: 0,
  ifcs_create: tun_clone_create,
  ifcs_destroy: tun_clone_destroy,
});

// if_tun.c: tunopen — the process opening /dev/tunN; the link comes up.
export function tunopen(ifp: ifnet): void {
  const tp = softc(ifp);
  tp.tun_flags |= TUN_OPEN;
  if_link_state_change(ifp, LINK_STATE_UP);
}

// if_tun.c: tunclose — down, addresses and their routes gone, link down.
export function tunclose(ifp: ifnet): void {
  const tp = softc(ifp);
  tp.tun_flags &= ~TUN_OPEN;
  if (ifp.if_flags & IFF_UP) if_down(ifp);
  if (ifp.if_drv_flags & IFF_DRV_RUNNING) {
    ifp.if_drv_flags &= ~IFF_DRV_RUNNING;
    for (const ifa of [...ifp.if_addrhead]) {
      if (sockaddrFamily(ifa.ifa_addr) === AF_INET)
        rtinit(ifa, RTM_DELETE, tp.tun_flags & TUN_DSTADDR ? RTF_HOST : 0);
      else rtinit(ifa, RTM_DELETE, 0);
    }
    if_purgeaddrs(ifp);
  }
  if_link_state_change(ifp, LINK_STATE_DOWN);
}

/** TUNSIFHEAD / TUNSLMODE: each turns the other off, as tunioctl does. */
export function tun_set_mode(ifp: ifnet, mode: "plain" | "ifhead" | "lmode"): void {
  const tp = softc(ifp);
  tp.tun_flags &= ~(TUN_IFHEAD | TUN_LMODE);
  if (mode === "ifhead") tp.tun_flags |= TUN_IFHEAD;
  if (mode === "lmode") tp.tun_flags |= TUN_LMODE;
}

// if_tun.c: tuninit — an address makes the interface up and running.
function tuninit(ifp: ifnet): void {
  const tp = softc(ifp);
  ifp.if_flags |= IFF_UP;
  ifp.if_drv_flags |= IFF_DRV_RUNNING;
  for (const ifa of ifp.if_addrhead) {
    if (sockaddrFamily(ifa.ifa_addr) !== AF_INET || !isSockaddrIn(ifa.ifa_addr)) continue;
    if (ifa.ifa_addr.sin_addr) tp.tun_flags |= TUN_IASET;
    const d = ifa.ifa_dstaddr;
    if (d !== null && isSockaddrIn(d) && d.sin_addr) tp.tun_flags |= TUN_DSTADDR;
  }
}

// if_tun.c: tunifioctl — note there is no SIOCSIFDSTADDR case in 10.4 (EINVAL).
export function tunifioctl(ifp: ifnet, cmd: number, data: IoctlData): number {
  switch (cmd) {
    case SIOCSIFADDR:
      tuninit(ifp);
      return 0;
    case SIOCSIFMTU:
      if (!(data instanceof Uint8Array)) return EINVAL;
      ifp.if_mtu = ifr_mtu(data);
      return 0;
    case SIOCSIFFLAGS:
    case SIOCADDMULTI:
    case SIOCDELMULTI:
      return 0;
    default:
      return EINVAL;
  }
}

// if_tun.c: tunoutput — frame the packet for the reader and queue it.
export function tunoutput(ifp: ifnet, m0: Mbuf, dst: Sockaddr, _ro: route | null): number {
  const tp = softc(ifp);
  if ((tp.tun_flags & TUN_READY) !== TUN_READY) return EHOSTDOWN;
  if ((ifp.if_flags & IFF_UP) !== IFF_UP) return EHOSTDOWN;
  const af = sockaddrFamily(dst);
  let data = m0.data;
  if (tp.tun_flags & TUN_LMODE) {
    const sa = encodeSockaddr(dst).subarray(0, sockaddrLen(dst));
    data = concat(sa, data);
  }
  if (tp.tun_flags & TUN_IFHEAD) {
    const hdr = new Uint8Array(4);
    new DataView(hdr.buffer).setUint32(0, af, false);
    data = concat(hdr, data);
  } else if (af !== AF_INET) {
    return EAFNOSUPPORT;
  }
  m0.data = data;
  const transmit = ifp.if_transmit;
  KASSERT(transmit !== null, `${ifp.if_xname}: no if_transmit`);
  if (transmit(ifp, m0) !== 0) return ENOBUFS;
  ifp.if_data.ifi_opackets++;
  return 0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** if_transmit as if_attach installs it: onto if_snd for the reader (recorded here). */
function tun_transmit(ifp: ifnet, m: Mbuf): number {
  // A forwarded packet is a view into the frame it arrived in: the log gets bytes of its own.
  frames().record(ifp, m_dupdata(m.data));
  ifp.if_data.ifi_obytes += BigInt(m.data.length);
  return 0;
}

// if_tun.c: tunwrite — one write is one packet into the stack. Returns the errno write(2) gets.
export function tunwrite(ifp: ifnet, bytes: Uint8Array): number {
  const tp = softc(ifp);
  if ((ifp.if_flags & IFF_UP) !== IFF_UP) return 0; // ignored silently
  if (bytes.length === 0) return 0;
  if (bytes.length > TUNMRU) return EIO;
  let payload = bytes;
  let family = AF_INET;
  if (tp.tun_flags & TUN_IFHEAD) {
    if (payload.length < 4) return ENOBUFS; // m_pullup failed
    family = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, false);
    payload = payload.subarray(4);
  }
  if (family !== AF_INET) return EAFNOSUPPORT;
  ifp.if_data.ifi_ibytes += BigInt(payload.length);
  ifp.if_data.ifi_ipackets++;
  ip_input(m_gethdr(m_dupdata(payload), 0, ifp));
  return 0;
}

function tunwrite_frame(ifp: ifnet, frame: Uint8Array): void {
  tunwrite(ifp, frame);
}
