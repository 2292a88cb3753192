// The routing table's lookup structure, with the semantics of 10.4 sys/net/radix.c that callers
// can observe rather than its tree: keys compared byte-wise from the head's offset, masks
// normalized by rn_addmask_r (so they come back in routing messages exactly as the kernel keeps
// them), one entry per (key, mask) with duplicate keys ordered most specific first, best match
// by rn_match, rn_lookup (exact prefix, or exact host route), and rn_delete's pick of the
// duplicate-key chain's head when no mask is given. The all-zeros key shares its chain with the
// tree's root leaf (rn_zeros, RNF_ROOT), which no route can replace or delete.
//
// Those semantics are a flat list's (test/kernel/net/radix-oracle.ts keeps it as the oracle);
// the table indexes that list so no operation scans it: each key's and mask's bytes are read
// once, on insertion, into ids; duplicate-key chains are found by key id, rn_match tries each
// distinct (mask, compare length) once, most one bits first, and the dump order is kept as
// entries come and go. Keys shorter than some stored key's bytes, which may equal keys that
// differ past their end, fall back to the scan.

import type { Sockaddr, SockaddrDl, SockaddrIn } from "../../abi/socket.ts";
import {
  AF_INET,
  AF_LINK,
  decodeSockaddr,
  SDL_DATA_OFFSET,
  SOCKADDR_IN_SIZE,
  sockaddrDlFromImage,
  isSockaddrDl,
  isSockaddrIn,
  sockaddrInImage,
  sockaddrLen,
} from "../../abi/socket.ts";
import { isDecodeError } from "../../abi/decode.ts";
import { KASSERT } from "../kern/invariant.ts";
import { list_insert_at, list_remove, list_remove_at } from "../sys/queue.ts";

/** The bytes a sockaddr occupies in memory: at least sa_len, plus what its struct holds beyond. */
export function sa_image(sa: Sockaddr): Uint8Array {
  if (isSockaddrIn(sa)) {
    const img = sockaddrInImage(sa);
    return sa.sin_len > img.length ? padTo(img, sa.sin_len) : img;
  }
  if (isSockaddrDl(sa)) {
    const b = new Uint8Array(Math.max(sa.sdl_len, 8 + sa.sdl_data.length));
    b[0] = sa.sdl_len;
    b[1] = sa.sdl_family;
    b[2] = sa.sdl_index & 0xff;
    b[3] = (sa.sdl_index >>> 8) & 0xff;
    b[4] = sa.sdl_type;
    b[5] = sa.sdl_nlen;
    b[6] = sa.sdl_alen;
    b[7] = sa.sdl_slen;
    b.set(sa.sdl_data, 8);
    return b;
  }
  const b = new Uint8Array(Math.max(sa.sa_len, 2 + sa.sa_data.length));
  b[0] = sa.sa_len;
  b[1] = sa.sa_family;
  b.set(sa.sa_data, 2);
  return b;
}

function padTo(b: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(b.subarray(0, n));
  return out;
}

/** Byte i of a sockaddr's image, zero past its end. */
function byteAt(img: Uint8Array, i: number): number {
  return i < img.length ? img[i] : 0;
}

/**
 * byteAt(sa_image(sa), i) without building the image: the table compares keys byte by byte on
 * every lookup, and an image per comparison dominated adding and deleting addresses.
 */
export function saByte(sa: Sockaddr, i: number): number {
  // isSockaddrIn's test, written out: an imported function costs a getter call per byte here.
  if ("sin_addr" in sa) {
    // writeSockaddrIn's layout: len, family, port and address big-endian, sin_zero; zeros past.
    switch (i) {
      case 0:
        return sa.sin_len & 0xff;
      case 1:
        return sa.sin_family & 0xff;
      case 2:
        return (sa.sin_port >>> 8) & 0xff;
      case 3:
        return sa.sin_port & 0xff;
      case 4:
        return sa.sin_addr >>> 24;
      case 5:
        return (sa.sin_addr >>> 16) & 0xff;
      case 6:
        return (sa.sin_addr >>> 8) & 0xff;
      case 7:
        return sa.sin_addr & 0xff;
    }
    return i < 16 && sa.sin_zero !== undefined ? (sa.sin_zero[i - 8] ?? 0) : 0;
  }
  if (isSockaddrDl(sa)) return sdlByte(sa, i);
  if (i === 0) return sa.sa_len & 0xff;
  if (i === 1) return sa.sa_family & 0xff;
  return sa.sa_data[i - 2] ?? 0;
}

/** Byte i of a sockaddr_dl's image (sa_image's layout), zero past it. */
function sdlByte(sdl: SockaddrDl, i: number): number {
  switch (i) {
    case 0:
      return sdl.sdl_len & 0xff;
    case 1:
      return sdl.sdl_family & 0xff;
    case 2:
      return sdl.sdl_index & 0xff;
    case 3:
      return (sdl.sdl_index >>> 8) & 0xff;
    case 4:
      return sdl.sdl_type & 0xff;
    case 5:
      return sdl.sdl_nlen & 0xff;
    case 6:
      return sdl.sdl_alen & 0xff;
    case 7:
      return sdl.sdl_slen & 0xff;
  }
  return sdl.sdl_data[i - 8] ?? 0;
}

/** Bytes [0, n) of a big-endian word as ones (n clamped to 0..4). */
function prefixWord(n: number): number {
  if (n <= 0) return 0;
  return n >= 4 ? 0xffffffff : (0xffffffff << (32 - 8 * n)) >>> 0;
}

/** offsetof(struct sockaddr_in, sin_addr). */
const SIN_ADDR_OFFSET = 4;

/**
 * Bytes off..off+3 of a sockaddr's image, big-endian, zero past it: at offset 4, what
 * satosin(sa)->sin_addr reads, whatever the family (a sockaddr_in's own sin_addr without an image).
 */
export function sa_word(sa: Sockaddr, off: number): number {
  if (off === SIN_ADDR_OFFSET && "sin_addr" in sa) return sa.sin_addr >>> 0;
  // A sockaddr_dl's type and three lengths (ifaof_ifpforaddr reads a link-level ifa_addr so).
  if (off === SIN_ADDR_OFFSET && "sdl_index" in sa)
    return (
      (((sa.sdl_type & 0xff) << 24) |
        ((sa.sdl_nlen & 0xff) << 16) |
        ((sa.sdl_alen & 0xff) << 8) |
        (sa.sdl_slen & 0xff)) >>>
      0
    );
  // A raw sockaddr's data (the radix head's interned masks are these: family byte 0xff).
  if (off >= 2 && "sa_data" in sa) {
    const d = sa.sa_data;
    const i = off - 2;
    return (((d[i] ?? 0) << 24) | ((d[i + 1] ?? 0) << 16) | ((d[i + 2] ?? 0) << 8) | (d[i + 3] ?? 0)) >>> 0;
  }
  return (
    ((saByte(sa, off) << 24) |
      (saByte(sa, off + 1) << 16) |
      (saByte(sa, off + 2) << 8) |
      saByte(sa, off + 3)) >>>
    0
  );
}

/** Bytes [0, n) of two sockaddrs' images are equal (bcmp, reading zeros past an image). */
function sameBytes(a: Sockaddr, b: Sockaddr, n: number): boolean {
  if ("sin_addr" in a && "sin_addr" in b) {
    // Four bytes at a time: len, family and port; the address; then sin_zero, zeros past 16.
    const head = ((a.sin_len & 0xff) << 24) | ((a.sin_family & 0xff) << 16) | (a.sin_port & 0xffff);
    const headB = ((b.sin_len & 0xff) << 24) | ((b.sin_family & 0xff) << 16) | (b.sin_port & 0xffff);
    if ((head ^ headB) & prefixWord(n)) return false;
    if ((a.sin_addr ^ b.sin_addr) & prefixWord(n - 4)) return false;
    if (a.sin_zero === undefined && b.sin_zero === undefined) return true;
  }
  for (let i = 0; i < n; i++) if (saByte(a, i) !== saByte(b, i)) return false;
  return true;
}

/** A sockaddr made from `len` bytes of memory (as the kernel would read a struct there). */
export function sa_from_image(img: Uint8Array): Sockaddr {
  const len = img[0] ?? 0;
  if (len >= 2 && len <= 16 && img[1] === AF_INET) return sinFromImage(img, len);
  // decodeSockaddr's sockaddr_dl, without the padded copy (route gateways are copied this way).
  if (len >= SDL_DATA_OFFSET && img[1] === AF_LINK && img.length >= len)
    return sockaddrDlFromImage(img.length === len ? img : img.subarray(0, len));
  const buf = new Uint8Array(Math.max(len, 2, img.length));
  buf.set(img);
  const sa = decodeSockaddr(buf.subarray(0, Math.max(len, 2)), 0);
  KASSERT(!isDecodeError(sa), "sa_from_image: undecodable image");
  if (len === 0) return { sa_len: 0, sa_family: buf[1], sa_data: new Uint8Array(0) };
  return sa;
}

/**
 * A copy of a sockaddr as the kernel copies one into storage of its own and reads it back:
 * sa_from_image(sa_image(sa)). The common case, a 16-byte sockaddr_in, is copied field by field
 * (sin_zero kept only when not all zeros, as sinFromImage does), and so is a sockaddr_dl whose
 * data is exactly sdl_len; every route's key or gateway is made this way.
 */
export function sa_copy(sa: Sockaddr): Sockaddr {
  if ("sin_addr" in sa && sa.sin_len === SOCKADDR_IN_SIZE && sa.sin_family === AF_INET) {
    const sin: SockaddrIn = {
      sin_len: SOCKADDR_IN_SIZE,
      sin_family: AF_INET,
      sin_port: sa.sin_port & 0xffff,
      sin_addr: sa.sin_addr >>> 0,
    };
    const zero = sa.sin_zero;
    if (zero !== undefined && zero.subarray(0, 8).some((b) => b !== 0)) {
      sin.sin_zero = new Uint8Array(8);
      sin.sin_zero.set(zero.subarray(0, 8));
    }
    return sin;
  }
  // A sockaddr_dl whose sdl_len covers exactly its data: interface routes' gateways.
  if ("sdl_index" in sa && sa.sdl_family === AF_LINK && sa.sdl_len === SDL_DATA_OFFSET + sa.sdl_data.length)
    return {
      sdl_len: sa.sdl_len & 0xff,
      sdl_family: AF_LINK,
      sdl_index: sa.sdl_index & 0xffff,
      sdl_type: sa.sdl_type & 0xff,
      sdl_nlen: sa.sdl_nlen & 0xff,
      sdl_alen: sa.sdl_alen & 0xff,
      sdl_slen: sa.sdl_slen & 0xff,
      // The constructor's copy, not slice(): slice goes through the species lookup.
      sdl_data: new Uint8Array(sa.sdl_data),
    };
  return sa_from_image(sa_image(sa));
}

/**
 * The sockaddr_in decodeSockaddr makes of the first `len` bytes of `img` (sockaddrInFromImage:
 * bytes past `len` read as zero, sin_zero kept only when not all zeros), built without its
 * copy and DataView: routes are made of these on every add and delete.
 */
function sinFromImage(img: Uint8Array, len: number): SockaddrIn {
  const sin: SockaddrIn = {
    sin_len: len,
    sin_family: AF_INET,
    sin_port: (imageByte(img, len, 2) << 8) | imageByte(img, len, 3),
    sin_addr:
      ((imageByte(img, len, 4) << 24) |
        (imageByte(img, len, 5) << 16) |
        (imageByte(img, len, 6) << 8) |
        imageByte(img, len, 7)) >>>
      0,
  };
  let nonzero = false;
  for (let i = 8; i < len; i++) if (imageByte(img, len, i) !== 0) nonzero = true;
  if (nonzero) {
    const zero = new Uint8Array(8);
    for (let i = 8; i < len; i++) zero[i - 8] = imageByte(img, len, i);
    sin.sin_zero = zero;
  }
  return sin;
}

/** Byte i of the first `len` bytes of img, zero past them. */
function imageByte(img: Uint8Array, len: number, i: number): number {
  return i < len ? (img[i] ?? 0) : 0;
}

/** if.c sa_equal: bcmp over a1's sa_len. */
export function sa_equal(a1: Sockaddr, a2: Sockaddr): boolean {
  return sameBytes(a1, a2, sockaddrLen(a1));
}

/**
 * route.c: rt_maskedcopy — sa_len and family from `src`, the rest ANDed with `netmask` up to the
 * shorter of the two lengths, zero after that up to src's sa_len.
 */
export function rt_maskedcopy(src: Sockaddr, netmask: Sockaddr): Sockaddr {
  if ("sin_addr" in src && (src.sin_family & 0xff) === AF_INET) {
    const len = src.sin_len & 0xff;
    if (len >= 2 && len <= 16) return sinMaskedCopy(src, len, Math.min(saByte(netmask, 0), len), netmask);
  }
  const s = sa_image(src);
  const m = sa_image(netmask);
  const lim2 = s[0];
  const lim = Math.min(m[0], lim2);
  const out = new Uint8Array(Math.max(lim2, 2));
  out[0] = s[0];
  out[1] = byteAt(s, 1);
  for (let i = 2; i < lim; i++) out[i] = byteAt(s, i) & byteAt(m, i);
  return sa_from_image(out);
}

/**
 * rt_maskedcopy of a sockaddr_in no longer than 16 bytes, as sa_from_image reads the copy back:
 * bytes [2, lim) ANDed, zeros after them, sin_zero kept only when some byte is left.
 */
function sinMaskedCopy(src: SockaddrIn, len: number, lim: number, netmask: Sockaddr): SockaddrIn {
  const head = (src.sin_port & 0xffff & sa_word(netmask, 0) & prefixWord(lim)) >>> 0;
  const out: SockaddrIn = {
    sin_len: len,
    sin_family: AF_INET,
    sin_port: head & 0xffff,
    sin_addr: (src.sin_addr & sa_word(netmask, SIN_ADDR_OFFSET) & prefixWord(lim - SIN_ADDR_OFFSET)) >>> 0,
  };
  if (src.sin_zero !== undefined && lim > 8) {
    const zero = new Uint8Array(8);
    let nonzero = false;
    for (let i = 8; i < lim; i++)
      if ((zero[i - 8] = saByte(src, i) & saByte(netmask, i)) !== 0) nonzero = true;
    if (nonzero) out.sin_zero = zero;
  }
  return out;
}

/** The radix offset of AF_INET keys: rn_inithead(head, 32) in in_rmx.c in_inithead, in bytes. */
export const INET_RN_OFFSET = 4;
/** radix.h RADIX_MAX_KEY_LEN: masks longer than this are cut (rn_addmask_r). */
const MAX_KEYLEN = 32;

/** rn_zeros: the all-zero key the mask head returns for masks with no bits past the offset. */
const RN_ZEROS: Sockaddr = Object.freeze({ sa_len: 0, sa_family: 0, sa_data: new Uint8Array(0) });

export interface radix_entry<T> {
  key: Sockaddr;
  /** The normalized mask (shared object per distinct mask), or null for a host entry. */
  mask: Sockaddr | null;
  value: T;
}

/** One past the last byte a sockaddr's image can hold that is not zero. */
function memEnd(sa: Sockaddr): number {
  if ("sin_addr" in sa) return 16;
  if (isSockaddrDl(sa)) return 8 + sa.sdl_data.length;
  return 2 + sa.sa_data.length;
}

/**
 * A run of key bytes as a Map key: with trailing zeros dropped, up to four bytes are the
 * big-endian number they make (zero-padded) as a signed 32-bit int (a small integer to V8, where
 * an unsigned one past 2^31 is a heap number per id), longer runs the string of their char
 * codes. Runs equal once zero-padded get the same id, and ids order as their runs do
 * (compareIds).
 */
type run_id = number | string;

/** The id of bytes [from, to) of sa's image, each ANDed with mask[i] (zero past it) when given. */
function runId(sa: Sockaddr, from: number, to: number, mask: Uint8Array | null): run_id {
  if (to <= from) return 0;
  if (mask === null && from === INET_RN_OFFSET && "sin_addr" in sa && (to <= 8 || sa.sin_zero === undefined))
    return sa.sin_addr & prefixWord(to - from);
  let last = -1;
  for (let i = from; i < to; i++) if (maskedByte(sa, i, mask) !== 0) last = i;
  const n = last + 1 - from;
  if (n <= 4) {
    let w = 0;
    for (let j = 0; j < 4; j++) w = (w << 8) | (j < n ? maskedByte(sa, from + j, mask) : 0);
    return w;
  }
  let s = "";
  for (let i = from; i <= last; i++) s += String.fromCharCode(maskedByte(sa, i, mask));
  return s;
}

function maskedByte(sa: Sockaddr, i: number, mask: Uint8Array | null): number {
  return mask === null ? saByte(sa, i) : saByte(sa, i) & (i < mask.length ? mask[i] : 0);
}

/** The number of bytes in the run an id stands for. */
function runLength(id: run_id): number {
  if (typeof id === "string") return id.length;
  if (id & 0xff) return 4;
  if (id & 0xff00) return 3;
  if (id & 0xff0000) return 2;
  return id === 0 ? 0 : 1;
}

function runByte(id: run_id, j: number): number {
  if (typeof id === "string") return j < id.length ? id.charCodeAt(j) : 0;
  return j < 4 ? (id >>> (24 - 8 * j)) & 0xff : 0;
}

const SIGN_BIT = 0x80000000;

/** Byte-wise order of two runs, zero-padded (the radix tree's left-to-right key order). */
function compareIds(a: run_id, b: run_id): number {
  // Flipping the sign bit orders signed words as their unsigned bytes.
  if (typeof a === "number" && typeof b === "number") return (a ^ SIGN_BIT) - (b ^ SIGN_BIT);
  const n = Math.max(runLength(a), runLength(b));
  for (let j = 0; j < n; j++) {
    const d = runByte(a, j) - runByte(b, j);
    if (d !== 0) return d;
  }
  return 0;
}

/** A normalized mask as the mask tree holds it, with what comparisons against it need. */
interface mask_info<T> {
  /** The mask handed out as radix_entry.mask: one object per distinct mask, never written. */
  readonly sa: Sockaddr;
  /** Its image, LEN(mask) bytes (none for rn_zeros). */
  readonly bytes: Uint8Array;
  /** Its one bits past byte 1: moreSpecific's rank. */
  readonly bits: number;
  /** The entries under this mask, indexed by where their compare ends (see match_group). */
  readonly groups: (match_group<T> | undefined)[];
}

/**
 * The entries with one mask whose compare ends at the same byte: rn_satisfies_leaf compares up
 * to min(LEN(v), LEN(key), LEN(mask)), so with `end` = min(LEN(key), LEN(mask)) any query at
 * least `end` long satisfies exactly the entries whose masked key bytes [off, end) equal its
 * own, and those sit together in `byId`.
 */
interface match_group<T> {
  readonly mask: mask_info<T>;
  readonly end: number;
  /** The mask's bytes off..off+3 within `end`, as a word: the masked id when !wide. */
  readonly word: number;
  /** Whether the compare runs past those four bytes (the id needs the bytes one by one). */
  readonly wide: boolean;
  /** Masked key id -> its entries, in table order. */
  readonly byId: leaf_index<T>;
  size: number;
}

/**
 * A leaf of the table: the entry callers get (as a radix_node sits in its rtentry), with what
 * the table derives from the key and mask once, when the entry is added. Keys and masks are
 * not changed after that, so these cannot drift from them.
 */
interface leaf<T> extends radix_entry<T> {
  /** Id of the key's image from the offset on: its duplicate-key chain, and its dump position. */
  readonly kid: run_id;
  /** One past the key's last non-zero byte at or after the offset. */
  readonly ext: number;
  /** The normalized mask's mask_info (entry.mask is its `sa`), null for a host entry. */
  readonly info: mask_info<T> | null;
  readonly group: match_group<T> | null;
  /** The lists n is on: #keys' for kid, and its group's for the key's id under the group's mask
   * (none for a host entry). A list stays in its index while it is not empty, so these are the
   * lists ids name. */
  readonly keys: leaf<T>[];
  readonly same: leaf<T>[] | null;
  /** Position in table order (the flat list's order: insertion, each chain most specific first). */
  order: number;
  prev: leaf<T> | null;
  next: leaf<T> | null;
}

/** An empty chain, shared: a lookup of a key no leaf has. */
const NO_LEAVES: readonly never[] = [];

/** Inserts `n` into `list` (kept in table order), scanning from the end where new leaves go. */
function insertOrdered<T>(list: leaf<T>[], n: leaf<T>): void {
  let i = list.length;
  while (i > 0 && list[i - 1].order > n.order) i--;
  list_insert_at(list, i, n);
}

/**
 * Lists of leaves by id, each in table order. A list that empties stays in the Map until empty
 * lists outnumber the others: a V8 Map whose key is deleted and set again, as adding and
 * deleting one address over and over does, keeps every dead entry in that key's bucket until
 * the whole table is rehashed, and lookups of the key walk them all.
 */
class leaf_index<T> {
  #map = new Map<run_id, leaf<T>[]>();
  #empty = 0;

  /** The list for id; empty or undefined when no leaf has it. */
  get(id: run_id): readonly leaf<T>[] | undefined {
    return this.#map.get(id);
  }

  /** The list for id, made (empty) when there is none: the one to add a leaf with id to. */
  listFor(id: run_id): leaf<T>[] {
    let list = this.#map.get(id);
    if (list === undefined) {
      list = [];
      this.#map.set(id, list);
      this.#empty++;
    }
    return list;
  }

  lists(): IterableIterator<readonly leaf<T>[]> {
    return this.#map.values();
  }

  /** Puts n on `list`, this index's list for n's id (listFor). */
  add(list: leaf<T>[], n: leaf<T>): void {
    if (list.length === 0) this.#empty--;
    insertOrdered(list, n);
  }

  /** Takes n off `list`, this index's list it is on. */
  remove(list: leaf<T>[], n: leaf<T>): void {
    const found = list_remove(list, n);
    KASSERT(found, "radix: leaf missing from its index");
    if (list.length === 0 && ++this.#empty > 16 && this.#empty * 2 > this.#map.size) {
      const live = new Map<run_id, leaf<T>[]>();
      for (const [k, l] of this.#map) if (l.length > 0) live.set(k, l);
      this.#map = live;
      this.#empty = 0;
    }
  }
}

/** Host entries first, then masks with more bits set (rn_refines for contiguous masks). */
function moreSpecific<T>(a: mask_info<T> | null, b: mask_info<T> | null): boolean {
  if (a === null) return b !== null;
  if (b === null) return false;
  return a.bits > b.bits;
}

export class radix_node_head<T> {
  /** rnh_treetop->rn_offset: bytes of the key that are not compared. */
  readonly off: number;
  /** Normalized masks by the id of their bytes past the offset. */
  readonly #masks = new Map<run_id, mask_info<T>>();
  readonly #zeros: mask_info<T> = { sa: RN_ZEROS, bytes: new Uint8Array(0), bits: 0, groups: [] };
  /** The mask #addmask found last, by its id: masks are never taken out of #masks, so the pair
   * stays true (adding and deleting a route normalizes its mask three times). */
  #lastMaskId: run_id = 0;
  #lastMask: mask_info<T> = this.#zeros;
  /** All leaves in table order, a doubly linked list: rn_match's ties go to the earliest. */
  #first: leaf<T> | null = null;
  #last: leaf<T> | null = null;
  /** Leaves by key id (kid), in table order: each key's rn_dupedkey chain, most specific first. */
  readonly #keys = new leaf_index<T>();
  /** Match groups, most one bits first: rn_match tries them in this order. */
  readonly #ranked: match_group<T>[] = [];
  #hosts = 0;
  /** How many leaves have each ext, and the largest: a key that long or longer finds its
   * chain by id; a shorter one may equal keys that differ past its end, and scans. */
  readonly #extCount: number[] = [];
  #maxExt = 0;
  /** Leaves in dump order (ascending kid, then table order), changed in place. */
  #dump: leaf<T>[] = [];
  /** Walks going on over #dump: a change during one copies it first, so the walk goes on over
   * the table as it began (a copy is no walk's, and starts unpinned). */
  #dumpPinned = 0;
  /** Whether entries() handed #dump out: the next change copies it first. */
  #dumpShared = false;

  constructor(off: number) {
    this.off = off;
  }

  /**
   * radix.c: rn_addmask — pads bytes 1..off-1 with ones, keeps the mask bytes after them,
   * trims trailing zero bytes and stores the trimmed length in byte 0. A mask with nothing left
   * past the offset is rn_zeros. Equal masks share one object, as the mask tree makes them.
   */
  rn_addmask(netmask: Sockaddr): Sockaddr {
    return this.#addmask(netmask).sa;
  }

  #addmask(netmask: Sockaddr): mask_info<T> {
    const mlen = Math.min(saByte(netmask, 0), MAX_KEYLEN);
    const skip = Math.max(this.off, 1);
    if (mlen <= skip) return this.#zeros;
    // The bytes kept, trimmed, are all that tells normalized masks apart.
    const id = runId(netmask, skip, mlen, null);
    if (id === 0) return this.#zeros;
    if (id === this.#lastMaskId) return this.#lastMask;
    let m = this.#masks.get(id);
    if (m === undefined) {
      const len = skip + runLength(id);
      const img = new Uint8Array(len);
      img[0] = len;
      img.fill(0xff, 1, skip);
      for (let i = skip; i < len; i++) img[i] = saByte(netmask, i);
      let bits = 0;
      for (let i = 2; i < len; i++) for (let b = img[i]; b; b &= b - 1) bits++;
      m = { sa: sa_from_image(img), bytes: img, bits, groups: [] };
      this.#masks.set(id, m);
    }
    this.#lastMaskId = id;
    this.#lastMask = m;
    return m;
  }

  /** Bytes [off, len(v)) of v equal those of `key` (rn_search + the exact-key compare). */
  #keyEqual(v: Sockaddr, key: Sockaddr): boolean {
    const len = saByte(v, 0);
    for (let i = this.off; i < len; i++) if (saByte(v, i) !== saByte(key, i)) return false;
    return true;
  }

  /** radix.c: rn_satisfies_leaf — v agrees with the leaf's key under its mask. */
  #satisfies(v: Sockaddr, n: leaf<T>): boolean {
    if (n.info === null) return this.#keyEqual(v, n.key);
    const m = n.info.bytes;
    const length = Math.min(saByte(v, 0), saByte(n.key, 0), m.length);
    for (let i = this.off; i < length; i++) if ((saByte(v, i) ^ saByte(n.key, i)) & m[i]) return false;
    return true;
  }

  /** The id of `key` over its own length: the chain it names (0 for the root leaf's). */
  #chainId(key: Sockaddr): run_id {
    return runId(key, this.off, Math.max(this.off, saByte(key, 0)), null);
  }

  /** Id of sa's bytes [off, g.end) under g's mask. */
  #groupId(g: match_group<T>, sa: Sockaddr): run_id {
    return g.wide ? runId(sa, this.off, g.end, g.mask.bytes) : sa_word(sa, this.off) & g.word;
  }

  /**
   * The leaves whose keys equal `key` over its length (its rn_dupedkey chain), most specific
   * first; the root leaf, which heads the chain when kid is 0, is left to the caller.
   */
  #chain(key: Sockaddr, kid: run_id): readonly leaf<T>[] {
    if (saByte(key, 0) >= this.#maxExt) return this.#keys.get(kid) ?? NO_LEAVES;
    const same: leaf<T>[] = [];
    for (let n = this.#first; n !== null; n = n.next) if (this.#keyEqual(key, n.key)) same.push(n);
    return same;
  }

  /** radix.c: rn_match — the most specific entry v satisfies. */
  rn_match(v: Sockaddr): radix_entry<T> | null {
    return this.#match(v);
  }

  /** The most specific leaf v satisfies, the earliest in table order among equals. */
  #match(v: Sockaddr): leaf<T> | null {
    const len = saByte(v, 0);
    if (this.#hosts > 0) for (const n of this.#chain(v, this.#chainId(v))) if (n.info === null) return n;
    let best: leaf<T> | null = null;
    let bits = 0;
    for (const g of this.#ranked) {
      if (best !== null && g.mask.bits < bits) break;
      const n = this.#matchGroup(g, v, len);
      if (n !== null && (best === null || n.order < best.order)) {
        best = n;
        bits = g.mask.bits;
      }
    }
    return best;
  }

  /** The earliest leaf of g that v satisfies. */
  #matchGroup(g: match_group<T>, v: Sockaddr, len: number): leaf<T> | null {
    if (len >= g.end) return g.byId.get(this.#groupId(g, v))?.[0] ?? null;
    let best: leaf<T> | null = null;
    for (const list of g.byId.lists())
      for (const n of list) if ((best === null || n.order < best.order) && this.#satisfies(v, n)) best = n;
    return best;
  }

  /**
   * radix.c: rn_lookup — with a mask, the entry with exactly that (normalized) mask, walking on
   * from the best match along its duplicate-key chain; without one, only a host entry whose key
   * is byte-for-byte `v` (length and family included).
   */
  rn_lookup(v: Sockaddr, netmask: Sockaddr | null): radix_entry<T> | null {
    const best = this.#match(v);
    if (best === null) return null;
    const key = best.key;
    if (netmask === null) {
      const len = saByte(v, 0);
      if (len !== saByte(key, 0) || !sameBytes(v, key, len)) return null;
      return best.info === null ? best : null;
    }
    const m = this.#addmask(netmask);
    // The key's own id names its chain: #chain reads it only when no byte lies past the length.
    const chain = this.#chain(key, best.kid);
    for (let i = chain.indexOf(best); i >= 0 && i < chain.length; i++)
      if (chain[i].info === m) return chain[i];
    return null;
  }

  /**
   * radix.c: rn_addroute — null (EEXIST for the caller) when an entry with this key and mask
   * exists. Entries with equal keys stay most specific first. The table keeps `key` itself, as
   * the tree keeps rt_key's storage: its bytes are indexed from now on, so it must not change
   * (the route owns the copy rtrequest1_fib made, and nothing writes a route's key).
   */
  rn_addroute(key: Sockaddr, netmask: Sockaddr | null, value: T): radix_entry<T> | null {
    const mask = netmask === null ? null : this.#addmask(netmask);
    const cid = this.#chainId(key);
    // The root leaf heads the all-zeros key's chain with no mask: no host route there.
    if (cid === 0 && mask === null) return null;
    const chain = this.#chain(key, cid);
    let before: leaf<T> | null = null;
    for (const n of chain) if (n.info === mask) return null;
    for (const n of chain)
      if (moreSpecific(mask, n.info)) {
        before = n;
        break;
      }
    const kid = runId(key, this.off, Math.max(this.off, memEnd(key)), null);
    let group: match_group<T> | null = null;
    if (mask !== null) {
      const end = Math.min(saByte(key, 0), mask.bytes.length);
      group = mask.groups[end] ?? this.#newGroup(mask, end);
    }
    const n: leaf<T> = {
      // Not frozen: a frozen sockaddr is a second object shape for every sockaddr reader (pair
      // loop ~3%, in_control's SIOCGIFADDR ~12% slower).
      key,
      mask: mask === null ? null : mask.sa,
      value,
      kid,
      ext: this.off + runLength(kid),
      info: mask,
      group,
      keys: this.#keys.listFor(kid),
      same: group === null ? null : group.byId.listFor(this.#groupId(group, key)),
      order: 0,
      prev: null,
      next: null,
    };
    this.#link(n, before);
    this.#index(n);
    return n;
  }

  #newGroup(mask: mask_info<T>, end: number): match_group<T> {
    let w = 0;
    for (let j = 0; j < 4; j++) {
      const i = this.off + j;
      w = (w << 8) | (i < end && i < mask.bytes.length ? mask.bytes[i] : 0);
    }
    const g: match_group<T> = {
      mask,
      end,
      word: w,
      wide: end > this.off + 4,
      byId: new leaf_index<T>(),
      size: 0,
    };
    mask.groups[end] = g;
    let i = 0;
    while (i < this.#ranked.length && this.#ranked[i].mask.bits >= mask.bits) i++;
    this.#ranked.splice(i, 0, g);
    return g;
  }

  /** Puts n in table order just before `before`, or last. */
  #link(n: leaf<T>, before: leaf<T> | null): void {
    if (before === null) {
      n.prev = this.#last;
      n.order = this.#last === null ? 0 : this.#last.order + 1;
      if (this.#last === null) this.#first = n;
      else this.#last.next = n;
      this.#last = n;
      return;
    }
    const p = before.prev;
    let order = p === null ? before.order - 1 : (p.order + before.order) / 2;
    if (p !== null && !(order > p.order && order < before.order)) {
      // Halving ran out of precision: renumber (order is only ever compared, never stored).
      let k = 0;
      for (let x = this.#first; x !== null; x = x.next) x.order = k++;
      order = before.order - 0.5;
    }
    n.order = order;
    n.prev = p;
    n.next = before;
    before.prev = n;
    if (p === null) this.#first = n;
    else p.next = n;
  }

  #index(n: leaf<T>): void {
    this.#keys.add(n.keys, n);
    if (n.group === null) this.#hosts++;
    else {
      KASSERT(n.same !== null, "radix: a masked leaf off its group's lists");
      n.group.byId.add(n.same, n);
      n.group.size++;
    }
    this.#extCount[n.ext] = (this.#extCount[n.ext] ?? 0) + 1;
    if (n.ext > this.#maxExt) this.#maxExt = n.ext;
    list_insert_at(this.#writableDump(), this.#dumpIndex(n), n);
  }

  /** Where n goes in (or is found in) the dump: after smaller keys and earlier equal ones. */
  #dumpIndex(n: leaf<T>): number {
    let lo = 0;
    let hi = this.#dump.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const x = this.#dump[mid];
      const c = compareIds(x.kid, n.kid) || x.order - n.order;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #writableDump(): leaf<T>[] {
    if (this.#dumpShared || this.#dumpPinned > 0) {
      this.#dump = this.#dump.slice();
      this.#dumpShared = false;
      this.#dumpPinned = 0;
    }
    return this.#dump;
  }

  /**
   * radix.c: rn_delete — the entry with exactly this key; with a mask, the one with that mask,
   * without one, the head of the key's chain (its most specific entry, host or not, and nothing
   * when that is the root leaf).
   */
  rn_delete(v: Sockaddr, netmask: Sockaddr | null): radix_entry<T> | null {
    const cid = this.#chainId(v);
    const chain = this.#chain(v, cid);
    if (chain.length === 0 && cid !== 0) return null;
    let n: leaf<T> | undefined;
    if (netmask === null) n = cid === 0 ? undefined : chain[0];
    else {
      const m = this.#addmask(netmask);
      n = chain.find((x) => x.info === m);
    }
    if (n === undefined) return null;
    this.#unindex(n);
    return n;
  }

  #unindex(n: leaf<T>): void {
    const i = this.#dumpIndex(n);
    KASSERT(this.#dump[i] === n, "radix: leaf missing from the dump");
    list_remove_at(this.#writableDump(), i);
    const c = --this.#extCount[n.ext];
    if (c === 0 && n.ext === this.#maxExt)
      while (this.#maxExt > 0 && !this.#extCount[this.#maxExt]) this.#maxExt--;
    if (n.group === null) this.#hosts--;
    else {
      const g = n.group;
      KASSERT(n.same !== null, "radix: a masked leaf off its group's lists");
      g.byId.remove(n.same, n);
      if (--g.size === 0) {
        g.mask.groups[g.end] = undefined;
        this.#ranked.splice(this.#ranked.indexOf(g), 1);
      }
    }
    this.#keys.remove(n.keys, n);
    if (n.prev === null) this.#first = n.next;
    else n.prev.next = n.next;
    if (n.next === null) this.#last = n.prev;
    else n.next.prev = n.prev;
  }

  /**
   * radix.c: rn_walktree — f(entry, w) for every entry in key order, each chain most specific
   * first, until f returns non-zero; w is the walker's argument (rnh_walktree's void *w).
   */
  rn_walktree(f: (e: radix_entry<T>) => number): number;
  rn_walktree<W>(f: (e: radix_entry<T>, w: W) => number, w: W): number;
  rn_walktree<W>(f: (e: radix_entry<T>, w?: W) => number, w?: W): number {
    const list = this.#dump;
    this.#dumpPinned++;
    try {
      for (let i = 0; i < list.length; i++) {
        const error = f(list[i], w);
        if (error) return error;
      }
      return 0;
    } finally {
      if (this.#dump === list) this.#dumpPinned--;
    }
  }

  /** Entries in dump order: ascending key bytes, then most specific first (a radix walk). */
  entries(): readonly radix_entry<T>[] {
    this.#dumpShared = true;
    return this.#dump;
  }
}
