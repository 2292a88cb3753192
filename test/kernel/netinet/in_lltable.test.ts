// The seed's lltable half (in.c:946-1254): in_lltable_new/free, prefix_free, rtcheck, lookup
// and dump, plus in_purgemaddrs (908-942) and two logged failure paths of in_scrubprefix.
// Expected values come from the seed's code and FreeBSD's headers, cited inline.

import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ENOMEM } from "../../../src/abi/errno.ts";
import { IFT_ETHER } from "../../../src/abi/if.ts";
import { decodeRoutingMessages } from "../../../src/abi/rtmsg.ts";
import {
  RTF_ANNOUNCE,
  RTF_GATEWAY,
  RTF_HOST,
  RTF_LLDATA,
  RTF_PINNED,
  RTF_STATIC,
  RTF_UP,
  RTM_ADD,
  RTM_DELETE,
  RTM_GET,
  RTM_VERSION,
} from "../../../src/abi/route_defs.ts";
import { isDecodeError } from "../../../src/abi/decode.ts";
import { routeDumpMib } from "../../../src/abi/sysctl.ts";
import { AF_INET, isSockaddrDl, sockaddrIn, type SockaddrIn } from "../../../src/abi/socket.ts";
import { RTF_LLINFO } from "../../../src/abi/route_defs.ts";
import {
  EVENTHANDLER_DEREGISTER,
  EVENTHANDLER_REGISTER,
  LLENTRY_DELETED,
} from "../../../src/kernel/kern/eventhandler.ts";
import { msgbuf } from "../../../src/kernel/kern/syslog.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { if_detach } from "../../../src/kernel/net/if.ts";
import {
  LLE_CREATE,
  LLE_DELETE,
  LLE_DELETED,
  LLE_DELETED_PTR,
  LLE_IFADDR,
  LLE_IS_VALID,
  LLE_PUB,
  LLE_STATIC,
  LLE_VALID,
  lla_lookup,
  type lla_lookup_result,
  type llentry,
} from "../../../src/kernel/net/if_llatbl.ts";
import type { ifnet } from "../../../src/kernel/net/if_var.ts";
import { rtinit, rtrequest_fib } from "../../../src/kernel/net/route.ts";
import { VNET } from "../../../src/kernel/net/vnet.ts";
import { in_joingroup } from "../../../src/kernel/netinet/in_mcast.ts";
import { LLTABLE } from "../../../src/kernel/netinet/in_var.ts";
import {
  aifaddr,
  attachEther,
  difaddr,
  expectBalanced,
  inAddrs,
  ip,
  route,
  sin,
  type TestIf,
} from "./helpers.ts";

let k: Kernel;
let em: TestIf;
let em2: TestIf;

beforeEach(() => {
  k = new Kernel();
  em = attachEther(k);
  em2 = attachEther(k);
  expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
});

afterEach(() => expectBalanced(k));

function lookup(ifp: ifnet, flags: number, addr: SockaddrIn | string): lla_lookup_result {
  return k.run(() => {
    const llt = LLTABLE(ifp);
    if (llt === null) throw new Error("no lltable");
    return lla_lookup(llt, flags, typeof addr === "string" ? sin(addr) : addr);
  });
}

function created(ifp: ifnet, addr: SockaddrIn | string): llentry {
  const lle = lookup(ifp, LLE_CREATE, addr);
  if (!LLE_IS_VALID(lle)) throw new Error("entry not created");
  return lle;
}

describe("in_lltable_lookup (seed 1102-1179)", () => {
  test("a miss without LLE_CREATE is NULL (seed 1128-1129)", () => {
    expect(lookup(em.ifp, 0, "192.0.2.50")).toBeNull();
  });

  test("LLE_CREATE: a new, linked, expired entry with one reference (seed 1139-1153, 966-986)", () => {
    const now = k.clock.time_uptime;
    const lle = created(em.ifp, "192.0.2.50");
    // seed 1144: la_flags = flags & ~LLE_CREATE, then 1152: | LLE_LINKED.
    expect(lle.la_flags).toBe(0x0040 /* LLE_LINKED */);
    // seed 978: la_expire = time_uptime ("mark expired"); seed 980: lle_refcnt = 1.
    expect(lle.la_expire).toBe(now);
    expect(lle.lle_refcnt).toBe(1);
    expect(lle.l3_addr.sin_addr).toBe(ip("192.0.2.50"));
    // A second lookup finds it (seed 1116-1122).
    expect(lookup(em.ifp, 0, "192.0.2.50")).toBe(lle);
  });

  test("LLE_CREATE|LLE_IFADDR: valid and static with the interface's MAC (seed 1145-1148)", () => {
    const lle = lookup(em2.ifp, LLE_CREATE | LLE_IFADDR, "198.51.100.9");
    if (!LLE_IS_VALID(lle)) throw new Error("not created");
    expect(lle.la_flags & (LLE_VALID | LLE_STATIC | LLE_IFADDR)).toBe(LLE_VALID | LLE_STATIC | LLE_IFADDR);
    const sdl = em2.ifp.if_addr?.ifa_addr;
    if (sdl === undefined || !isSockaddrDl(sdl)) throw new Error("no lladdr");
    expect(Array.from(lle.ll_addr.subarray(0, 6))).toEqual(
      Array.from(sdl.sdl_data.subarray(sdl.sdl_nlen, sdl.sdl_nlen + 6)),
    );
  });

  test("LLE_DELETE of a dynamic entry marks it deleted, fires lle_event, leaves it linked (seed 1155-1166)", () => {
    const lle = created(em.ifp, "192.0.2.50");
    const seen: number[] = [];
    const tag = EVENTHANDLER_REGISTER("lle_event", (_l, evt) => seen.push(evt));
    try {
      expect(lookup(em.ifp, LLE_DELETE, "192.0.2.50")).toBe(LLE_DELETED_PTR);
    } finally {
      EVENTHANDLER_DEREGISTER(tag);
    }
    expect(seen).toEqual([LLENTRY_DELETED]);
    expect(lle.la_flags & LLE_DELETED).toBe(LLE_DELETED);
    expect(lle.lle_freed).toBe(false);
    // A deleted entry is skipped by later lookups (seed 1118-1119) and a new one can be made.
    expect(lookup(em.ifp, 0, "192.0.2.50")).toBeNull();
    const again = created(em.ifp, "192.0.2.50");
    expect(again).not.toBe(lle);
  });

  test("LLE_DELETE of a static entry frees it (seed 1162-1164)", () => {
    const lle = created(em.ifp, "192.0.2.51");
    lle.la_flags |= LLE_STATIC;
    expect(lookup(em.ifp, LLE_DELETE, "192.0.2.51")).toBe(LLE_DELETED_PTR);
    expect(lle.lle_freed).toBe(true);
  });

  test("LLE_DELETE without LLE_IFADDR leaves an interface-address entry alone (seed 1155)", () => {
    const ifaddrEntry = lookup(em.ifp, 0, "192.0.2.1");
    if (!LLE_IS_VALID(ifaddrEntry)) throw new Error("arp_ifinit made no entry");
    expect(lookup(em.ifp, LLE_DELETE, "192.0.2.1")).toBe(LLE_DELETED_PTR);
    expect(ifaddrEntry.la_flags & LLE_DELETED).toBe(0);
  });

  test("LLE_DELETE|LLE_IFADDR (arp_ifscrub) marks the static interface-address entry deleted but does not free it (seed 1155-1166)", () => {
    const ifaddrEntry = lookup(em.ifp, 0, "192.0.2.1");
    if (!LLE_IS_VALID(ifaddrEntry)) throw new Error("arp_ifinit made no entry");
    expect(ifaddrEntry.la_flags & (LLE_STATIC | LLE_IFADDR)).toBe(LLE_STATIC | LLE_IFADDR);
    expect(lookup(em.ifp, LLE_DELETE | LLE_IFADDR, "192.0.2.1")).toBe(LLE_DELETED_PTR);
    expect(ifaddrEntry.la_flags & LLE_DELETED).toBe(LLE_DELETED);
    // seed 1162-1166: only (LLE_STATIC | LLE_IFADDR) == LLE_STATIC frees; this entry has both
    // bits, so it is only unlocked and stays on its hash chain, skipped by later lookups.
    expect(ifaddrEntry.lle_freed).toBe(false);
    expect(ifaddrEntry.lle_head?.includes(ifaddrEntry)).toBe(true);
    expect(lookup(em.ifp, 0, "192.0.2.1")).toBeNull();
  });
});

describe("in_lltable_rtcheck (seed 1025-1095), through LLE_CREATE lookups", () => {
  test("no route at all: EINVAL, no entry (seed 1033-1036)", () => {
    expect(lookup(em.ifp, LLE_CREATE, "8.8.8.8")).toBeNull();
  });

  test("a gateway route that is not a host route: EINVAL (seed 1044-1051)", () => {
    k.run(() =>
      expect(
        rtrequest_fib(
          RTM_ADD,
          sockaddrIn(0),
          sin("192.0.2.254"),
          sockaddrIn(0, 0),
          RTF_GATEWAY | RTF_STATIC,
          null,
          0,
        ),
      ).toBe(0),
    );
    expect(lookup(em.ifp, LLE_CREATE, "8.8.8.8")).toBeNull();
  });

  test("a gateway host route passes when sa_data's first 4 bytes match: port and 2 address bytes (seed 1045-1049)", () => {
    // Host routes to 192.0.9.9 and 198.18.0.1, both through the gateway 192.0.2.254. The memcmp
    // covers sin_port and the first two bytes of sin_addr: 192.0 matches, 198.18 does not.
    k.run(() => {
      expect(
        rtrequest_fib(
          RTM_ADD,
          sin("192.0.9.9"),
          sin("192.0.2.254"),
          null,
          RTF_GATEWAY | RTF_HOST | RTF_STATIC,
          null,
          0,
        ),
      ).toBe(0);
      expect(
        rtrequest_fib(
          RTM_ADD,
          sin("198.18.0.1"),
          sin("192.0.2.254"),
          null,
          RTF_GATEWAY | RTF_HOST | RTF_STATIC,
          null,
          0,
        ),
      ).toBe(0);
    });
    expect(LLE_IS_VALID(lookup(em.ifp, LLE_CREATE, "192.0.9.9"))).toBe(true);
    expect(lookup(em.ifp, LLE_CREATE, "198.18.0.1")).toBeNull();
  });

  test("a gateway host route on a non-Ethernet interface fails (seed 1046-1047)", () => {
    k.run(() =>
      expect(
        rtrequest_fib(
          RTM_ADD,
          sin("192.0.9.9"),
          sin("192.0.2.254"),
          null,
          RTF_GATEWAY | RTF_HOST | RTF_STATIC,
          null,
          0,
        ),
      ).toBe(0),
    );
    em.ifp.if_type = 0x17; // IFT_PPP, for this lookup only
    try {
      expect(lookup(em.ifp, LLE_CREATE, "192.0.9.9")).toBeNull();
    } finally {
      em.ifp.if_type = IFT_ETHER;
    }
  });

  test("another interface's network route covers the address: an entry on this interface (seed 1062-1091)", () => {
    expect(LLE_IS_VALID(lookup(em2.ifp, LLE_CREATE, "192.0.2.60"))).toBe(true);
  });

  test("… but the byte compare includes sin_port, which the radix mask covers (seed 1078-1089)", () => {
    expect(lookup(em2.ifp, LLE_CREATE, { ...sin("192.0.2.61"), sin_port: 80 })).toBeNull();
  });

  test("a maskless non-host route on another interface: EINVAL (seed 1070-1074)", () => {
    k.run(() =>
      expect(rtrequest_fib(RTM_ADD, sin("203.0.113.7"), sin("192.0.2.1"), null, RTF_STATIC, null, 0)).toBe(0),
    );
    expect(route(k, "203.0.113.7", null)?.ifp).toBe(em.name);
    expect(lookup(em2.ifp, LLE_CREATE, "203.0.113.7")).toBeNull();
  });
});

describe("in_lltable_dump (seed 1182-1253) through sysctl NET_RT_FLAGS/RTF_LLINFO", () => {
  const mib = routeDumpMib({ op: "flags", af: AF_INET, arg: RTF_LLINFO });

  function dump(cred = Kernel.root(), oldlen?: number) {
    const r = k.sysctl(cred, mib, undefined, oldlen);
    return r;
  }

  test("one 224-byte RTM_GET per live entry, with the seed's flags, sdl and expiry", () => {
    const dyn = created(em.ifp, "192.0.2.50");
    const pub = created(em.ifp, "192.0.2.52");
    pub.la_flags |= LLE_PUB;
    const gone = created(em.ifp, "192.0.2.53");
    expect(lookup(em.ifp, LLE_DELETE, "192.0.2.53")).toBe(LLE_DELETED_PTR);
    expect(gone.la_flags & LLE_DELETED).toBe(LLE_DELETED);

    const r = dump();
    expect(r.errno).toBe(0);
    const msgs = decodeRoutingMessages(r.out);
    if (isDecodeError(msgs)) throw new Error(msgs.message);
    const byAddr = new Map(
      msgs.map((m) => {
        if (m.kind !== "rt") throw new Error("not an rt_msghdr");
        const dst = m.addrs.dst;
        return [dst !== undefined && "sin_addr" in dst ? dst.sin_addr : -1, m] as const;
      }),
    );
    // seed 1203-1204: the deleted entry is skipped; the rest: the interface address, two made here.
    expect([...byAddr.keys()].sort()).toEqual([ip("192.0.2.1"), ip("192.0.2.50"), ip("192.0.2.52")].sort());
    for (const m of msgs) {
      if (m.kind !== "rt") continue;
      // seed 1214-1219: sizeof(arpc) (152 + 16 + 54, padded to 224), RTM_VERSION, RTM_GET,
      // RTA_DST|RTA_GATEWAY; seed 1245: rtm_index is the interface's.
      expect(m.hdr.rtm_msglen).toBe(224);
      expect(m.hdr.rtm_version).toBe(RTM_VERSION);
      expect(m.hdr.rtm_type).toBe(RTM_GET);
      expect(m.hdr.rtm_index).toBe(em.ifp.if_index);
    }
    const own = byAddr.get(ip("192.0.2.1"));
    const d = byAddr.get(ip("192.0.2.50"));
    const p = byAddr.get(ip("192.0.2.52"));
    if (own?.kind !== "rt" || d?.kind !== "rt" || p?.kind !== "rt") throw new Error("missing");
    // Interface address: valid and static — RTF_STATIC, expiry 0, sdl_alen 6 (seed 1233-1246).
    expect(own.hdr.rtm_flags).toBe(RTF_UP | RTF_HOST | RTF_LLDATA | RTF_STATIC);
    expect(own.hdr.rtm_rmx.rmx_expire).toBe(0n);
    const gw = own.addrs.gateway;
    expect(
      gw !== undefined && isSockaddrDl(gw) ? [gw.sdl_alen, gw.sdl_len, gw.sdl_index, gw.sdl_type] : null,
    ).toEqual([6, 54, em.ifp.if_index, IFT_ETHER]);
    // Incomplete dynamic entry: no RTF_STATIC, la_expire, sdl_alen 0 (seed 1236-1242).
    expect(d.hdr.rtm_flags).toBe(RTF_UP | RTF_HOST | RTF_LLDATA);
    expect(d.hdr.rtm_rmx.rmx_expire).toBe(BigInt(dyn.la_expire));
    const dgw = d.addrs.gateway;
    expect(dgw !== undefined && isSockaddrDl(dgw) ? dgw.sdl_alen : -1).toBe(0);
    // Published: RTF_ANNOUNCE (seed 1225-1226).
    expect(p.hdr.rtm_flags & RTF_ANNOUNCE).toBe(RTF_ANNOUNCE);
  });

  test("a jailed reader sees only its jail's addresses (seed 1206-1207, kern_jail.c prison_if)", () => {
    created(em.ifp, "192.0.2.50");
    const r = dump(Kernel.jailed("j", [ip("192.0.2.50")]));
    const msgs = decodeRoutingMessages(r.out);
    if (isDecodeError(msgs)) throw new Error(msgs.message);
    expect(
      msgs.map((m) =>
        m.kind === "rt" && m.addrs.dst && "sin_addr" in m.addrs.dst ? m.addrs.dst.sin_addr : -1,
      ),
    ).toEqual([ip("192.0.2.50")]);
  });

  test("a short buffer stops the walk with SYSCTL_OUT's ENOMEM (seed 1247-1249)", () => {
    created(em.ifp, "192.0.2.50");
    expect(dump(Kernel.root(), 100).errno).toBe(ENOMEM);
  });
});

describe("in_purgemaddrs (seed 908-942) on detach", () => {
  test("an IPv4 membership still held after the addresses went is released, then igmp_ifdetach", () => {
    // A second hold on 224.0.0.1 (a group IGMP never reports): in_difaddr_ioctl drops the
    // address's hold, in_purgemaddrs the one left (seed 924-939).
    k.run(() => expect(in_joingroup(em.ifp, ip("224.0.0.1"), null).error).toBe(0));
    k.run(() => expect(if_detach(em.ifp)).toBe(0));
    expect(em.ifp.if_multiaddrs).toEqual([]);
  });
});

describe("in_scrubprefix's logged failures", () => {
  test("prefix route already gone, no hand-over: 'prefix delete failed' (seed 838-842)", () => {
    k.run(() =>
      expect(
        rtrequest_fib(RTM_DELETE, sin("192.0.2.0"), null, sin("255.255.255.0"), RTF_PINNED, null, 0),
      ).toBe(0),
    );
    expect(difaddr(k, em.name, "192.0.2.1")).toBe(0);
    k.run(() =>
      expect(VNET(msgbuf).map((l) => l.msg)).toContain("in_scrubprefix: err=51, prefix delete failed"),
    );
  });

  test("hand-over add refused by a pinned route of another address: 'new prefix add failed' (seed 808-814)", () => {
    expect(aifaddr(k, em2.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    const [other] = inAddrs(em2.ifp);
    // Replace the prefix route by one pinned to 192.0.2.2 without telling in.c (IFA_ROUTE stays
    // on 192.0.2.1): the hand-over's delete then misses and its add meets the pinned route.
    k.run(() => {
      expect(
        rtrequest_fib(RTM_DELETE, sin("192.0.2.0"), null, sin("255.255.255.0"), RTF_PINNED, null, 0),
      ).toBe(0);
      expect(rtinit(other, RTM_ADD, RTF_UP)).toBe(0);
    });
    expect(difaddr(k, em.name, "192.0.2.1")).toBe(0);
    k.run(() => {
      const lines = VNET(msgbuf).map((l) => l.msg);
      expect(lines).toContain("in_scrubprefix: err=51, old prefix delete failed");
      expect(
        lines.some((l) => l.startsWith("in_scrubprefix: err=") && l.endsWith("new prefix add failed")),
      ).toBe(true);
    });
    // Tidy what the manual route left: it holds 192.0.2.2 as rt_ifa.
    expect(route(k, "192.0.2.0", 24)?.ifa).toBe("192.0.2.2");
  });
});

describe("in_domifattach (seed 1256-1275)", () => {
  test("an in_ifinfo with an AF_INET lltable for the interface, IGMP state, no all-hosts yet", () => {
    const ii = em2.ifp.if_afdata[AF_INET];
    expect(ii).not.toBeNull();
    if (ii === null) return;
    expect(ii.ii_llt?.llt_af).toBe(AF_INET);
    expect(ii.ii_llt?.llt_ifp).toBe(em2.ifp);
    expect(ii.ii_igmp).not.toBeNull();
    // seed 1262: M_ZERO — ii_allhosts stays NULL until the first address joins (seed 471-480).
    expect(ii.ii_allhosts).toBeNull();
    const em1 = em.ifp.if_afdata[AF_INET];
    expect(em1?.ii_allhosts?.inm_addr).toBe(ip("224.0.0.1"));
  });
});
