// ARP for IPv4 over Ethernet (10.4 sys/netinet/if_ether.c): resolution with a hold queue and
// retry limits, the request and reply frames, input validation with its log lines and
// counters, the interface-address entry and gratuitous ARP on address add, and the sysctls.

import { EHOSTDOWN, EHOSTUNREACH, EINVAL, EWOULDBLOCK } from "../../abi/errno.ts";
import { IFF_NOARP, IFF_STATICARP, IFT_ETHER } from "../../abi/if.ts";
import { ipv4ToString } from "../../abi/in.ts";
import { RTF_GATEWAY } from "../../abi/route_defs.ts";
import { AF_INET, sockaddrIn, type SockaddrIn, type SockaddrRaw } from "../../abi/socket.ts";
import { macEquals } from "../../wire/addr.ts";
import {
  EVENTHANDLER_INVOKE,
  LLENTRY_EXPIRED,
  LLENTRY_RESOLVED,
  LLENTRY_TIMEDOUT,
} from "../kern/eventhandler.ts";
import { Callout } from "../kern/clock.ts";
import { KASSERT, KernelPanic } from "../kern/invariant.ts";
import { M_BCAST, M_MCAST, m_gethdr, type Mbuf } from "../kern/mbuf.ts";
import {
  CTLFLAG_RW,
  CTLFLAG_VNET,
  CTLTYPE_OPAQUE,
  SYSCTL_INT,
  SYSCTL_NODE,
  SYSCTL_PROC,
  CTLTYPE_INT,
  sysctl_handle_int,
  type IntRef,
  type SysctlReq,
} from "../kern/sysctl.ts";
import { log, LOG_DEBUG, LOG_ERR, LOG_INFO, LOG_NOTICE, LOG_WARNING, printf } from "../kern/syslog.ts";
import {
  LLE_CREATE,
  LLE_DELETE,
  LLE_DELETED,
  LLE_EXCLUSIVE,
  LLE_FREE_LOCKED,
  LLE_IFADDR,
  LLE_LINKED,
  LLE_PUB,
  LLE_REMREF,
  LLE_ADDREF,
  LLE_STATIC,
  LLE_VALID,
  LLE_DELETED_PTR,
  lla_lookup,
  llentry_free,
  type lltable,
  type llentry,
} from "../net/if_llatbl.ts";
import { ifa_ref } from "../net/if.ts";
import { ETHER_MAP_IP_MULTICAST } from "../net/if_ethersubr.ts";
import { IF_LLADDR, in_ifaddr, type ifaddr, type ifnet } from "../net/if_var.ts";
import { rtalloc1, RTFREE, type rtentry } from "../net/route.ts";
import { CURVNET_RESTORE, CURVNET_SET, curvnet, VNET, VNET_DEFINE, type vnet } from "../net/vnet.ts";
import { IA_SIN, INADDR_HASH, LLTABLE } from "./in_var.ts";
import { getN16, getN32, hexBytes, setN16, setN32 } from "../../abi/decode.ts";
import { bcopy } from "../sys/systm.ts";

// sys/socket.h: AF_ARP, the family ether_output takes ready-made ARP packets in (PF_ARP too,
// the number of the net.link.ether.arp node).
export const AF_ARP = 35;
// net/ethernet.h: ETHERTYPE_IP
const ETHERTYPE_IP = 0x0800;
// net/if_types.h: IFT_ARCNET (arpresolve skips multicast mapping for it)
const IFT_ARCNET = 0x23;
// net/if_arp.h: hardware formats arpintr accepts, and the operations
export const ARPHRD_ETHER = 1;
const ARPHRD_IEEE802 = 6;
const ARPHRD_ARCNET = 7;
const ARPHRD_IEEE1394 = 24;
const ARPHRD_INFINIBAND = 32;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;
/** sizeof(struct arphdr): the fixed part before the addresses. */
export const ARPHDR_SIZE = 8;
/** if_ether.c: MAX_GARP_RETRANSMITS (the backoff reaches 2^16 s) */
const MAX_GARP_RETRANSMITS = 16;
/** sizeof(struct in_addr) */
const IN_ADDR_SIZE = 4;

// if_arp.h: struct arpstat
export interface arpstat {
  txrequests: number;
  txreplies: number;
  rxrequests: number;
  rxreplies: number;
  received: number;
  arp_spares: [number, number, number, number];
  dropped: number;
  timeouts: number;
  dupips: number;
}

/** The fields of struct arpstat in declaration order (sizeof = 12 uint64_t). */
const ARPSTAT_FIELDS = [
  "txrequests",
  "txreplies",
  "rxrequests",
  "rxreplies",
  "received",
  "arp_spares",
  "dropped",
  "timeouts",
  "dupips",
] as const;
export const ARPSTAT_SIZE = 12 * 8;

/**
 * if_ether.c's tunables and state. The VNET_DEFINEd ones are per stack in FreeBSD too; the
 * plain statics (log_*, allow_multicast, the log rate limit, garp_rexmit_count) are global
 * there and kept per VNET here so separate Kernels stay independent.
 */
export interface arp_vnet {
  arpt_keep: number;
  arp_maxtries: number;
  useloopback: number;
  arp_proxyall: number;
  arpt_down: number;
  arp_maxhold: number;
  arpstat: arpstat;
  log_arp_wrong_iface: number;
  log_arp_movements: number;
  log_arp_permanent_modify: number;
  allow_multicast: number;
  arp_maxpps: number;
  /** ppsratecheck's lasttime.tv_sec, which holds ticks. */
  arp_lastlog: number;
  arp_curpps: number;
  garp_rexmit_count: number;
  /** 10.4 in_var.h ia_garp_timer/ia_garp_count per address (fields the seed's in_ifaddr lacks). */
  garp: Map<in_ifaddr, garp_state>;
}

/** struct in_ifaddr's ia_garp_timer and ia_garp_count (10.4 in_var.h), kept beside the address. */
interface garp_state {
  ia_garp_timer: Callout;
  ia_garp_count: number;
}

/** struct arpstat as the VNET's counters start: all zero (VNET_PCPUSTAT_DEFINE). */
function arpstat_zero(): arpstat {
  return {
    txrequests: 0,
    txreplies: 0,
    rxrequests: 0,
    rxreplies: 0,
    received: 0,
    arp_spares: [0, 0, 0, 0],
    dropped: 0,
    timeouts: 0,
    dupips: 0,
  };
}

// Defaults: 10.4 if_ether.c VNET_DEFINE and static initialisers.
const V_arp = VNET_DEFINE("arp", (): arp_vnet => ({
  arpt_keep: 20 * 60,
  arp_maxtries: 5,
  useloopback: 1,
  arp_proxyall: 0,
  arpt_down: 20,
  arp_maxhold: 1,
  arpstat: arpstat_zero(),
  log_arp_wrong_iface: 1,
  log_arp_movements: 1,
  log_arp_permanent_modify: 1,
  allow_multicast: 0,
  arp_maxpps: 1,
  arp_lastlog: 0,
  arp_curpps: 0,
  garp_rexmit_count: 0,
  garp: new Map(),
}));

type arpstat_counter = Exclude<keyof arpstat, "arp_spares">;

// if_arp.h: ARPSTAT_ADD / ARPSTAT_INC. One store per counter: a single `arpstat[name] += val`
// would see every counter's name at one site, and V8 then looks the field up by name each time.
export function ARPSTAT_ADD(name: arpstat_counter, val: number): void {
  const st = VNET(V_arp).arpstat;
  switch (name) {
    case "txrequests":
      st.txrequests += val;
      return;
    case "txreplies":
      st.txreplies += val;
      return;
    case "rxrequests":
      st.rxrequests += val;
      return;
    case "rxreplies":
      st.rxreplies += val;
      return;
    case "received":
      st.received += val;
      return;
    case "dropped":
      st.dropped += val;
      return;
    case "timeouts":
      st.timeouts += val;
      return;
    case "dupips":
      st.dupips += val;
      return;
  }
}

export function ARPSTAT_INC(name: arpstat_counter): void {
  ARPSTAT_ADD(name, 1);
}

/** The current VNET's ARP tunables, counters and state. */
export function arp_vnet(): arp_vnet {
  return VNET(V_arp);
}

type IntTunable = Exclude<
  {
    [K in keyof arp_vnet]: arp_vnet[K] extends number ? K : never;
  }[keyof arp_vnet],
  "arp_lastlog" | "arp_curpps"
>;

/** The sysctl handle of one per-VNET tunable: SYSCTL_VNET_INT's &VNET_NAME(field). */
function ref(field: IntTunable): IntRef {
  return {
    get: () => VNET(V_arp)[field],
    set: (v) => {
      VNET(V_arp)[field] = v;
    },
  };
}

// The numbered nodes on the way, so whichever module registers first gets FreeBSD's numbers:
// CTL_NET 4, PF_LINK 18 (if.c), IFT_ETHER 6 (if_ethersubr.c), PF_INET 2 and PF_ARP 35 (here).
SYSCTL_NODE("", 4, "net", CTLFLAG_RW, null, "Network, (see socket.h)");
SYSCTL_NODE("net", 18, "link", CTLFLAG_RW, null, "Link layers");
SYSCTL_NODE("net.link", IFT_ETHER, "ether", CTLFLAG_RW, null, "Ethernet");
SYSCTL_NODE("net.link.ether", AF_INET, "inet", CTLFLAG_RW, null, "");
SYSCTL_NODE("net.link.ether", AF_ARP, "arp", CTLFLAG_RW, null, "");

const INET = "net.link.ether.inet";
SYSCTL_INT(`${INET}.max_age`, CTLFLAG_RW | CTLFLAG_VNET, ref("arpt_keep"), "ARP entry lifetime in seconds");
SYSCTL_INT(
  `${INET}.maxtries`,
  CTLFLAG_RW | CTLFLAG_VNET,
  ref("arp_maxtries"),
  "ARP resolution attempts before returning error",
);
SYSCTL_INT(
  `${INET}.useloopback`,
  CTLFLAG_RW | CTLFLAG_VNET,
  ref("useloopback"),
  "Use the loopback interface for local traffic",
);
SYSCTL_INT(
  `${INET}.proxyall`,
  CTLFLAG_RW | CTLFLAG_VNET,
  ref("arp_proxyall"),
  "Enable proxy ARP for all suitable requests",
);
SYSCTL_INT(
  `${INET}.wait`,
  CTLFLAG_RW | CTLFLAG_VNET,
  ref("arpt_down"),
  "Incomplete ARP entry lifetime in seconds",
);
SYSCTL_PROC(
  "net.link.ether.arp.stats",
  CTLFLAG_VNET | CTLTYPE_OPAQUE | CTLFLAG_RW,
  (_oidp, _name, req) => {
    // vnet.h SYSCTL_VNET_PCPUSTAT: copy, zero on any write, then hand out the copy.
    const st = VNET(V_arp);
    const out = arpstat_bytes(st.arpstat);
    if (req.newptr !== null) st.arpstat = arpstat_zero();
    return req.SYSCTL_OUT(out);
  },
  "ARP statistics (struct arpstat, net/if_arp.h)",
);
SYSCTL_INT(
  `${INET}.maxhold`,
  CTLFLAG_RW | CTLFLAG_VNET,
  ref("arp_maxhold"),
  "Number of packets to hold per ARP entry",
);
SYSCTL_PROC(
  `${INET}.garp_rexmit_count`,
  CTLTYPE_INT | CTLFLAG_RW,
  (_oidp, _name, req) => sysctl_garp_rexmit(req),
  "Number of times to retransmit GARP packets; 0 to disable, maximum of 16",
);
SYSCTL_INT(
  `${INET}.log_arp_wrong_iface`,
  CTLFLAG_RW,
  ref("log_arp_wrong_iface"),
  "log arp packets arriving on the wrong interface",
);
SYSCTL_INT(
  `${INET}.log_arp_movements`,
  CTLFLAG_RW,
  ref("log_arp_movements"),
  "log arp replies from MACs different than the one in the cache",
);
SYSCTL_INT(
  `${INET}.log_arp_permanent_modify`,
  CTLFLAG_RW,
  ref("log_arp_permanent_modify"),
  "log arp replies from MACs different than the one in the permanent arp entry",
);
SYSCTL_INT(`${INET}.allow_multicast`, CTLFLAG_RW, ref("allow_multicast"), "accept multicast addresses");
SYSCTL_INT(
  `${INET}.max_log_per_second`,
  CTLFLAG_RW,
  ref("arp_maxpps"),
  "Maximum number of remotely triggered ARP messages that can be logged per second",
);

/** struct arpstat as the sysctl hands it out: twelve little-endian uint64_t. */
export function arpstat_bytes(st: arpstat): Uint8Array {
  const out = new Uint8Array(ARPSTAT_SIZE);
  const v = new DataView(out.buffer);
  let off = 0;
  for (const f of ARPSTAT_FIELDS) {
    const vals = f === "arp_spares" ? st.arp_spares : [st[f]];
    for (const x of vals) {
      v.setBigUint64(off, BigInt(x), true);
      off += 8;
    }
  }
  return out;
}

// if_ether.c: sysctl_garp_rexmit — an int handler that clamps what is written to [0, 16].
function sysctl_garp_rexmit(req: SysctlReq): number {
  const st = VNET(V_arp);
  let rexmit_count = st.garp_rexmit_count;
  const local: IntRef = {
    get: () => rexmit_count,
    set: (v) => {
      rexmit_count = v;
    },
  };
  const error = sysctl_handle_int(local, 0, req);
  if (!error && req.newptr !== null) {
    if (rexmit_count < 0) rexmit_count = 0;
    else if (rexmit_count > MAX_GARP_RETRANSMITS) rexmit_count = MAX_GARP_RETRANSMITS;
    st.garp_rexmit_count = rexmit_count;
  }
  return error;
}

// kern_time.c: ppsratecheck (10.4: lasttime.tv_sec holds ticks; 0 means "never")
function ppsratecheck(st: arp_vnet): boolean {
  const clock = curvnet().clock;
  const now = clock.ticks | 0;
  if (st.arp_lastlog === 0 || (now - st.arp_lastlog) >>> 0 >= clock.hz) {
    st.arp_lastlog = now;
    st.arp_curpps = 1;
    return st.arp_maxpps !== 0;
  }
  st.arp_curpps++;
  return st.arp_maxpps < 0 || st.arp_curpps <= st.arp_maxpps;
}

// if_ether.c: ARP_LOG — remotely triggered messages, at most max_log_per_second of them.
function ARP_LOG(pri: number, msg: string): void {
  if (ppsratecheck(VNET(V_arp))) log(pri, `arp: ${msg}`);
}

/** libkern inet_ntoa: dotted quad of a host-order address. */
export function inet_ntoa(addr: number): string {
  return ipv4ToString(addr);
}

/** LLTABLE(ifp) for an interface ARP runs on, which always has its IPv4 table. */
function lltable_of(ifp: ifnet): lltable {
  const llt = LLTABLE(ifp);
  KASSERT(llt !== null, `${ifp.if_xname}: no IPv4 lltable`);
  return llt;
}

/**
 * struct sockaddr with sa_family AF_ARP and sa_len 2, what ARP hands to if_output. One frozen
 * object serves every packet: if_output only reads its destination.
 */
const arp_sockaddr: SockaddrRaw = Object.freeze({ sa_len: 2, sa_family: AF_ARP, sa_data: new Uint8Array(0) });

/**
 * An ARP header over a packet buffer, with if_arp.h's offsets (ar_sha at 8, then ar_spa,
 * ar_tha, ar_tpa by the header's own ar_hln and ar_pln). Network fields are big-endian, read
 * and written byte by byte: a DataView would give the small buffer an ArrayBuffer of its own.
 */
class arphdr {
  readonly b: Uint8Array;
  constructor(b: Uint8Array) {
    this.b = b;
  }
  get ar_hrd(): number {
    return getN16(this.b, 0);
  }
  get ar_pro(): number {
    return getN16(this.b, 2);
  }
  set ar_pro(x: number) {
    setN16(this.b, 2, x);
  }
  get ar_hln(): number {
    return this.b[4];
  }
  set ar_hln(x: number) {
    this.b[4] = x;
  }
  get ar_pln(): number {
    return this.b[5];
  }
  set ar_pln(x: number) {
    this.b[5] = x;
  }
  get ar_op(): number {
    return getN16(this.b, 6);
  }
  set ar_op(x: number) {
    setN16(this.b, 6, x);
  }
  // if_arp.h: ar_sha/ar_spa/ar_tha/ar_tpa
  get sha(): number {
    return ARPHDR_SIZE;
  }
  get spa(): number {
    return ARPHDR_SIZE + this.ar_hln;
  }
  get tha(): number {
    return ARPHDR_SIZE + this.ar_hln + this.ar_pln;
  }
  get tpa(): number {
    return ARPHDR_SIZE + 2 * this.ar_hln + this.ar_pln;
  }
  /** `n` bytes at `off`; bytes past the buffer read as zero (the kernel reads on into the mbuf). */
  bytes(off: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    out.set(this.b.subarray(off, off + n));
    return out;
  }
  /**
   * bcopy of `n` bytes from `from` to a later offset `to` in the packet. Being later, a target
   * that does not fit makes set() throw whether or not the source does, and one that fits has
   * its source inside the packet: bytes(from, n) would give the same bytes through a copy.
   */
  bcopy(from: number, to: number, n: number): void {
    this.b.set(this.b.subarray(from, from + n), to);
  }
  /** An IPv4 address at `off`, host order; bytes past the buffer read as zero, as in bytes(). */
  inaddr(off: number): number {
    return getN32(this.b, off);
  }
  /** Stores host-order `addr` at `off`, which callers keep inside the buffer. */
  setinaddr(off: number, addr: number): void {
    setN32(this.b, off, addr);
  }
}

// if_arp.h: arphdr_len2
export function arphdr_len2(ar_hln: number, ar_pln: number): number {
  return ARPHDR_SIZE + 2 * ar_hln + 2 * ar_pln;
}

/**
 * if_ether.c: arp_ifscrub — drops the interface-address entry for `addr` (host order) when
 * the address goes away (called from in_scrubprefix).
 */
export function arp_ifscrub(ifp: ifnet, addr: number): void {
  lla_lookup(lltable_of(ifp), LLE_DELETE | LLE_IFADDR, sockaddrIn(addr));
}

/**
 * if_ether.c: arptimer — an entry's timer ran out: resolved entries expire after max_age,
 * incomplete ones after `wait`. Static entries are left alone (and keep the timer's reference).
 */
function arptimer(lle: llentry): void {
  if (lle.la_flags & LLE_STATIC) return;
  // Rescheduled before it ran: the new schedule owns the reference.
  if (lle.la_timer.callout_pending()) return;
  const llt = lle.lle_tbl;
  KASSERT(llt !== null, "arptimer: entry without a table");
  const ifp = llt.llt_ifp;
  const saved = CURVNET_SET(ifp.if_vnet);

  if ((lle.la_flags & LLE_DELETED) === 0) {
    const evt = lle.la_flags & LLE_VALID ? LLENTRY_EXPIRED : LLENTRY_TIMEDOUT;
    EVENTHANDLER_INVOKE("lle_event", lle, evt);
  }
  lle.la_timer.callout_stop();

  if (lle.la_flags & LLE_LINKED) {
    LLE_REMREF(lle);
    ARPSTAT_ADD("dropped", llentry_free(lle));
  } else {
    LLE_FREE_LOCKED(lle);
  }
  ARPSTAT_INC("timeouts");
  CURVNET_RESTORE(saved);
}

/**
 * if_ether.c: arprequest — broadcasts a request for `tip` from `sip` and `enaddr`. Without
 * `sip` the source is the interface's address on tip's subnet, or failing that its last IPv4
 * address; without `enaddr` the interface's own. Addresses are host order.
 */
export function arprequest(ifp: ifnet, sip: number | null, tip: number, enaddr: Uint8Array | null): void {
  if (sip === null) {
    for (const ifa of ifp.if_addrhead) {
      if (!(ifa instanceof in_ifaddr)) continue;
      sip = IA_SIN(ifa).sin_addr;
      if (((sip ^ tip) & ifa.ia_sockmask.sin_addr) === 0) break;
    }
    if (sip === null) {
      printf("arprequest: cannot find matching address");
      return;
    }
  }
  const sha = enaddr ?? IF_LLADDR(ifp);

  const hln = ifp.if_addrlen;
  const data = new Uint8Array(arphdr_len2(hln, IN_ADDR_SIZE));
  const ah = new arphdr(data);
  ah.ar_pro = ETHERTYPE_IP;
  ah.ar_hln = hln;
  ah.ar_pln = IN_ADDR_SIZE;
  ah.ar_op = ARPOP_REQUEST;
  // bcopy(enaddr, ar_sha(ah), ah->ar_hln); a shorter enaddr leaves zeros, as set() would.
  bcopy(sha, data, ah.sha, hln);
  ah.setinaddr(ah.spa, sip);
  ah.setinaddr(ah.tpa, tip);
  const m = m_gethdr(data, M_BCAST);
  KASSERT(ifp.if_output !== null, `${ifp.if_xname}: no if_output`);
  ifp.if_output(ifp, m, arp_sockaddr, null);
  ARPSTAT_INC("txrequests");
}

export interface arpresolve_result {
  /** 0 with `desten` filled in; EWOULDBLOCK while the packet is held; else an errno. */
  error: number;
  /** The entry used (the C out-parameter), for ether_output's LLE_IFADDR check. */
  lle: llentry | null;
}

/**
 * if_ether.c: arpresolve — fills `desten` (the caller's buffer) with the link address of
 * next hop `dst` on `ifp`.
 * A miss creates an incomplete entry, holds `m` (up to maxhold packets, dropping the oldest)
 * and sends a request at most once a second; after maxtries requests the caller gets
 * EHOSTDOWN, or EHOSTUNREACH when `rt0` is a gateway route.
 */
export function arpresolve(
  ifp: ifnet,
  rt0: rtentry | null,
  m: Mbuf | null,
  dst: SockaddrIn,
  desten: Uint8Array,
): arpresolve_result {
  if (m !== null) {
    if (m.m_flags & M_BCAST) {
      KASSERT(ifp.if_broadcastaddr !== null, `${ifp.if_xname}: no broadcast address`);
      desten.set(ifp.if_broadcastaddr.subarray(0, ifp.if_addrlen));
      return { error: 0, lle: null };
    }
    if (m.m_flags & M_MCAST && ifp.if_type !== IFT_ARCNET) {
      desten.set(ETHER_MAP_IP_MULTICAST(dst.sin_addr));
      return { error: 0, lle: null };
    }
  }
  const st = VNET(V_arp);
  const llt = lltable_of(ifp);
  // time_uptime is read where the C reads it (it cannot move during the call).
  const clock = curvnet().clock;
  let flags = 0;
  let la: llentry;
  let renew: boolean;
  for (;;) {
    let found = lla_lookup(llt, flags, dst);
    if (
      found === null &&
      (flags & LLE_EXCLUSIVE) === 0 &&
      (ifp.if_flags & (IFF_NOARP | IFF_STATICARP)) === 0
    ) {
      flags |= LLE_CREATE | LLE_EXCLUSIVE;
      found = lla_lookup(llt, flags, dst);
    }
    if (found === null) {
      if (flags & LLE_CREATE)
        log(LOG_DEBUG, `arpresolve: can't allocate llinfo for ${inet_ntoa(dst.sin_addr)} on ${ifp.if_xname}`);
      return { error: EINVAL, lle: null };
    }
    KASSERT(found !== LLE_DELETED_PTR, "arpresolve: lookup without LLE_DELETE returned (void *)-1");
    la = found;

    if (la.la_flags & LLE_VALID && (la.la_flags & LLE_STATIC || la.la_expire > clock.time_uptime)) {
      desten.set(la.ll_addr.subarray(0, ifp.if_addrlen));
      // Expiry approaching: refresh within the preempt window, one request per call.
      renew = false;
      if (!(la.la_flags & LLE_STATIC) && clock.time_uptime + la.la_preempt > la.la_expire) {
        renew = true;
        la.la_preempt--;
      }
      if (renew) arprequest(ifp, null, dst.sin_addr, null);
      return { error: 0, lle: la };
    }

    if (la.la_flags & LLE_STATIC) {
      log(LOG_DEBUG, `arpresolve: ouch, empty static llinfo for ${inet_ntoa(dst.sin_addr)}`);
      return { error: EINVAL, lle: null };
    }

    renew = la.la_asked === 0 || la.la_expire !== clock.time_uptime;
    if ((renew || m !== null) && (flags & LLE_EXCLUSIVE) === 0) {
      flags |= LLE_EXCLUSIVE;
      continue;
    }
    break;
  }

  if (m !== null) {
    if (la.la_numheld >= st.arp_maxhold && la.la_hold.length > 0) {
      la.la_hold.shift();
      la.la_numheld--;
      ARPSTAT_INC("dropped");
    }
    la.la_hold.push(m);
    la.la_numheld++;
  }

  const error =
    la.la_asked < st.arp_maxtries
      ? EWOULDBLOCK
      : rt0 !== null && rt0.rt_flags & RTF_GATEWAY
        ? EHOSTUNREACH
        : EHOSTDOWN;

  if (renew) {
    LLE_ADDREF(la);
    la.la_expire = clock.time_uptime;
    const entry = la;
    if (la.la_timer.callout_reset(clock.hz * st.arpt_down, () => arptimer(entry))) LLE_REMREF(la);
    la.la_asked++;
    arprequest(ifp, null, dst.sin_addr, null);
  }
  return { error, lle: null };
}

/**
 * if_ether.c: arpintr — the netisr handler: length and hardware-format checks common to all
 * protocols, then in_arpinput for IPv4. `m.data` starts at the ARP header.
 */
export function arpintr(m: Mbuf): void {
  if (m.data.length < ARPHDR_SIZE) {
    log(LOG_NOTICE, "arp: runt packet -- m_pullup failed");
    return;
  }
  const ar = new arphdr(m.data);
  const hrd = ar.ar_hrd;
  if (
    hrd !== ARPHRD_ETHER &&
    hrd !== ARPHRD_IEEE802 &&
    hrd !== ARPHRD_ARCNET &&
    hrd !== ARPHRD_IEEE1394 &&
    hrd !== ARPHRD_INFINIBAND
  ) {
    // The addresses are printed as 6 bytes each at ar_sha and ar_tha, whatever ar_hln says.
    log(
      LOG_NOTICE,
      `arp: unknown hardware address format (0x${hexBytes(ar.bytes(0, 2), "")}) ` +
        `(from ${hexBytes(ar.bytes(ar.sha, 6), ":")} to ${hexBytes(ar.bytes(ar.tha, 6), ":")})`,
    );
    return;
  }
  if (m.data.length < arphdr_len2(ar.ar_hln, ar.ar_pln)) {
    log(LOG_NOTICE, "arp: runt packet");
    return;
  }
  ARPSTAT_INC("received");
  if (ar.ar_pro === ETHERTYPE_IP) in_arpinput(m);
}

/** macEquals(a, b.subarray(0, a.length)) without the subarray: `b` begins with the bytes of `a`. */
function lladdr_starts(b: Uint8Array, a: Uint8Array): boolean {
  if (b.length < a.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// in_arpinput's `match`: which of our addresses the packet is about (no bridges or CARP here).
function arp_match_ia(ifp: ifnet, itaddr: number, isaddr: number): in_ifaddr | null {
  const v = curvnet();
  const ia = ia_hashed(v, ifp, itaddr) ?? ia_hashed(v, ifp, isaddr);
  if (ia !== null) return ia;
  // No match: the first IPv4 address on the receiving interface stands in.
  for (const ifa of ifp.if_addrhead) if (ifa instanceof in_ifaddr) return ifa;
  return null;
}

/** LIST_FOREACH(ia, INADDRHASH(addr)): the address `addr` of `ifp`, if it has it. */
function ia_hashed(v: vnet, ifp: ifnet, addr: number): in_ifaddr | null {
  for (const ia of INADDR_HASH(v, addr)) if (ia.ia_ifp === ifp && ia.ia_addr.sin_addr === addr) return ia;
  return null;
}

/**
 * if_ether.c: in_arpinput — RFC 826 for IPv4: validates the packet, warns about duplicate
 * addresses, creates or updates the sender's entry (only creating it when the packet is for
 * one of our addresses), sends the held packets, and answers requests for our addresses and
 * for published entries (or any routable address with proxyall).
 */
export function in_arpinput(m: Mbuf): void {
  const ifp = m.rcvif;
  KASSERT(ifp !== null, "in_arpinput: no receiving interface");
  const st = VNET(V_arp);

  const req_len = arphdr_len2(ifp.if_addrlen, IN_ADDR_SIZE);
  if (m.data.length < req_len) {
    ARP_LOG(LOG_NOTICE, "runt packet -- m_pullup failed");
    return;
  }
  const ah = new arphdr(m.data);
  if (ah.ar_pln !== IN_ADDR_SIZE) {
    ARP_LOG(LOG_NOTICE, `requested protocol length != ${IN_ADDR_SIZE}`);
    return;
  }
  // ar_sha(ah), if_addrlen bytes: inside the packet, which req_len covers.
  const sha = ah.b.subarray(ah.sha, ah.sha + ifp.if_addrlen);
  if (st.allow_multicast === 0 && ah.b[ah.sha] & 0x01) {
    ARP_LOG(LOG_NOTICE, `${hexBytes(sha, ":")} is multicast`);
    return;
  }

  const op = ah.ar_op;
  const isaddr = ah.inaddr(ah.spa);
  let itaddr = ah.inaddr(ah.tpa);
  if (op === ARPOP_REPLY) ARPSTAT_INC("rxreplies");

  const ia = arp_match_ia(ifp, itaddr, isaddr);
  if (ia === null) return;
  const enaddr = IF_LLADDR(ifp);
  const myaddr = ia.ia_addr.sin_addr;

  if (macEquals(sha, enaddr)) return; // our own packet looped back
  KASSERT(ifp.if_broadcastaddr !== null, "in_arpinput: interface has no broadcast address");
  if (lladdr_starts(ifp.if_broadcastaddr, sha)) {
    ARP_LOG(LOG_NOTICE, `link address is broadcast for IP address ${inet_ntoa(isaddr)}!`);
    return;
  }

  let reply = false;
  // 0.0.0.0 as sender is DHCP's probe, not a conflict.
  if (isaddr === myaddr && myaddr !== 0) {
    ARP_LOG(LOG_ERR, `${hexBytes(sha, ":")} is using my IP address ${inet_ntoa(isaddr)} on ${ifp.if_xname}!`);
    itaddr = myaddr;
    ARPSTAT_INC("dupips");
    reply = true;
  } else if (ifp.if_flags & IFF_STATICARP) {
    reply = true;
  }

  if (!reply) {
    const flags = (itaddr === myaddr ? LLE_CREATE : 0) | LLE_EXCLUSIVE;
    const la = lla_lookup(lltable_of(ifp), flags, sockaddrIn(isaddr));
    KASSERT(la !== LLE_DELETED_PTR, "in_arpinput: lookup without LLE_DELETE returned (void *)-1");
    if (la !== null && !arp_update_entry(ifp, ah, sha, la, isaddr)) return;
  }

  // reply:
  if (op !== ARPOP_REQUEST) return;
  ARPSTAT_INC("rxrequests");

  const hln = ah.ar_hln;
  if (itaddr === myaddr) {
    // The receiving interface is the target.
    ah.bcopy(ah.sha, ah.tha, hln);
    m.data.set(enaddr.subarray(0, hln), ah.sha);
  } else {
    const lle = lla_lookup(lltable_of(ifp), 0, sockaddrIn(itaddr));
    KASSERT(lle !== LLE_DELETED_PTR, "in_arpinput: lookup without LLE_DELETE returned (void *)-1");
    if (lle !== null && lle.la_flags & LLE_PUB) {
      ah.bcopy(ah.sha, ah.tha, hln);
      m.data.set(lle.ll_addr.subarray(0, hln), ah.sha);
    } else {
      if (!st.arp_proxyall) return;
      // Never proxy for hosts on the interface the request came from.
      let rt = rtalloc1(sockaddrIn(itaddr), 0, 0);
      if (rt === null) return;
      if (rt.rt_ifp === ifp) {
        RTFREE(rt);
        return;
      }
      RTFREE(rt);
      ah.bcopy(ah.sha, ah.tha, hln);
      m.data.set(enaddr.subarray(0, hln), ah.sha);
      // And only for requesters on the interface we expect them on.
      rt = rtalloc1(sockaddrIn(isaddr), 0, 0);
      if (rt === null) return;
      if (rt.rt_ifp !== ifp) {
        ARP_LOG(
          LOG_INFO,
          `proxy: ignoring request from ${inet_ntoa(isaddr)} via ${ifp.if_xname}, expecting ${rt.rt_ifp.if_xname}`,
        );
        RTFREE(rt);
        return;
      }
      RTFREE(rt);
    }
  }

  // RFC 3927 link-local targets are answered by broadcast, everything else unicast.
  if (itaddr === myaddr && (itaddr & 0xffff0000) >>> 0 === 0xa9fe0000) {
    m.m_flags |= M_BCAST;
    m.m_flags &= ~M_MCAST;
  } else {
    m.m_flags &= ~(M_BCAST | M_MCAST);
  }
  ah.bcopy(ah.spa, ah.tpa, ah.ar_pln);
  ah.setinaddr(ah.spa, itaddr);
  ah.ar_op = ARPOP_REPLY;
  ah.ar_pro = ETHERTYPE_IP;
  // m_len: the reply is the header and its four addresses, in the buffer it arrived in.
  m.data = m.data.subarray(0, ARPHDR_SIZE + 2 * ah.ar_pln + 2 * ah.ar_hln);
  m.rcvif = null;
  KASSERT(ifp.if_output !== null, `${ifp.if_xname}: no if_output`);
  ifp.if_output(ifp, m, arp_sockaddr, null);
  ARPSTAT_INC("txreplies");
}

/**
 * in_arpinput's update of the sender's entry from `sha`, the packet's ar_sha. Returns false when
 * the packet is to be dropped, true to go on to the reply step.
 */
function arp_update_entry(ifp: ifnet, ah: arphdr, sha: Uint8Array, la: llentry, isaddr: number): boolean {
  const st = VNET(V_arp);
  const llt = la.lle_tbl;
  KASSERT(llt !== null, "in_arpinput: entry without a table");
  if (llt.llt_ifp !== ifp) {
    if (st.log_arp_wrong_iface)
      ARP_LOG(
        LOG_WARNING,
        `${inet_ntoa(isaddr)} is on ${llt.llt_ifp.if_xname} but got reply from ${hexBytes(sha, ":")} on ${ifp.if_xname}`,
      );
    return true;
  }
  const cached = la.ll_addr.subarray(0, ifp.if_addrlen);
  if (la.la_flags & LLE_VALID && !macEquals(sha, cached)) {
    if (la.la_flags & LLE_STATIC) {
      if (st.log_arp_permanent_modify)
        ARP_LOG(
          LOG_ERR,
          `${hexBytes(sha, ":")} attempts to modify permanent entry for ${inet_ntoa(isaddr)} on ${ifp.if_xname}`,
        );
      return true;
    }
    if (st.log_arp_movements)
      ARP_LOG(
        LOG_INFO,
        `${inet_ntoa(isaddr)} moved from ${hexBytes(cached, ":")} to ${hexBytes(sha, ":")} on ${ifp.if_xname}`,
      );
  }
  if (ifp.if_addrlen !== ah.ar_hln) {
    ARP_LOG(
      LOG_WARNING,
      `from ${hexBytes(sha, ":")}: addr len: new ${ah.ar_hln}, i/f ${ifp.if_addrlen} (ignored)`,
    );
    return false;
  }
  la.ll_addr.set(sha);
  la.la_flags |= LLE_VALID;
  EVENTHANDLER_INVOKE("lle_event", la, LLENTRY_RESOLVED);

  const clock = curvnet().clock;
  if (!(la.la_flags & LLE_STATIC)) {
    LLE_ADDREF(la);
    la.la_expire = clock.time_uptime + st.arpt_keep;
    const entry = la;
    if (la.la_timer.callout_reset(clock.hz * st.arpt_keep, () => arptimer(entry))) LLE_REMREF(la);
  }
  la.la_asked = 0;
  la.la_preempt = st.arp_maxtries;

  // The held packets go out now, each to the entry's address.
  if (la.la_hold.length > 0) {
    const held = la.la_hold.splice(0);
    la.la_numheld = 0;
    const sa = { ...la.l3_addr };
    KASSERT(ifp.if_output !== null, `${ifp.if_xname}: no if_output`);
    for (const m_hold of held) ifp.if_output(ifp, m_hold, sa, null);
  }
  return true;
}

/** The address's GARP timer state, made on first use (FreeBSD embeds it in struct in_ifaddr). */
function garp_of(ia: in_ifaddr): garp_state {
  const all = VNET(V_arp).garp;
  let g = all.get(ia);
  if (g === undefined) {
    g = { ia_garp_timer: new Callout(curvnet().clock), ia_garp_count: 0 };
    all.set(ia, g);
  }
  return g;
}

/**
 * if_ether.c: garp_rexmit — on the kernel the twin models, it never gets past its first
 * IFA_UNLOCK (if_ether.c:990 or 998). 10.4's garp_rexmit expects softclock to have taken ifa_mtx
 * for it: 10.4's in.c:420 sets the callout up with callout_init_mtx(&ia->ia_garp_timer,
 * &ifa->ifa_mtx, CALLOUT_RETURNUNLOCKED). The seed's in_aifaddr_ioctl fills in the new address
 * without that line (seed in.c:359-367), so ia_garp_timer stays the zeroed memory of ifa_alloc
 * and runs without a lock, and garp_rexmit unlocks a mutex nobody holds: a page fault in
 * __mtx_unlock_sleep on the first retransmission, one second after the gratuitous ARP.
 */
function garp_rexmit(): never {
  throw new KernelPanic(
    "page fault in __mtx_unlock_sleep from garp_rexmit: 10.4 if_ether.c:990/998 IFA_UNLOCK of an ifa_mtx softclock never took, because the seed's in_aifaddr_ioctl never callout_init_mtx'd ia_garp_timer (10.4 in.c:420 does)",
  );
}

// if_ether.c: garp_timer_start — the first retransmission one second after the address's GARP.
function garp_timer_start(ia: in_ifaddr): void {
  const g = garp_of(ia);
  g.ia_garp_count = 0;
  if (g.ia_garp_timer.callout_reset((1 << g.ia_garp_count) * curvnet().clock.hz, garp_rexmit) === 0)
    ifa_ref(ia);
}

/** Addresses a pending GARP retransmission holds a reference on (for the Kernel's ifa audit). */
export function garp_holders(): in_ifaddr[] {
  // A plain walk: the Kernel's self-check asks after every op of a run, and the map is mostly empty.
  const holders: in_ifaddr[] = [];
  for (const [ia, g] of VNET(V_arp).garp) if (g.ia_garp_timer.callout_pending()) holders.push(ia);
  return holders;
}

/**
 * if_ether.c: arp_ifinit — on an address added to an Ethernet interface: a gratuitous ARP,
 * and the static LLE_IFADDR entry that makes `arp -a` list our own address as permanent.
 */
export function arp_ifinit(ifp: ifnet, ifa: ifaddr): void {
  if (ifa.ifa_carp !== null) return;
  KASSERT(ifa instanceof in_ifaddr, "arp_ifinit: not an IPv4 address");
  const addr = IA_SIN(ifa).sin_addr;
  if (addr !== 0) {
    arprequest(ifp, addr, addr, IF_LLADDR(ifp));
    if (VNET(V_arp).garp_rexmit_count > 0) garp_timer_start(ifa);
    const lle = lla_lookup(lltable_of(ifp), LLE_CREATE | LLE_IFADDR | LLE_STATIC, IA_SIN(ifa));
    if (lle === null) log(LOG_INFO, "arp_ifinit: cannot create arp entry for interface address");
  }
  ifa.ifa_rtrequest = null;
}

/** if_ether.c: arp_ifinit2 — a gratuitous ARP from `enaddr` (a driver changing its address). */
export function arp_ifinit2(ifp: ifnet, ifa: ifaddr, enaddr: Uint8Array): void {
  KASSERT(ifa instanceof in_ifaddr, "arp_ifinit2: not an IPv4 address");
  const addr = IA_SIN(ifa).sin_addr;
  if (addr !== 0) arprequest(ifp, addr, addr, enaddr);
  ifa.ifa_rtrequest = null;
}
