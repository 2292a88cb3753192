// IPv4 constants and structs of sys/netinet/in.h and in_var.h (10.4, matching the seed's era):
// the 16-byte sockaddr_in as it sits inside ioctl structs, and in_aliasreq in the seed's
// layout (with ifra_vhid) and the 9.x layout behind OSIOCAIFADDR (without).

import {
  checkLength,
  getI32,
  outputBuffer,
  readCString,
  setU32,
  writeCString,
  type DecodeError,
} from "./decode.ts";
import { SOCKADDR_IN_SIZE, sockaddrInAt, sockaddrInImage, type SockaddrIn } from "./socket.ts";

export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_RAW = 255;

// 10.4 sys/netinet/in.h INADDR_* (host-order values)
export const INADDR_ANY = 0x00000000;
export const INADDR_BROADCAST = 0xffffffff;
export const INADDR_NONE = 0xffffffff;
export const INADDR_LOOPBACK = 0x7f000001;
export const INADDR_UNSPEC_GROUP = 0xe0000000;
export const INADDR_ALLHOSTS_GROUP = 0xe0000001;
export const INADDR_ALLRTRS_GROUP = 0xe0000002;
export const INADDR_ALLRPTS_GROUP = 0xe0000016;
export const INADDR_CARP_GROUP = 0xe0000012;
export const INADDR_PFSYNC_GROUP = 0xe00000f0;
export const INADDR_ALLMDNS_GROUP = 0xe00000fb;
export const INADDR_MAX_LOCAL_GROUP = 0xe00000ff;

// in.h IN_CLASS*_NET/NSHIFT/HOST/MAX classful masks
export const IN_CLASSA_NET = 0xff000000;
export const IN_CLASSA_NSHIFT = 24;
export const IN_CLASSA_HOST = 0x00ffffff;
export const IN_CLASSA_MAX = 128;
export const IN_CLASSB_NET = 0xffff0000;
export const IN_CLASSB_NSHIFT = 16;
export const IN_CLASSB_HOST = 0x0000ffff;
export const IN_CLASSB_MAX = 65536;
export const IN_CLASSC_NET = 0xffffff00;
export const IN_CLASSC_NSHIFT = 8;
export const IN_CLASSC_HOST = 0x000000ff;
export const IN_CLASSD_NET = 0xf0000000;
export const IN_CLASSD_NSHIFT = 28;
export const IN_CLASSD_HOST = 0x0fffffff;
export const IN_LOOPBACKNET = 127;
export const IN_RFC3021_MASK = 0xfffffffe;

// in.h IN_CLASSA() ... IN_ANY_LOCAL() address predicates; `i` is a host-order address.
export const IN_CLASSA = (i: number): boolean => ((i >>> 0) & 0x80000000) === 0;
export const IN_CLASSB = (i: number): boolean => (i & 0xc0000000) >>> 0 === 0x80000000;
export const IN_CLASSC = (i: number): boolean => (i & 0xe0000000) >>> 0 === 0xc0000000;
export const IN_CLASSD = (i: number): boolean => (i & 0xf0000000) >>> 0 === 0xe0000000;
export const IN_MULTICAST = IN_CLASSD;
export const IN_EXPERIMENTAL = (i: number): boolean => (i & 0xf0000000) >>> 0 === 0xf0000000;
export const IN_BADCLASS = IN_EXPERIMENTAL;
export const IN_LINKLOCAL = (i: number): boolean => (i & 0xffff0000) >>> 0 === 0xa9fe0000;
export const IN_LOOPBACK = (i: number): boolean => (i & 0xff000000) >>> 0 === 0x7f000000;
export const IN_ZERONET = (i: number): boolean => (i & 0xff000000) >>> 0 === 0;
export const IN_PRIVATE = (i: number): boolean =>
  (i & 0xff000000) >>> 0 === 0x0a000000 ||
  (i & 0xfff00000) >>> 0 === 0xac100000 ||
  (i & 0xffff0000) >>> 0 === 0xc0a80000;
export const IN_LOCAL_GROUP = (i: number): boolean => (i & 0xffffff00) >>> 0 === 0xe0000000;
export const IN_ANY_LOCAL = (i: number): boolean => IN_LINKLOCAL(i) || IN_LOCAL_GROUP(i);

/** Dotted quad of a host-order address: 0x0a000001 → "10.0.0.1". */
export function ipv4ToString(n: number): string {
  const a = n >>> 0;
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/**
 * Host-order address of a strict dotted quad ("10.0.0.1": four runs of one to three ASCII
 * digits, each at most 255, joined by dots); null when `s` is not one. Scanned a character at
 * a time: the harness reads every address of every program and expectation with it.
 */
export function parseIpv4(s: string): number | null {
  let addr = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : -1;
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return null;
      part = part * 10 + (c - 0x30);
      continue;
    }
    if (digits === 0 || part > 255 || (c === -1 ? dots !== 3 : c !== 0x2e || ++dots > 3)) return null;
    addr = addr * 256 + part;
    part = 0;
    digits = 0;
  }
  return addr >>> 0;
}

/** Host-order netmask of a prefix length: 24 → 0xffffff00. */
export function prefixToMask(len: number): number {
  if (len <= 0) return 0;
  if (len >= 32) return 0xffffffff;
  return (0xffffffff << (32 - len)) >>> 0;
}

/** Prefix length of a contiguous mask, or null if the mask has holes. */
export function maskToPrefix(mask: number): number | null {
  const m = mask >>> 0;
  const len = Math.clz32(~m); // leading one bits
  return prefixToMask(len) === m ? len : null;
}

/** Decodes the fixed 16-byte sockaddr_in of an ioctl struct (sin_len is kept as written). */
export function decodeSockaddrIn(bytes: Uint8Array, offset = 0): SockaddrIn | DecodeError {
  const short = checkLength("sockaddr_in", bytes, offset, SOCKADDR_IN_SIZE);
  if (short !== null) return short;
  return sockaddrInAt(bytes, offset, SOCKADDR_IN_SIZE);
}

/** Encodes all 16 bytes of a sockaddr_in, whatever sin_len says (ioctl structs are fixed). */
export function encodeSockaddrIn(sin: SockaddrIn, into?: Uint8Array, offset = 0): Uint8Array {
  const out = outputBuffer("sockaddr_in", SOCKADDR_IN_SIZE, into, offset);
  out.set(sockaddrInImage(sin), offset);
  return out;
}

export function formatSockaddrIn(sin: SockaddrIn): string {
  const extras: string[] = [];
  if (sin.sin_len !== SOCKADDR_IN_SIZE) extras.push(`len ${sin.sin_len}`);
  if (sin.sin_family !== 2) extras.push(`family ${sin.sin_family}`);
  if (sin.sin_port !== 0) extras.push(`port ${sin.sin_port}`);
  const base = ipv4ToString(sin.sin_addr);
  return extras.length === 0 ? base : `${base} (${extras.join(", ")})`;
}

// 10.4 sys/netinet/in_var.h struct in_aliasreq; ifra_dstaddr is a #define for
// ifra_broadaddr, so a point-to-point destination travels in the broadaddr slot.
export const IN_ALIASREQ_OFFSETS = {
  ifra_name: 0,
  ifra_addr: 16,
  ifra_broadaddr: 32,
  ifra_mask: 48,
  ifra_vhid: 64,
} as const;
/** sizeof(struct in_aliasreq) on amd64 (= sizeof(struct ifaliasreq)). */
export const IN_ALIASREQ_SIZE = 68;
/** The 9.x layout (struct oifaliasreq, 10.4 sys/net/if.h): no ifra_vhid. */
export const OIN_ALIASREQ_SIZE = 64;

export interface InAliasreq {
  ifra_name: string;
  ifra_addr: SockaddrIn;
  /** Also ifra_dstaddr on point-to-point interfaces. */
  ifra_broadaddr: SockaddrIn;
  ifra_mask: SockaddrIn;
  /** CARP vhid; 0 in the 9.x layout, which has no such field. */
  ifra_vhid: number;
}

export function inAliasreq(
  name: string,
  addr: SockaddrIn,
  mask: SockaddrIn,
  broadaddr: SockaddrIn,
  vhid = 0,
): InAliasreq {
  return { ifra_name: name, ifra_addr: addr, ifra_broadaddr: broadaddr, ifra_mask: mask, ifra_vhid: vhid };
}

function decodeAliasreq(
  struct: string,
  size: number,
  bytes: Uint8Array,
  offset: number,
): InAliasreq | DecodeError {
  const short = checkLength(struct, bytes, offset, size);
  if (short !== null) return short;
  const o = IN_ALIASREQ_OFFSETS;
  const v = offset + o.ifra_vhid;
  return {
    ifra_name: readCString(bytes, offset + o.ifra_name, 16),
    ifra_addr: sinAt(bytes, offset + o.ifra_addr),
    ifra_broadaddr: sinAt(bytes, offset + o.ifra_broadaddr),
    ifra_mask: sinAt(bytes, offset + o.ifra_mask),
    // int, little-endian on amd64
    ifra_vhid: size === IN_ALIASREQ_SIZE ? getI32(bytes, v) : 0,
  };
}

function sinAt(bytes: Uint8Array, at: number): SockaddrIn {
  return sockaddrInAt(bytes, at, SOCKADDR_IN_SIZE);
}

function encodeAliasreq(
  struct: string,
  size: number,
  req: InAliasreq,
  into: Uint8Array | undefined,
  offset: number,
): Uint8Array {
  const out = outputBuffer(struct, size, into, offset);
  const o = IN_ALIASREQ_OFFSETS;
  writeCString(out, offset + o.ifra_name, 16, req.ifra_name);
  out.set(sockaddrInImage(req.ifra_addr), offset + o.ifra_addr);
  out.set(sockaddrInImage(req.ifra_broadaddr), offset + o.ifra_broadaddr);
  out.set(sockaddrInImage(req.ifra_mask), offset + o.ifra_mask);
  if (size === IN_ALIASREQ_SIZE) setU32(out, offset + o.ifra_vhid, req.ifra_vhid);
  return out;
}

export function decodeInAliasreq(bytes: Uint8Array, offset = 0): InAliasreq | DecodeError {
  return decodeAliasreq("in_aliasreq", IN_ALIASREQ_SIZE, bytes, offset);
}

export function encodeInAliasreq(req: InAliasreq, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeAliasreq("in_aliasreq", IN_ALIASREQ_SIZE, req, into, offset);
}

/** The 64-byte 9.x layout that OSIOCAIFADDR carries; ifra_vhid decodes as 0. */
export function decodeOInAliasreq(bytes: Uint8Array, offset = 0): InAliasreq | DecodeError {
  return decodeAliasreq("oin_aliasreq", OIN_ALIASREQ_SIZE, bytes, offset);
}

/** Writes the 64-byte 9.x layout; ifra_vhid is not part of it and is dropped. */
export function encodeOInAliasreq(req: InAliasreq, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeAliasreq("oin_aliasreq", OIN_ALIASREQ_SIZE, req, into, offset);
}

export function formatInAliasreq(req: InAliasreq): string {
  return (
    `${req.ifra_name} addr ${formatSockaddrIn(req.ifra_addr)} ` +
    `mask ${formatSockaddrIn(req.ifra_mask)} brd/dst ${formatSockaddrIn(req.ifra_broadaddr)}` +
    (req.ifra_vhid !== 0 ? ` vhid ${req.ifra_vhid}` : "")
  );
}
