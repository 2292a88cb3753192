import { describe, expect, it } from "vitest";
import { isDecodeError } from "../../src/abi/decode.ts";
import {
  AF_INET,
  AF_INET6,
  AF_LINK,
  AF_LOCAL,
  AF_ROUTE,
  AF_UNSPEC,
  LLADDR,
  PF_ROUTE,
  SA_SIZE,
  decodeSockaddr,
  encodeSockaddr,
  isSockaddrDl,
  isSockaddrIn,
  ipv4FromSockaddr,
  isSockaddrRaw,
  sdlName,
  sockaddrDl,
  sockaddrIn,
  type SockaddrDl,
  type SockaddrIn,
} from "../../src/abi/socket.ts";
import { hexBytes } from "../wire/helpers.ts";

describe("address families", () => {
  it("match sys/sys/socket.h", () => {
    // 10.4 sys/sys/socket.h AF_* and PF_ROUTE = AF_ROUTE
    expect([AF_UNSPEC, AF_LOCAL, AF_INET, AF_ROUTE, AF_LINK, AF_INET6]).toEqual([0, 1, 2, 17, 18, 28]);
    expect(PF_ROUTE).toBe(17);
  });
});

describe("SA_SIZE", () => {
  it("rounds sa_len up to sizeof(long), 0 to sizeof(long)", () => {
    // 10.4 sys/net/route.h SA_SIZE: 0 -> sizeof(long); else 1 + ((len - 1) | (sizeof(long) - 1))
    expect(SA_SIZE(0)).toBe(8);
    expect(SA_SIZE(1)).toBe(8);
    expect(SA_SIZE(7)).toBe(8);
    expect(SA_SIZE(8)).toBe(8);
    expect(SA_SIZE(9)).toBe(16);
    expect(SA_SIZE(16)).toBe(16);
    expect(SA_SIZE(20)).toBe(24);
    expect(SA_SIZE(54)).toBe(56);
  });
});

describe("sockaddr_in in a routing message", () => {
  // sockaddr_in for 10.0.0.1 (10.4 sys/netinet/in.h struct sockaddr_in: sin_len, sin_family,
  // sin_port (network order), sin_addr (network order), sin_zero[8])
  const bytes = hexBytes("10 02 00 00 0a 00 00 01 00 00 00 00 00 00 00 00");
  const repr: SockaddrIn = { sin_len: 16, sin_family: AF_INET, sin_port: 0, sin_addr: 0x0a000001 };

  it("parses and emits", () => {
    expect(decodeSockaddr(bytes)).toEqual(repr);
    expect(encodeSockaddr(repr)).toEqual(bytes);
    expect(sockaddrIn(0x0a000001)).toEqual(repr);
  });

  it("keeps the port in host order and sin_zero when non-zero", () => {
    const b = hexBytes("10 02 1f 90 c0 a8 01 02 01 02 03 04 05 06 07 08");
    const sa = decodeSockaddr(b) as SockaddrIn;
    expect(sa.sin_port).toBe(8080);
    expect(sa.sin_addr).toBe(0xc0a80102);
    expect(sa.sin_zero).toEqual(hexBytes("01 02 03 04 05 06 07 08"));
    expect(encodeSockaddr(sa)).toEqual(b);
  });

  it("reads a trimmed netmask of sin_len 7 and writes back only 7 bytes", () => {
    // seed in.c:177-189 in_socktrim: sin_len = offset of the last non-zero mask byte + 1, so
    // 255.255.255.0 gets sin_len 7; rtsock.c rt_msg1/rt_msg2 then take SA_SIZE(7) = 8 bytes.
    const wire = hexBytes("07 02 00 00 ff ff ff 00");
    const sa = decodeSockaddr(wire);
    expect(sa).toEqual({ sin_len: 7, sin_family: AF_INET, sin_port: 0, sin_addr: 0xffffff00 });
    expect(encodeSockaddr(sa as SockaddrIn)).toEqual(wire.subarray(0, 7));
    const into = new Uint8Array(8).fill(0xee);
    encodeSockaddr(sa as SockaddrIn, into, 0);
    expect(into).toEqual(hexBytes("07 02 00 00 ff ff ff ee"));
  });

  it("reads masks trimmed to 5 and 8 bytes", () => {
    // in_socktrim: 255.0.0.0 -> sin_len 5; 255.255.255.255 -> sin_len 8
    expect(decodeSockaddr(hexBytes("05 02 00 00 ff"))).toMatchObject({ sin_addr: 0xff000000 });
    expect(decodeSockaddr(hexBytes("08 02 00 00 ff ff ff ff"))).toMatchObject({
      sin_len: 8,
      sin_addr: 0xffffffff,
    });
  });

  it("treats sa_len 0 as an empty sockaddr", () => {
    // rtsock.c rt_xaddrs: sa_len 0 is accepted "for compat"; SA_SIZE(0) = 8
    const sa = decodeSockaddr(new Uint8Array(8));
    expect(isSockaddrRaw(sa as never)).toBe(true);
    expect(sa).toEqual({ sa_len: 0, sa_family: 0, sa_data: new Uint8Array(0) });
  });

  it("errors when sa_len runs past the limit", () => {
    const e = decodeSockaddr(hexBytes("10 02 00 00 0a 00"));
    expect(isDecodeError(e)).toBe(true);
    expect(isDecodeError(decodeSockaddr(bytes, 0, 8))).toBe(true);
    expect(isDecodeError(decodeSockaddr(new Uint8Array(0)))).toBe(true);
  });
});

describe("sockaddr_dl in a routing message", () => {
  // struct sockaddr_dl (10.4 sys/net/if_dl.h): len, family, index (u_short, little-endian on
  // amd64), type, nlen, alen, slen, then name and link address in sdl_data.
  const bytes = hexBytes(`
    14 12 01 00 06 06 06 00
    76 74 6e 65 74 30
    52 54 00 12 34 56`);
  const repr: SockaddrDl = {
    sdl_len: 20,
    sdl_family: AF_LINK,
    sdl_index: 1,
    sdl_type: 6,
    sdl_nlen: 6,
    sdl_alen: 6,
    sdl_slen: 0,
    sdl_data: hexBytes("76 74 6e 65 74 30 52 54 00 12 34 56"),
  };

  it("parses and emits", () => {
    const sa = decodeSockaddr(bytes);
    expect(sa).toEqual(repr);
    expect(encodeSockaddr(repr)).toEqual(bytes);
  });

  it("builds the same sockaddr from parts, and LLADDR/sdlName read it", () => {
    const built = sockaddrDl({
      index: 1,
      type: 6,
      name: "vtnet0",
      lladdr: hexBytes("52 54 00 12 34 56"),
    });
    expect(built).toEqual(repr);
    expect(LLADDR(built)).toEqual(hexBytes("52 54 00 12 34 56"));
    expect(sdlName(built)).toBe("vtnet0");
    expect(isSockaddrDl(built)).toBe(true);
    expect(isSockaddrIn(built)).toBe(false);
  });

  it("pads sdl_data to a longer sdl_len", () => {
    const sdl = sockaddrDl({ index: 2, type: 0x18, name: "lo0", len: 54 });
    expect(sdl.sdl_data.length).toBe(46);
    const wire = encodeSockaddr(sdl);
    expect(wire.length).toBe(54);
    expect(decodeSockaddr(wire)).toEqual(sdl);
  });

  it("keeps unknown families raw", () => {
    const raw = hexBytes("06 1c 01 02 03 04");
    const sa = decodeSockaddr(raw);
    expect(sa).toEqual({ sa_len: 6, sa_family: AF_INET6, sa_data: hexBytes("01 02 03 04") });
    expect(encodeSockaddr(sa as never)).toEqual(raw);
  });
});

describe("ipv4FromSockaddr", () => {
  it("reads bytes 4..7 of an inet-shaped sockaddr, else null", () => {
    expect(ipv4FromSockaddr(sockaddrIn(0xc0a80001))).toBe(0xc0a80001);
    expect(ipv4FromSockaddr({ sa_len: 6, sa_family: 0, sa_data: hexBytes("00 00 ff ff") })).toBe(0xffff0000);
    expect(ipv4FromSockaddr(sockaddrDl({ index: 1, type: 6 }))).toBeNull();
    expect(ipv4FromSockaddr({ sa_len: 28, sa_family: AF_INET6, sa_data: new Uint8Array(26) })).toBeNull();
  });
});
