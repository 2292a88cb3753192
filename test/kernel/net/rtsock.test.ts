import { describe, expect, test } from "vitest";
import {
  EADDRINUSE,
  EAFNOSUPPORT,
  EEXIST,
  EINVAL,
  EISDIR,
  ENOBUFS,
  ENOTDIR,
  EPERM,
  EPROTONOSUPPORT,
  ESRCH,
} from "../../../src/abi/errno.ts";
import {
  decodeRoutingMessage,
  decodeRoutingMessages,
  encodeRoutingMessage,
  newRoutingMessage,
  type RoutingMessage,
} from "../../../src/abi/rtmsg.ts";
import {
  RTF_DONE,
  RTF_GATEWAY,
  RTF_HOST,
  RTF_LLDATA,
  RTF_LOCAL,
  RTF_PINNED,
  RTF_STATIC,
  RTF_UP,
  RTM_ADD,
  RTM_CHANGE,
  RTM_IFANNOUNCE,
  RTM_IFINFO,
  RTM_MISS,
  RTM_DELADDR,
  RTM_DELETE,
  RTM_GET,
  RTM_NEWADDR,
  RTM_NEWMADDR,
  RTV_MTU,
} from "../../../src/abi/route_defs.ts";
import { isDecodeError } from "../../../src/abi/decode.ts";
import {
  AF_INET,
  AF_INET6,
  SOCKADDR_DL_SIZE,
  sockaddrDl,
  sockaddrFamily,
  sockaddrIn,
} from "../../../src/abi/socket.ts";
import { IFF_UP, IFT_ETHER, LINK_STATE_UP } from "../../../src/abi/if.ts";
import { KernelPanic } from "../../../src/kernel/kern/invariant.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { ifa_ref } from "../../../src/kernel/net/if.ts";
import { rtalloc_ign_fib } from "../../../src/kernel/net/route.ts";
import { ROOT, addAddr, delAddr, i32, kernelWithNic, rtmsg, u16 } from "./helpers.ts";

const USER = Kernel.user(1001);
const types = (msgs: Uint8Array[]): number[] => msgs.map((m) => m[3]);
const decode = (b: Uint8Array): RoutingMessage => {
  const m = decodeRoutingMessage(b);
  if (isDecodeError(m)) throw new Error(m.message);
  return m;
};

describe("address announcements (10.4 sys/net/route.c rt_newaddrmsg_fib, rtsock.c rtsock_addrmsg)", () => {
  test("adding an address: RTM_NEWADDR, then the prefix route's RTM_ADD", () => {
    const k = kernelWithNic();
    const so = k.routeSocketOpen();
    expect(addAddr(k, "vtnet0", 0xc0000201, 0xffffff00)).toBe(0);
    const got = types(so.read()).filter((t) => t === RTM_NEWADDR || t === RTM_ADD);
    expect(got).toEqual([RTM_NEWADDR, RTM_ADD]);
  });

  test("deleting it: the route's RTM_DELETE, then RTM_DELADDR", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const so = k.routeSocketOpen();
    expect(delAddr(k, "vtnet0", 0xc0000201)).toBe(0);
    const got = types(so.read()).filter((t) => t === RTM_DELETE || t === RTM_DELADDR);
    expect(got).toEqual([RTM_DELETE, RTM_DELADDR]);
  });

  test("RTM_NEWADDR bytes: ifa_msghdr, then netmask, ifp (sockaddr_dl), ifa, brd, each SA_SIZE long", () => {
    const k = kernelWithNic();
    const so = k.routeSocketOpen();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const m = so.read().find((b) => b[3] === RTM_NEWADDR);
    expect(m).toBeDefined();
    const b = m as Uint8Array;
    // ifa_msghdr (10.4 net/if.h): msglen, version 5, type, addrs, flags, index, metric — 20 bytes.
    expect(u16(b, 0)).toBe(b.length);
    expect(b.length).toBe(20 + 8 + 56 + 16 + 16);
    expect(b[2]).toBe(5);
    // rtsock_addrmsg: IFA, IFP, NETMASK, BRD (ifa_dstaddr, which is ia_broadaddr).
    expect(i32(b, 4)).toBe(0x04 | 0x10 | 0x20 | 0x80);
    // ifa_flags at announcement time: IFA_ROUTE is set only after in_addprefix (seed in.c:458-466).
    expect(i32(b, 8)).toBe(0);
    expect(u16(b, 12)).toBe(2);
    expect(i32(b, 16)).toBe(0);
    // RTA_NETMASK: ia_sockmask after in_socktrim (seed in.c:181-191): sin_len 7, SA_SIZE 8.
    expect([...b.subarray(20, 28)]).toEqual([7, 2, 0, 0, 255, 255, 255, 0]);
    // RTA_IFP: the link address if_attach made: sdl_len roundup(max(8+16+6, 54), 8) = 56
    // (10.4 if.c if_attach_internal), AF_LINK, index 2, IFT_ETHER, nlen 6, alen 6, "vtnet0", MAC.
    const sdl = b.subarray(28, 84);
    expect([...sdl.subarray(0, 8)]).toEqual([56, 18, 2, 0, 6, 6, 6, 0]);
    expect(String.fromCharCode(...sdl.subarray(8, 14))).toBe("vtnet0");
    expect([...sdl.subarray(14, 20)]).toEqual([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
    // RTA_IFA and RTA_BRD: 192.0.2.1 and the computed broadcast 192.0.2.255 (seed in.c:383-396).
    expect([...b.subarray(84, 92)]).toEqual([16, 2, 0, 0, 192, 0, 2, 1]);
    expect([...b.subarray(100, 108)]).toEqual([16, 2, 0, 0, 192, 0, 2, 255]);
  });

  test("the prefix route's RTM_ADD: rt_msghdr with dst, gateway, radix netmask; flags UP|PINNED", () => {
    const k = kernelWithNic();
    const so = k.routeSocketOpen();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const b = so.read().find((x) => x[3] === RTM_ADD) as Uint8Array;
    // rtsock_routemsg: NETMASK, DST, GATEWAY; rt_msghdr is 152 bytes (10.4 net/route.h).
    expect(b.length).toBe(152 + 16 + 56 + 8);
    expect(i32(b, 12)).toBe(0x1 | 0x2 | 0x4);
    // rtinit1 adds RTF_PINNED to interface routes (10.4 route.c rtinit1 info.rti_flags).
    expect(i32(b, 8)).toBe(RTF_UP | RTF_PINNED);
    expect(u16(b, 4)).toBe(2);
    expect([...b.subarray(152, 160)]).toEqual([16, 2, 0, 0, 192, 0, 2, 0]);
    // Gateway: null_sdl {sizeof(struct sockaddr_dl) = 54, AF_LINK} with the interface's type and
    // index patched in (10.4 route.c rtinit1, "doing this for compatibility reasons").
    expect([...b.subarray(168, 176)]).toEqual([54, 18, 2, 0, 6, 0, 0, 0]);
    // Netmask as the radix tree keeps it (10.4 radix.c rn_addmask_r): len 7, then 0xff padding.
    expect([...b.subarray(224, 232)]).toEqual([7, 255, 255, 255, 255, 255, 255, 0]);
  });

  test("the all-hosts join is announced with RTM_NEWMADDR naming 224.0.0.1 and its MAC group", () => {
    const k = kernelWithNic();
    const so = k.routeSocketOpen();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const m = so.read().find((x) => x[3] === RTM_NEWMADDR);
    expect(m).toBeDefined();
    const d = decode(m as Uint8Array);
    expect(d.kind).toBe("ifma");
    if (d.kind !== "ifma") return;
    expect(d.addrs.ifa).toMatchObject({ sin_addr: 0xe0000001 });
  });
});

describe("route_output (10.4 sys/net/rtsock.c)", () => {
  test("shorter than a long: ENOBUFS (m_pullup), nothing broadcast", () => {
    const k = new Kernel();
    const so = k.routeSocketOpen();
    expect(so.write(ROOT, new Uint8Array(4))).toBe(ENOBUFS);
    expect(so.read()).toEqual([]);
  });

  test("shorter than rt_msghdr or msglen mismatch: EINVAL, the raw message broadcast as written", () => {
    const k = new Kernel();
    const so = k.routeSocketOpen();
    const junk = new Uint8Array(100);
    junk[0] = 100;
    expect(so.write(ROOT, junk)).toBe(EINVAL);
    expect(so.read()).toEqual([junk]);
  });

  test("wrong rtm_version: EPROTONOSUPPORT, echoed with rtm_errno, before rtm_pid is filled in", () => {
    const k = new Kernel();
    const so = k.routeSocketOpen();
    const msg = rtmsg(RTM_GET, 0, { dst: sockaddrIn(0x7f000001) });
    msg[2] = 4;
    expect(so.write(ROOT, msg)).toBe(EPROTONOSUPPORT);
    const [echo] = so.read();
    expect(i32(echo, 24)).toBe(EPROTONOSUPPORT);
    // route_output checks rtm_version before it sets rtm_pid = curproc->p_pid.
    expect(i32(echo, 16)).toBe(0);
    const ok = rtmsg(RTM_GET, 0, { dst: sockaddrIn(0x7f000001) });
    so.write(ROOT, ok);
    expect(i32(so.read()[0], 16)).toBeGreaterThan(0);
  });

  test("only RTM_GET is open to non-root: PRIV_NET_ROUTE", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const so = k.routeSocketOpen();
    const add = rtmsg(RTM_ADD, RTF_UP | RTF_GATEWAY | RTF_STATIC, {
      dst: sockaddrIn(0xc6336400),
      gateway: sockaddrIn(0xc00002fe),
      netmask: sockaddrIn(0xffffff00),
    });
    expect(so.write(USER, add)).toBe(EPERM);
    expect(i32(so.read()[0], 24)).toBe(EPERM);
    expect(so.write(USER, rtmsg(RTM_GET, 0, { dst: sockaddrIn(0xc0000205) }))).toBe(0);
  });

  test("rtm_inits is a u_long: RTV_MTU is seen under high bits, and rmx_mtu comes back (rt_setmetrics)", () => {
    // 10.4 rtsock.c rt_setmetrics: "if (rtm->rtm_inits & RTV_MTU) rt->rt_mtu = rmx_mtu". As a
    // double, 2^60 | RTV_MTU would round to 2^60 and lose the bit.
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const so = k.routeSocketOpen();
    const m = newRoutingMessage(RTM_ADD, {
      dst: sockaddrIn(0xc6336400),
      gateway: sockaddrIn(0xc00002fe),
      netmask: sockaddrIn(0xffffff00),
    });
    if (m.kind !== "rt") throw new Error("kind");
    m.hdr.rtm_flags = RTF_UP | RTF_GATEWAY | RTF_STATIC;
    m.hdr.rtm_inits = (1n << 60n) | BigInt(RTV_MTU);
    m.hdr.rtm_rmx.rmx_mtu = 1280n;
    expect(so.write(ROOT, encodeRoutingMessage(m))).toBe(0);
    so.read();
    expect(so.write(ROOT, rtmsg(RTM_GET, 0, { dst: sockaddrIn(0xc6336407) }))).toBe(0);
    const got = decode(so.read()[0]);
    if (got.kind !== "rt") throw new Error("kind");
    expect(got.hdr.rtm_rmx.rmx_mtu).toBe(1280n);
  });

  test("RTM_ADD, a duplicate (EEXIST), RTM_GET of an address under it, RTM_DELETE, then ESRCH", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const so = k.routeSocketOpen();
    const addrs = {
      dst: sockaddrIn(0xc6336400),
      gateway: sockaddrIn(0xc00002fe),
      netmask: sockaddrIn(0xffffff00),
    };
    expect(so.write(ROOT, rtmsg(RTM_ADD, RTF_UP | RTF_GATEWAY | RTF_STATIC, addrs))).toBe(0);
    const [echo] = so.read();
    // Success: RTF_DONE added, rtm_index from the new route's interface.
    expect(i32(echo, 8) & RTF_DONE).toBe(RTF_DONE);
    expect(u16(echo, 4)).toBe(2);
    expect(so.write(ROOT, rtmsg(RTM_ADD, RTF_UP | RTF_GATEWAY | RTF_STATIC, addrs))).toBe(EEXIST);
    expect(i32(so.read()[0], 24)).toBe(EEXIST);

    expect(so.write(ROOT, rtmsg(RTM_GET, 0, { dst: sockaddrIn(0xc6336407) }))).toBe(0);
    const got = decode(so.read()[0]);
    expect(got.kind).toBe("rt");
    if (got.kind === "rt") {
      expect(got.addrs.dst).toMatchObject({ sin_addr: 0xc6336400 });
      expect(got.addrs.gateway).toMatchObject({ sin_addr: 0xc00002fe });
      expect(got.hdr.rtm_flags).toBe(RTF_UP | RTF_GATEWAY | RTF_STATIC | RTF_DONE);
      expect(got.hdr.rtm_index).toBe(2);
      // rt_msg2 rounds to sizeof(long); the reply keeps the request's seq.
      expect(got.hdr.rtm_msglen % 8).toBe(0);
      expect(got.hdr.rtm_seq).toBe(1);
    }
    expect(
      so.write(ROOT, rtmsg(RTM_DELETE, 0, { dst: sockaddrIn(0xc6336400), netmask: sockaddrIn(0xffffff00) })),
    ).toBe(0);
    so.read();
    expect(
      so.write(ROOT, rtmsg(RTM_DELETE, 0, { dst: sockaddrIn(0xc6336400), netmask: sockaddrIn(0xffffff00) })),
    ).toBe(ESRCH);
    expect(k.checkInvariants()).toEqual([]);
  });

  test("an interface route cannot be deleted without RTF_PINNED: EADDRINUSE (10.4 rtrequest1_fib)", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const so = k.routeSocketOpen();
    expect(
      so.write(ROOT, rtmsg(RTM_DELETE, 0, { dst: sockaddrIn(0xc0000200), netmask: sockaddrIn(0xffffff00) })),
    ).toBe(EADDRINUSE);
  });

  test("RTM_GET of a missing route: ESRCH", () => {
    const k = new Kernel();
    const so = k.routeSocketOpen();
    expect(so.write(ROOT, rtmsg(RTM_GET, 0, { dst: sockaddrIn(0x0a000001) }))).toBe(ESRCH);
  });

  test("a gateway that is one of our addresses turns the route into an interface route (RTF_GWFLAG_COMPAT)", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const so = k.routeSocketOpen();
    const addrs = {
      dst: sockaddrIn(0xc6336400),
      gateway: sockaddrIn(0xc0000201),
      netmask: sockaddrIn(0xffffff00),
    };
    expect(so.write(ROOT, rtmsg(RTM_ADD, RTF_UP | RTF_GATEWAY | RTF_STATIC, addrs))).toBe(0);
    so.read();
    expect(so.write(ROOT, rtmsg(RTM_GET, 0, { dst: sockaddrIn(0xc6336401) }))).toBe(0);
    const got = decode(so.read()[0]);
    // Reported with RTF_GATEWAY back in place of RTF_GWFLAG_COMPAT (route_output "report:").
    if (got.kind === "rt") expect(got.hdr.rtm_flags & (RTF_GATEWAY | 0x80000000)).toBe(RTF_GATEWAY);
  });

  test("a socket opened for one family hears only that family (raw_input sp_protocol)", () => {
    const k = kernelWithNic();
    const inet = k.routeSocketOpen(2);
    const all = k.routeSocketOpen(0);
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const heardAll = types(all.read());
    const heardInet = types(inet.read());
    // RTM_IFINFO (family AF_UNSPEC) reaches only protocol-0 sockets.
    expect(heardAll.length).toBeGreaterThan(heardInet.length);
    expect(heardInet).toContain(RTM_NEWADDR);
  });
});

describe("net.routetable sysctl (10.4 sys/net/rtsock.c sysctl_rtsock)", () => {
  test("the boot table is lo0's host route, as sysctl_dumpentry writes it", () => {
    const k = new Kernel();
    const r = k.sysctl(ROOT, [4, 17, 0, 2, 1, 0]);
    expect(r.errno).toBe(0);
    const msgs = decodeRoutingMessages(r.out);
    expect(Array.isArray(msgs)).toBe(true);
    if (!Array.isArray(msgs)) return;
    expect(msgs).toHaveLength(1);
    const m = msgs[0];
    expect(m.kind).toBe("rt");
    if (m.kind !== "rt") return;
    expect(m.hdr.rtm_type).toBe(RTM_GET);
    // rtinit RTF_HOST for loopback (seed in.c:450-456), RTF_PINNED (route.c rtinit1), RTF_LOCAL
    // because the key is rt_ifa's own address (in_rmx.c in_addroute).
    expect(m.hdr.rtm_flags).toBe(RTF_UP | RTF_HOST | RTF_PINNED | RTF_LOCAL);
    expect(m.addrs.dst).toMatchObject({ sin_addr: 0x7f000001 });
    expect(m.addrs.netmask).toBeUndefined();
    // rt_mtu from in_addroute / lortrequest: lo0's LOMTU 16384 (10.4 if_loop.c).
    expect(m.hdr.rtm_rmx.rmx_mtu).toBe(16384n);
  });

  test("writes are EPERM; a name of the wrong length EISDIR/ENOTDIR", () => {
    const k = new Kernel();
    expect(k.sysctl(ROOT, [4, 17, 0, 2, 1, 0], new Uint8Array(4)).errno).toBe(EPERM);
    expect(k.sysctl(ROOT, [4, 17, 0, 2, 3]).errno).toBe(EISDIR);
    expect(k.sysctl(ROOT, [4, 17, 0, 2, 3, 0, 0]).errno).toBe(ENOTDIR);
    // Nothing after the node: namelen - 1 wraps as a u_int, so "too long".
    expect(k.sysctl(ROOT, [4, 17]).errno).toBe(ENOTDIR);
  });

  test("NET_RT_IFLIST: per interface RTM_IFINFO then RTM_NEWADDR per address", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const r = k.sysctl(ROOT, [4, 17, 0, 2, 3, 0]);
    const msgs = decodeRoutingMessages(r.out);
    if (!Array.isArray(msgs)) throw new Error("decode failed");
    expect(msgs.map((m) => m.kind)).toEqual(["if", "ifa", "if", "ifa"]);
    // Jailed readers see only their addresses (prison_if): none of these.
    const jailed = Kernel.jailed("j", [0x0a000001]);
    const rj = decodeRoutingMessages(k.sysctl(jailed, [4, 17, 0, 2, 3, 0]).out);
    if (Array.isArray(rj)) expect(rj.map((m) => m.kind)).toEqual(["if", "if"]);
  });

  test("NET_RT_IFMALIST lists memberships: 224.0.0.1 and its link-layer group on vtnet0", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const msgs = decodeRoutingMessages(k.sysctl(ROOT, [4, 17, 0, 0, 4, 2]).out);
    if (!Array.isArray(msgs)) throw new Error("decode failed");
    // if_addmulti inserts the link-layer group, then the IPv4 group, each at the head.
    expect(msgs).toHaveLength(2);
    expect(msgs[0].kind === "ifma" && msgs[0].addrs.ifa).toMatchObject({ sin_addr: 0xe0000001 });
  });
});

describe("more routing messages", () => {
  test("RTM_CHANGE gives a route a new gateway (route_output case RTM_CHANGE, rt_setgate)", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const so = k.routeSocketOpen();
    const addrs = {
      dst: sockaddrIn(0xc6336400),
      gateway: sockaddrIn(0xc00002fe),
      netmask: sockaddrIn(0xffffff00),
    };
    expect(so.write(ROOT, rtmsg(RTM_ADD, RTF_UP | RTF_GATEWAY | RTF_STATIC, addrs))).toBe(0);
    const change = { ...addrs, gateway: sockaddrIn(0xc00002fd) };
    expect(so.write(ROOT, rtmsg(RTM_CHANGE, RTF_UP | RTF_GATEWAY | RTF_STATIC, change))).toBe(0);
    so.read();
    expect(so.write(ROOT, rtmsg(RTM_GET, 0, { dst: sockaddrIn(0xc6336401) }))).toBe(0);
    const got = decode(so.read()[0]);
    if (got.kind !== "rt") throw new Error("not an rt_msghdr");
    expect(got.addrs.gateway).toMatchObject({ sin_addr: 0xc00002fd });
    expect(k.checkInvariants()).toEqual([]);
  });

  test("RTM_CHANGE onto another interface: the old Ethernet ifa's reference stays, as 10.4 leaks it", () => {
    // 10.4 rtsock.c route_output RTM_CHANGE: ifa_free(rt->rt_ifa) only when rt_ifa has an
    // ifa_rtrequest, which if_ether.c arp_ifinit sets to NULL; ifa_ref(info.rti_ifa) always.
    const k = kernelWithNic();
    expect(k.attachNic("vtnet", "vtnet1", "02:00:00:00:00:11")).toBe(0);
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    addAddr(k, "vtnet1", 0xc6336401, 0xffffff00);
    const so = k.routeSocketOpen();
    const addrs = {
      dst: sockaddrIn(0xc0000200),
      gateway: sockaddrIn(0xc00002fe),
      netmask: sockaddrIn(0xffffff80),
    };
    expect(so.write(ROOT, rtmsg(RTM_ADD, RTF_UP | RTF_GATEWAY | RTF_STATIC, addrs))).toBe(0);
    const old = k.interfaces
      .find((ifp) => ifp.if_xname === "vtnet0")
      ?.if_addrhead.find((ifa) => sockaddrFamily(ifa.ifa_addr) === AF_INET);
    if (old === undefined) throw new Error("no vtnet0 IPv4 address");
    const before = old.ifa_refcnt;
    const change = { ...addrs, gateway: sockaddrIn(0xc63364fe) };
    expect(so.write(ROOT, rtmsg(RTM_CHANGE, RTF_UP | RTF_GATEWAY | RTF_STATIC, change))).toBe(0);
    // The route left vtnet0's address, but its reference did not.
    expect(old.ifa_refcnt).toBe(before);
    expect(k.checkInvariants()).toEqual([]);
    // A reference no FreeBSD leak explains is still a twin leak.
    k.run(() => ifa_ref(old));
    expect(k.checkInvariants()).toEqual([
      expect.stringContaining("vtnet0 AF 2 address 192.0.2.1: ifa_refcnt"),
    ]);
  });

  test("arp -s for a family without an lltable panics 10.4: KernelPanic, not a twin InvariantError", () => {
    // 10.4 if_llatbl.c lla_rt_output: KASSERT(llt != NULL, "Yep, ugly hacks are bad"), then
    // lla_lookup(llt, ...) through the NULL table. Family 1 (AF_LOCAL) has no lltable anywhere.
    const k = kernelWithNic();
    const so = k.routeSocketOpen();
    const gateway = sockaddrDl({ index: 2, type: IFT_ETHER, len: SOCKADDR_DL_SIZE });
    const local = { sa_len: 16, sa_family: 1, sa_data: new Uint8Array(14) };
    const msg = rtmsg(RTM_ADD, RTF_HOST | RTF_STATIC | RTF_LLDATA, { dst: local, gateway });
    expect(() => so.write(ROOT, msg)).toThrow(KernelPanic);
    // AF_INET6: 10.4 finds the interface's inet6 table, which the twin does not keep.
    const inet6 = { sa_len: 28, sa_family: AF_INET6, sa_data: new Uint8Array(26) };
    const msg6 = rtmsg(RTM_ADD, RTF_HOST | RTF_STATIC | RTF_LLDATA, { dst: inet6, gateway });
    expect(so.write(ROOT, msg6)).toBe(EAFNOSUPPORT);
    // A short AF_INET destination still finds vtnet0's AF_INET table.
    const short = { sa_len: 4, sa_family: AF_INET, sa_data: new Uint8Array(2) };
    expect(() =>
      so.write(ROOT, rtmsg(RTM_ADD, RTF_HOST | RTF_STATIC | RTF_LLDATA, { dst: short, gateway })),
    ).not.toThrow();
  });

  test("epair creation: both arrivals, then both link-up RTM_IFINFOs (10.4 if_epair.c:878-881, if.c:2147)", () => {
    // epair_clone_create attaches both halves (if_attach announces each), then marks both
    // links up; each link task runs as it is queued.
    const k = new Kernel();
    const so = k.routeSocketOpen();
    expect(k.attachNic("epair", "epair0a", "02:00:00:00:00:0a")).toBe(0);
    const seen = so.read().map((m) => m[3]);
    expect(seen.slice(0, 2)).toEqual([RTM_IFANNOUNCE, RTM_IFANNOUNCE]);
    expect(seen.slice(2)).toEqual([RTM_IFINFO, RTM_IFINFO]);
  });

  test("the first SIOCAIFADDR on a down vtnet: the link-up RTM_IFINFO comes first (swi preempts)", () => {
    // seed in.c:432-433 calls the driver's SIOCSIFADDR before in_addprefix (in.c:446);
    // 10.4 if_ethersubr.c:1071-1076 ether_ioctl sets IFF_UP and calls if_init, vtnet_init_locked
    // (if_vtnet.c:3083) finds the link up and if_link_state_change (if.c:2147) wakes the swi
    // thread, which preempts the ioctl (sched_ule.c:2343): its RTM_IFINFO is queued before
    // in_addprefix's RTM_NEWADDR and RTM_ADD, then in_joingroup's RTM_NEWMADDR (in.c:478).
    const k = kernelWithNic();
    const so = k.routeSocketOpen();
    expect(addAddr(k, "vtnet0", 0xc0000201, 0xffffff00)).toBe(0);
    const msgs = so.read();
    expect(msgs.map((m) => m[3])).toEqual([RTM_IFINFO, RTM_NEWADDR, RTM_ADD, RTM_NEWMADDR]);
    const info = decodeRoutingMessage(msgs[0]);
    if (isDecodeError(info) || info.kind !== "if") throw new Error("not an if_msghdr");
    expect(info.hdr.ifm_flags & IFF_UP).toBe(IFF_UP);
    expect(info.hdr.ifm_data.ifi_link_state).toBe(LINK_STATE_UP);
  });

  test("a failed lookup that asks for a report sends RTM_MISS (route.c rtalloc1_fib)", () => {
    const k = new Kernel();
    const so = k.routeSocketOpen();
    const ro = { ro_rt: null, ro_dst: sockaddrIn(0x0a000001), ro_flags: 0 };
    k.run(() => rtalloc_ign_fib(ro, 0, 0));
    expect(ro.ro_rt).toBeNull();
    const [m] = so.read();
    expect(m[3]).toBe(RTM_MISS);
    expect(i32(m, 8)).toBe(RTF_DONE);
  });
});

describe("NET_RT_IFLISTL (10.4 rtsock.c sysctl_iflist_ifml/ifaml, net/if.h if_msghdrl/ifa_msghdrl)", () => {
  test("if_msghdrl: ifm_len 184 (with the kernel's ifi_oqdrops), if_data at 24, ifi_datalen + 8", () => {
    const k = new Kernel();
    const out = k.sysctl(ROOT, [4, 17, 0, 0, 5, 0]).out;
    const ifinfo = out.subarray(0, u16(out, 0));
    expect(ifinfo[3]).toBe(RTM_IFINFO);
    // lo0's sockaddr_dl (56 bytes) follows the 184-byte header.
    expect(ifinfo.length).toBe(184 + 56);
    expect(u16(ifinfo, 16)).toBe(184);
    expect(u16(ifinfo, 18)).toBe(24);
    expect(ifinfo[24 + 7]).toBe(152 + 8);
    const addr = out.subarray(ifinfo.length, ifinfo.length + u16(out, ifinfo.length));
    expect(addr[3]).toBe(RTM_NEWADDR);
    expect(u16(addr, 16)).toBe(176);
    expect(u16(addr, 18)).toBe(24);
    // ifam_data's ifi_datalen from ifa_init (10.4 if.c).
    expect(addr[24 + 7]).toBe(152);
  });
});

describe("NET_RT_FLAGS (10.4 rtsock.c sysctl_rtsock)", () => {
  test("RTF_LLINFO (or 0) hands the dump to the ARP tables, which need a family: EINVAL for af 0", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    expect(k.sysctl(ROOT, [4, 17, 0, 0, 2, 0x400]).errno).toBe(EINVAL);
    expect(k.sysctl(ROOT, [4, 17, 0, 2, 2, 0x400]).errno).toBe(0);
  });

  test("other flags select routes carrying them: RTF_STATIC finds the loopback route only", () => {
    const k = kernelWithNic();
    addAddr(k, "vtnet0", 0xc0000201, 0xffffff00);
    const msgs = decodeRoutingMessages(k.sysctl(ROOT, [4, 17, 0, 2, 2, RTF_STATIC]).out);
    if (!Array.isArray(msgs)) throw new Error("undecodable dump");
    expect(msgs.map((m) => m.kind === "rt" && m.addrs.dst)).toEqual([
      expect.objectContaining({ sin_addr: 0xc0000201 }),
    ]);
  });
});
