import { describe, expect, it } from "vitest";
import {
  ipv4MulticastMac,
  isMulticastMac,
  mac,
  macEquals,
  macToString,
  parseMac,
} from "../../src/wire/addr.ts";
import { isWireError } from "../../src/wire/error.ts";

describe("MAC addresses", () => {
  it("round-trips text and bytes", () => {
    const m = mac("52:54:00:12:34:5e");
    expect([...m]).toEqual([0x52, 0x54, 0x00, 0x12, 0x34, 0x5e]);
    expect(macToString(m)).toBe("52:54:00:12:34:5e");
    expect([...mac("02-00-00-00-00-0A")]).toEqual([2, 0, 0, 0, 0, 10]);
    // One or two digits per octet, either separator, mixed.
    expect([...mac("2:0-0:fF:0:A")]).toEqual([2, 0, 0, 255, 0, 10]);
  });

  it("rejects malformed text with an error value", () => {
    for (const s of [
      "",
      "02:00:00:00:00",
      "02:00:00:00:00:00:00",
      "0g:00:00:00:00:00",
      "002:0:0:0:0:0",
      "02:00:00:00:00:01:",
      ":02:00:00:00:00:01",
      "02::00:00:00:01",
      "02:00:00:00:00:0 ",
    ]) {
      expect(isWireError(parseMac(s))).toBe(true);
    }
    expect(() => mac("nope")).toThrow(/not a MAC address/);
  });

  it("macEquals: same length and every byte", () => {
    expect(macEquals(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:01"))).toBe(true);
    expect(macEquals(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"))).toBe(false);
    expect(macEquals(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:01").subarray(0, 5))).toBe(false);
  });

  it("maps IPv4 groups to 01:00:5e plus the low 23 bits (RFC 1112 section 6.4)", () => {
    expect(macToString(ipv4MulticastMac(0xe0000001))).toBe("01:00:5e:00:00:01");
    // 239.129.1.2: bit 23 (the 0x80 of the second octet) is dropped.
    expect(macToString(ipv4MulticastMac(0xef810102))).toBe("01:00:5e:01:01:02");
    expect(isMulticastMac(ipv4MulticastMac(0xe0000016))).toBe(true);
    expect(isMulticastMac(mac("02:00:00:00:00:01"))).toBe(false);
  });
});
