// IPv4 input, ICMP and forwarding (src/kernel/netinet/ip_input.ts, ip_icmp.ts, ip_output.ts)
// against 10.4 sys/netinet/ip_input.c, ip_icmp.c and ip_output.c: injected frames on vtnet,
// the frames that come out, and the ipstat/icmpstat counters FreeBSD moves on each path.

import { describe, expect, test } from "vitest";
import * as RT from "../../../src/abi/rtmsg.ts";
import { RTM_CHANGE, RTV_MTU } from "../../../src/abi/route_defs.ts";
import { sockaddrIn } from "../../../src/abi/socket.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { icmpstat } from "../../../src/kernel/netinet/ip_icmp.ts";
import { ipstat } from "../../../src/kernel/netinet/ip_input.ts";
import { mac } from "../../../src/wire/addr.ts";
import { arpReply, arpRequest, icmpEchoRequest, ipv4Frame, udpDatagram } from "../../../src/wire/builders.ts";
import { udpstat } from "../../../src/kernel/netinet/udp_usrreq.ts";
import { checksumVerifies, internetChecksum } from "../../../src/wire/checksum.ts";
import { emitIcmp } from "../../../src/wire/icmp.ts";
import { Bench, hex, ip, MAC_A, MAC_PEER, pingFromPeer } from "../dev/nic_helpers.ts";

const MAC_B = mac("02:00:00:00:0a:02");
const MAC_FAR = mac("02:00:00:00:0c:03");
const MAC_THIRD = mac("02:00:00:00:0b:09");

/** vtnet0 10.0.0.1/24 with 10.0.0.2 (MAC_PEER) already in its ARP cache. */
function host(): Bench {
  const b = new Bench();
  b.attach("vtnet", "vtnet0", MAC_A);
  expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
  learn(b, "vtnet0", MAC_PEER, "10.0.0.2", "10.0.0.1");
  return b;
}

/** A router: vtnet0 10.0.0.1/24 and vtnet1 10.1.0.1/24, forwarding on. */
function router(): Bench {
  const b = host();
  b.attach("vtnet", "vtnet1", MAC_B);
  expect(b.addAddr("vtnet1", "10.1.0.1", 24)).toBe(0);
  const one = new Uint8Array(4);
  new DataView(one.buffer).setInt32(0, 1, true);
  expect(b.k.sysctl(Kernel.root(), "net.inet.ip.forwarding", one).errno).toBe(0);
  b.sent();
  return b;
}

/** An ARP request from `who` to us: in_arpinput answers and caches the sender. */
function learn(b: Bench, ifname: string, who: Uint8Array, whoIp: string, ours: string): void {
  b.inject(ifname, arpRequest({ srcMac: who, srcIp: ip(whoIp), targetIp: ip(ours) }));
  b.sent();
}

function stat(b: Bench): ReturnType<typeof ipstat> {
  return b.k.run(() => ({ ...ipstat() }));
}

/** A raw IPv4 header + payload in an Ethernet frame to vtnet0, fields as given. */
function rawFrame(
  hdr: {
    verIhl?: number;
    len?: number;
    sum?: "good" | "bad";
    src?: string;
    dst?: string;
    off?: number;
    proto?: number;
  },
  payload = new Uint8Array(8),
  dstMac = MAC_A,
): Uint8Array {
  const ihl = (hdr.verIhl ?? 0x45) & 0x0f;
  const hlen = Math.max(ihl * 4, 20);
  const dg = new Uint8Array(hlen + payload.length);
  const v = new DataView(dg.buffer);
  dg[0] = hdr.verIhl ?? 0x45;
  v.setUint16(2, hdr.len ?? dg.length, false);
  v.setUint16(6, hdr.off ?? 0, false);
  dg[8] = 64;
  dg[9] = hdr.proto ?? 1;
  v.setUint32(12, ip(hdr.src ?? "10.0.0.2"), false);
  v.setUint32(16, ip(hdr.dst ?? "10.0.0.1"), false);
  dg.set(payload, hlen);
  const sumLen = Math.min(ihl * 4, dg.length);
  v.setUint16(10, internetChecksum(dg.subarray(0, sumLen)), false);
  if (hdr.sum === "bad") v.setUint16(10, v.getUint16(10, false) ^ 0x0101, false);
  const f = new Uint8Array(14 + dg.length);
  f.set(dstMac, 0);
  f.set(MAC_PEER, 6);
  f.set([0x08, 0x00], 12);
  f.set(dg, 14);
  return f;
}

describe("ICMP echo", () => {
  test("the reply to a ping, byte by byte", () => {
    const b = host();
    const payload = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const req = ipv4Frame({
      srcMac: MAC_PEER,
      dstMac: MAC_A,
      srcIp: ip("10.0.0.2"),
      dstIp: ip("10.0.0.1"),
      protocol: 1,
      payload: emitIcmp({ kind: "echo-request", code: 0, id: 0xabcd, seq: 7, data: payload }),
      ttl: 200,
      ident: 0xbeef,
      tos: 0x10,
      dontFragment: true,
    });
    expect(b.inject("vtnet0", req)).toBe(0);
    const sent = b.sent();
    expect(sent).toHaveLength(1);
    const f = sent[0].frame;
    // ether_output: destination from the ARP cache, source our MAC, ETHERTYPE_IP.
    expect(hex(f.subarray(0, 14))).toBe(hex(MAC_PEER) + hex(MAC_A) + "0800");
    const r = f.subarray(14);
    const q = req.subarray(14);
    expect(r.length).toBe(q.length);
    // ip_output (flags 0): "ip->ip_v = IPVERSION; ip->ip_hl = hlen >> 2; ip->ip_id = ip_newid();"
    expect(r[0]).toBe(0x45);
    // icmp_reflect leaves ip_tos, ip_len and ip_off (DF) as they came in.
    expect(r[1]).toBe(0x10);
    expect(hex(r.subarray(2, 4))).toBe(hex(q.subarray(2, 4)));
    expect(hex(r.subarray(6, 8))).toBe("4000");
    // icmp_reflect: "ip->ip_ttl = V_ip_defttl;" (IPDEFTTL 64)
    expect(r[8]).toBe(64);
    expect(r[9]).toBe(1);
    expect(checksumVerifies(r.subarray(0, 20))).toBe(true);
    // "ip->ip_dst = ip->ip_src;" and the source is the address the request was sent to.
    expect(hex(r.subarray(12, 16))).toBe("0a000001");
    expect(hex(r.subarray(16, 20))).toBe("0a000002");
    // icmp_input: "icp->icmp_type = ICMP_ECHOREPLY;"; icmp_send recomputes icmp_cksum.
    expect(r[20]).toBe(0);
    expect(r[21]).toBe(0);
    expect(hex(r.subarray(24))).toBe(hex(q.subarray(24)));
    expect(checksumVerifies(r.subarray(20))).toBe(true);
    const st = b.k.run(() => icmpstat());
    expect(st.icps_reflect).toBe(1);
    expect(st.icps_outhist[0]).toBe(1);
    b.expectConsistent();
  });

  test("Ethernet padding is trimmed to ip_len before the reply is built", () => {
    const b = host();
    const req = pingFromPeer("10.0.0.1", { padTo: 60 });
    expect(req.length).toBe(60);
    b.inject("vtnet0", req);
    // ip_input: "if (m->m_pkthdr.len > ip_len) { ... m_adj(m, ip_len - m->m_pkthdr.len); }"
    const sent = b.sent();
    expect(sent).toHaveLength(1);
    expect(sent[0].frame.length).toBe(14 + 28);
  });

  test("an echo to a broadcast address is not answered (net.inet.icmp.bmcastecho=0)", () => {
    const b = host();
    // "if (!V_icmpbmcastecho && (m->m_flags & (M_MCAST | M_BCAST)) != 0) { ICMPSTAT_INC(icps_bmcastecho); break; }"
    for (const dst of ["10.0.0.255", "255.255.255.255"]) {
      b.inject(
        "vtnet0",
        icmpEchoRequest({
          srcMac: MAC_PEER,
          dstMac: mac("ff:ff:ff:ff:ff:ff"),
          srcIp: ip("10.0.0.2"),
          dstIp: ip(dst),
          id: 1,
          seq: 1,
        }),
      );
    }
    expect(b.sent()).toHaveLength(0);
    expect(b.k.run(() => icmpstat().icps_bmcastecho)).toBe(2);
  });

  test("an address of another interface is ours too (weak end-system model by default)", () => {
    const b = host();
    b.attach("vtnet", "vtnet1", MAC_B);
    expect(b.addAddr("vtnet1", "10.1.0.1", 24)).toBe(0);
    b.sent();
    const ping = pingFromPeer("10.1.0.1");
    // "checkif = V_ip_checkinterface && ..." with net.inet.ip.check_interface 0 by default.
    b.inject("vtnet0", ping);
    const sent = b.sent();
    expect(sent).toHaveLength(1);
    // icmp_reflect answers from the address the request was sent to.
    expect(hex(sent[0].frame.subarray(26, 30))).toBe("0a010001");
    // With check_interface=1 the address must be on the receiving interface.
    const one = new Uint8Array([1, 0, 0, 0]);
    expect(b.k.sysctl(Kernel.root(), "net.inet.ip.check_interface", one).errno).toBe(0);
    const before = stat(b).ips_cantforward;
    b.inject("vtnet0", ping);
    expect(b.sent()).toHaveLength(0);
    expect(stat(b).ips_cantforward - before).toBe(1);
  });
});

describe("ip_input drops", () => {
  const cases: {
    name: string;
    frame: () => Uint8Array;
    counter: keyof ReturnType<typeof ipstat>;
    why: string;
  }[] = [
    {
      name: "version 6 in the header",
      frame: () => rawFrame({ verIhl: 0x65 }),
      counter: "ips_badvers",
      why: "if (ip->ip_v != IPVERSION) { IPSTAT_INC(ips_badvers); goto bad; }",
    },
    {
      name: "header length below 20",
      frame: () => rawFrame({ verIhl: 0x44 }),
      counter: "ips_badhlen",
      why: "if (hlen < sizeof(struct ip)) { IPSTAT_INC(ips_badhlen); goto bad; }",
    },
    {
      name: "header length beyond the packet",
      frame: () => rawFrame({ verIhl: 0x4f, len: 60 }, new Uint8Array(0)).subarray(0, 14 + 40),
      counter: "ips_badhlen",
      why: "if (hlen > m->m_len) { if ((m = m_pullup(m, hlen)) == NULL) { IPSTAT_INC(ips_badhlen); return; } }",
    },
    {
      name: "bad header checksum",
      frame: () => rawFrame({ sum: "bad" }),
      counter: "ips_badsum",
      why: "if (sum) { IPSTAT_INC(ips_badsum); goto bad; }",
    },
    {
      name: "ip_len below the header length",
      frame: () => rawFrame({ len: 19 }),
      counter: "ips_badlen",
      why: "if (ip_len < hlen) { IPSTAT_INC(ips_badlen); goto bad; }",
    },
    {
      name: "ip_len beyond the data",
      frame: () => rawFrame({ len: 200 }),
      counter: "ips_tooshort",
      why: "if (m->m_pkthdr.len < ip_len) { tooshort: IPSTAT_INC(ips_tooshort); goto bad; }",
    },
    {
      name: "shorter than an IP header",
      frame: () => rawFrame({}).subarray(0, 14 + 12),
      counter: "ips_tooshort",
      why: "if (m->m_pkthdr.len < sizeof(struct ip)) goto tooshort;",
    },
    {
      name: "127/8 source on a non-loopback interface",
      frame: () => rawFrame({ src: "127.0.0.1" }),
      counter: "ips_badaddr",
      why: "127/8 must not appear on wire - RFC1122 ... IPSTAT_INC(ips_badaddr); goto bad;",
    },
    {
      name: "not ours, forwarding off",
      frame: () => rawFrame({ dst: "10.0.0.77" }),
      counter: "ips_cantforward",
      why: "if (V_ipforwarding == 0) { IPSTAT_INC(ips_cantforward); m_freem(m); }",
    },
    {
      name: "a 169.254/16 destination",
      frame: () => rawFrame({ dst: "169.254.1.1" }),
      counter: "ips_cantforward",
      why: "RFC 3927 2.7: Do not forward datagrams for 169.254.0.0/16. ... IPSTAT_INC(ips_cantforward);",
    },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.counter}, no reply`, () => {
      const b = host();
      const before = stat(b);
      // 10.4 ip_input: c.why
      expect(b.inject("vtnet0", c.frame())).toBe(0);
      const after = stat(b);
      expect(after[c.counter] - before[c.counter]).toBe(1);
      expect(after.ips_total - before.ips_total).toBe(1);
      expect(after.ips_delivered).toBe(before.ips_delivered);
      expect(b.sent()).toHaveLength(0);
      b.expectConsistent();
    });
  }

  test("an unknown protocol for us: ips_noproto, and in 10.4 no ICMP protocol-unreachable", () => {
    const b = host();
    const before = stat(b);
    b.inject("vtnet0", rawFrame({ proto: 253 }));
    const after = stat(b);
    // raw_ip.c rip_input with no raw socket: "m_freem(m); IPSTAT_INC(ips_noproto);
    // IPSTAT_DEC(ips_delivered);" — nothing is sent back.
    expect(after.ips_noproto - before.ips_noproto).toBe(1);
    expect(after.ips_delivered - before.ips_delivered).toBe(0);
    expect(b.sent()).toHaveLength(0);
  });

  test("a lone first fragment is not answered", () => {
    const b = host();
    // "if (ip->ip_off & htons(IP_MF | IP_OFFMASK)) { m = ip_reass(m); if (m == NULL) return; }":
    // the first fragment waits in the reassembly queue; nothing goes out.
    const echo = pingFromPeer("10.0.0.1", { payload: new Uint8Array(16) });
    const dg = echo.subarray(14);
    const v = new DataView(dg.buffer, dg.byteOffset);
    v.setUint16(6, 0x2000, false);
    v.setUint16(10, 0, false);
    v.setUint16(10, internetChecksum(dg.subarray(0, 20)), false);
    b.inject("vtnet0", echo);
    expect(b.sent()).toHaveLength(0);
  });
});

describe("ICMP address mask request", () => {
  /** An address mask request (type 17): id, seq and a zero mask. */
  function maskRequest(src: string, dst: string): Uint8Array {
    const icmp = new Uint8Array([17, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0]);
    new DataView(icmp.buffer).setUint16(2, internetChecksum(icmp), false);
    return rawFrame({ src, dst }, icmp);
  }

  test("ignored while net.inet.icmp.maskrepl is 0, the 10.4 default", () => {
    const b = host();
    b.inject("vtnet0", maskRequest("10.0.0.2", "10.0.0.1"));
    // icmp_input: "case ICMP_MASKREQ: if (V_icmpmaskrepl == 0) break;"
    expect(b.sent()).toHaveLength(0);
  });

  test("with maskrepl=1 the reply carries the interface's netmask", () => {
    const b = host();
    expect(b.k.sysctl(Kernel.root(), "net.inet.icmp.maskrepl", new Uint8Array([1, 0, 0, 0])).errno).toBe(0);
    b.inject("vtnet0", maskRequest("10.0.0.2", "10.0.0.1"));
    // "ia = (struct in_ifaddr *)ifaof_ifpforaddr((struct sockaddr *)&icmpdst, ...);
    //  icp->icmp_type = ICMP_MASKREPLY; ... icp->icmp_mask = ia->ia_sockmask.sin_addr.s_addr;"
    // then "reflect:" — icmp_reflect answers from the address it was sent to.
    const out = b.sent();
    expect(out).toHaveLength(1);
    const r = out[0].frame.subarray(14);
    expect(hex(r.subarray(12, 20))).toBe(hex(new Uint8Array([10, 0, 0, 1, 10, 0, 0, 2])));
    const icmp = r.subarray(20);
    expect(hex(icmp)).toMatch(/^1200....00010002ffffff00$/);
    expect(checksumVerifies(icmp)).toBe(true);
    expect(b.k.run(() => icmpstat().icps_outhist[18])).toBe(1);
  });
});

describe("ip_forward (net.inet.ip.forwarding=1)", () => {
  test("forwarded out the other interface with the TTL one lower and a fresh header checksum", () => {
    const b = router();
    const dg = pingFromPeer("10.1.0.2", { id: 5, ttl: 9, ident: 0x4242 });
    b.inject("vtnet0", dg);
    // The next hop is unknown: ARP asks on vtnet1 and holds the datagram.
    const ask = b.sent();
    expect(ask.map((f) => `${f.ifname} ${hex(f.frame.subarray(0, 14))}`)).toEqual([
      `vtnet1 ffffffffffff${hex(MAC_B)}0806`,
    ]);
    b.inject(
      "vtnet1",
      arpReply({ srcMac: MAC_FAR, srcIp: ip("10.1.0.2"), dstMac: MAC_B, dstIp: ip("10.1.0.1") }),
    );
    const out = b.sent();
    expect(out).toHaveLength(1);
    expect(out[0].ifname).toBe("vtnet1");
    const f = out[0].frame;
    expect(hex(f.subarray(0, 14))).toBe(hex(MAC_FAR) + hex(MAC_B) + "0800");
    const r = f.subarray(14);
    const q = dg.subarray(14);
    // ip_forward: "ip->ip_ttl -= IPTTLDEC;"; ip_output(IP_FORWARDING) keeps ip_id and the rest
    // of the header ("Header already set, fetch hlen from there") and recomputes ip_sum.
    expect(r[8]).toBe(8);
    expect(hex(r.subarray(4, 6))).toBe("4242");
    expect(hex(r.subarray(12, 20))).toBe(hex(q.subarray(12, 20)));
    expect(hex(r.subarray(20))).toBe(hex(q.subarray(20)));
    expect(checksumVerifies(r.subarray(0, 20))).toBe(true);
    expect(stat(b).ips_forward).toBe(1);
    b.expectConsistent();
  });

  test("TTL 1: ICMP time exceeded from the receiving side's address, quoting header + 8 bytes", () => {
    const b = router();
    const dg = pingFromPeer("10.1.0.2", { id: 5, ttl: 1, payload: new Uint8Array(32).fill(0xaa) });
    b.inject("vtnet0", dg);
    const out = b.sent();
    expect(out).toHaveLength(1);
    expect(out[0].ifname).toBe("vtnet0");
    const r = out[0].frame.subarray(14);
    const q = dg.subarray(14);
    // ip_forward: "if (ip->ip_ttl <= IPTTLDEC) { icmp_error(m, ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 0, 0);"
    // icmp_error: quote = max(8, min(icmp_quotelen (8), ip_len - hlen)) past the header, so
    // 20 + 8 bytes; the new header is the old one with "ip_len = htons(m->m_len); ip_v =
    // IPVERSION; ip_hl = 5; ip_p = IPPROTO_ICMP; ip_tos = 0; ip_off = 0;".
    expect(r.length).toBe(20 + 8 + 28);
    expect(hex(r.subarray(0, 2))).toBe("4500");
    expect(hex(r.subarray(2, 4))).toBe((20 + 8 + 28).toString(16).padStart(4, "0"));
    expect(hex(r.subarray(6, 8))).toBe("0000");
    expect(r[8]).toBe(64);
    expect(r[9]).toBe(1);
    // icmp_reflect: 10.1.0.2 is not ours and not a broadcast address, icmp_rfi is 0, so
    // ip_rtaddr(10.0.0.2): the address of the interface the route back uses.
    expect(hex(r.subarray(12, 16))).toBe("0a000001");
    expect(hex(r.subarray(16, 20))).toBe("0a000002");
    // "icp->icmp_type = type; ... icp->icmp_void = 0; ... icp->icmp_code = code;"
    expect(r[20]).toBe(11);
    expect(r[21]).toBe(0);
    expect(hex(r.subarray(24, 28))).toBe("00000000");
    expect(hex(r.subarray(28, 56))).toBe(hex(q.subarray(0, 28)));
    expect(checksumVerifies(r.subarray(20))).toBe(true);
    expect(b.k.run(() => icmpstat().icps_outhist[11])).toBe(1);
  });

  test("no route: ICMP host unreachable", () => {
    const b = router();
    b.inject("vtnet0", pingFromPeer("192.168.5.5", { id: 5 }));
    const out = b.sent();
    expect(out).toHaveLength(1);
    const r = out[0].frame.subarray(14);
    // "if (!srcrt && ia == NULL) { icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_HOST, 0, 0);"
    expect(r[20]).toBe(3);
    expect(r[21]).toBe(1);
  });

  test("out the interface it came in on, to the sender's own subnet: forwarded plus a host redirect", () => {
    const b = router();
    learn(b, "vtnet0", MAC_THIRD, "10.0.0.3", "10.0.0.1");
    const dg = pingFromPeer("10.0.0.3", { id: 5 });
    b.inject("vtnet0", dg);
    const out = b.sent();
    expect(out.map((f) => `${f.ifname} ${hex(f.frame.subarray(0, 6))}`)).toEqual([
      `vtnet0 ${hex(MAC_THIRD)}`,
      `vtnet0 ${hex(MAC_PEER)}`,
    ]);
    const redirect = out[1].frame.subarray(14);
    // ip_forward: "if (!srcrt && V_ipsendredirects && ia != NULL && ia->ia_ifp ==
    // m->m_pkthdr.rcvif)" ... "(src & RTA(rt)->ia_subnetmask) == RTA(rt)->ia_subnet" →
    // "dest.s_addr = ip->ip_dst.s_addr; type = ICMP_REDIRECT; code = ICMP_REDIRECT_HOST;"
    // icmp_error: "if (type == ICMP_REDIRECT) icp->icmp_gwaddr.s_addr = dest;"
    expect(redirect[20]).toBe(5);
    expect(redirect[21]).toBe(1);
    expect(hex(redirect.subarray(24, 28))).toBe("0a000003");
    expect(stat(b).ips_redirectsent).toBe(1);
    b.expectConsistent();
  });

  test("a directed broadcast for the other subnet is not forwarded (ip_output EACCES)", () => {
    const b = router();
    const before = stat(b);
    b.inject("vtnet0", pingFromPeer("10.1.0.255", { id: 5 }));
    // ip_output: "isbroadcast = in_broadcast(gw->sin_addr, ifp);" ... "if ((flags &
    // IP_ALLOWBROADCAST) == 0) { error = EACCES; goto bad; }"; ip_forward counts
    // ips_cantforward and for EACCES ("ipfw denied packet") sends no ICMP error.
    expect(b.sent()).toHaveLength(0);
    expect(stat(b).ips_cantforward - before.ips_cantforward).toBe(1);
    expect(stat(b).ips_forward).toBe(before.ips_forward);
  });

  test("a link-level broadcast is never forwarded", () => {
    const b = router();
    const before = stat(b).ips_cantforward;
    // "if (m->m_flags & (M_BCAST|M_MCAST) || in_canforward(ip->ip_dst) == 0) { IPSTAT_INC(ips_cantforward);"
    b.inject("vtnet0", pingFromPeer("10.1.0.2", { dstMac: mac("ff:ff:ff:ff:ff:ff"), id: 5 }));
    expect(b.sent()).toHaveLength(0);
    expect(stat(b).ips_cantforward - before).toBe(1);
  });
});

test("ipv4Frame sanity: the builder's frames carry valid checksums (test precondition)", () => {
  const f = ipv4Frame({
    srcMac: MAC_PEER,
    dstMac: MAC_A,
    srcIp: 1,
    dstIp: 2,
    protocol: 1,
    payload: new Uint8Array(8),
  });
  expect(checksumVerifies(f.subarray(14, 34))).toBe(true);
});

describe("udp_input without sockets", () => {
  const udp = (
    dst: string,
    dstMac: Uint8Array,
    payload = new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
  ): Uint8Array =>
    udpDatagram({
      srcMac: MAC_PEER,
      dstMac,
      srcIp: ip("10.0.0.2"),
      dstIp: ip(dst),
      srcPort: 5353,
      dstPort: 9,
      payload,
    });

  test("unicast to a closed port: ICMP port unreachable quoting the header and 8 bytes", () => {
    const b = host();
    const dg = udp("10.0.0.1", MAC_A);
    b.inject("vtnet0", dg);
    const out = b.sent();
    expect(out).toHaveLength(1);
    const r = out[0].frame.subarray(14);
    const q = dg.subarray(14);
    // udp_input, no PCB: "UDPSTAT_INC(udps_noport); ... *ip = save_ip; icmp_error(m,
    // ICMP_UNREACH, ICMP_UNREACH_PORT, 0, 0);"; icmp_error quotes hlen + max(8, min(quotelen,
    // ip_len - hlen)) = 20 + 8 bytes of the original, restored header included.
    expect(r[20]).toBe(3);
    expect(r[21]).toBe(3);
    expect(hex(r.subarray(24, 28))).toBe("00000000");
    expect(hex(r.subarray(28))).toBe(hex(q.subarray(0, 28)));
    expect(hex(r.subarray(12, 20))).toBe("0a0000010a000002");
    expect(checksumVerifies(r.subarray(20))).toBe(true);
    expect(b.k.run(() => udpstat().udps_noport)).toBe(1);
  });

  test("to a broadcast or multicast address: dropped without an error", () => {
    const b = host();
    // "if (IN_MULTICAST(ntohl(ip->ip_dst.s_addr)) || in_broadcast(ip->ip_dst, ifp)) { ... if
    // (last == NULL) { ... UDPSTAT_INC(udps_noportbcast); ... goto badunlocked; }"
    b.inject("vtnet0", udp("10.0.0.255", mac("ff:ff:ff:ff:ff:ff")));
    b.inject("vtnet0", udp("224.0.0.1", mac("01:00:5e:00:00:01")));
    expect(b.sent()).toHaveLength(0);
    expect(b.k.run(() => udpstat().udps_noportbcast)).toBe(2);
  });

  test("a bad UDP checksum is counted and dropped; net.inet.udp.blackhole silences closed ports", () => {
    const b = host();
    const bad = udp("10.0.0.1", MAC_A);
    bad[14 + 20 + 6] ^= 0xff;
    // "if (uh_sum) { UDPSTAT_INC(udps_badsum); m_freem(m); return; }"
    b.inject("vtnet0", bad);
    expect(b.sent()).toHaveLength(0);
    expect(b.k.run(() => udpstat().udps_badsum)).toBe(1);
    // "if (V_udp_blackhole) goto badunlocked;"
    expect(b.k.sysctl(Kernel.root(), "net.inet.udp.blackhole", new Uint8Array([1, 0, 0, 0])).errno).toBe(0);
    b.inject("vtnet0", udp("10.0.0.1", MAC_A));
    expect(b.sent()).toHaveLength(0);
  });

  test("a UDP length beyond the IP payload is udps_badlen", () => {
    const b = host();
    const f = udp("10.0.0.1", MAC_A);
    new DataView(f.buffer, f.byteOffset).setUint16(14 + 20 + 4, 200, false);
    // "if (len > ip_len || len < sizeof(struct udphdr)) { UDPSTAT_INC(udps_badlen); goto badunlocked; }"
    b.inject("vtnet0", f);
    expect(b.sent()).toHaveLength(0);
    expect(b.k.run(() => udpstat().udps_badlen)).toBe(1);
  });
});

describe("ip_fragment", () => {
  test("a reply larger than the interface MTU leaves in fragments", () => {
    const b = host();
    expect(b.setMtu("vtnet0", 576)).toBe(0);
    const payload = new Uint8Array(1000).map((_, i) => i & 0xff);
    const req = icmpEchoRequest({
      srcMac: MAC_PEER,
      dstMac: MAC_A,
      srcIp: ip("10.0.0.2"),
      dstIp: ip("10.0.0.1"),
      id: 9,
      seq: 9,
      payload,
    });
    b.inject("vtnet0", req);
    const out = b.sent();
    expect(out).toHaveLength(2);
    const [f1, f2] = out.map((f) => f.frame.subarray(14));
    // ip_fragment: "len = (mtu - hlen) & ~7" = 552 payload bytes in the first fragment, which
    // keeps the header with "ip->ip_off = htons(ip_off | IP_MF)" and ip_len hlen + firstlen.
    expect(f1.length).toBe(20 + 552);
    expect(hex(f1.subarray(2, 4))).toBe((572).toString(16).padStart(4, "0"));
    expect(hex(f1.subarray(6, 8))).toBe("2000");
    // The last: "mhip->ip_off = ((off - hlen) >> 3) + ip_off" = 552 / 8 = 69, no IP_MF, and
    // "mhip->ip_len = htons((u_short)(len + mhlen))" with len = ip_len - off = 1028 - 572.
    expect(f2.length).toBe(20 + 456);
    expect(hex(f2.subarray(6, 8))).toBe((69).toString(16).padStart(4, "0"));
    // "*mhip = *ip": same id, addresses, protocol; each header checksummed on its own.
    expect(hex(f2.subarray(4, 6))).toBe(hex(f1.subarray(4, 6)));
    expect(hex(f2.subarray(12, 20))).toBe(hex(f1.subarray(12, 20)));
    expect(checksumVerifies(f1.subarray(0, 20))).toBe(true);
    expect(checksumVerifies(f2.subarray(0, 20))).toBe(true);
    // Reassembled, the ICMP message is the echo reply of the whole request.
    const icmp = new Uint8Array([...f1.subarray(20), ...f2.subarray(20)]);
    expect(icmp[0]).toBe(0);
    expect(hex(icmp.subarray(8))).toBe(hex(payload));
    expect(checksumVerifies(icmp)).toBe(true);
    expect(stat(b).ips_fragmented).toBe(1);
    expect(stat(b).ips_ofragments).toBe(2);
  });

  test("with DF set, a reply too big for the MTU is not sent (EMSGSIZE, ips_cantfrag)", () => {
    const b = host();
    expect(b.setMtu("vtnet0", 576)).toBe(0);
    const req = ipv4Frame({
      srcMac: MAC_PEER,
      dstMac: MAC_A,
      srcIp: ip("10.0.0.2"),
      dstIp: ip("10.0.0.1"),
      protocol: 1,
      payload: emitIcmp({ kind: "echo-request", code: 0, id: 1, seq: 1, data: new Uint8Array(1000) }),
      dontFragment: true,
    });
    b.inject("vtnet0", req);
    // ip_output: "if ((ip_off & IP_DF) || ...) { error = EMSGSIZE; IPSTAT_INC(ips_cantfrag); goto bad; }"
    // and icmp_send ignores ip_output's error.
    expect(b.sent()).toHaveLength(0);
    expect(stat(b).ips_cantfrag).toBe(1);
  });

  test("a route MTU of 0 (RTM_CHANGE with RTV_MTU) lets nothing out: EMSGSIZE, no frame", () => {
    const b = host();
    const msg = RT.newRoutingMessage(RTM_CHANGE, {
      dst: sockaddrIn(ip("10.0.0.0")),
      netmask: sockaddrIn(ip("255.255.255.0")),
    });
    if (msg.kind !== "rt") throw new Error("not an rt_msghdr");
    // rtsock.c rt_setmetrics: "if (rtm->rtm_inits & RTV_MTU) rt->rt_mtu = rtm->rtm_rmx.rmx_mtu;"
    msg.hdr.rtm_inits = BigInt(RTV_MTU);
    msg.hdr.rtm_rmx.rmx_mtu = 0n;
    expect(b.k.routeSocketOpen().write(Kernel.root(), RT.encodeRoutingMessage(msg))).toBe(0);
    // ip_output: "mtu = rte->rt_mtu;" then "if (ip_len <= mtu ...)" fails; ip_fragment: "len =
    // (mtu - hlen) & ~7; if (len < 8) return EMSGSIZE;" — icmp_send ignores the error.
    b.inject("vtnet0", pingFromPeer("10.0.0.1"));
    expect(b.sent()).toHaveLength(0);
    expect(stat(b).ips_fragmented).toBe(0);
  });

  test("a forwarded datagram with options: later fragments carry only the copied ones", () => {
    const b = router();
    expect(b.setMtu("vtnet1", 576)).toBe(0);
    learn(b, "vtnet1", MAC_FAR, "10.1.0.2", "10.1.0.1");
    // A NOP, an option without the copied bit (0x52, 6 bytes), a copied one (0x88, 4 bytes)
    // and EOL: a 32-byte header. ip_dooptions passes option types it does not know.
    const opts = [0x01, 0x52, 0x06, 1, 2, 3, 4, 0x88, 0x04, 0x12, 0x34, 0x00];
    const payload = new Uint8Array(1000).map((_, i) => i & 0xff);
    const dg = new Uint8Array(32 + payload.length);
    const v = new DataView(dg.buffer);
    dg[0] = 0x48;
    v.setUint16(2, dg.length, false);
    dg[8] = 64;
    dg[9] = 253;
    v.setUint32(12, ip("10.0.0.2"), false);
    v.setUint32(16, ip("10.1.0.2"), false);
    dg.set(opts, 20);
    dg.set(payload, 32);
    v.setUint16(10, internetChecksum(dg.subarray(0, 32)), false);
    b.inject("vtnet0", new Uint8Array([...MAC_A, ...MAC_PEER, 0x08, 0x00, ...dg]));
    const out = b.sent().map((f) => f.frame.subarray(14));
    expect(out).toHaveLength(2);
    const [f1, f2] = out;
    // The first fragment is the datagram itself, options and all: "len = (mtu - hlen) & ~7"
    // = 544 payload bytes, ip_len 576, IP_MF.
    expect([f1.length, f1[0], hex(f1.subarray(20, 32)), hex(f1.subarray(6, 8))]).toEqual([
      576,
      0x48,
      hex(Uint8Array.from(opts)),
      "2000",
    ]);
    // ip_optcopy keeps the NOP and the option whose IPOPT_COPIED bit is set, pads with EOL to
    // 8 bytes: "mhlen = ip_optcopy(ip, mhip) + sizeof (struct ip); mhip->ip_hl = mhlen >> 2".
    // Then "mhip->ip_off = ((off - hlen) >> 3) + ip_off" = 68, ip_len = 456 + 28.
    expect(f2[0]).toBe(0x47);
    expect(hex(f2.subarray(20, 28))).toBe("0188041234000000");
    expect(hex(f2.subarray(6, 8))).toBe((68).toString(16).padStart(4, "0"));
    expect(f2.length).toBe(28 + 456);
    expect(hex(f2.subarray(2, 4))).toBe((484).toString(16).padStart(4, "0"));
    expect(checksumVerifies(f2.subarray(0, 28))).toBe(true);
    expect(hex(new Uint8Array([...f1.subarray(32), ...f2.subarray(28)]))).toBe(hex(payload));
  });
});

test("echo replies are rate limited by net.inet.icmp.icmplim (200) per second", () => {
  const b = host();
  const ping = (seq: number): Uint8Array =>
    icmpEchoRequest({
      srcMac: MAC_PEER,
      dstMac: MAC_A,
      srcIp: ip("10.0.0.2"),
      dstIp: ip("10.0.0.1"),
      id: 1,
      seq,
    });
  for (let i = 0; i < 250; i++) b.inject("vtnet0", ping(i));
  // icmp_input: "if (badport_bandlim(BANDLIM_ICMP_ECHO) < 0) goto freeit;" with icmplim 200;
  // kern_time.c ppsratecheck: the first event of a window sets curpps = 1, later ones pass
  // while "*curpps < maxpps" — 199 in one second.
  expect(b.sent()).toHaveLength(199);
  b.k.advance(1);
  b.inject("vtnet0", ping(999));
  expect(b.sent()).toHaveLength(1);
});
