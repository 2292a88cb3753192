// The log formatters and small helpers: their output is what reports and diffs show, so pin it.

import { describe, expect, it } from "vitest";
import { decodeError, formatDecodeError, isDecodeError } from "../../src/abi/decode.ts";
import { formatIfreq, ifreqWithInt } from "../../src/abi/if.ts";
import { encodeInAliasreq, formatInAliasreq, formatSockaddrIn, inAliasreq } from "../../src/abi/in.ts";
import {
  RTM_DELMADDR,
  RTM_IEEE80211,
  RTM_NEWADDR,
  encodeRoutingMessage,
  formatRoutingMessage,
  formatSockaddr,
  newRoutingMessage,
  routingMessageLength,
} from "../../src/abi/route.ts";
import { sockaddrIn } from "../../src/abi/socket.ts";

describe("formatters", () => {
  it("decode errors", () => {
    const e = decodeError("ifreq", 4, "truncated");
    expect(isDecodeError(e)).toBe(true);
    expect(isDecodeError({ kind: "rt" })).toBe(false);
    expect(isDecodeError(null)).toBe(false);
    expect(formatDecodeError(e)).toBe("ifreq at byte 4: truncated");
  });

  it("sockaddrs", () => {
    expect(formatSockaddrIn(sockaddrIn(0x0a000001))).toBe("10.0.0.1");
    expect(formatSockaddrIn({ sin_len: 16, sin_family: 0, sin_port: 80, sin_addr: 0x7f000001 })).toBe(
      "127.0.0.1 (family 0, port 80)",
    );
    expect(formatSockaddr({ sa_len: 4, sa_family: 28, sa_data: new Uint8Array([1, 2]) })).toBe(
      "(af 28 len 4 0102)",
    );
    expect(formatSockaddr({ sa_len: 0, sa_family: 0, sa_data: new Uint8Array(0) })).toBe("(af 0 len 0)");
  });

  it("in_aliasreq and ifreq", () => {
    // inAliasreq takes (name, addr, mask, broadaddr[, vhid]) and fills the struct's fields
    const req = inAliasreq("tun0", sockaddrIn(0x0a000001), sockaddrIn(0xffffffff), sockaddrIn(0x0a000002), 5);
    expect(req).toEqual({
      ifra_name: "tun0",
      ifra_addr: sockaddrIn(0x0a000001),
      ifra_broadaddr: sockaddrIn(0x0a000002),
      ifra_mask: sockaddrIn(0xffffffff),
      ifra_vhid: 5,
    });
    expect(formatInAliasreq(req)).toBe("tun0 addr 10.0.0.1 mask 255.255.255.255 brd/dst 10.0.0.2 vhid 5");
    expect(formatIfreq(ifreqWithInt("em0", 1))).toBe("ifreq em0 ifru 01000000000000000000000000000000");
  });

  it("encoders refuse a caller buffer that is too small", () => {
    expect(() => encodeInAliasreq(req0(), new Uint8Array(67))).toThrow(RangeError);
    expect(() => encodeInAliasreq(req0(), new Uint8Array(68), 1)).toThrow(RangeError);
  });

  it("ifma and ifannounce lines; IEEE80211 uses the announce header", () => {
    const ifma = newRoutingMessage(RTM_DELMADDR, { ifa: sockaddrIn(0xe00000fb) });
    expect(formatRoutingMessage(ifma)).toBe("RTM_DELMADDR: len 0, index 0, flags 0x0 <IFA> ifa=224.0.0.251");
    const wifi = newRoutingMessage(RTM_IEEE80211);
    expect(wifi.kind).toBe("ifannounce");
    if (wifi.kind === "ifannounce") wifi.hdr.ifan_what = 7;
    expect(formatRoutingMessage(wifi)).toBe("RTM_IEEE80211: len 0, if# 0, what 7");
    expect(encodeRoutingMessage(wifi).length).toBe(24);
    expect(routingMessageLength("ifa", {}, { align: true })).toBe(24);
    expect(newRoutingMessage(RTM_NEWADDR).kind).toBe("ifa");
  });
});

function req0() {
  return inAliasreq("x", sockaddrIn(1), sockaddrIn(0), sockaddrIn(0));
}
