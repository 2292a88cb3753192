import { describe, expect, it } from "vitest";
import { isDecodeError, u64Json } from "../../src/abi/decode.ts";
import { IFAN_ARRIVAL, IFF_BROADCAST, IFF_MULTICAST, IFF_UP, emptyIfData } from "../../src/abi/if.ts";
import {
  IFA_MSGHDR_SIZE,
  IFMA_MSGHDR_SIZE,
  IF_ANNOUNCEMSGHDR_SIZE,
  IF_MSGHDR_SIZE,
  RTA_DST,
  RTA_GATEWAY,
  RTA_IFA,
  RTA_IFP,
  RTA_NETMASK,
  RTA_BRD,
  RTF_HOST,
  RTF_LLDATA,
  RTF_UP,
  RTM_DELADDR,
  RTM_GET,
  RTM_IFANNOUNCE,
  RTM_IFINFO,
  RTM_NEWADDR,
  RTM_NEWMADDR,
  RT_METRICS_SIZE,
  RT_MSGHDR_OFFSETS,
  RT_MSGHDR_SIZE,
  decodeRoutingMessage,
  decodeRoutingMessages,
  emptyRtMetrics,
  encodeRoutingMessage,
  formatRoutingMessage,
  newRoutingMessage,
  routingMessageKind,
  splitRoutingMessages,
  type RoutingMessage,
} from "../../src/abi/route.ts";
import * as rt from "../../src/abi/route.ts";
import { ipv4FromSockaddr, sockaddrDl, sockaddrIn } from "../../src/abi/socket.ts";
import { hexBytes } from "../wire/helpers.ts";

const z = (n: number): string => "00 ".repeat(n);

describe("route.h constants", () => {
  it("RTF_*, RTM_*, RTA_*, RTAX_*, RTV_* match the header", () => {
    // 10.4 sys/net/route.h
    expect([rt.RTF_UP, rt.RTF_GATEWAY, rt.RTF_HOST, rt.RTF_REJECT]).toEqual([1, 2, 4, 8]);
    expect([rt.RTF_DYNAMIC, rt.RTF_MODIFIED, rt.RTF_DONE]).toEqual([0x10, 0x20, 0x40]);
    expect([rt.RTF_XRESOLVE, rt.RTF_LLINFO, rt.RTF_LLDATA, rt.RTF_STATIC]).toEqual([
      0x200, 0x400, 0x400, 0x800,
    ]);
    expect([rt.RTF_BLACKHOLE, rt.RTF_PROTO2, rt.RTF_PROTO1, rt.RTF_PROTO3]).toEqual([
      0x1000, 0x4000, 0x8000, 0x40000,
    ]);
    expect([rt.RTF_PINNED, rt.RTF_LOCAL, rt.RTF_BROADCAST, rt.RTF_MULTICAST]).toEqual([
      0x100000, 0x200000, 0x400000, 0x800000,
    ]);
    expect([rt.RTF_STICKY, rt.RTF_RNH_LOCKED, rt.RTF_GWFLAG_COMPAT]).toEqual([
      0x10000000, 0x40000000, 0x80000000,
    ]);
    // RTF_FMASK = PROTO1|PROTO2|PROTO3|BLACKHOLE|REJECT|STATIC|STICKY
    expect(rt.RTF_FMASK).toBe(0x8000 | 0x4000 | 0x40000 | 0x1000 | 0x8 | 0x800 | 0x10000000);
    expect(rt.RTF_ANNOUNCE).toBe(0x4000);
    expect(rt.RTM_VERSION).toBe(5);
    expect([rt.RTM_ADD, rt.RTM_DELETE, rt.RTM_CHANGE, rt.RTM_GET, rt.RTM_LOSING]).toEqual([1, 2, 3, 4, 5]);
    expect([rt.RTM_REDIRECT, rt.RTM_MISS, rt.RTM_LOCK, rt.RTM_RESOLVE]).toEqual([6, 7, 8, 0xb]);
    expect([RTM_NEWADDR, RTM_DELADDR, RTM_IFINFO, RTM_NEWMADDR]).toEqual([0xc, 0xd, 0xe, 0xf]);
    expect([rt.RTM_DELMADDR, RTM_IFANNOUNCE, rt.RTM_IEEE80211]).toEqual([0x10, 0x11, 0x12]);
    expect([RTA_DST, RTA_GATEWAY, RTA_NETMASK, rt.RTA_GENMASK]).toEqual([1, 2, 4, 8]);
    expect([RTA_IFP, RTA_IFA, rt.RTA_AUTHOR, RTA_BRD]).toEqual([0x10, 0x20, 0x40, 0x80]);
    expect([rt.RTAX_DST, rt.RTAX_NETMASK, rt.RTAX_IFP, rt.RTAX_BRD, rt.RTAX_MAX]).toEqual([0, 2, 4, 7, 8]);
    expect([rt.RTV_MTU, rt.RTV_EXPIRE, rt.RTV_WEIGHT]).toEqual([1, 4, 0x100]);
  });

  it("names types and flags", () => {
    expect(rt.rtmTypeName(RTM_NEWADDR)).toBe("RTM_NEWADDR");
    expect(rt.rtmTypeName(0x30)).toBe("RTM_0x30");
    expect(rt.formatRtFlags(RTF_UP | RTF_HOST | RTF_LLDATA)).toBe("UP,HOST,LLDATA");
    expect(rt.formatRtaAddrs(0xb4)).toBe("NETMASK,IFP,IFA,BRD");
  });
});

describe("header sizes and layout (amd64)", () => {
  it("match the structs", () => {
    // route.h struct rt_metrics: 14 u_long = 112
    expect(RT_METRICS_SIZE).toBe(112);
    // route.h struct rt_msghdr: u_short, 2 u_char, u_short, pad, 6 int, u_long, rt_metrics
    // = 2+1+1+2+2(pad)+24+8+112 = 152
    expect(RT_MSGHDR_SIZE).toBe(152);
    expect(RT_MSGHDR_OFFSETS.rtm_flags).toBe(8);
    expect(RT_MSGHDR_OFFSETS.rtm_inits).toBe(32);
    expect(RT_MSGHDR_OFFSETS.rtm_rmx).toBe(40);
    // if.h struct ifa_msghdr: u_short, 2 u_char, int, int, u_short, pad, int = 20
    expect(IFA_MSGHDR_SIZE).toBe(20);
    // if.h struct if_msghdr: 16 bytes then struct if_data (8-aligned, 152) = 168
    expect(IF_MSGHDR_SIZE).toBe(168);
    // if.h struct ifma_msghdr: u_short, 2 u_char, int, int, u_short -> 14, padded to 16
    expect(IFMA_MSGHDR_SIZE).toBe(16);
    // if.h struct if_announcemsghdr: u_short, 2 u_char, u_short, char[16], u_short = 24
    expect(IF_ANNOUNCEMSGHDR_SIZE).toBe(24);
  });

  it("picks the header rtsock.c rt_msg1 uses for each type", () => {
    // 10.4 sys/net/rtsock.c rt_msg1: NEWADDR/DELADDR -> ifa_msghdr, NEWMADDR/DELMADDR ->
    // ifma_msghdr, IFINFO -> if_msghdr, IFANNOUNCE/IEEE80211 -> if_announcemsghdr, else rt_msghdr
    expect(routingMessageKind(RTM_NEWADDR)).toBe("ifa");
    expect(routingMessageKind(RTM_DELADDR)).toBe("ifa");
    expect(routingMessageKind(RTM_NEWMADDR)).toBe("ifma");
    expect(routingMessageKind(rt.RTM_DELMADDR)).toBe("ifma");
    expect(routingMessageKind(RTM_IFINFO)).toBe("if");
    expect(routingMessageKind(RTM_IFANNOUNCE)).toBe("ifannounce");
    expect(routingMessageKind(rt.RTM_IEEE80211)).toBe("ifannounce");
    expect(routingMessageKind(RTM_GET)).toBe("rt");
    expect(routingMessageKind(rt.RTM_ADD)).toBe("rt");
  });
});

describe("in_lltable_dump entry (rt_msghdr + sockaddr_in + sockaddr_dl)", () => {
  // seed in.c:1209-1245 in_lltable_dump: struct { rt_msghdr rtm; sockaddr_in sin; sockaddr_dl
  // sdl; } arpc; rtm_msglen = sizeof(arpc) = 152 + 16 + 54 = 222, rounded to the struct's
  // 8-byte alignment = 224. RTM_GET, flags RTF_UP | RTF_HOST | RTF_LLDATA, addrs RTA_DST |
  // RTA_GATEWAY, rmx_expire = la_expire, rtm_index = if_index, sdl_len = sizeof(*sdl) = 54,
  // sdl_alen = if_addrlen with the MAC at LLADDR (sdl_nlen 0).
  const bytes = hexBytes(`
    e0 00 05 04 02 00 00 00 05 04 00 00 03 00 00 00
    ${z(16)}
    ${z(16)}
    ${z(16)}
    b0 04 00 00 00 00 00 00 ${z(8)}
    ${z(16)} ${z(16)} ${z(16)} ${z(16)}
    ${z(8)} 10 02 00 00 0a 00 00 02
    ${z(8)} 36 12 02 00 06 00 06 00
    02 00 00 00 00 0b ${z(10)}
    ${z(16)}
    ${z(16)}`);
  const rmx = emptyRtMetrics();
  rmx.rmx_expire = 1200n;
  const msg: RoutingMessage = {
    kind: "rt",
    hdr: {
      rtm_msglen: 224,
      rtm_version: 5,
      rtm_type: RTM_GET,
      rtm_index: 2,
      rtm_flags: RTF_UP | RTF_HOST | RTF_LLDATA,
      rtm_addrs: RTA_DST | RTA_GATEWAY,
      rtm_pid: 0,
      rtm_seq: 0,
      rtm_errno: 0,
      rtm_fmask: 0,
      rtm_inits: 0n,
      rtm_rmx: rmx,
    },
    addrs: {
      dst: sockaddrIn(0x0a000002),
      gateway: sockaddrDl({ index: 2, type: 6, lladdr: hexBytes("02 00 00 00 00 0b"), len: 54 }),
    },
  };

  it("is 224 bytes with fields at the rt_msghdr offsets (deconstruct)", () => {
    expect(bytes.length).toBe(224);
    const v = new DataView(bytes.buffer);
    expect(v.getUint16(0, true)).toBe(224);
    expect(v.getInt32(RT_MSGHDR_OFFSETS.rtm_flags, true)).toBe(0x405);
    expect(v.getInt32(RT_MSGHDR_OFFSETS.rtm_addrs, true)).toBe(3);
    // rmx_expire is the 4th u_long of rt_metrics
    expect(v.getUint32(RT_MSGHDR_OFFSETS.rtm_rmx + 24, true)).toBe(1200);
  });

  it("parses", () => {
    expect(decodeRoutingMessage(bytes)).toEqual(msg);
  });

  it("emits (construct and emit agree)", () => {
    expect(encodeRoutingMessage(msg)).toEqual(bytes);
    const built = newRoutingMessage(RTM_GET, msg.addrs);
    if (built.kind !== "rt") throw new Error("kind");
    Object.assign(built.hdr, {
      rtm_index: 2,
      rtm_flags: RTF_UP | RTF_HOST | RTF_LLDATA,
      rtm_rmx: rmx,
    });
    expect(encodeRoutingMessage(built)).toEqual(bytes);
  });

  it("formats as one line", () => {
    expect(formatRoutingMessage(msg)).toBe(
      "RTM_GET: len 224, pid 0, seq 0, errno 0, flags:<UP,HOST,LLDATA> index 2 " +
        "<DST,GATEWAY> dst=10.0.0.2 gateway=link#2 02:00:00:00:00:0b",
    );
  });
});

// sockaddr_dl for ifp->if_addr, sdl_len chosen for these tests (8 + "vtnet0" + MAC = 20)
const ifpSdl = sockaddrDl({ index: 1, type: 6, name: "vtnet0", lladdr: hexBytes("52 54 00 12 34 56") });
const ifpSdlHex = "14 12 01 00 06 06 06 00 76 74 6e 65 74 30 52 54 00 12 34 56 00 00 00 00";

describe("RTM_NEWADDR on the socket (rtsock_addrmsg + rt_msg1)", () => {
  // 10.4 rtsock.c rtsock_addrmsg: RTAX_IFA = ifa_addr, RTAX_IFP = if_addr's sockaddr_dl,
  // RTAX_NETMASK = ifa_netmask, RTAX_BRD = ifa_dstaddr; ifam_flags = ifa_flags, ifam_metric.
  // rt_msg1 writes the sockaddrs in RTAX order, each SA_SIZE bytes, and no ALIGN:
  // 20 + 8 (mask, sin_len 7 per seed in.c in_socktrim) + 24 + 16 + 16 = 84.
  const bytes = hexBytes(`
    54 00 05 0c b4 00 00 00 01 00 00 00 01 00 00 00 00 00 00 00
    07 02 00 00 ff ff ff 00
    ${ifpSdlHex}
    10 02 00 00 0a 00 00 01 ${z(8)}
    10 02 00 00 0a 00 00 ff ${z(8)}`);
  const msg: RoutingMessage = {
    kind: "ifa",
    hdr: {
      ifam_msglen: 84,
      ifam_version: 5,
      ifam_type: RTM_NEWADDR,
      ifam_addrs: RTA_NETMASK | RTA_IFP | RTA_IFA | RTA_BRD,
      ifam_flags: RTF_UP,
      ifam_index: 1,
      ifam_metric: 0,
    },
    addrs: {
      netmask: sockaddrIn(0xffffff00, 7),
      ifp: ifpSdl,
      ifa: sockaddrIn(0x0a000001),
      brd: sockaddrIn(0x0a0000ff),
    },
  };

  it("parses and emits", () => {
    expect(bytes.length).toBe(84);
    expect(decodeRoutingMessage(bytes)).toEqual(msg);
    expect(encodeRoutingMessage(msg)).toEqual(bytes);
  });

  it("with align (rt_msg2, as in sysctl dumps) rounds 84 up to 88", () => {
    // rtsock.c rt_msg2: len = ALIGN(len)
    const aligned = encodeRoutingMessage(msg, { align: true });
    expect(aligned.length).toBe(88);
    expect(aligned[0]).toBe(88);
    expect(aligned.subarray(84)).toEqual(new Uint8Array(4));
    const back = decodeRoutingMessage(aligned);
    expect(back).toEqual({ ...msg, hdr: { ...msg.hdr, ifam_msglen: 88 } });
  });

  it("formats as one line", () => {
    expect(formatRoutingMessage(msg)).toBe(
      "RTM_NEWADDR: len 84, metric 0, flags:<UP> index 1 <NETMASK,IFP,IFA,BRD> " +
        "netmask=255.255.255.0 (len 7) ifp=link#1 vtnet0 52:54:00:12:34:56 ifa=10.0.0.1 brd=10.0.0.255",
    );
  });
});

describe("RTM_IFINFO, RTM_NEWMADDR, RTM_IFANNOUNCE", () => {
  it("RTM_IFINFO: if_msghdr with if_data and no sockaddrs (rt_ifmsg)", () => {
    // rtsock.c rt_ifmsg: ifm_index, ifm_flags = if_flags | if_drv_flags, ifm_data, addrs 0
    const msg = newRoutingMessage(RTM_IFINFO);
    if (msg.kind !== "if") throw new Error("kind");
    msg.hdr.ifm_index = 1;
    msg.hdr.ifm_flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST;
    msg.hdr.ifm_data = { ...emptyIfData(), ifi_type: 6, ifi_mtu: 1500n, ifi_link_state: 2 };
    const bytes = encodeRoutingMessage(msg);
    expect(bytes.length).toBe(168);
    expect(bytes.subarray(0, 16)).toEqual(hexBytes("a8 00 05 0e 00 00 00 00 03 80 00 00 01 00 00 00"));
    expect(bytes[16]).toBe(6);
    expect(bytes.subarray(24, 26)).toEqual(hexBytes("dc 05"));
    expect(decodeRoutingMessage(bytes)).toEqual({ ...msg, hdr: { ...msg.hdr, ifm_msglen: 168 } });
    expect(formatRoutingMessage(decodeRoutingMessage(bytes) as RoutingMessage)).toBe(
      "RTM_IFINFO: len 168, if# 1, link: 2, flags:<UP,BROADCAST,MULTICAST> <>",
    );
  });

  it("RTM_NEWMADDR: ifma_msghdr with gateway, ifp, ifa (rt_newmaddrmsg)", () => {
    // rtsock.c rt_newmaddrmsg: RTAX_IFA = ifma_addr, RTAX_IFP = if_addr's sockaddr_dl,
    // RTAX_GATEWAY = ifma_lladdr; 16 + 16 (lladdr sdl of 14) + 24 + 16 = 72
    const lladdr = sockaddrDl({ index: 1, type: 6, lladdr: hexBytes("01 00 5e 00 00 01") });
    const bytes = hexBytes(`
      48 00 05 0f 32 00 00 00 00 00 00 00 01 00 00 00
      0e 12 01 00 06 00 06 00 01 00 5e 00 00 01 00 00
      ${ifpSdlHex}
      10 02 00 00 e0 00 00 01 ${z(8)}`);
    const msg: RoutingMessage = {
      kind: "ifma",
      hdr: {
        ifmam_msglen: 72,
        ifmam_version: 5,
        ifmam_type: RTM_NEWMADDR,
        ifmam_addrs: RTA_GATEWAY | RTA_IFP | RTA_IFA,
        ifmam_flags: 0,
        ifmam_index: 1,
      },
      addrs: { gateway: lladdr, ifp: ifpSdl, ifa: sockaddrIn(0xe0000001) },
    };
    expect(decodeRoutingMessage(bytes)).toEqual(msg);
    expect(encodeRoutingMessage(msg)).toEqual(bytes);
  });

  it("RTM_IFANNOUNCE: if_announcemsghdr (rt_makeifannouncemsg)", () => {
    // index at 4, ifan_name[16] at 6, ifan_what at 22; IFAN_ARRIVAL = 0
    const bytes = hexBytes(`
      18 00 05 11 03 00 65 70 61 69 72 30 61 00 00 00 00 00 00 00 00 00 00 00`);
    const msg: RoutingMessage = {
      kind: "ifannounce",
      hdr: {
        ifan_msglen: 24,
        ifan_version: 5,
        ifan_type: RTM_IFANNOUNCE,
        ifan_index: 3,
        ifan_name: "epair0a",
        ifan_what: IFAN_ARRIVAL,
      },
    };
    expect(decodeRoutingMessage(bytes)).toEqual(msg);
    expect(encodeRoutingMessage(msg)).toEqual(bytes);
    expect(formatRoutingMessage(msg)).toBe("RTM_IFANNOUNCE: len 24, if# 3, epair0a arrival");
  });
});

describe("a NET_RT_IFLIST dump", () => {
  // rtsock.c sysctl_iflist: per interface one RTM_IFINFO with only RTAX_IFP (the interface's
  // sockaddr_dl), then one RTM_NEWADDR per address with RTAX_IFA, RTAX_NETMASK, RTAX_BRD
  // (RTAX_IFP cleared); both built by rt_msg2, so lengths are ALIGNed.
  const ifinfo = newRoutingMessage(RTM_IFINFO, { ifp: ifpSdl });
  const newaddr = newRoutingMessage(RTM_NEWADDR, {
    netmask: sockaddrIn(0xffffff00, 7),
    ifa: sockaddrIn(0x0a000001),
    brd: sockaddrIn(0x0a0000ff),
  });
  const a = encodeRoutingMessage(ifinfo, { align: true });
  const b = encodeRoutingMessage(newaddr, { align: true });
  const dump = new Uint8Array(a.length + b.length);
  dump.set(a, 0);
  dump.set(b, a.length);

  it("splits at each msglen and decodes both", () => {
    // 168 + 24 = 192; ALIGN(20 + 8 + 16 + 16 = 60) = 64
    expect(a.length).toBe(192);
    expect(b.length).toBe(64);
    const parts = splitRoutingMessages(dump);
    if (isDecodeError(parts)) throw new Error(parts.message);
    expect(parts.map((p) => p.length)).toEqual([192, 64]);
    const msgs = decodeRoutingMessages(dump);
    if (isDecodeError(msgs)) throw new Error(msgs.message);
    expect(msgs.map((m) => m.kind)).toEqual(["if", "ifa"]);
    expect(msgs[1].kind === "ifa" && msgs[1].hdr.ifam_addrs).toBe(RTA_NETMASK | RTA_IFA | RTA_BRD);
    expect(msgs[1].kind === "ifa" && msgs[1].addrs.ifa).toEqual(sockaddrIn(0x0a000001));
  });

  it("an empty dump is no messages", () => {
    expect(splitRoutingMessages(new Uint8Array(0))).toEqual([]);
  });
});

describe("bad routing messages are errors, not exceptions", () => {
  const good = encodeRoutingMessage(newRoutingMessage(RTM_NEWADDR, { ifa: sockaddrIn(0x0a000001) }));

  it("wrong version", () => {
    const b = good.slice();
    b[2] = 4;
    expect(isDecodeError(decodeRoutingMessage(b))).toBe(true);
  });

  it("msglen shorter than the header, or past the buffer", () => {
    const b = good.slice();
    b[0] = 10;
    expect(isDecodeError(decodeRoutingMessage(b))).toBe(true);
    const c = good.slice();
    c[0] = 200;
    expect(isDecodeError(decodeRoutingMessage(c))).toBe(true);
    expect(isDecodeError(splitRoutingMessages(c))).toBe(true);
    expect(isDecodeError(splitRoutingMessages(new Uint8Array([2, 0, 5, 1])))).toBe(true);
    expect(isDecodeError(splitRoutingMessages(new Uint8Array([9])))).toBe(true);
  });

  it("addrs naming a sockaddr that is not there, or bits past RTAX_MAX", () => {
    const b = good.slice();
    b[4] |= RTA_BRD;
    expect(isDecodeError(decodeRoutingMessage(b))).toBe(true);
    const c = good.slice();
    c[5] = 1; // bit 8
    expect(isDecodeError(decodeRoutingMessage(c))).toBe(true);
  });

  it("a sockaddr whose sa_len runs past msglen", () => {
    const b = good.slice();
    b[IFA_MSGHDR_SIZE] = 40;
    expect(isDecodeError(decodeRoutingMessage(b))).toBe(true);
  });

  it("truncated buffers at every length", () => {
    for (let n = 0; n < good.length; n++) {
      expect(isDecodeError(decodeRoutingMessage(good.subarray(0, n)))).toBe(true);
    }
    expect(decodeRoutingMessage(good)).toMatchObject({ kind: "ifa" });
  });
});

describe("netmasks as in.c leaves them", () => {
  it("copies SA_SIZE bytes of the sockaddr, as rt_msg1/rt_msg2 do", () => {
    // 10.4 rtsock.c rt_msg1: dlen = SA_SIZE(sa); m_copyback(m, len, dlen, sa) — and rt_msg2
    // bcopy(sa, cp, dlen): the padding after sa_len is the struct's own bytes. A 0.0.0.0 mask
    // trimmed by in_socktrim (seed in.c:177-189) has sin_len 0 but keeps sin_family AF_INET.
    const zeroMask = { sin_len: 0, sin_family: 2, sin_port: 0, sin_addr: 0 };
    const m = newRoutingMessage(RTM_NEWADDR, { netmask: zeroMask, ifa: sockaddrIn(0x0a000001) });
    const bytes = encodeRoutingMessage(m);
    expect(bytes.length).toBe(20 + 8 + 16);
    expect(bytes.subarray(20, 28)).toEqual(hexBytes("00 02 00 00 00 00 00 00"));
    const back = decodeRoutingMessage(bytes);
    expect(back).toMatchObject({
      kind: "ifa",
      addrs: { netmask: { sa_len: 0, sa_family: 0 }, ifa: sockaddrIn(0x0a000001) },
    });
  });

  it("a class-guessed mask has sin_family 0 and still reads as an address", () => {
    // seed in.c:368-387: with no ifra_mask, ia_sockmask gets only sin_addr (the classful mask,
    // 255.0.0.0 for 10/8) and in_socktrim's sin_len 5; ia was zeroed, so sin_family is 0.
    const wire = hexBytes(`
      2c 00 05 0c 24 00 00 00 01 00 00 00 01 00 00 00 00 00 00 00
      05 00 00 00 ff 00 00 00
      10 02 00 00 0a 00 00 01 ${z(8)}`);
    const m = decodeRoutingMessage(wire);
    if (isDecodeError(m) || m.kind !== "ifa") throw new Error("decode");
    const mask = m.addrs.netmask;
    expect(mask).toEqual({ sa_len: 5, sa_family: 0, sa_data: hexBytes("00 00 ff") });
    expect(mask !== undefined && ipv4FromSockaddr(mask)).toBe(0xff000000);
    expect(encodeRoutingMessage(m)).toEqual(wire);
  });
});

describe("u_long fields decode whatever they hold (NET_RT_DUMP leaves rtm_inits unset)", () => {
  it("rtm_inits and every rt_metrics u_long past 2^53 decode exactly and re-encode to the same bytes", () => {
    // 10.4 rtsock.c: rt_msg2 mallocs w_tmem with M_NOWAIT, no M_ZERO (1232-1233), and
    // sysctl_dumpentry (1579-1592) sets flags, metrics, index, errno/pid/seq and addrs but not
    // rtm_inits or rtm_fmask: a real dump has heap bytes there.
    const msg = newRoutingMessage(RTM_GET, { dst: sockaddrIn(0x0a000001) });
    if (msg.kind !== "rt") throw new Error("kind");
    msg.hdr.rtm_inits = 0xdeadbeefcafef00dn;
    msg.hdr.rtm_rmx.rmx_expire = 2n ** 64n - 1n;
    msg.hdr.rtm_rmx.rmx_filler = [2n ** 53n + 1n, 0n, 2n ** 63n];
    const bytes = encodeRoutingMessage(msg);
    const back = decodeRoutingMessage(bytes);
    if (isDecodeError(back) || back.kind !== "rt") throw new Error("does not decode");
    expect(back.hdr.rtm_inits).toBe(0xdeadbeefcafef00dn);
    expect(back.hdr.rtm_rmx.rmx_expire).toBe(2n ** 64n - 1n);
    expect(back.hdr.rtm_rmx.rmx_filler).toEqual([2n ** 53n + 1n, 0n, 2n ** 63n]);
    expect(encodeRoutingMessage(back)).toEqual(bytes);
  });

  it("u64Json keeps exact values: a number up to 2^53 - 1, decimal digits beyond", () => {
    expect(u64Json(1200n)).toBe(1200);
    expect(u64Json(2n ** 53n - 1n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(u64Json(2n ** 53n + 1n)).toBe("9007199254740993");
    expect(u64Json(2n ** 64n - 1n)).toBe("18446744073709551615");
  });
});
