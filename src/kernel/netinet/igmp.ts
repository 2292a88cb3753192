// IGMP per-interface state and the group life cycle IGMP runs on joins and leaves (10.4
// sys/netinet/igmp.c). Report generation (v1/v2 reports, v3 state-change and current-state
// records), query input and the fast/slow timers are not modelled, and no Program can need
// them: the only in_joingroup caller is in.c's all-hosts join, and 224.0.0.1 is never reported
// (igmp_isgroupreported), so every group takes the silent path; SIOCADDMULTI takes only
// AF_LINK groups ("Don't let users screw up protocols' entries") and makes no in_multi; and
// ip_input drops IGMP datagrams, so no query changes igi_version or a group's state. A
// reported group reaching the state machine is therefore a twin bug and fails an invariant.

import { IFF_LOOPBACK, IFF_MULTICAST } from "../../abi/if.ts";
import { INADDR_ALLHOSTS_GROUP, IN_LOCAL_GROUP } from "../../abi/in.ts";
import { AF_INET, sockaddrFamily } from "../../abi/socket.ts";
import { InvariantError, KASSERT } from "../kern/invariant.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, SYSCTL_INT } from "../kern/sysctl.ts";
import type { ifnet } from "../net/if_var.ts";
import { VNET, VNET_DEFINE } from "../net/vnet.ts";
import { inm_commit, inm_release_locked, MCAST_UNDEFINED, type in_multi } from "./in_mcast.ts";

// igmp_var.h: protocol versions
export const IGMP_VERSION_1 = 1;
export const IGMP_VERSION_2 = 2;
export const IGMP_VERSION_3 = 3;

// igmp_var.h: igi_flags
export const IGIF_SILENT = 0x00000001; // no IGMP on this interface
export const IGIF_LOOPBACK = 0x00000002; // send IGMP reports to the loopback

// igmp_var.h: default protocol parameters (RFC 3376)
export const IGMP_RV_INIT = 2; // robustness variable
export const IGMP_QI_INIT = 125; // query interval, seconds
export const IGMP_QRI_INIT = 10; // query response interval, seconds
export const IGMP_URI_INIT = 3; // unsolicited report interval, seconds

// igmp_var.h: in_multi.inm_state
export const IGMP_NOT_MEMBER = 0; // can garbage collect in_multi
export const IGMP_SILENT_MEMBER = 1; // do not perform IGMP for group
export const IGMP_REPORTING_MEMBER = 2; // IGMPv1/2/3 we are reporter
export const IGMP_IDLE_MEMBER = 3; // IGMPv1/2 we reported last
export const IGMP_LAZY_MEMBER = 4; // IGMPv1/2 other member reporting
export const IGMP_SLEEPING_MEMBER = 5; // IGMPv1/2 start query response
export const IGMP_AWAKENING_MEMBER = 6; // IGMPv1/2 group timer will start
export const IGMP_G_QUERY_PENDING_MEMBER = 7; // IGMPv3 group query pending
export const IGMP_SG_QUERY_PENDING_MEMBER = 8; // IGMPv3 source query pending
export const IGMP_LEAVING_MEMBER = 9; // IGMPv3 dying gasp (pending last retransmission)

// igmp_var.h: struct igmp_ifinfo
export interface igmp_ifinfo {
  igi_ifp: ifnet;
  igi_version: number;
  igi_v1_timer: number;
  igi_v2_timer: number;
  igi_v3_timer: number;
  igi_flags: number;
  igi_rv: number;
  igi_qi: number;
  igi_qri: number;
  igi_uri: number;
  /** in_multi references held for a pending IGMPv3 final leave. */
  igi_relinmhead: in_multi[];
}

interface IgmpVnet {
  /** V_igi_head: newest first (LIST_INSERT_HEAD). */
  igi_head: igmp_ifinfo[];
  /** V_igmp_default_version: 10.4 igmp.c starts every interface in IGMPv3. */
  igmp_default_version: number;
  /** V_igmp_sendlocal: report 224.0.0.0/24 groups other than all-hosts (10.4 default 1). */
  igmp_sendlocal: number;
}

const V_igmp = VNET_DEFINE("igmp", (): IgmpVnet => ({
  igi_head: [],
  igmp_default_version: IGMP_VERSION_3,
  igmp_sendlocal: 1,
}));

// igmp.c: SYSCTL_VNET_INT(_net_inet_igmp, OID_AUTO, sendlocal, ...)
SYSCTL_INT("net.inet.igmp.sendlocal", CTLFLAG_RW | CTLFLAG_VNET, {
  get: () => VNET(V_igmp).igmp_sendlocal,
  set: (v) => {
    VNET(V_igmp).igmp_sendlocal = v;
  },
});

/** The IGMP state of every interface in the current VNET (newest first). */
export function igmp_ifinfos(): readonly igmp_ifinfo[] {
  return VNET(V_igmp).igi_head;
}

// in.h: in_allhosts
function in_allhosts(addr: number): boolean {
  return addr >>> 0 === INADDR_ALLHOSTS_GROUP;
}

// igmp.c: igmp_isgroupreported — all-hosts is never reported; other link-scope groups only
// while net.inet.igmp.sendlocal is set.
export function igmp_isgroupreported(addr: number): boolean {
  if (in_allhosts(addr) || (!VNET(V_igmp).igmp_sendlocal && IN_LOCAL_GROUP(addr))) return false;
  return true;
}

// igmp.c: igmp_domifattach
export function igmp_domifattach(ifp: ifnet): igmp_ifinfo {
  const igi = igi_alloc_locked(ifp);
  if (!(ifp.if_flags & IFF_MULTICAST)) igi.igi_flags |= IGIF_SILENT;
  return igi;
}

// igmp.c: igi_alloc_locked
function igi_alloc_locked(ifp: ifnet): igmp_ifinfo {
  const g = VNET(V_igmp);
  const igi: igmp_ifinfo = {
    igi_ifp: ifp,
    igi_version: g.igmp_default_version,
    igi_v1_timer: 0,
    igi_v2_timer: 0,
    igi_v3_timer: 0,
    igi_flags: 0,
    igi_rv: IGMP_RV_INIT,
    igi_qi: IGMP_QI_INIT,
    igi_qri: IGMP_QRI_INIT,
    igi_uri: IGMP_URI_INIT,
    igi_relinmhead: [],
  };
  g.igi_head.unshift(igi);
  return igi;
}

// igmp.c: igmp_ifdetach — drop the references IGMPv3 holds for groups still leaving.
export function igmp_ifdetach(ifp: ifnet): void {
  const ii = ifp.if_afdata[AF_INET];
  KASSERT(ii !== null && ii.ii_igmp !== null, `igmp_ifdetach: ${ifp.if_xname} has no igmp_ifinfo`);
  const igi = ii.ii_igmp;
  if (igi.igi_version !== IGMP_VERSION_3) return;
  for (const ifma of ifp.if_multiaddrs) {
    if (sockaddrFamily(ifma.ifma_addr) !== AF_INET || ifma.ifma_protospec === null) continue;
    const inm = ifma.ifma_protospec as in_multi;
    if (inm.inm_state === IGMP_LEAVING_MEMBER) igi.igi_relinmhead.unshift(inm);
    inm_clear_recorded(inm);
  }
  for (let inm = igi.igi_relinmhead.shift(); inm !== undefined; inm = igi.igi_relinmhead.shift()) {
    inm_release_locked(inm);
  }
}

// in_mcast.c: inm_clear_recorded — no source is ever recorded in the twin.
function inm_clear_recorded(inm: in_multi): void {
  KASSERT(inm.inm_st[1].iss_rec === 0, "inm_clear_recorded: recorded sources are not modelled");
}

// igmp.c: igmp_domifdetach
export function igmp_domifdetach(ifp: ifnet): void {
  igi_delete_locked(ifp);
}

// igmp.c: igi_delete_locked
function igi_delete_locked(ifp: ifnet): void {
  const head = VNET(V_igmp).igi_head;
  const i = head.findIndex((igi) => igi.igi_ifp === ifp);
  KASSERT(i >= 0, `igi_delete_locked: igmp_ifinfo not found for ${ifp.if_xname}`);
  KASSERT(head[i].igi_relinmhead.length === 0, "igi_delete_locked: dangling in_multi references");
  head.splice(i, 1);
}

// igmp.c: igmp_change_state — a move out of or into MCAST_UNDEFINED starts or ends the
// group's IGMP life cycle; anything else is a filter change.
export function igmp_change_state(inm: in_multi): number {
  const ifp = inm.inm_ifma.ifma_ifp;
  KASSERT(inm.inm_ifp === ifp, "igmp_change_state: bad ifp");
  const ii = inm.inm_ifp.if_afdata[AF_INET];
  KASSERT(
    ii !== null && ii.ii_igmp !== null,
    `igmp_change_state: no igmp_ifinfo for ${inm.inm_ifp.if_xname}`,
  );
  const igi = ii.ii_igmp;

  if (inm.inm_st[1].iss_fmode !== inm.inm_st[0].iss_fmode) {
    if (inm.inm_st[0].iss_fmode === MCAST_UNDEFINED) return igmp_initial_join(inm, igi);
    if (inm.inm_st[1].iss_fmode === MCAST_UNDEFINED) {
      igmp_final_leave(inm, igi);
      return 0;
    }
  }
  return igmp_handle_state_change(inm, igi);
}

/** Groups IGMP stays quiet about: on loopback, on a silent link, or never reported. */
function igmp_is_silent(inm: in_multi, igi: igmp_ifinfo): boolean {
  return (
    (inm.inm_ifp.if_flags & IFF_LOOPBACK) !== 0 ||
    (igi.igi_flags & IGIF_SILENT) !== 0 ||
    !igmp_isgroupreported(inm.inm_addr)
  );
}

function reportsNotModelled(inm: in_multi, what: string): InvariantError {
  const g = inm.inm_addr;
  const dotted = `${g >>> 24}.${(g >>> 16) & 0xff}.${(g >>> 8) & 0xff}.${g & 0xff}`;
  return new InvariantError(`igmp: ${what} for reported group ${dotted} is not modelled by the twin`);
}

// igmp.c: igmp_initial_join — silent groups become IGMP_SILENT_MEMBER and commit at once.
function igmp_initial_join(inm: in_multi, igi: igmp_ifinfo): number {
  KASSERT(igi.igi_ifp === inm.inm_ifp, "igmp_initial_join: inconsistent ifp");
  if (!igmp_is_silent(inm, igi)) throw reportsNotModelled(inm, "initial join report");
  inm.inm_state = IGMP_SILENT_MEMBER;
  inm.inm_timer = 0;
  inm_commit(inm);
  return 0;
}

// igmp.c: igmp_handle_state_change — nothing to send for silent groups or below IGMPv3.
function igmp_handle_state_change(inm: in_multi, igi: igmp_ifinfo): number {
  KASSERT(igi.igi_ifp === inm.inm_ifp, "igmp_handle_state_change: inconsistent ifp");
  if (!igmp_is_silent(inm, igi) && igi.igi_version === IGMP_VERSION_3) {
    throw reportsNotModelled(inm, "state-change report");
  }
  inm_commit(inm);
  return 0;
}

// igmp.c: igmp_final_leave — a silent (or already leaving) member has nothing to announce.
function igmp_final_leave(inm: in_multi, igi: igmp_ifinfo): void {
  switch (inm.inm_state) {
    case IGMP_NOT_MEMBER:
    case IGMP_SILENT_MEMBER:
    case IGMP_LEAVING_MEMBER:
    case IGMP_LAZY_MEMBER:
    case IGMP_SLEEPING_MEMBER:
    case IGMP_AWAKENING_MEMBER:
      break;
    default:
      if (igi.igi_version === IGMP_VERSION_2 || igi.igi_version === IGMP_VERSION_3) {
        throw reportsNotModelled(inm, "leave");
      }
  }
  inm_commit(inm);
  inm.inm_st[1].iss_fmode = MCAST_UNDEFINED;
}
