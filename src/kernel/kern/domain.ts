// Protocol domains (10.4 sys/sys/domain.h, kern/uipc_domain.c): what each address family hooks
// into interface attach/detach and routing-table creation. The Kernel registers the domains it
// is built with; the interface and routing code only walk this list, so they never import the
// protocols themselves.

import type { Sockaddr } from "../../abi/socket.ts";
import type { ifnet } from "../net/if_var.ts";
import type { rib_head } from "../net/route.ts";

// domain.h: struct domain (the members the twin uses)
export interface domain {
  dom_family: number;
  dom_name: string;
  /** Makes the routing table head for this family (in_inithead for AF_INET). */
  dom_rtattach: (() => rib_head) | null;
  /** Per-interface protocol state, stored in if_afdata[dom_family]. */
  dom_ifattach: ((ifp: ifnet) => unknown) | null;
  dom_ifdetach: ((ifp: ifnet, aux: unknown) => void) | null;
  /** The domain's protocols' pr_ctlinput, as pfctlinput calls them (PRC_IFDOWN, PRC_IFUP). */
  dom_ctlinput: ((cmd: number, sa: Sockaddr) => void) | null;
}

/** The linked list `domains`, in registration order. */
export const domains: domain[] = [];

// uipc_domain.c: domain_add — registering the same family twice keeps the first.
export function domain_add(dp: domain): void {
  if (domains.some((d) => d.dom_family === dp.dom_family)) return;
  domains.push(dp);
}
