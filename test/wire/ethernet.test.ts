import { describe, expect, it } from "vitest";
import { mac } from "../../src/wire/addr.ts";
import { isWireError } from "../../src/wire/error.ts";
import {
  emitEthernet,
  ethernetBufferLen,
  ETHERTYPE_ARP,
  formatEthernet,
  parseEthernet,
  type EthernetRepr,
} from "../../src/wire/ethernet.ts";
import { hexBytes } from "./helpers.ts";

// Ethernet II header (IEEE 802.3 clause 3.2 with an EtherType) and four payload bytes.
const FRAME = hexBytes(`
  ff ff ff ff ff ff    # destination: broadcast
  02 00 00 00 00 02    # source: a locally administered MAC
  08 06                # EtherType: ARP
  de ad be ef          # payload
`);

const REPR: EthernetRepr = {
  dst: mac("ff:ff:ff:ff:ff:ff"),
  src: mac("02:00:00:00:00:02"),
  ethertype: ETHERTYPE_ARP,
  payload: hexBytes("deadbeef"),
};

describe("ethernet", () => {
  it("deconstructs", () => {
    const e = parseEthernet(FRAME);
    if (isWireError(e)) throw new Error(e.message);
    expect([...e.dst]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect([...e.src]).toEqual([0x02, 0, 0, 0, 0, 0x02]);
    expect(e.ethertype).toBe(0x0806);
    expect([...e.payload]).toEqual([0xde, 0xad, 0xbe, 0xef]);
  });

  it("parses to the repr and emits the same bytes", () => {
    expect(parseEthernet(FRAME)).toEqual(REPR);
    expect(ethernetBufferLen(REPR)).toBe(18);
    expect(emitEthernet(REPR)).toEqual(FRAME);
  });

  it("keeps a short frame short: no padding to 60 bytes", () => {
    expect(emitEthernet(REPR).length).toBe(18);
  });

  it("returns an error value below 14 bytes", () => {
    const e = parseEthernet(FRAME.subarray(0, 13));
    expect(isWireError(e) && e.message).toMatch(/truncated: needs 14 bytes, 13 available/);
  });

  it("formats like tcpdump -e", () => {
    expect(formatEthernet(REPR)).toBe(
      "02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 18",
    );
  });
});
