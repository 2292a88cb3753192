// Ethernet II framing: destination, source, EtherType, payload. Frames are handled without the
// FCS, as bpf sees them: 10.4 ether_input_internal trims it when a driver leaves it (M_HASFCS).

import { hex, viewOf } from "../abi/decode.ts";
import { macToString } from "./addr.ts";
import { needBytes, type WireError } from "./error.ts";

export const ETHERNET = { DST: 0, SRC: 6, ETHERTYPE: 12, PAYLOAD: 14 } as const;
export const ETHER_HDR_LEN = 14;
/** Smallest frame on the wire without FCS (64 - 4); see docs/wire.md for who pads to it. */
export const ETHER_MIN_LEN_NO_FCS = 60;

// 10.4 sys/net/ethernet.h ETHERTYPE_*.
export const ETHERTYPE_IP = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_REVARP = 0x8035;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;

export interface EthernetRepr {
  dst: Uint8Array;
  src: Uint8Array;
  ethertype: number;
  /** Everything after the header, including any padding the sender added. */
  payload: Uint8Array;
}

export function parseEthernet(bytes: Uint8Array): EthernetRepr | WireError {
  const short = needBytes("ethernet", bytes, ETHER_HDR_LEN);
  if (short) return short;
  return {
    dst: bytes.slice(ETHERNET.DST, ETHERNET.SRC),
    src: bytes.slice(ETHERNET.SRC, ETHERNET.ETHERTYPE),
    ethertype: viewOf(bytes).getUint16(ETHERNET.ETHERTYPE, false),
    payload: bytes.slice(ETHERNET.PAYLOAD),
  };
}

export function ethernetBufferLen(repr: EthernetRepr): number {
  return ETHER_HDR_LEN + repr.payload.length;
}

/** Exact inverse of parseEthernet: the frame as given, never padded. */
export function emitEthernet(repr: EthernetRepr): Uint8Array {
  const out = new Uint8Array(ethernetBufferLen(repr));
  out.set(repr.dst.subarray(0, 6), ETHERNET.DST);
  out.set(repr.src.subarray(0, 6), ETHERNET.SRC);
  viewOf(out).setUint16(ETHERNET.ETHERTYPE, repr.ethertype & 0xffff, false);
  out.set(repr.payload, ETHERNET.PAYLOAD);
  return out;
}

export function ethertypeName(t: number): string {
  switch (t) {
    case ETHERTYPE_IP:
      return "IPv4";
    case ETHERTYPE_ARP:
      return "ARP";
    case ETHERTYPE_REVARP:
      return "RARP";
    case ETHERTYPE_VLAN:
      return "802.1Q";
    case ETHERTYPE_IPV6:
      return "IPv6";
    default:
      return t < 0x0600 ? "802.3 length" : "unknown";
  }
}

export function formatEthertype(t: number): string {
  return `${ethertypeName(t)} (${hex(t, 4)})`;
}

/** "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42" (tcpdump -e). */
export function formatEthernet(repr: EthernetRepr): string {
  return (
    `${macToString(repr.src)} > ${macToString(repr.dst)}, ethertype ${formatEthertype(repr.ethertype)}, ` +
    `length ${ethernetBufferLen(repr)}`
  );
}
