// Routing-socket messages (rt_msghdr, ifa_msghdr, if_msghdr, ifma_msghdr, if_announcemsghdr and
// the sockaddrs after them). Codecs are being filled in; the types are stable.

import type { IfData } from "./if.ts";
import type { RtaxName } from "./route_defs.ts";
import type { Sockaddr } from "./socket.ts";

export interface RtMetrics {
  rmx_locks: number;
  rmx_mtu: number;
  rmx_hopcount: number;
  rmx_expire: number;
  rmx_recvpipe: number;
  rmx_sendpipe: number;
  rmx_ssthresh: number;
  rmx_rtt: number;
  rmx_rttvar: number;
  rmx_pksent: number;
  rmx_weight: number;
  rmx_filler: [number, number, number];
}

export interface RtMsghdr {
  rtm_msglen: number;
  rtm_version: number;
  rtm_type: number;
  rtm_index: number;
  rtm_flags: number;
  rtm_addrs: number;
  rtm_pid: number;
  rtm_seq: number;
  rtm_errno: number;
  rtm_fmask: number;
  rtm_inits: number;
  rtm_rmx: RtMetrics;
}

export interface IfaMsghdr {
  ifam_msglen: number;
  ifam_version: number;
  ifam_type: number;
  ifam_addrs: number;
  ifam_flags: number;
  ifam_index: number;
  ifam_metric: number;
}

export interface IfMsghdr {
  ifm_msglen: number;
  ifm_version: number;
  ifm_type: number;
  ifm_addrs: number;
  ifm_flags: number;
  ifm_index: number;
  ifm_data: IfData;
}

export interface IfmaMsghdr {
  ifmam_msglen: number;
  ifmam_version: number;
  ifmam_type: number;
  ifmam_addrs: number;
  ifmam_flags: number;
  ifmam_index: number;
}

export interface IfAnnounceMsghdr {
  ifan_msglen: number;
  ifan_version: number;
  ifan_type: number;
  ifan_index: number;
  ifan_name: string;
  ifan_what: number;
}

export type RtAddrs = Partial<Record<RtaxName, Sockaddr>>;

export type RoutingMessage =
  | { kind: "rt"; hdr: RtMsghdr; addrs: RtAddrs }
  | { kind: "ifa"; hdr: IfaMsghdr; addrs: RtAddrs }
  | { kind: "if"; hdr: IfMsghdr; addrs: RtAddrs }
  | { kind: "ifma"; hdr: IfmaMsghdr; addrs: RtAddrs }
  | { kind: "ifannounce"; hdr: IfAnnounceMsghdr };
