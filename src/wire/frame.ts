// Layered decode of a whole Ethernet frame (ethernet → arp | ipv4 → icmp | igmp | udp | payload),
// never throwing: whatever does not parse becomes an "error" layer holding the bytes left.

import { hex } from "../abi/decode.ts";
import { parseArp, type ArpRepr } from "./arp.ts";
import { parseEthernet, ETHERTYPE_ARP, ETHERTYPE_IP } from "./ethernet.ts";
import { type WireError, isWireError } from "./error.ts";
import { icmpChecksumOk, parseIcmp, type IcmpRepr } from "./icmp.ts";
import { igmpBufferLen, igmpChecksumOk, parseIgmp, type IgmpRepr } from "./igmp.ts";
import {
  IPPROTO_ICMP,
  IPPROTO_IGMP,
  IPPROTO_UDP,
  ipv4BufferLen,
  ipv4ChecksumOk,
  ipv4IsFragment,
  parseIpv4Packet,
  type Ipv4Header,
  type Ipv4Repr,
} from "./ipv4.ts";
import { parseUdp, udpBufferLen, udpChecksumStatus, type UdpRepr } from "./udp.ts";

export type FrameLayer =
  | { layer: "ethernet"; dst: Uint8Array; src: Uint8Array; ethertype: number }
  | { layer: "arp"; arp: ArpRepr }
  | { layer: "ipv4"; header: Ipv4Header; checksumOk: boolean; payloadLength: number }
  | { layer: "icmp"; icmp: IcmpRepr; checksumOk: boolean }
  | { layer: "igmp"; igmp: IgmpRepr; checksumOk: boolean }
  | { layer: "udp"; udp: UdpRepr; checksum: "ok" | "bad" | "none" }
  /** Upper-layer bytes this module does not decode: a fragment, TCP, another EtherType. */
  | { layer: "payload"; what: string; bytes: Uint8Array }
  /** Bytes past the end of the named layer's own length, e.g. Ethernet padding after ARP. */
  | { layer: "trailer"; after: string; bytes: Uint8Array }
  | { layer: "error"; error: WireError; bytes: Uint8Array };

export type LayerName = FrameLayer["layer"];

export interface DecodedFrame {
  /** Frame length in bytes, as given (no FCS). */
  length: number;
  layers: FrameLayer[];
}

/** The first layer of the given kind, typed; undefined when the frame has none. */
export function frameLayer<K extends LayerName>(
  frame: DecodedFrame,
  name: K,
): Extract<FrameLayer, { layer: K }> | undefined {
  return frame.layers.find((l): l is Extract<FrameLayer, { layer: K }> => l.layer === name);
}

function trailer(after: string, bytes: Uint8Array, used: number): FrameLayer[] {
  return bytes.length > used ? [{ layer: "trailer", after, bytes: bytes.slice(used) }] : [];
}

function errorLayer(error: WireError, bytes: Uint8Array): FrameLayer[] {
  return [{ layer: "error", error, bytes: bytes.slice() }];
}

export function decodeFrame(bytes: Uint8Array): DecodedFrame {
  const eth = parseEthernet(bytes);
  if (isWireError(eth)) return { length: bytes.length, layers: errorLayer(eth, bytes) };
  const layers: FrameLayer[] = [{ layer: "ethernet", dst: eth.dst, src: eth.src, ethertype: eth.ethertype }];
  switch (eth.ethertype) {
    case ETHERTYPE_ARP:
      layers.push(...decodeArp(eth.payload));
      break;
    case ETHERTYPE_IP:
      layers.push(...decodeIpv4(eth.payload));
      break;
    default:
      layers.push({
        layer: "payload",
        what: `ethertype ${hex(eth.ethertype, 4)}`,
        bytes: eth.payload,
      });
  }
  return { length: bytes.length, layers };
}

function decodeArp(bytes: Uint8Array): FrameLayer[] {
  const arp = parseArp(bytes);
  if (isWireError(arp)) return errorLayer(arp, bytes);
  return [{ layer: "arp", arp }, ...trailer("arp", bytes, 28)];
}

function decodeIpv4(bytes: Uint8Array): FrameLayer[] {
  const ip = parseIpv4Packet(bytes);
  if (isWireError(ip)) return errorLayer(ip, bytes);
  const { payload, ...header } = ip;
  const out: FrameLayer[] = [
    { layer: "ipv4", header, checksumOk: ipv4ChecksumOk(bytes), payloadLength: payload.length },
  ];
  out.push(...decodeTransport(ip), ...trailer("ipv4", bytes, ipv4BufferLen(ip)));
  return out;
}

function decodeTransport(ip: Ipv4Repr): FrameLayer[] {
  const bytes = ip.payload;
  if (ipv4IsFragment(ip)) return [{ layer: "payload", what: "fragment", bytes }];
  switch (ip.protocol) {
    case IPPROTO_ICMP: {
      const icmp = parseIcmp(bytes);
      if (isWireError(icmp)) return errorLayer(icmp, bytes);
      // ICMP has no length field: the message is the whole IPv4 payload.
      return [{ layer: "icmp", icmp, checksumOk: icmpChecksumOk(bytes) }];
    }
    case IPPROTO_IGMP: {
      const igmp = parseIgmp(bytes);
      if (isWireError(igmp)) return errorLayer(igmp, bytes);
      return [
        { layer: "igmp", igmp, checksumOk: igmpChecksumOk(bytes) },
        ...trailer("igmp", bytes, igmpBufferLen(igmp)),
      ];
    }
    case IPPROTO_UDP: {
      const udp = parseUdp(bytes);
      if (isWireError(udp)) return errorLayer(udp, bytes);
      const used = udpBufferLen(udp);
      const checksum = udpChecksumStatus(bytes.subarray(0, used), ip);
      return [{ layer: "udp", udp, checksum }, ...trailer("udp", bytes, used)];
    }
    default:
      return [{ layer: "payload", what: `ip-proto-${ip.protocol}`, bytes }];
  }
}
