// in_aifaddr_ioctl (seed in.c:297-507): SIOCAIFADDR / OSIOCAIFADDR. Every expected value below
// is read off the seed (line numbers are the seed's) or FreeBSD's own code and tests, cited
// next to the assertion.

import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  EADDRNOTAVAIL,
  EDESTADDRREQ,
  EEXIST,
  EINVAL,
  ENOENT,
  ENOPROTOOPT,
  ENXIO,
  EPERM,
  EPROTONOSUPPORT,
} from "../../../src/abi/errno.ts";
import { IFF_LOOPBACK } from "../../../src/abi/if.ts";
import {
  encodeInAliasreq,
  inAliasreq,
  IN_CLASSA_NET,
  IN_CLASSB_NET,
  IN_CLASSC_NET,
} from "../../../src/abi/in.ts";
import { OSIOCAIFADDR } from "../../../src/abi/sockio.ts";
import { RTF_GATEWAY, RTF_HOST, RTF_STATIC, RTF_UP, RTM_ADD } from "../../../src/abi/route_defs.ts";
import { AF_INET, sockaddrIn } from "../../../src/abi/socket.ts";
import {
  EVENTHANDLER_DEREGISTER,
  EVENTHANDLER_REGISTER,
  type EventHandlerTag,
} from "../../../src/kernel/kern/eventhandler.ts";
import { KernelPanic } from "../../../src/kernel/kern/invariant.ts";
import { PR_IP4, PR_VNET, prison_create } from "../../../src/kernel/kern/cred.ts";
import { rtrequest_fib } from "../../../src/kernel/net/route.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { IFA_ROUTE, type ifnet } from "../../../src/kernel/net/if_var.ts";
import { in_aifaddr_allocref_held } from "../../../src/kernel/netinet/in.ts";
import { INADDR_HASH } from "../../../src/kernel/netinet/in_var.ts";
import { carp_add_vhid, carp_events } from "../../../src/kernel/netinet/ip_carp.ts";
import {
  aifaddr,
  attachEther,
  attachP2p,
  difaddr,
  expectBalanced,
  groups,
  inAddrs,
  ip,
  readMsgs,
  route,
  routes,
  setSysctlInt,
  getSysctlInt,
  sin,
  type TestIf,
} from "./helpers.ts";

let k: Kernel;
let em: TestIf;

beforeEach(() => {
  k = new Kernel();
  em = attachEther(k);
});

afterEach(() => {
  // Every test ends with the reference counts balanced (seed's unreleased ifa_alloc included).
  expectBalanced(k);
});

describe("privilege and validation, in the seed's order (seed in.c:310-334)", () => {
  test("uid != 0 is EPERM before any validation (seed 310-312; kern_priv.c priv_check_cred)", () => {
    // A malformed ifra_addr: the seed still answers EPERM first (10.4 would say EINVAL).
    expect(aifaddr(k, em.name, { addr: sockaddrIn(ip("192.0.2.1"), 8) }, Kernel.user(1001))).toBe(EPERM);
  });

  test("ifra_addr with sin_len != 16 or family != AF_INET is EINVAL (seed 318-320)", () => {
    expect(aifaddr(k, em.name, { addr: sockaddrIn(ip("192.0.2.1"), 15) })).toBe(EINVAL);
    expect(aifaddr(k, em.name, { addr: { ...sin("192.0.2.1"), sin_family: 0 } })).toBe(EINVAL);
  });

  test("broadaddr present but malformed is EINVAL (seed 321-324)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", brd: sockaddrIn(ip("192.0.2.255"), 12) })).toBe(EINVAL);
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", brd: { ...sin("192.0.2.255"), sin_family: 28 } })).toBe(
      EINVAL,
    );
  });

  test("mask present but malformed is EINVAL (seed 325-328)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: sockaddrIn(ip("255.255.255.0"), 7) })).toBe(EINVAL);
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: { ...sin("255.255.255.0"), sin_family: 0 } })).toBe(
      EINVAL,
    );
    expect(inAddrs(em.ifp)).toEqual([]);
  });

  test("point-to-point needs a 16-byte, non-zero destination: EDESTADDRREQ (seed 329-332)", () => {
    const tun = attachP2p(k);
    // No destination at all.
    expect(aifaddr(k, tun.name, { addr: "10.0.0.1", mask: "255.255.255.255" })).toBe(EDESTADDRREQ);
    // An address but sin_len 0: the broadaddr check (seed 321) skips it, the p2p check refuses.
    expect(aifaddr(k, tun.name, { addr: "10.0.0.1", brd: sockaddrIn(ip("10.0.0.2"), 0) })).toBe(EDESTADDRREQ);
    // 16 bytes but INADDR_ANY.
    expect(aifaddr(k, tun.name, { addr: "10.0.0.1", brd: sockaddrIn(0) })).toBe(EDESTADDRREQ);
    // A short but non-zero sin_len is caught earlier, by the broadaddr check: EINVAL (seed 321-324).
    expect(aifaddr(k, tun.name, { addr: "10.0.0.1", brd: sockaddrIn(ip("10.0.0.2"), 8) })).toBe(EINVAL);
  });

  test("a vhid without carp loaded is EPROTONOSUPPORT (seed 333-334)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0", vhid: 1 })).toBe(EPROTONOSUPPORT);
  });

  test("a negative vhid without carp reaches the NULL carp_attach_p call (seed 333 tests > 0, 422 != 0)", () => {
    // The kernel would fault calling through NULL; the twin stops with a KernelPanic.
    expect(() => aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0", vhid: -1 })).toThrow(
      KernelPanic,
    );
    // Undo what had been linked before the faulting call, so the audit sees a consistent twin.
    k.run(() => {
      const ia = inAddrs(em.ifp)[0];
      em.ifp.if_addrhead.splice(em.ifp.if_addrhead.indexOf(ia), 1);
      k.vnet.in_ifaddrhead.splice(k.vnet.in_ifaddrhead.indexOf(ia), 1);
      const b = INADDR_HASH(k.vnet, ia.ia_addr.sin_addr);
      b.splice(b.indexOf(ia), 1);
      ia.ifa_refcnt -= 2;
    });
  });

  test("an interface name that does not exist is ENXIO before in.c runs (10.4 if.c ifioctl)", () => {
    expect(aifaddr(k, "nope0", { addr: "192.0.2.1" })).toBe(ENXIO);
  });
});

describe("a new address on an Ethernet interface", () => {
  let events: ifnet[];
  let tag: EventHandlerTag;
  beforeEach(() => {
    events = [];
    tag = EVENTHANDLER_REGISTER("ifaddr_event", (ifp) => events.push(ifp));
  });
  afterEach(() => EVENTHANDLER_DEREGISTER(tag));

  test("192.0.2.1/24: fields, lists, driver call, routes, all-hosts, event", () => {
    const so = k.routeSocketOpen();
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);

    const [ia] = inAddrs(em.ifp);
    // seed 367: ia_addr is the caller's sockaddr.
    expect(ia.ia_addr).toEqual(sin("192.0.2.1"));
    // seed 368-370: the mask is copied and ia_subnetmask is its host-order value.
    expect(ia.ia_subnetmask).toBe(0xffffff00);
    // seed 386: ia_subnet = addr & mask.
    expect(ia.ia_subnet).toBe(ip("192.0.2.0"));
    // seed 387 + 178-190: in_socktrim cuts sin_len after the last non-zero byte (255.255.255.0 → 7).
    expect(ia.ia_sockmask).toEqual({ sin_len: 7, sin_family: AF_INET, sin_port: 0, sin_addr: 0xffffff00 });
    // seed 396-400: no broadcast given, not /31: subnet | ~mask, sin_len 16, AF_INET.
    expect(ia.ia_broadaddr).toEqual(sin("192.0.2.255"));
    // seed 413, 418-419: on if_addrhead, V_in_ifaddrhead and its INADDR_HASH bucket.
    expect(em.ifp.if_addrhead.includes(ia)).toBe(true);
    expect(k.vnet.in_ifaddrhead.at(-1)).toBe(ia);
    expect(INADDR_HASH(k.vnet, ip("192.0.2.1"))[0]).toBe(ia);
    // seed 432-433: the driver saw SIOCSIFADDR with the new in_ifaddr.
    expect(em.siocsifaddr).toEqual([ia]);
    // seed 440-448 + 715-717: prefix route installed by this address (RTF_UP, no RTF_HOST).
    expect(ia.ia_flags & IFA_ROUTE).toBe(IFA_ROUTE);
    const pfx = route(k, "192.0.2.0", 24);
    expect(pfx?.ifp).toBe(em.name);
    expect(pfx?.ifa).toBe("192.0.2.1");
    expect((pfx?.flags ?? 0) & (RTF_UP | RTF_HOST)).toBe(RTF_UP);
    // seed 454-466: loopback route to self; 10.4 if.c ifa_add_loopback_route: host route
    // through V_loif, RTF_STATIC, gateway naming the address's interface.
    const self = route(k, "192.0.2.1", null);
    expect(self?.ifp).toBe("lo0");
    expect((self?.flags ?? 0) & (RTF_HOST | RTF_STATIC)).toBe(RTF_HOST | RTF_STATIC);
    expect(self?.gw).toBe(`link#${em.ifp.if_index}`);
    // seed 471-480: the first address joins 224.0.0.1.
    expect(groups(k, em.ifp)).toContain("224.0.0.1");
    // seed 482: ifaddr_event for the interface.
    expect(events).toEqual([em.ifp]);
    // seed 715 rtinit → 10.4 rtsock.c rt_newaddrmsg_fib: RTM_NEWADDR, then RTM_ADD, for the prefix.
    const msgs = readMsgs(so).filter((m) => m.type === "RTM_NEWADDR" || m.addrs.dst === "192.0.2.0");
    expect(msgs.slice(0, 2).map((m) => m.type)).toEqual(["RTM_NEWADDR", "RTM_ADD"]);
  });

  test("ifa_metric is copied from the interface's if_metric (seed 366)", () => {
    // A non-zero metric (`ifconfig metric 5` sets if_metric), so a twin that left the zeroed
    // ifa_metric alone would fail.
    em.ifp.if_metric = 5;
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(inAddrs(em.ifp)[0].ifa_metric).toBe(5);
  });

  test("the seed keeps ifa_alloc's reference: refcnt = lists + routes + 1 (seed 359, 411, 416)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    const [ia] = inAddrs(em.ifp);
    expect(in_aifaddr_allocref_held(ia)).toBe(true);
    // The prefix route holds ia as rt_ifa; the loopback route does not: 10.4 if.c
    // ifa_add_loopback_route leaves rti_ifa unset and route.c rt_getifa_fib takes lo0's own
    // address (ifaof_ifpforaddr on V_loif).
    expect(routes(k).filter((r) => r.rt.rt_ifa === ia).length).toBe(1);
    expect(route(k, "192.0.2.1", null)?.ifa).toBe("127.0.0.1");
    // if_addrhead + in_ifaddrhead + prefix route + the unreleased ifa_alloc reference.
    expect(ia.ifa_refcnt).toBe(4);
  });

  test("deleted, the address keeps that one reference, and the twin lets it go and counts it", () => {
    const leaked = k.vnet.ifaddrs_live.leaked;
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    const [ia] = inAddrs(em.ifp);
    expect(difaddr(k, em.name, "192.0.2.1")).toBe(0);
    expect(ia.ifa_refcnt).toBe(1);
    expect(k.vnet.ifaddrs_live.has(ia)).toBe(false);
    expect(k.vnet.ifaddrs_live.leaked).toBe(leaked + 1);
    expect(k.checkInvariants()).toEqual([]);
  });
});

describe("netmask: given, or guessed from the class (seed 368-387)", () => {
  test.each([
    // [address, ia_subnetmask, trimmed sin_len, broadcast]; seed 378-384 pick the class mask,
    // in_socktrim (seed 178-190) keeps bytes up to the last non-zero one.
    ["10.1.2.3", IN_CLASSA_NET, 5, "10.255.255.255"],
    ["172.16.1.1", IN_CLASSB_NET, 6, "172.16.255.255"],
    ["192.168.1.1", IN_CLASSC_NET, 7, "192.168.1.255"],
    // Neither class A nor B: the else branch gives the class C mask, class D/E included.
    ["240.0.0.1", IN_CLASSC_NET, 7, "240.0.0.255"],
  ])("%s without a mask", (addr, mask, len, brd) => {
    expect(aifaddr(k, em.name, { addr })).toBe(0);
    const [ia] = inAddrs(em.ifp);
    expect(ia.ia_subnetmask).toBe(mask);
    // Only s_addr is written into the zeroed ia_sockmask (seed 384): sin_family stays 0.
    expect(ia.ia_sockmask).toEqual({ sin_len: len, sin_family: 0, sin_port: 0, sin_addr: mask });
    expect(ia.ia_broadaddr).toEqual(sin(brd));
  });

  test("lo0 as booted (rc's `ifconfig lo0 inet 127.0.0.1/8 alias`): an AF_INET /8 mask", () => {
    const lo = k.interfaces.find((i) => i.if_flags & IFF_LOOPBACK);
    const [ia] = inAddrs(lo as ifnet);
    // 10.4 network.subr:676-681 (ifconfig_lo0 is commented out in defaults/rc.conf:214) and
    // ifconfig af_inet.c:127-131 give a family AF_INET mask; seed 368-370 copies it, and
    // in_socktrim of 255.0.0.0 gives sin_len 5 (what the 10.4-seedin guest's RTM_DELADDR shows).
    expect(ia.ia_sockmask).toEqual({ sin_len: 5, sin_family: AF_INET, sin_port: 0, sin_addr: IN_CLASSA_NET });
    // seed 408-409: on a loopback interface ia_dstaddr (which is ia_broadaddr) is ia_addr.
    expect(ia.ia_dstaddr).toEqual(sin("127.0.0.1"));
    // seed 443-444: loopback gets a host route to ia_dstaddr (in_addprefix seed 661-663).
    expect(route(k, "127.0.0.1", null)?.ifa).toBe("127.0.0.1");
  });

  test("/32: sin_len 8, broadcast is the address itself (seed 396-400)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.5", mask: "255.255.255.255" })).toBe(0);
    const [ia] = inAddrs(em.ifp);
    expect(ia.ia_sockmask.sin_len).toBe(8);
    expect(ia.ia_subnetmask).toBe(0xffffffff);
    expect(ia.ia_broadaddr).toEqual(sin("192.0.2.5"));
    // seed 446 installs the /32 prefix route through the interface (rtinit with the mask) and
    // seed 463 the loopback host route; the radix tree keeps both as duplicate keys with
    // different masks (radix.c rn_addroute: only an equal mask on a duplicate key refuses).
    expect(route(k, "192.0.2.5", 32)?.ifp).toBe(em.name);
    expect(route(k, "192.0.2.5", null)?.ifp).toBe("lo0");
  });
});

describe("broadcast address (seed 389-402)", () => {
  test("given by the caller: copied as is (seed 390-391)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0", brd: "192.0.2.127" })).toBe(0);
    expect(inAddrs(em.ifp)[0].ia_broadaddr).toEqual(sin("192.0.2.127"));
  });

  test("/31 (RFC 3021): 255.255.255.255 (seed 392-395)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.0", mask: "255.255.255.254" })).toBe(0);
    expect(inAddrs(em.ifp)[0].ia_broadaddr).toEqual(sin("255.255.255.255"));
  });

  test("not IFF_BROADCAST and not point-to-point: ia_broadaddr/ia_dstaddr left zero (seed 389, 404)", () => {
    const nb = attachEther(k, "nb", undefined, 0x8000 /* IFF_MULTICAST */);
    expect(aifaddr(k, nb.name, { addr: "198.51.100.1", mask: "255.255.255.0", brd: "198.51.100.255" })).toBe(
      0,
    );
    expect(inAddrs(nb.ifp)[0].ia_broadaddr).toEqual({ sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 });
  });
});

describe("point-to-point and loopback interfaces", () => {
  test("tun: ia_dstaddr from ifra_dstaddr, host route to it, loopback route to self, all-hosts", () => {
    const tun = attachP2p(k);
    expect(aifaddr(k, tun.name, { addr: "10.0.0.1", brd: "10.0.0.2" })).toBe(0);
    const [ia] = inAddrs(tun.ifp);
    // seed 404-405: ia_dstaddr is the caller's destination.
    expect(ia.ia_dstaddr).toEqual(sin("10.0.0.2"));
    // seed 443-446 + 661-663: RTF_HOST, so in_addprefix routes ia_dstaddr with no mask.
    const host = route(k, "10.0.0.2", null);
    expect(host?.ifp).toBe(tun.name);
    expect(host?.ifa).toBe("10.0.0.1");
    expect(ia.ia_flags & IFA_ROUTE).toBe(IFA_ROUTE);
    // seed 454-466: the destination differs from the address, so the loopback route exists.
    expect(route(k, "10.0.0.1", null)?.ifp).toBe("lo0");
    // seed 471-480: IFF_MULTICAST and first address.
    expect(groups(k, tun.ifp)).toEqual(["224.0.0.1"]);
  });

  test("tun with destination == address: no loopback route (seed 456-457)", () => {
    const tun = attachP2p(k);
    expect(aifaddr(k, tun.name, { addr: "10.0.0.1", brd: "10.0.0.1" })).toBe(0);
    const self = route(k, "10.0.0.1", null);
    // The only host route to 10.0.0.1 is the prefix host route through tun itself.
    expect(self?.ifp).toBe(tun.name);
    expect(routes(k).filter((r) => r.dst === "10.0.0.1").length).toBe(1);
  });

  test("lo0 alias: host route to the address, no loopback route, not first (seed 408-409, 443-444, 454)", () => {
    expect(aifaddr(k, "lo0", { addr: "127.0.0.2", mask: "255.255.255.255" })).toBe(0);
    const lo = k.interfaces.find((i) => i.if_xname === "lo0") as ifnet;
    const ia = inAddrs(lo)[1];
    expect(ia.ia_dstaddr).toEqual(sin("127.0.0.2"));
    const r = route(k, "127.0.0.2", null);
    expect(r?.ifa).toBe("127.0.0.2");
    expect(routes(k).filter((x) => x.dst === "127.0.0.2").length).toBe(1);
  });
});

describe("INADDR_ANY, non-multicast and OSIOCAIFADDR", () => {
  test("0.0.0.0: no loopback route to INADDR_ANY (seed 455)", () => {
    expect(aifaddr(k, em.name, { addr: "0.0.0.0", mask: "255.0.0.0" })).toBe(0);
    expect(route(k, "0.0.0.0", null)).toBeUndefined();
    expect(route(k, "0.0.0.0", 8)?.ifp).toBe(em.name);
  });

  test("no IFF_MULTICAST: no all-hosts join (seed 471)", () => {
    const nm = attachEther(k, "nm", undefined, 0x2 /* IFF_BROADCAST */);
    expect(aifaddr(k, nm.name, { addr: "198.51.100.1", mask: "255.255.255.0" })).toBe(0);
    expect(groups(k, nm.ifp)).toEqual([]);
  });

  test("OSIOCAIFADDR: the 9.x 64-byte layout, vhid 0 (seed 304; 10.4 net/if.h oifaliasreq)", () => {
    // A full 68-byte in_aliasreq with ifra_vhid 7: ioctl(2) copies only IOCPARM_LEN(OSIOCAIFADDR)
    // = 64 bytes, and seed 304 uses vhid 0 for OSIOCAIFADDR anyway — no carp is asked for.
    const bytes = encodeInAliasreq(
      inAliasreq(em.name, sin("192.0.2.1"), sin("255.255.255.0"), sockaddrIn(0, 0), 7),
    );
    expect(bytes.length).toBe(68);
    expect(k.ioctl(Kernel.root(), OSIOCAIFADDR, bytes).errno).toBe(0);
    expect(route(k, "192.0.2.0", 24)?.ifp).toBe(em.name);
    // The helper's 64-byte form does the same.
    expect(aifaddr(k, em.name, { addr: "198.51.100.1", mask: "255.255.255.0", old: true })).toBe(0);
  });
});

describe("second addresses and shared prefixes (in_addprefix, seed 655-719)", () => {
  test("alias in the same prefix on the same interface: no new route, RTM_NEWADDR + RTM_ADD alias message, no second join", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    const so = k.routeSocketOpen();
    expect(aifaddr(k, em.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    const [first, second] = inAddrs(em.ifp);
    // seed 691-707: the first address holds IFA_ROUTE, so the second only announces.
    expect(second.ia_flags & IFA_ROUTE).toBe(0);
    expect(route(k, "192.0.2.0", 24)?.ifa).toBe("192.0.2.1");
    // seed 616-649: a copy of the prefix route with its gateway set to the new address, sent
    // by rt_newaddrmsg (10.4 rtsock.c rt_newaddrmsg_fib: RTM_NEWADDR first for RTM_ADD).
    const msgs = readMsgs(so).filter((m) => m.type === "RTM_NEWADDR" || m.type === "RTM_ADD");
    expect(msgs[0].type).toBe("RTM_NEWADDR");
    expect(msgs[0].addrs.ifa).toBe("192.0.2.2");
    expect(msgs[1].type).toBe("RTM_ADD");
    expect(msgs[1].addrs.dst).toBe("192.0.2.0");
    expect(msgs[1].addrs.gateway).toBe("192.0.2.2");
    // seed 349: the first address makes this one not first — 224.0.0.1 joined once.
    expect(groups(k, em.ifp).filter((g) => g === "224.0.0.1").length).toBe(1);
    expect(first.ia_flags & IFA_ROUTE).toBe(IFA_ROUTE);
  });

  test("same prefix on a second interface shares the first interface's route (seed 691-707)", () => {
    const em2 = attachEther(k);
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    const so = k.routeSocketOpen();
    expect(aifaddr(k, em2.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    // seed 704 → 616-649: RTM_NEWADDR for em2's address, then the prefix route copied with its
    // gateway set to 192.0.2.2; both carry em2's index, since 10.4 rtsock.c rt_newaddrmsg_fib
    // takes rtm_index from ifa->ifa_ifp, the alias's interface, although the route is em's.
    const msgs = readMsgs(so).filter((m) => m.type === "RTM_NEWADDR" || m.type === "RTM_ADD");
    expect(msgs.map((m) => m.type)).toEqual(["RTM_NEWADDR", "RTM_ADD"]);
    expect(msgs[0].index).toBe(em2.ifp.if_index);
    expect([msgs[1].addrs.dst, msgs[1].addrs.gateway, msgs[1].index]).toEqual([
      "192.0.2.0",
      "192.0.2.2",
      em2.ifp.if_index,
    ]);
    // The loopback route to 192.0.2.2 (seed 463) is not announced: 10.4 if.c
    // ifa_add_loopback_route adds it with rtrequest1_fib, which sends no message.
    // FreeBSD tests/sys/net/routing/test_routing_l3.py test_change_prefix_route: "At this time
    // prefix should be pointing to the first interface".
    expect(route(k, "192.0.2.0", 24)?.ifp).toBe(em.name);
    // The second interface is IPv4-first there, so it joins all-hosts (seed 471-480).
    expect(groups(k, em2.ifp)).toContain("224.0.0.1");
  });

  test("net.inet.ip.no_same_prefix=1: EEXIST and the new address is unwound (seed 700-702, 446-448 → fail2)", () => {
    expect(getSysctlInt(k, "net.inet.ip.no_same_prefix")).toBe(0); // seed 77-81: a zeroed VNET int
    expect(setSysctlInt(k, "net.inet.ip.no_same_prefix", 1)).toBe(0);
    const em2 = attachEther(k);
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em2.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(EEXIST);
    // fail2 → fail1 (seed 490-504): off both lists, nothing left behind.
    expect(inAddrs(em2.ifp)).toEqual([]);
    expect(k.vnet.in_ifaddrhead.map((ia) => ia.ia_addr.sin_addr)).not.toContain(ip("192.0.2.2"));
    expect(route(k, "192.0.2.2", null)).toBeUndefined();
    // The driver had been told (seed 432-433 ran before in_addprefix).
    expect(em2.siocsifaddr.length).toBe(1);
  });

  test("same address on two interfaces: the second adds no loopback route (seed 460-468)", () => {
    const em2 = attachEther(k);
    expect(aifaddr(k, em.name, { addr: "192.0.2.2", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em2.name, { addr: "192.0.2.2", mask: "255.255.255.255" })).toBe(0);
    const self = routes(k).filter((r) => r.dst === "192.0.2.2" && r.plen === null);
    expect(self.length).toBe(1);
    expect(self[0].gw).toBe(`link#${em.ifp.if_index}`);
  });
});

describe("carp hooks (seed 333-334, 422-425, 440, 454, 490-492, 583-584)", () => {
  // Kernel option "carp loaded": kernel.ts calls carp_load() at boot.
  beforeEach(() => {
    k = new Kernel({ carp: true });
    em = attachEther(k);
  });

  test("known vhid: carp_attach records it; no prefix or loopback route", () => {
    k.run(() => carp_add_vhid(em.ifp, 5));
    expect(aifaddr(k, em.name, { addr: "192.0.2.10", mask: "255.255.255.0", vhid: 5 })).toBe(0);
    const [ia] = inAddrs(em.ifp);
    expect(ia.ifa_carp).toEqual({ sc_vhid: 5 });
    k.run(() => expect(carp_events()).toEqual([{ what: "attach", ifname: em.name, vhid: 5 }]));
    // seed 440: only vhid 0 gets in_addprefix; seed 454: only vhid 0 gets the loopback route.
    expect(ia.ia_flags & IFA_ROUTE).toBe(0);
    expect(routes(k).filter((r) => r.dst.startsWith("192.0.2.")).length).toBe(0);
    // seed 471: the first address still joins all-hosts.
    expect(groups(k, em.ifp)).toContain("224.0.0.1");
  });

  test("unknown vhid: carp_attach's ENOENT goes to fail1, the driver never hears of it (seed 424-425)", () => {
    k.run(() => carp_add_vhid(em.ifp, 5));
    expect(aifaddr(k, em.name, { addr: "192.0.2.10", mask: "255.255.255.0", vhid: 6 })).toBe(ENOENT);
    expect(inAddrs(em.ifp)).toEqual([]);
    expect(em.siocsifaddr).toEqual([]);
    k.run(() => expect(carp_events()).toEqual([]));
  });

  test("no carp on the interface at all: ENOPROTOOPT (ip_carp.c carp_attach)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.10", mask: "255.255.255.0", vhid: 5 })).toBe(ENOPROTOOPT);
    expect(inAddrs(em.ifp)).toEqual([]);
  });

  test("driver refuses SIOCSIFADDR after carp attached: fail2 detaches carp, fail1 unlinks (seed 434-435, 490-504)", () => {
    k.run(() => carp_add_vhid(em.ifp, 5));
    em.siocsifaddrError = EADDRNOTAVAIL;
    expect(aifaddr(k, em.name, { addr: "192.0.2.10", mask: "255.255.255.0", vhid: 5 })).toBe(EADDRNOTAVAIL);
    k.run(() =>
      expect(carp_events()).toEqual([
        { what: "attach", ifname: em.name, vhid: 5 },
        { what: "detach", ifname: em.name, vhid: 5 },
      ]),
    );
    expect(inAddrs(em.ifp)).toEqual([]);
    expect(groups(k, em.ifp)).toEqual([]);
  });

  test("deleting a carp address detaches it (seed 583-584)", () => {
    k.run(() => carp_add_vhid(em.ifp, 5));
    expect(aifaddr(k, em.name, { addr: "192.0.2.10", mask: "255.255.255.0", vhid: 5 })).toBe(0);
    expect(difaddr(k, em.name, "192.0.2.10")).toBe(0);
    k.run(() => expect(carp_events().map((e) => e.what)).toEqual(["attach", "detach"]));
  });
});

describe("failure unwinding without carp", () => {
  test("driver SIOCSIFADDR error → fail2 → fail1: errno returned, nothing left (seed 432-435, 490-506)", () => {
    em.siocsifaddrError = ENXIO;
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(ENXIO);
    expect(em.siocsifaddr.length).toBe(1);
    expect(inAddrs(em.ifp)).toEqual([]);
    expect(k.vnet.in_ifaddrhead.length).toBe(1); // lo0's 127.0.0.1 only
    expect(INADDR_HASH(k.vnet, ip("192.0.2.1"))).toEqual([]);
    expect(routes(k).filter((r) => r.dst.startsWith("192.0.2.")).length).toBe(0);
    expect(groups(k, em.ifp)).toEqual([]);
  });

  test("loopback route refused → fail3 scrubs the prefix (seed 463-466, 486-488)", () => {
    // Someone's static host route already sits at the address: rtrequest1_fib answers EEXIST
    // for an equal key and mask (10.4 route.c rtrequest1_fib, rnh_addaddr returned NULL).
    k.run(() => {
      const err = rtrequest_fib(
        RTM_ADD,
        sin("192.0.2.1"),
        sin("127.0.0.1"),
        null,
        RTF_HOST | RTF_STATIC | RTF_GATEWAY,
        null,
        0,
      );
      expect(err).toBe(0);
    });
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(EEXIST);
    expect(inAddrs(em.ifp)).toEqual([]);
    // in_scrubprefix (seed 737-751) found no other holder of the address and deleted the host
    // route at it — the pre-existing one — then the prefix route (seed 838).
    expect(route(k, "192.0.2.1", null)).toBeUndefined();
    expect(route(k, "192.0.2.0", 24)).toBeUndefined();
    expect(groups(k, em.ifp)).toEqual([]);
  });
});

describe("replacing an address the interface already has (seed 339-357)", () => {
  test("the only address, new mask: old deleted, new added — and all-hosts is left, not rejoined", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    const [old] = inAddrs(em.ifp);
    const so = k.routeSocketOpen();
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.128" })).toBe(0);
    const now = inAddrs(em.ifp);
    expect(now.length).toBe(1);
    expect(now[0]).not.toBe(old);
    expect(now[0].ia_subnetmask).toBe(0xffffff80);
    expect(route(k, "192.0.2.0", 24)).toBeUndefined();
    expect(route(k, "192.0.2.0", 25)?.ifa).toBe("192.0.2.1");
    // seed 349 clears iaIsFirst for the address being replaced; in_difaddr_ioctl saw it as the
    // last one and left 224.0.0.1 (seed 591-601); seed 471 does not join again.
    expect(groups(k, em.ifp)).toEqual([]);
    // No RTM_NEWMADDR follows; the leave itself is silent on the routing socket (10.4 if.c
    // if_delmulti_locked announces RTM_DELMADDR only for a detaching interface).
    const types = readMsgs(so).map((m) => m.type);
    expect(types).not.toContain("RTM_NEWMADDR");
    expect(types).not.toContain("RTM_DELMADDR");
    // The replaced in_ifaddr keeps only the seed's unreleased ifa_alloc reference.
    expect(old.ifa_refcnt).toBe(1);
  });

  test("with another address present, the replacement keeps membership (iaIsLast false, seed 551-552)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em.name, { addr: "198.51.100.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(inAddrs(em.ifp).map((ia) => ia.ia_addr.sin_addr)).toEqual([ip("198.51.100.1"), ip("192.0.2.1")]);
    expect(groups(k, em.ifp)).toContain("224.0.0.1");
  });

  test("a jailed caller cannot replace an address outside its jail: a second copy is added (seed 350-352)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    // A credential that holds the privilege (PR_VNET) yet is restricted to 192.0.2.9 (PR_IP4):
    // built directly to reach the prison_check_ip4 branch.
    const cred = { cr_uid: 0, cr_prison: prison_create("j", [ip("192.0.2.9")], PR_VNET | PR_IP4) };
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" }, cred)).toBe(0);
    const both = inAddrs(em.ifp);
    expect(both.length).toBe(2);
    expect(both.every((ia) => ia.ia_addr.sin_addr === ip("192.0.2.1"))).toBe(true);
    // seed 691-707: the prefix is already routed by the first; seed 460-468: the loopback route
    // exists through the first.
    expect(both[1].ia_flags & IFA_ROUTE).toBe(0);
  });

  test("a jail without the privilege gets EPERM (10.4 kern_jail.c prison_priv_check)", () => {
    expect(
      aifaddr(
        k,
        em.name,
        { addr: "192.0.2.9", mask: "255.255.255.0" },
        Kernel.jailed("j", [ip("192.0.2.9")]),
      ),
    ).toBe(EPERM);
  });
});
