import { describe, expect, test } from "vitest";
import { AF_INET, decodeSockaddr, sockaddrIn, type Sockaddr } from "../../../src/abi/socket.ts";
import {
  INET_RN_OFFSET,
  radix_node_head,
  rt_maskedcopy,
  sa_from_image,
  sa_image,
} from "../../../src/kernel/net/radix.ts";

const sin = (a: number, len = 16): Sockaddr => sockaddrIn(a, len);
const bytes = (sa: Sockaddr | null): number[] =>
  sa === null ? [] : [...sa_image(sa).subarray(0, Math.max(sa_image(sa)[0], 0))];

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
