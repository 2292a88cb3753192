// Routing constants of 10.4 sys/net/route.h (the seed's era): RTF_* route flags, RTM_* message
// types, RTA_*/RTAX_* sockaddr slots and RTV_* metric bits. Import them through route.ts.

import { formatBits } from "./if.ts";

// 10.4 sys/net/route.h RTF_*
export const RTF_UP = 0x1;
export const RTF_GATEWAY = 0x2;
export const RTF_HOST = 0x4;
export const RTF_REJECT = 0x8;
export const RTF_DYNAMIC = 0x10;
export const RTF_MODIFIED = 0x20;
export const RTF_DONE = 0x40;
export const RTF_XRESOLVE = 0x200;
/** Deprecated alias of RTF_LLDATA, kept for NET_RT_FLAGS lltable dumps. */
export const RTF_LLINFO = 0x400;
export const RTF_LLDATA = 0x400;
export const RTF_STATIC = 0x800;
export const RTF_BLACKHOLE = 0x1000;
export const RTF_PROTO2 = 0x4000;
export const RTF_PROTO1 = 0x8000;
/** netinet/if_ether.h: RTF_ANNOUNCE is RTF_PROTO2 (a published ARP entry). */
export const RTF_ANNOUNCE = RTF_PROTO2;
export const RTF_PROTO3 = 0x40000;
export const RTF_PINNED = 0x100000;
export const RTF_LOCAL = 0x200000;
export const RTF_BROADCAST = 0x400000;
export const RTF_MULTICAST = 0x800000;
export const RTF_STICKY = 0x10000000;
export const RTF_RNH_LOCKED = 0x40000000;
export const RTF_GWFLAG_COMPAT = 0x80000000;

/** route.h RTF_FMASK: flags RTM_CHANGE may modify. */
export const RTF_FMASK =
  RTF_PROTO1 | RTF_PROTO2 | RTF_PROTO3 | RTF_BLACKHOLE | RTF_REJECT | RTF_STATIC | RTF_STICKY;

// route.h RTM_VERSION
export const RTM_VERSION = 5;

// route.h "Message types"
export const RTM_ADD = 0x1;
export const RTM_DELETE = 0x2;
export const RTM_CHANGE = 0x3;
export const RTM_GET = 0x4;
export const RTM_LOSING = 0x5;
export const RTM_REDIRECT = 0x6;
export const RTM_MISS = 0x7;
export const RTM_LOCK = 0x8;
export const RTM_RESOLVE = 0xb;
export const RTM_NEWADDR = 0xc;
export const RTM_DELADDR = 0xd;
export const RTM_IFINFO = 0xe;
export const RTM_NEWMADDR = 0xf;
export const RTM_DELMADDR = 0x10;
export const RTM_IFANNOUNCE = 0x11;
export const RTM_IEEE80211 = 0x12;

// route.h RTV_* (rtm_inits, rmx_locks)
export const RTV_MTU = 0x1;
export const RTV_HOPCOUNT = 0x2;
export const RTV_EXPIRE = 0x4;
export const RTV_RPIPE = 0x8;
export const RTV_SPIPE = 0x10;
export const RTV_SSTHRESH = 0x20;
export const RTV_RTT = 0x40;
export const RTV_RTTVAR = 0x80;
export const RTV_WEIGHT = 0x100;

// route.h RTA_* (rtm_addrs)
export const RTA_DST = 0x1;
export const RTA_GATEWAY = 0x2;
export const RTA_NETMASK = 0x4;
export const RTA_GENMASK = 0x8;
export const RTA_IFP = 0x10;
export const RTA_IFA = 0x20;
export const RTA_AUTHOR = 0x40;
export const RTA_BRD = 0x80;

// route.h RTAX_*
export const RTAX_DST = 0;
export const RTAX_GATEWAY = 1;
export const RTAX_NETMASK = 2;
export const RTAX_GENMASK = 3;
export const RTAX_IFP = 4;
export const RTAX_IFA = 5;
export const RTAX_AUTHOR = 6;
export const RTAX_BRD = 7;
export const RTAX_MAX = 8;

/** Slot names in RTAX order; the order sockaddrs follow a routing message header. */
export const RTAX_NAMES = ["dst", "gateway", "netmask", "genmask", "ifp", "ifa", "author", "brd"] as const;
export type RtaxName = (typeof RTAX_NAMES)[number];

const RTF_NAMES: ReadonlyArray<readonly [number, string]> = [
  [RTF_UP, "UP"],
  [RTF_GATEWAY, "GATEWAY"],
  [RTF_HOST, "HOST"],
  [RTF_REJECT, "REJECT"],
  [RTF_DYNAMIC, "DYNAMIC"],
  [RTF_MODIFIED, "MODIFIED"],
  [RTF_DONE, "DONE"],
  [RTF_XRESOLVE, "XRESOLVE"],
  [RTF_LLDATA, "LLDATA"],
  [RTF_STATIC, "STATIC"],
  [RTF_BLACKHOLE, "BLACKHOLE"],
  [RTF_PROTO2, "PROTO2"],
  [RTF_PROTO1, "PROTO1"],
  [RTF_PROTO3, "PROTO3"],
  [RTF_PINNED, "PINNED"],
  [RTF_LOCAL, "LOCAL"],
  [RTF_BROADCAST, "BROADCAST"],
  [RTF_MULTICAST, "MULTICAST"],
  [RTF_STICKY, "STICKY"],
  [RTF_RNH_LOCKED, "RNH_LOCKED"],
  [RTF_GWFLAG_COMPAT, "GWFLAG_COMPAT"],
];

/** "UP,HOST,LLDATA" for route flags. */
export function formatRtFlags(flags: number): string {
  return formatBits(flags, RTF_NAMES);
}

const RTA_NAMES: ReadonlyArray<readonly [number, string]> = [
  [RTA_DST, "DST"],
  [RTA_GATEWAY, "GATEWAY"],
  [RTA_NETMASK, "NETMASK"],
  [RTA_GENMASK, "GENMASK"],
  [RTA_IFP, "IFP"],
  [RTA_IFA, "IFA"],
  [RTA_AUTHOR, "AUTHOR"],
  [RTA_BRD, "BRD"],
];

export function formatRtaAddrs(addrs: number): string {
  return formatBits(addrs, RTA_NAMES);
}

const RTM_NAMES: ReadonlyMap<number, string> = new Map([
  [RTM_ADD, "RTM_ADD"],
  [RTM_DELETE, "RTM_DELETE"],
  [RTM_CHANGE, "RTM_CHANGE"],
  [RTM_GET, "RTM_GET"],
  [RTM_LOSING, "RTM_LOSING"],
  [RTM_REDIRECT, "RTM_REDIRECT"],
  [RTM_MISS, "RTM_MISS"],
  [RTM_LOCK, "RTM_LOCK"],
  [RTM_RESOLVE, "RTM_RESOLVE"],
  [RTM_NEWADDR, "RTM_NEWADDR"],
  [RTM_DELADDR, "RTM_DELADDR"],
  [RTM_IFINFO, "RTM_IFINFO"],
  [RTM_NEWMADDR, "RTM_NEWMADDR"],
  [RTM_DELMADDR, "RTM_DELMADDR"],
  [RTM_IFANNOUNCE, "RTM_IFANNOUNCE"],
  [RTM_IEEE80211, "RTM_IEEE80211"],
]);

/** "RTM_NEWADDR" for 0xc; "RTM_0x13" for an unknown type. */
export function rtmTypeName(type: number): string {
  return RTM_NAMES.get(type) ?? `RTM_0x${type.toString(16)}`;
}
