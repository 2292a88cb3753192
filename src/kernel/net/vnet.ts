// One network stack instance (10.4 sys/net/vnet.h). Kernel-wide lists the address layer shares
// live here; a module's own per-stack state is declared with VNET_DEFINE and read with VNET(),
// which resolves against curvnet — set by every Kernel entry point, as CURVNET_SET is in FreeBSD.

import { Clock } from "../kern/clock.ts";
import { KASSERT } from "../kern/invariant.ts";
import type { ifaddr, ifnet, in_ifaddr } from "./if_var.ts";

/** A per-VNET variable: `init` makes its value (never undefined) the first time a VNET reads it. */
export interface VnetKey<T> {
  readonly name: string;
  readonly init: (vnet: vnet) => T;
  /** Its slot in every VNET's variable array, given out once per process by VNET_DEFINE. */
  readonly slot: number;
}

export class vnet {
  readonly clock: Clock;
  /** V_ifnet: attached interfaces in attach order. */
  readonly ifnet: ifnet[] = [];
  /** V_ifindex_table: slot 0 is never used. */
  readonly ifindex_table: (ifnet | null)[] = [null];
  /** V_if_index: highest index in use. */
  if_index = 0;
  /** V_loif: the first loopback interface. */
  loif: ifnet | null = null;
  /** V_in_ifaddrhead: every IPv4 address, in the order added. */
  readonly in_ifaddrhead: in_ifaddr[] = [];
  /**
   * V_in_ifaddrhashtbl: addresses by bucket number, newest first (LIST_INSERT_HEAD); a bucket's
   * list is made when first used.
   */
  readonly in_ifaddrhashtbl: (in_ifaddr[] | undefined)[] = [];
  /** Every ifaddr allocated and not yet freed, for leak checks. */
  readonly ifaddrs_live = new ifaddr_registry();
  /** Per-VNET variables by VnetKey.slot; undefined until first read. */
  readonly #vars: unknown[] = [];

  constructor(clock = new Clock()) {
    this.clock = clock;
  }

  get<T>(key: VnetKey<T>): T {
    const value = this.#vars[key.slot];
    if (value !== undefined) return value as T;
    const made = key.init(this);
    KASSERT(made !== undefined, `VNET_DEFINE ${key.name}: init made no value`);
    this.#vars[key.slot] = made;
    return made;
  }
}

let nextSlot = 0;

// vnet.h: VNET_DEFINE
export function VNET_DEFINE<T>(name: string, init: (vnet: vnet) => T): VnetKey<T> {
  return { name, init, slot: nextSlot++ };
}

let current: vnet | null = null;

/** vnet.h: curvnet — the stack the running entry point works on. */
export function curvnet(): vnet {
  KASSERT(current !== null, "curvnet used outside CURVNET_SET");
  return current;
}

// vnet.h: VNET
export function VNET<T>(key: VnetKey<T>): T {
  return curvnet().get(key);
}

/** vnet.h: CURVNET_SET — returns the previous value for CURVNET_RESTORE. */
export function CURVNET_SET(v: vnet): vnet | null {
  const prev = current;
  current = v;
  return prev;
}

// vnet.h: CURVNET_RESTORE
export function CURVNET_RESTORE(prev: vnet | null): void {
  current = prev;
}

/** Runs `fn` with curvnet set to `v`, restoring the previous value even if it throws. */
export function withVnet<T>(v: vnet, fn: () => T): T {
  const prev = CURVNET_SET(v);
  try {
    return fn();
  } finally {
    CURVNET_RESTORE(prev);
  }
}

/**
 * The ifaddrs of a VNET allocated and not yet freed. Each member keeps its slot (ifa_live), so
 * adding and removing cost no hashing: the seed leaks an address on every SIOCAIFADDR, and a
 * Set of them rehashed as it grew. Removal moves the last member into the hole, so members come
 * in no particular order.
 */
export class ifaddr_registry implements Iterable<ifaddr> {
  readonly #members: ifaddr[] = [];
  /**
   * Addresses let go while still counted: their only reference left is one FreeBSD never
   * releases (if.ts ifa_free), so nothing can reach them again and the twin keeps no copy.
   */
  leaked = 0;

  add(ifa: ifaddr): void {
    KASSERT(ifa.ifa_live < 0, "ifaddr_registry: address already registered");
    ifa.ifa_live = this.#members.length;
    this.#members.push(ifa);
  }

  delete(ifa: ifaddr): void {
    KASSERT(this.has(ifa), "ifaddr_registry: address not registered");
    const last = this.#members.pop() as ifaddr;
    if (last !== ifa) {
      this.#members[ifa.ifa_live] = last;
      last.ifa_live = ifa.ifa_live;
    }
    ifa.ifa_live = -1;
  }

  /** Lets go of a member whose remaining reference is leaked, counting it in `leaked`. */
  release(ifa: ifaddr): void {
    this.delete(ifa);
    this.leaked++;
  }

  has(ifa: ifaddr): boolean {
    return ifa.ifa_live >= 0 && this.#members[ifa.ifa_live] === ifa;
  }

  get size(): number {
    return this.#members.length;
  }

  [Symbol.iterator](): Iterator<ifaddr> {
    return this.#members[Symbol.iterator]();
  }
}
