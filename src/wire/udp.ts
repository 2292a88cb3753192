// UDP (RFC 768). The checksum covers the IPv4 pseudo-header, so emitting with a computed checksum
// and verifying need the datagram's source and destination addresses.

import { viewOf } from "../abi/decode.ts";
import { checksumVerifies, internetChecksum, pseudoHeaderSum } from "./checksum.ts";
import { needBytes, wireError, type WireError } from "./error.ts";
import { IPPROTO_UDP } from "./ipv4.ts";

export const UDP = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6, PAYLOAD: 8 } as const;
export const UDP_HEADER_LEN = 8;

export interface UdpRepr {
  srcPort: number;
  dstPort: number;
  /** As read by parse (0 = sender computed none); emit computes it when absent. */
  checksum?: number;
  payload: Uint8Array;
}

/** Addresses of the enclosing IPv4 header, for the pseudo-header. */
export interface UdpPseudoHeader {
  src: number;
  dst: number;
}

/** Parses UDP length bytes; bytes past them (IPv4 payload slack) are the caller's. */
export function parseUdp(bytes: Uint8Array): UdpRepr | WireError {
  const short = needBytes("udp", bytes, UDP_HEADER_LEN);
  if (short) return short;
  const v = viewOf(bytes);
  const length = v.getUint16(UDP.LENGTH, false);
  if (length < UDP_HEADER_LEN)
    return wireError("udp", UDP.LENGTH, `length ${length} below the 8-byte header`);
  if (length > bytes.length) {
    return wireError("udp", UDP.LENGTH, `truncated: length ${length}, ${bytes.length} bytes available`);
  }
  return {
    srcPort: v.getUint16(UDP.SRC_PORT, false),
    dstPort: v.getUint16(UDP.DST_PORT, false),
    checksum: v.getUint16(UDP.CHECKSUM, false),
    payload: bytes.slice(UDP.PAYLOAD, length),
  };
}

export function udpBufferLen(repr: UdpRepr): number {
  return UDP_HEADER_LEN + repr.payload.length;
}

/** Exact inverse of parseUdp. A computed checksum of 0 goes out as 0xffff (RFC 768). */
export function emitUdp(repr: UdpRepr, ip: UdpPseudoHeader): Uint8Array {
  const out = new Uint8Array(udpBufferLen(repr));
  const v = viewOf(out);
  v.setUint16(UDP.SRC_PORT, repr.srcPort & 0xffff, false);
  v.setUint16(UDP.DST_PORT, repr.dstPort & 0xffff, false);
  v.setUint16(UDP.LENGTH, out.length & 0xffff, false);
  out.set(repr.payload, UDP.PAYLOAD);
  const sum =
    repr.checksum ??
    (internetChecksum(out, pseudoHeaderSum(ip.src, ip.dst, IPPROTO_UDP, out.length)) || 0xffff);
  v.setUint16(UDP.CHECKSUM, sum & 0xffff, false);
  return out;
}

/** "none" when the sender sent 0, else whether datagram plus pseudo-header checksums to zero. */
export function udpChecksumStatus(datagram: Uint8Array, ip: UdpPseudoHeader): "ok" | "bad" | "none" {
  if (datagram.length < UDP_HEADER_LEN) return "bad";
  if (viewOf(datagram).getUint16(UDP.CHECKSUM, false) === 0) return "none";
  return checksumVerifies(datagram, pseudoHeaderSum(ip.src, ip.dst, IPPROTO_UDP, datagram.length))
    ? "ok"
    : "bad";
}

/** The part after "IP a.port > b.port: ", as tcpdump prints it: "UDP, length 4". */
export function formatUdp(repr: UdpRepr): string {
  return `UDP, length ${repr.payload.length}`;
}
