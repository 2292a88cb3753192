// Ethernet glue (src/kernel/net/if_ethersubr.ts) against 10.4 sys/net/if_ethersubr.c. Each
// expectation names the function and quotes the code it comes from.

import { describe, expect, test } from "vitest";
import { EADDRNOTAVAIL, EINVAL, ENETDOWN } from "../../../src/abi/errno.ts";
import {
  encodeIfreq,
  ifreqEmpty,
  ifreqWithInt,
  IFF_BROADCAST,
  IFF_MULTICAST,
  IFF_NOARP,
  IFF_SIMPLEX,
  IFF_UP,
  IFT_ETHER,
} from "../../../src/abi/if.ts";
import {
  AF_LINK,
  isSockaddrDl,
  LLADDR,
  sockaddrDl,
  sockaddrIn,
  type SockaddrDl,
} from "../../../src/abi/socket.ts";
import { SIOCGIFADDR, SIOCSIFMTU } from "../../../src/abi/sockio.ts";
import { M_BCAST, M_MCAST, m_gethdr } from "../../../src/kernel/kern/mbuf.ts";
import {
  ether_ioctl,
  ether_output,
  ether_resolvemulti,
  ETHER_MAP_IP_MULTICAST,
} from "../../../src/kernel/net/if_ethersubr.ts";
import { ipstat } from "../../../src/kernel/netinet/ip_input.ts";
import { LLTABLE } from "../../../src/kernel/netinet/in_var.ts";
import {
  LLE_CREATE,
  LLE_DELETED_PTR,
  LLE_EXCLUSIVE,
  LLE_STATIC,
  LLE_VALID,
  lla_lookup,
  type lltable,
} from "../../../src/kernel/net/if_llatbl.ts";
import { icmpstat } from "../../../src/kernel/netinet/ip_icmp.ts";
import { mac } from "../../../src/wire/addr.ts";
import { arpRequest, icmpEchoRequest, ipv4Frame } from "../../../src/wire/builders.ts";
import { checksumVerifies } from "../../../src/wire/checksum.ts";
import { Bench, hex, ip, MAC_A, MAC_PEER, pingFromPeer } from "../dev/nic_helpers.ts";

/** An epair half with 10.0.0.1/24: epair has no hardware filter, so ether_input sees all. */
function epairBench(): { b: Bench; ifname: string } {
  const b = new Bench();
  b.attach("epair", "epair0a", MAC_A);
  b.attach("epair", "epair0b", MAC_PEER);
  expect(b.addAddr("epair0a", "10.0.0.1", 24)).toBe(0);
  b.sent();
  return { b, ifname: "epair0a" };
}

describe("ether_ifattach", () => {
  test("makes the interface Ethernet: type, address length, header length, MTU, lladdr", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    // ether_ifattach: "ifp->if_addrlen = ETHER_ADDR_LEN; ifp->if_hdrlen = ETHER_HDR_LEN;" and
    // "ifp->if_mtu = ETHERMTU;"; vtnet_setup_interface then sets ifi_hdrlen to
    // sizeof(struct ether_vlan_header) (18) and if_alloc(IFT_ETHER) gave the type.
    expect(ifp.if_type).toBe(IFT_ETHER);
    expect(ifp.if_addrlen).toBe(6);
    expect(ifp.if_hdrlen).toBe(18);
    expect(ifp.if_mtu).toBe(1500);
    // "sdl->sdl_type = IFT_ETHER; sdl->sdl_alen = ifp->if_addrlen; bcopy(lla, LLADDR(sdl), ...)"
    const sdl = ifp.if_addr?.ifa_addr as SockaddrDl;
    expect(isSockaddrDl(sdl)).toBe(true);
    expect(sdl.sdl_type).toBe(IFT_ETHER);
    expect(sdl.sdl_alen).toBe(6);
    expect(hex(LLADDR(sdl))).toBe(hex(MAC_A));
    // "ifp->if_broadcastaddr = etherbroadcastaddr;"
    expect(hex(ifp.if_broadcastaddr ?? new Uint8Array())).toBe("ffffffffffff");
    // vtnet_setup_interface: "ifp->if_flags = IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST;"
    expect(ifp.if_flags).toBe(IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST);
    b.expectConsistent();
  });
});

describe("ether_resolvemulti", () => {
  const b = new Bench();
  const ifp = b.attach("vtnet", "vtnet0", MAC_A);

  test("AF_INET group: a sockaddr_dl of sizeof(struct sockaddr_dl) with the mapped MAC", () => {
    const r = b.k.run(() => ether_resolvemulti(ifp, sockaddrIn(ip("224.0.0.1"))));
    expect(r.error).toBe(0);
    const sdl = r.llsa as SockaddrDl;
    // "sdl->sdl_len = sizeof *sdl; sdl->sdl_family = AF_LINK; sdl->sdl_index = ifp->if_index;
    //  sdl->sdl_type = IFT_ETHER; sdl->sdl_alen = ETHER_ADDR_LEN;" (sizeof is 54 on amd64)
    expect(sdl.sdl_len).toBe(54);
    expect(sdl.sdl_family).toBe(AF_LINK);
    expect(sdl.sdl_index).toBe(ifp.if_index);
    expect(sdl.sdl_type).toBe(IFT_ETHER);
    expect(sdl.sdl_nlen).toBe(0);
    expect(sdl.sdl_alen).toBe(6);
    // if_ether.h ETHER_MAP_IP_MULTICAST: 01:00:5e, then the group's low 23 bits.
    expect(hex(LLADDR(sdl))).toBe("01005e000001");
  });

  test("ETHER_MAP_IP_MULTICAST drops the 24th bit: 239.255.1.2 and 224.127.1.2 share 01:00:5e:7f:01:02", () => {
    // ETHER_MAP_IP_MULTICAST: "(enaddr)[3] = ((u_char *)ipaddr)[1] & 0x7f;"
    expect(hex(ETHER_MAP_IP_MULTICAST(ip("239.255.1.2")))).toBe("01005e7f0102");
    expect(hex(ETHER_MAP_IP_MULTICAST(ip("224.127.1.2")))).toBe("01005e7f0102");
  });

  test("a unicast AF_INET address is refused", () => {
    // "if (!IN_MULTICAST(ntohl(sin->sin_addr.s_addr))) return EADDRNOTAVAIL;"
    expect(b.k.run(() => ether_resolvemulti(ifp, sockaddrIn(ip("10.0.0.1")))).error).toBe(EADDRNOTAVAIL);
  });

  test("AF_LINK: multicast accepted with no further mapping, unicast refused", () => {
    // "if (!ETHER_IS_MULTICAST(e_addr)) return EADDRNOTAVAIL; *llsa = 0; return 0;"
    const group = sockaddrDl({ index: ifp.if_index, type: IFT_ETHER, lladdr: mac("01:00:5e:01:02:03") });
    expect(b.k.run(() => ether_resolvemulti(ifp, group))).toEqual({ error: 0, llsa: null });
    const uni = sockaddrDl({ index: ifp.if_index, type: IFT_ETHER, lladdr: mac("02:00:00:00:00:09") });
    expect(b.k.run(() => ether_resolvemulti(ifp, uni)).error).toBe(EADDRNOTAVAIL);
  });
});

describe("ether_ioctl", () => {
  test("SIOCSIFMTU above ETHERMTU is EINVAL, at or below it is taken", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    // "if (ifr->ifr_mtu > ETHERMTU) { error = EINVAL; } else { ifp->if_mtu = ifr->ifr_mtu; }"
    const big = encodeIfreq(ifreqWithInt("vtnet0", 1501));
    expect(b.k.run(() => ether_ioctl(ifp, SIOCSIFMTU, big))).toBe(EINVAL);
    const small = encodeIfreq(ifreqWithInt("vtnet0", 1280));
    expect(b.k.run(() => ether_ioctl(ifp, SIOCSIFMTU, small))).toBe(0);
    expect(ifp.if_mtu).toBe(1280);
  });

  test("SIOCGIFADDR puts the MAC in sa_data of the sockaddr at ifr_data", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    const ifr = encodeIfreq(ifreqEmpty("vtnet0"));
    // "sa = (struct sockaddr *) & ifr->ifr_data; bcopy(IF_LLADDR(ifp), sa->sa_data, 6)":
    // ifr_data is at offset 16, sa_data 2 bytes into the sockaddr.
    expect(b.k.run(() => ether_ioctl(ifp, SIOCGIFADDR, ifr))).toBe(0);
    expect(hex(ifr.subarray(18, 24))).toBe(hex(MAC_A));
  });

  test("unknown commands are EINVAL", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    // "default: error = EINVAL; /* XXX netbsd has ENOTTY??? */"
    expect(b.k.run(() => ether_ioctl(ifp, 0x12345678, new Uint8Array(32)))).toBe(EINVAL);
  });
});

describe("ether_output", () => {
  test("the gratuitous ARP of a new address, byte by byte", () => {
    const b = new Bench();
    b.attach("vtnet", "vtnet0", MAC_A);
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    const sent = b.sent();
    expect(sent).toHaveLength(1);
    // ether_output AF_ARP (if_ethersubr.c:218-235): "if (m->m_flags & M_BCAST) bcopy(ifp->if_broadcastaddr, edst, ...)",
    // source IF_LLADDR(ifp), type ETHERTYPE_ARP for ARPOP_REQUEST, "ah->ar_hrd =
    // htons(ARPHRD_ETHER)". The ARP body is arprequest's (if_ether.c): pro IP, hln 6, pln 4,
    // op REQUEST, sha our MAC, spa = tpa = the new address (arp_ifinit), tha zero. No padding:
    // vtnet hands the 42 bytes to the host as they are.
    expect(hex(sent[0].frame)).toBe(
      "ffffffffffff" +
        hex(MAC_A) +
        "0806" +
        "0001" +
        "0800" +
        "06" +
        "04" +
        "0001" +
        hex(MAC_A) +
        "0a000001" +
        "000000000000" +
        "0a000001",
    );
    expect(sent[0].ifname).toBe("vtnet0");
    b.expectConsistent();
  });

  test("an M_MCAST IPv4 datagram goes to the group's Ethernet address", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    b.sent();
    const dgram = ipv4Frame({
      srcMac: MAC_A,
      dstMac: MAC_A,
      srcIp: ip("10.0.0.1"),
      dstIp: ip("224.0.0.251"),
      protocol: 253,
      payload: new Uint8Array(4),
    });
    const m = m_gethdr(dgram.slice(14), M_MCAST);
    // ether_output AF_INET → arpresolve (if_ether.c): "if (m->m_flags & M_MCAST ...) {
    // ETHER_MAP_IP_MULTICAST(&SIN(dst)->sin_addr, desten); return (0); }" — no ARP, and a
    // multicast is not looped back by ether_output (only M_BCAST is).
    expect(b.k.run(() => ether_output(ifp, m, sockaddrIn(ip("224.0.0.251")), null))).toBe(0);
    const sent = b.sent();
    expect(sent).toHaveLength(1);
    expect(hex(sent[0].frame.subarray(0, 14))).toBe("01005e0000fb" + hex(MAC_A) + "0800");
  });

  test("ENETDOWN unless the interface is up and running", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    const m = m_gethdr(new Uint8Array(20), M_BCAST);
    // "if (!((ifp->if_flags & IFF_UP) && (ifp->if_drv_flags & IFF_DRV_RUNNING))) senderr(ENETDOWN);"
    expect(b.k.run(() => ether_output(ifp, m, sockaddrIn(ip("10.0.0.255")), null))).toBe(ENETDOWN);
    expect(b.sent()).toHaveLength(0);
  });

  test("IFF_SIMPLEX: a broadcast goes out and a copy comes back in through if_simloop", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    b.sent();
    const before = b.k.run(() => ({ ip: ipstat().ips_total, bm: icmpstat().icps_bmcastecho }));
    const echo = icmpEchoRequest({
      srcMac: MAC_A,
      dstMac: MAC_A,
      srcIp: ip("10.0.0.1"),
      dstIp: ip("10.0.0.255"),
      id: 7,
      seq: 1,
    });
    const m = m_gethdr(echo.slice(14), M_BCAST);
    expect(b.k.run(() => ether_output(ifp, m, sockaddrIn(ip("10.0.0.255")), null))).toBe(0);
    const sent = b.sent();
    expect(sent).toHaveLength(1);
    expect(hex(sent[0].frame.subarray(0, 14))).toBe("ffffffffffff" + hex(MAC_A) + "0800");
    // "if (m->m_flags & M_BCAST) { ... n = m_dup(m, M_NOWAIT) ... if_simloop(ifp, n, ...)": the
    // copy keeps M_BCAST, so icmp_input refuses to answer it ("if (!V_icmpbmcastecho &&
    // (m->m_flags & (M_MCAST | M_BCAST)) != 0) { ICMPSTAT_INC(icps_bmcastecho); break; }").
    const after = b.k.run(() => ({ ip: ipstat().ips_total, bm: icmpstat().icps_bmcastecho }));
    expect(after.ip - before.ip).toBe(1);
    expect(after.bm - before.bm).toBe(1);
  });

  test("IFF_SIMPLEX: an IPv4 datagram resolved to our own MAC is looped back, not transmitted", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    b.sent();
    // A static ARP entry naming our own MAC (as `arp -s 10.0.0.9 <our MAC>` makes).
    b.k.run(() => {
      const lle = lla_lookup(LLTABLE(ifp) as lltable, LLE_CREATE | LLE_EXCLUSIVE, sockaddrIn(ip("10.0.0.9")));
      if (lle === null || lle === LLE_DELETED_PTR) throw new Error("no lle");
      lle.ll_addr.set(MAC_A);
      lle.la_flags |= LLE_VALID | LLE_STATIC;
    });
    const before = b.k.run(() => ipstat().ips_total);
    const dgram = ipv4Frame({
      srcMac: MAC_A,
      dstMac: MAC_A,
      srcIp: ip("10.0.0.1"),
      dstIp: ip("10.0.0.9"),
      protocol: 253,
      payload: new Uint8Array(4),
    });
    // "else if (bcmp(eh->ether_dhost, eh->ether_shost, ETHER_ADDR_LEN) == 0) { ...
    //  (void) if_simloop(ifp, m, dst->sa_family, hlen); return (0); }"
    expect(
      b.k.run(() => ether_output(ifp, m_gethdr(dgram.slice(14), 0), sockaddrIn(ip("10.0.0.9")), null)),
    ).toBe(0);
    expect(b.sent()).toHaveLength(0);
    expect(b.k.run(() => ipstat().ips_total) - before).toBe(1);
  });

  test("AF_UNSPEC (a caller-built header) is never looped back, even to our own MAC", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    b.sent();
    const before = b.k.run(() => ipstat().ips_total);
    const dgram = ipv4Frame({
      srcMac: MAC_A,
      dstMac: MAC_A,
      srcIp: ip("10.0.0.1"),
      dstIp: ip("10.0.0.1"),
      protocol: 253,
      payload: new Uint8Array(4),
    });
    const dst = { sa_len: 16, sa_family: 0, sa_data: dgram.slice(0, 14) };
    // "case AF_UNSPEC: loop_copy = 0; /* if this is for us, don't do it */ eh = (const struct
    //  ether_header *)dst->sa_data; memcpy(edst, eh->ether_dhost...); type = eh->ether_type;"
    expect(b.k.run(() => ether_output(ifp, m_gethdr(dgram.slice(14), 0), dst, null))).toBe(0);
    const sent = b.sent();
    expect(sent).toHaveLength(1);
    expect(hex(sent[0].frame)).toBe(hex(dgram));
    expect(b.k.run(() => ipstat().ips_total)).toBe(before);
  });
});

describe("ether_input and ether_demux", () => {
  test("a runt shorter than an Ethernet header counts an input error", () => {
    const { b, ifname } = epairBench();
    const ifp = b.ifp(ifname);
    const before = ifp.if_data.ifi_ierrors;
    // ether_input_internal: "if (m->m_len < ETHER_HDR_LEN) { ... ifp->if_ierrors++; m_freem(m); return; }"
    expect(b.inject(ifname, new Uint8Array(13))).toBe(0);
    expect(ifp.if_data.ifi_ierrors - before).toBe(1n);
    b.expectConsistent();
  });

  test("nothing is taken in while the interface is down", () => {
    const { b, ifname } = epairBench();
    const ifp = b.ifp(ifname);
    expect(b.setFlags(ifname, ifp.if_flags & ~IFF_UP)).toBe(0);
    const before = {
      ip: b.k.run(() => ipstat().ips_total),
      ierr: ifp.if_data.ifi_ierrors,
      mc: ifp.if_data.ifi_imcasts,
    };
    // "if ((ifp->if_flags & IFF_UP) == 0) { m_freem(m); return; }" — before any counter.
    b.inject(ifname, pingFromPeer("10.0.0.1"));
    b.inject(ifname, new Uint8Array(5));
    expect(b.k.run(() => ipstat().ips_total)).toBe(before.ip);
    expect(ifp.if_data.ifi_ierrors).toBe(before.ierr);
    expect(ifp.if_data.ifi_imcasts).toBe(before.mc);
  });

  test("unicast to another MAC is M_PROMISC and never reaches IP", () => {
    const { b, ifname } = epairBench();
    const before = b.k.run(() => ipstat().ips_total);
    // "if (!ETHER_IS_MULTICAST(eh->ether_dhost) && bcmp(IF_LLADDR(ifp), eh->ether_dhost, ...) != 0)
    //  m->m_flags |= M_PROMISC;" then ether_demux: "if ((ifp->if_flags & IFF_PPROMISC) == 0 &&
    //  (m->m_flags & M_PROMISC)) { m_freem(m); return; }"
    b.inject(ifname, pingFromPeer("10.0.0.1", { dstMac: mac("02:00:00:00:99:99") }));
    expect(b.k.run(() => ipstat().ips_total)).toBe(before);
    expect(b.sent()).toHaveLength(0);
  });

  test("broadcast and multicast destinations count in if_imcasts and are passed up", () => {
    const { b, ifname } = epairBench();
    const ifp = b.ifp(ifname);
    const mc0 = ifp.if_data.ifi_imcasts;
    const ip0 = b.k.run(() => ipstat().ips_total);
    // "if (ETHER_IS_MULTICAST(eh->ether_dhost)) { ... M_BCAST or M_MCAST ...; ifp->if_imcasts++; }"
    b.inject(ifname, pingFromPeer("10.0.0.255", { dstMac: mac("ff:ff:ff:ff:ff:ff") }));
    b.inject(ifname, pingFromPeer("224.0.0.1", { dstMac: mac("01:00:5e:00:00:01"), seq: 2 }));
    expect(ifp.if_data.ifi_imcasts - mc0).toBe(2n);
    expect(b.k.run(() => ipstat().ips_total) - ip0).toBe(2);
  });

  test("an 802.1Q frame for VLAN 5 counts no-protocol; VLAN 0 (priority tag) goes on to IP", () => {
    const { b, ifname } = epairBench();
    const ifp = b.ifp(ifname);
    const plain = pingFromPeer("10.0.0.1");
    const tagged = (vid: number): Uint8Array => {
      const f = new Uint8Array(plain.length + 4);
      f.set(plain.subarray(0, 12));
      f.set([0x81, 0x00, (vid >> 8) & 0x0f, vid & 0xff], 12);
      f.set(plain.subarray(12), 16);
      return f;
    };
    const np0 = ifp.if_data.ifi_noproto;
    const ip0 = b.k.run(() => ipstat().ips_total);
    // ether_input_internal strips an 802.1Q header into M_VLANTAG; ether_demux: "if ((m->m_flags &
    // M_VLANTAG) && EVL_VLANOFTAG(m->m_pkthdr.ether_vtag) != 0) { if (ifp->if_vlantrunk == NULL)
    // { ifp->if_noproto++; m_freem(m); return; } ..."
    b.inject(ifname, tagged(5));
    expect(ifp.if_data.ifi_noproto - np0).toBe(1n);
    expect(b.k.run(() => ipstat().ips_total)).toBe(ip0);
    b.inject(ifname, tagged(0));
    expect(b.k.run(() => ipstat().ips_total) - ip0).toBe(1);
  });

  test("ARP is dropped on an IFF_NOARP interface", () => {
    const { b, ifname } = epairBench();
    const ifp = b.ifp(ifname);
    expect(b.setFlags(ifname, ifp.if_flags | IFF_NOARP)).toBe(0);
    // ether_demux: "case ETHERTYPE_ARP: if (ifp->if_flags & IFF_NOARP) { m_freem(m); return; }"
    b.inject(ifname, arpRequest({ srcMac: MAC_PEER, srcIp: ip("10.0.0.2"), targetIp: ip("10.0.0.1") }));
    expect(b.sent()).toHaveLength(0);
  });

  test("an ARP request for our address is answered (dispatch to ARP)", () => {
    const { b, ifname } = epairBench();
    // ether_demux: "case ETHERTYPE_ARP: ... isr = NETISR_ARP;" — in_arpinput replies.
    b.inject(ifname, arpRequest({ srcMac: MAC_PEER, srcIp: ip("10.0.0.2"), targetIp: ip("10.0.0.1") }));
    const sent = b.sent().filter((f) => f.ifname === ifname);
    expect(sent).toHaveLength(1);
    // ether_output AF_ARP, reply: "bcopy(ar_tha(ah), edst, ETHER_ADDR_LEN)", type ARP.
    expect(hex(sent[0].frame.subarray(0, 14))).toBe(hex(MAC_PEER) + hex(MAC_A) + "0806");
  });

  test("other EtherTypes are discarded without a counter", () => {
    const { b, ifname } = epairBench();
    const ifp = b.ifp(ifname);
    const f = new Uint8Array(60);
    f.set(MAC_A, 0);
    f.set(MAC_PEER, 6);
    f.set([0x88, 0xb5], 12);
    const before = { np: ifp.if_data.ifi_noproto, ie: ifp.if_data.ifi_ierrors };
    // ether_demux "default: ... goto discard;" — m_freem without statistics.
    b.inject(ifname, f);
    expect(ifp.if_data.ifi_noproto).toBe(before.np);
    expect(ifp.if_data.ifi_ierrors).toBe(before.ie);
  });
});

test("outgoing IP is checksummed: every IPv4 header the twin transmits verifies", () => {
  const b = new Bench();
  b.attach("vtnet", "vtnet0", MAC_A);
  expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
  b.inject("vtnet0", arpRequest({ srcMac: MAC_PEER, srcIp: ip("10.0.0.2"), targetIp: ip("10.0.0.1") }));
  b.inject("vtnet0", pingFromPeer("10.0.0.1", { id: 3, seq: 9 }));
  const ipFrames = b.sent().filter((f) => f.frame[12] === 0x08 && f.frame[13] === 0x00);
  // The ARP request is answered with an ARP reply, the ping with one IPv4 echo reply.
  expect(ipFrames).toHaveLength(1);
  // ip_output: "ip->ip_sum = 0; if (m->m_pkthdr.csum_flags & CSUM_IP & ~ifp->if_hwassist)
  // ip->ip_sum = in_cksum(m, hlen);" — vtnet's if_hwassist has no CSUM_IP.
  for (const f of ipFrames) expect(checksumVerifies(f.frame.subarray(14, 34))).toBe(true);
});
