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
import { IFF_LOOPBACK, IFF_UP } from "../../../src/abi/if.ts";
import { IN_CLASSA_NET, IN_CLASSB_NET, IN_CLASSC_NET } from "../../../src/abi/in.ts";
import { RTF_HOST, RTF_STATIC, RTF_UP } from "../../../src/abi/route_defs.ts";
import { AF_INET, sockaddrIn } from "../../../src/abi/socket.ts";
import {
  EVENTHANDLER_DEREGISTER,
  EVENTHANDLER_REGISTER,
  type EventHandlerTag,
} from "../../../src/kernel/kern/eventhandler.ts";
import { InvariantError } from "../../../src/kernel/kern/invariant.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { IFA_ROUTE, type ifnet } from "../../../src/kernel/net/if_var.ts";
import { in_aifaddr_allocrefs } from "../../../src/kernel/netinet/in.ts";
import { INADDR_HASH } from "../../../src/kernel/netinet/in_var.ts";
import { carp_add_vhid, carp_events, carp_load } from "../../../src/kernel/netinet/ip_carp.ts";
import {
  aifaddr,
  attachEther,
  attachP2p,
  expectBalanced,
  groups,
  inAddrs,
  ip,
  readMsgs,
  route,
  routes,
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
    // The kernel would fault calling through NULL; the twin stops with an InvariantError.
    expect(() => aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0", vhid: -1 })).toThrow(
      InvariantError,
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
    // seed 366: ifa_metric from the interface.
    expect(ia.ifa_metric).toBe(em.ifp.if_metric);
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

  test("the seed keeps ifa_alloc's reference: refcnt = lists + routes + 1 (seed 359, 411, 416)", () => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    const [ia] = inAddrs(em.ifp);
    k.run(() => expect(in_aifaddr_allocrefs().has(ia)).toBe(true));
    // The prefix route holds ia as rt_ifa; the loopback route does not: 10.4 if.c
    // ifa_add_loopback_route leaves rti_ifa unset and route.c rt_getifa_fib takes lo0's own
    // address (ifaof_ifpforaddr on V_loif).
    expect(routes(k).filter((r) => r.rt.rt_ifa === ia).length).toBe(1);
    expect(route(k, "192.0.2.1", null)?.ifa).toBe("127.0.0.1");
    // if_addrhead + in_ifaddrhead + prefix route + the unreleased ifa_alloc reference.
    expect(ia.ifa_refcnt).toBe(4);
  });
});
