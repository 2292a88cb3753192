// The IPv4 header (RFC 791) with its options kept as raw bytes, so parse and emit round-trip
// exactly; the header checksum as read is kept too, so a wrong one survives into diffs.

import { viewOf } from "../abi/decode.ts";
import { ipv4ToString } from "../abi/in.ts";
import { internetChecksum } from "./checksum.ts";
import { needBytes, wireError, type WireError } from "./error.ts";

export const IPV4 = {
  VER_IHL: 0,
  TOS: 1,
  LENGTH: 2,
  IDENT: 4,
  FLG_OFF: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC: 12,
  DST: 16,
  OPTIONS: 20,
} as const;
export const IPV4_MIN_HEADER_LEN = 20;
export const IPV4_MAX_HEADER_LEN = 60;

// 10.4 sys/netinet/in.h IPPROTO_*.
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

// RFC 791 flags in the high bits of the flags/fragment-offset word.
const IP_RF = 0x8000;
const IP_DF = 0x4000;
const IP_MF = 0x2000;
const IP_OFFMASK = 0x1fff;

export interface Ipv4Repr {
  /** The whole type-of-service byte (DSCP and ECN). */
  tos: number;
  ident: number;
  reservedFlag: boolean;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In 8-byte units, as on the wire. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  /** As read by parse; emit computes it when absent. */
  checksum?: number;
  src: number;
  dst: number;
  /** Raw option bytes, padding included; length a multiple of 4, at most 40. */
  options: Uint8Array;
  payload: Uint8Array;
}

/**
 * Parses one datagram: total length bytes. Bytes past the total length (Ethernet padding) are
 * the caller's: ipv4BufferLen(repr) says where the datagram ended.
 */
export function parseIpv4Packet(bytes: Uint8Array): Ipv4Repr | WireError {
  const short = needBytes("ipv4", bytes, IPV4_MIN_HEADER_LEN);
  if (short) return short;
  const v = viewOf(bytes);
  const version = bytes[IPV4.VER_IHL] >>> 4;
  if (version !== 4) return wireError("ipv4", IPV4.VER_IHL, `version ${version}, expected 4`);
  const hlen = (bytes[IPV4.VER_IHL] & 0x0f) * 4;
  if (hlen < IPV4_MIN_HEADER_LEN) return wireError("ipv4", IPV4.VER_IHL, `header length ${hlen} below 20`);
  const total = v.getUint16(IPV4.LENGTH, false);
  if (total < hlen)
    return wireError("ipv4", IPV4.LENGTH, `total length ${total} below header length ${hlen}`);
  if (total > bytes.length) {
    return wireError(
      "ipv4",
      IPV4.LENGTH,
      `truncated: total length ${total}, ${bytes.length} bytes available`,
    );
  }
  const fo = v.getUint16(IPV4.FLG_OFF, false);
  return {
    tos: bytes[IPV4.TOS],
    ident: v.getUint16(IPV4.IDENT, false),
    reservedFlag: (fo & IP_RF) !== 0,
    dontFragment: (fo & IP_DF) !== 0,
    moreFragments: (fo & IP_MF) !== 0,
    fragmentOffset: fo & IP_OFFMASK,
    ttl: bytes[IPV4.TTL],
    protocol: bytes[IPV4.PROTOCOL],
    checksum: v.getUint16(IPV4.CHECKSUM, false),
    src: v.getUint32(IPV4.SRC, false),
    dst: v.getUint32(IPV4.DST, false),
    options: bytes.slice(IPV4.OPTIONS, hlen),
    payload: bytes.slice(hlen, total),
  };
}

export function ipv4HeaderLen(repr: Ipv4Repr): number {
  return IPV4_MIN_HEADER_LEN + repr.options.length;
}

export function ipv4BufferLen(repr: Ipv4Repr): number {
  return ipv4HeaderLen(repr) + repr.payload.length;
}

/** Exact inverse of parseIpv4Packet; options must already be padded to a multiple of 4 bytes. */
export function emitIpv4Packet(repr: Ipv4Repr): Uint8Array {
  const hlen = ipv4HeaderLen(repr);
  if (repr.options.length % 4 !== 0 || hlen > IPV4_MAX_HEADER_LEN) {
    throw new RangeError(`ipv4 options: ${repr.options.length} bytes, need a multiple of 4 up to 40`);
  }
  const out = new Uint8Array(ipv4BufferLen(repr));
  const v = viewOf(out);
  out[IPV4.VER_IHL] = 0x40 | (hlen / 4);
  out[IPV4.TOS] = repr.tos & 0xff;
  v.setUint16(IPV4.LENGTH, out.length & 0xffff, false);
  v.setUint16(IPV4.IDENT, repr.ident & 0xffff, false);
  const fo =
    (repr.reservedFlag ? IP_RF : 0) |
    (repr.dontFragment ? IP_DF : 0) |
    (repr.moreFragments ? IP_MF : 0) |
    (repr.fragmentOffset & IP_OFFMASK);
  v.setUint16(IPV4.FLG_OFF, fo, false);
  out[IPV4.TTL] = repr.ttl & 0xff;
  out[IPV4.PROTOCOL] = repr.protocol & 0xff;
  v.setUint32(IPV4.SRC, repr.src >>> 0, false);
  v.setUint32(IPV4.DST, repr.dst >>> 0, false);
  out.set(repr.options, IPV4.OPTIONS);
  const sum = repr.checksum ?? internetChecksum(out.subarray(0, hlen));
  v.setUint16(IPV4.CHECKSUM, sum & 0xffff, false);
  out.set(repr.payload, hlen);
  return out;
}

/** True when the header (IHL bytes from the start of `datagram`) checksums to zero. */
export function ipv4ChecksumOk(datagram: Uint8Array): boolean {
  const hlen = (datagram[IPV4.VER_IHL] & 0x0f) * 4;
  return datagram.length >= hlen && internetChecksum(datagram.subarray(0, hlen)) === 0;
}

export function ipv4IsFragment(repr: Ipv4Header): boolean {
  return repr.moreFragments || repr.fragmentOffset !== 0;
}

// RFC 791 / RFC 2113 option types, named as tcpdump names them.
export const IPOPT_EOL = 0;
export const IPOPT_NOP = 1;
export const IPOPT_RR = 7;
export const IPOPT_TS = 68;
export const IPOPT_LSRR = 131;
export const IPOPT_SSRR = 137;
export const IPOPT_RA = 148;
const OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [IPOPT_EOL, "EOL"],
  [IPOPT_NOP, "NOP"],
  [IPOPT_RR, "RR"],
  [IPOPT_TS, "TS"],
  [IPOPT_LSRR, "LSRR"],
  [IPOPT_SSRR, "SSRR"],
  [IPOPT_RA, "RA"],
]);

export interface Ipv4Option {
  type: number;
  /** Option data after the type and length bytes. */
  data: Uint8Array;
}

/** Splits option bytes at EOL; a malformed length is an error value. */
export function parseIpv4Options(options: Uint8Array): Ipv4Option[] | WireError {
  const out: Ipv4Option[] = [];
  let i = 0;
  while (i < options.length) {
    const type = options[i];
    if (type === IPOPT_EOL) break;
    if (type === IPOPT_NOP) {
      out.push({ type, data: new Uint8Array(0) });
      i += 1;
      continue;
    }
    if (i + 1 >= options.length) return wireError("ipv4 options", i, `option ${type} has no length byte`);
    const len = options[i + 1];
    if (len < 2 || i + len > options.length) {
      return wireError("ipv4 options", i + 1, `option ${type} length ${len} does not fit`);
    }
    out.push({ type, data: options.slice(i + 2, i + len) });
    i += len;
  }
  return out;
}

/** Router Alert, value 0 (RFC 2113), padded to 4 bytes: what IGMPv2/v3 messages carry. */
export function routerAlertOption(): Uint8Array {
  return new Uint8Array([IPOPT_RA, 4, 0, 0]);
}

export function formatIpv4Options(options: Uint8Array): string {
  const opts = parseIpv4Options(options);
  if (!Array.isArray(opts)) return `options (malformed: ${opts.message})`;
  const names = opts.map((o) => OPTION_NAMES.get(o.type) ?? `opt-${o.type}`);
  return `options (${names.join(",")})`;
}

/** An IPv4 header without its payload, as decodeFrame reports it. */
export type Ipv4Header = Omit<Ipv4Repr, "payload">;

/**
 * "IP 10.0.0.2 > 10.0.0.1", or with transport ports "IP 10.0.0.2.40000 > 10.0.0.1.9" as tcpdump
 * writes them, plus options and fragment facts when present; the caller adds ": ...".
 */
export function formatIpv4Header(h: Ipv4Header, ports?: { src: number; dst: number }): string {
  const extra: string[] = [];
  if (h.options.length > 0) extra.push(formatIpv4Options(h.options));
  if (ipv4IsFragment(h)) {
    extra.push(`frag id ${h.ident} offset ${h.fragmentOffset * 8}${h.moreFragments ? "+" : ""}`);
  }
  const suffix = extra.length > 0 ? ` [${extra.join(", ")}]` : "";
  const src = ipv4ToString(h.src) + (ports ? `.${ports.src}` : "");
  const dst = ipv4ToString(h.dst) + (ports ? `.${ports.dst}` : "");
  return `IP ${src} > ${dst}${suffix}`;
}
