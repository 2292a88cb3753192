// Back-to-back virtual Ethernet pairs (10.4 sys/net/if_epair.c): `ifconfig epair create` makes
// epair<n>a and epair<n>b; a frame one side transmits is queued to the netisr and arrives on the
// other side's ether_input. Not modelled: per-CPU queues and their drain/overflow handling
// (the twin's netisr queue never fills), ALTQ, and ifmedia (SIOCGIFMEDIA answers EOPNOTSUPP).

import { EEXIST, EFAULT, EINVAL, ENETDOWN, ENOSPC, ENXIO, EOPNOTSUPP } from "../../abi/errno.ts";
import {
  IF_MAXUNIT,
  IFCAP_VLAN_MTU,
  IFF_BROADCAST,
  IFF_DRV_RUNNING,
  IFF_MULTICAST,
  IFF_SIMPLEX,
  IFF_UP,
  IFNAMSIZ,
  IFT_ETHER,
  LINK_STATE_DOWN,
  LINK_STATE_UP,
} from "../../abi/if.ts";
import {
  SIOCADDMULTI,
  SIOCDELMULTI,
  SIOCGIFMEDIA,
  SIOCSIFFLAGS,
  SIOCSIFMEDIA,
  SIOCSIFMTU,
} from "../../abi/sockio.ts";
import { writeCString } from "../../abi/decode.ts";
import { KASSERT } from "../kern/invariant.ts";
import { M_BCAST, M_MCAST, m_dupdata, m_gethdr, type Mbuf } from "../kern/mbuf.ts";
import { frames } from "../net/frames.ts";
import { if_alloc, if_free, if_link_state_change, ifunit } from "../net/if.ts";
import {
  ifc_alloc_unit,
  ifc_free_unit,
  if_clone_create,
  if_clone_destroyif,
  if_clone_register,
  type if_clone,
} from "../net/if_clone.ts";
import { ether_ifattach, ether_ifdetach, ether_ioctl, ifr_mtu } from "../net/if_ethersubr.ts";
import type { ifnet, IoctlData } from "../net/if_var.ts";

const epairname = "epair";

// if_epair.c: struct epair_softc
export interface epair_softc {
  ifp: ifnet;
  /** The other end of the pair. */
  oifp: ifnet;
}

/** The second half's softc travels to the nested create through `params` (as in C). */
const pendingB = new WeakMap<Uint8Array, epair_softc>();

/**
 * Bytes 1-2 of a generated etheraddr. 10.4 if_epair.c:712 declares `uint8_t eaddr[6]` with no
 * initialiser (its comment says zeros, the code does not make them so) and sets only bytes 0, 3,
 * 4 and 5 (if_epair.c:724-727 for the b side, 834-837 for the a side): bytes 1-2 are what that
 * stack slot held. On both 10.4 kernels here (kernel.gz and kernel-seedin.gz, clang 14) a
 * SIOCIFCREATE2 leaves ff:40 in epair_clone_create's own frame (the a side) and ff:80 in the
 * nested call's frame that attaches the b side, on every create (measured:
 * test/kernel/dev/epair-macs.*.trace.json).
 */
const EPAIR_STACK_BYTES = { a: [0xff, 0x40], b: [0xff, 0x80] } as const;

// if_epair.c: the etheraddr made at create — locally administered, from the interface index.
export function epair_eaddr(ifp: ifnet, side: "a" | "b"): Uint8Array {
  const [b1, b2] = EPAIR_STACK_BYTES[side];
  const last = side === "a" ? 0x0a : 0x0b;
  return new Uint8Array([0x02, b1, b2, (ifp.if_index >> 8) & 0xff, ifp.if_index & 0xff, last]);
}

function softc(ifp: ifnet): epair_softc {
  const sc = ifp.if_softc as epair_softc | null;
  KASSERT(sc !== null && sc.ifp === ifp, `${ifp.if_xname}: not an epair`);
  return sc;
}

// if_epair.c: epair_clone_match — "epair" or "epair<digits>", not the a/b names.
function epair_clone_match(_ifc: if_clone, name: string): boolean {
  if (!name.startsWith(epairname)) return false;
  return /^[0-9]*$/.test(name.slice(epairname.length));
}

function epair_setup(ifp: ifnet, sc: epair_softc, name: string, unit: number): void {
  ifp.if_softc = sc;
  ifp.if_xname = name;
  ifp.if_dname = epairname;
  ifp.if_dunit = unit;
  ifp.if_flags = IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST;
  ifp.if_capabilities = IFCAP_VLAN_MTU;
  ifp.if_capenable = IFCAP_VLAN_MTU;
  ifp.if_ioctl = epair_ioctl;
  ifp.if_init = () => undefined; // epair_init does nothing
  ifp.if_transmit = epair_transmit;
  ifp.if_qflush = () => undefined;
}

// if_epair.c: epair_clone_create — makes both halves; the b side is attached by a nested
// if_clone_create call carrying its softc in `params`, so the cloner lists it too.
function epair_clone_create(ifc: if_clone, name: { value: string }, params: Uint8Array | null): number {
  const nested = params !== null ? pendingB.get(params) : undefined;
  if (nested !== undefined) {
    ether_ifattach(nested.ifp, epair_eaddr(nested.ifp, "b"));
    name.value = nested.ifp.if_xname;
    return 0;
  }
  // Otherwise `params` is SIOCIFCREATE2's ifr_data, a user pointer (`ifconfig epair create`
  // passes NULL). 10.4 would take any non-NULL value for an epair_softc and dereference a
  // user address ("if (params) { scb = (struct epair_softc *)params; ..."): no defined
  // outcome to model, so the twin refuses it.
  if (params !== null && params.some((byte) => byte !== 0)) return EFAULT;

  const rest = name.value.slice(epairname.length);
  const wildcard = rest === "";
  // if_clone.c ifc_name2unit: no leading zeroes.
  if (rest.length > 1 && rest[0] === "0") return EINVAL;
  const a = ifc_alloc_unit(ifc, wildcard ? -1 : Number(rest));
  if (a.error !== 0) return a.error;
  const unit = a.unit;
  const base = `${epairname}${unit}`;
  if (base.length + 1 > IFNAMSIZ - 1) {
    ifc_free_unit(ifc, unit);
    return ENOSPC;
  }
  if (ifunit(`${base}b`) !== null || ifunit(`${base}a`) !== null) return EEXIST;

  const ifpa = if_alloc(IFT_ETHER);
  KASSERT(ifpa !== null, "epair_clone_create: if_alloc failed");
  const ifpb = if_alloc(IFT_ETHER);
  KASSERT(ifpb !== null, "epair_clone_create: if_alloc failed");
  const sca: epair_softc = { ifp: ifpa, oifp: ifpb };
  const scb: epair_softc = { ifp: ifpb, oifp: ifpa };

  epair_setup(ifpa, sca, `${base}a`, unit);
  ether_ifattach(ifpa, epair_eaddr(ifpa, "a"));
  ifpa.if_baudrate = 10 * 1000 * 1000 * 1000; // IF_Gbps(10), "arbitrary maximum"

  epair_setup(ifpb, scb, `${base}b`, unit);
  const token = new Uint8Array(0);
  pendingB.set(token, scb);
  const ifr = new Uint8Array(IFNAMSIZ);
  writeCString(ifr, 0, IFNAMSIZ, epairname);
  const error = if_clone_create(ifr, IFNAMSIZ, token);
  KASSERT(error === 0, `epair_clone_create: if_clone_create() for our 2nd iface failed: ${error}`);
  ifpb.if_baudrate = 10 * 1000 * 1000 * 1000;

  name.value = ifpa.if_xname;
  ifpa.if_drv_flags |= IFF_DRV_RUNNING;
  ifpb.if_drv_flags |= IFF_DRV_RUNNING;
  if_link_state_change(ifpa, LINK_STATE_UP);
  if_link_state_change(ifpb, LINK_STATE_UP);
  frames().attach(ifpa, epair_rx);
  frames().attach(ifpb, epair_rx);
  return 0;
}

// if_epair.c: epair_clone_destroy — both halves go; the nested call for the b side finds its
// softc already cleared and succeeds without doing anything.
function epair_clone_destroy(ifc: if_clone, ifp: ifnet): number {
  if (ifp.if_softc === null) return 0;
  const unit = ifp.if_dunit;
  const sca = softc(ifp);
  const oifp = sca.oifp;
  if_link_state_change(ifp, LINK_STATE_DOWN);
  if_link_state_change(oifp, LINK_STATE_DOWN);
  ifp.if_drv_flags &= ~IFF_DRV_RUNNING;
  oifp.if_drv_flags &= ~IFF_DRV_RUNNING;

  frames().detach(oifp);
  ether_ifdetach(oifp);
  oifp.if_softc = null;
  const error = if_clone_destroyif(ifc, oifp);
  KASSERT(error === 0, `epair_clone_destroy: if_clone_destroyif() for our 2nd iface failed: ${error}`);
  if_free(oifp);

  frames().detach(ifp);
  ether_ifdetach(ifp);
  if_free(ifp);
  ifc_free_unit(ifc, unit);
  return 0;
}

if_clone_register({
  kind: "advanced",
  ifc_name: epairname,
  ifc_maxunit: IF_MAXUNIT,
  ifc_match: epair_clone_match,
  ifc_create: epair_clone_create,
  ifc_destroy: epair_clone_destroy,
});

// if_epair.c: epair_ioctl — any MTU, filters need no programming, the rest is Ethernet's.
export function epair_ioctl(ifp: ifnet, cmd: number, data: IoctlData): number {
  switch (cmd) {
    case SIOCSIFFLAGS:
    case SIOCADDMULTI:
    case SIOCDELMULTI:
      return 0;
    case SIOCSIFMEDIA:
    case SIOCGIFMEDIA:
      return EOPNOTSUPP;
    case SIOCSIFMTU:
      if (data instanceof Uint8Array) ifp.if_mtu = ifr_mtu(data);
      return 0;
    default:
      return ether_ioctl(ifp, cmd, data);
  }
}

// if_epair.c: epair_transmit_locked — to the other side's input queue, through the netisr.
function epair_transmit(ifp: ifnet, m: Mbuf): number {
  const sc = softc(ifp);
  if ((ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) return ENXIO;
  if ((ifp.if_flags & IFF_UP) === 0) return ENETDOWN;
  frames().record(ifp, m.data);
  const oifp = sc.oifp;
  if ((oifp.if_drv_flags & IFF_DRV_RUNNING) === 0 || (oifp.if_flags & IFF_UP) === 0) {
    ifp.if_data.ifi_oerrors++;
    return 0;
  }
  const len = m.data.length;
  const mflags = m.m_flags;
  const delivered = m_gethdr(m_dupdata(m.data), 0, oifp);
  frames().queue(() => epair_nh_sintr(delivered));
  ifp.if_data.ifi_opackets++;
  ifp.if_data.ifi_obytes += BigInt(len);
  if (mflags & (M_BCAST | M_MCAST)) ifp.if_data.ifi_omcasts++;
  oifp.if_data.ifi_ipackets++;
  return 0;
}

// if_epair.c: epair_nh_sintr — the netisr handler: straight into the receiver's if_input.
function epair_nh_sintr(m: Mbuf): void {
  const ifp = m.rcvif;
  KASSERT(ifp !== null, "epair_nh_sintr: no rcvif");
  // The receiver may have been destroyed while the frame sat in the queue.
  if (ifp.if_softc === null) return;
  const input = ifp.if_input;
  KASSERT(input !== null, `${ifp.if_xname}: no if_input`);
  input(ifp, m);
}

/** A frame injected on `ifp` arrives as if its peer had sent it. */
function epair_rx(ifp: ifnet, frame: Uint8Array): void {
  frames().queue(() => epair_nh_sintr(m_gethdr(frame, 0, ifp)));
}
