// A decoded frame as plain JSON-able data for diffs: addresses as text, bytes as hex, every
// field kept (checksums as numbers, so two frames differing only there still differ).

import { hex } from "../abi/decode.ts";
import { ipv4ToString } from "../abi/in.ts";
import { macToString } from "./addr.ts";
import type { ArpRepr } from "./arp.ts";
import { formatWireError, toHex } from "./error.ts";
import { decodeFrame, type FrameLayer } from "./frame.ts";
import type { IcmpRepr } from "./icmp.ts";
import type { IgmpGroupRecord, IgmpRepr } from "./igmp.ts";
import type { Ipv4Header } from "./ipv4.ts";
import type { UdpRepr } from "./udp.ts";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface FrameJson {
  [key: string]: JsonValue;
  length: number;
  layers: JsonObject[];
}

export function frameToJson(bytes: Uint8Array): FrameJson {
  const frame = decodeFrame(bytes);
  return { length: frame.length, layers: frame.layers.map(layerToJson) };
}

const hex16 = (n: number): string => hex(n, 4);
const checksumJson = (c: number | undefined): JsonValue => (c === undefined ? null : hex16(c));

function layerToJson(l: FrameLayer): JsonObject {
  switch (l.layer) {
    case "ethernet":
      return {
        layer: l.layer,
        dst: macToString(l.dst),
        src: macToString(l.src),
        ethertype: hex16(l.ethertype),
      };
    case "arp":
      return { layer: l.layer, ...arpJson(l.arp) };
    case "ipv4":
      return {
        layer: l.layer,
        ...ipv4Json(l.header),
        checksumOk: l.checksumOk,
        payloadLength: l.payloadLength,
      };
    case "icmp":
      return { layer: l.layer, ...icmpJson(l.icmp), checksumOk: l.checksumOk };
    case "igmp":
      return { layer: l.layer, ...igmpJson(l.igmp), checksumOk: l.checksumOk };
    case "udp":
      return { layer: l.layer, ...udpJson(l.udp), checksumStatus: l.checksum };
    case "payload":
      return { layer: l.layer, what: l.what, bytes: toHex(l.bytes) };
    case "trailer":
      return { layer: l.layer, after: l.after, bytes: toHex(l.bytes) };
    case "error":
      return { layer: l.layer, error: formatWireError(l.error), bytes: toHex(l.bytes) };
  }
}

function arpJson(a: ArpRepr): JsonObject {
  return {
    hardwareType: a.hardwareType,
    protocolType: hex16(a.protocolType),
    operation: a.operation,
    senderMac: macToString(a.senderMac),
    senderIp: ipv4ToString(a.senderIp),
    targetMac: macToString(a.targetMac),
    targetIp: ipv4ToString(a.targetIp),
  };
}

function ipv4Json(h: Ipv4Header): JsonObject {
  return {
    tos: h.tos,
    ident: h.ident,
    reservedFlag: h.reservedFlag,
    dontFragment: h.dontFragment,
    moreFragments: h.moreFragments,
    fragmentOffset: h.fragmentOffset,
    ttl: h.ttl,
    protocol: h.protocol,
    checksum: checksumJson(h.checksum),
    src: ipv4ToString(h.src),
    dst: ipv4ToString(h.dst),
    options: toHex(h.options),
  };
}

function icmpJson(m: IcmpRepr): JsonObject {
  if (m.kind === "other") {
    return {
      kind: m.kind,
      type: m.type,
      code: m.code,
      checksum: checksumJson(m.checksum),
      rest: toHex(m.rest),
    };
  }
  return {
    kind: m.kind,
    code: m.code,
    checksum: checksumJson(m.checksum),
    id: m.id,
    seq: m.seq,
    data: toHex(m.data),
  };
}

function recordJson(r: IgmpGroupRecord): JsonObject {
  return {
    type: r.type,
    group: ipv4ToString(r.group),
    sources: r.sources.map(ipv4ToString),
    auxData: toHex(r.auxData),
  };
}

function igmpJson(m: IgmpRepr): JsonObject {
  const checksum = checksumJson(m.checksum);
  switch (m.kind) {
    case "query":
    case "v1-report":
    case "v2-report":
    case "v2-leave":
      return { kind: m.kind, maxRespCode: m.maxRespCode, checksum, group: ipv4ToString(m.group) };
    case "v3-query":
      return {
        kind: m.kind,
        maxRespCode: m.maxRespCode,
        checksum,
        group: ipv4ToString(m.group),
        reserved: m.reserved,
        suppressRouterProcessing: m.suppressRouterProcessing,
        qrv: m.qrv,
        qqic: m.qqic,
        sources: m.sources.map(ipv4ToString),
      };
    case "v3-report":
      return {
        kind: m.kind,
        reserved1: m.reserved1,
        reserved2: m.reserved2,
        checksum,
        records: m.records.map(recordJson),
      };
    case "other":
      return { kind: m.kind, type: m.type, code: m.code, checksum, rest: toHex(m.rest) };
  }
}

function udpJson(u: UdpRepr): JsonObject {
  return {
    srcPort: u.srcPort,
    dstPort: u.dstPort,
    checksum: checksumJson(u.checksum),
    payload: toHex(u.payload),
  };
}
