import { describe, expect, it } from "vitest";
import {
  checksumVerifies,
  internetChecksum,
  onesComplementSum,
  pseudoHeaderSum,
} from "../../src/wire/checksum.ts";
import { hexBytes, pseudoHeaderBytes, randomBytes, referenceChecksum, seededRandom } from "./helpers.ts";

describe("internet checksum", () => {
  it("matches RFC 1071 section 3's worked example", () => {
    // RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 2ddf0, folded ddf2; the checksum is ~ddf2.
    const bytes = hexBytes("00 01 f2 03 f4 f5 f6 f7");
    expect(onesComplementSum(bytes)).toBe(0xddf2);
    expect(internetChecksum(bytes)).toBe(0x220d);
  });

  it("computes a well-known IPv4 header checksum (0xb861)", () => {
    // 192.168.0.1 > 192.168.0.199 UDP, total length 0x73, DF, TTL 64, checksum field zeroed.
    // By hand: 4500+0073+0000+4000+4011+c0a8+0001+c0a8+00c7 = 2479c, folded 479e, ~ = b861.
    const header = hexBytes("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
    expect(internetChecksum(header)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(checksumVerifies(header)).toBe(true);
  });

  it("pads an odd trailing byte with zero", () => {
    expect(internetChecksum(hexBytes("01"))).toBe(internetChecksum(hexBytes("0100")));
  });

  it("agrees with an independent modulo-0xffff computation on random buffers", () => {
    const rand = seededRandom(1071);
    for (let i = 0; i < 500; i++) {
      const bytes = randomBytes(rand, Math.floor(rand() * 200));
      expect(internetChecksum(bytes)).toBe(referenceChecksum(bytes));
    }
  });

  it("sums the pseudo-header like the 12 bytes RFC 768 describes", () => {
    const rand = seededRandom(768);
    for (let i = 0; i < 200; i++) {
      const src = Math.floor(rand() * 2 ** 32) >>> 0;
      const dst = Math.floor(rand() * 2 ** 32) >>> 0;
      const len = Math.floor(rand() * 65536);
      const expected = 0xffff - referenceChecksum(pseudoHeaderBytes(src, dst, 17, len));
      // Both are one's complement sums; 0 and 0xffff are the same value.
      expect(pseudoHeaderSum(src, dst, 17, len) % 0xffff).toBe(expected % 0xffff);
    }
  });
});
