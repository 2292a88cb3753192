import { describe, expect, it } from "vitest";
import { mac } from "../../src/wire/addr.ts";
import { arpBufferLen, emitArp, formatArp, parseArp, type ArpRepr } from "../../src/wire/arp.ts";
import { isWireError } from "../../src/wire/error.ts";
import { hexBytes } from "./helpers.ts";

// RFC 826 packet for Ethernet/IPv4: 10.0.0.2 (02:00:00:00:00:02) asks for 10.0.0.1.
const REQUEST = hexBytes(`
  0001                # ar_hrd: Ethernet (1)
  0800                # ar_pro: IPv4
  06 04               # ar_hln 6, ar_pln 4
  0001                # ar_op: request
  02 00 00 00 00 02   # sender hardware address
  0a 00 00 02         # sender protocol address 10.0.0.2
  00 00 00 00 00 00   # target hardware address: unknown
  0a 00 00 01         # target protocol address 10.0.0.1
`);

const REPR: ArpRepr = {
  hardwareType: 1,
  protocolType: 0x0800,
  operation: 1,
  senderMac: mac("02:00:00:00:00:02"),
  senderIp: 0x0a000002,
  targetMac: mac("00:00:00:00:00:00"),
  targetIp: 0x0a000001,
};

describe("arp", () => {
  it("deconstructs", () => {
    expect(REQUEST.length).toBe(28);
    const a = parseArp(REQUEST);
    if (isWireError(a)) throw new Error(a.message);
    expect(a.hardwareType).toBe(1);
    expect(a.protocolType).toBe(0x0800);
    expect(a.operation).toBe(1);
    expect(a.senderIp).toBe(0x0a000002);
    expect(a.targetIp).toBe(0x0a000001);
  });

  it("parses to the repr and emits the same bytes", () => {
    expect(parseArp(REQUEST)).toEqual(REPR);
    expect(arpBufferLen(REPR)).toBe(28);
    expect(emitArp(REPR)).toEqual(REQUEST);
  });

  it("ignores bytes after the 28-byte packet (Ethernet padding)", () => {
    const padded = new Uint8Array(46);
    padded.set(REQUEST);
    expect(parseArp(padded)).toEqual(REPR);
  });

  it("returns error values for short input and non-Ethernet/IPv4 lengths", () => {
    expect(isWireError(parseArp(REQUEST.subarray(0, 27)))).toBe(true);
    const badPln = REQUEST.slice();
    badPln[5] = 16; // in_arpinput drops ar_pln != sizeof(struct in_addr) too
    const e = parseArp(badPln);
    expect(isWireError(e) && e.offset).toBe(5);
    const badHln = REQUEST.slice();
    badHln[4] = 8;
    expect(isWireError(parseArp(badHln))).toBe(true);
  });

  it("formats requests and replies in tcpdump's words", () => {
    expect(formatArp(REPR)).toBe("ARP who-has 10.0.0.1 tell 10.0.0.2");
    const reply: ArpRepr = {
      ...REPR,
      operation: 2,
      senderMac: mac("02:00:00:00:00:01"),
      senderIp: 0x0a000001,
      targetMac: mac("02:00:00:00:00:02"),
      targetIp: 0x0a000002,
    };
    expect(formatArp(reply)).toBe("ARP reply 10.0.0.1 is-at 02:00:00:00:00:01");
    expect(formatArp({ ...REPR, hardwareType: 6 })).toBe("ARP who-has 10.0.0.1 tell 10.0.0.2 [hrd 6]");
    expect(formatArp({ ...REPR, targetMac: mac("02:00:00:00:00:01") })).toBe(
      "ARP who-has 10.0.0.1 (02:00:00:00:00:01) tell 10.0.0.2",
    );
  });
});
