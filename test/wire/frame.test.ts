import { describe, expect, it } from "vitest";
import { mac } from "../../src/wire/addr.ts";
import { arpRequest, icmpEchoRequest, udpDatagram } from "../../src/wire/builders.ts";
import { decodeFrame, frameLayer } from "../../src/wire/frame.ts";
import { formatFrame } from "../../src/wire/format.ts";
import { frameToJson } from "../../src/wire/json.ts";
import { hexBytes } from "./helpers.ts";

const A = mac("02:00:00:00:00:02");
const B = mac("02:00:00:00:00:01");
const IP_A = 0x0a000002;
const IP_B = 0x0a000001;
const ETH_A_TO_B = "02 00 00 00 00 01  02 00 00 00 00 02  0800";

// The ipv4.test.ts datagram (10.0.0.2 > 10.0.0.1 ICMP echo "ping") in an Ethernet frame.
const ECHO_FRAME = hexBytes(`${ETH_A_TO_B} 4500 0020 1234 4000 4001 14a7 0a000002 0a000001
  0800 192d 0001 0001 70696e67`);
// The igmp.test.ts v2 report behind the ipv4.test.ts Router Alert header.
const IGMP_FRAME = hexBytes(`01 00 5e 01 01 01  02 00 00 00 00 02  0800
  4600 0020 0000 0000 0102 2ad4 0a000002 ef010101 94040000  1600 f9fc ef010101`);

describe("decodeFrame", () => {
  it("layers an ARP request padded to 60 bytes, padding as a trailer", () => {
    const frame = decodeFrame(arpRequest({ srcMac: A, srcIp: IP_A, targetIp: IP_B, padTo: 60 }));
    expect(frame.length).toBe(60);
    expect(frame.layers.map((l) => l.layer)).toEqual(["ethernet", "arp", "trailer"]);
    const trailer = frameLayer(frame, "trailer");
    expect(trailer?.after).toBe("arp");
    expect(trailer?.bytes).toEqual(new Uint8Array(18));
    expect(frameLayer(frame, "arp")?.arp.targetIp).toBe(IP_B);
  });

  it("layers ICMP, UDP and IGMP with their checksum verdicts", () => {
    const echo = decodeFrame(ECHO_FRAME);
    expect(echo.layers.map((l) => l.layer)).toEqual(["ethernet", "ipv4", "icmp"]);
    expect(frameLayer(echo, "ipv4")?.checksumOk).toBe(true);
    expect(frameLayer(echo, "icmp")?.checksumOk).toBe(true);

    const igmp = decodeFrame(IGMP_FRAME);
    expect(igmp.layers.map((l) => l.layer)).toEqual(["ethernet", "ipv4", "igmp"]);
    expect(frameLayer(igmp, "igmp")?.checksumOk).toBe(true);

    const udp = decodeFrame(
      udpDatagram({
        srcMac: A,
        dstMac: B,
        srcIp: IP_A,
        dstIp: IP_B,
        srcPort: 40000,
        dstPort: 9,
        payload: hexBytes("00"),
      }),
    );
    expect(frameLayer(udp, "udp")?.checksum).toBe("ok");
  });

  it("flags wrong checksums without losing the rest", () => {
    const bad = ECHO_FRAME.slice();
    bad[14 + 11] ^= 1; // IP header checksum
    bad[34 + 3] ^= 1; // ICMP checksum
    const f = decodeFrame(bad);
    expect(frameLayer(f, "ipv4")?.checksumOk).toBe(false);
    expect(frameLayer(f, "icmp")?.checksumOk).toBe(false);
    expect(formatFrame(bad, { link: false })).toBe(
      "IP 10.0.0.2 > 10.0.0.1: [bad ip cksum] ICMP echo request id 1 seq 1 length 12 [bad icmp cksum]",
    );
  });

  it("keeps undecoded and broken layers as bytes", () => {
    const v6 = hexBytes(`${ETH_A_TO_B.replace("0800", "86dd")} 60000000`);
    expect(frameLayer(decodeFrame(v6), "payload")).toEqual({
      layer: "payload",
      what: "ethertype 0x86dd",
      bytes: hexBytes("60000000"),
    });
    const cut = ECHO_FRAME.subarray(0, 30);
    const err = frameLayer(decodeFrame(cut), "error");
    expect(err?.error.layer).toBe("ipv4");
    expect(err?.bytes.length).toBe(16);
    const frag = ECHO_FRAME.slice();
    frag[14 + 6] = 0x20; // MF
    frag[14 + 10] = frag[14 + 11] = 0;
    expect(frameLayer(decodeFrame(frag), "payload")?.what).toBe("fragment");
    expect(decodeFrame(new Uint8Array(5)).layers[0].layer).toBe("error");
  });
});

describe("formatFrame", () => {
  it("writes one tcpdump-like line per frame", () => {
    expect(formatFrame(arpRequest({ srcMac: A, srcIp: IP_A, targetIp: IP_B }))).toBe(
      "02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff, length 42: ARP who-has 10.0.0.1 tell 10.0.0.2",
    );
    expect(formatFrame(ECHO_FRAME, { link: false })).toBe(
      "IP 10.0.0.2 > 10.0.0.1: ICMP echo request id 1 seq 1 length 12",
    );
    expect(formatFrame(IGMP_FRAME, { link: false })).toBe(
      "IP 10.0.0.2 > 239.1.1.1 [options (RA)]: IGMP v2 report 239.1.1.1",
    );
    const udp = udpDatagram({
      srcMac: A,
      dstMac: B,
      srcIp: IP_A,
      dstIp: IP_B,
      srcPort: 40000,
      dstPort: 9,
      payload: hexBytes("70696e67"),
    });
    expect(formatFrame(udp, { link: false })).toBe("IP 10.0.0.2.40000 > 10.0.0.1.9: UDP, length 4");
    expect(formatFrame(new Uint8Array(3))).toBe(
      "[ethernet at byte 3: truncated: needs 14 bytes, 3 available]",
    );
  });
});

describe("frameToJson", () => {
  it("gives plain data with addresses as text and every field", () => {
    const json = frameToJson(
      icmpEchoRequest({ srcMac: A, dstMac: B, srcIp: IP_A, dstIp: IP_B, id: 7, seq: 3, ident: 0x1234 }),
    );
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json.length).toBe(42);
    expect(json.layers[0]).toEqual({
      layer: "ethernet",
      dst: "02:00:00:00:00:01",
      src: "02:00:00:00:00:02",
      ethertype: "0x0800",
    });
    expect(json.layers[1]).toMatchObject({
      layer: "ipv4",
      src: "10.0.0.2",
      dst: "10.0.0.1",
      ttl: 64,
      ident: 0x1234,
    });
    expect(json.layers[2]).toMatchObject({
      layer: "icmp",
      kind: "echo-request",
      id: 7,
      seq: 3,
      data: "",
      checksumOk: true,
    });
  });

  it("differs when only a checksum differs", () => {
    const bad = ECHO_FRAME.slice();
    bad[34 + 3] ^= 1;
    expect(frameToJson(bad)).not.toEqual(frameToJson(ECHO_FRAME));
  });

  it("renders IGMP and the Router Alert option as text", () => {
    const json = frameToJson(IGMP_FRAME);
    expect(json.layers[1]).toMatchObject({ options: "94040000", ttl: 1, checksum: "0x2ad4" });
    expect(json.layers[2]).toEqual({
      layer: "igmp",
      kind: "v2-report",
      maxRespCode: 0,
      checksum: "0xf9fc",
      group: "239.1.1.1",
      checksumOk: true,
    });
  });
});
