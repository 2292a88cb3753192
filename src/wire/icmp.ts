// ICMP (RFC 792): echo request and reply decoded, every other type kept as type, code and the
// raw bytes after the checksum. The checksum covers the whole ICMP message.

import { viewOf } from "../abi/decode.ts";
import { internetChecksum } from "./checksum.ts";
import { needBytes, type WireError } from "./error.ts";

export const ICMP = { TYPE: 0, CODE: 1, CHECKSUM: 2, ID: 4, SEQ: 6, ECHO_DATA: 8, REST: 4 } as const;
export const ICMP_HEADER_LEN = 4;
export const ICMP_ECHO_HEADER_LEN = 8;

// 10.4 sys/netinet/ip_icmp.h.
export const ICMP_ECHOREPLY = 0;
export const ICMP_UNREACH = 3;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_ROUTERADVERT = 9;
export const ICMP_ROUTERSOLICIT = 10;
export const ICMP_TIMXCEED = 11;
export const ICMP_PARAMPROB = 12;
export const ICMP_TSTAMP = 13;
export const ICMP_TSTAMPREPLY = 14;
export const ICMP_MASKREQ = 17;
export const ICMP_MASKREPLY = 18;

export type IcmpRepr =
  | {
      kind: "echo-request" | "echo-reply";
      /** 0 in every echo a host sends; kept so a non-zero one round-trips. */
      code: number;
      /** As read by parse; emit computes it when absent. */
      checksum?: number;
      id: number;
      seq: number;
      data: Uint8Array;
    }
  | {
      kind: "other";
      type: number;
      code: number;
      checksum?: number;
      /** Bytes 4.. of the message (unused/pointer/gateway word, then the body). */
      rest: Uint8Array;
    };

export function icmpType(repr: IcmpRepr): number {
  switch (repr.kind) {
    case "echo-request":
      return ICMP_ECHO;
    case "echo-reply":
      return ICMP_ECHOREPLY;
    case "other":
      return repr.type;
  }
}

/** Parses a whole ICMP message: all of the IPv4 payload. */
export function parseIcmp(bytes: Uint8Array): IcmpRepr | WireError {
  const short = needBytes("icmp", bytes, ICMP_HEADER_LEN);
  if (short) return short;
  const v = viewOf(bytes);
  const type = bytes[ICMP.TYPE];
  const code = bytes[ICMP.CODE];
  const checksum = v.getUint16(ICMP.CHECKSUM, false);
  if ((type === ICMP_ECHO || type === ICMP_ECHOREPLY) && bytes.length >= ICMP_ECHO_HEADER_LEN) {
    return {
      kind: type === ICMP_ECHO ? "echo-request" : "echo-reply",
      code,
      checksum,
      id: v.getUint16(ICMP.ID, false),
      seq: v.getUint16(ICMP.SEQ, false),
      data: bytes.slice(ICMP.ECHO_DATA),
    };
  }
  return { kind: "other", type, code, checksum, rest: bytes.slice(ICMP.REST) };
}

export function icmpBufferLen(repr: IcmpRepr): number {
  return repr.kind === "other" ? ICMP_HEADER_LEN + repr.rest.length : ICMP_ECHO_HEADER_LEN + repr.data.length;
}

export function emitIcmp(repr: IcmpRepr): Uint8Array {
  const out = new Uint8Array(icmpBufferLen(repr));
  const v = viewOf(out);
  out[ICMP.TYPE] = icmpType(repr);
  out[ICMP.CODE] = repr.code & 0xff;
  if (repr.kind === "other") {
    out.set(repr.rest, ICMP.REST);
  } else {
    v.setUint16(ICMP.ID, repr.id & 0xffff, false);
    v.setUint16(ICMP.SEQ, repr.seq & 0xffff, false);
    out.set(repr.data, ICMP.ECHO_DATA);
  }
  v.setUint16(ICMP.CHECKSUM, (repr.checksum ?? internetChecksum(out)) & 0xffff, false);
  return out;
}

/** True when the whole message, checksum field included, checksums to zero. */
export function icmpChecksumOk(message: Uint8Array): boolean {
  return message.length >= ICMP_HEADER_LEN && internetChecksum(message) === 0;
}

const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [ICMP_ECHOREPLY, "echo reply"],
  [ICMP_UNREACH, "unreachable"],
  [ICMP_REDIRECT, "redirect"],
  [ICMP_ECHO, "echo request"],
  [ICMP_ROUTERADVERT, "router advertisement"],
  [ICMP_ROUTERSOLICIT, "router solicitation"],
  [ICMP_TIMXCEED, "time exceeded"],
  [ICMP_PARAMPROB, "parameter problem"],
  [ICMP_TSTAMP, "time stamp request"],
  [ICMP_TSTAMPREPLY, "time stamp reply"],
  [ICMP_MASKREQ, "address mask request"],
  [ICMP_MASKREPLY, "address mask reply"],
]);

// ip_icmp.h ICMP_UNREACH_* codes 0..5, the ones a host stack commonly sends.
const UNREACH_CODES = ["net", "host", "protocol", "port", "need-frag", "srcroute-fail"];

/** "ICMP echo request id 1 seq 1 length 8", "ICMP unreachable (port) length 36". */
export function formatIcmp(repr: IcmpRepr): string {
  const len = icmpBufferLen(repr);
  if (repr.kind !== "other") {
    const code = repr.code !== 0 ? ` code ${repr.code}` : "";
    const name = repr.kind === "echo-request" ? "echo request" : "echo reply";
    return `ICMP ${name}${code} id ${repr.id} seq ${repr.seq} length ${len}`;
  }
  const name = TYPE_NAMES.get(repr.type) ?? `type ${repr.type}`;
  const code =
    repr.type === ICMP_UNREACH && repr.code < UNREACH_CODES.length
      ? ` (${UNREACH_CODES[repr.code]})`
      : repr.code !== 0
        ? ` code ${repr.code}`
        : "";
  return `ICMP ${name}${code} length ${len}`;
}
