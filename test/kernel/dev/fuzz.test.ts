// Random, truncated and mutated frames into every driver's receive path (fixed seeds): the twin
// must never throw — the kernel drops bad input with a counter, it does not panic — and its
// reference counts and lists must still balance afterwards.

import { expect, test } from "vitest";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { ipstat } from "../../../src/kernel/netinet/ip_input.ts";
import { arpReply, arpRequest, icmpEchoRequest, ipv4Frame } from "../../../src/wire/builders.ts";
import { internetChecksum } from "../../../src/wire/checksum.ts";
import { Bench, ip, MAC_A, MAC_PEER, prng } from "./nic_helpers.ts";

/** Well-formed frames a peer would send, as seeds for truncation and mutation. */
function seeds(): Uint8Array[] {
  const base = { srcMac: MAC_PEER, dstMac: MAC_A, srcIp: ip("10.0.0.2"), dstIp: ip("10.0.0.1") };
  return [
    icmpEchoRequest({ ...base, id: 1, seq: 1, payload: new Uint8Array(24).fill(7) }),
    icmpEchoRequest({
      ...base,
      dstMac: new Uint8Array(6).fill(0xff),
      dstIp: ip("10.0.0.255"),
      id: 2,
      seq: 2,
    }),
    arpRequest({ srcMac: MAC_PEER, srcIp: ip("10.0.0.2"), targetIp: ip("10.0.0.1") }),
    arpReply({ srcMac: MAC_PEER, srcIp: ip("10.0.0.2"), dstMac: MAC_A, dstIp: ip("10.0.0.1") }),
    ipv4Frame({
      ...base,
      dstIp: ip("10.7.0.9"),
      protocol: 1,
      payload: new Uint8Array([11, 0, 0, 0, 0, 0, 0, 0]),
      ttl: 1,
    }),
    ipv4Frame({ ...base, protocol: 2, payload: new Uint8Array([0x11, 100, 0, 0, 0, 0, 0, 0]) }),
    ipv4Frame({ ...base, protocol: 17, payload: new Uint8Array(12) }),
    withOptions(ipv4Frame({ ...base, dstIp: ip("10.7.0.9"), protocol: 253, payload: new Uint8Array(1000) })),
  ];
}

/** The frame with a 12-byte option area (NOP, a 6-byte and a copied 4-byte option, EOL). */
function withOptions(f: Uint8Array): Uint8Array {
  const opts = [0x01, 0x52, 0x06, 1, 2, 3, 4, 0x88, 0x04, 0x12, 0x34, 0x00];
  const out = new Uint8Array(f.length + opts.length);
  out.set(f.subarray(0, 34));
  out.set(opts, 34);
  out.set(f.subarray(34), 34 + opts.length);
  const ipv = new DataView(out.buffer, 14);
  out[14] = 0x48;
  ipv.setUint16(2, ipv.getUint16(2, false) + opts.length, false);
  ipv.setUint16(10, 0, false);
  ipv.setUint16(10, internetChecksum(out.subarray(14, 46)), false);
  return out;
}

function fuzz(b: Bench, ifname: string, seed: number, raw: boolean): void {
  const rnd = prng(seed);
  const frames = seeds().map((f) => (raw ? f.slice(14) : f));
  for (let i = 0; i < 400; i++) {
    const kind = rnd() % 3;
    let f: Uint8Array;
    if (kind === 0) {
      f = new Uint8Array(rnd() % 80).map(() => rnd());
    } else {
      const src = frames[rnd() % frames.length];
      f = src.slice(0, kind === 1 ? rnd() % (src.length + 1) : src.length);
      if (kind === 2) for (let j = 0; j < 1 + (rnd() % 4); j++) f[rnd() % f.length] = rnd();
    }
    expect(b.inject(ifname, f)).toBe(0);
    if (i % 50 === 0) b.k.advance(0.5);
  }
  b.expectConsistent();
}

function forwarding(b: Bench): void {
  const one = new Uint8Array([1, 0, 0, 0]);
  expect(b.k.sysctl(Kernel.root(), "net.inet.ip.forwarding", one).errno).toBe(0);
}

test("vtnet: 400 random/truncated/mutated frames, forwarding on", () => {
  const b = new Bench();
  b.attach("vtnet", "vtnet0", MAC_A);
  b.attach("vtnet", "vtnet1", MAC_PEER);
  expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
  expect(b.addAddr("vtnet1", "10.7.0.1", 24)).toBe(0);
  // A small MTU on the way out, so forwarded datagrams (options and all) are fragmented.
  expect(b.setMtu("vtnet1", 576)).toBe(0);
  forwarding(b);
  fuzz(b, "vtnet0", 0x5eed, false);
  // The seeds did reach ip_fragment (ip_optcopy included), not only the drop paths.
  expect(b.k.run(() => ipstat().ips_fragmented)).toBeGreaterThan(0);
});

test("epair: 400 random/truncated/mutated frames on each half", () => {
  const b = new Bench();
  b.attach("epair", "epair0a", MAC_A);
  b.attach("epair", "epair0b", MAC_PEER);
  expect(b.addAddr("epair0a", "10.0.0.1", 24)).toBe(0);
  expect(b.setFlags("epair0b", b.ifp("epair0b").if_flags | 1)).toBe(0);
  fuzz(b, "epair0a", 0xbeef, false);
  fuzz(b, "epair0b", 0xcafe, false);
});

test("tun: 400 random/truncated/mutated raw datagrams", () => {
  const b = new Bench();
  b.attach("tun", "tun0");
  expect(b.addAddr("tun0", "10.0.0.1", 32, "10.0.0.2")).toBe(0);
  forwarding(b);
  fuzz(b, "tun0", 0x7e57, true);
});
