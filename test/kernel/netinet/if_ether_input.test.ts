// Malformed ARP input (10.4 if_ether.c arpintr and in_arpinput): each validation step's drop,
// log line and counters, then truncated and random frames, which must never throw.

import { afterEach, describe, expect, test } from "vitest";
import { m_gethdr } from "../../../src/kernel/kern/mbuf.ts";
import type { Kernel } from "../../../src/kernel/kernel.ts";
import { arpintr } from "../../../src/kernel/netinet/if_ether.ts";
import {
  arpDump,
  arpEntry,
  arpFrame,
  expectBalanced,
  host,
  inject,
  IP_B,
  IP_US,
  logs,
  MAC_B,
  sent,
  stats,
} from "./if_ether.fixture.ts";
import { xorshift32 as rng } from "../dev/nic_helpers.ts";

// sys/syslog.h
const LOG_WARNING = 4;
const LOG_NOTICE = 5;

let current: Kernel | null = null;
function boot(): ReturnType<typeof host> {
  const h = host();
  current = h.k;
  // Away from tick 0: ppsratecheck reads lasttime 0 as "never logged".
  h.k.advance(1);
  sent(h.k);
  logs(h.k);
  return h;
}

afterEach(() => {
  if (current !== null) expectBalanced(current);
  current = null;
});

/** The ARP packet (no Ethernet header) of a who-has IP_US from MAC_B. */
function request(): Uint8Array {
  return arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: IP_US }).slice(14);
}

function input(h: ReturnType<typeof host>, data: Uint8Array): void {
  h.k.run(() => arpintr(m_gethdr(data, 0, h.ifp)));
}

describe("arpintr", () => {
  test("shorter than struct arphdr: logged, not counted", () => {
    const h = boot();
    input(h, request().slice(0, 7));
    // "if (m->m_len < sizeof(struct arphdr) && (m = m_pullup(...)) == NULL)"
    expect(logs(h.k)).toEqual([`${LOG_NOTICE} arp: runt packet -- m_pullup failed`]);
    expect(stats(h.k).received).toBe(0);
  });

  test("unknown ar_hrd: logged with both hardware addresses", () => {
    const h = boot();
    const p = request();
    p[1] = 9;
    input(h, p);
    // "unknown hardware address format (0x%2D) (from %*D to %*D)": ar_hrd's two bytes, then
    // ETHER_ADDR_LEN bytes at ar_sha and at ar_tha.
    expect(logs(h.k)).toEqual([
      `${LOG_NOTICE} arp: unknown hardware address format (0x0009) (from 02:00:00:00:00:0b to 00:00:00:00:00:00)`,
    ]);
    expect(stats(h.k).received).toBe(0);
  });

  test("shorter than arphdr_len(ar): logged, not counted", () => {
    const h = boot();
    input(h, request().slice(0, 27));
    expect(logs(h.k)).toEqual([`${LOG_NOTICE} arp: runt packet`]);
    expect(stats(h.k).received).toBe(0);
  });

  test("a protocol other than IPv4 is counted as received and dropped", () => {
    const h = boot();
    const p = request();
    p[2] = 0x86;
    p[3] = 0xdd;
    input(h, p);
    // ARPSTAT_INC(received) precedes the ar_pro switch; no case for it -> m_freem.
    expect(stats(h.k)).toMatchObject({ received: 1, rxrequests: 0 });
    expect(logs(h.k)).toEqual([]);
    expect(sent(h.k)).toEqual([]);
  });
});

describe("in_arpinput validation", () => {
  test("ar_pln != 4: logged and dropped", () => {
    const h = boot();
    // hln 6, pln 8: arphdr_len = 8 + 12 + 16 = 36 bytes, enough for arpintr.
    const p = new Uint8Array(36);
    p.set(request().slice(0, 8));
    p[5] = 8;
    input(h, p);
    expect(logs(h.k)).toEqual([`${LOG_NOTICE} arp: requested protocol length != 4`]);
    expect(stats(h.k)).toMatchObject({ received: 1, rxrequests: 0 });
  });

  test("shorter than the interface's arphdr_len2(if_addrlen, 4): runt", () => {
    const h = boot();
    // hln 1: arpintr needs 8 + 2 + 8 = 18 bytes; in_arpinput needs 8 + 12 + 8 = 28.
    const p = request().slice(0, 18);
    p[4] = 1;
    input(h, p);
    expect(logs(h.k)).toEqual([`${LOG_NOTICE} arp: runt packet -- m_pullup failed`]);
    expect(stats(h.k).received).toBe(1);
  });

  test("ar_hln != if_addrlen: the entry is created but left incomplete, with a warning", () => {
    const h = boot();
    // hln 8 on Ethernet: sha 8 bytes, spa, tha 8 bytes, tpa (if_arp.h ar_* macros).
    const p = new Uint8Array(8 + 2 * 8 + 2 * 4);
    const v = new DataView(p.buffer);
    v.setUint16(0, 1, false);
    v.setUint16(2, 0x0800, false);
    p[4] = 8;
    p[5] = 4;
    v.setUint16(6, 1, false);
    p.set(MAC_B, 8);
    v.setUint32(16, IP_B, false);
    v.setUint32(28, IP_US, false);
    input(h, p);
    // itaddr == myaddr gives LLE_CREATE before the length check, which then drops:
    // "from %*D: addr len: new %d, i/f %d (ignored)" (if_addrlen bytes of sha).
    expect(logs(h.k)).toEqual([
      `${LOG_WARNING} arp: from 02:00:00:00:00:0b: addr len: new 8, i/f 6 (ignored)`,
    ]);
    expect(arpEntry(h.k, "198.51.100.2")).toMatchObject({ lladdr: "" });
    expect(sent(h.k)).toEqual([]);
    expect(stats(h.k)).toMatchObject({ received: 1, rxrequests: 0 });
  });
});

describe("hostile input never throws", () => {
  test("every truncation of a request, through the NIC and straight to arpintr", () => {
    const h = boot();
    const frame = arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: IP_US });
    for (let n = 0; n < frame.length; n++) {
      h.k.run(() => {
        h.k.frames.inject(h.ifp, frame.slice(0, n));
      });
      input(h, frame.slice(14, 14 + Math.max(0, n - 14)));
      h.k.advance(1);
    }
    // No truncation carries a whole 28-byte ARP packet, so nothing is answered or learnt.
    expect(sent(h.k)).toEqual([]);
    expect(arpDump(h.k).length).toBe(1);
  });

  test("random ARP packets and frames", () => {
    const h = boot();
    const next = rng(0x5eed);
    for (let i = 0; i < 3000; i++) {
      const len = next() % 70;
      const p = new Uint8Array(len);
      for (let j = 0; j < len; j++) p[j] = next() & 0xff;
      // Often well-formed enough to reach in_arpinput's later checks.
      if (len >= 8 && next() % 2 === 0) {
        p.set([0, 1, 8, 0, 6, 4, 0, 1 + (next() % 2)]);
        if (len >= 28 && next() % 2 === 0) new DataView(p.buffer).setUint32(24, IP_US, false);
      }
      if (next() % 2 === 0) {
        input(h, p);
      } else {
        const f = new Uint8Array(14 + len);
        f.fill(0xff, 0, 6);
        f.set(MAC_B, 6);
        f[12] = 0x08;
        f[13] = 0x06;
        f.set(p, 14);
        inject(h.k, "vtnet0", f);
      }
      if (i % 100 === 0) h.k.advance(7);
    }
    h.k.advance(3600);
    sent(h.k);
  });
});
