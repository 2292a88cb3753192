// The routing table against its oracle (radix-oracle.ts, the flat list it replaced): random
// operations over a small universe of keys and masks chosen so that keys collide, lengths are
// odd (0..20 for sockaddr_in, up to 40 for other families), sin_zero bytes are set, masks are
// non-contiguous or longer than RADIX_MAX_KEY_LEN, and the all-zeros key comes up often. Every
// answer (which entry, in which order, with which normalized mask) must be the oracle's.

import { describe, expect, test } from "vitest";
import {
  AF_INET,
  AF_LINK,
  sockaddrDl,
  sockaddrIn,
  type Sockaddr,
  type SockaddrIn,
} from "../../../src/abi/socket.ts";
import {
  INET_RN_OFFSET,
  radix_node_head,
  rt_maskedcopy,
  sa_equal,
  sa_from_image,
  sa_image,
  sa_word,
  type radix_entry,
} from "../../../src/kernel/net/radix.ts";
import { seededRandom } from "../../wire/helpers.ts";
import {
  oracle_head,
  oracle_rt_maskedcopy,
  oracle_sa_equal,
  oracle_sa_from_image,
  oracle_sa_image,
  oracle_sa_word,
  type oracle_entry,
} from "./radix-oracle.ts";

type Rand = () => number;
const pick = <X>(r: Rand, xs: readonly X[]): X => xs[Math.floor(r() * xs.length)];

const ADDRS = [
  0, 0x0a000000, 0x0a000001, 0x0a000100, 0x0a010000, 0x0a010203, 0xc0000200, 0xc0000201, 0xffffffff,
];
const MASKS = [
  0, 0xff000000, 0xffff0000, 0xffffff00, 0xffffffff, 0xff00ff00, 0x00ffff00, 0xffff00ff, 0x80000000,
];
const LENS = [16, 16, 16, 16, 8, 7, 6, 5, 4, 3, 2, 1, 0, 20];

function bytes(r: Rand, n: number, zeroish: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r() < zeroish ? 0 : pick(r, [1, 0x80, 0xff, Math.floor(r() * 256)]);
  return b;
}

/** A sockaddr_in, now and then with a port, sin_zero bytes or another family. */
function randomSin(r: Rand, addrs: readonly number[]): Sockaddr {
  const sin: Sockaddr = {
    sin_len: pick(r, LENS),
    sin_family: r() < 0.9 ? AF_INET : pick(r, [0, 0xff, AF_LINK]),
    sin_port: r() < 0.85 ? 0 : pick(r, [80, 0x1234]),
    sin_addr: pick(r, addrs),
  };
  if (r() < 0.15) sin.sin_zero = r() < 0.3 ? new Uint8Array(8) : bytes(r, pick(r, [8, 8, 3, 10]), 0.6);
  return sin;
}

/** Any sockaddr: mostly sockaddr_in, else a raw one (up to 40 bytes) or a sockaddr_dl. */
function randomSa(r: Rand, addrs: readonly number[]): Sockaddr {
  const x = r();
  if (x < 0.8) return randomSin(r, addrs);
  if (x < 0.95) {
    const len = pick(r, [0, 2, 6, 8, 12, 16, 24, 33, 40]);
    const data = bytes(r, Math.max(0, pick(r, [len - 2, len - 2, len + 4, 4])), 0.5);
    // Raw keys that collide with sockaddr_in ones: the same bytes 4..7 as an address.
    if (data.length >= 6 && r() < 0.5) new DataView(data.buffer).setUint32(2, pick(r, addrs), false);
    return { sa_len: len, sa_family: pick(r, [0, AF_INET, 0xff, 17]), sa_data: data };
  }
  return sockaddrDl({
    index: pick(r, [0, 1, 0x0a00]),
    type: 6,
    name: pick(r, ["", "vtnet0"]),
    len: pick(r, [8, 20]),
  });
}

const randomKey = (r: Rand): Sockaddr => randomSa(r, ADDRS);
const randomMask = (r: Rand): Sockaddr => randomSa(r, MASKS);

/** Tags of entries, so the two tables' entries can be compared. */
const tag = (e: radix_entry<number> | oracle_entry<number> | null): number | null =>
  e === null ? null : e.value;
/** A mask's first sa_len bytes (its normalized form), by the oracle's image. */
function maskBytes(m: Sockaddr | null): number[] | null {
  if (m === null) return null;
  const img = oracle_sa_image(m);
  return [...img.subarray(0, img[0])];
}

function agree(h: radix_node_head<number>, o: oracle_head<number>, where: string): void {
  const he = h.entries();
  const oe = o.entries();
  expect(he.map(tag), where).toEqual(oe.map(tag));
  for (let i = 0; i < he.length; i++) {
    expect(he[i].key, where).toBe(oe[i].key);
    expect(maskBytes(he[i].mask), where).toEqual(maskBytes(oe[i].mask));
  }
  const walked: number[] = [];
  expect(h.rn_walktree((e) => (walked.push(e.value), 0))).toBe(0);
  expect(walked, where).toEqual(oe.map(tag));
}

/** How often each kind of answer came up: the universe must reach the cases it is built for. */
type Seen = Record<string, number>;
const count = (seen: Seen, what: string): void => void (seen[what] = (seen[what] ?? 0) + 1);

function run(seed: number, off: number, steps: number, seen: Seen = {}): void {
  const r = seededRandom(seed);
  const h = new radix_node_head<number>(off);
  const o = new oracle_head<number>(off);
  /** Normalized masks seen: the table must hand out one object per distinct mask. */
  const maskObjects = new Map<string, Sockaddr>();
  const sameMaskObject = (m: Sockaddr | null, where: string): void => {
    if (m === null) return;
    const id = JSON.stringify(maskBytes(m));
    const seen = maskObjects.get(id);
    if (seen === undefined) maskObjects.set(id, m);
    else expect(m, where).toBe(seen);
  };
  let next = 0;
  const live: { key: Sockaddr; mask: Sockaddr | null }[] = [];
  for (let step = 0; step < steps; step++) {
    const where = `seed ${seed} off ${off} step ${step}`;
    const x = r();
    if (x < 0.35) {
      const key = randomKey(r);
      const mask = r() < 0.3 ? null : randomMask(r);
      const value = next++;
      const a = h.rn_addroute(key, mask, value);
      const b = o.rn_addroute(key, mask, value);
      expect(tag(a), `${where} add`).toEqual(tag(b));
      count(seen, a === null ? "add refused" : mask === null ? "host added" : "masked added");
      if (a !== null && b !== null) {
        expect(maskBytes(a.mask), `${where} add mask`).toEqual(maskBytes(b.mask));
        sameMaskObject(a.mask, where);
        live.push({ key, mask });
      }
    } else if (x < 0.5) {
      // Delete a live route by its own key and mask, or by a fresh or maskless one.
      const known = live.length > 0 && r() < 0.6 ? pick(r, live) : null;
      const key = known !== null ? known.key : randomKey(r);
      const mask = known !== null && r() < 0.8 ? known.mask : r() < 0.5 ? null : randomMask(r);
      const d = h.rn_delete(key, mask);
      expect(tag(d), `${where} delete`).toEqual(tag(o.rn_delete(key, mask)));
      count(seen, d === null ? "delete missed" : mask === null ? "delete chain head" : "delete by mask");
    } else if (x < 0.7) {
      const v = randomKey(r);
      const m = h.rn_match(v);
      expect(tag(m), `${where} match`).toEqual(tag(o.rn_match(v)));
      count(seen, m === null ? "match none" : m.mask === null ? "match host" : "match masked");
    } else if (x < 0.85) {
      // Lookups by a live route's own key and mask find it; random ones mostly miss.
      const known = live.length > 0 && r() < 0.5 ? pick(r, live) : null;
      const v = known !== null ? known.key : randomKey(r);
      const mask = known !== null ? known.mask : r() < 0.4 ? null : randomMask(r);
      const l = h.rn_lookup(v, mask);
      expect(tag(l), `${where} lookup`).toEqual(tag(o.rn_lookup(v, mask)));
      count(seen, l === null ? "lookup none" : mask === null ? "lookup host" : "lookup masked");
    } else if (x < 0.93) {
      const m = randomMask(r);
      const a = h.rn_addmask(m);
      expect(maskBytes(a), `${where} addmask`).toEqual(maskBytes(o.rn_addmask(m)));
      sameMaskObject(a, where);
    } else if (x < 0.96) {
      // A walk that deletes what it visits (as in_ifadown does) sees the table as it began;
      // the oracle then makes the same deletions, in the same order, with the same answers.
      const oe = o.entries();
      const visited: number[] = [];
      const deletes: { key: Sockaddr; mask: Sockaddr | null; got: number | null }[] = [];
      h.rn_walktree((e) => {
        visited.push(e.value);
        if (r() < 0.3) deletes.push({ key: e.key, mask: e.mask, got: tag(h.rn_delete(e.key, e.mask)) });
        return 0;
      });
      expect(visited, `${where} walk`).toEqual(oe.map(tag));
      for (const d of deletes) expect(tag(o.rn_delete(d.key, d.mask)), `${where} walk delete`).toEqual(d.got);
    } else {
      agree(h, o, where);
    }
  }
  agree(h, o, `seed ${seed} off ${off} end`);
}

describe("the indexed table answers as the flat list did", () => {
  test("AF_INET offset, many seeds", () => {
    const seen: Seen = {};
    for (let seed = 1; seed <= 60; seed++) run(seed, INET_RN_OFFSET, 400, seen);
    for (const what of [
      "add refused",
      "host added",
      "masked added",
      "delete missed",
      "delete chain head",
      "delete by mask",
      "match none",
      "match host",
      "match masked",
      "lookup none",
      "lookup host",
      "lookup masked",
    ])
      expect(seen[what] ?? 0, what).toBeGreaterThan(20);
  });

  test("other offsets (0, 1, 2, 8)", () => {
    for (const off of [0, 1, 2, 8]) for (let seed = 100; seed < 110; seed++) run(seed, off, 300);
  });

  test("walks and entries() are snapshots: nested walks, a held entries(), a callback that throws", () => {
    const h = new radix_node_head<number>(INET_RN_OFFSET);
    const keys = [0x0a000000, 0x0b000000, 0x0c000000, 0x0d000000].map((a) => sockaddrIn(a));
    const mask = sockaddrIn(0xff000000);
    keys.forEach((k, i) => h.rn_addroute(k, mask, i));
    const held = h.entries();
    const outer: number[] = [];
    const inner: number[][] = [];
    h.rn_walktree((e) => {
      outer.push(e.value);
      if (e.value === 0) h.rn_delete(keys[2], mask);
      const seen: number[] = [];
      h.rn_walktree((x) => {
        seen.push(x.value);
        if (e.value === 1 && x.value === 0) h.rn_delete(keys[3], mask);
        return 0;
      });
      inner.push(seen);
      return 0;
    });
    // The outer walk sees all four; each inner walk the table as it was when it began.
    expect(outer).toEqual([0, 1, 2, 3]);
    expect(inner).toEqual([
      [0, 1, 3],
      [0, 1, 3],
      [0, 1],
      [0, 1],
    ]);
    expect(held.map((e) => e.value)).toEqual([0, 1, 2, 3]);
    // A callback that throws leaves no walk pinned: later changes do not disturb a held dump.
    expect(() =>
      h.rn_walktree(() => {
        throw new Error("callback");
      }),
    ).toThrow("callback");
    const after = h.entries();
    h.rn_addroute(keys[2], mask, 9);
    expect(after.map((e) => e.value)).toEqual([0, 1]);
    expect(h.entries().map((e) => e.value)).toEqual([0, 1, 9]);
  });

  test("200 ever more specific masks on one key, each going in front of the last", () => {
    // Each new chain head goes between the same earlier entry and the last head: table order
    // is bisected past a double's precision and must be renumbered without reordering.
    const h = new radix_node_head<number>(INET_RN_OFFSET);
    const o = new oracle_head<number>(INET_RN_OFFSET);
    // Two entries ahead, so the gap's lower end is not 0 (halving towards 0 lasts much longer).
    for (const [i, first] of [sockaddrIn(0x01000000), sockaddrIn(0x02000000)].entries()) {
      h.rn_addroute(first, sockaddrIn(0xff000000), -1 - i);
      o.rn_addroute(first, sockaddrIn(0xff000000), -1 - i);
    }
    const key = sockaddrIn(0x0a000000);
    for (let k = 1; k <= 200; k++) {
      const data = new Uint8Array(2 + Math.ceil(k / 8));
      for (let b = 0; b < k; b++) data[2 + (b >> 3)] |= 0x80 >> (b & 7);
      const mask: Sockaddr = { sa_len: 2 + data.length, sa_family: 0, sa_data: data };
      expect(tag(h.rn_addroute(key, mask, k))).toBe(k);
      o.rn_addroute(key, mask, k);
      if (k % 50 === 0) agree(h, o, `mask ${k}`);
    }
    expect(tag(h.rn_match(sockaddrIn(0x0a000000)))).toBe(200);
    expect(tag(h.rn_delete(sockaddrIn(0x0a000000), null))).toBe(200);
    o.rn_delete(sockaddrIn(0x0a000000), null);
    agree(h, o, "after the deletion");
  });

  test("a large table: 1500 routes, lookups and deletes among them", () => {
    const r = seededRandom(7);
    const h = new radix_node_head<number>(INET_RN_OFFSET);
    const o = new oracle_head<number>(INET_RN_OFFSET);
    const keys: SockaddrIn[] = [];
    for (let i = 0; i < 1500; i++) {
      const a = (0x0a000000 | (Math.floor(r() * 0x10000) << 8) | (r() < 0.5 ? 1 : 0)) >>> 0;
      const key = sockaddrIn(a);
      const mask = r() < 0.5 ? null : sockaddrIn(pick(r, MASKS));
      expect(tag(h.rn_addroute(key, mask, i))).toEqual(tag(o.rn_addroute(key, mask, i)));
      keys.push(key);
    }
    agree(h, o, "large, filled");
    for (let i = 0; i < 300; i++) {
      const v = sockaddrIn(pick(r, keys).sin_addr ^ (r() < 0.5 ? 1 : 0));
      expect(tag(h.rn_match(v))).toEqual(tag(o.rn_match(v)));
      expect(tag(h.rn_lookup(v, null))).toEqual(tag(o.rn_lookup(v, null)));
      const k = pick(r, keys);
      expect(tag(h.rn_delete(k, null))).toEqual(tag(o.rn_delete(k, null)));
    }
    agree(h, o, "large, thinned");
  });
});

describe("sockaddr helpers agree with the byte-by-byte definitions", () => {
  test("sa_image, sa_equal, rt_maskedcopy and sa_word over random sockaddrs (odd lengths, sin_zero, other families)", () => {
    const r = seededRandom(42);
    for (let i = 0; i < 20000; i++) {
      const a = randomSa(r, r() < 0.5 ? ADDRS : MASKS);
      const b = r() < 0.3 ? { ...a } : randomSa(r, r() < 0.5 ? ADDRS : MASKS);
      expect([...sa_image(a)]).toEqual([...oracle_sa_image(a)]);
      expect(sa_equal(a, b)).toBe(oracle_sa_equal(a, b));
      // rt_maskedcopy reads a key and a mask of any family; lengths past 255 do not occur.
      expect(rt_maskedcopy(a, b)).toEqual(oracle_rt_maskedcopy(a, b));
      const off = Math.floor(r() * 14);
      expect(sa_word(a, off)).toBe(oracle_sa_word(a, off));
    }
  });

  test("sa_from_image over random images (any length and family, shorter or longer than sa_len)", () => {
    const r = seededRandom(43);
    for (let i = 0; i < 20000; i++) {
      const len = pick(r, [0, 1, 2, 5, 7, 8, 12, 16, 17, 20, 24, 40]);
      const img = bytes(r, Math.max(1, pick(r, [len, len, len + 3, len - 1, 2])), 0.5);
      img[0] = len;
      if (img.length > 1) img[1] = pick(r, [AF_INET, AF_INET, AF_LINK, AF_LINK, 0, 0xff]);
      expect(sa_from_image(img)).toEqual(oracle_sa_from_image(img));
    }
  });
});
