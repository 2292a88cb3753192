import { describe, expect, it } from "vitest";
import { isWireError } from "../../src/wire/error.ts";
import {
  emitUdp,
  formatUdp,
  parseUdp,
  udpBufferLen,
  udpChecksumStatus,
  type UdpRepr,
} from "../../src/wire/udp.ts";
import { concat, hexBytes, pseudoHeaderBytes, referenceChecksum } from "./helpers.ts";

const IP = { src: 0x0a000002, dst: 0x0a000001 };

// RFC 768 datagram 10.0.0.2:40000 > 10.0.0.1:9 carrying "ping".
const DATAGRAM = hexBytes(`
  9c40        # source port 40000
  0009        # destination port 9 (discard)
  000c        # length 12
  70b9        # checksum over pseudo-header + datagram, by hand: ~(1420 + 17b25 → 8f46)
  70696e67    # "ping"
`);
const REPR: UdpRepr = {
  srcPort: 40000,
  dstPort: 9,
  checksum: 0x70b9,
  payload: new TextEncoder().encode("ping"),
};

describe("udp", () => {
  it("checksum agrees with an independent computation over pseudo-header and datagram", () => {
    const zeroed = DATAGRAM.slice();
    zeroed[6] = zeroed[7] = 0;
    expect(referenceChecksum(concat(pseudoHeaderBytes(IP.src, IP.dst, 17, 12), zeroed))).toBe(0x70b9);
    expect(udpChecksumStatus(DATAGRAM, IP)).toBe("ok");
    expect(udpChecksumStatus(DATAGRAM, { ...IP, dst: 0x0a000003 })).toBe("bad");
  });

  it("deconstructs, parses and emits", () => {
    const u = parseUdp(DATAGRAM);
    expect(u).toEqual(REPR);
    expect(udpBufferLen(REPR)).toBe(12);
    expect(emitUdp(REPR, IP)).toEqual(DATAGRAM);
    const { checksum: _omit, ...noSum } = REPR;
    expect(emitUdp(noSum, IP)).toEqual(DATAGRAM);
  });

  it("treats checksum 0 as none sent, and never computes 0 (RFC 768)", () => {
    const none = DATAGRAM.slice();
    none[6] = none[7] = 0;
    expect(udpChecksumStatus(none, IP)).toBe("none");
    // Find a payload whose true sum is 0: pick the last two bytes so the checksum field would be 0.
    const base = { srcPort: 1, dstPort: 2, payload: new Uint8Array(2) };
    const sum = emitUdp({ ...base, checksum: 0 }, IP);
    const needed = referenceChecksum(concat(pseudoHeaderBytes(IP.src, IP.dst, 17, 10), sum));
    const payload = new Uint8Array([needed >>> 8, needed & 0xff]);
    const out = emitUdp({ ...base, payload }, IP);
    expect((out[6] << 8) | out[7]).toBe(0xffff);
    expect(udpChecksumStatus(out, IP)).toBe("ok");
  });

  it("returns error values for short or lying lengths; extra bytes are the caller's", () => {
    expect(isWireError(parseUdp(DATAGRAM.subarray(0, 7)))).toBe(true);
    const tooLong = DATAGRAM.slice();
    tooLong[5] = 13;
    expect(isWireError(parseUdp(tooLong))).toBe(true);
    const tooShort = DATAGRAM.slice();
    tooShort[5] = 7;
    expect(isWireError(parseUdp(tooShort))).toBe(true);
    const extra = new Uint8Array([...DATAGRAM, 0xaa]);
    expect(parseUdp(extra)).toEqual(REPR);
  });

  it("formats as tcpdump does after the addresses", () => {
    expect(formatUdp(REPR)).toBe("UDP, length 4");
  });
});
