// Link-layer address tables (10.4 sys/net/if_llatbl.h, if_llatbl.c; the pre-2015 design the
// seed's in_lltable_* functions are written against): one hashed table per interface and
// address family, entries with reference counts, and the routing-socket and sysctl entry
// points that `arp -s`, `arp -d` and `arp -a` reach.

import { EAFNOSUPPORT, EINVAL } from "../../abi/errno.ts";
import { ipv4ToString } from "../../abi/in.ts";
import type { RtMsghdr } from "../../abi/rtmsg.ts";
import { RTAX_DST, RTAX_GATEWAY, RTF_PROTO2, RTM_ADD, RTM_CHANGE, RTM_DELETE } from "../../abi/route_defs.ts";
import {
  AF_INET,
  AF_INET6,
  AF_LINK,
  isSockaddrDl,
  isSockaddrIn,
  sockaddrFamily,
  type SockaddrDl,
  type SockaddrIn,
} from "../../abi/socket.ts";
import type { Callout } from "../kern/clock.ts";
import { InvariantError, KASSERT, KernelPanic } from "../kern/invariant.ts";
import type { Mbuf } from "../kern/mbuf.ts";
import type { SysctlReq } from "../kern/sysctl.ts";
import { log, LOG_INFO } from "../kern/syslog.ts";
import { arprequest } from "../netinet/if_ether.ts";
import { ifnet_byindex } from "./if.ts";
import type { ifnet } from "./if_var.ts";
import type { rt_addrinfo } from "./route.ts";
import { VNET, VNET_DEFINE } from "./vnet.ts";
import { list_remove_at } from "../sys/queue.ts";

// route.h: RTF_ANNOUNCE is RTF_PROTO2 ("announce new ARP entry"), what `arp -s ... pub` sets.
const RTF_ANNOUNCE = RTF_PROTO2;

// if_llatbl.h: hash table geometry
export const LLTBL_HASHTBL_SIZE = 32;
export const LLTBL_HASHMASK = LLTBL_HASHTBL_SIZE - 1;

// if_llatbl.h: la_flags bits and lla_lookup flags (one namespace in 10.4).
export const LLE_DELETED = 0x0001; // entry must be deleted
export const LLE_STATIC = 0x0002; // entry is static
export const LLE_IFADDR = 0x0004; // entry is an interface address
export const LLE_VALID = 0x0008; // ll_addr is valid
export const LLE_PUB = 0x0020; // published (answered for by proxy)
export const LLE_LINKED = 0x0040; // on a hash chain
export const LLE_EXCLUSIVE = 0x2000; // return the entry write-locked
export const LLE_DELETE = 0x4000; // delete on lookup (IFADDR entries only with LLE_IFADDR)
export const LLE_CREATE = 0x8000; // create on a lookup miss

/** sizeof(ll_addr): the union's mac8[20] ("IB needs 20 bytes"). */
export const LL_ADDR_SIZE = 20;

/** The `(void *)-1` in_lltable_lookup returns after an LLE_DELETE lookup found the entry. */
export const LLE_DELETED_PTR: unique symbol = Symbol("(void *)-1");

export type lla_lookup_result = llentry | null | typeof LLE_DELETED_PTR;

// if_llatbl.h: struct llentry (the IPv4 l3_addr4 of the seed's struct in_llentry folded in).
export interface llentry {
  /** The table it belongs to; null until in_lltable_lookup links it. */
  lle_tbl: lltable | null;
  /** The hash chain it is on (newest first); null until linked. */
  lle_head: llentry[] | null;
  lle_free: (llt: lltable | null, lle: llentry) => void;
  /** Held packets, oldest first (the m_nextpkt chain). */
  la_hold: Mbuf[];
  la_numheld: number;
  /** time_uptime at which the entry expires; 0 for static entries. */
  la_expire: number;
  la_flags: number;
  la_asked: number;
  la_preempt: number;
  lle_refcnt: number;
  ll_addr: Uint8Array;
  la_timer: Callout;
  l3_addr: SockaddrIn;
  /** Twin only: set once lle_free ran, so later use is caught as use after free. */
  lle_freed: boolean;
}

export type llt_prefix_free_t = (llt: lltable, prefix: SockaddrIn, mask: SockaddrIn, flags: number) => void;
export type llt_lookup_t = (llt: lltable, flags: number, l3addr: SockaddrIn) => lla_lookup_result;
export type llt_dump_t = (llt: lltable, wr: SysctlReq) => number;

// if_llatbl.h: struct lltable
export interface lltable {
  /** LLTBL_HASHTBL_SIZE chains, each newest first (LIST_INSERT_HEAD). */
  readonly lle_head: llentry[][];
  /** Twin bookkeeping: entries on the chains, so a walk of an empty table can be skipped. */
  llt_entries: number;
  llt_af: number;
  llt_ifp: ifnet;
  llt_prefix_free: llt_prefix_free_t;
  llt_lookup: llt_lookup_t;
  llt_dump: llt_dump_t;
}

declare module "../kern/eventhandler.ts" {
  interface EventHandlerMap {
    // if_llatbl.h: lle_event (kinds LLENTRY_* in kern/eventhandler.ts)
    lle_event: (lle: llentry, evt: number) => void;
  }
}

/** V_lltables: every table of the VNET, newest first (SLIST_INSERT_HEAD in lltable_init). */
const V_lltables = VNET_DEFINE("lltables", (): lltable[] => []);

/** Entries llentry_free unlinked while references remained (freed by the last LLE_FREE). */
const V_lle_unlinked = VNET_DEFINE("lle_unlinked", (): Set<llentry> => new Set());

/** The VNET's tables, newest first, as lltable_sysctl_dumparp walks them. */
export function lltables(): readonly lltable[] {
  return VNET(V_lltables);
}

/**
 * if_llatbl.h: LLATBL_HASH. `key` is s_addr as it sits in memory on amd64 (the network-order
 * bytes read little-endian), which is what in_lltable_lookup hashes; see in_addr_memory.
 */
export function LLATBL_HASH(key: number, mask: number): number {
  const k = key >>> 0;
  return ((((((k >>> 8) ^ k) >>> 8) ^ k) >>> 8) ^ k) & mask;
}

/** The value of a network-order in_addr_t loaded on little-endian amd64, from a host-order address. */
export function in_addr_memory(hostOrder: number): number {
  const a = hostOrder >>> 0;
  return (((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >>> 8) & 0xff00) | (a >>> 24)) >>> 0;
}

// if_llatbl.h: LLE_IS_VALID
export function LLE_IS_VALID(lle: lla_lookup_result): lle is llentry {
  return lle !== null && lle !== LLE_DELETED_PTR;
}

// if_llatbl.h: lla_lookup
export function lla_lookup(llt: lltable, flags: number, l3addr: SockaddrIn): lla_lookup_result {
  return llt.llt_lookup(llt, flags, l3addr);
}

function assertLive(lle: llentry, what: string): void {
  if (lle.lle_freed) throw new InvariantError(`${what}: llentry ${describe(lle)} used after free`);
}

/** KASSERT about `lle`: the message, naming the entry, is only built when `cond` fails. */
function LLE_KASSERT(cond: boolean, lle: llentry, what: string): asserts cond {
  if (!cond) throw new InvariantError(`${what}: lle ${describe(lle)}, lle_refcnt ${lle.lle_refcnt}`);
}

function describe(lle: llentry): string {
  return ipv4ToString(lle.l3_addr.sin_addr);
}

// if_llatbl.h: LLE_ADDREF
export function LLE_ADDREF(lle: llentry): void {
  assertLive(lle, "LLE_ADDREF");
  LLE_KASSERT(lle.lle_refcnt >= 0, lle, "LLE_ADDREF: negative refcnt");
  lle.lle_refcnt++;
}

// if_llatbl.h: LLE_REMREF
export function LLE_REMREF(lle: llentry): void {
  assertLive(lle, "LLE_REMREF");
  LLE_KASSERT(lle.lle_refcnt > 0, lle, "LLE_REMREF: bogus refcnt");
  lle.lle_refcnt--;
}

// if_llatbl.h: LLE_FREE_LOCKED — the last reference frees, any other is dropped.
export function LLE_FREE_LOCKED(lle: llentry): void {
  assertLive(lle, "LLE_FREE_LOCKED");
  if (lle.lle_refcnt === 1) {
    lle.lle_free(lle.lle_tbl, lle);
    lle.lle_freed = true;
    VNET(V_lle_unlinked).delete(lle);
  } else {
    LLE_REMREF(lle);
  }
}

// if_llatbl.h: LLE_FREE (the lock it takes first is not modelled)
export function LLE_FREE(lle: llentry): void {
  LLE_FREE_LOCKED(lle);
}

/**
 * if_llatbl.c: llentry_free — unlinks the entry, drops its held packets and releases the
 * table's reference. Returns how many held packets were dropped.
 */
export function llentry_free(lle: llentry): number {
  assertLive(lle, "llentry_free");
  const chain = lle.lle_head;
  const i = chain === null ? -1 : chain.indexOf(lle);
  LLE_KASSERT(chain !== null && i >= 0, lle, "llentry_free: not on its hash chain");
  list_remove_at(chain, i);
  if (lle.lle_tbl !== null) lle.lle_tbl.llt_entries--;
  lle.la_flags &= ~(LLE_VALID | LLE_LINKED);

  let pkts_dropped = 0;
  while (lle.la_numheld > 0 && lle.la_hold.length > 0) {
    lle.la_hold.shift();
    lle.la_numheld--;
    pkts_dropped++;
  }
  LLE_KASSERT(lle.la_numheld === 0, lle, "llentry_free: la_numheld > 0 with no packet held");

  if (lle.lle_refcnt > 1) VNET(V_lle_unlinked).add(lle);
  LLE_FREE_LOCKED(lle);
  return pkts_dropped;
}

function unset(what: string): never {
  throw new InvariantError(`lltable: ${what} called before the domain attached its methods`);
}

/** if_llatbl.c: lltable_init — an empty table, linked first on the VNET's list. */
export function lltable_init(ifp: ifnet, af: number): lltable {
  // LIST_INIT of each chain, in a plain loop: Array.from over an array-like costs a fresh Kernel
  // more than the rest of the table.
  const lle_head: llentry[][] = [];
  for (let i = 0; i < LLTBL_HASHTBL_SIZE; i++) lle_head.push([]);
  const llt: lltable = {
    lle_head,
    llt_entries: 0,
    llt_af: af,
    llt_ifp: ifp,
    llt_prefix_free: () => unset("llt_prefix_free"),
    llt_lookup: () => unset("llt_lookup"),
    llt_dump: () => unset("llt_dump"),
  };
  VNET(V_lltables).unshift(llt);
  return llt;
}

/** if_llatbl.c: lltable_free — frees every entry (cancelling timers), then the table. */
export function lltable_free(llt: lltable): void {
  const tables = VNET(V_lltables);
  const i = tables.indexOf(llt);
  KASSERT(i >= 0, "lltable_free: table not on V_lltables");
  tables.splice(i, 1);
  for (const chain of llt.lle_head) {
    // LIST_FOREACH_SAFE: llentry_free always unlinks the entry, so the next one is at the head.
    while (chain.length > 0) {
      const lle = chain[0];
      if (lle.la_timer.callout_stop()) LLE_REMREF(lle);
      llentry_free(lle);
    }
  }
}

/** if_llatbl.c: lltable_prefix_free — hands the prefix to every table of family `af`. */
export function lltable_prefix_free(af: number, prefix: SockaddrIn, mask: SockaddrIn, flags: number): void {
  // SLIST_FOREACH: llt_prefix_free frees entries, never tables.
  for (const llt of VNET(V_lltables)) {
    if (llt.llt_af !== af) continue;
    llt.llt_prefix_free(llt, prefix, mask, flags);
  }
}

/** if_llatbl.c: lltable_sysctl_dumparp — every table of family `af`, newest table first. */
export function lltable_sysctl_dumparp(af: number, wr: SysctlReq): number {
  for (const llt of VNET(V_lltables)) {
    if (llt.llt_af !== af) continue;
    const error = llt.llt_dump(llt, wr);
    if (error !== 0) return error;
  }
  return 0;
}

/**
 * The link-level address bytes lla_rt_output copies: `len` bytes from LLADDR(dl), whatever
 * sdl_alen says (bcopy with the interface's if_addrlen). Bytes past the sockaddr read as zero
 * here; the kernel reads whatever follows it in the message.
 */
function lladdrBytes(dl: SockaddrDl, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(dl.sdl_data.subarray(dl.sdl_nlen, dl.sdl_nlen + len));
  return out;
}

/**
 * if_llatbl.c: lla_rt_output — route_output hands over RTM_ADD/RTM_DELETE/RTM_CHANGE carrying
 * RTF_LLDATA and an AF_LINK gateway (what arp(8) sends for -s and -d).
 */
export function lla_rt_output(rtm: RtMsghdr, info: rt_addrinfo): number {
  const dl = info.rti_info[RTAX_GATEWAY];
  const dst = info.rti_info[RTAX_DST];
  KASSERT(
    dl !== null && dl !== undefined && isSockaddrDl(dl) && dl.sdl_family === AF_LINK,
    "lla_rt_output: invalid dl",
  );
  KASSERT(dst !== null && dst !== undefined, "lla_rt_output: no destination");

  const ifp = ifnet_byindex(dl.sdl_index);
  if (ifp === null) {
    log(LOG_INFO, `lla_rt_output: invalid ifp (sdl_index ${dl.sdl_index})`);
    return EINVAL;
  }

  let flags = 0;
  switch (rtm.rtm_type) {
    case RTM_ADD:
      if (rtm.rtm_flags & RTF_ANNOUNCE) flags |= LLE_PUB;
      flags |= LLE_CREATE;
      break;
    case RTM_DELETE:
      flags |= LLE_DELETE;
      break;
    case RTM_CHANGE:
      break;
    default:
      return EINVAL;
  }

  const af = sockaddrFamily(dst);
  const llt = VNET(V_lltables).find((t) => t.llt_af === af && t.llt_ifp === ifp);
  if (llt === undefined) {
    // 10.4 would find the interface's inet6 table; the twin keeps no other family's tables.
    if (af === AF_INET6) return EAFNOSUPPORT;
    // 10.4 KASSERTs llt != NULL ("Yep, ugly hacks are bad"), and without INVARIANTS calls
    // lla_lookup through the NULL table: either way the machine goes down.
    throw new KernelPanic(
      `lla_rt_output: no lltable for family ${af} on ${ifp.if_xname} ` +
        "(10.4 sys/net/if_llatbl.c lla_rt_output: KASSERT(llt != NULL), then lla_lookup(llt, ...))",
    );
  }
  KASSERT(isSockaddrIn(dst), "lla_rt_output: an AF_INET table's destination is not a sockaddr_in");

  if (flags & LLE_CREATE) flags |= LLE_EXCLUSIVE;
  const lle = lla_lookup(llt, flags, dst);
  if (LLE_IS_VALID(lle)) {
    if (flags & LLE_CREATE) {
      // A delayed delete left the entry in place: re-adding revives it.
      lle.ll_addr.set(lladdrBytes(dl, ifp.if_addrlen));
      lle.la_flags |= flags & LLE_PUB;
      lle.la_flags |= LLE_VALID;
      lle.la_flags &= ~LLE_DELETED;
      if (rtm.rtm_rmx.rmx_expire === 0n) {
        lle.la_flags |= LLE_STATIC;
        lle.la_expire = 0;
      } else {
        // time_t la_expire = u_long rmx_expire: the same 64 bits, signed (the twin's number
        // rounds past 2^53).
        lle.la_expire = Number(BigInt.asIntN(64, rtm.rtm_rmx.rmx_expire));
      }
      // Gratuitous ARP for a published entry.
      if (lle.la_flags & LLE_PUB && dst.sin_family === AF_INET)
        arprequest(ifp, dst.sin_addr, dst.sin_addr, lladdrBytes(dl, ifp.if_addrlen));
    }
  } else if (lle === null && flags & LLE_DELETE) {
    return EINVAL;
  }
  return 0;
}

/**
 * Twin-only reference audit of the current VNET: every linked entry holds exactly the table's
 * reference plus one for a pending timer, and no unlinked entry lingers without a pending timer
 * to free it. Returns one line per imbalance (empty when balanced).
 */
export function lltable_refcheck(): string[] {
  const problems: string[] = [];
  for (const llt of VNET(V_lltables)) {
    let linked = 0;
    for (const chain of llt.lle_head) linked += chain.length;
    if (linked !== llt.llt_entries)
      problems.push(`${llt.llt_ifp.if_xname}: ${linked} entries linked, llt_entries ${llt.llt_entries}`);
    for (const chain of llt.lle_head) {
      for (const lle of chain) {
        const want = 1 + (lle.la_timer.callout_pending() ? 1 : 0);
        if (lle.lle_refcnt !== want)
          problems.push(
            `${llt.llt_ifp.if_xname} ${describe(lle)}: lle_refcnt ${lle.lle_refcnt}, expected ${want}`,
          );
      }
    }
  }
  for (const lle of VNET(V_lle_unlinked)) {
    if (!(lle.lle_refcnt === 1 && lle.la_timer.callout_pending()))
      problems.push(`unlinked ${describe(lle)}: lle_refcnt ${lle.lle_refcnt} and no timer to release it`);
  }
  return problems;
}
