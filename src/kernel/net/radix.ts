// The routing table's lookup structure, with the semantics of 10.4 sys/net/radix.c that callers
// can observe rather than its tree: keys compared byte-wise from the head's offset, masks
// normalized by rn_addmask_r (so they come back in routing messages exactly as the kernel keeps
// them), one entry per (key, mask) with duplicate keys ordered most specific first, best match
// by rn_match, rn_lookup (exact prefix, or exact host route), and rn_delete's pick of the
// duplicate-key chain's head when no mask is given. The all-zeros key shares its chain with the
// tree's root leaf (rn_zeros, RNF_ROOT), which no route can replace or delete.

import type { Sockaddr, SockaddrIn } from "../../abi/socket.ts";
import {
  AF_INET,
  decodeSockaddr,
  isSockaddrDl,
  isSockaddrIn,
  sockaddrInImage,
  sockaddrLen,
} from "../../abi/socket.ts";
import { isDecodeError } from "../../abi/decode.ts";
import { KASSERT } from "../kern/invariant.ts";

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
function saByte(sa: Sockaddr, i: number): number {
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
  if (isSockaddrDl(sa)) return byteAt(sa_image(sa), i);
  if (i === 0) return sa.sa_len & 0xff;
  if (i === 1) return sa.sa_family & 0xff;
  return sa.sa_data[i - 2] ?? 0;
}

/** A sockaddr made from `len` bytes of memory (as the kernel would read a struct there). */
export function sa_from_image(img: Uint8Array): Sockaddr {
  const len = img[0] ?? 0;
  if (len >= 2 && len <= 16 && img[1] === AF_INET) return sinFromImage(img, len);
  const buf = new Uint8Array(Math.max(len, 2, img.length));
  buf.set(img);
  const sa = decodeSockaddr(buf.subarray(0, Math.max(len, 2)), 0);
  KASSERT(!isDecodeError(sa), "sa_from_image: undecodable image");
  if (len === 0) return { sa_len: 0, sa_family: buf[1], sa_data: new Uint8Array(0) };
  return sa;
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
  const x = sa_image(a1);
  const y = sa_image(a2);
  const n = sockaddrLen(a1);
  for (let i = 0; i < n; i++) if (byteAt(x, i) !== byteAt(y, i)) return false;
  return true;
}

/**
 * route.c: rt_maskedcopy — sa_len and family from `src`, the rest ANDed with `netmask` up to the
 * shorter of the two lengths, zero after that up to src's sa_len.
 */
export function rt_maskedcopy(src: Sockaddr, netmask: Sockaddr): Sockaddr {
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

/** The radix offset of AF_INET keys: rn_inithead(head, 32) in in_rmx.c in_inithead, in bytes. */
export const INET_RN_OFFSET = 4;
/** radix.h RADIX_MAX_KEY_LEN: masks longer than this are cut (rn_addmask_r). */
const MAX_KEYLEN = 32;

/** rn_zeros: the all-zero key the mask head returns for masks with no bits past the offset. */
const RN_ZEROS: Sockaddr = { sa_len: 0, sa_family: 0, sa_data: new Uint8Array(0) };

export interface radix_entry<T> {
  key: Sockaddr;
  /** The normalized mask (shared object per distinct mask), or null for a host entry. */
  mask: Sockaddr | null;
  value: T;
}

/** The root leaf (RNF_ROOT) heading the all-zeros key's duplicate chain: no mask, no route. */
const ROOT = Symbol("RNF_ROOT");
type chain_entry<T> = radix_entry<T> | typeof ROOT;

export class radix_node_head<T> {
  /** rnh_treetop->rn_offset: bytes of the key that are not compared. */
  readonly off: number;
  readonly #masks = new Map<string, Sockaddr>();
  /** Entries; for equal keys, most specific first (the rn_dupedkey order). */
  readonly #entries: radix_entry<T>[] = [];

  constructor(off: number) {
    this.off = off;
  }

  /**
   * radix.c: rn_addmask — pads bytes 1..off-1 with ones, keeps the mask bytes after them,
   * trims trailing zero bytes and stores the trimmed length in byte 0. A mask with nothing left
   * past the offset is rn_zeros. Equal masks share one object, as the mask tree makes them.
   */
  rn_addmask(netmask: Sockaddr): Sockaddr {
    const nm = sa_image(netmask);
    let mlen = Math.min(nm[0], MAX_KEYLEN);
    const skip = Math.max(this.off, 1);
    if (mlen <= skip) return RN_ZEROS;
    const key = new Uint8Array(MAX_KEYLEN);
    key.fill(0xff, 1, skip);
    for (let i = skip; i < mlen; i++) key[i] = byteAt(nm, i);
    while (mlen > 0 && key[mlen - 1] === 0) mlen--;
    if (mlen <= skip) return RN_ZEROS;
    key[0] = mlen;
    const img = key.slice(0, mlen);
    const id = Array.from(img).join(",");
    let m = this.#masks.get(id);
    if (m === undefined) {
      m = sa_from_image(img);
      this.#masks.set(id, m);
    }
    return m;
  }

  /** Bytes [off, len(v)) of v equal those of `key` (rn_search + the exact-key compare). */
  #keyEqual(v: Sockaddr, key: Sockaddr): boolean {
    const len = saByte(v, 0);
    for (let i = this.off; i < len; i++) if (saByte(v, i) !== saByte(key, i)) return false;
    return true;
  }

  /** radix.c: rn_satisfies_leaf — v agrees with the entry's key under its mask. */
  #satisfies(v: Sockaddr, e: radix_entry<T>): boolean {
    if (e.mask === null) return this.#keyEqual(v, e.key);
    const m = e.mask;
    const length = Math.min(saByte(v, 0), saByte(e.key, 0), saByte(m, 0));
    for (let i = this.off; i < length; i++)
      if ((saByte(v, i) ^ saByte(e.key, i)) & saByte(m, i)) return false;
    return true;
  }

  /** radix.c: rn_match — the most specific entry v satisfies. */
  rn_match(v: Sockaddr): radix_entry<T> | null {
    let best: radix_entry<T> | null = null;
    for (const e of this.#entries) {
      if (!this.#satisfies(v, e)) continue;
      if (best === null || moreSpecific(e.mask, best.mask)) best = e;
    }
    return best;
  }

  /** Whether `key` equals rn_zeros over the compared bytes (the root leaf's key). */
  #isZeroKey(key: Sockaddr): boolean {
    const len = saByte(key, 0);
    for (let i = this.off; i < len; i++) if (saByte(key, i) !== 0) return false;
    return true;
  }

  /** The entries sharing `key`, most specific first (its rn_dupedkey chain), root leaf first. */
  #chain(key: Sockaddr): chain_entry<T>[] {
    const same: chain_entry<T>[] = this.#entries.filter((x) => this.#keyEqual(key, x.key));
    return this.#isZeroKey(key) ? [ROOT, ...same] : same;
  }

  /**
   * radix.c: rn_lookup — with a mask, the entry with exactly that (normalized) mask, walking on
   * from the best match along its duplicate-key chain; without one, only a host entry whose key
   * is byte-for-byte `v` (length and family included).
   */
  rn_lookup(v: Sockaddr, netmask: Sockaddr | null): radix_entry<T> | null {
    const best = this.rn_match(v);
    if (best === null) return null;
    if (netmask === null) {
      const a = sa_image(v);
      const b = sa_image(best.key);
      if (a[0] !== b[0]) return null;
      for (let i = 0; i < a[0]; i++) if (byteAt(a, i) !== byteAt(b, i)) return null;
      return best.mask === null ? best : null;
    }
    const m = this.rn_addmask(netmask);
    const chain = this.#chain(best.key);
    for (let i = chain.indexOf(best); i >= 0 && i < chain.length; i++) {
      const e = chain[i];
      if (e !== ROOT && e.mask === m) return e;
    }
    return null;
  }

  /**
   * radix.c: rn_addroute — null (EEXIST for the caller) when an entry with this key and mask
   * exists. Entries with equal keys stay most specific first.
   */
  rn_addroute(key: Sockaddr, netmask: Sockaddr | null, value: T): radix_entry<T> | null {
    const mask = netmask === null ? null : this.rn_addmask(netmask);
    const chain = this.#chain(key);
    if (chain.some((e) => (e === ROOT ? null : e.mask) === mask)) return null;
    const entry: radix_entry<T> = { key, mask, value };
    const before = chain.find((e): e is radix_entry<T> => e !== ROOT && moreSpecific(mask, e.mask));
    if (before === undefined) this.#entries.push(entry);
    else this.#entries.splice(this.#entries.indexOf(before), 0, entry);
    return entry;
  }

  /**
   * radix.c: rn_delete — the entry with exactly this key; with a mask, the one with that mask,
   * without one, the head of the key's chain (its most specific entry, host or not, and nothing
   * when that is the root leaf).
   */
  rn_delete(v: Sockaddr, netmask: Sockaddr | null): radix_entry<T> | null {
    const chain = this.#chain(v);
    if (chain.length === 0) return null;
    let e: chain_entry<T> | undefined = chain[0];
    if (netmask !== null) {
      const m = this.rn_addmask(netmask);
      e = chain.find((x) => x !== ROOT && x.mask === m);
    }
    if (e === undefined || e === ROOT) return null;
    this.#entries.splice(this.#entries.indexOf(e), 1);
    return e;
  }

  /** radix.c: rn_walktree — every entry in key order, each chain most specific first. */
  rn_walktree(f: (e: radix_entry<T>) => number): number {
    for (const e of this.entries()) {
      const error = f(e);
      if (error) return error;
    }
    return 0;
  }

  /** Entries in dump order: ascending key bytes, then most specific first (a radix walk). */
  entries(): readonly radix_entry<T>[] {
    // Array.prototype.sort is stable: equal keys keep their chain order. Each key is imaged
    // once, not once per comparison (in_ifadown walks the whole table on every delete).
    const keyed = this.#entries.map((e) => ({ e, image: sa_image(e.key) }));
    keyed.sort((a, b) => compareKeys(a.image, b.image, this.off));
    return keyed.map((k) => k.e);
  }
}

function compareKeys(a: Uint8Array, b: Uint8Array, off: number): number {
  const n = Math.max(a.length, b.length);
  for (let i = off; i < n; i++) {
    const d = byteAt(a, i) - byteAt(b, i);
    if (d !== 0) return d;
  }
  return 0;
}

function maskBits(m: Sockaddr): number {
  let n = 0;
  for (const byte of sa_image(m).subarray(2, sockaddrLen(m))) for (let b = byte; b; b &= b - 1) n++;
  return n;
}

/** Host entries first, then masks with more bits set (rn_refines for contiguous masks). */
function moreSpecific(a: Sockaddr | null, b: Sockaddr | null): boolean {
  if (a === null) return b !== null;
  if (b === null) return false;
  return maskBits(a) > maskBits(b);
}
