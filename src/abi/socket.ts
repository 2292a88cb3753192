// Address families and the kernel's sockaddr types (10.4 sys/sys/socket.h, sys/net/if_dl.h,
// sys/netinet/in.h), plus the variable-length sockaddr codec used inside routing messages,
// where each sockaddr occupies sa_len bytes rounded up by SA_SIZE.

import { checkLength, decodeError, getU16, outputBuffer, setU16, type DecodeError } from "./decode.ts";

// 10.4 sys/sys/socket.h AF_*
export const AF_UNSPEC = 0;
export const AF_LOCAL = 1;
export const AF_UNIX = AF_LOCAL;
export const AF_INET = 2;
export const AF_ROUTE = 17;
export const AF_LINK = 18;
export const AF_INET6 = 28;
export const AF_MAX = 42;

// socket.h: protocol families equal their address families.
export const PF_UNSPEC = AF_UNSPEC;
export const PF_LOCAL = AF_LOCAL;
export const PF_INET = AF_INET;
export const PF_ROUTE = AF_ROUTE;
export const PF_LINK = AF_LINK;
export const PF_INET6 = AF_INET6;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;

/** sizeof(long) on amd64: the unit routing messages round sockaddrs to. */
export const SIZEOF_LONG = 8;
/** sizeof(struct sockaddr): sa_len, sa_family, sa_data[14]. */
export const SOCKADDR_SIZE = 16;
/** sizeof(struct sockaddr_in). */
export const SOCKADDR_IN_SIZE = 16;
/** sizeof(struct sockaddr_dl): 8 header bytes + sdl_data[46]. */
export const SOCKADDR_DL_SIZE = 54;
/** offsetof(struct sockaddr_dl, sdl_data). */
export const SDL_DATA_OFFSET = 8;

export interface SockaddrIn {
  sin_len: number;
  sin_family: number;
  /** Host order. */
  sin_port: number;
  /** Host-order u32: 10.0.0.1 is 0x0a000001. */
  sin_addr: number;
  /** The 8 sin_zero bytes, only when some are non-zero (absent means all zero). */
  sin_zero?: Uint8Array;
}

export interface SockaddrDl {
  sdl_len: number;
  sdl_family: number;
  sdl_index: number;
  sdl_type: number;
  sdl_nlen: number;
  sdl_alen: number;
  sdl_slen: number;
  /** Name (sdl_nlen bytes) then link address (sdl_alen) then selector, as if_dl.h lays out. */
  sdl_data: Uint8Array;
}

export interface SockaddrRaw {
  sa_len: number;
  sa_family: number;
  /** Everything after the two header bytes (sa_len - 2 bytes when decoded). */
  sa_data: Uint8Array;
}

export type Sockaddr = SockaddrIn | SockaddrDl | SockaddrRaw;

/**
 * route.h SA_SIZE: bytes a sockaddr takes in a routing message — sa_len rounded up to a
 * multiple of sizeof(long), and sizeof(long) when sa_len is 0.
 */
export function SA_SIZE(sa_len: number): number {
  if (sa_len === 0) return SIZEOF_LONG;
  return 1 + ((sa_len - 1) | (SIZEOF_LONG - 1));
}

export function sockaddrIn(addr: number, len = SOCKADDR_IN_SIZE): SockaddrIn {
  return { sin_len: len, sin_family: AF_INET, sin_port: 0, sin_addr: addr >>> 0 };
}

// The kind of a sockaddr is told by a field only it has, tested with `in`. (Reading the field
// and comparing with undefined was faster while route keys were frozen objects; with the three
// plain shapes left, `in` is: pair loop +5%, in_control(SIOCGIFADDR) +12%, bundled, CPU time.)

export function isSockaddrIn(sa: Sockaddr): sa is SockaddrIn {
  return "sin_addr" in sa;
}

export function isSockaddrDl(sa: Sockaddr): sa is SockaddrDl {
  return "sdl_index" in sa;
}

export function isSockaddrRaw(sa: Sockaddr): sa is SockaddrRaw {
  return "sa_data" in sa;
}

export function sockaddrLen(sa: Sockaddr): number {
  if (isSockaddrIn(sa)) return sa.sin_len;
  if (isSockaddrDl(sa)) return sa.sdl_len;
  return sa.sa_len;
}

export function sockaddrFamily(sa: Sockaddr): number {
  if (isSockaddrIn(sa)) return sa.sin_family;
  if (isSockaddrDl(sa)) return sa.sdl_family;
  return sa.sa_family;
}

/** if_dl.h LLADDR: the link-level address bytes, which follow the name in sdl_data. */
export function LLADDR(sdl: SockaddrDl): Uint8Array {
  return sdl.sdl_data.subarray(sdl.sdl_nlen, sdl.sdl_nlen + sdl.sdl_alen);
}

/** The interface name stored at the start of sdl_data. */
export function sdlName(sdl: SockaddrDl): string {
  const n = Math.min(sdl.sdl_nlen, sdl.sdl_data.length);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(sdl.sdl_data[i]);
  return s;
}

/**
 * Builds a sockaddr_dl holding `name` and `lladdr`. `len` is sdl_len; it defaults to the
 * smallest that holds both (8 + nlen + alen). sdl_data gets len - 8 bytes, zero-padded.
 */
export function sockaddrDl(fields: {
  index: number;
  type: number;
  name?: string;
  lladdr?: Uint8Array;
  len?: number;
}): SockaddrDl {
  const name = fields.name ?? "";
  const lladdr = fields.lladdr ?? new Uint8Array(0);
  const len = fields.len ?? SDL_DATA_OFFSET + name.length + lladdr.length;
  const data = new Uint8Array(Math.max(len - SDL_DATA_OFFSET, name.length + lladdr.length));
  for (let i = 0; i < name.length; i++) data[i] = name.charCodeAt(i) & 0xff;
  data.set(lladdr, name.length);
  return {
    sdl_len: len,
    sdl_family: AF_LINK,
    sdl_index: fields.index,
    sdl_type: fields.type,
    sdl_nlen: name.length,
    sdl_alen: lladdr.length,
    sdl_slen: 0,
    sdl_data: data,
  };
}

// struct sockaddr_in offsets (in.h): sin_len 0, sin_family 1, sin_port 2 (big-endian),
// sin_addr 4 (big-endian), sin_zero 8..16.
// struct sockaddr_dl offsets (if_dl.h): sdl_len 0, sdl_family 1, sdl_index 2 (u_short,
// little-endian on amd64), sdl_type 4, sdl_nlen 5, sdl_alen 6, sdl_slen 7, sdl_data 8.

/** The full 16-byte image of a sockaddr_in, whatever its sin_len says. */
export function sockaddrInImage(sin: SockaddrIn): Uint8Array {
  const b = new Uint8Array(SOCKADDR_IN_SIZE);
  writeSockaddrIn(sin, b, 0);
  return b;
}

/**
 * Writes the 16-byte image of `sin` at `offset` without allocating (hot paths such as
 * in_control's `*addr = ia->ia_addr`). sin_port and sin_addr go out big-endian.
 */
export function writeSockaddrIn(sin: SockaddrIn, into: Uint8Array, offset: number): void {
  const port = sin.sin_port & 0xffff;
  const addr = sin.sin_addr >>> 0;
  into[offset] = sin.sin_len & 0xff;
  into[offset + 1] = sin.sin_family & 0xff;
  into[offset + 2] = port >>> 8;
  into[offset + 3] = port & 0xff;
  into[offset + 4] = addr >>> 24;
  into[offset + 5] = (addr >>> 16) & 0xff;
  into[offset + 6] = (addr >>> 8) & 0xff;
  into[offset + 7] = addr & 0xff;
  into.fill(0, offset + 8, offset + 16);
  if (sin.sin_zero !== undefined) into.set(sin.sin_zero.subarray(0, 8), offset + 8);
}

/** Reads a sockaddr_in from up to 16 bytes; bytes beyond `image.length` read as zero. */
export function sockaddrInFromImage(image: Uint8Array): SockaddrIn {
  return sockaddrInAt(image, 0, Math.min(image.length, SOCKADDR_IN_SIZE));
}

/**
 * The sockaddr_in whose first `n` bytes (at most 16) sit at `bytes[at]`; the rest read as zero.
 * Byte by byte, without a view, a padded copy or a DataView: every ioctl and route decodes these.
 */
export function sockaddrInAt(bytes: Uint8Array, at: number, n: number): SockaddrIn {
  const sin: SockaddrIn = {
    sin_len: byteOrZero(bytes, at, n, 0),
    sin_family: byteOrZero(bytes, at, n, 1),
    sin_port: (byteOrZero(bytes, at, n, 2) << 8) | byteOrZero(bytes, at, n, 3),
    sin_addr:
      ((byteOrZero(bytes, at, n, 4) << 24) |
        (byteOrZero(bytes, at, n, 5) << 16) |
        (byteOrZero(bytes, at, n, 6) << 8) |
        byteOrZero(bytes, at, n, 7)) >>>
      0,
  };
  for (let i = 8; i < n; i++) {
    if (bytes[at + i] !== 0) {
      const zero = new Uint8Array(8);
      zero.set(bytes.subarray(at + 8, at + n));
      sin.sin_zero = zero;
      break;
    }
  }
  return sin;
}

function byteOrZero(bytes: Uint8Array, at: number, n: number, i: number): number {
  return i < n ? bytes[at + i] : 0;
}

function sockaddrDlImage(sdl: SockaddrDl): Uint8Array {
  const b = new Uint8Array(SDL_DATA_OFFSET + sdl.sdl_data.length);
  b[0] = sdl.sdl_len & 0xff;
  b[1] = sdl.sdl_family & 0xff;
  setU16(b, 2, sdl.sdl_index); // u_short, little-endian on amd64
  b[4] = sdl.sdl_type & 0xff;
  b[5] = sdl.sdl_nlen & 0xff;
  b[6] = sdl.sdl_alen & 0xff;
  b[7] = sdl.sdl_slen & 0xff;
  b.set(sdl.sdl_data, SDL_DATA_OFFSET);
  return b;
}

/** Reads a sockaddr_dl from `image` (at least the 8 header bytes); sdl_data is the rest. */
export function sockaddrDlFromImage(image: Uint8Array): SockaddrDl {
  return {
    sdl_len: image[0],
    sdl_family: image[1],
    sdl_index: getU16(image, 2), // u_short, little-endian on amd64
    sdl_type: image[4],
    sdl_nlen: image[5],
    sdl_alen: image[6],
    sdl_slen: image[7],
    sdl_data: image.slice(SDL_DATA_OFFSET),
  };
}

/**
 * The bytes of a sockaddr as it sits in memory: 16 for a sockaddr_in (whatever sin_len says),
 * 8 + sdl_data for a sockaddr_dl, 2 + sa_data for a raw one. Routing messages copy a prefix of it.
 */
export function sockaddrImage(sa: Sockaddr): Uint8Array {
  if (isSockaddrIn(sa)) return sockaddrInImage(sa);
  if (isSockaddrDl(sa)) return sockaddrDlImage(sa);
  const image = new Uint8Array(2 + sa.sa_data.length);
  image[0] = sa.sa_len & 0xff;
  image[1] = sa.sa_family & 0xff;
  image.set(sa.sa_data, 2);
  return image;
}

/**
 * Encodes exactly sa_len bytes of a sockaddr (a trimmed netmask with sin_len 7 gives 7 bytes;
 * sa_len 0 gives none). Routing messages use the SA_SIZE-long copy in rtmsg.ts instead.
 */
export function encodeSockaddr(sa: Sockaddr, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeSockaddrPrefix(sa, sockaddrLen(sa), into, offset);
}

/**
 * Writes the first `len` bytes of the sockaddr's image, zero-filled past its end. rtsock.c
 * rt_msg1/rt_msg2 copy SA_SIZE(sa) bytes this way, so a trimmed mask keeps its sin_family and
 * zero address bytes in the padding, as the kernel's own struct has them.
 */
export function encodeSockaddrPrefix(sa: Sockaddr, len: number, into?: Uint8Array, offset = 0): Uint8Array {
  const out = outputBuffer("sockaddr", len, into, offset);
  const image = sockaddrImage(sa);
  const n = Math.min(len, image.length);
  out.set(image.subarray(0, n), offset);
  out.fill(0, offset + n, offset + len);
  return out;
}

/**
 * The IPv4 address a sockaddr carries at bytes 4..7 (missing bytes read as zero): sin_addr of a
 * SockaddrIn, or the same bytes of a raw sockaddr up to 16 bytes long. This reads netmasks that
 * in.c leaves with sin_family 0 (an ia_sockmask guessed from the address class is trimmed but
 * never given a family, seed in.c:368-387). Null for a sockaddr_dl or a longer raw one.
 */
export function ipv4FromSockaddr(sa: Sockaddr): number | null {
  if (isSockaddrIn(sa)) return sa.sin_addr;
  if (isSockaddrDl(sa) || sa.sa_len > SOCKADDR_IN_SIZE) return null;
  return sockaddrInFromImage(sockaddrImage(sa)).sin_addr;
}

/**
 * Decodes one sockaddr of sa_len bytes at `offset`, reading no further than `limit`
 * (default: end of buffer). AF_INET with sa_len ≤ 16 gives a SockaddrIn (missing bytes of a
 * trimmed mask read as zero); AF_LINK with sa_len ≥ 8 gives a SockaddrDl; anything else a
 * SockaddrRaw of sa_len bytes. sa_len 0 is a SockaddrRaw with no data, as rtsock.c permits.
 */
export function decodeSockaddr(bytes: Uint8Array, offset = 0, limit = bytes.length): Sockaddr | DecodeError {
  const end = Math.min(limit, bytes.length);
  const short = checkLength("sockaddr", bytes.subarray(0, end), offset, 1);
  if (short !== null) return short;
  const len = bytes[offset];
  if (len === 0) return { sa_len: 0, sa_family: 0, sa_data: new Uint8Array(0) };
  if (end - offset < len) {
    return decodeError("sockaddr", offset, `sa_len ${len} runs past the ${end - offset} bytes left`);
  }
  const image = bytes.subarray(offset, offset + len);
  const family = len >= 2 ? image[1] : AF_UNSPEC;
  if (family === AF_INET && len <= SOCKADDR_IN_SIZE) return sockaddrInFromImage(image);
  if (family === AF_LINK && len >= SDL_DATA_OFFSET) return sockaddrDlFromImage(image);
  return { sa_len: len, sa_family: family, sa_data: image.slice(Math.min(2, len)) };
}
