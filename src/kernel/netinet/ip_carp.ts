// The carp(4) hooks in_aifaddr_ioctl and in_difaddr_ioctl call (netinet/ip_carp.h carp_attach_p,
// carp_detach_p). Without carp loaded they are NULL, as in a GENERIC kernel without
// `kldload carp`. carp_load installs a stand-in, not a model of carp itself: it keeps the
// vhids configured per interface (what SIOCSVH would create) and records every attach and
// detach so tests and traces can see what in.c asked of carp. Its errors follow ip_carp.c
// carp_attach: ENOPROTOOPT when the interface has no carp at all, ENOENT for an unknown vhid.

import { ENOENT, ENOPROTOOPT } from "../../abi/errno.ts";
import { KASSERT } from "../kern/invariant.ts";
import type { ifaddr, ifnet } from "../net/if_var.ts";
import { VNET, VNET_DEFINE } from "../net/vnet.ts";

/** ip_carp.c: what ifa_carp points at — here only the vhid. */
export interface carp_softc {
  readonly sc_vhid: number;
}

export type carp_attach_t = (ifa: ifaddr, vhid: number) => number;
export type carp_detach_t = (ifa: ifaddr) => void;

export interface CarpEvent {
  readonly what: "attach" | "detach";
  readonly ifname: string;
  readonly vhid: number;
}

interface CarpState {
  carp_attach_p: carp_attach_t | null;
  carp_detach_p: carp_detach_t | null;
  /** Stand-in for ifp->if_carp: the vhids configured on each interface. */
  readonly vhids: Map<ifnet, Set<number>>;
  readonly events: CarpEvent[];
}

const V_carp = VNET_DEFINE("carp", (): CarpState => ({
  carp_attach_p: null,
  carp_detach_p: null,
  vhids: new Map(),
  events: [],
}));

/** ip_carp.h: carp_attach_p — null unless carp is loaded in the current VNET. */
export function carp_attach_p(): carp_attach_t | null {
  return VNET(V_carp).carp_attach_p;
}

/** ip_carp.h: carp_detach_p */
export function carp_detach_p(): carp_detach_t | null {
  return VNET(V_carp).carp_detach_p;
}

// ip_carp.c: carp_attach (stand-in)
function carp_attach(ifa: ifaddr, vhid: number): number {
  KASSERT(ifa.ifa_carp === null, "carp_attach: ifa already attached");
  const state = VNET(V_carp);
  const vhids = state.vhids.get(ifa.ifa_ifp);
  if (vhids === undefined) return ENOPROTOOPT;
  if (!vhids.has(vhid)) return ENOENT;
  const sc: carp_softc = { sc_vhid: vhid };
  ifa.ifa_carp = sc;
  state.events.push({ what: "attach", ifname: ifa.ifa_ifp.if_xname, vhid });
  return 0;
}

// ip_carp.c: carp_detach (stand-in)
function carp_detach(ifa: ifaddr): void {
  const sc = ifa.ifa_carp as carp_softc | null;
  KASSERT(sc !== null, "carp_detach: ifa not attached");
  VNET(V_carp).events.push({ what: "detach", ifname: ifa.ifa_ifp.if_xname, vhid: sc.sc_vhid });
  ifa.ifa_carp = null;
}

/** `kldload carp` for the current VNET: installs the hooks. */
export function carp_load(): void {
  const state = VNET(V_carp);
  state.carp_attach_p = carp_attach;
  state.carp_detach_p = carp_detach;
}

/** Stand-in for `ifconfig <if> vhid N` (SIOCSVH): makes vhid `vhid` known on `ifp`. */
export function carp_add_vhid(ifp: ifnet, vhid: number): void {
  const state = VNET(V_carp);
  let vhids = state.vhids.get(ifp);
  if (vhids === undefined) {
    vhids = new Set();
    state.vhids.set(ifp, vhids);
  }
  vhids.add(vhid);
}

/** The attaches and detaches in.c asked for in the current VNET, oldest first. */
export function carp_events(): readonly CarpEvent[] {
  return VNET(V_carp).events;
}
