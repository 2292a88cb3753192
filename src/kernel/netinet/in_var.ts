// IPv4 per-interface and per-VNET address bookkeeping (the seed era's sys/netinet/in_var.h):
// in_ifinfo hung off if_afdata[AF_INET], the V_in_ifaddrhead list and the INADDR_HASH buckets.
// The lists themselves live on the vnet record (net/vnet.ts); this module owns their order.

import { AF_INET, type SockaddrIn } from "../../abi/socket.ts";
import { KASSERT } from "../kern/invariant.ts";
import type { lltable } from "../net/if_llatbl.ts";
import type { ifnet, in_ifaddr } from "../net/if_var.ts";
import type { vnet } from "../net/vnet.ts";
import type { igmp_ifinfo } from "./igmp.ts";
import type { in_multi } from "./in_mcast.ts";
import { list_remove } from "../sys/queue.ts";

// in_var.h: struct in_ifinfo
export interface in_ifinfo {
  /** ARP state. */
  ii_llt: lltable | null;
  /** IGMP state. */
  ii_igmp: igmp_ifinfo | null;
  /** 224.0.0.1 membership, joined with the first address. */
  ii_allhosts: in_multi | null;
}

// in_var.h: IA_SIN
export function IA_SIN(ia: in_ifaddr): SockaddrIn {
  return ia.ia_addr;
}

// in_var.h: LLTABLE
export function LLTABLE(ifp: ifnet): lltable | null {
  const ii = ifp.if_afdata[AF_INET];
  KASSERT(ii !== null, "LLTABLE: interface has no AF_INET afdata");
  return ii.ii_llt;
}

// in_var.h: INADDR_NHASH_LOG2 / INADDR_NHASH. ip_input.c ip_init sizes the table with
// hashinit(INADDR_NHASH), which rounds down to a power of two: 512 buckets, mask 511
// (10.4 sys/kern/subr_hash.c hashinit).
const INADDR_NHASH = 1 << 9;
const in_ifaddrhmask = INADDR_NHASH - 1;

// sys/fnv_hash.h: FNV1_32_INIT, FNV_32_PRIME
const FNV1_32_INIT = 0x811c9dc5;
const FNV_32_PRIME = 0x01000193;

/**
 * in_var.h: INADDR_HASHVAL — fnv_32_buf over the four bytes of s_addr as they sit in memory,
 * i.e. network order, most significant byte of the host-order value first.
 */
export function INADDR_HASHVAL(addr: number): number {
  // FNV-1: multiply, then xor in the next byte; Math.imul keeps the low 32 bits.
  let hval = Math.imul(FNV1_32_INIT, FNV_32_PRIME) ^ (addr >>> 24);
  hval = Math.imul(hval, FNV_32_PRIME) ^ ((addr >>> 16) & 0xff);
  hval = Math.imul(hval, FNV_32_PRIME) ^ ((addr >>> 8) & 0xff);
  hval = Math.imul(hval, FNV_32_PRIME) ^ (addr & 0xff);
  return hval >>> 0;
}

/** in_var.h: INADDR_HASH — the bucket (newest first) that `addr` (host order) hashes to. */
export function INADDR_HASH(v: vnet, addr: number): in_ifaddr[] {
  const b = INADDR_HASHVAL(addr) & in_ifaddrhmask;
  let bucket = v.in_ifaddrhashtbl[b];
  if (bucket === undefined) {
    bucket = [];
    v.in_ifaddrhashtbl[b] = bucket;
  }
  return bucket;
}

/** TAILQ_INSERT_TAIL(&V_in_ifaddrhead) and LIST_INSERT_HEAD(INADDR_HASH(ia_addr)). */
export function in_ifaddr_link(v: vnet, ia: in_ifaddr): void {
  KASSERT(!v.in_ifaddrhead.includes(ia), "in_ifaddr linked twice");
  v.in_ifaddrhead.push(ia);
  INADDR_HASH(v, ia.ia_addr.sin_addr).unshift(ia);
}

/** TAILQ_REMOVE(&V_in_ifaddrhead) and LIST_REMOVE(ia, ia_hash). */
export function in_ifaddr_unlink(v: vnet, ia: in_ifaddr): void {
  const linked = list_remove(v.in_ifaddrhead, ia);
  KASSERT(linked, "in_ifaddr not on V_in_ifaddrhead");
  const hashed = list_remove(INADDR_HASH(v, ia.ia_addr.sin_addr), ia);
  KASSERT(hashed, "in_ifaddr not in its INADDR_HASH bucket");
}
