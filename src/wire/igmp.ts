// IGMP v1/v2 (RFC 1112, RFC 2236) and v3 (RFC 3376). A query is told apart by length and Max
// Resp Code exactly as RFC 3376 section 7.1 does: 8 bytes is v1 (code 0) or v2, 12 or more is v3.

import { hex, viewOf } from "../abi/decode.ts";
import { ipv4ToString } from "../abi/in.ts";
import { internetChecksum } from "./checksum.ts";
import { needBytes, wireError, type WireError } from "./error.ts";

export const IGMP = { TYPE: 0, CODE: 1, CHECKSUM: 2, GROUP: 4 } as const;
/** RFC 3376 4.1 query fields after the group address. */
export const IGMP_V3_QUERY = { FLAGS: 8, QQIC: 9, NUM_SOURCES: 10, SOURCES: 12 } as const;
/** RFC 3376 4.2 report header, then group records from RECORDS. */
export const IGMP_V3_REPORT = { RESERVED2: 4, NUM_RECORDS: 6, RECORDS: 8 } as const;
/** RFC 3376 4.2.4 group record. */
export const IGMP_V3_RECORD = { TYPE: 0, AUX_LEN: 1, NUM_SOURCES: 2, GROUP: 4, SOURCES: 8 } as const;
export const IGMP_MIN_LEN = 8;
export const IGMP_V3_QUERY_MIN_LEN = 12;

// Message types: RFC 2236 section 2.1, RFC 3376 section 4.
export const IGMP_MEMBERSHIP_QUERY = 0x11;
export const IGMP_V1_MEMBERSHIP_REPORT = 0x12;
export const IGMP_V2_MEMBERSHIP_REPORT = 0x16;
export const IGMP_V2_LEAVE_GROUP = 0x17;
export const IGMP_V3_MEMBERSHIP_REPORT = 0x22;

// RFC 3376 4.2.12 record types.
export const MODE_IS_INCLUDE = 1;
export const MODE_IS_EXCLUDE = 2;
export const CHANGE_TO_INCLUDE_MODE = 3;
export const CHANGE_TO_EXCLUDE_MODE = 4;
export const ALLOW_NEW_SOURCES = 5;
export const BLOCK_OLD_SOURCES = 6;
const RECORD_NAMES = ["", "is_in", "is_ex", "to_in", "to_ex", "allow", "block"];

export interface IgmpGroupRecord {
  type: number;
  group: number;
  sources: number[];
  /** Auxiliary data, a multiple of 4 bytes (RFC 3376 says none is defined). */
  auxData: Uint8Array;
}

export type IgmpRepr =
  | {
      /** 8-byte query: IGMPv1 when maxRespCode is 0, else IGMPv2. */
      kind: "query";
      maxRespCode: number;
      checksum?: number;
      group: number;
    }
  | {
      /** 8-byte reports and leave; byte 1 is "unused" in v1 and Max Resp Time in v2, sent as 0. */
      kind: "v1-report" | "v2-report" | "v2-leave";
      maxRespCode: number;
      checksum?: number;
      group: number;
    }
  | {
      kind: "v3-query";
      maxRespCode: number;
      checksum?: number;
      group: number;
      /** The four "Resv" bits above S and QRV. */
      reserved: number;
      suppressRouterProcessing: boolean;
      qrv: number;
      qqic: number;
      sources: number[];
    }
  | {
      kind: "v3-report";
      /** Byte 1 and bytes 4-5, both "Reserved". */
      reserved1: number;
      reserved2: number;
      checksum?: number;
      records: IgmpGroupRecord[];
    }
  | {
      kind: "other";
      type: number;
      code: number;
      checksum?: number;
      /** Bytes 4.. of the message. */
      rest: Uint8Array;
    };

const FIXED_KINDS = new Map<number, "v1-report" | "v2-report" | "v2-leave">([
  [IGMP_V1_MEMBERSHIP_REPORT, "v1-report"],
  [IGMP_V2_MEMBERSHIP_REPORT, "v2-report"],
  [IGMP_V2_LEAVE_GROUP, "v2-leave"],
]);

export function igmpType(repr: IgmpRepr): number {
  switch (repr.kind) {
    case "query":
    case "v3-query":
      return IGMP_MEMBERSHIP_QUERY;
    case "v1-report":
      return IGMP_V1_MEMBERSHIP_REPORT;
    case "v2-report":
      return IGMP_V2_MEMBERSHIP_REPORT;
    case "v2-leave":
      return IGMP_V2_LEAVE_GROUP;
    case "v3-report":
      return IGMP_V3_MEMBERSHIP_REPORT;
    case "other":
      return repr.type;
  }
}

/**
 * Parses an IGMP message from the start of the IPv4 payload. Bytes past the message's own
 * length (igmpBufferLen) are the caller's; the checksum still covers them (RFC 2236 section 2.3).
 */
export function parseIgmp(bytes: Uint8Array): IgmpRepr | WireError {
  const short = needBytes("igmp", bytes, IGMP_MIN_LEN);
  if (short) return short;
  const v = viewOf(bytes);
  const type = bytes[IGMP.TYPE];
  const code = bytes[IGMP.CODE];
  const checksum = v.getUint16(IGMP.CHECKSUM, false);
  const group = v.getUint32(IGMP.GROUP, false);
  const fixed = FIXED_KINDS.get(type);
  if (fixed !== undefined) return { kind: fixed, maxRespCode: code, checksum, group };
  if (type === IGMP_MEMBERSHIP_QUERY && bytes.length === IGMP_MIN_LEN) {
    return { kind: "query", maxRespCode: code, checksum, group };
  }
  if (type === IGMP_MEMBERSHIP_QUERY && bytes.length >= IGMP_V3_QUERY_MIN_LEN) {
    return parseV3Query(bytes, v, code, checksum, group);
  }
  if (type === IGMP_V3_MEMBERSHIP_REPORT) return parseV3Report(bytes, v, code, checksum);
  return { kind: "other", type, code, checksum, rest: bytes.slice(IGMP.GROUP) };
}

function parseV3Query(
  bytes: Uint8Array,
  v: DataView,
  maxRespCode: number,
  checksum: number,
  group: number,
): IgmpRepr | WireError {
  const n = v.getUint16(IGMP_V3_QUERY.NUM_SOURCES, false);
  const end = IGMP_V3_QUERY.SOURCES + 4 * n;
  if (end > bytes.length) {
    return wireError(
      "igmp v3 query",
      IGMP_V3_QUERY.NUM_SOURCES,
      `${n} sources need ${end} bytes, ${bytes.length} available`,
    );
  }
  const flags = bytes[IGMP_V3_QUERY.FLAGS];
  return {
    kind: "v3-query",
    maxRespCode,
    checksum,
    group,
    reserved: flags >>> 4,
    suppressRouterProcessing: (flags & 0x08) !== 0,
    qrv: flags & 0x07,
    qqic: bytes[IGMP_V3_QUERY.QQIC],
    sources: readAddresses(v, IGMP_V3_QUERY.SOURCES, n),
  };
}

function parseV3Report(
  bytes: Uint8Array,
  v: DataView,
  reserved1: number,
  checksum: number,
): IgmpRepr | WireError {
  const count = v.getUint16(IGMP_V3_REPORT.NUM_RECORDS, false);
  const records: IgmpGroupRecord[] = [];
  let off = IGMP_V3_REPORT.RECORDS;
  for (let r = 0; r < count; r++) {
    if (off + IGMP_V3_RECORD.SOURCES > bytes.length) {
      return wireError("igmp v3 report", off, `group record ${r} of ${count} truncated`);
    }
    const nsrc = v.getUint16(off + IGMP_V3_RECORD.NUM_SOURCES, false);
    const auxLen = 4 * bytes[off + IGMP_V3_RECORD.AUX_LEN];
    const auxAt = off + IGMP_V3_RECORD.SOURCES + 4 * nsrc;
    if (auxAt + auxLen > bytes.length) {
      return wireError("igmp v3 report", off, `group record ${r} of ${count} truncated (${nsrc} sources)`);
    }
    records.push({
      type: bytes[off + IGMP_V3_RECORD.TYPE],
      group: v.getUint32(off + IGMP_V3_RECORD.GROUP, false),
      sources: readAddresses(v, off + IGMP_V3_RECORD.SOURCES, nsrc),
      auxData: bytes.slice(auxAt, auxAt + auxLen),
    });
    off = auxAt + auxLen;
  }
  return {
    kind: "v3-report",
    reserved1,
    reserved2: v.getUint16(IGMP_V3_REPORT.RESERVED2, false),
    checksum,
    records,
  };
}

function readAddresses(v: DataView, at: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => v.getUint32(at + 4 * i, false));
}

function recordLen(r: IgmpGroupRecord): number {
  return IGMP_V3_RECORD.SOURCES + 4 * r.sources.length + r.auxData.length;
}

export function igmpBufferLen(repr: IgmpRepr): number {
  switch (repr.kind) {
    case "query":
    case "v1-report":
    case "v2-report":
    case "v2-leave":
      return IGMP_MIN_LEN;
    case "v3-query":
      return IGMP_V3_QUERY.SOURCES + 4 * repr.sources.length;
    case "v3-report":
      return repr.records.reduce<number>((n, r) => n + recordLen(r), IGMP_V3_REPORT.RECORDS);
    case "other":
      return IGMP.GROUP + repr.rest.length;
  }
}

export function emitIgmp(repr: IgmpRepr): Uint8Array {
  const out = new Uint8Array(igmpBufferLen(repr));
  const v = viewOf(out);
  out[IGMP.TYPE] = igmpType(repr);
  switch (repr.kind) {
    case "query":
    case "v1-report":
    case "v2-report":
    case "v2-leave":
      out[IGMP.CODE] = repr.maxRespCode & 0xff;
      v.setUint32(IGMP.GROUP, repr.group >>> 0, false);
      break;
    case "v3-query":
      out[IGMP.CODE] = repr.maxRespCode & 0xff;
      v.setUint32(IGMP.GROUP, repr.group >>> 0, false);
      out[IGMP_V3_QUERY.FLAGS] =
        ((repr.reserved & 0x0f) << 4) | (repr.suppressRouterProcessing ? 0x08 : 0) | (repr.qrv & 0x07);
      out[IGMP_V3_QUERY.QQIC] = repr.qqic & 0xff;
      v.setUint16(IGMP_V3_QUERY.NUM_SOURCES, repr.sources.length, false);
      repr.sources.forEach((s, i) => v.setUint32(IGMP_V3_QUERY.SOURCES + 4 * i, s >>> 0, false));
      break;
    case "v3-report": {
      out[IGMP.CODE] = repr.reserved1 & 0xff;
      v.setUint16(IGMP_V3_REPORT.RESERVED2, repr.reserved2 & 0xffff, false);
      v.setUint16(IGMP_V3_REPORT.NUM_RECORDS, repr.records.length, false);
      let off: number = IGMP_V3_REPORT.RECORDS;
      for (const r of repr.records) {
        out[off + IGMP_V3_RECORD.TYPE] = r.type & 0xff;
        out[off + IGMP_V3_RECORD.AUX_LEN] = r.auxData.length >>> 2;
        v.setUint16(off + IGMP_V3_RECORD.NUM_SOURCES, r.sources.length, false);
        v.setUint32(off + IGMP_V3_RECORD.GROUP, r.group >>> 0, false);
        r.sources.forEach((s, i) => v.setUint32(off + IGMP_V3_RECORD.SOURCES + 4 * i, s >>> 0, false));
        out.set(r.auxData, off + IGMP_V3_RECORD.SOURCES + 4 * r.sources.length);
        off += recordLen(r);
      }
      break;
    }
    case "other":
      out[IGMP.CODE] = repr.code & 0xff;
      out.set(repr.rest, IGMP.GROUP);
      break;
  }
  v.setUint16(IGMP.CHECKSUM, (repr.checksum ?? internetChecksum(out)) & 0xffff, false);
  return out;
}

/** True when the whole IGMP message (the entire IPv4 payload) checksums to zero. */
export function igmpChecksumOk(message: Uint8Array): boolean {
  return message.length >= IGMP_MIN_LEN && internetChecksum(message) === 0;
}

/**
 * RFC 3376 4.1.1 / 4.1.7: codes below 128 are literal; above, an exponent and mantissa.
 * Max Resp Code counts tenths of a second, QQIC seconds.
 */
export function igmpDecodeExpCode(code: number): number {
  if (code < 128) return code;
  const mant = code & 0x0f;
  const exp = (code >>> 4) & 0x07;
  return (mant | 0x10) << (exp + 3);
}

function formatRespTime(tenths: number): string {
  return `${(tenths / 10).toFixed(1)}s`;
}

function formatQueryTarget(group: number, sources: number[] = []): string {
  if (group === 0) return "general";
  const src = sources.length > 0 ? ` sources ${sources.map(ipv4ToString).join(",")}` : "";
  return `group ${ipv4ToString(group)}${src}`;
}

/** "IGMP v2 report 239.1.1.1", "IGMP v2 query general max resp 10.0s", "IGMP v3 report 1 record(s): ...". */
export function formatIgmp(repr: IgmpRepr): string {
  switch (repr.kind) {
    case "query":
      if (repr.maxRespCode === 0) return `IGMP v1 query ${formatQueryTarget(repr.group)}`;
      return `IGMP v2 query ${formatQueryTarget(repr.group)} max resp ${formatRespTime(repr.maxRespCode)}`;
    case "v1-report":
      return `IGMP v1 report ${ipv4ToString(repr.group)}`;
    case "v2-report":
      return `IGMP v2 report ${ipv4ToString(repr.group)}`;
    case "v2-leave":
      return `IGMP v2 leave ${ipv4ToString(repr.group)}`;
    case "v3-query":
      return (
        `IGMP v3 query ${formatQueryTarget(repr.group, repr.sources)} ` +
        `max resp ${formatRespTime(igmpDecodeExpCode(repr.maxRespCode))} qrv ${repr.qrv} ` +
        `qqi ${igmpDecodeExpCode(repr.qqic)}s${repr.suppressRouterProcessing ? " S" : ""}`
      );
    case "v3-report": {
      const recs = repr.records.map((r) => {
        const name = RECORD_NAMES[r.type] || `type-${r.type}`;
        const src = r.sources.length > 0 ? ` {${r.sources.map(ipv4ToString).join(",")}}` : " {}";
        return `${name} ${ipv4ToString(r.group)}${src}`;
      });
      return `IGMP v3 report ${repr.records.length} record(s)${recs.length ? ": " + recs.join("; ") : ""}`;
    }
    case "other":
      return `IGMP type ${hex(repr.type, 2)} code ${repr.code} length ${igmpBufferLen(repr)}`;
  }
}
