// The one part of raw IP (10.4 sys/netinet/raw_ip.c) the address layer depends on: rip_ctlinput,
// which hears interfaces go down and up (pfctlinput from if_down/if_up) and removes or
// reinstalls the prefix and loopback routes of the interface's IPv4 addresses.

import { RTF_HOST, RTF_UP, RTM_ADD } from "../../abi/route_defs.ts";
import { IFF_LOOPBACK, IFF_POINTOPOINT } from "../../abi/if.ts";
import type { Sockaddr } from "../../abi/socket.ts";
import {
  ifa_add_loopback_route,
  ifa_del_loopback_route,
  ifa_free,
  ifa_ref,
  PRC_IFDOWN,
  PRC_IFUP,
} from "../net/if.ts";
import { IFA_ROUTE, IFA_RTSELF } from "../net/if_var.ts";
import { rtinit } from "../net/route.ts";
import { curvnet } from "../net/vnet.ts";
import { in_scrubprefix } from "./in.ts";
import { in_ifadown } from "./in_rmx.ts";

/**
 * raw_ip.c: rip_ctlinput — PRC_IFDOWN: for the address `sa` that has its prefix route, scrub
 * the prefix (keeping the loopback route and static ARP entries) and drop its other non-static
 * routes. PRC_IFUP: for the address without a prefix route, replace its loopback route,
 * reinstall the prefix route and the loopback route (10.4's IFA_RTSELF bookkeeping).
 */
export function rip_ctlinput(cmd: number, sa: Sockaddr): void {
  const head = curvnet().in_ifaddrhead;
  switch (cmd) {
    case PRC_IFDOWN: {
      const ia = head.find((i) => i.ifa_addr === sa && i.ia_flags & IFA_ROUTE);
      if (ia === undefined) return;
      ifa_ref(ia);
      in_scrubprefix(ia, 0);
      in_ifadown(ia, 0);
      ifa_free(ia);
      return;
    }
    case PRC_IFUP: {
      const ia = head.find((i) => i.ifa_addr === sa);
      if (ia === undefined || ia.ia_flags & IFA_ROUTE) return;
      ifa_ref(ia);
      const ifp = ia.ifa_ifp;
      let flags = RTF_UP;
      if (ifp.if_flags & (IFF_LOOPBACK | IFF_POINTOPOINT)) flags |= RTF_HOST;
      if (ifa_del_loopback_route(ia, sa) === 0) ia.ia_flags &= ~IFA_RTSELF;
      if (rtinit(ia, RTM_ADD, flags) === 0) ia.ia_flags |= IFA_ROUTE;
      if (ifa_add_loopback_route(ia, sa) === 0) ia.ia_flags |= IFA_RTSELF;
      ifa_free(ia);
      return;
    }
  }
}
