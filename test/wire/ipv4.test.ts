import { describe, expect, it } from "vitest";
import { isWireError } from "../../src/wire/error.ts";
import {
  emitIpv4Packet,
  formatIpv4Header,
  ipv4BufferLen,
  ipv4ChecksumOk,
  parseIpv4Options,
  parseIpv4Packet,
  routerAlertOption,
  type Ipv4Repr,
} from "../../src/wire/ipv4.ts";
import { hexBytes, referenceChecksum } from "./helpers.ts";

// RFC 791 header, 10.0.0.2 > 10.0.0.1 carrying a 12-byte ICMP echo request.
const HEADER = hexBytes(`
  45          # version 4, IHL 5 (20 bytes)
  00          # TOS
  0020        # total length 32
  1234        # identification
  4000        # flags DF, fragment offset 0
  40          # TTL 64
  01          # protocol ICMP
  14a7        # header checksum (by hand: ~(4500+0020+1234+4000+4001+0a00+0002+0a00+0001) = ~eb58)
  0a000002    # source 10.0.0.2
  0a000001    # destination 10.0.0.1
`);
const PAYLOAD = hexBytes("0800 192d 0001 0001 70696e67");
const PACKET = new Uint8Array([...HEADER, ...PAYLOAD]);

const REPR: Ipv4Repr = {
  tos: 0,
  ident: 0x1234,
  reservedFlag: false,
  dontFragment: true,
  moreFragments: false,
  fragmentOffset: 0,
  ttl: 64,
  protocol: 1,
  checksum: 0x14a7,
  src: 0x0a000002,
  dst: 0x0a000001,
  options: new Uint8Array(0),
  payload: PAYLOAD,
};

// The same shape with a Router Alert option (RFC 2113), as IGMPv2 sends: IHL 6.
const WITH_RA = hexBytes(`
  46 00 0020 0000 0000 01 02
  2ad4        # checksum
  0a000002 ef010101
  94 04 0000  # option 148 (RA), length 4, value 0
  1600 f9fc ef010101  # IGMPv2 report 239.1.1.1
`);

describe("ipv4", () => {
  it("has a header checksum that an independent computation agrees with", () => {
    const zeroed = HEADER.slice();
    zeroed[10] = zeroed[11] = 0;
    expect(referenceChecksum(zeroed)).toBe(0x14a7);
    expect(ipv4ChecksumOk(PACKET)).toBe(true);
    const zeroedRa = WITH_RA.slice(0, 24);
    zeroedRa[10] = zeroedRa[11] = 0;
    expect(referenceChecksum(zeroedRa)).toBe(0x2ad4);
  });

  it("deconstructs", () => {
    const ip = parseIpv4Packet(PACKET);
    if (isWireError(ip)) throw new Error(ip.message);
    expect(ip.ident).toBe(0x1234);
    expect(ip.dontFragment).toBe(true);
    expect(ip.ttl).toBe(64);
    expect(ip.protocol).toBe(1);
    expect(ip.src).toBe(0x0a000002);
    expect(ip.dst).toBe(0x0a000001);
    expect(ip.payload).toEqual(PAYLOAD);
  });

  it("parses to the repr and emits the same bytes", () => {
    expect(parseIpv4Packet(PACKET)).toEqual(REPR);
    expect(ipv4BufferLen(REPR)).toBe(32);
    expect(emitIpv4Packet(REPR)).toEqual(PACKET);
  });

  it("constructs: computes the checksum when the repr has none", () => {
    const { checksum: _omit, ...noSum } = REPR;
    expect(emitIpv4Packet(noSum)).toEqual(PACKET);
  });

  it("keeps a wrong checksum as read, and reports it", () => {
    const bad = PACKET.slice();
    bad[11] ^= 0xff;
    const ip = parseIpv4Packet(bad);
    expect(!isWireError(ip) && ip.checksum).toBe(0x1458);
    expect(ipv4ChecksumOk(bad)).toBe(false);
    if (!isWireError(ip)) expect(emitIpv4Packet(ip)).toEqual(bad);
  });

  it("preserves options byte for byte", () => {
    const ip = parseIpv4Packet(WITH_RA);
    if (isWireError(ip)) throw new Error(ip.message);
    // 10.4 sys/netinet/igmp.c igmp_ra_alloc: IPOPT_RA (148), length 0x04, IPOPT_EOL, pad 0.
    expect(ip.options).toEqual(hexBytes("94 04 00 00"));
    expect(routerAlertOption()).toEqual(ip.options);
    expect(parseIpv4Options(ip.options)).toEqual([{ type: 148, data: new Uint8Array([0, 0]) }]);
    expect(emitIpv4Packet(ip)).toEqual(WITH_RA);
    expect(formatIpv4Header(ip)).toBe("IP 10.0.0.2 > 239.1.1.1 [options (RA)]");
  });

  it("leaves bytes past the total length to the caller", () => {
    const padded = new Uint8Array(46);
    padded.set(PACKET);
    const ip = parseIpv4Packet(padded);
    expect(!isWireError(ip) && ipv4BufferLen(ip)).toBe(32);
  });

  it("returns error values for malformed headers", () => {
    const cases: Array<[string, (b: Uint8Array) => Uint8Array, RegExp]> = [
      ["short", (b) => b.subarray(0, 19), /truncated/],
      ["version 6", (b) => ((b[0] = 0x65), b), /version 6/],
      ["IHL 4", (b) => ((b[0] = 0x44), b), /header length 16/],
      ["total < IHL", (b) => ((b[3] = 0x10), b), /total length 16 below/],
      ["total > bytes", (b) => ((b[3] = 0x40), b), /truncated: total length 64/],
      ["IHL past end", (b) => ((b[0] = 0x4f), (b[3] = 0x20), b), /total length 32 below header length 60/],
    ];
    for (const [name, mutate, message] of cases) {
      const e = parseIpv4Packet(mutate(PACKET.slice()));
      expect(isWireError(e) ? e.message : `parsed (${name})`).toMatch(message);
    }
  });

  it("splits options and rejects malformed ones", () => {
    // NOP; RR (7) of length 7: pointer 4 and one address; EOL and padding.
    const opts = hexBytes("01 07 07 04 0a000001 00 00 00");
    expect(parseIpv4Options(opts)).toEqual([
      { type: 1, data: new Uint8Array(0) },
      { type: 7, data: hexBytes("04 0a000001") },
    ]);
    expect(isWireError(parseIpv4Options(hexBytes("07 09 04 00")))).toBe(true);
    expect(isWireError(parseIpv4Options(hexBytes("94")))).toBe(true);
    expect(isWireError(parseIpv4Options(hexBytes("94 01 00 00")))).toBe(true);
  });

  it("formats fragments", () => {
    const frag = { ...REPR, moreFragments: true, fragmentOffset: 185 };
    expect(formatIpv4Header(frag)).toBe("IP 10.0.0.2 > 10.0.0.1 [frag id 4660 offset 1480+]");
    expect(formatIpv4Header(REPR, { src: 40000, dst: 9 })).toBe("IP 10.0.0.2.40000 > 10.0.0.1.9");
  });
});
