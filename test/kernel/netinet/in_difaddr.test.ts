// in_difaddr_ioctl (seed in.c:510-606) and what it drives: in_scrubprefix (727-844) with its
// hand-over, loopback-route switch, ARP scrub and lltable flush, and in_addralias_rtmsg
// (616-649) for deletes. Expected values come from the seed and FreeBSD's tests, cited inline.

import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { EADDRNOTAVAIL, EPERM } from "../../../src/abi/errno.ts";
import { IFF_BROADCAST, IFF_MULTICAST, IFF_NOARP, IFF_SIMPLEX } from "../../../src/abi/if.ts";
import { RTF_PINNED, RTM_DELETE } from "../../../src/abi/route_defs.ts";
import { sockaddrIn } from "../../../src/abi/socket.ts";
import { PR_IP4, PR_VNET, prison_create } from "../../../src/kernel/kern/cred.ts";
import { EVENTHANDLER_DEREGISTER, EVENTHANDLER_REGISTER } from "../../../src/kernel/kern/eventhandler.ts";
import { msgbuf } from "../../../src/kernel/kern/syslog.ts";
import { VNET } from "../../../src/kernel/net/vnet.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { if_detach } from "../../../src/kernel/net/if.ts";
import { LLE_CREATE, LLE_STATIC, LLE_IS_VALID, lla_lookup } from "../../../src/kernel/net/if_llatbl.ts";
import { IFA_ROUTE, type ifnet } from "../../../src/kernel/net/if_var.ts";
import { rtrequest_fib } from "../../../src/kernel/net/route.ts";
import { LLTABLE } from "../../../src/kernel/netinet/in_var.ts";
import {
  aifaddr,
  attachEther,
  difaddr,
  expectBalanced,
  groups,
  inAddrs,
  ip,
  lltableAddrs,
  readMsgs,
  route,
  routes,
  setUp,
  sin,
  type TestIf,
} from "./helpers.ts";

let k: Kernel;
let em: TestIf;

beforeEach(() => {
  k = new Kernel();
  em = attachEther(k);
});

afterEach(() => expectBalanced(k));

/** A dynamic (or static) ARP entry for `addr` on `ifp`, made the way arpresolve makes one. */
function arpEntry(ifp: ifnet, addr: string, isStatic = false): void {
  k.run(() => {
    const llt = LLTABLE(ifp);
    if (llt === null) throw new Error("no lltable");
    const lle = lla_lookup(llt, LLE_CREATE, sin(addr));
    if (!LLE_IS_VALID(lle)) throw new Error(`no entry for ${addr}`);
    if (isStatic) lle.la_flags |= LLE_STATIC;
  });
}

describe("finding the address (seed 520-558)", () => {
  beforeEach(() => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em.name, { addr: "198.51.100.1", mask: "255.255.255.0" })).toBe(0);
  });

  test("uid != 0: EPERM (seed 520-523)", () => {
    expect(difaddr(k, em.name, "192.0.2.1", Kernel.user(1001))).toBe(EPERM);
  });

  test("an address the interface lacks: EADDRNOTAVAIL (seed 555-558)", () => {
    expect(difaddr(k, em.name, "203.0.113.1")).toBe(EADDRNOTAVAIL);
  });

  test("the named address goes; others and all-hosts stay (iaIsLast false, seed 551-552)", () => {
    expect(difaddr(k, em.name, "198.51.100.1")).toBe(0);
    expect(inAddrs(em.ifp).map((ia) => ia.ia_addr.sin_addr)).toEqual([ip("192.0.2.1")]);
    expect(groups(k, em.ifp)).toContain("224.0.0.1");
  });

  test("delete-any: sin_len != 16 takes the first address (seed 526-530, 542-544)", () => {
    expect(difaddr(k, em.name, sockaddrIn(ip("203.0.113.1"), 0))).toBe(0);
    expect(inAddrs(em.ifp).map((ia) => ia.ia_addr.sin_addr)).toEqual([ip("198.51.100.1")]);
  });

  test("delete-any still prefers an exact address match later in the list (seed 546-549)", () => {
    expect(difaddr(k, em.name, { ...sin("198.51.100.1"), sin_family: 0 })).toBe(0);
    expect(inAddrs(em.ifp).map((ia) => ia.ia_addr.sin_addr)).toEqual([ip("192.0.2.1")]);
  });

  test("jailed: an address outside the jail is not found; delete-any picks the jail's (seed 542-549)", () => {
    const cred = { cr_uid: 0, cr_prison: prison_create("j", [ip("198.51.100.1")], PR_VNET | PR_IP4) };
    expect(difaddr(k, em.name, "192.0.2.1", cred)).toBe(EADDRNOTAVAIL);
    expect(difaddr(k, em.name, sockaddrIn(0, 0), cred)).toBe(0);
    expect(inAddrs(em.ifp).map((ia) => ia.ia_addr.sin_addr)).toEqual([ip("192.0.2.1")]);
  });
});

describe("what deleting does", () => {
  test("the last address: routes, lists, all-hosts, event, messages (seed 560-603, 737-844)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    const [ia] = inAddrs(em.ifp);
    const seen: ifnet[] = [];
    const tag = EVENTHANDLER_REGISTER("ifaddr_event", (ifp) => seen.push(ifp));
    const so = k.routeSocketOpen();
    try {
      expect(difaddr(k, em.name, "192.0.2.1")).toBe(0);
    } finally {
      EVENTHANDLER_DEREGISTER(tag);
    }
    // seed 560-568: off if_addrhead and V_in_ifaddrhead.
    expect(inAddrs(em.ifp)).toEqual([]);
    expect(k.vnet.in_ifaddrhead.includes(ia)).toBe(false);
    // seed 749-750: loopback route deleted; seed 838-840: prefix route deleted, IFA_ROUTE off.
    expect(route(k, "192.0.2.1", null)).toBeUndefined();
    expect(route(k, "192.0.2.0", 24)).toBeUndefined();
    expect(ia.ia_flags & IFA_ROUTE).toBe(0);
    // seed 755-756: arp_ifscrub removed the address's own lltable entry.
    expect(lltableAddrs(k, em.ifp)).toEqual([]);
    // seed 591-601: the last address leaves 224.0.0.1.
    expect(groups(k, em.ifp)).toEqual([]);
    // seed 603
    expect(seen).toEqual([em.ifp]);
    // seed 838 rtinit(RTM_DELETE) → 10.4 rtsock.c rt_newaddrmsg_fib: RTM_DELETE, then RTM_DELADDR.
    const pm = readMsgs(so).filter((m) => m.type === "RTM_DELADDR" || m.addrs.dst === "192.0.2.0");
    expect(pm.map((m) => m.type)).toEqual(["RTM_DELETE", "RTM_DELADDR"]);
    // The seed's ifa_alloc reference outlives the address (seed 359, 411, 416, 562, 568).
    expect(ia.ifa_refcnt).toBe(1);
  });

  test("an alias without IFA_ROUTE: a copy of the prefix route announced as RTM_DELETE (seed 768-770)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    const so = k.routeSocketOpen();
    expect(difaddr(k, em.name, "192.0.2.2")).toBe(0);
    const msgs = readMsgs(so).filter((m) => m.type === "RTM_DELETE" || m.type === "RTM_DELADDR");
    // 10.4 rtsock.c rt_newaddrmsg_fib, RTM_DELETE: route message first, then RTM_DELADDR.
    expect(msgs.map((m) => m.type)).toEqual(["RTM_DELETE", "RTM_DELADDR"]);
    expect(msgs[0].addrs.dst).toBe("192.0.2.0");
    expect(msgs[0].addrs.gateway).toBe("192.0.2.2");
    // The prefix route itself is untouched.
    expect(route(k, "192.0.2.0", 24)?.ifa).toBe("192.0.2.1");
  });

  test("nothing routes the prefix any more: in_addralias_rtmsg sends nothing (seed 633-634)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    // route delete 192.0.2.0/24 (RTF_PINNED so the interface route may go).
    k.run(() =>
      expect(
        rtrequest_fib(RTM_DELETE, sin("192.0.2.0"), null, sin("255.255.255.0"), RTF_PINNED, null, 0),
      ).toBe(0),
    );
    const so = k.routeSocketOpen();
    // The first address still carries IFA_ROUTE, so the alias only "announces" — and the
    // lookup of 192.0.2.0 finds nothing, so nothing at all is sent (no RTM_NEWADDR either).
    expect(aifaddr(k, em.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    expect(readMsgs(so).filter((m) => m.type === "RTM_NEWADDR")).toEqual([]);
    // Deleting the first hands the (missing) route to the alias: the delete fails with
    // ENETUNREACH (10.4 route.c rtinit1: no route with this ifa) and is only logged (seed
    // 801-807), the add re-creates the prefix route for the alias (seed 808-811).
    expect(difaddr(k, em.name, "192.0.2.1")).toBe(0);
    k.run(() =>
      expect(VNET(msgbuf).map((l) => l.msg)).toContain("in_scrubprefix: err=51, old prefix delete failed"),
    );
    expect(route(k, "192.0.2.0", 24)?.ifa).toBe("192.0.2.2");
  });
});

describe("prefix hand-over (seed 773-817)", () => {
  test("to the same prefix on another interface — test_routing_l3.py test_change_prefix_route", () => {
    const em2 = attachEther(k);
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em2.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    arpEntry(em.ifp, "192.0.2.50");
    const so = k.routeSocketOpen();
    expect(difaddr(k, em.name, "192.0.2.1")).toBe(0);
    // FreeBSD tests/sys/net/routing/test_routing_l3.py test_change_prefix_route: after deleting
    // the first interface's address the prefix route points to the second interface.
    const pfx = route(k, "192.0.2.0", 24);
    expect(pfx?.ifp).toBe(em2.name);
    expect(pfx?.ifa).toBe("192.0.2.2");
    expect(inAddrs(em2.ifp)[0].ia_flags & IFA_ROUTE).toBe(IFA_ROUTE);
    // seed 801-811: delete (RTM_DELETE, RTM_DELADDR) then add (RTM_NEWADDR, RTM_ADD).
    const msgs = readMsgs(so).filter((m) => m.addrs.dst === "192.0.2.0" || m.type.endsWith("ADDR"));
    expect(msgs.map((m) => m.type)).toEqual(["RTM_DELETE", "RTM_DELADDR", "RTM_NEWADDR", "RTM_ADD"]);
    // seed 816 returns before the lltable flush (seed 824-833): em's dynamic entry survives.
    expect(lltableAddrs(k, em.ifp)).toEqual(["192.0.2.50"]);
  });

  test("to another address on the same interface — test_routing_l3.py test_change_prefix_route_same_iface", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    expect(difaddr(k, em.name, "192.0.2.1")).toBe(0);
    // The python test: interface unchanged, the nexthop's ifa is the second address.
    const pfx = route(k, "192.0.2.0", 24);
    expect(pfx?.ifp).toBe(em.name);
    expect(pfx?.ifa).toBe("192.0.2.2");
  });

  test("only to an interface that is up (seed 790-791); the route is deleted instead", () => {
    const em2 = attachEther(k);
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em2.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    arpEntry(em.ifp, "192.0.2.50");
    setUp(k, em2.name, false);
    expect(difaddr(k, em.name, "192.0.2.1")).toBe(0);
    expect(route(k, "192.0.2.0", 24)).toBeUndefined();
    // No hand-over, so seed 824-833 flush the prefix's lltable entries.
    expect(lltableAddrs(k, em.ifp)).toEqual([]);
  });
});

describe("loopback route to an address held twice — fibs_test.sh same_ip_multiple_ifaces_fib0", () => {
  // FreeBSD tests/sys/netinet/fibs_test.sh same_ip_multiple_ifaces_fib0 (PR kern/189089): the
  // same 192.0.2.2 on two interfaces, /24 and /32, then remove one alias; "it should not panic".
  let em2: TestIf;
  beforeEach(() => {
    em2 = attachEther(k);
    expect(aifaddr(k, em.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em2.name, { addr: "192.0.2.2", mask: "255.255.255.255" })).toBe(0);
  });

  const loopbackRoutes = () => routes(k).filter((r) => r.dst === "192.0.2.2" && r.plen === null);

  test("removing it from the interface without the route leaves the route (seed 742-747)", () => {
    expect(difaddr(k, em2.name, "192.0.2.2")).toBe(0);
    expect(loopbackRoutes().map((r) => r.gw)).toEqual([`link#${em.ifp.if_index}`]);
  });

  test("removing it from the route's owner switches the route to the other interface (seed 742-747)", () => {
    expect(difaddr(k, em.name, "192.0.2.2")).toBe(0);
    // ifa_switch_loopback_route (if.c, seed era): same route, gateway now names em2.
    expect(loopbackRoutes().map((r) => r.gw)).toEqual([`link#${em2.ifp.if_index}`]);
    // And once the last holder goes, the route goes (seed 749-750).
    expect(difaddr(k, em2.name, "192.0.2.2")).toBe(0);
    expect(loopbackRoutes()).toEqual([]);
  });
});

describe("ARP state (seed 753-756, 824-833, 992-1021)", () => {
  test("IFF_NOARP: no arp_ifscrub, so a hand-over leaves the address's own entry behind (seed 753)", () => {
    const noarp = attachEther(k, "noarp", undefined, IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST | IFF_NOARP);
    const em2 = attachEther(k);
    expect(aifaddr(k, noarp.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em2.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    expect(lltableAddrs(k, noarp.ifp)).toEqual(["192.0.2.1"]);
    expect(difaddr(k, noarp.name, "192.0.2.1")).toBe(0);
    expect(lltableAddrs(k, noarp.ifp)).toEqual(["192.0.2.1"]);
  });

  test("with ARP, the same hand-over scrubs the address's entry (seed 755-756)", () => {
    const em2 = attachEther(k);
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em2.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    expect(difaddr(k, em.name, "192.0.2.1")).toBe(0);
    expect(lltableAddrs(k, em.ifp)).toEqual([]);
  });

  test("deleting flushes the prefix's entries, static too, and only that prefix (seed 824-833, 1009-1011)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em.name, { addr: "198.51.100.1", mask: "255.255.255.0" })).toBe(0);
    arpEntry(em.ifp, "192.0.2.50");
    arpEntry(em.ifp, "192.0.2.51", true);
    arpEntry(em.ifp, "198.51.100.50");
    expect(difaddr(k, em.name, "192.0.2.1")).toBe(0);
    expect(lltableAddrs(k, em.ifp)).toEqual(["198.51.100.1", "198.51.100.50"]);
  });

  test("link down scrubs with flags 0: dynamic entries go, static and loopback route stay (rip_ctlinput → seed 737-739, 1009-1011)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    arpEntry(em.ifp, "192.0.2.50");
    arpEntry(em.ifp, "192.0.2.51", true);
    setUp(k, em.name, false);
    // The LLE_IFADDR entry (static) and the static 192.0.2.51 survive; 192.0.2.50 does not.
    expect(lltableAddrs(k, em.ifp)).toEqual(["192.0.2.1", "192.0.2.51"]);
    expect(route(k, "192.0.2.0", 24)).toBeUndefined();
    expect(route(k, "192.0.2.1", null)?.ifp).toBe("lo0");
  });
});

describe("interface detach (if_purgeaddrs → in_control with td NULL, in_ifdetach, in_domifdetach)", () => {
  test("addresses, groups and the lltable all go (seed 520, 542-549 with td NULL; 892-942; 1278-1284)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em.name, { addr: "198.51.100.1", mask: "255.255.255.0" })).toBe(0);
    k.run(() => expect(if_detach(em.ifp)).toBe(0));
    expect(k.vnet.in_ifaddrhead.map((ia) => ia.ifa_ifp.if_xname)).toEqual(["lo0"]);
    expect(
      routes(k).filter((r) => r.dst.startsWith("192.0.2.") || r.dst.startsWith("198.51.100.")).length,
    ).toBe(0);
    expect(em.ifp.if_multiaddrs).toEqual([]);
  });
});
