import { describe, expect, it } from "vitest";
import { isDecodeError } from "../../src/abi/decode.ts";
import * as inh from "../../src/abi/in.ts";
import {
  IN_ALIASREQ_OFFSETS,
  IN_ALIASREQ_SIZE,
  OIN_ALIASREQ_SIZE,
  decodeInAliasreq,
  decodeOInAliasreq,
  decodeSockaddrIn,
  encodeInAliasreq,
  encodeOInAliasreq,
  encodeSockaddrIn,
  ipv4ToString,
  parseIpv4,
  type InAliasreq,
} from "../../src/abi/in.ts";
import { AF_INET, sockaddrIn } from "../../src/abi/socket.ts";
import { hexBytes } from "../wire/helpers.ts";

describe("in.h constants and predicates", () => {
  it("INADDR_* are host-order values", () => {
    // 10.4 sys/netinet/in.h INADDR_ANY, INADDR_BROADCAST, INADDR_LOOPBACK, INADDR_ALLHOSTS_GROUP
    expect(inh.INADDR_ANY).toBe(0);
    expect(inh.INADDR_BROADCAST).toBe(0xffffffff);
    expect(inh.INADDR_LOOPBACK).toBe(0x7f000001);
    expect(inh.INADDR_ALLHOSTS_GROUP).toBe(0xe0000001);
    expect(inh.INADDR_MAX_LOCAL_GROUP).toBe(0xe00000ff);
    expect(inh.IN_LOOPBACKNET).toBe(127);
    expect(inh.IN_RFC3021_MASK).toBe(0xfffffffe);
    expect([inh.IN_CLASSA_NET, inh.IN_CLASSA_NSHIFT, inh.IN_CLASSA_HOST]).toEqual([
      0xff000000, 24, 0x00ffffff,
    ]);
    expect([inh.IN_CLASSB_NET, inh.IN_CLASSB_NSHIFT]).toEqual([0xffff0000, 16]);
    expect([inh.IN_CLASSC_NET, inh.IN_CLASSC_NSHIFT]).toEqual([0xffffff00, 8]);
  });

  it("classify addresses as the in.h macros do", () => {
    // in.h: IN_CLASSA(i) (i & 0x80000000) == 0; IN_CLASSB (i & 0xc0000000) == 0x80000000;
    // IN_CLASSC (i & 0xe0000000) == 0xc0000000; IN_MULTICAST = IN_CLASSD (i & 0xf0000000) ==
    // 0xe0000000; IN_EXPERIMENTAL (i & 0xf0000000) == 0xf0000000; IN_LINKLOCAL 169.254/16
    expect(inh.IN_CLASSA(0x0a000001)).toBe(true);
    expect(inh.IN_CLASSA(0x80000001)).toBe(false);
    expect(inh.IN_CLASSB(0xac100001)).toBe(true);
    expect(inh.IN_CLASSB(0xc0a80001)).toBe(false);
    expect(inh.IN_CLASSC(0xc0a80001)).toBe(true);
    expect(inh.IN_CLASSC(0xe0000001)).toBe(false);
    expect(inh.IN_MULTICAST(0xe0000001)).toBe(true);
    expect(inh.IN_MULTICAST(0xefffffff)).toBe(true);
    expect(inh.IN_MULTICAST(0xf0000000)).toBe(false);
    expect(inh.IN_EXPERIMENTAL(0xf0000000)).toBe(true);
    expect(inh.IN_EXPERIMENTAL(0xffffffff)).toBe(true);
    expect(inh.IN_LINKLOCAL(0xa9fe0101)).toBe(true);
    expect(inh.IN_LINKLOCAL(0xa9ff0101)).toBe(false);
    expect(inh.IN_LOOPBACK(0x7f000001)).toBe(true);
    expect(inh.IN_ZERONET(0x00000001)).toBe(true);
    expect(inh.IN_PRIVATE(0xac1f0001)).toBe(true);
    expect(inh.IN_PRIVATE(0xac200001)).toBe(false);
    expect(inh.IN_LOCAL_GROUP(0xe00000fb)).toBe(true);
    expect(inh.IN_LOCAL_GROUP(0xe0000100)).toBe(false);
  });

  it("prints and parses dotted quads", () => {
    expect(ipv4ToString(0x0a000001)).toBe("10.0.0.1");
    expect(ipv4ToString(0xffffffff)).toBe("255.255.255.255");
    expect(ipv4ToString(-1)).toBe("255.255.255.255");
    expect(parseIpv4("10.0.0.1")).toBe(0x0a000001);
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIpv4("256.0.0.1")).toBeNull();
    expect(parseIpv4("10.0.1")).toBeNull();
    expect(parseIpv4(" 10.0.0.1")).toBeNull();
    // One to three ASCII digits per part (leading zeros read as decimal), exactly four parts.
    expect(parseIpv4("001.002.003.004")).toBe(0x01020304);
    expect(parseIpv4("0.0.0.0")).toBe(0);
    for (const bad of [
      "",
      "1.2.3.4.",
      ".1.2.3",
      "1..2.3",
      "1.2.3.0255",
      "1.2.3.4 ",
      "1.2.3.\u0664",
      "1.2.3.+4",
    ])
      expect(parseIpv4(bad), JSON.stringify(bad)).toBeNull();
  });

  it("converts prefixes and masks", () => {
    expect(inh.prefixToMask(24)).toBe(0xffffff00);
    expect(inh.prefixToMask(0)).toBe(0);
    expect(inh.prefixToMask(32)).toBe(0xffffffff);
    expect(inh.maskToPrefix(0xffffff00)).toBe(24);
    expect(inh.maskToPrefix(0xffffffff)).toBe(32);
    expect(inh.maskToPrefix(0)).toBe(0);
    expect(inh.maskToPrefix(0xff00ff00)).toBeNull();
  });
});

describe("sockaddr_in (fixed 16 bytes)", () => {
  const bytes = hexBytes("10 02 00 00 c0 a8 01 01 00 00 00 00 00 00 00 00");
  it("parses and emits; a short sin_len still writes 16 bytes", () => {
    expect(decodeSockaddrIn(bytes)).toEqual(sockaddrIn(0xc0a80101));
    expect(encodeSockaddrIn(sockaddrIn(0xc0a80101))).toEqual(bytes);
    const short = encodeSockaddrIn(sockaddrIn(0xffffff00, 7));
    expect(short).toEqual(hexBytes("07 02 00 00 ff ff ff 00 00 00 00 00 00 00 00 00"));
    expect(isDecodeError(decodeSockaddrIn(bytes.subarray(0, 15)))).toBe(true);
  });
});

describe("in_aliasreq", () => {
  // 10.4 sys/netinet/in_var.h struct in_aliasreq: char ifra_name[IFNAMSIZ]; sockaddr_in
  // ifra_addr, ifra_broadaddr (#define ifra_dstaddr ifra_broadaddr), ifra_mask; int ifra_vhid.
  // 16 + 3 * 16 + 4 = 68 bytes, all members 4-aligned, so no tail padding.
  const bytes = hexBytes(`
    76 74 6e 65 74 30 00 00 00 00 00 00 00 00 00 00
    10 02 00 00 0a 00 00 01 00 00 00 00 00 00 00 00
    10 02 00 00 0a 00 00 ff 00 00 00 00 00 00 00 00
    10 02 00 00 ff ff ff 00 00 00 00 00 00 00 00 00
    03 00 00 00`);
  const repr: InAliasreq = {
    ifra_name: "vtnet0",
    ifra_addr: sockaddrIn(0x0a000001),
    ifra_broadaddr: sockaddrIn(0x0a0000ff),
    ifra_mask: sockaddrIn(0xffffff00),
    ifra_vhid: 3,
  };

  it("has the header's size and offsets", () => {
    expect(IN_ALIASREQ_SIZE).toBe(68);
    // struct oifaliasreq (10.4 sys/net/if.h, "Compat with pre-10.x"): no ifra_vhid, 64 bytes
    expect(OIN_ALIASREQ_SIZE).toBe(64);
    expect(IN_ALIASREQ_OFFSETS).toEqual({
      ifra_name: 0,
      ifra_addr: 16,
      ifra_broadaddr: 32,
      ifra_mask: 48,
      ifra_vhid: 64,
    });
    expect(bytes.length).toBe(68);
  });

  it("deconstructs: fields sit at the offsets", () => {
    const v = new DataView(bytes.buffer);
    expect(bytes[IN_ALIASREQ_OFFSETS.ifra_addr + 1]).toBe(AF_INET);
    expect(v.getUint32(IN_ALIASREQ_OFFSETS.ifra_addr + 4, false)).toBe(0x0a000001);
    expect(v.getUint32(IN_ALIASREQ_OFFSETS.ifra_mask + 4, false)).toBe(0xffffff00);
    expect(v.getInt32(IN_ALIASREQ_OFFSETS.ifra_vhid, true)).toBe(3);
  });

  it("constructs into a caller buffer at an offset", () => {
    const buf = new Uint8Array(4 + 68);
    encodeInAliasreq(repr, buf, 4);
    expect(buf.subarray(4)).toEqual(bytes);
    expect(buf.subarray(0, 4)).toEqual(new Uint8Array(4));
  });

  it("parses and emits", () => {
    expect(decodeInAliasreq(bytes)).toEqual(repr);
    expect(encodeInAliasreq(repr)).toEqual(bytes);
  });

  it("9.x layout (OSIOCAIFADDR) drops ifra_vhid", () => {
    // seed in.c:222 case OSIOCAIFADDR ("9.x compat") and in.c:304: vhid is read only for
    // SIOCAIFADDR, otherwise 0.
    const old = bytes.subarray(0, 64);
    expect(decodeOInAliasreq(old)).toEqual({ ...repr, ifra_vhid: 0 });
    expect(encodeOInAliasreq(repr)).toEqual(old);
  });

  it("keeps a short or zero sin_len as written (in.c checks it, the codec does not)", () => {
    // seed in.c:318-331: sin_len 0 means "not given" for broadaddr/mask
    const noMask = { ...repr, ifra_mask: { sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 } };
    expect(decodeInAliasreq(encodeInAliasreq(noMask))).toEqual(noMask);
  });

  it("errors on truncation", () => {
    expect(isDecodeError(decodeInAliasreq(bytes.subarray(0, 67)))).toBe(true);
    expect(isDecodeError(decodeOInAliasreq(bytes.subarray(0, 63)))).toBe(true);
    expect(isDecodeError(decodeInAliasreq(bytes, 1))).toBe(true);
  });
});
