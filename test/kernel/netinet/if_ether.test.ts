// ARP (10.4 sys/netinet/if_ether.c) driven through a whole twin Kernel: frames in and out of a
// vtnet NIC, the lltable dump arp(8) reads, log(9) lines and the arpstat counters. Expected
// values come from the C code named next to each assertion, from arp(4)/arp(8) and from
// FreeBSD's tests/sys/netinet/arp.sh; none is taken from the twin's own output.

import { afterEach, describe, expect, test } from "vitest";
import { EHOSTDOWN, EHOSTUNREACH, EWOULDBLOCK } from "../../../src/abi/errno.ts";
import { sockaddrIn } from "../../../src/abi/socket.ts";
import { SIOCIFDESTROY } from "../../../src/abi/sockio.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { ifunit } from "../../../src/kernel/net/if.ts";
import { m_gethdr } from "../../../src/kernel/kern/mbuf.ts";
import { KernelPanic } from "../../../src/kernel/kern/invariant.ts";
import type { ifnet } from "../../../src/kernel/net/if_var.ts";
import { arpresolve } from "../../../src/kernel/netinet/if_ether.ts";
import {
  arpDelete,
  arpDump,
  arpEntry,
  arpFrame,
  arpSet,
  expectBalanced,
  getSysctl,
  hex,
  host,
  ifconfig,
  ifconfigDelete,
  inject,
  IP_B,
  IP_C,
  IP_US,
  logs,
  MAC_B,
  MAC_C,
  MAC_US,
  sent,
  setSysctl,
  stats,
} from "./if_ether.fixture.ts";

// rt_msghdr flags the seed's in_lltable_dump sets (seed in.c:1218-1246): RTF_UP always, RTF_HOST |
// RTF_LLDATA always, RTF_STATIC for LLE_STATIC, RTF_ANNOUNCE for LLE_PUB (route.h values).
const RTF_UP = 0x1;
const RTF_HOST = 0x4;
const RTF_LLDATA = 0x400;
const RTF_STATIC = 0x800;
const RTF_ANNOUNCE = 0x4000;
const DYNAMIC = RTF_UP | RTF_HOST | RTF_LLDATA;
const PERMANENT = DYNAMIC | RTF_STATIC;

// sys/syslog.h priorities, as the log lines carry them.
const LOG_ERR = 3;
const LOG_NOTICE = 5;
const LOG_INFO = 6;

const BCAST = "ffffffffffff";
const US = hex(MAC_US);
const B = hex(MAC_B);
const C = hex(MAC_C);
const ip4 = (a: number): string => a.toString(16).padStart(8, "0");

/**
 * The 42 bytes of an Ethernet ARP frame as 10.4 emits it: ether_output (if_ethersubr.c, AF_ARP
 * case) sets ar_hrd = ARPHRD_ETHER (1), EtherType 0x0806 and takes the destination from
 * if_broadcastaddr for M_BCAST, else from ar_tha; arprequest/in_arpinput fill ar_pro 0x0800,
 * ar_hln 6, ar_pln 4, ar_op and the four addresses (if_arp.h order sha, spa, tha, tpa).
 */
function arpBytes(dst: string, op: number, sha: string, spa: number, tha: string, tpa: number): string {
  return `${dst}${US}0806` + `000108000604000${op}` + `${sha}${ip4(spa)}${tha}${ip4(tpa)}`;
}

let current: Kernel | null = null;
function boot(opts: Parameters<typeof host>[0] = {}): ReturnType<typeof host> {
  const h = host(opts);
  current = h.k;
  return h;
}

afterEach(() => {
  // Every test ends with entry reference counts balanced (if_llatbl.h LLE_ADDREF/LLE_REMREF).
  if (current !== null) expectBalanced(current);
  current = null;
});

/** arpresolve for an IP packet to `dst` (what ether_output does for AF_INET). */
function resolve(k: Kernel, ifp: ifnet, dst: number, opts: { gateway?: boolean; m?: boolean } = {}) {
  const desten = new Uint8Array(6);
  const m = opts.m === false ? null : m_gethdr(new Uint8Array(20));
  const rt0 = opts.gateway ? { rt_flags: 0x2 } : null;
  const r = k.run(() => arpresolve(ifp, rt0 as never, m, sockaddrIn(dst), desten));
  return { error: r.error, desten: hex(desten), m };
}

describe("arp_ifinit: adding an address", () => {
  test("sends one gratuitous ARP (spa = tpa = the address, tha zero) by broadcast", () => {
    const { k } = boot({ addr: null });
    sent(k);
    ifconfig(k, "vtnet0", IP_US);
    // if_ether.c arp_ifinit: arprequest(ifp, &addr, &addr, IF_LLADDR(ifp)); arprequest bzero's
    // the header so ar_tha stays zero, and sets M_BCAST.
    const frames = sent(k, "vtnet0");
    expect(frames.length).toBe(1);
    expect(frames[0].slice(0, 84)).toBe(arpBytes(BCAST, 1, US, IP_US, "000000000000", IP_US));
    // arprequest: ARPSTAT_INC(txrequests)
    expect(stats(k).txrequests).toBe(1);
  });

  test("installs our address as a permanent entry with our MAC", () => {
    const { k, ifp } = boot();
    // arp_ifinit: lla_lookup(LLE_CREATE | LLE_IFADDR | LLE_STATIC); the seed's
    // in_lltable_lookup (seed in.c:1144-1148) copies IF_LLADDR and adds LLE_VALID | LLE_STATIC.
    // in_lltable_dump (seed in.c:1196-1252): one 224-byte RTM_GET per entry (sizeof the arpc
    // struct on amd64), RTM_VERSION 5, rtm_addrs RTA_DST|RTA_GATEWAY, rmx_expire 0 if static.
    expect(arpDump(k)).toEqual([
      {
        msglen: 224,
        version: 5,
        type: 4,
        index: ifp.if_index,
        flags: PERMANENT,
        addrs: 3,
        expire: 0,
        addr: "198.51.100.1",
        sinLen: 16,
        sdlLen: 54,
        sdlIndex: ifp.if_index,
        sdlType: 6,
        lladdr: "02:00:00:00:00:01",
      },
    ]);
  });

  test("an entry already learnt for the address is kept as it is", () => {
    const { k } = boot();
    inject(k, "vtnet0", arpFrame({ op: 2, sha: MAC_B, spa: IP_B, tha: MAC_US, tpa: IP_US, dst: MAC_US }));
    const learnt = arpEntry(k, "198.51.100.2");
    expect(ifconfig(k, "vtnet0", IP_B, 0xffffffff)).toBe(0);
    // arp_ifinit's lookup (LLE_CREATE | LLE_IFADDR | LLE_STATIC) finds the dynamic entry, and
    // the seed's in_lltable_lookup only sets LLE_IFADDR/LLE_STATIC on entries it creates.
    expect(arpEntry(k, "198.51.100.2")).toEqual(learnt);
    expect(learnt).toMatchObject({ flags: DYNAMIC, lladdr: "02:00:00:00:00:0b" });
  });

  test("deleting the address removes its entry (in_scrubprefix -> arp_ifscrub)", () => {
    const { k } = boot();
    // seed in.c:753-756: arp_ifscrub unless IFF_NOARP; arp_ifscrub looks the address up with
    // LLE_DELETE | LLE_IFADDR, so the LLE_IFADDR entry is marked LLE_DELETED, which the dump
    // skips (seed in.c:1202-1204).
    expect(ifconfigDelete(k, "vtnet0", IP_US)).toBe(0);
    expect(arpEntry(k, "198.51.100.1")).toBeUndefined();
  });
});

describe("arpresolve", () => {
  test("a miss holds the packet, creates an incomplete entry and broadcasts a request", () => {
    const { k, ifp } = boot();
    sent(k);
    const t0 = k.clock.time_uptime;
    const r = resolve(k, ifp, IP_B);
    // if_ether.c arpresolve: la_asked (0) < arp_maxtries -> EWOULDBLOCK.
    expect(r.error).toBe(EWOULDBLOCK);
    // arprequest with sip NULL takes the interface address on tip's subnet.
    const frames = sent(k, "vtnet0");
    expect(frames.map((f) => f.slice(0, 84))).toEqual([arpBytes(BCAST, 1, US, IP_US, "000000000000", IP_B)]);
    // Incomplete: no LLE_VALID, so sdl_alen 0; la_expire = time_uptime (renew branch).
    expect(arpEntry(k, "198.51.100.2")).toMatchObject({ flags: DYNAMIC, expire: t0, lladdr: "" });
  });

  test("at most one request per second; the hold queue keeps maxhold (1) packets", () => {
    const { k, ifp } = boot();
    resolve(k, ifp, IP_B);
    sent(k);
    // Same second: renew = (la_asked == 0 || la_expire != time_uptime) is false.
    expect(resolve(k, ifp, IP_B).error).toBe(EWOULDBLOCK);
    expect(sent(k)).toEqual([]);
    // The second packet pushed the first out: ARPSTAT_INC(dropped).
    expect(stats(k).dropped).toBe(1);
    k.advance(1);
    expect(resolve(k, ifp, IP_B).error).toBe(EWOULDBLOCK);
    expect(sent(k).length).toBe(1);
    expect(stats(k).dropped).toBe(2);
  });

  test("after maxtries requests: EHOSTDOWN, or EHOSTUNREACH via a gateway, still asking", () => {
    const { k, ifp } = boot();
    sent(k);
    for (let i = 0; i < 5; i++) {
      expect(resolve(k, ifp, IP_B).error).toBe(EWOULDBLOCK);
      k.advance(1);
    }
    expect(sent(k).length).toBe(5);
    // la_asked == arp_maxtries (5): "rt0 != NULL && (rt0->rt_flags & RTF_GATEWAY) ?
    // EHOSTUNREACH : EHOSTDOWN", and renew still sends a request.
    expect(resolve(k, ifp, IP_B).error).toBe(EHOSTDOWN);
    expect(sent(k).length).toBe(1);
    k.advance(1);
    expect(resolve(k, ifp, IP_B, { gateway: true }).error).toBe(EHOSTUNREACH);
  });

  test("an unanswered entry times out arpt_down (wait, 20 s) after the last request", () => {
    const { k, ifp } = boot();
    resolve(k, ifp, IP_B);
    k.advance(19);
    expect(arpEntry(k, "198.51.100.2")).toBeDefined();
    k.advance(1);
    // arptimer: llentry_free drops the held packet (ARPSTAT_ADD(dropped)), then
    // ARPSTAT_INC(timeouts).
    expect(arpEntry(k, "198.51.100.2")).toBeUndefined();
    expect(stats(k)).toMatchObject({ dropped: 1, timeouts: 1 });
  });

  test("the reply resolves the entry, sends the held packet and sets max_age", () => {
    const { k, ifp } = boot();
    resolve(k, ifp, IP_B);
    sent(k);
    inject(k, "vtnet0", arpFrame({ op: 2, sha: MAC_B, spa: IP_B, tha: MAC_US, tpa: IP_US, dst: MAC_US }));
    // in_arpinput: the held packets go to if_output with the entry's address, now resolved.
    const frames = sent(k, "vtnet0");
    expect(frames.length).toBe(1);
    expect(frames[0].slice(0, 28)).toBe(`${B}${US}0800`);
    expect(frames[0].slice(28)).toBe("00".repeat(20));
    // la_expire = time_uptime + arpt_keep (20 * 60).
    expect(arpEntry(k, "198.51.100.2")).toMatchObject({
      flags: DYNAMIC,
      lladdr: "02:00:00:00:00:0b",
      expire: k.clock.time_uptime + 1200,
    });
    // arpintr: received; in_arpinput: rxreplies.
    expect(stats(k)).toMatchObject({ received: 1, rxreplies: 1, rxrequests: 0 });
    expect(resolve(k, ifp, IP_B)).toMatchObject({ error: 0, desten: B });
  });

  test("a resolved entry expires after max_age", () => {
    const { k, ifp } = boot();
    resolve(k, ifp, IP_B);
    inject(k, "vtnet0", arpFrame({ op: 2, sha: MAC_B, spa: IP_B, tha: MAC_US, tpa: IP_US, dst: MAC_US }));
    k.advance(1199);
    expect(arpEntry(k, "198.51.100.2")).toBeDefined();
    k.advance(1);
    expect(arpEntry(k, "198.51.100.2")).toBeUndefined();
    expect(stats(k).timeouts).toBe(1);
  });

  test("within la_preempt (maxtries) seconds of expiry each use sends one refresh request", () => {
    const { k, ifp } = boot();
    resolve(k, ifp, IP_B);
    inject(k, "vtnet0", arpFrame({ op: 2, sha: MAC_B, spa: IP_B, tha: MAC_US, tpa: IP_US, dst: MAC_US }));
    sent(k);
    // After the reply la_preempt = arp_maxtries (5); renew when time_uptime + la_preempt >
    // la_expire, decrementing la_preempt each time.
    k.advance(1200 - 5);
    expect(resolve(k, ifp, IP_B, { m: false })).toMatchObject({ error: 0, desten: B });
    expect(sent(k)).toEqual([]);
    k.advance(1);
    expect(resolve(k, ifp, IP_B, { m: false })).toMatchObject({ error: 0, desten: B });
    expect(sent(k).map((f) => f.slice(0, 84))).toEqual([arpBytes(BCAST, 1, US, IP_US, "000000000000", IP_B)]);
    // Same second with la_preempt now 4: now + 4 == expire, no request; one second later
    // now + 4 > expire again.
    expect(resolve(k, ifp, IP_B, { m: false }).error).toBe(0);
    expect(sent(k)).toEqual([]);
    k.advance(1);
    expect(resolve(k, ifp, IP_B, { m: false }).error).toBe(0);
    expect(sent(k).length).toBe(1);
  });

  test("broadcast and multicast packets need no entry", () => {
    const { k, ifp } = boot();
    const desten = new Uint8Array(6);
    const bc = m_gethdr(new Uint8Array(20), 0x10);
    expect(k.run(() => arpresolve(ifp, null, bc, sockaddrIn(0xc63364ff), desten)).error).toBe(0);
    expect(hex(desten)).toBe(BCAST);
    // net/ethernet.h ETHER_MAP_IP_MULTICAST: 01:00:5e + low 23 bits of the group.
    const mc = m_gethdr(new Uint8Array(20), 0x20);
    expect(k.run(() => arpresolve(ifp, null, mc, sockaddrIn(0xe0ff0102), desten)).error).toBe(0);
    expect(hex(desten)).toBe("01005e7f0102");
    expect(arpDump(k).length).toBe(1);
  });
});

describe("in_arpinput", () => {
  test("a request for our address is answered by unicast and teaches us the sender", () => {
    const { k } = boot();
    sent(k);
    // Padded to the Ethernet minimum: in_arpinput sets m_len to the ARP header size, so the
    // reply carries no trailing bytes of the request.
    const req = new Uint8Array(60);
    req.set(arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: IP_US }));
    inject(k, "vtnet0", req);
    const frames = sent(k, "vtnet0");
    expect(frames.length).toBe(1);
    // Shortcut branch: tha = request's sha, sha = our MAC; tpa = spa, spa = itaddr; op REPLY;
    // M_BCAST cleared so ether_output sends it to ar_tha.
    expect(frames[0].slice(0, 84)).toBe(arpBytes(B, 2, US, IP_US, B, IP_B));
    expect(frames[0].length).toBeLessThanOrEqual(120);
    // flags = LLE_CREATE because itaddr == myaddr; the entry is resolved at once.
    expect(arpEntry(k, "198.51.100.2")).toMatchObject({ flags: DYNAMIC, lladdr: "02:00:00:00:00:0b" });
    expect(stats(k)).toMatchObject({ received: 1, rxrequests: 1, txreplies: 1, rxreplies: 0 });
  });

  test("a request for someone else is counted but neither answered nor learnt", () => {
    const { k } = boot();
    sent(k);
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: IP_C }));
    // flags = 0 (itaddr != myaddr): lookup only; reply: rxrequests then drop (not LLE_PUB,
    // proxyall off).
    expect(sent(k)).toEqual([]);
    expect(arpEntry(k, "198.51.100.2")).toBeUndefined();
    expect(stats(k)).toMatchObject({ received: 1, rxrequests: 1, txreplies: 0 });
  });

  test("an unsolicited reply addressed to us creates the entry", () => {
    const { k } = boot();
    inject(k, "vtnet0", arpFrame({ op: 2, sha: MAC_B, spa: IP_B, tha: MAC_US, tpa: IP_US, dst: MAC_US }));
    expect(arpEntry(k, "198.51.100.2")).toMatchObject({ lladdr: "02:00:00:00:00:0b" });
  });

  test("another host using our address is logged, counted and answered", () => {
    const { k } = boot();
    sent(k);
    logs(k);
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: IP_US, tpa: IP_US }));
    // in_arpinput: ARP_LOG(LOG_ERR, "%*D is using my IP address %s on %s!\n"), itaddr = myaddr,
    // ARPSTAT_INC(dupips), goto reply.
    expect(logs(k)).toEqual([
      `${LOG_ERR} arp: 02:00:00:00:00:0b is using my IP address 198.51.100.1 on vtnet0!`,
    ]);
    expect(stats(k).dupips).toBe(1);
    expect(sent(k).map((f) => f.slice(0, 84))).toEqual([arpBytes(B, 2, US, IP_US, B, IP_US)]);
  });

  test("a sender at 0.0.0.0 (a DHCP probe) is not a conflict, even with 0.0.0.0 configured", () => {
    const { k } = boot();
    // A DHCP client's `ifconfig vtnet0 inet 0.0.0.0`: the probe's sender then matches this
    // address (the INADDR_HASH(isaddr) loop), so myaddr is 0 and isaddr == myaddr.
    expect(ifconfig(k, "vtnet0", 0)).toBe(0);
    sent(k);
    logs(k);
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: 0, tpa: IP_C }));
    // "isaddr.s_addr == myaddr.s_addr && myaddr.s_addr != 0": no warning, no dupips, and no
    // reply (itaddr stays IP_C, which is neither ours nor published).
    expect(logs(k)).toEqual([]);
    expect(stats(k)).toMatchObject({ dupips: 0, rxrequests: 1, txreplies: 0 });
    expect(sent(k)).toEqual([]);
  });

  test("a new MAC for a known address is logged as a move (log_arp_movements)", () => {
    const { k } = boot();
    inject(k, "vtnet0", arpFrame({ op: 2, sha: MAC_B, spa: IP_B, tha: MAC_US, tpa: IP_US, dst: MAC_US }));
    logs(k);
    inject(k, "vtnet0", arpFrame({ op: 2, sha: MAC_C, spa: IP_B, tha: MAC_US, tpa: IP_US, dst: MAC_US }));
    expect(logs(k)).toEqual([
      `${LOG_INFO} arp: 198.51.100.2 moved from 02:00:00:00:00:0b to 02:00:00:00:00:0c on vtnet0`,
    ]);
    expect(arpEntry(k, "198.51.100.2")?.lladdr).toBe("02:00:00:00:00:0c");
    setSysctl(k, "net.link.ether.inet.log_arp_movements", 0);
    k.advance(1);
    inject(k, "vtnet0", arpFrame({ op: 2, sha: MAC_B, spa: IP_B, tha: MAC_US, tpa: IP_US, dst: MAC_US }));
    expect(logs(k)).toEqual([]);
    expect(arpEntry(k, "198.51.100.2")?.lladdr).toBe("02:00:00:00:00:0b");
  });

  test("ARP_LOG: at most max_log_per_second (1) remotely triggered lines per second", () => {
    const { k } = boot();
    // ppsratecheck takes lasttime == 0 for "never logged", so start away from tick 0.
    k.advance(1);
    logs(k);
    const dup = arpFrame({ op: 1, sha: MAC_B, spa: IP_US, tpa: IP_US });
    inject(k, "vtnet0", dup);
    inject(k, "vtnet0", dup);
    // kern_time.c ppsratecheck: the second call within hz ticks makes curpps 2 > maxpps 1.
    expect(logs(k).length).toBe(1);
    expect(stats(k).dupips).toBe(2);
    k.advance(1);
    inject(k, "vtnet0", dup);
    expect(logs(k).length).toBe(1);
  });

  test("a request for a published entry is answered with the published MAC (arp -s ... pub)", () => {
    const { k, ifp } = boot();
    sent(k);
    expect(arpSet(k, ifp, IP_C, MAC_C, { pub: true })).toBe(0);
    // lla_rt_output: for LLE_PUB, arprequest(ifp, &dst, &dst, LLADDR(dl)) — a gratuitous ARP
    // in the published MAC's name.
    expect(sent(k).map((f) => f.slice(0, 84))).toEqual([arpBytes(BCAST, 1, C, IP_C, "000000000000", IP_C)]);
    expect(arpEntry(k, "198.51.100.3")).toMatchObject({
      flags: PERMANENT | RTF_ANNOUNCE,
      lladdr: "02:00:00:00:00:0c",
    });
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: IP_C }));
    // in_arpinput reply: lle with LLE_PUB -> tha = sha, sha = lle->ll_addr; spa = itaddr.
    expect(sent(k).map((f) => f.slice(0, 84))).toEqual([arpBytes(B, 2, C, IP_C, B, IP_B)]);
  });

  test("link-local (RFC 3927) targets are answered by broadcast", () => {
    const { k } = boot({ addr: null });
    const LL = 0xa9fe0101; // 169.254.1.1
    expect(ifconfig(k, "vtnet0", LL, 0xffff0000)).toBe(0);
    sent(k);
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: 0xa9fe0202, tpa: LL }));
    // "itaddr == myaddr && IN_LINKLOCAL(ntohl(itaddr))": M_BCAST, so ether_output uses
    // if_broadcastaddr as the destination.
    expect(sent(k).map((f) => f.slice(0, 84))).toEqual([arpBytes(BCAST, 2, US, LL, B, 0xa9fe0202)]);
  });

  test("packets from ourselves are dropped silently", () => {
    const { k } = boot();
    sent(k);
    logs(k);
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_US, spa: IP_B, tpa: IP_US, src: MAC_B }));
    // "if (!bcmp(ar_sha(ah), enaddr, ifp->if_addrlen)) goto drop"
    expect(sent(k)).toEqual([]);
    expect(logs(k)).toEqual([]);
    expect(stats(k)).toMatchObject({ received: 1, rxrequests: 0 });
  });

  test("multicast and broadcast sender addresses are refused with a log line", () => {
    const { k } = boot();
    logs(k);
    const mcast = new Uint8Array([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]);
    inject(k, "vtnet0", arpFrame({ op: 1, sha: mcast, spa: IP_B, tpa: IP_US, src: MAC_B }));
    // allow_multicast == 0 && ETHER_IS_MULTICAST(ar_sha(ah)): "%*D is multicast".
    expect(logs(k)).toEqual([`${LOG_NOTICE} arp: 01:00:5e:00:00:01 is multicast`]);
    setSysctl(k, "net.link.ether.inet.allow_multicast", 1);
    k.advance(1);
    const bcast = new Uint8Array(6).fill(0xff);
    inject(k, "vtnet0", arpFrame({ op: 1, sha: bcast, spa: IP_B, tpa: IP_US, src: MAC_B }));
    expect(logs(k)).toEqual([`${LOG_NOTICE} arp: link address is broadcast for IP address 198.51.100.2!`]);
    expect(arpEntry(k, "198.51.100.2")).toBeUndefined();
  });

  test("IFF_STATICARP interfaces answer but learn nothing", () => {
    const { k, ifp } = boot();
    k.run(() => {
      ifp.if_flags |= 0x80000; // if.h IFF_STATICARP
    });
    sent(k);
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: IP_US }));
    // "if (ifp->if_flags & IFF_STATICARP) goto reply;"
    expect(sent(k).map((f) => f.slice(0, 84))).toEqual([arpBytes(B, 2, US, IP_US, B, IP_B)]);
    expect(arpEntry(k, "198.51.100.2")).toBeUndefined();
    // arpresolve: no LLE_CREATE on IFF_NOARP|IFF_STATICARP interfaces -> EINVAL.
    expect(resolve(k, ifp, IP_B).error).toBe(22);
  });
});

describe("proxy ARP (net.link.ether.inet.proxyall)", () => {
  function twoNets() {
    const h = boot();
    const { k } = h;
    expect(k.attachNic("vtnet", "vtnet1", "02:00:00:00:01:01")).toBe(0);
    expect(ifconfig(k, "vtnet1", 0xcb007101)).toBe(0); // 203.0.113.1/24
    setSysctl(k, "net.link.ether.inet.proxyall", 1);
    sent(k);
    logs(k);
    return h;
  }

  test("answers for an address routed through another interface, with our MAC", () => {
    const { k } = twoNets();
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: 0xcb007105 }));
    // in_arpinput: route to itaddr leaves by another interface, route to isaddr by this one:
    // tha = sha, sha = enaddr.
    expect(sent(k, "vtnet0").map((f) => f.slice(0, 84))).toEqual([arpBytes(B, 2, US, 0xcb007105, B, IP_B)]);
  });

  test("not for addresses on the requesting interface", () => {
    const { k } = twoNets();
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: IP_C }));
    // "if (!rt->rt_ifp || rt->rt_ifp == ifp) goto drop"
    expect(sent(k)).toEqual([]);
  });

  test("not for requesters that should be on another interface", () => {
    const { k } = twoNets();
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: 0xcb007109, tpa: 0xcb007105 }));
    expect(sent(k)).toEqual([]);
    expect(logs(k)).toEqual([
      `${LOG_INFO} arp: proxy: ignoring request from 203.0.113.9 via vtnet0, expecting vtnet1`,
    ]);
  });
});

describe("arptimer and static entries", () => {
  test("static entries never expire", () => {
    const { k, ifp } = boot();
    expect(arpSet(k, ifp, IP_B, MAC_B)).toBe(0);
    // arptimer returns at once for LLE_STATIC; lla_rt_output starts no timer for them.
    k.advance(100_000);
    expect(arpEntry(k, "198.51.100.2")).toMatchObject({ flags: PERMANENT, expire: 0 });
  });

  test("max_age set through sysctl governs the next resolution", () => {
    const { k, ifp } = boot();
    setSysctl(k, "net.link.ether.inet.max_age", 30);
    resolve(k, ifp, IP_B);
    inject(k, "vtnet0", arpFrame({ op: 2, sha: MAC_B, spa: IP_B, tha: MAC_US, tpa: IP_US, dst: MAC_US }));
    k.advance(29);
    expect(arpEntry(k, "198.51.100.2")).toBeDefined();
    k.advance(1);
    expect(arpEntry(k, "198.51.100.2")).toBeUndefined();
  });

  test("log_arp_permanent_modify: a different MAC for a static entry is refused and logged", () => {
    const { k, ifp } = boot();
    expect(arpSet(k, ifp, IP_B, MAC_C)).toBe(0);
    logs(k);
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: IP_B }));
    expect(logs(k)).toEqual([
      `${LOG_ERR} arp: 02:00:00:00:00:0b attempts to modify permanent entry for 198.51.100.2 on vtnet0`,
    ]);
    expect(arpEntry(k, "198.51.100.2")?.lladdr).toBe("02:00:00:00:00:0c");
  });
});

describe("sysctls (10.4 if_ether.c SYSCTL_* declarations and initialisers)", () => {
  test("defaults", () => {
    const { k } = boot();
    const names: [string, number][] = [
      ["max_age", 20 * 60],
      ["maxtries", 5],
      ["useloopback", 1],
      ["proxyall", 0],
      ["wait", 20],
      ["maxhold", 1],
      ["log_arp_wrong_iface", 1],
      ["log_arp_movements", 1],
      ["log_arp_permanent_modify", 1],
      ["allow_multicast", 0],
      ["max_log_per_second", 1],
      ["garp_rexmit_count", 0],
    ];
    for (const [n, v] of names) expect([n, getSysctl(k, `net.link.ether.inet.${n}`)]).toEqual([n, v]);
  });

  test("net.link.ether.arp.stats is struct arpstat (12 uint64) and any write zeroes it", () => {
    const { k } = boot();
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: IP_US }));
    const r = k.sysctl({ cr_uid: 0, cr_prison: null }, "net.link.ether.arp.stats");
    expect(r.errno).toBe(0);
    expect(r.out.length).toBe(96);
    const v = new DataView(r.out.buffer, r.out.byteOffset);
    // if_arp.h struct arpstat: txrequests, txreplies, rxrequests, rxreplies, received,
    // arp_spares[4], dropped, timeouts, dupips. One GARP sent at ifconfig, one reply now.
    const fields = Array.from({ length: 12 }, (_, i) => Number(v.getBigUint64(8 * i, true)));
    expect(fields).toEqual([1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    // vnet.h SYSCTL_VNET_PCPUSTAT: the old value goes out, then COUNTER_ARRAY_ZERO on write.
    const w = k.sysctl({ cr_uid: 0, cr_prison: null }, "net.link.ether.arp.stats", new Uint8Array(96));
    expect(w.out.length).toBe(96);
    expect(stats(k)).toMatchObject({ txrequests: 0, txreplies: 0, received: 0 });
  });

  test("garp_rexmit_count is clamped to [0, 16] (sysctl_garp_rexmit)", () => {
    const { k } = boot();
    setSysctl(k, "net.link.ether.inet.garp_rexmit_count", 20);
    expect(getSysctl(k, "net.link.ether.inet.garp_rexmit_count")).toBe(16);
    setSysctl(k, "net.link.ether.inet.garp_rexmit_count", -3);
    expect(getSysctl(k, "net.link.ether.inet.garp_rexmit_count")).toBe(0);
  });
});

describe("ports of FreeBSD's tests/sys/netinet/arp.sh", () => {
  test("arp_add_success: arp -s 198.51.100.2 90:10:00:01:02:03 -> permanent entry", () => {
    const { k, ifp } = boot();
    expect(arpSet(k, ifp, IP_B, new Uint8Array([0x90, 0x10, 0x00, 0x01, 0x02, 0x03]))).toBe(0);
    // arp.sh: "? (198.51.100.2) at 90:10:00:01:02:03 on epair0a permanent"; arp(8) prints
    // "permanent" for rmx_expire 0.
    expect(arpEntry(k, "198.51.100.2")).toMatchObject({
      lladdr: "90:10:00:01:02:03",
      expire: 0,
      index: ifp.if_index,
    });
  });

  test("arp_del_success: a learnt entry deleted with arp -d is gone", () => {
    const { k, ifp } = boot();
    resolve(k, ifp, IP_B);
    inject(k, "vtnet0", arpFrame({ op: 2, sha: MAC_B, spa: IP_B, tha: MAC_US, tpa: IP_US, dst: MAC_US }));
    expect(arpEntry(k, "198.51.100.2")).toBeDefined();
    // arp.sh: "198.51.100.2 (198.51.100.2) deleted", then "-- no entry".
    expect(arpDelete(k, ifp, IP_B)).toBe(0);
    expect(arpEntry(k, "198.51.100.2")).toBeUndefined();
    // The seed's in_lltable_lookup only marks a dynamic entry LLE_DELETED; its timer frees it.
    k.advance(1200);
    expectBalanced(k);
  });

  test("static: -s survives the peer's GARP with a log line; after -d the peer is learnt", () => {
    const { k, ifp } = boot();
    expect(arpSet(k, ifp, IP_B, new Uint8Array(6))).toBe(0);
    logs(k);
    // "the jail B ifconfig will send gratuitous ARP that will trigger A"
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: IP_B }));
    // arp.sh static: "? (ipb) at 00:00:00:00:00:00 on epair0a permanent [ethernet]" and the
    // dmesg line "arp: ${eth} attempts to modify permanent entry for ${ipb} on ${epair0}a".
    expect(arpEntry(k, "198.51.100.2")).toMatchObject({ lladdr: "00:00:00:00:00:00", expire: 0 });
    expect(logs(k)).toEqual([
      `${LOG_ERR} arp: 02:00:00:00:00:0b attempts to modify permanent entry for 198.51.100.2 on vtnet0`,
    ]);
    expect(arpDelete(k, ifp, IP_B)).toBe(0);
    // "jexec b ping -c1 ipa": B asks for A; A answers and learns B, "expires in ${max_age}".
    inject(k, "vtnet0", arpFrame({ op: 1, sha: MAC_B, spa: IP_B, tpa: IP_US }));
    expect(arpEntry(k, "198.51.100.2")).toMatchObject({
      lladdr: "02:00:00:00:00:0b",
      expire: k.clock.time_uptime + getSysctl(k, "net.link.ether.inet.max_age"),
    });
  });

  test("garp: with garp_rexmit_count=3 the first retransmission panics, one second after the GARP", () => {
    const { k } = boot({ addr: null });
    setSysctl(k, "net.link.ether.inet.garp_rexmit_count", 3);
    sent(k);
    ifconfig(k, "vtnet0", IP_US);
    // garp_timer_start: the pending callout owns an ifa reference, which the audit counts.
    expectBalanced(k);
    // 10.4 if_ether.c garp_timer_start: the callout fires after (1 << 0) s; garp_rexmit's
    // IFA_UNLOCK then faults, since the seed never set the callout up with ifa_mtx (10.4
    // in.c:420). Recorded on 10.4-seedin: reference/10.4-seedin/arp/garp-retransmit.
    k.advance(0.99);
    expect(k.frames.transmitted.splice(0)).toHaveLength(1);
    expect(() => k.advance(0.02)).toThrow(KernelPanic);
    current = null; // a panicked kernel has no state left to audit
  });

  test("arp_lookup_host: no entry before the ping, the peer's MAC after it", () => {
    const k = new Kernel();
    current = k;
    // Both halves of one epair in one stack stand in for the test's two vnet jails.
    expect(k.attachNic("epair", "epair0a", "02:00:00:00:00:01")).toBe(0);
    expect(k.attachNic("epair", "epair0b", "02:00:00:00:00:0b")).toBe(0);
    expect(ifconfig(k, "epair0a", IP_US)).toBe(0);
    expect(ifconfig(k, "epair0b", IP_B)).toBe(0);
    const a = k.run(() => ifunit("epair0a"));
    if (a === null) throw new Error("epair0a missing");
    const onA = () => arpDump(k).filter((e) => e.index === a.if_index && e.addr === "198.51.100.2");
    // arp.sh: "no entry yet" -> "(${ipb}) -- no entry".
    expect(onA()).toEqual([]);
    // "ping -c1 ${ipb}": the request crosses the pair, b answers, a learns b's address.
    expect(resolve(k, a, IP_B).error).toBe(EWOULDBLOCK);
    // "(${ipb}) at $eth on ${epair0}a"
    expect(onA()).toMatchObject([{ lladdr: "02:00:00:00:00:0b", flags: DYNAMIC }]);
  });

  test("pending_delete_if: destroying an interface with many pending entries", () => {
    const { k, ifp } = boot({ driver: "epair", ifname: "epair0a" });
    for (let i = 2; i <= 200; i++) resolve(k, ifp, (IP_US & 0xffffff00) | i);
    k.advance(1);
    expect(arpDump(k).length).toBe(200);
    // arp.sh: "Delete the interface. Test failure panics the machine." lltable_free stops each
    // timer (dropping its reference) and frees every entry with its held packet.
    const ifr = new Uint8Array(32);
    ifr.set(new TextEncoder().encode("epair0a"));
    expect(k.ioctl({ cr_uid: 0, cr_prison: null }, SIOCIFDESTROY, ifr).errno).toBe(0);
    expect(arpDump(k)).toEqual([]);
    k.advance(60);
  });
});
