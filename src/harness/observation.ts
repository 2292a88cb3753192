// Observations: a RawTrace decoded through src/abi and src/wire into typed records. Both
// backends' traces go through this one decoder, so a diff is a difference in behaviour.

import type { FrameJson } from "../wire/json.ts";
import type { Op, Provenance } from "./ops.ts";
import type { OpOrigin } from "./lower.ts";

/** An interface from NET_RT_IFLIST's RTM_IFINFO. */
export interface IfObs {
  ifname: string;
  index: number;
  /** IFF_ names, comma separated, as ifconfig prints them ("UP,BROADCAST,RUNNING"). */
  flags: string;
  lladdr: string;
}

/** An IPv4 address from NET_RT_IFLIST's RTM_NEWADDR. */
export interface AddrObs {
  ifname: string;
  addr: string;
  /** Dotted mask, and the prefix length when the mask is contiguous. */
  mask: string;
  prefixlen: number | null;
  /** ifa_broadaddr on broadcast interfaces, ifa_dstaddr on point-to-point ones. */
  broadaddr?: string;
  dstaddr?: string;
}

/** A route from NET_RT_DUMP. */
export interface RouteObs {
  /** "10.0.0.0/24", or "10.0.0.1" for a host route. */
  dst: string;
  /** A dotted quad, "link#vtnet1", or a MAC for a link-level gateway. */
  gateway: string;
  flags: string;
  ifname: string;
  /** The route's ifa address. */
  ifa?: string;
}

/** An ARP entry from NET_RT_FLAGS/RTF_LLINFO (in_lltable_dump). */
export interface ArpObs {
  addr: string;
  /** The MAC, or "incomplete" while resolving. */
  lladdr: string;
  ifname: string;
  flags: string;
  /** rmx_expire as dumped (seconds of time_uptime; 0 = permanent) until normalized. */
  expire: number | string;
}

/** A multicast membership from NET_RT_IFMALIST. */
export interface GroupObs {
  ifname: string;
  group: string;
  /** The link-layer group it maps to (RTAX_GATEWAY: ifma_lladdr, 01:00:5e:... for IPv4), or "". */
  lladdr: string;
}

export interface StateObs {
  ifs: IfObs[];
  addrs: AddrObs[];
  routes: RouteObs[];
  arp: ArpObs[];
  groups: GroupObs[];
  uptime?: number;
  /** Exact seconds each expiring ARP entry ("addr ifname") had left at the checkpoint; set by
   * normalization for expectations (`arp[].expire`), while the rows keep a rounded value. */
  arpSecondsLeft?: Record<string, number>;
}

export const STATE_TABLES = ["ifs", "addrs", "routes", "arp", "groups"] as const;
export type StateTable = (typeof STATE_TABLES)[number];

/** A routing-socket message with its fields as text (addresses decoded, index as a name). */
export interface RtMsgObs {
  type: string;
  ifname: string;
  flags: string;
  /** Slot name (dst, gateway, netmask, ifp, ifa, brd...) → address text. */
  addrs: Record<string, string>;
  pid: number;
  seq: number;
  errno: number;
  /** About IPv6: an AF_INET6 address, or an IPv6 multicast MAC (33:33:...) group. */
  ipv6: boolean;
  /** The whole message in the `route monitor` style, for reports. */
  text: string;
}

export interface FrameObs {
  ifname: string;
  time: number | null;
  hex: string;
  /** One line, tcpdump style. */
  summary: string;
  json: FrameJson;
}

export interface OpObs {
  index: number;
  origin: OpOrigin;
  op: Op;
  errno: number;
  data?: string;
  rtsock: RtMsgObs[];
  frames: FrameObs[];
  state?: StateObs;
  /** Problems decoding this op's bytes; a decode problem is itself worth reporting. */
  decodeErrors: string[];
}

export interface Observations {
  program: string;
  backend: string;
  provenance: Provenance;
  ops: OpObs[];
}
