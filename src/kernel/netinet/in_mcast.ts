// IPv4 multicast group membership at the network layer (10.4 sys/netinet/in_mcast.c): the
// in_multi record per (interface, group), its reference count, the link-layer membership
// (ifmultiaddr) it holds through if_addmulti, and the t0/t1 filter state IGMP reads.
//
// Only kernel consumers exist in the twin (in.c's 224.0.0.1 join); they pass no socket filter,
// so joins are any-source (EXCLUDE {}) and no source lists are ever built. The socket-option
// API (IP_ADD_MEMBERSHIP, MCAST_JOIN_SOURCE_GROUP, ...) and its ip_moptions are not modelled.

import { AF_INET, isSockaddrIn, sockaddrFamily, sockaddrIn, type SockaddrIn } from "../../abi/socket.ts";
import { KASSERT } from "../kern/invariant.ts";
import { if_addmulti, if_delmulti_ifma } from "../net/if.ts";
import type { ifmultiaddr, ifnet } from "../net/if_var.ts";
import { igmp_change_state, type igmp_ifinfo, IGMP_NOT_MEMBER } from "./igmp.ts";

// in.h: filter modes
export const MCAST_UNDEFINED = 0; // fmode: not yet defined
export const MCAST_INCLUDE = 1; // fmode: include these source(s)
export const MCAST_EXCLUDE = 2; // fmode: exclude these source(s)

// in_var.h: struct in_mfilter_state — listener counts and filter mode at one instant
export interface ip_msource_state {
  iss_fmode: number;
  /** Any-source (ASM) listeners. */
  iss_asm: number;
  /** EXCLUDE-mode listeners. */
  iss_ex: number;
  /** INCLUDE-mode listeners. */
  iss_in: number;
  /** Recorded sources (SSM queries); always 0 here. */
  iss_rec: number;
}

// in_var.h: struct in_multi
export interface in_multi {
  /** Group address, host order. */
  inm_addr: number;
  inm_ifp: ifnet;
  inm_igi: igmp_ifinfo;
  inm_ifma: ifmultiaddr;
  /** IGMPv1/v2 report timer, in fast-timeout ticks. */
  inm_timer: number;
  inm_state: number;
  inm_refcount: number;
  /** Pending state-change retransmissions and their timer (IGMPv3). */
  inm_scrv: number;
  inm_sctimer: number;
  inm_nsrc: number;
  /** [t0, t1]: the state last reported and the state now. */
  inm_st: [ip_msource_state, ip_msource_state];
}

// in_var.h: struct in_mfilter — a socket's filter for one group (sources never present here)
export interface in_mfilter {
  /** [t0, t1] filter modes. */
  imf_st: [number, number];
}

function issZero(): ip_msource_state {
  return { iss_fmode: MCAST_UNDEFINED, iss_asm: 0, iss_ex: 0, iss_in: 0, iss_rec: 0 };
}

// in_mcast.c: imf_init
export function imf_init(st0: number, st1: number): in_mfilter {
  return { imf_st: [st0, st1] };
}

// in_mcast.c: inm_lookup_locked — the group's in_multi on ifp, found through if_multiaddrs.
export function inm_lookup(ifp: ifnet, ina: number): in_multi | null {
  for (const ifma of ifp.if_multiaddrs) {
    if (sockaddrFamily(ifma.ifma_addr) !== AF_INET || ifma.ifma_protospec === null) continue;
    const inm = ifma.ifma_protospec as in_multi;
    if (inm.inm_addr === ina >>> 0) return inm;
  }
  return null;
}

// in_mcast.c: in_getmulti — find or create the in_multi, taking a reference either way.
function in_getmulti(ifp: ifnet, group: number): { error: number; inm: in_multi | null } {
  const ii = ifp.if_afdata[AF_INET];
  KASSERT(ii !== null && ii.ii_igmp !== null, `${ifp.if_xname}: no AF_INET/IGMP afdata`);

  const found = inm_lookup(ifp, group);
  if (found !== null) {
    KASSERT(found.inm_refcount >= 1, `in_getmulti: bad refcount ${found.inm_refcount}`);
    ++found.inm_refcount;
    return { error: 0, inm: found };
  }

  const gsin: SockaddrIn = sockaddrIn(group);
  const r = if_addmulti(ifp, gsin);
  if (r.error !== 0) return { error: r.error, inm: null };
  const ifma = r.ifma;
  KASSERT(ifma !== null, "if_addmulti succeeded without an ifma");

  // If netinet already hangs an in_multi off this link-layer group, share it (C checks that it
  // is consistent and panics otherwise).
  if (ifma.ifma_protospec !== null) {
    const inm = ifma.ifma_protospec as in_multi;
    KASSERT(isSockaddrIn(ifma.ifma_addr), "in_getmulti: ifma not AF_INET");
    KASSERT(
      inm.inm_ifma === ifma && inm.inm_ifp === ifp && inm.inm_addr === group >>> 0,
      "in_getmulti: ifma inconsistent with its in_multi",
    );
    ++inm.inm_refcount;
    return { error: 0, inm };
  }

  // A new record starts at INCLUDE {} (undefined) at both t0 and t1; the join merges into t1.
  const inm: in_multi = {
    inm_addr: group >>> 0,
    inm_ifp: ifp,
    inm_igi: ii.ii_igmp,
    inm_ifma: ifma,
    inm_timer: 0,
    inm_state: IGMP_NOT_MEMBER,
    inm_refcount: 1,
    inm_scrv: 0,
    inm_sctimer: 0,
    inm_nsrc: 0,
    inm_st: [issZero(), issZero()],
  };
  ifma.ifma_protospec = inm;
  return { error: 0, inm };
}

// in_mcast.c: inm_release_locked — on the last reference, drop the link-layer group too.
export function inm_release_locked(inm: in_multi): void {
  KASSERT(inm.inm_refcount > 0, `inm_release_locked: refcount ${inm.inm_refcount}`);
  if (--inm.inm_refcount > 0) return;
  const ifma = inm.inm_ifma;
  KASSERT(ifma.ifma_protospec === inm, "inm_release_locked: ifma_protospec != inm");
  ifma.ifma_protospec = null;
  inm_purge(inm);
  if_delmulti_ifma(ifma);
}

// in_mcast.c: inm_purge — no source nodes exist in the twin; only the count is checked.
function inm_purge(inm: in_multi): void {
  KASSERT(inm.inm_nsrc === 0, "inm_purge: source nodes are not modelled");
}

// in_mcast.c: inm_merge, for a filter without sources: moves listener counts at t1 from the
// filter's t0 mode to its t1 mode, then derives the group's t1 mode from the counts.
function inm_merge(inm: in_multi, imf: in_mfilter): number {
  const st1 = inm.inm_st[1];
  const [f0, f1] = imf.imf_st;
  const nsrc0 = 0;
  const nsrc1 = 0;

  // INCLUDE {n} -> INCLUDE {}: with no sources nsrc1 is always 0.
  if (f0 === f1 && f1 === MCAST_INCLUDE && nsrc1 === 0) --st1.iss_in;

  if (f0 !== f1) {
    if (f0 === MCAST_EXCLUDE) --st1.iss_ex;
    else if (f0 === MCAST_INCLUDE) --st1.iss_in;
    if (f1 === MCAST_EXCLUDE) st1.iss_ex++;
    else if (f1 === MCAST_INCLUDE && nsrc1 > 0) st1.iss_in++;
  }

  if (st1.iss_ex > 0) st1.iss_fmode = MCAST_EXCLUDE;
  else if (st1.iss_in > 0) st1.iss_fmode = MCAST_INCLUDE;
  else st1.iss_fmode = MCAST_UNDEFINED;

  if (f0 === MCAST_EXCLUDE && nsrc0 === 0 && (f1 !== MCAST_EXCLUDE || nsrc1 > 0)) --st1.iss_asm;
  if (f1 === MCAST_EXCLUDE && nsrc1 === 0) st1.iss_asm++;
  return 0;
}

// in_mcast.c: inm_commit — t1 becomes the reported state t0.
export function inm_commit(inm: in_multi): void {
  inm.inm_st[0] = { ...inm.inm_st[1] };
}

// in_mcast.c: in_joingroup
export function in_joingroup(
  ifp: ifnet,
  gina: number,
  imf: in_mfilter | null,
): { error: number; inm: in_multi | null } {
  return in_joingroup_locked(ifp, gina, imf);
}

// in_mcast.c: in_joingroup_locked — a kernel consumer (imf null) makes an any-source join.
export function in_joingroup_locked(
  ifp: ifnet,
  gina: number,
  imf: in_mfilter | null,
): { error: number; inm: in_multi | null } {
  const filter = imf ?? imf_init(MCAST_UNDEFINED, MCAST_EXCLUDE);
  const got = in_getmulti(ifp, gina);
  if (got.error !== 0) return got;
  const inm = got.inm;
  KASSERT(inm !== null, "in_getmulti succeeded without an in_multi");

  let error = inm_merge(inm, filter);
  if (error === 0) error = igmp_change_state(inm);
  if (error !== 0) {
    inm_release_locked(inm);
    return { error, inm: null };
  }
  return { error: 0, inm };
}

// in_mcast.c: in_leavegroup
export function in_leavegroup(inm: in_multi, imf: in_mfilter | null): number {
  return in_leavegroup_locked(inm, imf);
}

// in_mcast.c: in_leavegroup_locked — merge the leave, tell IGMP, drop the join's reference.
export function in_leavegroup_locked(inm: in_multi, imf: in_mfilter | null): number {
  const filter = imf ?? imf_init(MCAST_EXCLUDE, MCAST_UNDEFINED);
  const merged = inm_merge(inm, filter);
  KASSERT(merged === 0, "in_leavegroup_locked: failed to merge inm state");
  const error = igmp_change_state(inm);
  inm_release_locked(inm);
  return error;
}
