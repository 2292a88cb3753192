// Checks the robustness bench adds to Kernel.checkInvariants (which covers ifaddr and rtentry
// references): the lltable's references and owners. Read-only: they look at the twin's state.
// (An address's IFA_ROUTE does not imply a route naming it: `route delete` may remove a prefix
// route under it, and 10.4 leaves the flag set.)

import { AF_INET } from "../abi/socket.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { LLE_LINKED, lltables } from "../kernel/net/if_llatbl.ts";
import { rt_tables_get_rnh } from "../kernel/net/route.ts";

/** Problems in the lltables at rest (between ops); empty when consistent. */
export function extraProblems(k: Kernel): string[] {
  return k.run(() => {
    const problems: string[] = [];
    const live = new Set(k.interfaces);
    for (const llt of lltables()) {
      if (!live.has(llt.llt_ifp)) problems.push(`lltable of detached ${llt.llt_ifp.if_xname} still listed`);
      for (const chain of llt.lle_head)
        for (const lle of chain) {
          const where = `lle ${lle.l3_addr.sin_addr >>> 0} on ${llt.llt_ifp.if_xname}`;
          if (lle.lle_freed) problems.push(`${where}: freed but still on its chain`);
          if ((lle.la_flags & LLE_LINKED) === 0) problems.push(`${where}: on a chain but not LLE_LINKED`);
          // The table's reference, and one for a pending la_timer (10.4 if_ether.c arptimer).
          const want = 1 + (lle.la_timer.callout_pending() ? 1 : 0);
          if (lle.lle_refcnt !== want)
            problems.push(
              `${where}: lle_refcnt ${lle.lle_refcnt}, holders ${want} (leak or missing reference)`,
            );
        }
    }
    return problems;
  });
}

/** How much the Kernel holds: what a teardown must bring back to a fresh Kernel's figures. */
export interface Census {
  /** Live ifaddrs; the seed's own leak is counted apart (seedLeaked). */
  ifaddrs: number;
  routes: number;
  interfaces: number;
}

/** Deleted addresses kept only by the seed's unreleased ifa_alloc reference (seed
 * in.c:411,416; in.ts in_aifaddr_allocref_held): the seed leaks one per address it ever made,
 * so they are FreeBSD's leak, faithfully modelled, and counted apart. The twin lets each go
 * once that reference is its last (if.ts ifa_free) and counts it there. */
export function seedLeaked(k: Kernel): number {
  return k.vnet.ifaddrs_live.leaked;
}

export function census(k: Kernel): Census {
  return k.run(() => ({
    ifaddrs: k.vnet.ifaddrs_live.size,
    routes: rt_tables_get_rnh(0, AF_INET)?.rnh.entries().length ?? 0,
    interfaces: k.interfaces.length,
  }));
}
