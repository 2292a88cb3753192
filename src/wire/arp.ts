// ARP for IPv4 over Ethernet (RFC 826): the 28-byte packet FreeBSD's arprequest() and
// in_arpinput() build (10.4 sys/netinet/if_ether.c). Other hardware/protocol lengths are
// reported as errors: FreeBSD's in_arpinput drops ar_pln != 4 too.

import { hex, viewOf } from "../abi/decode.ts";
import { ipv4ToString } from "../abi/in.ts";
import { macEquals, macToString, ZERO_MAC } from "./addr.ts";
import { needBytes, wireError, type WireError } from "./error.ts";

export const ARP = {
  HTYPE: 0,
  PTYPE: 2,
  HLEN: 4,
  PLEN: 5,
  OPER: 6,
  SHA: 8,
  SPA: 14,
  THA: 18,
  TPA: 24,
} as const;
export const ARP_LEN = 28;

// 10.4 sys/net/if_arp.h.
export const ARPHRD_ETHER = 1;
export const ARPHRD_IEEE802 = 6;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;
export const ARPOP_REVREQUEST = 3;
export const ARPOP_REVREPLY = 4;
export const ARPOP_INVREQUEST = 8;
export const ARPOP_INVREPLY = 9;

export interface ArpRepr {
  /** ar_hrd; ether_output sets ARPHRD_ETHER on everything it sends. */
  hardwareType: number;
  /** ar_pro, an EtherType: 0x0800 for IPv4. */
  protocolType: number;
  operation: number;
  senderMac: Uint8Array;
  senderIp: number;
  targetMac: Uint8Array;
  targetIp: number;
}

/** Parses the first 28 bytes; anything after them (Ethernet padding) is the caller's. */
export function parseArp(bytes: Uint8Array): ArpRepr | WireError {
  const short = needBytes("arp", bytes, ARP_LEN);
  if (short) return short;
  const v = viewOf(bytes);
  const hln = bytes[ARP.HLEN];
  const pln = bytes[ARP.PLEN];
  if (hln !== 6)
    return wireError("arp", ARP.HLEN, `hardware address length ${hln}, only 6 (Ethernet) is decoded`);
  if (pln !== 4)
    return wireError("arp", ARP.PLEN, `protocol address length ${pln}, only 4 (IPv4) is decoded`);
  return {
    hardwareType: v.getUint16(ARP.HTYPE, false),
    protocolType: v.getUint16(ARP.PTYPE, false),
    operation: v.getUint16(ARP.OPER, false),
    senderMac: bytes.slice(ARP.SHA, ARP.SPA),
    senderIp: v.getUint32(ARP.SPA, false),
    targetMac: bytes.slice(ARP.THA, ARP.TPA),
    targetIp: v.getUint32(ARP.TPA, false),
  };
}

export function arpBufferLen(_repr: ArpRepr): number {
  return ARP_LEN;
}

export function emitArp(repr: ArpRepr): Uint8Array {
  const out = new Uint8Array(ARP_LEN);
  const v = viewOf(out);
  v.setUint16(ARP.HTYPE, repr.hardwareType & 0xffff, false);
  v.setUint16(ARP.PTYPE, repr.protocolType & 0xffff, false);
  out[ARP.HLEN] = 6;
  out[ARP.PLEN] = 4;
  v.setUint16(ARP.OPER, repr.operation & 0xffff, false);
  out.set(repr.senderMac.subarray(0, 6), ARP.SHA);
  v.setUint32(ARP.SPA, repr.senderIp >>> 0, false);
  out.set(repr.targetMac.subarray(0, 6), ARP.THA);
  v.setUint32(ARP.TPA, repr.targetIp >>> 0, false);
  return out;
}

/**
 * One line in tcpdump's words: "ARP who-has 10.0.0.1 tell 10.0.0.2",
 * "ARP reply 10.0.0.1 is-at 02:00:00:00:00:01". A request with a non-zero target MAC shows it.
 */
export function formatArp(repr: ArpRepr): string {
  const spa = ipv4ToString(repr.senderIp);
  const tpa = ipv4ToString(repr.targetIp);
  let text: string;
  switch (repr.operation) {
    case ARPOP_REQUEST: {
      const tha = macEquals(repr.targetMac, ZERO_MAC) ? "" : ` (${macToString(repr.targetMac)})`;
      text = `who-has ${tpa}${tha} tell ${spa}`;
      break;
    }
    case ARPOP_REPLY:
      text = `reply ${spa} is-at ${macToString(repr.senderMac)}`;
      break;
    default:
      text =
        `op ${repr.operation} sender ${spa} ${macToString(repr.senderMac)} ` +
        `target ${tpa} ${macToString(repr.targetMac)}`;
  }
  const odd: string[] = [];
  if (repr.hardwareType !== ARPHRD_ETHER) odd.push(`hrd ${repr.hardwareType}`);
  if (repr.protocolType !== 0x0800) odd.push(`pro ${hex(repr.protocolType, 4)}`);
  return `ARP ${text}${odd.length ? ` [${odd.join(", ")}]` : ""}`;
}
