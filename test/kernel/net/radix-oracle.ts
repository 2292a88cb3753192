// The twin's routing table as it was before its indexes (src/kernel/net/radix.ts at c85ba3e): a
// flat list, every operation a scan over it, every byte read afresh from the sockaddr. Kept here
// as the oracle the indexed table must agree with, operation for operation, on any input
// (radix-differential.test.ts). It is the definition of the observable semantics, not a port.

import { isDecodeError } from "../../../src/abi/decode.ts";
import {
  decodeSockaddr,
  isSockaddrDl,
  isSockaddrIn,
  sockaddrInImage,
  sockaddrLen,
  type Sockaddr,
} from "../../../src/abi/socket.ts";

/** The bytes a sockaddr occupies in memory: at least sa_len, plus what its struct holds beyond. */
export function oracle_sa_image(sa: Sockaddr): Uint8Array {
  if (isSockaddrIn(sa)) {
    const img = sockaddrInImage(sa);
    if (sa.sin_len <= img.length) return img;
    const out = new Uint8Array(sa.sin_len);
    out.set(img);
    return out;
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

function byteAt(img: Uint8Array, i: number): number {
  return i < img.length ? img[i] : 0;
}

/** byteAt(oracle_sa_image(sa), i) without building the image. */
function saByte(sa: Sockaddr, i: number): number {
  if (isSockaddrIn(sa)) {
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
  if (isSockaddrDl(sa)) return byteAt(oracle_sa_image(sa), i);
  if (i === 0) return sa.sa_len & 0xff;
  if (i === 1) return sa.sa_family & 0xff;
  return sa.sa_data[i - 2] ?? 0;
}

/** A sockaddr made from an image: decodeSockaddr over its sa_len bytes, zeros past the image. */
export function oracle_sa_from_image(img: Uint8Array): Sockaddr {
  const len = img[0] ?? 0;
  const buf = new Uint8Array(Math.max(len, 2, img.length));
  buf.set(img);
  const sa = decodeSockaddr(buf.subarray(0, Math.max(len, 2)), 0);
  if (isDecodeError(sa)) throw new Error("undecodable image");
  if (len === 0) return { sa_len: 0, sa_family: buf[1], sa_data: new Uint8Array(0) };
  return sa;
}

/** Bytes off..off+3 of the image, big-endian, zero past it. */
export function oracle_sa_word(sa: Sockaddr, off: number): number {
  const img = oracle_sa_image(sa);
  return (
    ((byteAt(img, off) << 24) |
      (byteAt(img, off + 1) << 16) |
      (byteAt(img, off + 2) << 8) |
      byteAt(img, off + 3)) >>>
    0
  );
}

/** if.c sa_equal: bcmp over a1's sa_len. */
export function oracle_sa_equal(a1: Sockaddr, a2: Sockaddr): boolean {
  const x = oracle_sa_image(a1);
  const y = oracle_sa_image(a2);
  const n = sockaddrLen(a1);
  for (let i = 0; i < n; i++) if (byteAt(x, i) !== byteAt(y, i)) return false;
  return true;
}

/** route.c rt_maskedcopy, byte by byte over the images. */
export function oracle_rt_maskedcopy(src: Sockaddr, netmask: Sockaddr): Sockaddr {
  const s = oracle_sa_image(src);
  const m = oracle_sa_image(netmask);
  const lim2 = s[0];
  const lim = Math.min(m[0], lim2);
  const out = new Uint8Array(Math.max(lim2, 2));
  out[0] = s[0];
  out[1] = byteAt(s, 1);
  for (let i = 2; i < lim; i++) out[i] = byteAt(s, i) & byteAt(m, i);
  return oracle_sa_from_image(out);
}

const MAX_KEYLEN = 32;
const RN_ZEROS: Sockaddr = { sa_len: 0, sa_family: 0, sa_data: new Uint8Array(0) };

export interface oracle_entry<T> {
  key: Sockaddr;
  mask: Sockaddr | null;
  value: T;
}

const ROOT = Symbol("RNF_ROOT");
type chain_entry<T> = oracle_entry<T> | typeof ROOT;

export class oracle_head<T> {
  readonly off: number;
  readonly #masks = new Map<string, Sockaddr>();
  readonly #entries: oracle_entry<T>[] = [];

  constructor(off: number) {
    this.off = off;
  }

  rn_addmask(netmask: Sockaddr): Sockaddr {
    const nm = oracle_sa_image(netmask);
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
      m = oracle_sa_from_image(img);
      this.#masks.set(id, m);
    }
    return m;
  }

  #keyEqual(v: Sockaddr, key: Sockaddr): boolean {
    const len = saByte(v, 0);
    for (let i = this.off; i < len; i++) if (saByte(v, i) !== saByte(key, i)) return false;
    return true;
  }

  #satisfies(v: Sockaddr, e: oracle_entry<T>): boolean {
    if (e.mask === null) return this.#keyEqual(v, e.key);
    const m = e.mask;
    const length = Math.min(saByte(v, 0), saByte(e.key, 0), saByte(m, 0));
    for (let i = this.off; i < length; i++)
      if ((saByte(v, i) ^ saByte(e.key, i)) & saByte(m, i)) return false;
    return true;
  }

  rn_match(v: Sockaddr): oracle_entry<T> | null {
    let best: oracle_entry<T> | null = null;
    for (const e of this.#entries) {
      if (!this.#satisfies(v, e)) continue;
      if (best === null || moreSpecific(e.mask, best.mask)) best = e;
    }
    return best;
  }

  #isZeroKey(key: Sockaddr): boolean {
    const len = saByte(key, 0);
    for (let i = this.off; i < len; i++) if (saByte(key, i) !== 0) return false;
    return true;
  }

  #chain(key: Sockaddr): chain_entry<T>[] {
    const same: chain_entry<T>[] = this.#entries.filter((x) => this.#keyEqual(key, x.key));
    return this.#isZeroKey(key) ? [ROOT, ...same] : same;
  }

  rn_lookup(v: Sockaddr, netmask: Sockaddr | null): oracle_entry<T> | null {
    const best = this.rn_match(v);
    if (best === null) return null;
    if (netmask === null) {
      const a = oracle_sa_image(v);
      const b = oracle_sa_image(best.key);
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

  rn_addroute(key: Sockaddr, netmask: Sockaddr | null, value: T): oracle_entry<T> | null {
    const mask = netmask === null ? null : this.rn_addmask(netmask);
    const chain = this.#chain(key);
    if (chain.some((e) => (e === ROOT ? null : e.mask) === mask)) return null;
    const entry: oracle_entry<T> = { key, mask, value };
    const before = chain.find((e): e is oracle_entry<T> => e !== ROOT && moreSpecific(mask, e.mask));
    if (before === undefined) this.#entries.push(entry);
    else this.#entries.splice(this.#entries.indexOf(before), 0, entry);
    return entry;
  }

  rn_delete(v: Sockaddr, netmask: Sockaddr | null): oracle_entry<T> | null {
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

  entries(): readonly oracle_entry<T>[] {
    const keyed = this.#entries.map((e) => ({ e, image: oracle_sa_image(e.key) }));
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
  for (const byte of oracle_sa_image(m).subarray(2, sockaddrLen(m))) for (let b = byte; b; b &= b - 1) n++;
  return n;
}

function moreSpecific(a: Sockaddr | null, b: Sockaddr | null): boolean {
  if (a === null) return b !== null;
  if (b === null) return false;
  return maskBits(a) > maskBits(b);
}
