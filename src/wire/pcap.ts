// Classic libpcap files (pcap-savefile(5)): a 24-byte file header, then per packet a 16-byte
// record header and the captured bytes. Written little-endian with microsecond timestamps taken
// from the caller's virtual time; read in either byte order, microsecond or nanosecond.

import { hex, viewOf } from "../abi/decode.ts";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { needBytes, wireError, type WireError } from "./error.ts";

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
export const PCAP_DEFAULT_SNAPLEN = 65535;

export const PCAP_FILE_HEADER = {
  MAGIC: 0,
  VERSION_MAJOR: 4,
  VERSION_MINOR: 6,
  THISZONE: 8,
  SIGFIGS: 12,
  SNAPLEN: 16,
  LINKTYPE: 20,
} as const;
export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD = { TS_SEC: 0, TS_FRAC: 4, INCL_LEN: 8, ORIG_LEN: 12 } as const;
export const PCAP_RECORD_HEADER_LEN = 16;

export interface PcapPacket {
  /** Virtual time in whole microseconds since the capture's epoch. */
  timeUs: number;
  bytes: Uint8Array;
}

export interface PcapFile {
  linkType: number;
  snaplen: number;
  /** Unit of each record's fractional timestamp. */
  resolution: "us" | "ns";
  littleEndian: boolean;
  versionMajor: number;
  versionMinor: number;
  records: PcapRecord[];
}

export interface PcapRecord {
  seconds: number;
  /** Microseconds or nanoseconds, per the file's resolution. */
  fraction: number;
  /** Frame length on the wire; bytes.length is the captured length. */
  originalLength: number;
  bytes: Uint8Array;
}

function checkTime(timeUs: number): void {
  if (!Number.isSafeInteger(timeUs) || timeUs < 0 || timeUs / 1e6 > 0xffffffff) {
    throw new RangeError(`pcap timestamp ${timeUs}: need whole microseconds within 32-bit seconds`);
  }
}

/** A whole pcap file holding `packets` in order, each cut to `snaplen` bytes. */
export function writePcap(packets: readonly PcapPacket[], snaplen = PCAP_DEFAULT_SNAPLEN): Uint8Array {
  const captured = packets.map((p) => Math.min(p.bytes.length, snaplen));
  const size = captured.reduce((n, c) => n + PCAP_RECORD_HEADER_LEN + c, PCAP_FILE_HEADER_LEN);
  const out = new Uint8Array(size);
  const v = viewOf(out);
  v.setUint32(PCAP_FILE_HEADER.MAGIC, PCAP_MAGIC_US, true);
  v.setUint16(PCAP_FILE_HEADER.VERSION_MAJOR, PCAP_VERSION_MAJOR, true);
  v.setUint16(PCAP_FILE_HEADER.VERSION_MINOR, PCAP_VERSION_MINOR, true);
  v.setInt32(PCAP_FILE_HEADER.THISZONE, 0, true);
  v.setUint32(PCAP_FILE_HEADER.SIGFIGS, 0, true);
  v.setUint32(PCAP_FILE_HEADER.SNAPLEN, snaplen, true);
  v.setUint32(PCAP_FILE_HEADER.LINKTYPE, LINKTYPE_ETHERNET, true);
  let off = PCAP_FILE_HEADER_LEN;
  packets.forEach((p, i) => {
    checkTime(p.timeUs);
    v.setUint32(off + PCAP_RECORD.TS_SEC, Math.floor(p.timeUs / 1e6), true);
    v.setUint32(off + PCAP_RECORD.TS_FRAC, p.timeUs % 1e6, true);
    v.setUint32(off + PCAP_RECORD.INCL_LEN, captured[i], true);
    v.setUint32(off + PCAP_RECORD.ORIG_LEN, p.bytes.length, true);
    out.set(p.bytes.subarray(0, captured[i]), off + PCAP_RECORD_HEADER_LEN);
    off += PCAP_RECORD_HEADER_LEN + captured[i];
  });
  return out;
}

/** Frames seen on one interface, in the order added; becomes <ifname>.pcap. */
export class PcapCapture {
  readonly packets: PcapPacket[] = [];

  constructor(
    readonly ifname: string,
    readonly snaplen = PCAP_DEFAULT_SNAPLEN,
  ) {}

  add(timeUs: number, bytes: Uint8Array): void {
    checkTime(timeUs);
    this.packets.push({ timeUs, bytes: bytes.slice() });
  }

  toBytes(): Uint8Array {
    return writePcap(this.packets, this.snaplen);
  }
}

/** Writes one <ifname>.pcap per capture into `dir` (created if missing); returns the paths. */
export async function writePcapFiles(dir: string, captures: Iterable<PcapCapture>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const c of captures) {
    if (!/^[A-Za-z0-9_.-]+$/.test(c.ifname)) {
      throw new RangeError(`interface name ${JSON.stringify(c.ifname)} is not usable as a file name`);
    }
    const path = join(dir, `${c.ifname}.pcap`);
    await writeFile(path, c.toBytes());
    paths.push(path);
  }
  return paths;
}

function magicOrder(v: DataView): { littleEndian: boolean; resolution: "us" | "ns" } | null {
  for (const littleEndian of [true, false]) {
    const m = v.getUint32(PCAP_FILE_HEADER.MAGIC, littleEndian);
    if (m === PCAP_MAGIC_US) return { littleEndian, resolution: "us" };
    if (m === PCAP_MAGIC_NS) return { littleEndian, resolution: "ns" };
  }
  return null;
}

/** Parses a whole classic pcap file; a bad magic, version or cut-off record is an error value. */
export function readPcap(bytes: Uint8Array): PcapFile | WireError {
  const short = needBytes("pcap file header", bytes, PCAP_FILE_HEADER_LEN);
  if (short) return short;
  const v = viewOf(bytes);
  const order = magicOrder(v);
  if (order === null) {
    const m = hex(v.getUint32(PCAP_FILE_HEADER.MAGIC, false), 8);
    return wireError("pcap file header", 0, `magic ${m} is not classic pcap (pcapng is not read)`);
  }
  const le = order.littleEndian;
  const versionMajor = v.getUint16(PCAP_FILE_HEADER.VERSION_MAJOR, le);
  const versionMinor = v.getUint16(PCAP_FILE_HEADER.VERSION_MINOR, le);
  if (versionMajor !== PCAP_VERSION_MAJOR) {
    return wireError(
      "pcap file header",
      PCAP_FILE_HEADER.VERSION_MAJOR,
      `version ${versionMajor}.${versionMinor}, expected 2.x`,
    );
  }
  const records: PcapRecord[] = [];
  let off = PCAP_FILE_HEADER_LEN;
  while (off < bytes.length) {
    if (bytes.length - off < PCAP_RECORD_HEADER_LEN) {
      return wireError("pcap record", off, `record ${records.length} header cut off`);
    }
    const incl = v.getUint32(off + PCAP_RECORD.INCL_LEN, le);
    const start = off + PCAP_RECORD_HEADER_LEN;
    if (incl > bytes.length - start) {
      return wireError(
        "pcap record",
        off,
        `record ${records.length} claims ${incl} bytes, ${bytes.length - start} remain`,
      );
    }
    records.push({
      seconds: v.getUint32(off + PCAP_RECORD.TS_SEC, le),
      fraction: v.getUint32(off + PCAP_RECORD.TS_FRAC, le),
      originalLength: v.getUint32(off + PCAP_RECORD.ORIG_LEN, le),
      bytes: bytes.slice(start, start + incl),
    });
    off = start + incl;
  }
  return {
    linkType: v.getUint32(PCAP_FILE_HEADER.LINKTYPE, le),
    snaplen: v.getUint32(PCAP_FILE_HEADER.SNAPLEN, le),
    resolution: order.resolution,
    littleEndian: le,
    versionMajor,
    versionMinor,
    records,
  };
}

/** A record's time in whole microseconds (nanosecond files are truncated to microseconds). */
export function pcapRecordTimeUs(file: PcapFile, r: PcapRecord): number {
  const frac = file.resolution === "ns" ? Math.floor(r.fraction / 1000) : r.fraction;
  return r.seconds * 1e6 + frac;
}
