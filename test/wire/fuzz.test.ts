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

/** Cheap comparison first; vitest's diff only when the bytes differ, to keep thousands of cases fast. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (actual.length !== expected.length || actual.some((b, i) => b !== expected[i]))
    expect(actual).toEqual(expected);
}

function decodeEverything(bytes: Uint8Array): void {
  const frame = decodeFrame(bytes);
  expect(frame.layers.length).toBeGreaterThan(0);
  expect(typeof formatFrame(bytes)).toBe("string");
  JSON.stringify(frameToJson(bytes));
}

type Accepted = Record<"ethernet" | "arp" | "ipv4" | "icmp" | "igmp" | "udp", number>;
const none = (): Accepted => ({ ethernet: 0, arp: 0, ipv4: 0, icmp: 0, igmp: 0, udp: 0 });

/**
 * parse → emit gives back the consumed prefix, for every parser that accepts the bytes; counts
 * the acceptances so a run can show it really exercised each round trip.
 */
function roundTripsEveryLayer(bytes: Uint8Array, seen: Accepted): void {
  const eth = parseEthernet(bytes);
  if (!isWireError(eth)) {
    seen.ethernet++;
    expectSameBytes(emitEthernet(eth), bytes);
  }
  const tail = bytes.subarray(14);
  const arp = parseArp(tail);
  if (!isWireError(arp)) {
    seen.arp++;
    expectSameBytes(emitArp(arp), tail.subarray(0, arpBufferLen(arp)));
  }
  const ip = parseIpv4Packet(tail);
  if (isWireError(ip)) return;
  seen.ipv4++;
  expectSameBytes(emitIpv4Packet(ip), tail.subarray(0, ipv4BufferLen(ip)));
  const icmp = parseIcmp(ip.payload);
  if (!isWireError(icmp)) {
    seen.icmp++;
    expectSameBytes(emitIcmp(icmp), ip.payload.subarray(0, icmpBufferLen(icmp)));
  }
  const igmp = parseIgmp(ip.payload);
  if (!isWireError(igmp)) {
    seen.igmp++;
    expectSameBytes(emitIgmp(igmp), ip.payload.subarray(0, igmpBufferLen(igmp)));
  }
  const udp = parseUdp(ip.payload);
  if (!isWireError(udp)) {
    seen.udp++;
    expectSameBytes(emitUdp(udp, ip), ip.payload.subarray(0, udpBufferLen(udp)));
  }
}

function expectEveryLayerExercised(seen: Accepted, atLeast: number): void {
  for (const [layer, n] of Object.entries(seen))
    expect(n, `${layer} round trips`).toBeGreaterThanOrEqual(atLeast);
}

describe("robustness", () => {
  it("every truncation of every seed frame decodes without throwing", () => {
    const seen = none();
    for (const seed of SEEDS) {
      for (let n = 0; n <= seed.length; n++) {
        decodeEverything(seed.subarray(0, n));
        roundTripsEveryLayer(seed.subarray(0, n), seen);
      }
    }
    expectEveryLayerExercised(seen, 1);
    // ARP parses from 28 bytes on: the padded ARP seed's 46-byte payload cut to 28..46 bytes.
    expect(seen.arp).toBe(19);
    // IPv4 needs all of its total length: each of the five IPv4 seeds parses only when whole.
    expect(seen.ipv4).toBe(5);
  });

  it("random byte mutations of the seeds decode without throwing and round-trip", () => {
    const rand = seededRandom(0x5eed);
    const seen = none();
    for (let i = 0; i < 1500; i++) {
      const f = SEEDS[i % SEEDS.length].slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) f[Math.floor(rand() * f.length)] = Math.floor(rand() * 256);
      decodeEverything(f);
      roundTripsEveryLayer(f, seen);
    }
    expectEveryLayerExercised(seen, 50);
  });

  it("random frames with ARP and IPv4 EtherTypes decode without throwing and round-trip", () => {
    const rand = seededRandom(42);
    const seen = none();
    for (let i = 0; i < 1500; i++) {
      const f = randomBytes(rand, Math.floor(rand() * 120));
      if (f.length >= 14) {
        f[12] = 0x08;
        f[13] = i % 2 === 0 ? 0x00 : 0x06;
      }
      if (f.length >= 15 && i % 4 === 0) f[14] = 0x45 + (i % 11); // valid version, varied IHL
      if (f.length >= 20 && i % 2 === 1) f.set([6, 4], 18); // ARP hln 6, pln 4
      decodeEverything(f);
      roundTripsEveryLayer(f, seen);
    }
    // Random bytes rarely make a whole valid IPv4 header; ethernet and ARP must still be hit often.
    expect(seen.ethernet).toBeGreaterThan(1000);
    expect(seen.arp).toBeGreaterThan(100);
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
