// Routing-socket messages as 10.4 sys/net/rtsock.c builds them: a header chosen by rtm_type
// (rt_msg1/rt_msg2: ifa_msghdr for RTM_NEWADDR/DELADDR, ifma_msghdr for RTM_NEWMADDR/DELMADDR,
// if_msghdr for RTM_IFINFO, if_announcemsghdr for RTM_IFANNOUNCE/IEEE80211, rt_msghdr for the
// rest), then one sockaddr per bit of the addrs mask in RTAX order, each taking SA_SIZE bytes.
// rt_msg2 (sysctl dumps, RTM_GET replies) also rounds the total up to sizeof(long) with ALIGN;
// rt_msg1 (messages broadcast on the socket) does not.

import {
  checkLength,
  decodeError,
  getI32,
  getU16,
  getU32,
  getU64,
  hex,
  hexBytes,
  isDecodeError,
  outputBuffer,
  readCString,
  setU16,
  setU32,
  setU64,
  writeCString,
  type DecodeError,
} from "./decode.ts";
import { formatSockaddrDl } from "./if_dl.ts";
import {
  IFAN_ARRIVAL,
  IFAN_DEPARTURE,
  IFNAMSIZ,
  decodeIfData,
  emptyIfData,
  encodeIfData,
  formatIfFlags,
  type IfData,
} from "./if.ts";
import { formatSockaddrIn } from "./in.ts";
import {
  RTAX_MAX,
  RTAX_NAMES,
  RTM_DELADDR,
  RTM_DELMADDR,
  RTM_IEEE80211,
  RTM_IFANNOUNCE,
  RTM_IFINFO,
  RTM_NEWADDR,
  RTM_NEWMADDR,
  RTM_VERSION,
  formatRtFlags,
  formatRtaAddrs,
  rtmTypeName,
  type RtaxName,
} from "./route_defs.ts";
import {
  SA_SIZE,
  SIZEOF_LONG,
  decodeSockaddr,
  encodeSockaddrPrefix,
  isSockaddrDl,
  isSockaddrIn,
  sockaddrLen,
  type Sockaddr,
} from "./socket.ts";

// ---------------------------------------------------------------------------------------------
// struct rt_metrics (10.4 sys/net/route.h): fourteen u_long — 112 bytes on amd64.

export const RT_METRICS_SIZE = 112;
const RMX_FIELDS = [
  "rmx_locks",
  "rmx_mtu",
  "rmx_hopcount",
  "rmx_expire",
  "rmx_recvpipe",
  "rmx_sendpipe",
  "rmx_ssthresh",
  "rmx_rtt",
  "rmx_rttvar",
  "rmx_pksent",
  "rmx_weight",
] as const;
/** Field offsets: the i-th u_long sits at 8 * i; rmx_filler[3] at 88. */
export const RT_METRICS_OFFSETS = {
  ...(Object.fromEntries(RMX_FIELDS.map((k, i) => [k, 8 * i])) as Record<
    (typeof RMX_FIELDS)[number],
    number
  >),
  rmx_filler: 88,
};

/** Every field is a u_long, kept as a bigint so any value round-trips. */
export type RtMetrics = Record<(typeof RMX_FIELDS)[number], bigint> & {
  rmx_filler: [bigint, bigint, bigint];
};

/** All zeros; a literal of one fixed shape (every rt_msghdr carries one), keys in the order they always had. */
export function emptyRtMetrics(): RtMetrics {
  return {
    rmx_filler: [0n, 0n, 0n],
    rmx_locks: 0n,
    rmx_mtu: 0n,
    rmx_hopcount: 0n,
    rmx_expire: 0n,
    rmx_recvpipe: 0n,
    rmx_sendpipe: 0n,
    rmx_ssthresh: 0n,
    rmx_rtt: 0n,
    rmx_rttvar: 0n,
    rmx_pksent: 0n,
    rmx_weight: 0n,
  };
}

export function decodeRtMetrics(bytes: Uint8Array, offset = 0): RtMetrics | DecodeError {
  const short = checkLength("rt_metrics", bytes, offset, RT_METRICS_SIZE);
  if (short !== null) return short;
  const o = offset;
  const at = RT_METRICS_OFFSETS;
  return {
    rmx_filler: [
      getU64(bytes, o + at.rmx_filler),
      getU64(bytes, o + at.rmx_filler + 8),
      getU64(bytes, o + at.rmx_filler + 16),
    ],
    rmx_locks: getU64(bytes, o + at.rmx_locks),
    rmx_mtu: getU64(bytes, o + at.rmx_mtu),
    rmx_hopcount: getU64(bytes, o + at.rmx_hopcount),
    rmx_expire: getU64(bytes, o + at.rmx_expire),
    rmx_recvpipe: getU64(bytes, o + at.rmx_recvpipe),
    rmx_sendpipe: getU64(bytes, o + at.rmx_sendpipe),
    rmx_ssthresh: getU64(bytes, o + at.rmx_ssthresh),
    rmx_rtt: getU64(bytes, o + at.rmx_rtt),
    rmx_rttvar: getU64(bytes, o + at.rmx_rttvar),
    rmx_pksent: getU64(bytes, o + at.rmx_pksent),
    rmx_weight: getU64(bytes, o + at.rmx_weight),
  };
}

export function encodeRtMetrics(m: RtMetrics, into?: Uint8Array, offset = 0): Uint8Array {
  const out = outputBuffer("rt_metrics", RT_METRICS_SIZE, into, offset);
  for (let i = 0; i < RMX_FIELDS.length; i++) setU64(out, offset + 8 * i, m[RMX_FIELDS[i]]);
  for (let i = 0; i < 3; i++) setU64(out, offset + 88 + 8 * i, m.rmx_filler[i]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Headers. All start with u_short msglen, u_char version, u_char type (route.h, if.h).

/** struct rt_msghdr (10.4 sys/net/route.h): 152 bytes on amd64. */
export const RT_MSGHDR_SIZE = 152;
export const RT_MSGHDR_OFFSETS = {
  rtm_msglen: 0,
  rtm_version: 2,
  rtm_type: 3,
  rtm_index: 4,
  rtm_flags: 8,
  rtm_addrs: 12,
  rtm_pid: 16,
  rtm_seq: 20,
  rtm_errno: 24,
  rtm_fmask: 28,
  rtm_inits: 32,
  rtm_rmx: 40,
} as const;

/** struct ifa_msghdr (10.4 sys/net/if.h): 20 bytes. */
export const IFA_MSGHDR_SIZE = 20;
export const IFA_MSGHDR_OFFSETS = {
  ifam_msglen: 0,
  ifam_version: 2,
  ifam_type: 3,
  ifam_addrs: 4,
  ifam_flags: 8,
  ifam_index: 12,
  ifam_metric: 16,
} as const;

/** struct if_msghdr (10.4 sys/net/if.h): 16 header bytes + if_data (152) = 168. */
export const IF_MSGHDR_SIZE = 168;
export const IF_MSGHDR_OFFSETS = {
  ifm_msglen: 0,
  ifm_version: 2,
  ifm_type: 3,
  ifm_addrs: 4,
  ifm_flags: 8,
  ifm_index: 12,
  ifm_data: 16,
} as const;

/** struct ifma_msghdr (10.4 sys/net/if.h): 14 bytes padded to 16. */
export const IFMA_MSGHDR_SIZE = 16;
export const IFMA_MSGHDR_OFFSETS = {
  ifmam_msglen: 0,
  ifmam_version: 2,
  ifmam_type: 3,
  ifmam_addrs: 4,
  ifmam_flags: 8,
  ifmam_index: 12,
} as const;

/** struct if_announcemsghdr (10.4 sys/net/if.h): 24 bytes. */
export const IF_ANNOUNCEMSGHDR_SIZE = 24;
export const IF_ANNOUNCEMSGHDR_OFFSETS = {
  ifan_msglen: 0,
  ifan_version: 2,
  ifan_type: 3,
  ifan_index: 4,
  ifan_name: 6,
  ifan_what: 22,
} as const;

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
  /** u_long: which metrics to set (RTV_*); a bigint, as NET_RT_DUMP leaves it unset. */
  rtm_inits: bigint;
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

export type RoutingMessageKind = RoutingMessage["kind"];

/** Which header rtsock.c (rt_msg1/rt_msg2) puts in front of a message of this type. */
export function routingMessageKind(rtm_type: number): RoutingMessageKind {
  switch (rtm_type) {
    case RTM_NEWADDR:
    case RTM_DELADDR:
      return "ifa";
    case RTM_NEWMADDR:
    case RTM_DELMADDR:
      return "ifma";
    case RTM_IFINFO:
      return "if";
    case RTM_IFANNOUNCE:
    case RTM_IEEE80211:
      return "ifannounce";
    default:
      return "rt";
  }
}

const HEADER_SIZE: Readonly<Record<RoutingMessageKind, number>> = {
  rt: RT_MSGHDR_SIZE,
  ifa: IFA_MSGHDR_SIZE,
  if: IF_MSGHDR_SIZE,
  ifma: IFMA_MSGHDR_SIZE,
  ifannounce: IF_ANNOUNCEMSGHDR_SIZE,
};

export function routingHeaderSize(kind: RoutingMessageKind): number {
  return HEADER_SIZE[kind];
}

/** machine/param.h ALIGN on amd64: round up to sizeof(long). */
export function ALIGN(n: number): number {
  return (n + SIZEOF_LONG - 1) & ~(SIZEOF_LONG - 1);
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * The sockaddrs after a header: one per set bit of `addrs`, in RTAX order, each taking
 * SA_SIZE(sa_len) bytes, none past `end`. A sockaddr with sa_len 0 takes sizeof(long), as the
 * kernel's rt_msg1/rt_msg2 write it. Bits above RTAX_MAX are an error.
 */
export function decodeRtAddrs(
  bytes: Uint8Array,
  offset: number,
  end: number,
  addrs: number,
): RtAddrs | DecodeError {
  if (addrs >>> RTAX_MAX !== 0) {
    return decodeError("rt_addrinfo", offset, `addrs mask ${hex(addrs)} has bits past RTAX_MAX`);
  }
  const out: RtAddrs = {};
  let at = offset;
  for (let i = 0; i < RTAX_MAX; i++) {
    if ((addrs & (1 << i)) === 0) continue;
    if (at >= end) {
      return decodeError("rt_addrinfo", at, `RTA ${RTAX_NAMES[i]} is missing: message ends`);
    }
    const sa = decodeSockaddr(bytes, at, end);
    if (isDecodeError(sa)) return sa;
    const size = SA_SIZE(sockaddrLen(sa));
    if (at + size > end) {
      return decodeError("rt_addrinfo", at, `RTA ${RTAX_NAMES[i]} padding runs past the message`);
    }
    out[RTAX_NAMES[i]] = sa;
    at += size;
  }
  return out;
}

function decodeRtMsghdr(bytes: Uint8Array, o: number): RtMsghdr | DecodeError {
  const rmx = decodeRtMetrics(bytes, o + 40);
  if (isDecodeError(rmx)) return rmx;
  return {
    rtm_msglen: getU16(bytes, o),
    rtm_version: bytes[o + 2],
    rtm_type: bytes[o + 3],
    rtm_index: getU16(bytes, o + 4),
    rtm_flags: getU32(bytes, o + 8),
    rtm_addrs: getU32(bytes, o + 12),
    rtm_pid: getI32(bytes, o + 16),
    rtm_seq: getI32(bytes, o + 20),
    rtm_errno: getI32(bytes, o + 24),
    rtm_fmask: getU32(bytes, o + 28),
    rtm_inits: getU64(bytes, o + 32),
    rtm_rmx: rmx,
  };
}

/**
 * Decodes one routing message at `offset`: the header its rtm_type calls for, then its
 * sockaddrs. Bytes between the last sockaddr and rtm_msglen (the ALIGN padding of sysctl
 * dumps) are allowed. Never throws; truncated or inconsistent input gives a DecodeError.
 */
export function decodeRoutingMessage(bytes: Uint8Array, offset = 0): RoutingMessage | DecodeError {
  const short = checkLength("routing message", bytes, offset, 4);
  if (short !== null) return short;
  const msglen = getU16(bytes, offset);
  const version = bytes[offset + 2];
  const type = bytes[offset + 3];
  if (version !== RTM_VERSION) {
    return decodeError("routing message", offset + 2, `version ${version}, expected ${RTM_VERSION}`);
  }
  const kind = routingMessageKind(type);
  const hsize = HEADER_SIZE[kind];
  const struct = `${rtmTypeName(type)} (${kind} header)`;
  if (msglen < hsize) {
    return decodeError(struct, offset, `msglen ${msglen} is shorter than the ${hsize}-byte header`);
  }
  const whole = checkLength(struct, bytes, offset, msglen);
  if (whole !== null) return whole;
  const end = offset + msglen;
  const o = offset;
  switch (kind) {
    case "rt": {
      const hdr = decodeRtMsghdr(bytes, o);
      if (isDecodeError(hdr)) return hdr;
      const addrs = decodeRtAddrs(bytes, o + hsize, end, hdr.rtm_addrs);
      return isDecodeError(addrs) ? addrs : { kind, hdr, addrs };
    }
    case "ifa": {
      const hdr: IfaMsghdr = {
        ifam_msglen: msglen,
        ifam_version: version,
        ifam_type: type,
        ifam_addrs: getU32(bytes, o + 4),
        ifam_flags: getU32(bytes, o + 8),
        ifam_index: getU16(bytes, o + 12),
        ifam_metric: getI32(bytes, o + 16),
      };
      const addrs = decodeRtAddrs(bytes, o + hsize, end, hdr.ifam_addrs);
      return isDecodeError(addrs) ? addrs : { kind, hdr, addrs };
    }
    case "if": {
      const data = decodeIfData(bytes, o + IF_MSGHDR_OFFSETS.ifm_data);
      if (isDecodeError(data)) return data;
      const hdr: IfMsghdr = {
        ifm_msglen: msglen,
        ifm_version: version,
        ifm_type: type,
        ifm_addrs: getU32(bytes, o + 4),
        ifm_flags: getU32(bytes, o + 8),
        ifm_index: getU16(bytes, o + 12),
        ifm_data: data,
      };
      const addrs = decodeRtAddrs(bytes, o + hsize, end, hdr.ifm_addrs);
      return isDecodeError(addrs) ? addrs : { kind, hdr, addrs };
    }
    case "ifma": {
      const hdr: IfmaMsghdr = {
        ifmam_msglen: msglen,
        ifmam_version: version,
        ifmam_type: type,
        ifmam_addrs: getU32(bytes, o + 4),
        ifmam_flags: getU32(bytes, o + 8),
        ifmam_index: getU16(bytes, o + 12),
      };
      const addrs = decodeRtAddrs(bytes, o + hsize, end, hdr.ifmam_addrs);
      return isDecodeError(addrs) ? addrs : { kind, hdr, addrs };
    }
    case "ifannounce":
      return {
        kind,
        hdr: {
          ifan_msglen: msglen,
          ifan_version: version,
          ifan_type: type,
          ifan_index: getU16(bytes, o + 4),
          ifan_name: readCString(bytes, o + 6, IFNAMSIZ),
          ifan_what: getU16(bytes, o + 22),
        },
      };
  }
}

/**
 * Cuts a buffer of back-to-back routing messages (a sysctl NET_RT_* dump, or several reads of
 * a routing socket) at each rtm_msglen. A msglen under 4 or past the end is an error.
 */
export function splitRoutingMessages(buf: Uint8Array): Uint8Array[] | DecodeError {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < buf.length) {
    const short = checkLength("routing message", buf, at, 2);
    if (short !== null) return short;
    const len = getU16(buf, at);
    if (len < 4) return decodeError("routing message", at, `msglen ${len} is too small`);
    if (at + len > buf.length) {
      return decodeError("routing message", at, `msglen ${len} runs past the ${buf.length - at} bytes left`);
    }
    out.push(buf.subarray(at, at + len));
    at += len;
  }
  return out;
}

/** Decodes every message of a dump; the first bad message makes the whole result an error. */
export function decodeRoutingMessages(buf: Uint8Array): RoutingMessage[] | DecodeError {
  const parts = splitRoutingMessages(buf);
  if (isDecodeError(parts)) return parts;
  const out: RoutingMessage[] = [];
  let at = 0;
  for (const p of parts) {
    const m = decodeRoutingMessage(buf, at);
    if (isDecodeError(m)) return m;
    out.push(m);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding

export interface EncodeRoutingOptions {
  /**
   * Round the length up to sizeof(long) as rt_msg2 does (sysctl dumps and RTM_GET replies).
   * rt_msg1, which builds the messages broadcast on the socket, does not. Default false.
   */
  align?: boolean;
}

/** The addrs bitmask of the slots present, as rt_msg1/rt_msg2 compute rti_addrs. */
export function rtAddrsMask(addrs: RtAddrs): number {
  let mask = 0;
  RTAX_NAMES.forEach((name, i) => {
    if (addrs[name] !== undefined) mask |= 1 << i;
  });
  return mask;
}

/** The message length rtsock.c would give these sockaddrs behind a header of `kind`. */
export function routingMessageLength(
  kind: RoutingMessageKind,
  addrs: RtAddrs,
  opts: EncodeRoutingOptions = {},
): number {
  let len = HEADER_SIZE[kind];
  for (const name of RTAX_NAMES) {
    const sa = addrs[name];
    if (sa !== undefined) len += SA_SIZE(sockaddrLen(sa));
  }
  return opts.align === true ? ALIGN(len) : len;
}

/**
 * Encodes a message as rtsock.c lays it out. msglen is computed (and overrides hdr's), and the
 * addrs mask is taken from the sockaddrs present, as rt_msg1/rt_msg2 compute rti_addrs. Each
 * sockaddr is copied SA_SIZE bytes long from its in-memory image, as those functions bcopy it
 * (decoders ignore the bytes past sa_len).
 */
export function encodeRoutingMessage(msg: RoutingMessage, opts: EncodeRoutingOptions = {}): Uint8Array {
  const addrs: RtAddrs = msg.kind === "ifannounce" ? {} : msg.addrs;
  const len = routingMessageLength(msg.kind, addrs, opts);
  const out = new Uint8Array(len);
  const mask = rtAddrsMask(addrs);
  setU16(out, 0, len);
  switch (msg.kind) {
    case "rt": {
      const h = msg.hdr;
      out[2] = h.rtm_version;
      out[3] = h.rtm_type;
      setU16(out, 4, h.rtm_index);
      setU32(out, 8, h.rtm_flags);
      setU32(out, 12, mask);
      setU32(out, 16, h.rtm_pid);
      setU32(out, 20, h.rtm_seq);
      setU32(out, 24, h.rtm_errno);
      setU32(out, 28, h.rtm_fmask);
      setU64(out, 32, h.rtm_inits);
      encodeRtMetrics(h.rtm_rmx, out, 40);
      break;
    }
    case "ifa": {
      const h = msg.hdr;
      out[2] = h.ifam_version;
      out[3] = h.ifam_type;
      setU32(out, 4, mask);
      setU32(out, 8, h.ifam_flags);
      setU16(out, 12, h.ifam_index);
      setU32(out, 16, h.ifam_metric);
      break;
    }
    case "if": {
      const h = msg.hdr;
      out[2] = h.ifm_version;
      out[3] = h.ifm_type;
      setU32(out, 4, mask);
      setU32(out, 8, h.ifm_flags);
      setU16(out, 12, h.ifm_index);
      encodeIfData(h.ifm_data, out, IF_MSGHDR_OFFSETS.ifm_data);
      break;
    }
    case "ifma": {
      const h = msg.hdr;
      out[2] = h.ifmam_version;
      out[3] = h.ifmam_type;
      setU32(out, 4, mask);
      setU32(out, 8, h.ifmam_flags);
      setU16(out, 12, h.ifmam_index);
      break;
    }
    case "ifannounce": {
      const h = msg.hdr;
      out[2] = h.ifan_version;
      out[3] = h.ifan_type;
      setU16(out, 4, h.ifan_index);
      writeCString(out, 6, IFNAMSIZ, h.ifan_name);
      setU16(out, 22, h.ifan_what);
      break;
    }
  }
  let at = HEADER_SIZE[msg.kind];
  for (const name of RTAX_NAMES) {
    const sa = addrs[name];
    if (sa === undefined) continue;
    const size = SA_SIZE(sockaddrLen(sa));
    encodeSockaddrPrefix(sa, size, out, at);
    at += size;
  }
  return out;
}

/** A routing message with a fresh header: version RTM_VERSION, zeroed fields, given type. */
export function newRoutingMessage(type: number, addrs: RtAddrs = {}): RoutingMessage {
  const kind = routingMessageKind(type);
  const mask = rtAddrsMask(addrs);
  switch (kind) {
    case "rt":
      return {
        kind,
        addrs,
        hdr: {
          rtm_msglen: 0,
          rtm_version: RTM_VERSION,
          rtm_type: type,
          rtm_index: 0,
          rtm_flags: 0,
          rtm_addrs: mask,
          rtm_pid: 0,
          rtm_seq: 0,
          rtm_errno: 0,
          rtm_fmask: 0,
          rtm_inits: 0n,
          rtm_rmx: emptyRtMetrics(),
        },
      };
    case "ifa":
      return {
        kind,
        addrs,
        hdr: {
          ifam_msglen: 0,
          ifam_version: RTM_VERSION,
          ifam_type: type,
          ifam_addrs: mask,
          ifam_flags: 0,
          ifam_index: 0,
          ifam_metric: 0,
        },
      };
    case "if":
      return {
        kind,
        addrs,
        hdr: {
          ifm_msglen: 0,
          ifm_version: RTM_VERSION,
          ifm_type: type,
          ifm_addrs: mask,
          ifm_flags: 0,
          ifm_index: 0,
          ifm_data: emptyIfData(),
        },
      };
    case "ifma":
      return {
        kind,
        addrs,
        hdr: {
          ifmam_msglen: 0,
          ifmam_version: RTM_VERSION,
          ifmam_type: type,
          ifmam_addrs: mask,
          ifmam_flags: 0,
          ifmam_index: 0,
        },
      };
    case "ifannounce":
      return {
        kind,
        hdr: {
          ifan_msglen: 0,
          ifan_version: RTM_VERSION,
          ifan_type: type,
          ifan_index: 0,
          ifan_name: "",
          ifan_what: 0,
        },
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

export function formatSockaddr(sa: Sockaddr): string {
  if (isSockaddrIn(sa)) return formatSockaddrIn(sa);
  if (isSockaddrDl(sa)) return formatSockaddrDl(sa);
  const data = hexBytes(sa.sa_data);
  return `(af ${sa.sa_family} len ${sa.sa_len}${data.length > 0 ? " " + data : ""})`;
}

function formatAddrs(addrs: RtAddrs): string {
  return RTAX_NAMES.filter((n) => addrs[n] !== undefined)
    .map((n) => `${n}=${formatSockaddr(addrs[n] as Sockaddr)}`)
    .join(" ");
}

/**
 * One line in the spirit of `route -n monitor`:
 * "RTM_NEWADDR: len 52, metric 0, flags:<UP> index 1 <NETMASK,IFP,IFA,BRD> netmask=... ifa=...".
 */
export function formatRoutingMessage(msg: RoutingMessage): string {
  switch (msg.kind) {
    case "rt": {
      const h = msg.hdr;
      return (
        `${rtmTypeName(h.rtm_type)}: len ${h.rtm_msglen}, pid ${h.rtm_pid}, seq ${h.rtm_seq}, ` +
        `errno ${h.rtm_errno}, flags:<${formatRtFlags(h.rtm_flags)}> index ${h.rtm_index} ` +
        `<${formatRtaAddrs(h.rtm_addrs)}> ${formatAddrs(msg.addrs)}`
      ).trimEnd();
    }
    case "ifa": {
      const h = msg.hdr;
      return (
        `${rtmTypeName(h.ifam_type)}: len ${h.ifam_msglen}, metric ${h.ifam_metric}, ` +
        `flags:<${formatRtFlags(h.ifam_flags)}> index ${h.ifam_index} ` +
        `<${formatRtaAddrs(h.ifam_addrs)}> ${formatAddrs(msg.addrs)}`
      ).trimEnd();
    }
    case "if": {
      const h = msg.hdr;
      return (
        `${rtmTypeName(h.ifm_type)}: len ${h.ifm_msglen}, if# ${h.ifm_index}, ` +
        `link: ${h.ifm_data.ifi_link_state}, flags:<${formatIfFlags(h.ifm_flags)}> ` +
        `<${formatRtaAddrs(h.ifm_addrs)}> ${formatAddrs(msg.addrs)}`
      ).trimEnd();
    }
    case "ifma": {
      const h = msg.hdr;
      return (
        `${rtmTypeName(h.ifmam_type)}: len ${h.ifmam_msglen}, index ${h.ifmam_index}, ` +
        `flags ${hex(h.ifmam_flags)} <${formatRtaAddrs(h.ifmam_addrs)}> ${formatAddrs(msg.addrs)}`
      ).trimEnd();
    }
    case "ifannounce": {
      const h = msg.hdr;
      const what =
        h.ifan_what === IFAN_ARRIVAL
          ? "arrival"
          : h.ifan_what === IFAN_DEPARTURE
            ? "departure"
            : `what ${h.ifan_what}`;
      const subject = h.ifan_name === "" ? what : `${h.ifan_name} ${what}`;
      return `${rtmTypeName(h.ifan_type)}: len ${h.ifan_msglen}, if# ${h.ifan_index}, ${subject}`;
    }
  }
}
