import { describe, expect, test } from "vitest";
import { AF_INET, decodeSockaddr, sockaddrIn, type Sockaddr } from "../../../src/abi/socket.ts";
import {
  sa_equal,
  INET_RN_OFFSET,
  radix_node_head,
  rt_maskedcopy,
  sa_from_image,
  sa_image,
} from "../../../src/kernel/net/radix.ts";

const sin = (a: number, len = 16): Sockaddr => sockaddrIn(a, len);
/** A sockaddr's first sa_len bytes; none for null. */
function bytes(sa: Sockaddr | null): number[] {
  if (sa === null) return [];
  const img = sa_image(sa);
  return [...img.subarray(0, img[0])];
}

describe("rn_addmask_r normalization (10.4 sys/net/radix.c rn_addmask_r)", () => {
  const head = new radix_node_head<string>(INET_RN_OFFSET);

  test("bytes 1..skip-1 become 0xff, trailing zero bytes are trimmed, byte 0 is the new length", () => {
    // skip = 4 for AF_INET: rn_inithead(head, 32) in 10.4 in_rmx.c in_inithead.
    expect(bytes(head.rn_addmask(sin(0xffffff00)))).toEqual([7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(bytes(head.rn_addmask(sin(0xff000000)))).toEqual([5, 0xff, 0xff, 0xff, 0xff]);
    expect(bytes(head.rn_addmask(sin(0xffffffff)))).toEqual([8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });

  test("a mask already trimmed by in_socktrim normalizes the same, to the same object", () => {
    expect(head.rn_addmask(sin(0xffffff00, 7))).toBe(head.rn_addmask(sin(0xffffff00)));
  });

  test("a mask with nothing past the offset is rn_zeros (length 0)", () => {
    expect(sa_image(head.rn_addmask(sin(0)))[0]).toBe(0);
    expect(sa_image(head.rn_addmask(sin(0, 0)))[0]).toBe(0);
  });
});

describe("radix table semantics (10.4 sys/net/radix.c)", () => {
  test("one entry per key and mask: a duplicate is refused (rn_addroute returns 0)", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    expect(h.rn_addroute(sin(0x0a000000), sin(0xffffff00), "a")).not.toBeNull();
    expect(h.rn_addroute(sin(0x0a000000), sin(0xffffff00), "b")).toBeNull();
    expect(h.rn_addroute(sin(0x0a000000), sin(0xffff0000), "c")).not.toBeNull();
  });

  test("rn_match: host entry, then the longest matching prefix", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0x0a000000), sin(0xff000000), "/8");
    h.rn_addroute(sin(0x0a010000), sin(0xffff0000), "/16");
    h.rn_addroute(sin(0x0a010203), null, "host");
    h.rn_addroute(sin(0), sin(0), "default");
    expect(h.rn_match(sin(0x0a010203))?.value).toBe("host");
    expect(h.rn_match(sin(0x0a010204))?.value).toBe("/16");
    expect(h.rn_match(sin(0x0a020304))?.value).toBe("/8");
    expect(h.rn_match(sin(0xc0000201))?.value).toBe("default");
  });

  test("rn_lookup without a mask finds only an exact host entry", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0x0a000000), sin(0xffffff00), "/24");
    expect(h.rn_lookup(sin(0x0a000005), null)).toBeNull();
    expect(h.rn_lookup(sin(0x0a000000), null)).toBeNull();
    h.rn_addroute(sin(0x0a000005), null, "host");
    expect(h.rn_lookup(sin(0x0a000005), null)?.value).toBe("host");
  });

  test("rn_lookup with a mask walks on from the best match along its key's chain only", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0x0a000000), sin(0xffff0000), "/16");
    h.rn_addroute(sin(0x0a000000), sin(0xffffff00), "/24");
    expect(h.rn_lookup(sin(0x0a000000), sin(0xffff0000))?.value).toBe("/16");
    // A more specific entry under another key hides the prefix: rn_match lands on that key.
    h.rn_addroute(sin(0x0a000005), null, "host");
    expect(h.rn_lookup(sin(0x0a000005), sin(0xffff0000))).toBeNull();
    expect(h.rn_lookup(sin(0x0a000004), sin(0xffff0000))?.value).toBe("/16");
  });

  test("rn_delete without a mask removes the key's most specific entry, host or not", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0x0a000000), sin(0xffff0000), "/16");
    h.rn_addroute(sin(0x0a000000), sin(0xffffff00), "/24");
    expect(h.rn_delete(sin(0x0a000000), null)?.value).toBe("/24");
    expect(h.rn_delete(sin(0x0a000000), sin(0xffffff00))).toBeNull();
    expect(h.rn_delete(sin(0x0a000000), sin(0xffff0000))?.value).toBe("/16");
  });

  test("the all-zeros key shares the root leaf's chain: no host entry there, no unmasked delete", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    expect(h.rn_addroute(sin(0), null, "host 0")).toBeNull();
    expect(h.rn_addroute(sin(0), sin(0), "default")).not.toBeNull();
    expect(h.rn_delete(sin(0), null)).toBeNull();
    expect(h.rn_delete(sin(0), sin(0))?.value).toBe("default");
  });

  test("walks visit keys in ascending order, each key's chain most specific first", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0xc0000200), sin(0xffffff00), "c");
    h.rn_addroute(sin(0x0a000000), sin(0xff000000), "a8");
    h.rn_addroute(sin(0x0a000000), sin(0xffff0000), "a16");
    h.rn_addroute(sin(0), sin(0), "default");
    const seen: string[] = [];
    h.rn_walktree((e) => (seen.push(e.value), 0));
    expect(seen).toEqual(["default", "a16", "a8", "c"]);
  });
});

test("rt_maskedcopy keeps length and family, masks the rest (10.4 sys/net/route.c)", () => {
  const out = rt_maskedcopy(sin(0xc0a80117), sin(0xffffff00, 7));
  expect(bytes(out)).toEqual([16, 2, 0, 0, 192, 168, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

describe("sa_from_image reads AF_INET images as decodeSockaddr does", () => {
  test("every length 2..16, with and without sin_zero bytes, past-length bytes ignored", () => {
    // The table's sockaddrs are the kernel's memory read back; its AF_INET shortcut must give
    // the same objects as the ABI decoder (src/abi/socket.ts decodeSockaddr).
    for (let len = 2; len <= 16; len++) {
      for (const fill of [0, 0xa5]) {
        const img = new Uint8Array(20).fill(fill);
        img[0] = len;
        img[1] = AF_INET;
        for (let i = 2; i < 8; i++) img[i] = 0x10 + i;
        const want = decodeSockaddr(img.slice(0, len));
        expect(sa_from_image(img.slice(0, len))).toEqual(want);
        // Bytes past sa_len are not part of the sockaddr.
        expect(sa_from_image(img)).toEqual(want);
      }
    }
  });
});

// What follows pins the table's observable behaviour in the corners, before its representation
// changes. Citations are to 10.4 sys/net/radix.c (release/10.4.0 r273185) unless said otherwise.
const sinz = (a: number, zero: number[], len = 16): Sockaddr => ({
  ...sockaddrIn(a, len),
  sin_zero: new Uint8Array(zero),
});
const withPort = (a: number, port: number): Sockaddr => ({ ...sockaddrIn(a), sin_port: port });
const walk = (h: radix_node_head<string>): string[] => {
  const seen: string[] = [];
  h.rn_walktree((e) => (seen.push(e.value), 0));
  return seen;
};

describe("keys are compared over the new key's own length, from the offset", () => {
  // rn_insert: the duplicate test runs from head_off to LEN(v) of the key being added, reading
  // the existing leaf's key that far whatever its own length (radix.c:442, 450-458).
  test("a host key with sin_len 8 duplicates the same address with sin_len 16", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    expect(h.rn_addroute(sin(0x0a000001), null, "16")).not.toBeNull();
    expect(h.rn_addroute(sin(0x0a000001, 8), null, "8")).toBeNull();
  });

  test("a key shorter than sin_addr compares only the bytes it has", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0x0a010909), null, "10.1.9.9");
    // Bytes 4..5 (10.1) are all of a 6-byte key: it is the same key as 10.1.9.9.
    expect(h.rn_addroute(sin(0x0a010203, 6), null, "10.1/6")).toBeNull();
    // A key that ends at the offset compares nothing: it duplicates every key, the root leaf's
    // included (whose null mask refuses a host route).
    expect(h.rn_addroute(sin(0x0a010909, 4), null, "len 4")).toBeNull();
    expect(h.rn_delete(sin(0x0a010909, 4), null)).toBeNull();
  });

  test("a key longer than 16 bytes reads zeros past the sockaddr_in; rn_lookup wants the same LEN", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    expect(h.rn_addroute(sin(0x0a000002, 20), null, "len 20")).not.toBeNull();
    expect(h.rn_match(sin(0x0a000002))?.value).toBe("len 20");
    // rn_lookup without a mask: LEN(x->rn_key) != LEN(v_arg) is no match (radix.c:256).
    expect(h.rn_lookup(sin(0x0a000002), null)).toBeNull();
    expect(h.rn_lookup(sin(0x0a000002, 20), null)?.value).toBe("len 20");
  });

  test("sin_zero bytes are key bytes: a host route needs them equal, a prefix ignores them past its mask", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sinz(0x0a000001, [0, 0, 0, 0, 0, 0, 0, 1]), null, "zero 1");
    h.rn_addroute(sin(0x0a000001), null, "plain");
    h.rn_addroute(sin(0x0a000000), sin(0xffffff00), "/24");
    expect(h.rn_match(sin(0x0a000001))?.value).toBe("plain");
    expect(h.rn_match(sinz(0x0a000001, [0, 0, 0, 0, 0, 0, 0, 1]))?.value).toBe("zero 1");
    // The host leaf's compare runs over vlen bytes (radix.c:319-324); the /24 compares
    // min(LEN(v), LEN(key), LEN(mask)) = 7 bytes (rn_satisfies_leaf, radix.c:271-279).
    expect(h.rn_match(sinz(0x0a000001, [0, 0, 0, 0, 0, 0, 2, 0]))?.value).toBe("/24");
    // Dump order: key bytes ascending from the offset, sin_zero included.
    expect(walk(h)).toEqual(["/24", "plain", "zero 1"]);
  });

  test("rn_satisfies_leaf compares no further than the shortest of query, key and mask", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    // A 6-byte key under a /24 (normalized to 7 bytes): bytes 4..5 decide (radix.c:271-276).
    h.rn_addroute(sin(0x0a010000, 6), sin(0xffffff00), "10.1 len 6 /24");
    expect(h.rn_match(sin(0x0a01c801))?.value).toBe("10.1 len 6 /24");
    expect(h.rn_match(sin(0x0a02c801))).toBeNull();
    // A 5-byte query compares byte 4 alone.
    expect(h.rn_match(sin(0x0affffff, 5))?.value).toBe("10.1 len 6 /24");
  });
});

describe("the all-zeros key and the root leaf (rn_inithead_internal, radix.c:1152-1160)", () => {
  test("rn_match never returns the root leaf: the default route, or nothing", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    // An exact hit on the root leaf returns its rn_dupedkey (radix.c:332-334).
    expect(h.rn_match(sin(0))).toBeNull();
    h.rn_addroute(sin(0), sin(0), "default");
    expect(h.rn_match(sin(0))?.value).toBe("default");
    expect(h.rn_match(sin(0xc0000201))?.value).toBe("default");
  });

  test("rn_lookup finds the default route by its mask, never as a host", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0), sin(0), "default");
    // Without a mask the match must be a host route (radix.c:259-261).
    expect(h.rn_lookup(sin(0), null)).toBeNull();
    expect(h.rn_lookup(sin(0), sin(0))?.value).toBe("default");
  });

  test("bytes before the offset do not make a key non-zero; the root leaf is never walked", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    expect(h.rn_addroute(withPort(0, 80), null, "port 80")).toBeNull();
    expect(walk(h)).toEqual([]);
    h.rn_addroute(sin(0), sin(0), "default");
    // rn_walktree skips RNF_ROOT leaves (radix.c:1117-1121).
    expect(walk(h)).toEqual(["default"]);
  });
});

describe("rn_lookup and rn_delete pick from the duplicate-key chain", () => {
  test("rn_lookup without a mask compares every byte of the key: length, family and port too", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0x0a000005), null, "host");
    // rn_match compares from the offset, so it lands on the host route either way...
    expect(h.rn_match(withPort(0x0a000005, 80))?.value).toBe("host");
    expect(h.rn_match(sin(0x0a000005, 8))?.value).toBe("host");
    // ...and rn_lookup's bcmp over LEN(v_arg) bytes from byte 0 refuses it (radix.c:256-257).
    expect(h.rn_lookup(withPort(0x0a000005, 80), null)).toBeNull();
    expect(h.rn_lookup({ ...sockaddrIn(0x0a000005), sin_family: 0 }, null)).toBeNull();
    expect(h.rn_lookup(sin(0x0a000005, 8), null)).toBeNull();
    expect(h.rn_lookup(sin(0x0a000005), null)?.value).toBe("host");
  });

  test("a host route heads its chain; rn_delete without a mask takes the head each time", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0x0a000000), sin(0xffff0000), "/16");
    h.rn_addroute(sin(0x0a000000), null, "host");
    h.rn_addroute(sin(0x0a000000), sin(0xffffff00), "/24");
    // rn_addroute stops at the first chain entry a host (netmask == 0) or more specific mask
    // goes before (radix.c:675-680); rn_delete without a mask takes the leaf rn_search found,
    // the chain's head (radix.c:811-818).
    expect(walk(h)).toEqual(["host", "/24", "/16"]);
    expect(h.rn_delete(sin(0x0a000000), null)?.value).toBe("host");
    expect(h.rn_delete(sin(0x0a000000), null)?.value).toBe("/24");
    expect(h.rn_delete(sin(0x0a000000), null)?.value).toBe("/16");
    expect(h.rn_delete(sin(0x0a000000), null)).toBeNull();
  });

  test("rn_delete with a mask wants that mask on the key's chain (radix.c:822-830)", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0x0a000000), sin(0xffff0000), "/16");
    expect(h.rn_delete(sin(0x0a000000), sin(0xffffff00))).toBeNull();
    expect(h.rn_delete(sin(0x0a000001), sin(0xffff0000))).toBeNull();
    // The mask is normalized first: a trimmed /16 with no family is the same mask.
    expect(
      h.rn_delete(sin(0x0a000000), { sa_len: 6, sa_family: 0, sa_data: new Uint8Array([0, 0, 255, 255]) })
        ?.value,
    ).toBe("/16");
  });
});

describe("rn_addmask_r corners", () => {
  const head = new radix_node_head<string>(INET_RN_OFFSET);
  const raw = (len: number, data: number[]): Sockaddr => ({
    sa_len: len,
    sa_family: AF_INET,
    sa_data: new Uint8Array(data),
  });

  test("bytes before the offset (family, port) become ones: they do not tell masks apart", () => {
    // bcopy(rn_ones + 1, addmask_key + 1, skip - 1) (radix.c:519-520).
    const m = head.rn_addmask(sin(0xffffff00));
    expect(head.rn_addmask({ ...sockaddrIn(0xffffff00), sin_family: 0 })).toBe(m);
    expect(head.rn_addmask(withPort(0xffffff00, 0x1234))).toBe(m);
  });

  test("bytes past the mask's sa_len are not read", () => {
    // bcopy(netmask + skip, addmask_key + skip, mlen - skip) with mlen = LEN(netmask) (radix.c:511, 521).
    expect(bytes(head.rn_addmask(sin(0xffffffff, 6)))).toEqual([6, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });

  test("a mask longer than RADIX_MAX_KEY_LEN is cut at 32 bytes", () => {
    // radix.c:72 and 511-512.
    const long = head.rn_addmask(raw(40, new Array(38).fill(0xff)));
    expect(bytes(long)).toEqual([32, ...new Array(31).fill(0xff)]);
    // Ones only past byte 32 are cut away: nothing is left past the offset (rn_zeros).
    const zeros = new Array(38).fill(0);
    zeros[31] = 0xff;
    expect(sa_image(head.rn_addmask(raw(40, zeros)))[0]).toBe(0);
  });

  test("sin_zero bytes of a mask are mask bytes", () => {
    const m = head.rn_addmask(sinz(0xffffffff, [0, 0, 0x80, 0, 0, 0, 0, 0]));
    expect(bytes(m)).toEqual([11, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x80]);
  });
});

describe("non-contiguous masks, ordered as the twin does today", () => {
  // radix.c orders them arbitrarily (rn_lexobetter, radix.c:589-601). The twin ranks masks by
  // their number of one bits (what rn_refines decides for contiguous masks, radix.c:194-217);
  // between equal counts the route added first wins, and a chain keeps them in that order.
  test("more one bits win; equal counts go to the route added first", () => {
    const a = new radix_node_head<string>(INET_RN_OFFSET);
    a.rn_addroute(sin(0x0a000000), sin(0xff00ff00), "255.0.255.0");
    a.rn_addroute(sin(0x0a000000), sin(0xffff0000), "255.255.0.0");
    expect(a.rn_match(sin(0x0a000001))?.value).toBe("255.0.255.0");
    expect(walk(a)).toEqual(["255.0.255.0", "255.255.0.0"]);
    const b = new radix_node_head<string>(INET_RN_OFFSET);
    b.rn_addroute(sin(0x0a000000), sin(0xffff0000), "255.255.0.0");
    b.rn_addroute(sin(0x0a000000), sin(0xff00ff00), "255.0.255.0");
    expect(b.rn_match(sin(0x0a000001))?.value).toBe("255.255.0.0");
    expect(walk(b)).toEqual(["255.255.0.0", "255.0.255.0"]);
    b.rn_addroute(sin(0x0a000000), sin(0xff00ffff), "255.0.255.255");
    expect(b.rn_match(sin(0x0a000000))?.value).toBe("255.0.255.255");
    expect(walk(b)).toEqual(["255.0.255.255", "255.255.0.0", "255.0.255.0"]);
  });

  test("equal counts under different keys: the route added first wins", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0x0a000000), sin(0x00ffff00), "0.255.255.0");
    h.rn_addroute(sin(0x0b000000), sin(0xff00ff00), "255.0.255.0");
    // 11.0.0.1 satisfies both (11 & 0 = 10 & 0; 0.0 under each): the first one added wins.
    expect(h.rn_match(sin(0x0b000001))?.value).toBe("0.255.255.0");
  });
});

describe("rn_walktree", () => {
  test("the callback may delete the entry it is given: the walk goes on to the next", () => {
    // rn_walktree finds the next leaf before calling f (radix.c:1112-1118).
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    for (const [a, v] of [
      [0x0a000000, "a"],
      [0x0b000000, "b"],
      [0x0c000000, "c"],
    ] as const)
      h.rn_addroute(sin(a), sin(0xff000000), v);
    const seen: string[] = [];
    h.rn_walktree((e) => {
      seen.push(e.value);
      h.rn_delete(e.key, e.mask);
      return 0;
    });
    expect(seen).toEqual(["a", "b", "c"]);
    expect(walk(h)).toEqual([]);
  });

  test("the walker's argument reaches every call (rnh_walktree's w, radix.c:1092, 1119)", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0x0b000000), sin(0xff000000), "b");
    h.rn_addroute(sin(0x0a000000), sin(0xff000000), "a");
    const w = { seen: [] as string[] };
    const f = (e: { value: string }, arg: typeof w): number => (arg.seen.push(e.value), 0);
    expect(h.rn_walktree(f, w)).toBe(0);
    expect(w.seen).toEqual(["a", "b"]);
  });

  test("a non-zero return stops the walk and is its result (radix.c:1119-1121)", () => {
    const h = new radix_node_head<string>(INET_RN_OFFSET);
    h.rn_addroute(sin(0x0a000000), sin(0xff000000), "a");
    h.rn_addroute(sin(0x0b000000), sin(0xff000000), "b");
    const seen: string[] = [];
    expect(h.rn_walktree((e) => (seen.push(e.value), 7))).toBe(7);
    expect(seen).toEqual(["a"]);
  });
});

describe("sa_equal and rt_maskedcopy corners", () => {
  test("sa_equal is bcmp over the first sockaddr's sa_len (10.4 sys/net/if.c:1719-1720)", () => {
    expect(sa_equal(sin(0x0a000001), sin(0x0a000001))).toBe(true);
    expect(sa_equal(sin(0x0a000001, 8), sin(0x0a000001))).toBe(false);
    expect(sa_equal(sin(0x0a000001, 0), sin(0x0b000001))).toBe(true);
    expect(sa_equal(sin(0x0a000001, 8), sinz(0x0a000001, [1], 8))).toBe(true);
    expect(sa_equal(sin(0x0a000001), sinz(0x0a000001, [1]))).toBe(false);
  });

  test("rt_maskedcopy masks up to the shorter length and zeroes the rest (10.4 sys/net/route.c:1488-1504)", () => {
    // A 5-byte mask keeps byte 4 only; sin_zero is ANDed like any other byte.
    expect(bytes(rt_maskedcopy(sinz(0xc0a80117, [0xff, 1]), sin(0xffffffff, 5)))).toEqual([
      16, 2, 0, 0, 192, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(bytes(rt_maskedcopy(sinz(0xc0a80117, [0xff, 1]), sinz(0xffffffff, [0x0f, 0])))).toEqual([
      16, 2, 0, 0, 192, 168, 1, 23, 0x0f, 0, 0, 0, 0, 0, 0, 0,
    ]);
    // The port is masked too (bytes 2..3 are past sa_len and sa_family).
    expect(bytes(rt_maskedcopy(withPort(0x0a000001, 0x1234), withPort(0xffffffff, 0xff00)))).toEqual([
      16, 2, 0x12, 0, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });
});
