import { describe, expect, test } from "vitest";
import { EADDRINUSE, ENETUNREACH } from "../../../src/abi/errno.ts";
import { IFF_UP, encodeIfreq, ifreqWithFlags } from "../../../src/abi/if.ts";
import { decodeRoutingMessages } from "../../../src/abi/rtmsg.ts";
import {
  RTF_GATEWAY,
  RTF_HOST,
  RTF_STATIC,
  RTF_UP,
  RTM_ADD,
  RTM_DELETE,
  RTAX_MAX,
} from "../../../src/abi/route_defs.ts";
import { AF_INET, isSockaddrDl, isSockaddrIn, sockaddrIn } from "../../../src/abi/socket.ts";
import { SIOCSIFFLAGS } from "../../../src/abi/sockio.ts";
import { InvariantError } from "../../../src/kernel/kern/invariant.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { ifa_free, ifa_ref } from "../../../src/kernel/net/if.ts";
import { in_ifaddr } from "../../../src/kernel/net/if_var.ts";
import {
  RTFREE,
  rt_addrinfo_zero,
  rtalloc1,
  rtinit,
  rt_tables_get_rnh,
  type rtentry,
} from "../../../src/kernel/net/route.ts";
import { ROOT, addAddr, delAddr, kernelWithNic, rtmsg } from "./helpers.ts";

function routes(k: Kernel): rtentry[] {
  return k.run(
    () =>
      rt_tables_get_rnh(0, AF_INET)
        ?.rnh.entries()
        .map((e) => e.value) ?? [],
  );
}

function route(k: Kernel, addr: number, host: boolean): rtentry | undefined {
  return routes(k).find(
    (r) => isSockaddrIn(r.rt_key) && r.rt_key.sin_addr === addr && (r.rt_mask === null) === host,
  );
}

function inAddr(k: Kernel, ifname: string, addr: number): in_ifaddr {
  const ifp = k.interfaces.find((i) => i.if_xname === ifname);
  const ia = ifp?.if_addrhead.find(
    (a): a is in_ifaddr => a instanceof in_ifaddr && a.ia_addr.sin_addr === addr,
  );
  if (ia === undefined) throw new Error(`${ifname} has no ${addr.toString(16)}`);
  return ia;
}

function twoNics(): Kernel {
  const k = kernelWithNic();
  expect(k.attachNic("vtnet", "vtnet1", "52:54:00:12:34:57")).toBe(0);
  return k;
}

test("rt_addrinfo_zero has one empty slot per RTAX_* (route.h: rti_info[RTAX_MAX])", () => {
  expect(rt_addrinfo_zero().rti_info).toEqual(new Array(RTAX_MAX).fill(null));
});

describe("interface routes (10.4 sys/net/route.c rtinit1)", () => {
  test("a delete whose route belongs to another ifa fails: ENETUNREACH ('not in any table')", () => {
    const k = twoNics();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    addAddr(k, "vtnet1", 0xc0000202, 0xffffff00);
    const other = inAddr(k, "vtnet1", 0xc0000202);
    expect(k.run(() => rtinit(other, RTM_DELETE, 0))).toBe(ENETUNREACH);
    expect(route(k, 0xc0000200, false)?.rt_ifa).toBe(inAddr(k, "vtnet0", 0xc0000201));
    expect(k.checkInvariants()).toEqual([]);
  });

  test("adding over an existing pinned prefix: the replacing delete is refused, EADDRINUSE", () => {
    // rtinit1's EEXIST path deletes without RTF_PINNED, which rtrequest1_fib refuses for a
    // pinned route (10.4 route.c).
    const k = twoNics();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    addAddr(k, "vtnet1", 0xc0000202, 0xffffff00);
    const other = inAddr(k, "vtnet1", 0xc0000202);
    expect(k.run(() => rtinit(other, RTM_ADD, RTF_UP))).toBe(EADDRINUSE);
    expect(k.checkInvariants()).toEqual([]);
  });

  test("rtalloc1 hands out a reference that RTFREE gives back", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const rt = k.run(() => rtalloc1(sockaddrIn(0xc0000209), 0, 0));
    expect(rt?.rt_refcnt).toBe(1);
    expect(k.checkInvariants().some((p) => p.includes("rt_refcnt 1"))).toBe(true);
    k.run(() => RTFREE(rt as rtentry));
    expect(k.checkInvariants()).toEqual([]);
  });
});

describe("loopback routes to interface addresses (10.4 if.c ifa_add_loopback_route)", () => {
  test("a static host route through lo0 whose gateway names the address's interface", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const rt = route(k, 0xc0000201, true);
    expect(rt).toBeDefined();
    const r = rt as rtentry;
    expect(r.rt_flags & (RTF_UP | RTF_HOST | RTF_STATIC)).toBe(RTF_UP | RTF_HOST | RTF_STATIC);
    expect(r.rt_ifp.if_xname).toBe("lo0");
    expect(isSockaddrDl(r.rt_gateway) && [r.rt_gateway.sdl_index, r.rt_gateway.sdl_type]).toEqual([2, 6]);
    // link_rtrequest swaps lo0's link address for its IPv4 one (10.4 if.c).
    expect(isSockaddrIn(r.rt_ifa.ifa_addr) && r.rt_ifa.ifa_addr.sin_addr).toBe(0x7f000001);
  });

  test("the same address elsewhere keeps the route; deleting the first switches its gateway", () => {
    // seed in.c in_scrubprefix: in_localip_more finds the other, then ifa_switch_loopback_route
    // (2014 head if.c) rewrites only the gateway's sdl_index/sdl_type.
    const k = twoNics();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    addAddr(k, "vtnet1", 0xc0000201, 0xffffff00);
    expect(delAddr(k, "vtnet0", 0xc0000201)).toBe(0);
    const r = route(k, 0xc0000201, true) as rtentry;
    expect(isSockaddrDl(r.rt_gateway) && r.rt_gateway.sdl_index).toBe(3);
    expect(k.checkInvariants()).toEqual([]);
  });

  test("deleting the only holder removes the loopback route", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    expect(delAddr(k, "vtnet0", 0xc0000201)).toBe(0);
    expect(route(k, 0xc0000201, true)).toBeUndefined();
    expect(route(k, 0xc0000200, false)).toBeUndefined();
    expect(k.checkInvariants()).toEqual([]);
  });
});

describe("in_ifadown and rip_ctlinput (10.4 netinet/in_rmx.c, netinet/raw_ip.c)", () => {
  const gwRoute = (k: Kernel, flags: number): number =>
    k.routeSocketOpen().write(
      ROOT,
      rtmsg(RTM_ADD, flags, {
        dst: sockaddrIn(0xc6336400),
        gateway: sockaddrIn(0xc00002fe),
        netmask: sockaddrIn(0xffffff00),
      }),
    );

  test("deleting an address takes its static routes too (in_ifadown(ifa, 1))", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    expect(gwRoute(k, RTF_UP | RTF_GATEWAY | RTF_STATIC)).toBe(0);
    delAddr(k, "vtnet0", 0xc0000201);
    expect(route(k, 0xc6336400, false)).toBeUndefined();
    expect(k.checkInvariants()).toEqual([]);
  });

  test("interface down: prefix and non-static routes go, static ones and the loopback route stay", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    expect(gwRoute(k, RTF_UP | RTF_GATEWAY | RTF_STATIC)).toBe(0);
    expect(k.ioctl(ROOT, SIOCSIFFLAGS, encodeIfreq(ifreqWithFlags("vtnet0", 0))).errno).toBe(0);
    expect(route(k, 0xc0000200, false)).toBeUndefined();
    expect(route(k, 0xc6336400, false)).toBeDefined();
    expect(route(k, 0xc0000201, true)).toBeDefined();
    expect(k.checkInvariants()).toEqual([]);
  });

  test("interface up again: the prefix route comes back (PRC_IFUP)", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    k.ioctl(ROOT, SIOCSIFFLAGS, encodeIfreq(ifreqWithFlags("vtnet0", 0)));
    const so = k.routeSocketOpen();
    expect(k.ioctl(ROOT, SIOCSIFFLAGS, encodeIfreq(ifreqWithFlags("vtnet0", IFF_UP))).errno).toBe(0);
    expect(route(k, 0xc0000200, false)?.rt_ifp.if_xname).toBe("vtnet0");
    expect(route(k, 0xc0000201, true)).toBeDefined();
    const msgs = decodeRoutingMessages(new Uint8Array(so.read().flatMap((b) => [...b])));
    if (!Array.isArray(msgs)) throw new Error("undecodable routing messages");
    // rtinit's RTM_ADD for the prefix, after the loopback route was deleted and before it is re-added.
    const adds = msgs.filter((m) => m.kind === "rt" && m.hdr.rtm_type === RTM_ADD);
    expect(adds.map((m) => m.kind === "rt" && m.addrs.dst)).toContainEqual(
      expect.objectContaining({ sin_addr: 0xc0000200 }),
    );
    expect(k.checkInvariants()).toEqual([]);
  });
});

describe("ifaddr reference counts (10.4 if.c ifa_ref/ifa_free)", () => {
  test("an extra reference shows up as a leak; giving it back clears it", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const ia = inAddr(k, "vtnet0", 0xc0000201);
    k.run(() => ifa_ref(ia));
    expect(k.checkInvariants().some((p) => p.includes("leak"))).toBe(true);
    k.run(() => ifa_free(ia));
    expect(k.checkInvariants()).toEqual([]);
  });

  test("freeing more references than exist is a twin bug: InvariantError", () => {
    const k = new Kernel();
    const lo = k.interfaces[0];
    const ifa = lo.if_addr;
    expect(ifa).not.toBeNull();
    const a = ifa as NonNullable<typeof ifa>;
    k.run(() => {
      while (a.ifa_refcnt > 0) ifa_free(a);
    });
    expect(() => k.run(() => ifa_free(a))).toThrow(InvariantError);
  });
});
