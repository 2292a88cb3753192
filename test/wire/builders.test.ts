import { describe, expect, it } from "vitest";
import { BROADCAST_MAC, mac } from "../../src/wire/addr.ts";
import {
  arpReply,
  arpRequest,
  gratuitousArp,
  icmpEchoReply,
  icmpEchoRequest,
  igmpLeave,
  igmpQuery,
  igmpReport,
  igmpV3Report,
  udpDatagram,
} from "../../src/wire/builders.ts";
import { decodeFrame, frameLayer } from "../../src/wire/frame.ts";
import { formatFrame } from "../../src/wire/format.ts";
import { hexBytes } from "./helpers.ts";

const A = mac("02:00:00:00:00:02");
const B = mac("02:00:00:00:00:01");
const IP_A = 0x0a000002;
const IP_B = 0x0a000001;

describe("arpRequest pins FreeBSD 10.4's arprequest() + ether_output()", () => {
  const frame = arpRequest({ srcMac: A, srcIp: IP_A, targetIp: IP_B });
  it("lays out every byte as FreeBSD does", () => {
    expect(frame).toEqual(
      hexBytes(`
        ff ff ff ff ff ff   # ether_dhost: if_broadcastaddr, because arprequest sets M_BCAST
                            #   (if_ether.c:323; if_ethersubr.c:234-235, written at :337)
        02 00 00 00 00 02   # ether_shost: IF_LLADDR(ifp) (if_ethersubr.c:342)
        08 06               # ether_type: ETHERTYPE_ARP for ARPOP_REQUEST (if_ethersubr.c:230, written at :335)
        00 01               # ar_hrd: ARPHRD_ETHER, set by ether_output (if_ethersubr.c:218)
        08 00               # ar_pro: ETHERTYPE_IP (if_ether.c:314)
        06                  # ar_hln: ifp->if_addrlen (if_ether.c:315)
        04                  # ar_pln: sizeof(struct in_addr) (if_ether.c:316)
        00 01               # ar_op: ARPOP_REQUEST (if_ether.c:317)
        02 00 00 00 00 02   # ar_sha: enaddr, IF_LLADDR when the caller passes none (if_ether.c:301, 318)
        0a 00 00 02         # ar_spa: sip (if_ether.c:319)
        00 00 00 00 00 00   # ar_tha: never written, zero from bzero (if_ether.c:310)
        0a 00 00 01         # ar_tpa: tip (if_ether.c:320)
      `),
    );
  });

  it("is 42 bytes: the mbuf holds 8 + 2*4 + 2*6 = 28 ARP bytes (if_ether.c:305-306) plus the 14-byte header", () => {
    expect(frame.length).toBe(42);
  });
});

describe("other builders", () => {
  it("gratuitousArp is a request for one's own address (arp_ifinit: arprequest(ifp, addr, addr, lladdr))", () => {
    const g = decodeFrame(gratuitousArp({ srcMac: A, ip: IP_A }));
    const arp = frameLayer(g, "arp")?.arp;
    expect(arp?.operation).toBe(1);
    expect(arp?.senderIp).toBe(IP_A);
    expect(arp?.targetIp).toBe(IP_A);
    expect(frameLayer(g, "ethernet")?.dst).toEqual(BROADCAST_MAC);
  });

  it("arpReply answers unicast with tha/tpa of the requester (in_arpinput's reply path)", () => {
    const r = decodeFrame(arpReply({ srcMac: B, srcIp: IP_B, dstMac: A, dstIp: IP_A }));
    expect(frameLayer(r, "ethernet")?.dst).toEqual(A);
    expect(frameLayer(r, "arp")?.arp).toEqual({
      hardwareType: 1,
      protocolType: 0x0800,
      operation: 2,
      senderMac: B,
      senderIp: IP_B,
      targetMac: A,
      targetIp: IP_A,
    });
  });

  it("icmpEchoRequest builds the ipv4.test.ts datagram exactly", () => {
    const frame = icmpEchoRequest({
      srcMac: A,
      dstMac: B,
      srcIp: IP_A,
      dstIp: IP_B,
      id: 1,
      seq: 1,
      ident: 0x1234,
      payload: new TextEncoder().encode("ping"),
    });
    // Same bytes as in ipv4.test.ts/icmp.test.ts except DF, which the builder leaves clear:
    // flags word 0000, so the header checksum is 14a7 + 4000 = 54a7.
    expect(frame).toEqual(
      hexBytes(`02 00 00 00 00 01  02 00 00 00 00 02  0800
        4500 0020 1234 0000 4001 54a7 0a000002 0a000001  0800 192d 0001 0001 70696e67`),
    );
    const reply = decodeFrame(
      icmpEchoReply({ srcMac: B, dstMac: A, srcIp: IP_B, dstIp: IP_A, id: 1, seq: 1 }),
    );
    expect(frameLayer(reply, "icmp")?.icmp.kind).toBe("echo-reply");
    expect(frameLayer(reply, "icmp")?.checksumOk).toBe(true);
  });

  it("igmpReport v2 builds the frame.test.ts report exactly: TTL 1, Router Alert, to the group", () => {
    expect(igmpReport({ srcMac: A, srcIp: IP_A, group: 0xef010101, version: 2 })).toEqual(
      hexBytes(`01 00 5e 01 01 01  02 00 00 00 00 02  0800
        4600 0020 0000 0000 0102 2ad4 0a000002 ef010101 94040000  1600 f9fc ef010101`),
    );
  });

  it("IGMP destinations and versions", () => {
    const line = (f: Uint8Array): string => formatFrame(f, { link: false });
    expect(line(igmpReport({ srcMac: A, srcIp: IP_A, group: 0xef010101, version: 1 }))).toBe(
      "IP 10.0.0.2 > 239.1.1.1: IGMP v1 report 239.1.1.1",
    );
    expect(line(igmpLeave({ srcMac: A, srcIp: IP_A, group: 0xef010101 }))).toBe(
      "IP 10.0.0.2 > 224.0.0.2 [options (RA)]: IGMP v2 leave 239.1.1.1",
    );
    expect(
      line(
        igmpV3Report({
          srcMac: A,
          srcIp: IP_A,
          records: [{ type: 4, group: 0xef010101, sources: [], auxData: new Uint8Array(0) }],
        }),
      ),
    ).toBe("IP 10.0.0.2 > 224.0.0.22 [options (RA)]: IGMP v3 report 1 record(s): to_ex 239.1.1.1 {}");
    expect(line(igmpQuery({ srcMac: B, srcIp: IP_B, version: 2 }))).toBe(
      "IP 10.0.0.1 > 224.0.0.1 [options (RA)]: IGMP v2 query general max resp 10.0s",
    );
    expect(line(igmpQuery({ srcMac: B, srcIp: IP_B, version: 1 }))).toBe(
      "IP 10.0.0.1 > 224.0.0.1: IGMP v1 query general",
    );
    expect(line(igmpQuery({ srcMac: B, srcIp: IP_B, version: 3, group: 0xef010101, sources: [IP_A] }))).toBe(
      "IP 10.0.0.1 > 239.1.1.1 [options (RA)]: IGMP v3 query group 239.1.1.1 sources 10.0.0.2 max resp 10.0s qrv 2 qqi 125s",
    );
  });

  it("udpDatagram carries a valid checksum; padTo pads with zeros after the datagram", () => {
    const f = udpDatagram({
      srcMac: A,
      dstMac: B,
      srcIp: IP_A,
      dstIp: IP_B,
      srcPort: 1,
      dstPort: 2,
      payload: hexBytes("ab"),
      padTo: 60,
    });
    expect(f.length).toBe(60);
    const d = decodeFrame(f);
    expect(frameLayer(d, "udp")?.checksum).toBe("ok");
    expect(frameLayer(d, "trailer")).toEqual({
      layer: "trailer",
      after: "ipv4",
      bytes: new Uint8Array(60 - 43),
    });
  });
});
