// Truncated, mutated and random bytes never make a parser throw, and whenever a parser accepts
// bytes, emit(parse(bytes)) gives back exactly the bytes it consumed. Fixed seeds: same cases
// on every run.

import { describe, expect, it } from "vitest";
import { mac } from "../../src/wire/addr.ts";
import { arpBufferLen, emitArp, parseArp } from "../../src/wire/arp.ts";
import {
  arpRequest,
  icmpEchoRequest,
  igmpQuery,
  igmpReport,
  igmpV3Report,
  udpDatagram,
} from "../../src/wire/builders.ts";
import { isWireError } from "../../src/wire/error.ts";
import { emitEthernet, parseEthernet } from "../../src/wire/ethernet.ts";
import { decodeFrame } from "../../src/wire/frame.ts";
import { formatFrame } from "../../src/wire/format.ts";
import { emitIcmp, icmpBufferLen, parseIcmp } from "../../src/wire/icmp.ts";
import { emitIgmp, igmpBufferLen, parseIgmp } from "../../src/wire/igmp.ts";
import { emitIpv4Packet, ipv4BufferLen, parseIpv4Packet } from "../../src/wire/ipv4.ts";
import { frameToJson } from "../../src/wire/json.ts";
import { readPcap, writePcap } from "../../src/wire/pcap.ts";
import { emitUdp, parseUdp, udpBufferLen } from "../../src/wire/udp.ts";
import { randomBytes, seededRandom } from "./helpers.ts";

const A = mac("02:00:00:00:00:02");
const B = mac("02:00:00:00:00:01");

const SEEDS: Uint8Array[] = [
  arpRequest({ srcMac: A, srcIp: 0x0a000002, targetIp: 0x0a000001, padTo: 60 }),
  icmpEchoRequest({
    srcMac: A,
    dstMac: B,
    srcIp: 0x0a000002,
    dstIp: 0x0a000001,
    id: 1,
    seq: 2,
    payload: new Uint8Array(16),
  }),
  igmpReport({ srcMac: A, srcIp: 0x0a000002, group: 0xef010101, version: 2 }),
  igmpQuery({ srcMac: A, srcIp: 0x0a000002, version: 3, group: 0xef010101, sources: [1, 2] }),
  igmpV3Report({
    srcMac: A,
    srcIp: 0x0a000002,
    records: [{ type: 1, group: 0xef010101, sources: [0x0a000009], auxData: new Uint8Array(4) }],
  }),
  udpDatagram({
    srcMac: A,
    dstMac: B,
    srcIp: 0x0a000002,
    dstIp: 0x0a000001,
    srcPort: 1,
    dstPort: 2,
    payload: new Uint8Array(5),
  }),
];

function decodeEverything(bytes: Uint8Array): void {
  const frame = decodeFrame(bytes);
  expect(frame.layers.length).toBeGreaterThan(0);
  expect(typeof formatFrame(bytes)).toBe("string");
  JSON.stringify(frameToJson(bytes));
}

/** parse → emit gives back the consumed prefix, for every parser that accepts the bytes. */
function roundTripsEveryLayer(bytes: Uint8Array): void {
  const eth = parseEthernet(bytes);
  if (!isWireError(eth)) expect(emitEthernet(eth)).toEqual(bytes);
  const tail = bytes.subarray(14);
  const arp = parseArp(tail);
  if (!isWireError(arp)) expect(emitArp(arp)).toEqual(tail.subarray(0, arpBufferLen(arp)));
  const ip = parseIpv4Packet(tail);
  if (!isWireError(ip)) {
    expect(emitIpv4Packet(ip)).toEqual(tail.subarray(0, ipv4BufferLen(ip)));
    const icmp = parseIcmp(ip.payload);
    if (!isWireError(icmp)) expect(emitIcmp(icmp)).toEqual(ip.payload.subarray(0, icmpBufferLen(icmp)));
    const igmp = parseIgmp(ip.payload);
    if (!isWireError(igmp)) expect(emitIgmp(igmp)).toEqual(ip.payload.subarray(0, igmpBufferLen(igmp)));
    const udp = parseUdp(ip.payload);
    if (!isWireError(udp)) expect(emitUdp(udp, ip)).toEqual(ip.payload.subarray(0, udpBufferLen(udp)));
  }
}

describe("robustness", () => {
  it("every truncation of every seed frame decodes without throwing", () => {
    for (const seed of SEEDS) {
      for (let n = 0; n <= seed.length; n++) {
        decodeEverything(seed.subarray(0, n));
        roundTripsEveryLayer(seed.subarray(0, n));
      }
    }
  });

  it("random byte mutations of the seeds decode without throwing and round-trip", () => {
    const rand = seededRandom(0x5eed);
    for (let i = 0; i < 1500; i++) {
      const f = SEEDS[i % SEEDS.length].slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) f[Math.floor(rand() * f.length)] = Math.floor(rand() * 256);
      decodeEverything(f);
      roundTripsEveryLayer(f);
    }
  });

  it("random frames with ARP and IPv4 EtherTypes decode without throwing and round-trip", () => {
    const rand = seededRandom(42);
    for (let i = 0; i < 1500; i++) {
      const f = randomBytes(rand, Math.floor(rand() * 120));
      if (f.length >= 14) {
        f[12] = 0x08;
        f[13] = i % 2 === 0 ? 0x00 : 0x06;
      }
      if (f.length >= 15 && i % 4 === 0) f[14] = 0x45 + (i % 11); // valid version, varied IHL
      decodeEverything(f);
      roundTripsEveryLayer(f);
    }
  });

  it("random and truncated pcap files give an error value or records, never an exception", () => {
    const rand = seededRandom(7);
    const good = writePcap(SEEDS.map((bytes, i) => ({ timeUs: i * 1000, bytes })));
    for (let n = 0; n <= good.length; n++) readPcap(good.subarray(0, n));
    for (let i = 0; i < 1000; i++) {
      const f = good.slice();
      f[Math.floor(rand() * f.length)] = Math.floor(rand() * 256);
      const r = readPcap(f);
      expect(isWireError(r) || Array.isArray(r.records)).toBe(true);
      expect(isWireError(readPcap(randomBytes(rand, Math.floor(rand() * 64))))).toBe(true);
    }
  });
});
