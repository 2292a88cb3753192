// The error value every decoder returns instead of throwing, plus the small byte helpers the
// codecs share (fixed-size C strings, bounds checks).

export interface DecodeError {
  readonly kind: "decode-error";
  /** The C struct being read, e.g. "rt_msghdr". */
  readonly struct: string;
  /** Byte offset (into the caller's buffer) where the problem was found. */
  readonly offset: number;
  readonly message: string;
}

export function decodeError(struct: string, offset: number, message: string): DecodeError {
  return { kind: "decode-error", struct, offset, message };
}

export function isDecodeError(x: unknown): x is DecodeError {
  return (
    typeof x === "object" && x !== null && "kind" in x && (x as { kind: unknown }).kind === "decode-error"
  );
}

export function formatDecodeError(e: DecodeError): string {
  return `${e.struct} at byte ${e.offset}: ${e.message}`;
}

/** Error value when fewer than `need` bytes remain at `offset`; null when there is room. */
export function checkLength(
  struct: string,
  bytes: Uint8Array,
  offset: number,
  need: number,
): DecodeError | null {
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
    return decodeError(struct, offset, `offset outside a ${bytes.length}-byte buffer`);
  }
  if (bytes.length - offset < need) {
    return decodeError(struct, offset, `truncated: needs ${need} bytes, ${bytes.length - offset} available`);
  }
  return null;
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Buffer to encode into: the caller's, after checking room, or a fresh zeroed one. */
export function outputBuffer(
  struct: string,
  size: number,
  into: Uint8Array | undefined,
  offset: number,
): Uint8Array {
  if (into === undefined) return new Uint8Array(offset + size);
  if (offset < 0 || into.length - offset < size) {
    throw new RangeError(`${struct}: needs ${size} bytes at offset ${offset}, buffer has ${into.length}`);
  }
  return into;
}

/**
 * A NUL-terminated C string in a fixed array (e.g. ifr_name[IFNAMSIZ]); stops at the first NUL
 * or the end of `bytes`. Built a character at a time: for names this short that beats a
 * subarray spread into fromCharCode.
 */
export function readCString(bytes: Uint8Array, offset: number, size: number): string {
  const end = Math.min(offset + size, bytes.length);
  let s = "";
  for (let i = offset; i < end; i++) {
    const c = bytes[i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Writes `s` as bytes into a fixed array, NUL-padding the rest; longer names are cut to fit. */
export function writeCString(bytes: Uint8Array, offset: number, size: number, s: string): void {
  bytes.fill(0, offset, offset + size);
  const n = Math.min(s.length, size);
  for (let i = 0; i < n; i++) bytes[offset + i] = s.charCodeAt(i) & 0xff;
}

export function hex(n: number, width = 0): string {
  return "0x" + (n >>> 0).toString(16).padStart(width, "0");
}

/** "00".."ff", so formatting a byte is a lookup. */
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Two lowercase hex digits per byte, `sep` between bytes: hexBytes(mac, ":") = "52:54:00:12:34:56". */
export function hexBytes(bytes: Uint8Array, sep = ""): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += i === 0 ? HEX_BYTE[bytes[i]] : sep + HEX_BYTE[bytes[i]];
  return s;
}

// Little-endian (amd64) integer fields read and written byte by byte. A DataView costs an
// allocation per struct, and every ioctl, routing message and dump decodes several structs.

export function getU16(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8);
}

export function getI16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] | (bytes[at + 1] << 8)) << 16) >> 16;
}

export function getI32(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
}

export function getU32(bytes: Uint8Array, at: number): number {
  return getI32(bytes, at) >>> 0;
}

/** Writes the low 16 bits of `value`. */
export function setU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
}

/** Writes the low 32 bits of `value` (an int or an unsigned int, as C stores either). */
export function setU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
}

// Big-endian (network order) fields, byte by byte for the same reason: packet headers and the
// addresses in them. A read past the buffer's end takes the missing bytes as zero.

export function getN16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

export function getN32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

/** Writes the low 16 bits of `value`, most significant byte first. */
export function setN16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 8;
  bytes[at + 1] = value;
}

/** Writes the low 32 bits of `value`, most significant byte first. */
export function setN32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

/**
 * A little-endian 64-bit unsigned field (u_long, uint64_t on amd64) as a bigint: every value
 * decodes, and exactly (the kernel leaves some, e.g. rtm_inits in NET_RT_DUMP, unset). Zero, the
 * common case, is the shared 0n rather than a new bigint.
 */
export function getU64(bytes: Uint8Array, at: number): bigint {
  const lo = getU32(bytes, at);
  const hi = getU32(bytes, at + 4);
  if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
  return (BigInt(hi) << 32n) + BigInt(lo);
}

/** A little-endian 64-bit signed field (long, time_t, suseconds_t on amd64) as a bigint. */
export function getI64(bytes: Uint8Array, at: number): bigint {
  const lo = getU32(bytes, at);
  const hi = getI32(bytes, at + 4);
  if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
  return (BigInt(hi) << 32n) + BigInt(lo);
}

/** Writes a 64-bit field; values are taken modulo 2^64, as a C store of a wider value would. */
export function setU64(bytes: Uint8Array, at: number, value: bigint): void {
  if (value >= 0n && value <= 0xffffffffn) {
    setU32(bytes, at, Number(value));
    setU32(bytes, at + 4, 0);
    return;
  }
  const v = BigInt.asUintN(64, value);
  setU32(bytes, at, Number(v & 0xffffffffn));
  setU32(bytes, at + 4, Number(v >> 32n));
}

/** A 64-bit value for JSON and comparison: a number while it is exact, else its decimal digits. */
export function u64Json(value: bigint): number | string {
  return value >= -BigInt(Number.MAX_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}
