// Typed builders for frames that suites inject, each returning the frame's bytes. They lay
// fields out the way FreeBSD 10.4 does when it sends the same message (cited per builder).

import { BROADCAST_MAC, ipv4MulticastMac, ZERO_MAC } from "./addr.ts";
import { ARPHRD_ETHER, ARPOP_REPLY, ARPOP_REQUEST, emitArp, type ArpRepr } from "./arp.ts";
import { emitEthernet, ETHER_HDR_LEN, ETHERTYPE_ARP, ETHERTYPE_IP } from "./ethernet.ts";
import { emitIcmp } from "./icmp.ts";
import { emitIgmp, type IgmpGroupRecord, type IgmpRepr } from "./igmp.ts";
import { emitIpv4Packet, IPPROTO_ICMP, IPPROTO_IGMP, IPPROTO_UDP, routerAlertOption } from "./ipv4.ts";
import { emitUdp } from "./udp.ts";

/** 10.4 sys/netinet/ip.h IPDEFTTL, the default net.inet.ip.ttl. */
export const IPDEFTTL = 64;
// RFC 1112 / RFC 2236 / RFC 3376 well-known groups.
export const INADDR_ALLHOSTS_GROUP = 0xe0000001;
export const INADDR_ALLRTRS_GROUP = 0xe0000002;
export const INADDR_ALLRPTS_GROUP = 0xe0000016;

export interface FrameOptions {
  /**
   * Zero-pad the frame to this many bytes (60 = ETHER_MIN_LEN without FCS) as a padding NIC
   * would. Default: no padding, the frame is exactly as long as its contents (docs/wire.md).
   */
  padTo?: number;
}

function frame(
  dst: Uint8Array,
  src: Uint8Array,
  ethertype: number,
  payload: Uint8Array,
  o: FrameOptions,
): Uint8Array {
  const padded = new Uint8Array(Math.max(payload.length, (o.padTo ?? 0) - ETHER_HDR_LEN));
  padded.set(payload);
  return emitEthernet({ dst, src, ethertype, payload: padded });
}

export interface ArpRequestArgs extends FrameOptions {
  srcMac: Uint8Array;
  srcIp: number;
  targetIp: number;
  /** Ethernet destination; broadcast as in arprequest (M_BCAST). */
  dstMac?: Uint8Array;
}

/**
 * An ARP request as 10.4 arprequest() + ether_output() emit it: ar_hrd ARPHRD_ETHER
 * (if_ethersubr.c:218), ar_pro ETHERTYPE_IP, hln 6, pln 4, op REQUEST, sha/spa/tpa set and tha left
 * zero by the bzero (if_ether.c:310-320), Ethernet destination broadcast (if_ether.c:323,
 * if_ethersubr.c:234-235), EtherType ARP (if_ethersubr.c:230).
 */
export function arpRequest(a: ArpRequestArgs): Uint8Array {
  const arp: ArpRepr = {
    hardwareType: ARPHRD_ETHER,
    protocolType: ETHERTYPE_IP,
    operation: ARPOP_REQUEST,
    senderMac: a.srcMac,
    senderIp: a.srcIp,
    targetMac: ZERO_MAC,
    targetIp: a.targetIp,
  };
  return frame(a.dstMac ?? BROADCAST_MAC, a.srcMac, ETHERTYPE_ARP, emitArp(arp), a);
}

export interface GratuitousArpArgs extends FrameOptions {
  srcMac: Uint8Array;
  ip: number;
}

/** arp_ifinit() announces a new address with arprequest(ifp, addr, addr, lladdr): spa = tpa. */
export function gratuitousArp(a: GratuitousArpArgs): Uint8Array {
  return arpRequest({ srcMac: a.srcMac, srcIp: a.ip, targetIp: a.ip, padTo: a.padTo });
}

export interface ArpReplyArgs extends FrameOptions {
  srcMac: Uint8Array;
  srcIp: number;
  dstMac: Uint8Array;
  dstIp: number;
}

/**
 * An ARP reply shaped like in_arpinput()'s: tha/tpa are the requester's sha/spa, sha/spa ours,
 * op REPLY, sent unicast to the requester because ether_output copies ar_tha into the
 * destination when M_BCAST is clear (if_ethersubr.c:237).
 */
export function arpReply(a: ArpReplyArgs): Uint8Array {
  const arp: ArpRepr = {
    hardwareType: ARPHRD_ETHER,
    protocolType: ETHERTYPE_IP,
    operation: ARPOP_REPLY,
    senderMac: a.srcMac,
    senderIp: a.srcIp,
    targetMac: a.dstMac,
    targetIp: a.dstIp,
  };
  return frame(a.dstMac, a.srcMac, ETHERTYPE_ARP, emitArp(arp), a);
}

export interface Ipv4FrameArgs extends FrameOptions {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  srcIp: number;
  dstIp: number;
  protocol: number;
  payload: Uint8Array;
  ttl?: number;
  ident?: number;
  tos?: number;
  dontFragment?: boolean;
  options?: Uint8Array;
}

/** Any IPv4 datagram in one unfragmented frame, header checksum computed. */
export function ipv4Frame(a: Ipv4FrameArgs): Uint8Array {
  const packet = emitIpv4Packet({
    tos: a.tos ?? 0,
    ident: a.ident ?? 0,
    reservedFlag: false,
    dontFragment: a.dontFragment ?? false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: a.ttl ?? IPDEFTTL,
    protocol: a.protocol,
    src: a.srcIp,
    dst: a.dstIp,
    options: a.options ?? new Uint8Array(0),
    payload: a.payload,
  });
  return frame(a.dstMac, a.srcMac, ETHERTYPE_IP, packet, a);
}

export interface IcmpEchoArgs extends FrameOptions {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  srcIp: number;
  dstIp: number;
  id: number;
  seq: number;
  payload?: Uint8Array;
  ttl?: number;
  ident?: number;
}

function icmpEcho(kind: "echo-request" | "echo-reply", a: IcmpEchoArgs): Uint8Array {
  const icmp = emitIcmp({ kind, code: 0, id: a.id, seq: a.seq, data: a.payload ?? new Uint8Array(0) });
  return ipv4Frame({ ...a, protocol: IPPROTO_ICMP, payload: icmp });
}

export function icmpEchoRequest(a: IcmpEchoArgs): Uint8Array {
  return icmpEcho("echo-request", a);
}

export function icmpEchoReply(a: IcmpEchoArgs): Uint8Array {
  return icmpEcho("echo-reply", a);
}

interface IgmpSender extends FrameOptions {
  srcMac: Uint8Array;
  srcIp: number;
}

/**
 * IGMP goes to a group address with TTL 1; v2 and v3 messages carry Router Alert (RFC 2236
 * section 2, RFC 3376 section 4), v1 messages do not (RFC 1112 appendix I predates it).
 */
function igmpFrame(s: IgmpSender, dstIp: number, message: IgmpRepr, routerAlert: boolean): Uint8Array {
  return ipv4Frame({
    srcMac: s.srcMac,
    dstMac: ipv4MulticastMac(dstIp),
    srcIp: s.srcIp,
    dstIp,
    protocol: IPPROTO_IGMP,
    payload: emitIgmp(message),
    ttl: 1,
    options: routerAlert ? routerAlertOption() : undefined,
    padTo: s.padTo,
  });
}

export interface IgmpReportArgs extends IgmpSender {
  group: number;
  version: 1 | 2;
}

/** v1/v2 membership report, sent to the group itself (RFC 1112 appendix I, RFC 2236 section 3). */
export function igmpReport(a: IgmpReportArgs): Uint8Array {
  const kind = a.version === 1 ? "v1-report" : "v2-report";
  return igmpFrame(a, a.group, { kind, maxRespCode: 0, group: a.group }, a.version === 2);
}

export interface IgmpLeaveArgs extends IgmpSender {
  group: number;
}

/** v2 Leave Group, sent to all-routers 224.0.0.2 (RFC 2236 section 3). */
export function igmpLeave(a: IgmpLeaveArgs): Uint8Array {
  return igmpFrame(a, INADDR_ALLRTRS_GROUP, { kind: "v2-leave", maxRespCode: 0, group: a.group }, true);
}

export interface IgmpV3ReportArgs extends IgmpSender {
  records: IgmpGroupRecord[];
}

/** v3 report, sent to 224.0.0.22 (RFC 3376 section 4.2.14). */
export function igmpV3Report(a: IgmpV3ReportArgs): Uint8Array {
  const message: IgmpRepr = { kind: "v3-report", reserved1: 0, reserved2: 0, records: a.records };
  return igmpFrame(a, INADDR_ALLRPTS_GROUP, message, true);
}

export interface IgmpQueryArgs extends IgmpSender {
  version: 1 | 2 | 3;
  /** 0 for a general query (the default), else a group-specific query. */
  group?: number;
  /** Tenths of a second (v2) or the v3 code; ignored for v1, whose field is 0. Default 100. */
  maxRespCode?: number;
  /** v3 only. */
  sources?: number[];
  qrv?: number;
  qqic?: number;
}

/**
 * A querier's message: a general query goes to all-hosts 224.0.0.1, a group-specific one to the
 * group (RFC 2236 section 3, RFC 3376 section 4.1.12).
 */
export function igmpQuery(a: IgmpQueryArgs): Uint8Array {
  const group = a.group ?? 0;
  const dst = group === 0 ? INADDR_ALLHOSTS_GROUP : group;
  const maxRespCode = a.version === 1 ? 0 : (a.maxRespCode ?? 100);
  const message: IgmpRepr =
    a.version === 3
      ? {
          kind: "v3-query",
          maxRespCode,
          group,
          reserved: 0,
          suppressRouterProcessing: false,
          qrv: a.qrv ?? 2,
          qqic: a.qqic ?? 125,
          sources: a.sources ?? [],
        }
      : { kind: "query", maxRespCode, group };
  return igmpFrame(a, dst, message, a.version !== 1);
}

export interface UdpDatagramArgs extends FrameOptions {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  ttl?: number;
  ident?: number;
}

export function udpDatagram(a: UdpDatagramArgs): Uint8Array {
  const udp = emitUdp(
    { srcPort: a.srcPort, dstPort: a.dstPort, payload: a.payload },
    { src: a.srcIp, dst: a.dstIp },
  );
  return ipv4Frame({ ...a, protocol: IPPROTO_UDP, payload: udp });
}
