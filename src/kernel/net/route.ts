// Kernel routing table (10.4 sys/net/route.c, route.h).

import type { Sockaddr } from "../../abi/socket.ts";
import type { ifaddr, ifnet } from "./if_var.ts";

// route.h: struct rt_metrics_lite, the per-route metrics the kernel keeps
export interface rt_metrics_lite {
  rmx_mtu: number;
  /** time_uptime at which the route expires; 0 for never. */
  rmx_expire: number;
  rmx_pksent: number;
  rmx_weight: number;
}

// route.h: struct rtentry
export interface rtentry {
  /** rt_key(rt): the destination. */
  rt_key: Sockaddr;
  /** rt_mask(rt): the netmask; null for a host route. */
  rt_mask: Sockaddr | null;
  rt_gateway: Sockaddr;
  rt_ifp: ifnet;
  rt_ifa: ifaddr;
  rt_flags: number;
  rt_refcnt: number;
  rt_fibnum: number;
  rt_rmx: rt_metrics_lite;
}

// route.h: struct rt_addrinfo
export interface rt_addrinfo {
  rti_addrs: number;
  /** Indexed by RTAX_*. */
  rti_info: (Sockaddr | null)[];
  rti_flags: number;
  rti_ifa: ifaddr | null;
  rti_ifp: ifnet | null;
  rti_mflags: number;
  rti_rmx: rt_metrics_lite | null;
}

// route.h: struct route — a cached lookup as rtalloc_ign_fib fills it
export interface route {
  ro_rt: rtentry | null;
  ro_dst: Sockaddr;
  ro_flags: number;
}
