import { describe, expect, it } from "vitest";
import { isWireError } from "../../src/wire/error.ts";
import {
  emitIgmp,
  formatIgmp,
  igmpBufferLen,
  igmpChecksumOk,
  igmpDecodeExpCode,
  parseIgmp,
  type IgmpRepr,
} from "../../src/wire/igmp.ts";
import { hexBytes, referenceChecksum } from "./helpers.ts";

// RFC 2236 section 2 message: type, max resp time, checksum, group. Checksums by hand
// (one's complement of the folded word sum), and checked again below by referenceChecksum.
const V2_REPORT = hexBytes("16 00 f9fc ef010101"); // ~(1600+ef01+0101 → 0603)
const V2_LEAVE = hexBytes("17 00 f8fc ef010101"); // ~(1700+ef01+0101 → 0703)
const V1_REPORT = hexBytes("12 00 fdfc ef010101"); // ~(1200+ef01+0101 → 0203)
const V2_QUERY = hexBytes("11 64 ee9b 00000000"); // general query, 10 s; ~1164
const V1_QUERY = hexBytes("11 00 eeff 00000000"); // max resp 0 marks v1 (RFC 2236 4); ~1100

// RFC 3376 4.1 query, 12 bytes.
const V3_QUERY = hexBytes(`
  11 64 ec1e    # type 0x11, max resp code 100, checksum ~(1164+027d)
  00000000      # group: general query
  02            # Resv 0, S 0, QRV 2
  7d            # QQIC 125
  0000          # number of sources
`);

// RFC 3376 4.2 report with two group records.
const V3_REPORT = hexBytes(`
  22 00 eef0    # type 0x22, reserved, checksum
  0000 0002     # reserved, two records
  04 00 0000 ef010101           # CHANGE_TO_EXCLUDE 239.1.1.1, no sources
  01 00 0001 ef010102 0a000005  # MODE_IS_INCLUDE 239.1.1.2, source 10.0.0.5
`);
const V3_REPORT_REPR: IgmpRepr = {
  kind: "v3-report",
  reserved1: 0,
  reserved2: 0,
  checksum: 0xeef0,
  records: [
    { type: 4, group: 0xef010101, sources: [], auxData: new Uint8Array(0) },
    { type: 1, group: 0xef010102, sources: [0x0a000005], auxData: new Uint8Array(0) },
  ],
};

describe("igmp", () => {
  it("checksums agree with an independent computation", () => {
    for (const m of [V2_REPORT, V2_LEAVE, V1_REPORT, V2_QUERY, V1_QUERY, V3_QUERY, V3_REPORT]) {
      const zeroed = m.slice();
      zeroed[2] = zeroed[3] = 0;
      expect(referenceChecksum(zeroed)).toBe((m[2] << 8) | m[3]);
      expect(igmpChecksumOk(m)).toBe(true);
    }
  });

  it("deconstructs and round-trips the 8-byte messages", () => {
    const cases: Array<[Uint8Array, IgmpRepr]> = [
      [V2_REPORT, { kind: "v2-report", maxRespCode: 0, checksum: 0xf9fc, group: 0xef010101 }],
      [V2_LEAVE, { kind: "v2-leave", maxRespCode: 0, checksum: 0xf8fc, group: 0xef010101 }],
      [V1_REPORT, { kind: "v1-report", maxRespCode: 0, checksum: 0xfdfc, group: 0xef010101 }],
      [V2_QUERY, { kind: "query", maxRespCode: 100, checksum: 0xee9b, group: 0 }],
      [V1_QUERY, { kind: "query", maxRespCode: 0, checksum: 0xeeff, group: 0 }],
    ];
    for (const [bytes, repr] of cases) {
      expect(parseIgmp(bytes)).toEqual(repr);
      expect(igmpBufferLen(repr)).toBe(8);
      expect(emitIgmp(repr)).toEqual(bytes);
      const { checksum: _omit, ...noSum } = repr;
      expect(emitIgmp(noSum as IgmpRepr)).toEqual(bytes);
    }
  });

  it("deconstructs and round-trips a v3 query", () => {
    const q = parseIgmp(V3_QUERY);
    expect(q).toEqual({
      kind: "v3-query",
      maxRespCode: 100,
      checksum: 0xec1e,
      group: 0,
      reserved: 0,
      suppressRouterProcessing: false,
      qrv: 2,
      qqic: 125,
      sources: [],
    });
    if (!isWireError(q)) expect(emitIgmp(q)).toEqual(V3_QUERY);
  });

  it("deconstructs and round-trips a v3 report", () => {
    expect(parseIgmp(V3_REPORT)).toEqual(V3_REPORT_REPR);
    expect(igmpBufferLen(V3_REPORT_REPR)).toBe(V3_REPORT.length);
    expect(emitIgmp(V3_REPORT_REPR)).toEqual(V3_REPORT);
  });

  it("tells query versions apart by length (RFC 3376 7.1)", () => {
    // 9 to 11 bytes is no valid query: kept raw.
    const odd = new Uint8Array([...V2_QUERY, 0, 0]);
    const m = parseIgmp(odd);
    expect(!isWireError(m) && m.kind).toBe("other");
    if (!isWireError(m)) expect(emitIgmp(m)).toEqual(odd);
  });

  it("returns error values for short and inconsistent messages", () => {
    expect(isWireError(parseIgmp(V2_REPORT.subarray(0, 7)))).toBe(true);
    const lying = V3_QUERY.slice();
    lying[11] = 3; // three sources announced, none present
    expect(isWireError(parseIgmp(lying))).toBe(true);
    expect(isWireError(parseIgmp(V3_REPORT.subarray(0, V3_REPORT.length - 1)))).toBe(true);
    const moreRecords = V3_REPORT.slice();
    moreRecords[7] = 3;
    expect(isWireError(parseIgmp(moreRecords))).toBe(true);
  });

  it("decodes exponential codes (RFC 3376 4.1.1: (mant | 0x10) << (exp + 3))", () => {
    expect(igmpDecodeExpCode(100)).toBe(100);
    expect(igmpDecodeExpCode(0x80)).toBe(0x10 << 3);
    expect(igmpDecodeExpCode(0xff)).toBe(0x1f << 10);
  });

  it("formats", () => {
    const f = (b: Uint8Array): string => formatIgmp(parseIgmp(b) as IgmpRepr);
    expect(f(V2_REPORT)).toBe("IGMP v2 report 239.1.1.1");
    expect(f(V2_LEAVE)).toBe("IGMP v2 leave 239.1.1.1");
    expect(f(V1_REPORT)).toBe("IGMP v1 report 239.1.1.1");
    expect(f(V2_QUERY)).toBe("IGMP v2 query general max resp 10.0s");
    expect(f(V1_QUERY)).toBe("IGMP v1 query general");
    expect(f(V3_QUERY)).toBe("IGMP v3 query general max resp 10.0s qrv 2 qqi 125s");
    expect(f(V3_REPORT)).toBe("IGMP v3 report 2 record(s): to_ex 239.1.1.1 {}; is_in 239.1.1.2 {10.0.0.5}");
  });
});
