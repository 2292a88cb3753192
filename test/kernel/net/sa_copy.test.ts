import { describe, expect, test } from "vitest";
import { AF_INET, AF_LINK, type Sockaddr, type SockaddrIn } from "../../../src/abi/socket.ts";
import { sa_copy, sa_from_image, sa_image } from "../../../src/kernel/net/radix.ts";
import { seededRandom } from "../../wire/helpers.ts";

function randomSin(r: () => number): SockaddrIn {
  const lens = [0, 1, 2, 7, 8, 12, 16, 16, 16, 20];
  const sin: SockaddrIn = {
    sin_len: lens[Math.floor(r() * lens.length)],
    sin_family: r() < 0.8 ? AF_INET : Math.floor(r() * 256),
    sin_port: Math.floor(r() * 0x10000),
    sin_addr: Math.floor(r() * 0x100000000) >>> 0,
  };
  if (r() < 0.4) sin.sin_zero = Uint8Array.from({ length: 8 }, () => (r() < 0.6 ? 0 : Math.floor(r() * 256)));
  return sin;
}

describe("sa_copy: what rt_setgate and a host route's key keep of a sockaddr", () => {
  test("equals reading back the sockaddr's image, for random sockaddr_in of any length and sin_zero", () => {
    const r = seededRandom(12);
    for (let i = 0; i < 2000; i++) {
      const sin = randomSin(r);
      expect(sa_copy(sin), JSON.stringify({ ...sin, sin_zero: sin.sin_zero && [...sin.sin_zero] })).toEqual(
        sa_from_image(sa_image(sin)),
      );
    }
  });

  test("equals reading back the image for sockaddr_dl of every length against their data", () => {
    const r = seededRandom(7);
    for (let i = 0; i < 500; i++) {
      const dataLen = [0, 6, 12, 46, 46][Math.floor(r() * 5)];
      const sdl: Sockaddr = {
        sdl_len: r() < 0.6 ? 8 + dataLen : Math.floor(r() * 64),
        sdl_family: r() < 0.9 ? AF_LINK : Math.floor(r() * 256),
        sdl_index: Math.floor(r() * 0x10000),
        sdl_type: Math.floor(r() * 256),
        sdl_nlen: Math.floor(r() * 8),
        sdl_alen: Math.floor(r() * 8),
        sdl_slen: 0,
        sdl_data: Uint8Array.from({ length: dataLen }, () => Math.floor(r() * 256)),
      };
      expect(sa_copy(sdl)).toEqual(sa_from_image(sa_image(sdl)));
    }
  });

  test("copies: the result shares no storage with the original", () => {
    const sin: SockaddrIn = {
      sin_len: 16,
      sin_family: AF_INET,
      sin_port: 0,
      sin_addr: 0xc0000201,
      sin_zero: Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0),
    };
    const c = sa_copy(sin) as SockaddrIn;
    expect(c).not.toBe(sin);
    expect(c.sin_zero).not.toBe(sin.sin_zero);
    const sdl: Sockaddr = {
      sdl_len: 54,
      sdl_family: AF_LINK,
      sdl_index: 3,
      sdl_type: 6,
      sdl_nlen: 0,
      sdl_alen: 0,
      sdl_slen: 0,
      sdl_data: new Uint8Array(46),
    };
    const d = sa_copy(sdl);
    expect(d).toEqual(sdl);
    expect("sdl_data" in d && d.sdl_data).not.toBe(sdl.sdl_data);
  });
});
