// Link-layer tables (10.4 sys/net/if_llatbl.{h,c} with the seed's in_lltable_* in in.c):
// hashing and dump order, reference counting, llentry_free, lltable_prefix_free and the
// routing-socket entry point lla_rt_output that arp(8) uses.

import { afterEach, describe, expect, test } from "vitest";
import { EINVAL, EWOULDBLOCK } from "../../../src/abi/errno.ts";
import { RTAX_DST, RTAX_GATEWAY, RTM_ADD, RTM_CHANGE, RTM_DELETE, RTM_GET } from "../../../src/abi/route.ts";
import { emptyRtMetrics, type RtMsghdr } from "../../../src/abi/rtmsg.ts";
import { AF_INET, sockaddrDl, sockaddrIn, SOCKADDR_DL_SIZE } from "../../../src/abi/socket.ts";
import { Callout } from "../../../src/kernel/kern/clock.ts";
import { InvariantError } from "../../../src/kernel/kern/invariant.ts";
import { m_gethdr } from "../../../src/kernel/kern/mbuf.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import {
  in_addr_memory,
  LLATBL_HASH,
  lla_lookup,
  lla_rt_output,
  LLE_ADDREF,
  LLE_DELETED_PTR,
  LLE_FREE,
  LLE_IS_VALID,
  LLE_REMREF,
  LLE_STATIC,
  llentry_free,
  lltable_prefix_free,
  lltable_refcheck,
  LLTBL_HASHMASK,
  type llentry,
} from "../../../src/kernel/net/if_llatbl.ts";
import type { ifnet } from "../../../src/kernel/net/if_var.ts";
import { rt_addrinfo_zero } from "../../../src/kernel/net/route.ts";
import { arpresolve } from "../../../src/kernel/netinet/if_ether.ts";
import { LLTABLE } from "../../../src/kernel/netinet/in_var.ts";
import {
  arpDelete,
  arpDump,
  arpEntry,
  arpMsg,
  arpSet,
  expectBalanced,
  host,
  ifconfig,
  ifconfigDelete,
  ip,
  IP_B,
  IP_C,
  logs,
  MAC_B,
  MAC_C,
  setSysctl,
  stats,
} from "../netinet/if_ether.fixture.ts";

let current: Kernel | null = null;
function boot(): ReturnType<typeof host> {
  const h = host();
  current = h.k;
  return h;
}

afterEach(() => {
  if (current !== null) expectBalanced(current);
  current = null;
});

function resolve(k: Kernel, ifp: ifnet, dst: number): number {
  return k.run(() => arpresolve(ifp, null, m_gethdr(new Uint8Array(20)), sockaddrIn(dst), new Uint8Array(6)))
    .error;
}

function entry(k: Kernel, ifp: ifnet, addr: number): llentry {
  const lle = k.run(() => {
    const llt = LLTABLE(ifp);
    if (llt === null) throw new Error("no lltable");
    return lla_lookup(llt, 0, sockaddrIn(addr));
  });
  if (!LLE_IS_VALID(lle)) throw new Error(`no entry for ${addr.toString(16)}`);
  return lle;
}

describe("LLATBL_HASH and dump order", () => {
  test("the hash of s_addr as amd64 stores it", () => {
    // 198.51.100.1 is c6 33 64 01 in memory, 0x016433c6 read as a little-endian u_int.
    expect(in_addr_memory(ip("198.51.100.1"))).toBe(0x016433c6);
    // if_llatbl.h: ((((((key >> 8) ^ key) >> 8) ^ key) >> 8) ^ key) & mask, worked by hand:
    // 0x016433c6 -> 0x016557f5 -> 0x01655691 -> 0x01655690; & 31 = 16.
    expect(LLATBL_HASH(0x016433c6, LLTBL_HASHMASK)).toBe(16);
    // 198.51.100.2: 0x026433c6 -> 0x026657f5 -> 0x02665591 -> 0x02665593; & 31 = 19.
    expect(LLATBL_HASH(in_addr_memory(ip("198.51.100.2")), LLTBL_HASHMASK)).toBe(19);
    // 198.51.100.17 (0x116433c6) lands in bucket 0, .33 (0x216433c6) in 16 with .1.
    expect(LLATBL_HASH(in_addr_memory(ip("198.51.100.17")), LLTBL_HASHMASK)).toBe(0);
    expect(LLATBL_HASH(in_addr_memory(ip("198.51.100.33")), LLTBL_HASHMASK)).toBe(16);
  });

  test("one table dumps bucket by bucket, newest first within a bucket", () => {
    const { k, ifp } = boot();
    for (const a of ["198.51.100.2", "198.51.100.3", "198.51.100.17", "198.51.100.33"])
      expect(arpSet(k, ifp, ip(a), MAC_B)).toBe(0);
    // in_lltable_dump walks lle_head[0..31]; in_lltable_lookup does LIST_INSERT_HEAD. Buckets:
    // .17 -> 0, .33 and .1 -> 16 (.33 is newer), .3 -> 18, .2 -> 19.
    expect(arpDump(k).map((e) => e.addr)).toEqual([
      "198.51.100.17",
      "198.51.100.33",
      "198.51.100.1",
      "198.51.100.3",
      "198.51.100.2",
    ]);
  });

  test("tables dump newest interface first (lltable_init's SLIST_INSERT_HEAD)", () => {
    const { k } = boot();
    expect(k.attachNic("vtnet", "vtnet1", "02:00:00:00:01:01")).toBe(0);
    expect(ifconfig(k, "vtnet1", ip("203.0.113.1"))).toBe(0);
    expect(arpDump(k).map((e) => e.addr)).toEqual(["203.0.113.1", "198.51.100.1"]);
  });
});

test("a jailed reader sees only entries for the jail's addresses (seed in.c:1203-1205)", () => {
  const { k, ifp } = boot();
  expect(arpSet(k, ifp, IP_B, MAC_B)).toBe(0);
  expect(arpSet(k, ifp, IP_C, MAC_C)).toBe(0);
  // in_lltable_dump skips an entry when prison_if() refuses its address.
  expect(arpDump(k, Kernel.jailed("j", [IP_C])).map((e) => e.addr)).toEqual(["198.51.100.3"]);
  expect(arpDump(k).length).toBe(3);
});

describe("reference counts (if_llatbl.h LLE_ADDREF / LLE_REMREF / LLE_FREE)", () => {
  function loose(k: Kernel): { lle: llentry; freed: number[] } {
    const freed: number[] = [];
    const lle: llentry = {
      lle_tbl: null,
      lle_head: null,
      lle_free: () => {
        freed.push(1);
      },
      la_hold: [],
      la_numheld: 0,
      la_expire: 0,
      la_flags: 0,
      la_asked: 0,
      la_preempt: 0,
      lle_refcnt: 1,
      ll_addr: new Uint8Array(20),
      la_timer: new Callout(k.clock),
      l3_addr: sockaddrIn(IP_B),
      lle_freed: false,
    };
    return { lle, freed };
  }

  test("LLE_FREE drops a reference, the last one calls lle_free", () => {
    const { k } = boot();
    const { lle, freed } = loose(k);
    k.run(() => {
      LLE_ADDREF(lle);
      LLE_FREE(lle);
      expect([lle.lle_refcnt, freed.length]).toEqual([1, 0]);
      LLE_FREE(lle);
    });
    // LLE_FREE_LOCKED: refcnt 1 -> lle_free (refcnt itself is not decremented).
    expect([lle.lle_refcnt, freed.length, lle.lle_freed]).toEqual([1, 1, true]);
  });

  test("use after free and underflow are twin invariant failures (KASSERTs)", () => {
    const { k } = boot();
    const a = loose(k);
    k.run(() => LLE_FREE(a.lle));
    expect(() => k.run(() => LLE_ADDREF(a.lle))).toThrow(InvariantError);
    const b = loose(k);
    k.run(() => LLE_REMREF(b.lle));
    // LLE_REMREF: KASSERT(refcnt > 0, "bogus refcnt").
    expect(() => k.run(() => LLE_REMREF(b.lle))).toThrow(/bogus refcnt: lle [0-9.]+, lle_refcnt 0/);
  });

  test("llentry_free unlinks, clears LLE_VALID|LLE_LINKED and returns the dropped packets", () => {
    const { k, ifp } = boot();
    setSysctl(k, "net.link.ether.inet.maxhold", 3);
    for (let i = 0; i < 3; i++) expect(resolve(k, ifp, IP_B)).toBe(EWOULDBLOCK);
    const lle = entry(k, ifp, IP_B);
    expect([lle.la_numheld, lle.lle_refcnt]).toEqual([3, 2]);
    const dropped = k.run(() => {
      // As lltable_free and in_lltable_prefix_free do: stop the timer, drop its reference.
      if (lle.la_timer.callout_stop()) LLE_REMREF(lle);
      return llentry_free(lle);
    });
    expect(dropped).toBe(3);
    expect(lle.la_flags & 0x48).toBe(0);
    expect(lle.lle_freed).toBe(true);
    expect(arpEntry(k, "198.51.100.2")).toBeUndefined();
  });
});

describe("lltable_prefix_free (seed in.c:993-1021 in_lltable_prefix_free)", () => {
  function populate(k: Kernel, ifp: ifnet): void {
    expect(arpSet(k, ifp, IP_B, MAC_B)).toBe(0);
    expect(resolve(k, ifp, IP_C)).toBe(EWOULDBLOCK);
  }
  // in_scrubprefix stores host-order ia_subnet/ia_subnetmask straight into s_addr (seed
  // in.c:824-833); in the twin that s_addr image is in_addr_memory(host value).
  const pfx = sockaddrIn(in_addr_memory(ip("198.51.100.0")));
  const msk = sockaddrIn(in_addr_memory(0xffffff00));

  test("without LLE_STATIC only dynamic entries on the prefix go, held packets counted", () => {
    const { k, ifp } = boot();
    populate(k, ifp);
    k.run(() => lltable_prefix_free(AF_INET, pfx, msk, 0));
    // "(flags & LLE_STATIC) || !(lle->la_flags & LLE_STATIC)"; ARPSTAT_ADD(dropped, ...).
    expect(arpDump(k).map((e) => e.addr)).toEqual(["198.51.100.1", "198.51.100.2"]);
    expect(stats(k).dropped).toBe(1);
  });

  test("with LLE_STATIC everything on the prefix goes; other prefixes stay", () => {
    const { k, ifp } = boot();
    populate(k, ifp);
    const other = sockaddrIn(in_addr_memory(ip("203.0.113.0")));
    k.run(() => lltable_prefix_free(AF_INET, other, msk, LLE_STATIC));
    expect(arpDump(k).length).toBe(3);
    k.run(() => lltable_prefix_free(AF_INET, pfx, msk, LLE_STATIC));
    expect(arpDump(k)).toEqual([]);
  });

  test("the table counts its entries (llt_entries); the audit checks the count", () => {
    const { k, ifp } = boot();
    const llt = LLTABLE(ifp);
    if (llt === null) throw new Error("vtnet0 has no lltable");
    const before = llt.llt_entries;
    populate(k, ifp);
    expect(llt.llt_entries).toBe(before + 2);
    k.run(() => lltable_prefix_free(AF_INET, pfx, msk, LLE_STATIC));
    expect(llt.llt_entries).toBe(0);
    llt.llt_entries = 5;
    expect(k.run(() => lltable_refcheck())).toEqual(["vtnet0: 0 entries linked, llt_entries 5"]);
    llt.llt_entries = 0;
  });

  test("deleting the last address on the prefix flushes its entries (in_scrubprefix)", () => {
    const { k, ifp } = boot();
    populate(k, ifp);
    expect(ifconfigDelete(k, "vtnet0", ip("198.51.100.1"))).toBe(0);
    // in_scrubprefix passes LLE_STATIC from in_difaddr_ioctl: static entries go too.
    expect(arpDump(k)).toEqual([]);
  });
});

describe("lla_rt_output (arp -s / arp -d through the routing socket)", () => {
  test("RTM_ADD over a learnt entry makes it static; RTM_DELETE then frees it", () => {
    const { k, ifp } = boot();
    resolve(k, ifp, IP_B);
    expect(arpSet(k, ifp, IP_B, MAC_C)).toBe(0);
    // lla_rt_output: ll_addr copied, LLE_VALID set, rmx_expire 0 -> LLE_STATIC, la_expire 0.
    expect(arpEntry(k, "198.51.100.2")).toMatchObject({ lladdr: "02:00:00:00:00:0c", expire: 0 });
    // The seed's lookup with LLE_DELETE frees a static, non-IFADDR entry at once (in.c:1163-1165).
    expect(arpDelete(k, ifp, IP_B)).toBe(0);
    expect(arpEntry(k, "198.51.100.2")).toBeUndefined();
    // Off the table now, the entry lives on by its pending timer's reference (next test).
  });

  test("10.4 leaks the timer's reference of an entry made static while its timer ran", () => {
    const { k, ifp } = boot();
    current = null; // this test asserts the imbalance itself
    resolve(k, ifp, IP_B);
    expect(arpSet(k, ifp, IP_B, MAC_C)).toBe(0);
    // lla_rt_output sets LLE_STATIC but leaves la_timer pending; arptimer then returns at
    // once for LLE_STATIC without its LLE_REMREF, so the reference taken in arpresolve
    // (LLE_ADDREF before callout_reset) is never released.
    k.advance(20);
    expect(k.run(() => lltable_refcheck())).toEqual(["vtnet0 198.51.100.2: lle_refcnt 2, expected 1"]);
    // arp -d: llentry_free drops one reference; the entry is off the table but never freed.
    expect(arpDelete(k, ifp, IP_B)).toBe(0);
    expect(k.run(() => lltable_refcheck())).toEqual([
      "unlinked 198.51.100.2: lle_refcnt 1 and no timer to release it",
    ]);
  });

  test("RTM_DELETE of a learnt entry marks it deleted; its timer frees it later", () => {
    const { k, ifp } = boot();
    resolve(k, ifp, IP_B);
    const lle = entry(k, ifp, IP_B);
    expect(arpDelete(k, ifp, IP_B)).toBe(0);
    // Seed in_lltable_lookup: LLE_DELETED set, lle_event LLENTRY_DELETED, not freed because
    // (la_flags & (LLE_STATIC | LLE_IFADDR)) != LLE_STATIC; returns (void *)-1.
    expect(lle.la_flags & 0x1).toBe(0x1);
    expect(lle.lle_freed).toBe(false);
    k.advance(20);
    expect(lle.lle_freed).toBe(true);
  });

  test("RTM_DELETE with nothing to delete: EINVAL", () => {
    const { k, ifp } = boot();
    // lla_rt_output: "else if ((lle == NULL) && (flags & LLE_DELETE)) error = EINVAL".
    expect(arpDelete(k, ifp, IP_C)).toBe(EINVAL);
  });

  test("arp_ifscrub's LLE_IFADDR is needed to delete our own address's entry", () => {
    const { k, ifp } = boot();
    // in_lltable_lookup: "if (!(lle->la_flags & LLE_IFADDR) || (flags & LLE_IFADDR))" — a plain
    // LLE_DELETE leaves it, yet returns (void *)-1, so lla_rt_output reports success.
    expect(arpDelete(k, ifp, ip("198.51.100.1"))).toBe(0);
    expect(arpEntry(k, "198.51.100.1")).toMatchObject({ lladdr: "02:00:00:00:00:01" });
    const r = k.run(() => {
      const llt = LLTABLE(ifp);
      if (llt === null) throw new Error("no lltable");
      return lla_lookup(llt, 0x4000, sockaddrIn(ip("198.51.100.1")));
    });
    expect(r).toBe(LLE_DELETED_PTR);
  });

  test("RTM_ADD for our own address rewrites its entry (10.4; EPERM from 11.0)", () => {
    const { k, ifp } = boot();
    // The seed's lookup with LLE_CREATE (in.c:1116-1122) returns the existing LLE_IFADDR entry and
    // lla_rt_output copies the new address into it; nothing checks LLE_IFADDR here.
    expect(arpSet(k, ifp, ip("198.51.100.1"), MAC_B)).toBe(0);
    expect(arpEntry(k, "198.51.100.1")).toMatchObject({ lladdr: "02:00:00:00:00:0b", expire: 0 });
  });

  test("RTM_ADD for an address no route covers: success, but no entry (in_lltable_rtcheck)", () => {
    const { k, ifp } = boot();
    // in_lltable_lookup returns NULL when in_lltable_rtcheck fails; lla_rt_output only
    // reports EINVAL for a NULL on LLE_DELETE, so arp -s gets 0.
    expect(arpSet(k, ifp, ip("10.0.0.5"), MAC_B)).toBe(0);
    expect(arpEntry(k, "10.0.0.5")).toBeUndefined();
  });

  test("an sdl_index naming no interface: EINVAL and a log line", () => {
    const { k } = boot();
    logs(k);
    expect(arpMsg(k, RTM_ADD, 99, IP_B)).toBe(EINVAL);
    // lla_rt_output: log(LOG_INFO, "%s: invalid ifp (sdl_index %d)\n", __func__, ...).
    expect(logs(k)).toEqual(["6 lla_rt_output: invalid ifp (sdl_index 99)"]);
  });

  test("a non-zero rmx_expire makes a dynamic entry with that expiry and no timer", () => {
    const { k, ifp } = boot();
    const until = k.clock.time_uptime + 10;
    expect(arpSet(k, ifp, IP_B, MAC_B, { expire: until })).toBe(0);
    // "else lle->la_expire = rtm->rtm_rmx.rmx_expire;" — no LLE_STATIC, no callout_reset.
    expect(arpEntry(k, "198.51.100.2")).toMatchObject({
      expire: until,
      flags: 0x405,
      lladdr: "02:00:00:00:00:0b",
    });
    expect(entry(k, ifp, IP_B).la_timer.callout_pending()).toBe(false);
    // Once la_expire has passed, arpresolve no longer uses the address and asks again.
    k.advance(10);
    expect(resolve(k, ifp, IP_B)).toBe(EWOULDBLOCK);
  });

  test("RTM_CHANGE changes nothing; other message types are EINVAL", () => {
    const { k, ifp } = boot();
    expect(arpSet(k, ifp, IP_B, MAC_B)).toBe(0);
    const call = (type: number): number =>
      k.run(() => {
        const rtm: RtMsghdr = {
          rtm_msglen: 0,
          rtm_version: 5,
          rtm_type: type,
          rtm_index: 0,
          rtm_flags: 0x404,
          rtm_addrs: 3,
          rtm_pid: 0,
          rtm_seq: 0,
          rtm_errno: 0,
          rtm_fmask: 0,
          rtm_inits: 0n,
          rtm_rmx: emptyRtMetrics(),
        };
        const info = rt_addrinfo_zero();
        info.rti_info[RTAX_DST] = sockaddrIn(IP_B);
        info.rti_info[RTAX_GATEWAY] = sockaddrDl({
          index: ifp.if_index,
          type: 6,
          lladdr: MAC_C,
          len: SOCKADDR_DL_SIZE,
        });
        return lla_rt_output(rtm, info);
      });
    // lla_rt_output: RTM_CHANGE sets no flags (plain lookup, nothing written); default: EINVAL.
    expect(call(RTM_CHANGE)).toBe(0);
    expect(arpEntry(k, "198.51.100.2")?.lladdr).toBe("02:00:00:00:00:0b");
    expect(call(RTM_GET)).toBe(EINVAL);
    expect(call(RTM_DELETE)).toBe(0);
    expect(arpEntry(k, "198.51.100.2")).toBeUndefined();
  });
});
